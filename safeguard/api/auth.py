from ninja.security import HttpBearer

from safeguard.core.models import ApiToken


class StaffToken(HttpBearer):
    """``Authorization: Bearer <token>``; the token belongs to one active member of staff."""

    def authenticate(self, request, token):
        if not token or len(token) > 200:
            return None
        api_token = (
            ApiToken.objects.select_related("staff")
            .filter(token_hash=ApiToken.hash_token(token), is_active=True, staff__is_active=True)
            .first()
        )
        if api_token is None:
            return None
        request.user = api_token.staff
        return api_token.staff
