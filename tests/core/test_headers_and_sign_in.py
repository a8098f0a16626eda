"""No-store on everything with personal data, sign-in throttled per address as well as per
account (through the trusted proxy), and a lockout page that says what to do."""

import datetime as dt

import pytest
from axes.models import AccessAttempt
from django.http import HttpResponse
from django.test import RequestFactory
from django.utils import timezone

from safeguard.core.middleware import NoStoreMiddleware
from safeguard.core.models import Role
from safeguard.core.signin import account_locked
from tests.factories import PASSWORD, StaffFactory
from tests.helpers import bearer

pytestmark = pytest.mark.django_db


def no_store(response) -> bool:
    return "no-store" in response.get("Cache-Control", "")


# ---- Cache-Control -------------------------------------------------------------------------


def test_signed_in_pages_are_never_stored(client, org):
    person = org["people"]["mine"]
    client.force_login(org["staff"]["practitioner"])
    for url in ("/caseload/", f"/people/{person.crn}/", "/my-work/"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert no_store(response), url
        assert "private" in response["Cache-Control"]


def test_exports_are_never_stored(client, org):
    client.force_login(org["staff"]["head"])
    response = client.get("/insights/referrals/export.csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert no_store(response)


def test_api_responses_are_never_stored(client, org):
    response = client.get("/api/v1/people", **bearer(org["staff"]["practitioner"]))
    assert response.status_code == 200 and no_store(response)


def test_public_check_in_pages_are_never_stored(client):
    assert no_store(client.get("/check-in/not-a-real-link"))
    assert no_store(client.get("/safety-plan/not-a-real-link"))


def test_the_sign_in_page_is_never_stored(client):
    assert no_store(client.get("/sign-in/"))


def test_a_view_s_own_cache_control_is_kept_and_anonymous_pages_are_left_alone(org):
    factory = RequestFactory()
    signed_in = factory.get("/somewhere")
    signed_in.user = org["staff"]["practitioner"]

    def own(request):
        response = HttpResponse("x")
        response["Cache-Control"] = "max-age=60"
        return response

    assert NoStoreMiddleware(own)(signed_in)["Cache-Control"] == "max-age=60"
    assert NoStoreMiddleware(lambda r: HttpResponse("x"))(signed_in)["Cache-Control"] == (
        "no-store, private"
    )
    from django.contrib.auth.models import AnonymousUser

    anonymous = factory.get("/healthz-like")
    anonymous.user = AnonymousUser()
    assert not NoStoreMiddleware(lambda r: HttpResponse("x"))(anonymous).has_header("Cache-Control")


# ---- throttling sign-ins ---------------------------------------------------------------------


@pytest.fixture
def staff(home_team):
    return [
        StaffFactory(username=f"officer{i}", role=Role.PRACTITIONER, teams=[home_team])
        for i in range(40)
    ]


WRONG = "not-the-password"


def sign_in(client, username, password=WRONG, **extra):
    return client.post("/sign-in/", {"username": username, "password": password}, **extra)


def test_password_spraying_from_one_address_is_throttled(client, staff, settings):
    limit = settings.SAFEGUARD_SIGN_IN_ADDRESS_FAILURE_LIMIT
    assert limit < len(staff)
    # One guess at each of many accounts: no account reaches its own limit...
    codes = [sign_in(client, s.username).status_code for s in staff[:limit]]
    assert set(codes[:-1]) == {200}
    assert codes[-1] == 429  # the failure that reaches the limit is told at once
    assert not any(account_locked(s.username) for s in staff)
    # ...but the address does: the next try, even with a right password, is refused.
    refused = sign_in(client, staff[limit].username, PASSWORD)
    assert refused.status_code == 429
    assert "_auth_user_id" not in client.session
    page = refused.content.decode()
    assert "Signing in from this network is paused" in page
    assert "Your own account has not been locked" in page
    # The account itself is not locked: from elsewhere it signs in.
    other = type(client)(REMOTE_ADDR="198.51.100.9")
    assert sign_in(other, staff[limit].username, PASSWORD).status_code == 302


def test_the_address_is_read_through_the_trusted_proxy_only(client, staff, settings):
    limit = settings.SAFEGUARD_SIGN_IN_ADDRESS_FAILURE_LIMIT
    settings.SAFEGUARD_TRUSTED_PROXY_HEADER = "X-Forwarded-For"
    settings.SAFEGUARD_TRUSTED_PROXY_COUNT = 1
    # Behind the balancer (REMOTE_ADDR is always the balancer's), the sprayer is one client...
    for s in staff[:limit]:
        sign_in(client, s.username, HTTP_X_FORWARDED_FOR="203.0.113.66")
    assert (
        sign_in(client, staff[limit].username, PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.66")
    ).status_code == 429
    # ...and someone else behind the same balancer still signs in.
    assert (
        sign_in(client, staff[limit].username, PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.7")
    ).status_code == 302
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.66"}


def test_without_a_trusted_proxy_the_header_is_ignored(client, staff, settings):
    limit = settings.SAFEGUARD_SIGN_IN_ADDRESS_FAILURE_LIMIT
    settings.SAFEGUARD_TRUSTED_PROXY_HEADER = ""
    # A sprayer changing X-Forwarded-For on every try is still one address.
    for i, s in enumerate(staff[:limit]):
        sign_in(client, s.username, HTTP_X_FORWARDED_FOR=f"192.0.2.{i}")
    response = sign_in(client, staff[limit].username, PASSWORD, HTTP_X_FORWARDED_FOR="192.0.2.250")
    assert response.status_code == 429


def test_one_account_is_locked_after_its_own_limit(client, staff, settings):
    target = staff[0]
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, target.username)
    refused = sign_in(client, target.username, PASSWORD)
    assert refused.status_code == 429
    page = refused.content.decode()
    assert "Your account is locked" in page
    assert account_locked(target.username)
    # Others at the same address are not stopped by one person's mistakes.
    assert sign_in(client, staff[1].username, PASSWORD).status_code == 302


def test_a_successful_sign_in_does_not_clear_the_address_s_failures(client, staff, settings):
    limit = settings.SAFEGUARD_SIGN_IN_ADDRESS_FAILURE_LIMIT
    for s in staff[1:limit]:
        sign_in(client, s.username)
    # The attacker signs in with an account of their own...
    assert sign_in(client, staff[0].username, PASSWORD).status_code == 302
    client.logout()
    # ...which does not reset the address's count.
    sign_in(client, staff[limit].username)
    assert sign_in(client, staff[limit + 1].username, PASSWORD).status_code == 429


def test_the_lockout_page_says_when_to_try_again_and_who_to_contact(client, staff, settings):
    settings.SAFEGUARD_SUPPORT_CONTACT = "the Probation IT service desk on 0800 000 0000"
    target = staff[0]
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, target.username)
    last = AccessAttempt.objects.get(username=target.username).attempt_time
    refused = sign_in(client, target.username)
    page = refused.content.decode()
    assert refused.status_code == 429
    assert '<h1 class="govuk-heading-l">Your account is locked</h1>' in page
    assert "govuk-warning-text" in page and "Each try starts the wait again" in page
    assert "the Probation IT service desk on 0800 000 0000" in page
    # The wait, in UK time, from the last failure (this try restarted it).
    until = timezone.localtime(
        AccessAttempt.objects.get(username=target.username).attempt_time + dt.timedelta(minutes=30)
    )
    assert until >= timezone.localtime(last)
    hour = until.hour % 12 or 12
    assert f"{hour}:{until.minute:02d}{'am' if until.hour < 12 else 'pm'}" in page
    assert 25 * 60 <= int(refused["Retry-After"]) <= 30 * 60
    assert "<title>" in page and "You cannot sign in at the moment" in page
