"""A second factor for local accounts where SAFEGUARD_REQUIRE_MFA is on (always in production):
set up an authenticator app once, then a code from it (or a recovery code, once each) at every
sign-in; nothing else opens before it. Single sign-on leaves the second factor to the provider.
"""

import re
from urllib.parse import quote

import pytest
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from safeguard.core.models import Role
from safeguard.identity import mfa
from safeguard.identity.models import SignInMapping
from tests.factories import PASSWORD, StaffFactory
from tests.helpers import bearer
from tests.identity.helpers import code_for
from tests.identity.oidc import authorise, set_claims

pytestmark = pytest.mark.django_db

SET_UP = reverse("identity:two_factor_set_up")
VERIFY = reverse("identity:two_factor")
LANDING = reverse("my_work")  # where signing in lands (issue 17)


@pytest.fixture
def mfa_on(settings):
    settings.SAFEGUARD_REQUIRE_MFA = True


@pytest.fixture
def local(db, home_team):
    return StaffFactory(username="breakglass", role=Role.PRACTITIONER, teams=[home_team])


def password_sign_in(client, username="breakglass"):
    return client.post(reverse("login"), {"username": username, "password": PASSWORD})


def set_up_app(client) -> tuple[TOTPDevice, list[str]]:
    client.get(SET_UP)
    device = TOTPDevice.objects.get(confirmed=False)
    response = client.post(SET_UP, {"code": code_for(device), "next": LANDING})
    assert response.status_code == 200
    codes = re.findall(r"<li><code>([a-z2-7]{8})</code></li>", response.content.decode())
    device.refresh_from_db()
    return device, codes


def test_without_the_setting_a_password_is_enough(client, local):
    password_sign_in(client)
    assert client.get(LANDING).status_code == 200


def test_a_first_sign_in_sets_up_an_app_and_gives_recovery_codes(client, local, mfa_on):
    response = password_sign_in(client)
    assert response["Location"] == LANDING
    response = client.get(LANDING)
    assert response.status_code == 302
    assert response["Location"] == f"{SET_UP}?next={quote(LANDING, safe='')}"
    page = client.get(response["Location"])
    assert page.status_code == 200
    text = page.content.decode()
    device = TOTPDevice.objects.get(user=local, confirmed=False)
    assert mfa.key_text(device) in text and "<svg" in text
    assert "govuk-service-navigation" not in text  # its links would all lead back here
    assert client.get(SET_UP).content.decode().count(mfa.key_text(device)) == 1  # same key
    wrong = client.post(SET_UP, {"code": "000000", "next": LANDING})
    assert wrong.status_code == 200
    assert "The code is not right" in wrong.content.decode()
    assert "govuk-error-summary" in wrong.content.decode()
    assert client.get(LANDING).status_code == 302
    throttled = client.post(SET_UP, {"code": code_for(device), "next": LANDING})
    assert "Too many wrong codes" in throttled.content.decode()  # django-otp's back-off
    device.refresh_from_db()
    device.throttle_reset()
    done = client.post(SET_UP, {"code": code_for(device), "next": LANDING})
    codes = re.findall(r"<li><code>([a-z2-7]{8})</code></li>", done.content.decode())
    assert len(codes) == mfa.RECOVERY_CODES == len(set(codes))
    assert "This is the only time you will see these codes" in done.content.decode()
    device.refresh_from_db()
    assert device.confirmed
    assert client.get(LANDING).status_code == 200


def test_every_later_sign_in_needs_a_code_from_the_app(client, local, mfa_on):
    password_sign_in(client)
    device, _ = set_up_app(client)
    client.post(reverse("logout"))
    password_sign_in(client)
    response = client.get("/my-work/")
    assert response["Location"] == f"{VERIFY}?next={quote('/my-work/', safe='')}"
    wrong = client.post(VERIFY, {"code": "123456", "next": "/my-work/"})
    assert wrong.status_code == 200 and "The code is not right" in wrong.content.decode()
    device.throttle_reset()
    empty = client.post(VERIFY, {"code": "", "next": "/my-work/"})
    assert "Enter the code from your authenticator app" in empty.content.decode()
    right = client.post(VERIFY, {"code": code_for(device, steps=1), "next": "/my-work/"})
    assert right.status_code == 302 and right["Location"] == "/my-work/"
    assert client.get("/my-work/").status_code == 200


