"""PDFs of records (case summary, safety plan, board pack, referral) with WeasyPrint.

One function, ``pdf_response``: it renders a Django template to HTML, then to PDF, from the
same partial templates as the pages. WeasyPrint fetches nothing over the network: the only
resources it may load are the project's own static files (the PDF stylesheet), read from
``STATIC_ROOT`` or, before ``collectstatic`` has run, through the static file finders. Any other
URL (another host, ``file:``, ``data:``, a path outside the static files) is refused.

A PDF is personal data, so the response is ``Cache-Control: no-store, private`` like every page
for a signed-in user, and it is downloaded as an attachment whose filename names the kind of
record only (``safety-plan.pdf``, ``case-summary.pdf``): never a name or a CRN, which would land
in the Downloads folder, the browser's history of downloads and any email it is attached to.

WeasyPrint is imported when a PDF is asked for, not when Django starts, so a machine without
Pango (see ``make system-deps``) still serves every page.
"""

from __future__ import annotations

import mimetypes
import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.http import HttpResponse
from django.template.loader import render_to_string

from safeguard.core.middleware import NoStoreMiddleware

PDF_CONTENT_TYPE = "application/pdf"

# A filename is lower-case words and digits joined by hyphens, ending ".pdf": nothing that a
# name could hide in. A CRN (a letter and six digits, X900001) is refused too.
_FILENAME = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*\.pdf")
_CRN_LIKE = re.compile(r"(?:^|-)[a-z]\d{6}(?:-|\.pdf$)")


class PdfUnavailable(RuntimeError):
    """WeasyPrint or the system libraries it needs (Pango) are not installed."""


def check_filename(filename: str) -> str:
    """``filename`` if it is safe to hand to the browser, else ``ValueError``."""
    if not _FILENAME.fullmatch(filename) or _CRN_LIKE.search(filename):
        raise ValueError(
            f"PDF filename {filename!r} must be lower-case words and digits joined by hyphens, "
            "ending .pdf, with no name or CRN in it"
        )
    return filename


def static_file_for(url: str, *, base_url: str) -> Path | None:
    """The local file behind ``url`` when it is one of the project's static files on the
    same origin as ``base_url``; ``None`` for anything else."""
    parts, base = urlsplit(url), urlsplit(base_url)
    if parts.scheme not in ("http", "https") or (parts.scheme, parts.netloc) != (
        base.scheme,
        base.netloc,
    ):
        return None
    path = unquote(parts.path)
    static_url = settings.STATIC_URL
    if not static_url.startswith("/"):
        static_url = "/" + static_url
    if not path.startswith(static_url):
        return None
    relative = path[len(static_url) :]
    if not relative or "\x00" in relative or any(p in ("", ".", "..") for p in relative.split("/")):
        return None
    root = Path(settings.STATIC_ROOT).resolve() if settings.STATIC_ROOT else None
    if root is not None:
        candidate = (root / relative).resolve()
        if candidate.is_file() and candidate.is_relative_to(root):
            return candidate
    found = finders.find(relative)
    if isinstance(found, list):  # find(all=True) shape; not asked for, but be safe
        found = found[0] if found else None
    return Path(found) if found else None


def _fetcher_class():
    try:
        from weasyprint.urls import URLFetcher, URLFetcherResponse
    except (ImportError, OSError) as exc:  # OSError: Pango's shared libraries are missing
        raise PdfUnavailable(str(exc)) from exc

    class LocalStaticFetcher(URLFetcher):
        """Serves the project's static files from disk and refuses every other URL."""

        def __init__(self, *, base_url: str):
            super().__init__(allowed_protocols=("http", "https"), allow_redirects=False)
            self.base_url = base_url

        def fetch(self, url, headers=None):
            path = static_file_for(url, base_url=self.base_url)
            if path is None:
                raise ValueError(f"PDFs may only load the service's own static files: {url}")
            content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return URLFetcherResponse(
                url, body=path.read_bytes(), headers={"Content-Type": content_type}
            )

    return LocalStaticFetcher


def render_pdf(*, html: str, base_url: str) -> bytes:
    """``html`` as PDF bytes; relative URLs resolve against ``base_url`` (the site's root)."""
    fetcher_class = _fetcher_class()
    from weasyprint import HTML

    fetcher = fetcher_class(base_url=base_url)
    return HTML(string=html, base_url=base_url, url_fetcher=fetcher).write_pdf()


def pdf_response(request, *, template_name: str, context: dict, filename: str) -> HttpResponse:
    """Render ``template_name`` with ``context`` to a PDF download named ``filename``.

    The template normally extends ``pdf/base.html`` (A4, page numbers, the OFFICIAL-SENSITIVE
    marking on every page). ``filename`` must carry no personal data: see ``check_filename``.
    """
    check_filename(filename)
    html = render_to_string(template_name, {**context, "pdf": True}, request=request)
    base_url = request.build_absolute_uri("/")
    response = HttpResponse(render_pdf(html=html, base_url=base_url), content_type=PDF_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = NoStoreMiddleware.VALUE
    response["X-Content-Type-Options"] = "nosniff"
    return response
