"""API tokens: expiry, names, last use, read-only scope, the command and the admin, and tokens
of inactive or locked accounts refused."""

import datetime as dt
from io import StringIO

import pytest
from axes.models import AccessAttempt
from django.core.management import CommandError, call_command
from django.utils import timezone

from safeguard.core.models import AccessLogEntry, ApiToken
from safeguard.engagement.models import CheckIn
from tests.factories import PASSWORD

PROBLEM = "application/problem+json"
pytestmark = pytest.mark.django_db


def auth(token):
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


@pytest.fixture
def pp(org):
    return org["staff"]["practitioner"]


def test_a_new_token_expires_after_90_days_by_default(pp, settings):
    assert settings.SAFEGUARD_API_TOKEN_DAYS == 90
    row, _ = ApiToken.issue(pp, name="Caseload export")
    expected = timezone.now() + dt.timedelta(days=90)
    assert abs((row.expires_at - expected).total_seconds()) < 60
    settings.SAFEGUARD_API_TOKEN_DAYS = 30
    row, _ = ApiToken.issue(pp, name="Shorter")
    assert (row.expires_at - timezone.now()).days == 29
    # A row made without saying (an older caller) still gets the default expiry.
    legacy = ApiToken.objects.create(staff=pp, token_hash="x" * 64)
    assert legacy.expires_at > timezone.now() + dt.timedelta(days=29)


