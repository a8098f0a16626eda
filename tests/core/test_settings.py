"""Production refuses to start without its secrets; development never needs them."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "SAFEGUARD_ENV": "production",
    "SECRET_KEY": "x" * 60,
    "ALLOWED_HOSTS": "safeguard.example.gov.uk",
    "DATABASE_URL": "sqlite:////tmp/safeguard-settings-test.sqlite3",
    "SAFEGUARD_OUTBOX_KEY": "ZmFrZS1rZXktZm9yLXRlc3RzLW9ubHktMzItYnl0ZXM=",
}


def manage(*args, env_overrides=None, drop=()):
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env.update(env_overrides or {})
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    "missing", ["SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "SAFEGUARD_OUTBOX_KEY"]
)
def test_production_refuses_to_start_without_each_secret(missing):
    env = {k: v for k, v in PRODUCTION.items() if k != missing}
    result = manage("check", env_overrides=env, drop=(missing,))
    assert result.returncode != 0
    assert f"{missing} must be set when SAFEGUARD_ENV=production" in result.stderr


def test_production_starts_with_its_secrets_and_is_locked_down():
    code = (
        "from django.conf import settings as s;"
        "print(s.DEBUG, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS > 0)"
    )
    result = manage("shell", "-c", code, env_overrides=PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-4:] == ["False", "True", "True", "True"]


def test_an_unknown_environment_name_is_refused():
    result = manage("check", env_overrides={"SAFEGUARD_ENV": "staging"})
    assert result.returncode != 0
    assert "SAFEGUARD_ENV must be 'development' or 'production'" in result.stderr


def test_demo_data_can_never_be_loaded_in_production():
    result = manage("seed_demo", "--people", "10", env_overrides=PRODUCTION)
    assert result.returncode != 0
    assert "production" in (result.stderr + result.stdout).lower()


def test_a_malformed_outbox_key_is_refused():
    env = {**PRODUCTION, "SAFEGUARD_OUTBOX_KEY": "not-a-fernet-key"}
    result = manage("check", env_overrides=env)
    assert result.returncode != 0
    assert "SAFEGUARD_OUTBOX_KEY must be Fernet keys" in result.stderr


def test_production_health_check_answers_plain_http_while_pages_redirect_to_https():
    # A load balancer's health check speaks plain HTTP to the app: /healthz must answer it
    # rather than redirect to HTTPS (Django's setting is SECURE_REDIRECT_EXEMPT).
    code = (
        "from django.test import Client;"
        "from django.test.utils import setup_test_environment;"
        "setup_test_environment();"
        "c = Client(HTTP_HOST='safeguard.example.gov.uk');"
        "print(c.get('/healthz').status_code, c.get('/caseload/').status_code)"
    )
    result = manage("shell", "-c", code, env_overrides=PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-2:] == ["200", "301"]
