"""Back links that return to where the user came from.

A page names its usual parent ("Back to caseload"); when the user arrived from one of the lists
below (given as ``?next=`` or, failing that, by the browser's same-origin ``Referer``), the back
link returns there instead, filters included. Only same-site paths of these lists are followed:
never another host, a scheme, a protocol-relative ``//`` address or a form page.
"""

from urllib.parse import urlsplit

# Pages a back link may return to: path -> what the link says after "Back to ".
BACK_TO = {
    "/my-work/": "My work",
    "/team-work/": "team work",
    "/caseload/": "caseload",
    "/search/": "search",
    "/meetings/": "meetings",
    "/appointments/": "appointments",
    "/releases/board/": "the release board",
    "/registrations/hygiene/": "registration problems",
    "/reports/": "reports",
}
MAX_LENGTH = 500


def _same_site_path(value: str, *, host: str, from_referer: bool) -> str | None:
    """``value`` as ``path?query`` when it is a same-site path we may return to, else None."""
    if not value or len(value) > MAX_LENGTH or "\\" in value or any(ord(c) < 32 for c in value):
        return None
    try:
        parts = urlsplit(value)
    except ValueError:
        return None
    if from_referer:
        if parts.scheme not in ("http", "https") or parts.netloc != host:
            return None
    elif parts.scheme or parts.netloc or not value.startswith("/") or value.startswith("//"):
        return None
    if parts.path not in BACK_TO:
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def back_link(request, default_url: str, default_text: str) -> tuple[str, str]:
    """(href, text) for the page's back link."""
    host = request.get_host()
    candidates = [
        (request.GET.get("next", ""), False),
        (request.POST.get("next", "") if request.method == "POST" else "", False),
        (request.headers.get("Referer", ""), True),
    ]
    for value, from_referer in candidates:
        path = _same_site_path(value, host=host, from_referer=from_referer)
        if path and urlsplit(path).path != request.path:
            return path, f"Back to {BACK_TO[urlsplit(path).path]}"
    return default_url, default_text
