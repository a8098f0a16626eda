"""Single sign-on is off until configured, then needs every piece (https in production); the
second factor is always on in production and cannot be turned off there."""

import pytest

from tests.core.test_settings import PRODUCTION, manage

OIDC = {
    "OIDC_RP_CLIENT_ID": "safeguard",
    "OIDC_RP_CLIENT_SECRET": "s3cret",
    "OIDC_OP_ISSUER": "https://sign-in.example.gov.uk",
    "OIDC_OP_AUTHORIZATION_ENDPOINT": "https://sign-in.example.gov.uk/authorize",
    "OIDC_OP_TOKEN_ENDPOINT": "https://sign-in.example.gov.uk/token",
    "OIDC_OP_USER_ENDPOINT": "https://sign-in.example.gov.uk/userinfo",
    "OIDC_OP_JWKS_ENDPOINT": "https://sign-in.example.gov.uk/jwks",
}
SHOW = (
    "from django.conf import settings as s;"
    "print(s.OIDC_ENABLED, s.SAFEGUARD_REQUIRE_MFA, "
    "'safeguard.identity.mfa.SecondFactorMiddleware' in s.MIDDLEWARE)"
)
CLEAN = tuple(OIDC) + ("SAFEGUARD_REQUIRE_MFA",)


def test_production_requires_the_second_factor_and_has_no_sso_by_default():
    result = manage("shell", "-c", SHOW, env_overrides=PRODUCTION, drop=CLEAN)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-3:] == ["False", "True", "True"]


def test_production_refuses_to_turn_the_second_factor_off():
    result = manage(
        "check", env_overrides={**PRODUCTION, "SAFEGUARD_REQUIRE_MFA": "false"}, drop=CLEAN
    )
    assert result.returncode != 0
    assert "SAFEGUARD_REQUIRE_MFA cannot be turned off" in result.stderr


def test_development_runs_without_a_second_factor_unless_asked():
    result = manage("shell", "-c", SHOW, drop=CLEAN + ("SAFEGUARD_ENV",))
    assert result.stdout.split()[-3:] == ["False", "False", "True"]
    asked = manage("shell", "-c", SHOW, env_overrides={"SAFEGUARD_REQUIRE_MFA": "true"}, drop=CLEAN)
    assert asked.stdout.split()[-3:] == ["False", "True", "True"]


def test_production_starts_with_every_oidc_setting():
    result = manage("shell", "-c", SHOW, env_overrides={**PRODUCTION, **OIDC})
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-3:] == ["True", "True", "True"]


@pytest.mark.parametrize("missing", [name for name in OIDC if name != "OIDC_RP_CLIENT_ID"])
def test_production_refuses_half_an_oidc_configuration(missing):
    env = {**PRODUCTION, **{k: v for k, v in OIDC.items() if k != missing}}
    result = manage("check", env_overrides=env, drop=(missing,))
    assert result.returncode != 0
    assert f"{missing} must be set when OIDC_RP_CLIENT_ID is set" in result.stderr


def test_production_refuses_a_plain_http_provider():
    env = {**PRODUCTION, **OIDC, "OIDC_OP_TOKEN_ENDPOINT": "http://sign-in.example.gov.uk/t"}
    result = manage("check", env_overrides=env)
    assert result.returncode != 0
    assert "OIDC_OP_TOKEN_ENDPOINT must be an https:// address in production" in result.stderr


def test_a_shared_secret_signing_algorithm_is_refused():
    result = manage("check", env_overrides={**OIDC, "OIDC_RP_SIGN_ALGO": "HS256"})
    assert result.returncode != 0
    assert "OIDC_RP_SIGN_ALGO must be a public-key algorithm" in result.stderr
