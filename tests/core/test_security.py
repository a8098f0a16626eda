"""Signing in, lockout, headers and the health check."""

import pytest
from django.db import connection

from safeguard.core.models import Role
from tests.factories import PASSWORD, StaffFactory


@pytest.fixture
def practitioner(db, home_team):
    return StaffFactory(username="jo.bloggs", role=Role.PRACTITIONER, teams=[home_team])


@pytest.mark.django_db
def test_sign_in_takes_a_practitioner_to_my_work(client, practitioner):
    response = client.post(
        "/sign-in/", {"username": "jo.bloggs", "password": PASSWORD}, follow=True
    )
    assert response.redirect_chain[-1][0] == "/my-work/"
    assert b'<h1 class="govuk-heading-l">My work</h1>' in response.content


@pytest.mark.django_db
def test_wrong_password_shows_the_govuk_error_summary(client, practitioner):
    response = client.post("/sign-in/", {"username": "jo.bloggs", "password": "nope"})
    assert response.status_code == 200
    assert b"govuk-error-summary" in response.content
    assert b"There is a problem" in response.content
    assert response.content.count(b"<title>Error:") == 1


@pytest.mark.django_db
def test_repeated_failures_lock_the_account_even_with_the_right_password(client, practitioner):
    for _ in range(5):
        client.post("/sign-in/", {"username": "jo.bloggs", "password": "wrong"})
    response = client.post("/sign-in/", {"username": "jo.bloggs", "password": PASSWORD})
    assert response.status_code == 429
    assert b"Your account is locked" in response.content
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_passwords_are_hashed_with_argon2(practitioner):
    assert practitioner.password.startswith("argon2")


@pytest.mark.django_db
def test_pages_carry_a_content_security_policy_and_security_headers(client, practitioner):
    client.force_login(practitioner)
    response = client.get("/caseload/")
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "'unsafe-inline'" not in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


@pytest.mark.django_db
def test_sign_out_needs_a_post_with_a_csrf_token(practitioner):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(practitioner)
    assert client.post("/sign-out/").status_code == 403
    assert client.get("/caseload/").status_code == 200


@pytest.mark.django_db
def test_health_check_reports_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


@pytest.mark.django_db
def test_health_check_answers_503_when_the_database_is_unreachable(client, monkeypatch):
    def broken_cursor(*args, **kwargs):
        raise connection.OperationalError("database is down")

    monkeypatch.setattr(connection, "cursor", broken_cursor)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "unreachable"
