"""Single sign-on end to end in a real browser through the local OpenID provider, the page that
says why an unmapped account cannot sign in, and a break-glass password sign-in with its second
factor: all with axe-core."""

import re

import pytest

from safeguard.core.models import Role, Staff
from safeguard.identity.models import SignInMapping
from tests.browser.conftest import assert_accessible, sign_in
from tests.factories import PASSWORD, PersonFactory, StaffFactory
from tests.identity.helpers import code_for
from tests.identity.oidc import oidc_settings, running_provider, set_claims

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def provider_url():
    with running_provider() as base:
        yield base


@pytest.fixture
def sso(settings, provider_url):
    for name, value in oidc_settings(provider_url).items():
        setattr(settings, name, value)
    return provider_url


def sign_in_at_provider(page, live_server, sub):
    page.goto(f"{live_server.url}/sign-in/")
    page.click("#sso-sign-in")
    page.wait_for_url(re.compile(r".*/oauth2/authorize.*"))
    page.fill("input[name=sub]", sub)
    page.click("button:text('Authorize')")


def test_a_practitioner_signs_in_through_single_sign_on(page, live_server, sso, home_team):
    SignInMapping.objects.create(value="safeguard-pp", role=Role.PRACTITIONER, team=home_team)
    set_claims(
        sso,
        "browser-sso-1",
        groups=["safeguard-pp"],
        given_name="Robin",
        family_name="Ashdown",
        preferred_username="robin.ashdown",
    )
    page.goto(f"{live_server.url}/sign-in/")
    assert page.locator("#sso-sign-in").inner_text().strip() == "Sign in with the test provider"
    assert_accessible(page)
    sign_in_at_provider(page, live_server, "browser-sso-1")
    page.wait_for_url(f"{live_server.url}/my-work/")
    staff = Staff.objects.get(username="robin.ashdown")
    PersonFactory(crn="C100001", team=home_team, practitioner=staff, last_name="Hartley")
    page.goto(f"{live_server.url}/caseload/")
    assert "Robin Ashdown (Probation practitioner)" in page.content()
    assert page.locator("table.govuk-table tbody tr").count() == 1
    assert_accessible(page)


def test_an_unmapped_account_is_told_why(page, live_server, sso):
    set_claims(sso, "browser-sso-2", groups=["finance"])
    sign_in_at_provider(page, live_server, "browser-sso-2")
    page.wait_for_selector("h1")
    assert page.locator("h1").inner_text() == "Your account is not set up for Safeguard yet"
    page.click("text=Groups to give your IT service desk")
    assert page.locator(".govuk-details__text code").inner_text() == "finance"
    assert_accessible(page)
    page.goto(f"{live_server.url}/caseload/")
    page.wait_for_url(re.compile(r".*/sign-in/\?next=.*"))


def test_a_break_glass_password_sign_in_sets_up_and_uses_a_second_factor(
    page, live_server, settings, home_team
):
    settings.SAFEGUARD_REQUIRE_MFA = True
    StaffFactory(username="breakglass", role=Role.PRACTITIONER, teams=[home_team])
    sign_in(page, live_server.url, "breakglass", PASSWORD)
    page.wait_for_url(re.compile(r".*/sign-in/two-factor/set-up/.*"))
    assert page.locator("h1").inner_text() == "Set up an authenticator app"
    assert page.locator(".app-qr-code svg").count() == 1
    assert_accessible(page)
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.get(user__username="breakglass", confirmed=False)
    page.fill("#id_code", "000000")
    page.click("button:text('Continue')")
    page.wait_for_selector(".govuk-error-summary")
    assert_accessible(page)
    device.refresh_from_db()
    device.throttle_reset()
    page.fill("#id_code", code_for(device))
    page.click("button:text('Continue')")
    page.wait_for_selector("#recovery-codes")
    codes = page.locator("#recovery-codes code").all_inner_texts()
    assert len(codes) == 10
    assert_accessible(page)
    page.click("text=I have kept my codes safe: continue")
    page.wait_for_url(f"{live_server.url}/my-work/")

    # Signed out and in again: a recovery code this time.
    page.click("button:text('Sign out')")
    sign_in(page, live_server.url, "breakglass", PASSWORD)
    page.wait_for_url(re.compile(r".*/sign-in/two-factor/\?next=.*"))
    assert page.locator("h1").inner_text() == "Enter the code from your authenticator app"
    assert_accessible(page)
    page.fill("#id_code", codes[0])
    page.click("button:text('Continue')")
    page.wait_for_url(f"{live_server.url}/my-work/")
    assert "You used a recovery code. You have 9 left" in page.content()


def test_the_second_factor_works_without_javascript(no_js_page, live_server, settings, home_team):
    settings.SAFEGUARD_REQUIRE_MFA = True
    StaffFactory(username="breakglass", role=Role.PRACTITIONER, teams=[home_team])
    page = no_js_page
    sign_in(page, live_server.url, "breakglass", PASSWORD)
    page.wait_for_url(re.compile(r".*/sign-in/two-factor/set-up/.*"))
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.get(user__username="breakglass", confirmed=False)
    page.fill("#id_code", code_for(device))
    page.click("button:text('Continue')")
    page.wait_for_selector("#recovery-codes")
    page.click("text=I have kept my codes safe: continue")
    page.wait_for_url(f"{live_server.url}/my-work/")