def test_a_recovery_code_works_once(client, local, mfa_on):
    password_sign_in(client)
    _, codes = set_up_app(client)
    client.post(reverse("logout"))
    password_sign_in(client)
    response = client.post(VERIFY, {"code": codes[0].upper(), "next": LANDING}, follow=True)
    assert response.status_code == 200
    assert f"You have {mfa.RECOVERY_CODES - 1} left" in response.content.decode()
    assert StaticToken.objects.filter(token=codes[0]).count() == 0
    client.post(reverse("logout"))
    password_sign_in(client)
    assert client.post(VERIFY, {"code": codes[0], "next": LANDING}).status_code == 200
    assert client.get(LANDING).status_code == 302


def test_new_recovery_codes_replace_the_old_ones(client, local, mfa_on):
    password_sign_in(client)
    _, old = set_up_app(client)
    page = client.get(reverse("identity:recovery_codes"))
    assert f"<strong>{mfa.RECOVERY_CODES}</strong> recovery codes left" in page.content.decode()
    response = client.post(reverse("identity:recovery_codes"))
    new = re.findall(r"<li><code>([a-z2-7]{8})</code></li>", response.content.decode())
    assert len(new) == mfa.RECOVERY_CODES
    assert not StaticToken.objects.filter(token__in=old).exclude(token__in=new).exists()


def test_repeated_wrong_codes_are_throttled(client, local, mfa_on):
    password_sign_in(client)
    device, _ = set_up_app(client)
    client.post(reverse("logout"))
    password_sign_in(client)
    for _ in range(3):
        client.post(VERIFY, {"code": "000000"})
    response = client.post(VERIFY, {"code": code_for(device, steps=1)})
    assert response.status_code == 200
    assert "Too many wrong codes" in response.content.decode()
    assert client.get(LANDING).status_code == 302


def test_a_password_alone_cannot_replace_the_app(client, local, mfa_on):
    password_sign_in(client)
    set_up_app(client)
    client.post(reverse("logout"))
    password_sign_in(client)
    response = client.get(SET_UP)
    assert response.status_code == 302 and response["Location"].startswith(VERIFY)
    assert client.post(SET_UP, {"code": "123456"})["Location"].startswith(VERIFY)
    assert TOTPDevice.objects.filter(user=local).count() == 1


def test_nothing_but_signing_out_and_public_pages_open_before_the_code(client, local, mfa_on):
    password_sign_in(client)
    for url in (LANDING, "/my-work/", "/people/A000001/", "/admin/", "/search/"):
        assert client.get(url)["Location"].startswith(SET_UP), url
    assert client.get("/healthz").status_code == 200
    assert client.get("/check-in/not-a-link").status_code in (200, 404)
    assert client.post(reverse("logout")).status_code == 302
    assert client.get(LANDING)["Location"].startswith(reverse("login"))


def test_the_api_s_bearer_tokens_are_not_affected(client, local, mfa_on):
    assert client.get("/api/v1/people", **bearer(local)).status_code == 200


def test_second_factor_pages_need_a_signed_in_user(client, mfa_on):
    for url in (VERIFY, SET_UP, reverse("identity:recovery_codes")):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"] == reverse("login"), url


def test_the_code_page_is_not_in_the_way_once_verified_or_when_not_required(client, local):
    password_sign_in(client)
    assert client.get(VERIFY + "?next=/my-work/")["Location"] == "/my-work/"
    assert client.get(VERIFY + "?next=https://elsewhere.example.com/")["Location"] == LANDING


def test_single_sign_on_leaves_the_second_factor_to_the_provider(
    client, sso, subject, home_team, mfa_on
):
    SignInMapping.objects.create(value="pp", role=Role.PRACTITIONER, team=home_team)
    set_claims(sso, subject, groups=["pp"])
    start = client.get(reverse("identity:sso_start"))["Location"]
    client.get(authorise(start, subject))
    assert client.get(LANDING).status_code == 200


def test_the_second_factor_pages_keep_their_queries_few(
    client, local, mfa_on, django_assert_max_num_queries
):
    password_sign_in(client)
    set_up_app(client)
    client.post(reverse("logout"))
    password_sign_in(client)
    with django_assert_max_num_queries(12):
        assert client.get(VERIFY).status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get(LANDING).status_code == 302
