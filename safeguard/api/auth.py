from django.core.exceptions import PermissionDenied
from django.utils import timezone
from ninja.security import HttpBearer

from safeguard.core.models import ApiToken
from safeguard.core.signin import account_locked

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class StaffToken(HttpBearer):
    """``Authorization: Bearer <token>``; the token belongs to one active member of staff.

    Refused (401) when the token is unknown, revoked or expired, or its account is inactive or
    locked by failed sign-ins. A read-only token is refused (403) on anything but a read."""

    def authenticate(self, request, token):
        if not token or len(token) > 200:
            return None
        now = timezone.now()
        api_token = (
            ApiToken.objects.select_related("staff")
            .filter(
                token_hash=ApiToken.hash_token(token),
                is_active=True,
                expires_at__gt=now,
                staff__is_active=True,
            )
            .first()
        )
        if api_token is None or account_locked(api_token.staff.get_username()):
            return None
        api_token.touch(now)
        if api_token.read_only and request.method not in READ_METHODS:
            raise PermissionDenied(
                "This token is read-only: it can read, but not change anything. Use a token "
                "without the read-only scope to make changes."
            )
        request.user = api_token.staff
        request.api_token = api_token
        return api_token.staff
