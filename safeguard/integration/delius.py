"""Fetching a case summary from the event's ``detailUrl`` (Safeguard's safeguard-and-delius
contract, ``safeguard.integration.summary``)."""

import json
import urllib.error
import urllib.request

from django.conf import settings


class FetchError(Exception):
    """The summary could not be fetched. ``detail`` is safe to log (an HTTP status, a kind of
    failure), never the URL, which holds the CRN."""

    def __init__(self, detail: str, *, refused: bool = False):
        self.detail = detail
        self.refused = refused
        super().__init__(detail)


def fetch_summary(url: str) -> dict:
    allowed = getattr(settings, "DELIUS_API_URL", "") or ""
    if not url.startswith(("http://", "https://")):
        raise FetchError("the detailUrl is not http or https", refused=True)
    if allowed and not url.startswith(allowed):
        # Never send the token anywhere but the nDelius API.
        raise FetchError("the detailUrl is not under DELIUS_API_URL", refused=True)
    headers = {"Accept": "application/json"}
    token = getattr(settings, "DELIUS_API_TOKEN", "")
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 - scheme checked above
    try:
        with urllib.request.urlopen(  # noqa: S310 - scheme checked above
            request, timeout=settings.DELIUS_API_TIMEOUT_SECONDS
        ) as response:
            body = response.read(2_000_000)
    except urllib.error.HTTPError as exc:
        raise FetchError(f"HTTP {exc.code}") from None
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise FetchError(f"could not connect ({type(exc).__name__})") from None
    try:
        return json.loads(body)
    except ValueError:
        raise FetchError("the answer is not JSON") from None