def test_an_expired_token_is_refused_with_401(client, pp):
    row, token = ApiToken.issue(pp, name="Old")
    assert client.get("/api/v1/people", **auth(token)).status_code == 200
    ApiToken.objects.filter(pk=row.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    response = client.get("/api/v1/people", **auth(token))
    assert response.status_code == 401 and response["Content-Type"] == PROBLEM


def test_last_used_is_recorded_at_most_once_a_minute(client, pp, django_assert_num_queries):
    row, token = ApiToken.issue(pp, name="Script")
    assert row.last_used_at is None
    client.get("/api/v1/people", **auth(token))
    row.refresh_from_db()
    first = row.last_used_at
    assert first and abs((timezone.now() - first).total_seconds()) < 60
    client.get("/api/v1/people", **auth(token))
    row.refresh_from_db()
    assert row.last_used_at == first  # within the minute: no write
    ApiToken.objects.filter(pk=row.pk).update(last_used_at=first - dt.timedelta(minutes=2))
    client.get("/api/v1/people", **auth(token))
    row.refresh_from_db()
    assert row.last_used_at > first - dt.timedelta(minutes=1)


def test_a_read_only_token_reads_but_cannot_change_anything(client, org, pp):
    person = org["people"]["mine"]
    type(person).objects.filter(pk=person.pk).update(mobile="07700900123")
    _, token = ApiToken.issue(pp, name="Dashboard", read_only=True)
    assert client.get("/api/v1/people", **auth(token)).status_code == 200
    assert client.get(f"/api/v1/people/{person.crn}", **auth(token)).status_code == 200
    for method, path in (("post", "check-ins"), ("put", "reminder-preferences")):
        response = getattr(client, method)(
            f"/api/v1/people/{person.crn}/{path}",
            data={"channel": "sms"},
            content_type="application/json",
            **auth(token),
        )
        assert response.status_code == 403, method
        assert response["Content-Type"] == PROBLEM
        assert "read-only" in response.json()["detail"]
    assert not CheckIn.objects.exists()  # nothing written by a refused request
    # The same request with a read-and-write token goes through.
    _, writer = ApiToken.issue(pp, name="Writer")
    response = client.post(
        f"/api/v1/people/{person.crn}/check-ins",
        data={"channel": "sms"},
        content_type="application/json",
        **auth(writer),
    )
    assert response.status_code == 201
    assert CheckIn.objects.count() == 1


def test_a_revoked_token_is_refused(client, pp):
    row, token = ApiToken.issue(pp, name="Leaked")
    row.revoke()
    assert client.get("/api/v1/people", **auth(token)).status_code == 401
    row.refresh_from_db()
    assert row.revoked_at and not row.is_active and row.state() == "revoked"
    assert row.revoke() is False


def test_a_deactivated_account_s_token_is_refused(client, pp):
    _, token = ApiToken.issue(pp, name="Script")
    pp.is_active = False
    pp.save()
    assert client.get("/api/v1/people", **auth(token)).status_code == 401


def test_a_locked_account_s_token_is_refused_until_the_lock_ends(client, pp, settings):
    _, token = ApiToken.issue(pp, name="Script")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/sign-in/", {"username": pp.username, "password": "wrong"})
    assert (
        client.post("/sign-in/", {"username": pp.username, "password": PASSWORD}).status_code == 429
    )
    response = client.get("/api/v1/people", **auth(token))
    assert response.status_code == 401 and response["Content-Type"] == PROBLEM
    # After the cool-off the lock has lapsed, and the token works again.
    AccessAttempt.objects.update(attempt_time=timezone.now() - dt.timedelta(hours=1))
    assert client.get("/api/v1/people", **auth(token)).status_code == 200


def test_failed_sign_ins_below_the_limit_do_not_stop_the_token(client, pp):
    _, token = ApiToken.issue(pp, name="Script")
    client.post("/sign-in/", {"username": pp.username, "password": "wrong"})
    assert client.get("/api/v1/people", **auth(token)).status_code == 200


# ---- manage.py api_tokens ----------------------------------------------------------------


def run(*args):
    out, err = StringIO(), StringIO()
    call_command("api_tokens", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_create_prints_the_token_once_and_it_works(client, pp):
    out, err = run("create", pp.username, "--name", "Nightly export", "--days", "7", "--read-only")
    token = out.strip()
    assert len(token) >= 40 and token not in err
    row = ApiToken.objects.get(token_hash=ApiToken.hash_token(token))
    assert row.name == "Nightly export" and row.read_only
    assert (row.expires_at - timezone.now()).days == 6
    assert "shown only this once" in err
    assert client.get("/api/v1/people", **auth(token)).status_code == 200


def test_create_refuses_unknown_people_missing_names_and_silly_lifetimes(pp):
    with pytest.raises(CommandError, match="No active member of staff"):
        run("create", "nobody", "--name", "x")
    with pytest.raises(CommandError, match="--name"):
        run("create", pp.username, "--name", "  ")
    with pytest.raises(CommandError, match="--days"):
        run("create", pp.username, "--name", "x", "--days", "0")


def test_list_shows_active_tokens_and_revoke_stops_them(client, org, pp):
    keep, _ = ApiToken.issue(pp, name="Dashboard", read_only=True)
    drop, dropped_token = ApiToken.issue(pp, name="Old script")
    other, _ = ApiToken.issue(org["staff"]["spo"], name="SPO report")
    out, _ = run("list")
    assert "Dashboard" in out and "read only" in out and "Old script" in out
    assert "SPO report" in out and "never" in out  # never used yet
    out, _ = run("list", "--username", pp.username)
    assert "SPO report" not in out

    out, _ = run("revoke", str(drop.pk))
    assert f"Revoked token {drop.pk}" in out and "1 revoked" in out
    assert client.get("/api/v1/people", **auth(dropped_token)).status_code == 401
    out, _ = run("list")
    assert "Old script" not in out
    out, _ = run("list", "--all")
    assert "Old script" in out and "revoked" in out

    out, _ = run("revoke", "--username", pp.username)
    assert "1 revoked" in out
    keep.refresh_from_db()
    other.refresh_from_db()
    assert not keep.is_active and other.is_active
    with pytest.raises(CommandError, match="No token with id 9999"):
        run("revoke", "9999")
    with pytest.raises(CommandError):
        run("revoke")


def test_list_expiring(pp):
    soon, _ = ApiToken.issue(pp, name="Soon", days=3)
    ApiToken.issue(pp, name="Later", days=60)
    out, _ = run("list", "--expiring", "14")
    assert "Soon" in out and "Later" not in out and "expires soon" in out


def test_the_old_create_api_token_command_still_works(pp):
    out = StringIO()
    call_command("create_api_token", pp.username, stdout=out)
    assert ApiToken.objects.filter(token_hash=ApiToken.hash_token(out.getvalue().strip())).exists()


# ---- the admin -----------------------------------------------------------------------------


def test_the_admin_lists_tokens_warns_of_expiry_and_revokes(client, org, pp):
    admin_user = org["staff"]["admin"]
    admin_user.is_superuser = True
    admin_user.save()
    soon, soon_token = ApiToken.issue(pp, name="Expiring export", days=5)
    later, _ = ApiToken.issue(pp, name="Fresh dashboard", days=80)
    client.force_login(admin_user)
    page = client.get("/admin/core/apitoken/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "Expiring export" in html and "Fresh dashboard" in html
    assert "1 active token(s) expire within 14 days" in html
    assert "expires in 4 days" in html or "expires in 5 days" in html
    assert soon_token not in html and soon.token_hash not in html
    filtered = client.get("/admin/core/apitoken/?expiry=soon").content.decode()
    assert "Expiring export" in filtered and "Fresh dashboard" not in filtered
    # No adding (tokens are shown once, by the command) and no deleting (revoke instead).
    assert client.get("/admin/core/apitoken/add/").status_code == 403
    response = client.post(
        "/admin/core/apitoken/",
        {"action": "revoke", "_selected_action": [soon.pk]},
        follow=True,
    )
    assert response.status_code == 200 and "1 token(s) revoked" in response.content.decode()
    soon.refresh_from_db()
    later.refresh_from_db()
    assert not soon.is_active and soon.revoked_at and later.is_active
    assert client.get("/api/v1/people", **auth(soon_token)).status_code == 401


# ---- the access log ------------------------------------------------------------------------


def token_log():
    return list(
        AccessLogEntry.objects.filter(action=AccessLogEntry.Action.MANAGE_API_TOKEN)
        .order_by("id")
        .values("event", "channel", "actor", "changes")
    )


def test_creating_and_revoking_by_command_is_in_the_access_log_without_the_token(pp):
    out, _ = run("create", pp.username, "--name", "Nightly export")
    row = ApiToken.objects.get(token_hash=ApiToken.hash_token(out.strip()))
    run("revoke", str(row.pk))
    run("revoke", str(row.pk))  # already revoked: nothing more is logged
    entries = token_log()
    assert [(e["event"], e["channel"], e["actor"]) for e in entries] == [
        ("api_token.created", "command", None),
        ("api_token.revoked", "command", None),
    ]
    assert entries[0]["changes"]["token"] == row.pk
    assert entries[0]["changes"]["staff"] == pp.username
    logged = str(entries)
    assert out.strip() not in logged and row.token_hash not in logged


def test_revoking_in_the_admin_is_logged_against_the_administrator(client, org, pp):
    admin_user = org["staff"]["admin"]
    admin_user.is_superuser = True
    admin_user.save()
    token, _ = ApiToken.issue(pp, name="Old script")
    client.force_login(admin_user)
    client.post("/admin/core/apitoken/", {"action": "revoke", "_selected_action": [token.pk]})
    assert [(e["event"], e["channel"], e["actor"]) for e in token_log()] == [
        ("api_token.revoked", "admin", admin_user.pk)
    ]
