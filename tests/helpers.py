import secrets

from safeguard.core.models import ApiToken


def api_token_for(staff) -> str:
    token = secrets.token_urlsafe(24)
    ApiToken.objects.create(staff=staff, token_hash=ApiToken.hash_token(token))
    return token


def bearer(staff) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {api_token_for(staff)}"}
