"""A practitioner opens a person's pathways, records an offer from a suggestion (refused first
without a reason for declining), records the wish not to be seen at the office and sees it at
booking, and asks to reduce contact where the safeguard applies; the SPO records the decision.
Every page passes axe-core."""

import pytest
from playwright.sync_api import expect

from safeguard.core.models import Role
from safeguard.pathways.models import ContactReduction, PathwayOffer
from tests.assessments.helpers import HIGH, record_screen
from tests.browser.conftest import assert_accessible, sign_in
from tests.factories import PASSWORD, PersonFactory, RegistrationFactory, StaffFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def casework(home_team):
    pp = StaffFactory(username="pw.pp", role=Role.PRACTITIONER, teams=[home_team])
    StaffFactory(username="pw.spo", role=Role.SENIOR_PROBATION_OFFICER, teams=[home_team])
    person = PersonFactory(crn="P000001", team=home_team, practitioner=pp, last_name="Okafor")
    record_screen(person, pp, **HIGH["trauma"])
    RegistrationFactory(person=person, code="ALSH", owner=pp)
    return person


def test_pathways_offers_feeling_safe_and_the_reset_safeguard_pass_axe(page, live_server, casework):
    base = live_server.url
    sign_in(page, base, "pw.pp", PASSWORD)
    page.wait_for_url(f"{base}/my-work/")
    page.goto(f"{base}/people/P000001/")
    assert "Trauma-informed support (for trauma)" in page.content()
    page.click("text=Pathways and offers")
    page.wait_for_url(f"{base}/people/P000001/pathways/")
    assert "Kent and Medway trauma service (synthetic)" in page.content()
    assert_accessible(page)

    page.click("text=Record an offer of Trauma-informed support")
    page.check("input[name=status][value=declined]")
    page.click("button:text('Record the offer')")
    expect(page.locator(".govuk-error-summary")).to_be_visible()  # on the page the POST answers
    assert "Say why the offer was declined" in page.content()
    assert_accessible(page)
    page.check("input[name=status][value=accepted]")
    page.click("button:text('Record the offer')")
    page.wait_for_url("**/pathways/#offers")
    assert PathwayOffer.objects.get().status == "accepted"

    page.click("text=Record whether they want to be seen at the office")
    assert_accessible(page)
    page.check("input[name=not_at_office][value=yes]")
    page.check("input[name=reasons][value=safety]")
    page.check("input[name=alternatives][value=video]")
    page.click("button:text('Save')")
    page.wait_for_url("**/pathways/#feeling-safe")
    page.goto(f"{base}/people/P000001/appointments/add/")
    assert "does not want to be seen at the office" in page.content()
    assert "Video call" in page.content()
    assert_accessible(page)

    page.goto(f"{base}/people/P000001/contact-reduction/")
    assert "ALSH" in page.content()
    page.check("input[name=kind][value=probation_reset]")
    page.click("button:text('Reduce contact')")
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    assert "has been asked to decide" in page.content()
    assert_accessible(page)

    page.context.clear_cookies()
    sign_in(page, base, "pw.spo", PASSWORD)
    page.wait_for_url(f"{base}/my-work/")
    page.goto(f"{base}/people/P000001/pathways/")
    page.click("text=Record the decision")
    assert_accessible(page)
    page.check("input[name=approve][value=yes]")
    page.fill("#id_note", "Safety plan current, seen weekly for 3 months")
    page.click("button:text('Record the decision')")
    page.wait_for_url("**/pathways/#contact-reduction")
    assert ContactReduction.objects.get().status == "approved"


def test_the_pathways_page_works_at_320_pixels(page, live_server, casework):
    base = live_server.url
    page.set_viewport_size({"width": 320, "height": 800})
    sign_in(page, base, "pw.pp", PASSWORD)
    page.wait_for_url(f"{base}/my-work/")
    page.goto(f"{base}/people/P000001/pathways/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 330
    assert_accessible(page)
