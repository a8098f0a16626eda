"""Risk to self in the browser: the live banner on the person's page, the follow-up of a screen
rated very high, the caseload's risk-to-self column and My work with the urgent item first.
Each page passes axe; the follow-up works without JavaScript."""

import pytest
from django.utils import timezone

from safeguard.assessments import rules
from safeguard.core.models import Role
from safeguard.core.workitems import scan_all
from tests.assessments.helpers import record_screen
from tests.browser.conftest import assert_accessible, sign_in
from tests.engagement.factories import CheckInFactory
from tests.factories import PASSWORD, OverdueRegistrationFactory, PersonFactory, StaffFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_urgent_risk_is_seen_first_and_followed_up(page, live_server, home_team):
    pp = StaffFactory(username="rts.pp", role=Role.PRACTITIONER, teams=[home_team])
    person = PersonFactory(crn="R000001", team=home_team, practitioner=pp, last_name="Nowak")
    tidy = PersonFactory(crn="R000002", team=home_team, practitioner=pp, last_name="Abbott")
    OverdueRegistrationFactory(person=tidy)  # routine tidying, due earlier
    calm = PersonFactory(crn="R000005", team=home_team, practitioner=pp, last_name="Calm")
    record_screen(calm, pp)
    screen = record_screen(person, pp, ssh_thoughts="with_plan")
    CheckInFactory(person=person, self_harm="yes", self_harm_reported_at=timezone.now())
    scan_all(today=timezone.localdate())
    assert rules.VERY_HIGH_RISK_TO_SELF.code

    sign_in(page, live_server.url, "rts.pp", PASSWORD)
    page.goto(f"{live_server.url}/my-work/")
    assert_accessible(page)
    first_row = page.locator("tbody tr").first
    assert "Urgent" in first_row.inner_text()

    page.goto(f"{live_server.url}/people/R000001/")
    banner = page.locator("#live-risk")
    assert banner.is_visible()
    assert "Said yes to thoughts of harming themselves" in banner.inner_text()
    assert "Risk to self very high" in banner.inner_text()
    assert_accessible(page)

    page.goto(f"{live_server.url}/people/R000001/vulnerability-screens/{screen.pk}/")
    assert_accessible(page)
    page.click("button:text('Save follow-up')")  # empty: the error summary
    page.wait_for_selector(".govuk-error-summary")
    assert_accessible(page)
    page.fill("#id_note", "Called them, agreed a plan with the crisis team, told my SPO")
    page.click("button:text('Save follow-up')")
    page.wait_for_selector("text=Follow-up recorded")
    screen.refresh_from_db()
    assert screen.follow_up_status == "done"

    page.goto(f"{live_server.url}/caseload/?scope=mine&flag=at_risk_to_self")
    assert_accessible(page)
    assert page.locator("text=R000001").count() == 1
    assert page.locator("text=R000005").count() == 0


def test_the_banner_and_follow_up_work_without_javascript(no_js_page, live_server, home_team):
    page = no_js_page
    pp = StaffFactory(username="rts.nojs", role=Role.PRACTITIONER, teams=[home_team])
    person = PersonFactory(crn="R000003", team=home_team, practitioner=pp)
    screen = record_screen(person, pp, ssh_history="prefer_not_to_say")
    sign_in(page, live_server.url, "rts.nojs", PASSWORD)
    page.goto(f"{live_server.url}/people/R000003/")
    assert "Risk to self is not known" in page.locator("#live-risk").inner_text()
    page.goto(f"{live_server.url}/people/R000003/vulnerability-screens/{screen.pk}/")
    page.check("input[name=outcome][value=no_current_concerns]")
    page.fill("#id_note", "Talked in private; no current concerns")
    page.click("button:text('Save follow-up')")
    page.wait_for_selector("text=Follow-up recorded")
    page.goto(f"{live_server.url}/people/R000003/")
    assert page.locator("#live-risk").count() == 0
