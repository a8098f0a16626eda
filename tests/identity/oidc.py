"""A local OpenID provider for tests and development: ``oidc-provider-mock`` in a thread.

It signs ID tokens with its own RSA key (published at /jwks), accepts any client id and secret,
and signs in whichever subject the test posts to its authorisation form, with the claims set
for that subject through ``PUT /users/<sub>``."""

from contextlib import contextmanager
from urllib.parse import urlsplit

import requests

CLIENT_ID = "safeguard-tests"
CLIENT_SECRET = "not-a-real-secret"


@contextmanager
def running_provider():
    from oidc_provider_mock import run_server_in_thread

    with run_server_in_thread(port=0) as server:
        yield f"http://localhost:{server.server_port}"


def oidc_settings(base: str) -> dict:
    """The OIDC_* settings that point Safeguard at the provider at ``base``."""
    return {
        "OIDC_ENABLED": True,
        "OIDC_RP_CLIENT_ID": CLIENT_ID,
        "OIDC_RP_CLIENT_SECRET": CLIENT_SECRET,
        "OIDC_OP_ISSUER": base,
        "OIDC_OP_AUTHORIZATION_ENDPOINT": f"{base}/oauth2/authorize",
        "OIDC_OP_TOKEN_ENDPOINT": f"{base}/oauth2/token",
        "OIDC_OP_USER_ENDPOINT": f"{base}/userinfo",
        "OIDC_OP_JWKS_ENDPOINT": f"{base}/jwks",
        "OIDC_PROVIDER_NAME": "the test provider",
    }


def set_claims(base: str, sub: str, **claims) -> None:
    response = requests.put(f"{base}/users/{sub}", json=claims, timeout=10)
    response.raise_for_status()


def authorise(authorize_url: str, sub: str) -> str:
    """What a person does at the provider: sign in as ``sub``. Returns the callback URL (path
    and query) the provider sends the browser back to."""
    response = requests.post(authorize_url, data={"sub": sub}, allow_redirects=False, timeout=10)
    assert response.status_code == 302, response.text[:500]
    back = urlsplit(response.headers["Location"])
    return f"{back.path}?{back.query}"
