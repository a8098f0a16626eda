"""Signing in: failed sign-ins are throttled per account and per address (django-axes), and the
lockout page says what to do.

Two limits, because they guard against different things:

- **per account**, ``AXES_FAILURE_LIMIT`` (5) failures: guessing one person's password;
- **per address**, ``SAFEGUARD_SIGN_IN_ADDRESS_FAILURE_LIMIT`` (30) failures across any
  usernames: password spraying, one or two guesses at each of many accounts. It is higher
  because a probation office signs in from one shared address, and one person mistyping must
  not lock the whole office out.

Both count failures within ``AXES_COOLOFF_TIME`` of the last one. A successful sign-in clears
that account's failures, never the address's (or an attacker could clear it with an account of
their own). The address is read as every rate limit reads it (``safeguard.core.clients``), so
behind a load balancer it is the client's, not the balancer's.
"""

import math

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_cool_off, get_failure_limit
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Max, Sum
from django.shortcuts import render
from django.utils import timezone

from safeguard.core.clients import client_address

ACCOUNT = "account"
ADDRESS = "address"


def axes_client_ip(request) -> str | None:
    """``AXES_CLIENT_IP_CALLABLE``: the client's address through the trusted proxy."""
    return client_address(request)


def address_failure_limit() -> int:
    return settings.SAFEGUARD_SIGN_IN_ADDRESS_FAILURE_LIMIT


def _failures(since, **match) -> tuple[int, object]:
    """(failures since ``since``, the latest of them) for the attempts matching ``match``."""
    row = AccessAttempt.objects.filter(attempt_time__gte=since, **match).aggregate(
        n=Sum("failures_since_start"), latest=Max("attempt_time")
    )
    return row["n"] or 0, row["latest"]


def _threshold(request):
    if request is not None and getattr(request, "axes_attempt_time", None) is not None:
        return get_cool_off_threshold(request)
    return timezone.now() - get_cool_off(request)


def lockouts(request, credentials=None) -> dict[str, object]:
    """Which limits this sign-in is over: {ACCOUNT or ADDRESS: when its last failure was}."""
    since = _threshold(request)
    found = {}
    username = get_client_username(request, credentials)
    if username:
        count, latest = _failures(since, username=username)
        if count >= get_failure_limit(request, credentials):
            found[ACCOUNT] = latest
    address = getattr(request, "axes_ip_address", None)
    if address:
        count, latest = _failures(since, ip_address=address)
        if count >= address_failure_limit():
            found[ADDRESS] = latest
    return found


def account_locked(username: str) -> bool:
    """Whether the account is locked by failed sign-ins now (its API tokens stop working too)."""
    if not username or not settings.AXES_ENABLED:
        return False
    count, _ = _failures(timezone.now() - get_cool_off(None), username=username)
    return count >= settings.AXES_FAILURE_LIMIT


class SafeguardAxesHandler(AxesDatabaseHandler):
    """Axes' database handler with a limit of its own for the address (see above)."""

    def get_failures(self, request, credentials=None) -> int:
        since = _threshold(request)
        username = get_client_username(request, credentials)
        by_account = _failures(since, username=username)[0] if username else 0
        address = getattr(request, "axes_ip_address", None)
        by_address = _failures(since, ip_address=address)[0] if address else 0
        if by_address >= address_failure_limit():
            # Axes compares this with the account's limit: say "over it" in its terms.
            return max(by_account, get_failure_limit(request, credentials))
        return by_account

    def reset_user_attempts(self, request, credentials=None) -> int:
        """A successful sign-in clears the account's failures only."""
        username = get_client_username(request, credentials)
        if not username:
            return 0
        count, _ = AccessAttempt.objects.filter(username=username).delete()
        return count


def _clock_text(moment, now) -> str:
    """'2:45pm', or '2:45pm tomorrow', in UK time, as GOV.UK writes times."""
    local, today = timezone.localtime(moment), timezone.localtime(now).date()
    hour = local.hour % 12 or 12
    text = f"{hour}:{local.minute:02d}{'am' if local.hour < 12 else 'pm'}"
    return text if local.date() == today else f"{text} tomorrow"


def lockout_response(request, original_response=None, credentials=None):
    """``AXES_LOCKOUT_CALLABLE``: a page that says why, when to try again and who can help."""
    found = lockouts(request, credentials)
    cool_off = get_cool_off(request)
    now = timezone.now()
    latest = max((t for t in found.values() if t), default=now)
    until = max(latest + cool_off, now)
    seconds = max(1, math.ceil((until - now).total_seconds()))
    response = render(
        request,
        "registration/locked_out.html",
        {
            "by_account": ACCOUNT in found or not found,
            "by_address": ADDRESS in found,
            "until": until,
            "until_text": _clock_text(until, now),
            "minutes": max(1, math.ceil(seconds / 60)),
            "support": settings.SAFEGUARD_SUPPORT_CONTACT,
        },
        status=settings.AXES_HTTP_RESPONSE_CODE,
    )
    response["Retry-After"] = str(seconds)
    return response
