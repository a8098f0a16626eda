"""A practitioner signs in, opens their caseload and a person, in a real browser."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from safeguard.core import workitems
from safeguard.core.models import Role
from tests.browser.conftest import assert_accessible, sign_in
from tests.factories import PASSWORD, InCustodyPersonFactory, PersonFactory, StaffFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def practitioner(home_team):
    pp = StaffFactory(
        username="browser.pp",
        first_name="Robin",
        last_name="Ashdown",
        role=Role.PRACTITIONER,
        teams=[home_team],
    )
    PersonFactory(crn="C000001", team=home_team, practitioner=pp, last_name="Hartley")
    InCustodyPersonFactory(crn="C000002", team=home_team, practitioner=pp, last_name="Okafor")
    return pp


def test_sign_in_caseload_and_person_pass_axe(page, live_server, practitioner):
    sign_in(page, live_server.url, "browser.pp", PASSWORD)
    page.wait_for_url(f"{live_server.url}/my-work/")  # signing in lands on My work
    page.click("nav >> text=Caseload")
    page.wait_for_url(f"{live_server.url}/caseload/")
    assert page.locator("h1").inner_text() == "My cases"
    assert page.locator("table.govuk-table tbody tr").count() >= 2
    assert_accessible(page)

    page.click("text=Okafor, Alex")
    page.wait_for_url(f"{live_server.url}/people/C000002/")
    assert "Expected release" in page.content()
    assert_accessible(page)

    page.goto(f"{live_server.url}/search/")
    page.click("button:text('Search')")
    page.wait_for_selector(".govuk-error-summary")
    assert_accessible(page)

    workitems.scan_all(today=timezone.localdate())  # everyone unscreened: screens are due
    page.goto(f"{live_server.url}/my-work/")
    assert page.locator("h1").inner_text() == "My work"
    assert page.locator("table.govuk-table tbody tr").count() >= 2
    assert_accessible(page)


def test_sign_in_page_passes_axe(page, live_server, db):
    page.goto(f"{live_server.url}/sign-in/")
    assert_accessible(page)


def test_everything_works_without_javascript(no_js_page, live_server, practitioner):
    page = no_js_page
    sign_in(page, live_server.url, "browser.pp", PASSWORD)
    page.wait_for_url(f"{live_server.url}/my-work/")
    page.click("nav >> text=Caseload")
    page.check("#flag-in_custody")
    page.click("button:text('Apply filters')")
    # The filtered page is a new page load: wait for it rather than count the old one's rows.
    page.wait_for_url(f"{live_server.url}/caseload/?*flag=in_custody*")
    expect(page.locator("table.govuk-table tbody tr")).to_have_count(1)
    page.click("th a:text('Name')")  # sorting is a plain link
    page.goto(f"{live_server.url}/search/")
    page.fill("#id_q", "Hartley")
    page.click("button:text('Search')")
    page.click("text=Hartley, Alex")
    expect(page.locator("h1")).to_have_text("Alex Hartley")  # once the person's page has loaded
