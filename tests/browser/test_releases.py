"""An SPO opens the release board, sorts it and opens a plan; the practitioner works on the
plan, is refused a "not needed" without a reason, records the release and sees the first 14
days; a head of PDU reads the measures. Every page passes axe-core."""

import datetime as dt

import pytest
from playwright.sync_api import expect

from safeguard.core.models import Role
from safeguard.releases.models import ReleasePlan
from safeguard.releases.sweeps import open_due_release_plans
from tests.browser.conftest import assert_accessible, sign_in
from tests.factories import PASSWORD, InCustodyPersonFactory, RegistrationFactory, StaffFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def releases(home_team):
    today = dt.date.today()
    pp = StaffFactory(username="rel.pp", role=Role.PRACTITIONER, teams=[home_team])
    StaffFactory(username="rel.spo", role=Role.SENIOR_PROBATION_OFFICER, teams=[home_team])
    StaffFactory(username="rel.head", role=Role.HEAD_OF_PDU, pdu=home_team.pdu)
    soon = InCustodyPersonFactory(
        crn="E000001",
        team=home_team,
        practitioner=pp,
        last_name="Adeyemi",
        expected_release_date=today + dt.timedelta(days=12),
    )
    RegistrationFactory(person=soon, code="ALSH", owner=pp)
    InCustodyPersonFactory(
        crn="E000002",
        team=home_team,
        practitioner=pp,
        last_name="Brennan",
        expected_release_date=today + dt.timedelta(days=70),
    )
    open_due_release_plans(today)
    return pp


def test_release_board_plan_and_release_pass_axe(page, live_server, releases):
    base = live_server.url
    sign_in(page, base, "rel.spo", PASSWORD)
    page.wait_for_url(f"{base}/my-work/")
    page.click("nav >> text=Releases")
    page.wait_for_url(f"{base}/releases/board/")
    assert page.locator("table.govuk-table tbody tr").count() == 2
    assert "No accommodation for the night of release" in page.content()
    assert_accessible(page)

    page.click("thead >> text=Readiness")
    page.wait_for_url("**sort=readiness**")
    assert page.locator("th[aria-sort=ascending]").inner_text().startswith("Readiness")
    page.click("text=Adeyemi, Alex")
    page.wait_for_url(f"{base}/people/E000001/release-plan/")
    assert "Duty to refer" in page.content()
    assert_accessible(page)

    page.context.clear_cookies()
    sign_in(page, base, "rel.pp", PASSWORD)
    page.wait_for_url(f"{base}/my-work/")
    page.goto(f"{base}/people/E000001/release-plan/")
    page.click("#item-gp_registration >> text=Update")
    page.check("input[name=status][value=not_needed]")
    page.click("button:text('Save')")
    expect(page.locator(".govuk-error-summary")).to_be_visible()  # on the page the POST answers
    assert "Say why this item is not needed" in page.content()
    assert_accessible(page)
    page.fill("#id_reason", "Already registered with Park Surgery")
    page.click("button:text('Save')")
    page.wait_for_url("**/release-plan/#item-gp_registration")
    assert "Already registered with Park Surgery" in page.content()

    page.goto(f"{base}/people/E000001/release/")
    assert_accessible(page)
    page.check("input[name=accommodation_type][value=no_fixed_abode]")
    page.click("button:text('Record the release')")
    page.wait_for_url(f"{base}/people/E000001/")
    assert "First 14 days after release: day 1 of 14" in page.content()
    assert_accessible(page)
    assert ReleasePlan.objects.get(person__crn="E000001").status == "released"

    page.context.clear_cookies()
    sign_in(page, base, "rel.head", PASSWORD)
    page.wait_for_url(f"{base}/my-work/")
    page.goto(f"{base}/insights/releases/")
    assert "All releases in the period (&lt;5)" in page.content()
    assert_accessible(page)


def test_the_board_sorts_without_javascript(no_js_page, live_server, releases):
    sign_in(no_js_page, live_server.url, "rel.spo", PASSWORD)
    no_js_page.goto(f"{live_server.url}/releases/board/?sort=date&order=desc")
    names = no_js_page.locator("tbody tr td:first-child a").all_inner_texts()
    assert names == ["Brennan, Alex", "Adeyemi, Alex"]
