"""A death is recorded, reviewed and quality-assured, and the learning page and board pack are
read, with axe-core checks on each page."""

import datetime as dt

import pytest
from django.utils import timezone

from safeguard.core.models import Role
from safeguard.learning.models import DeathReview, ReviewFactor
from tests.browser.conftest import assert_accessible, fill_date, sign_in
from tests.factories import PASSWORD, PersonFactory, StaffFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_record_review_and_learn_from_a_death(chromium, live_server, home_team):
    pp = StaffFactory(username="dl.pp", role=Role.PRACTITIONER, teams=[home_team])
    StaffFactory(
        username="dl.pp2",
        role=Role.PRACTITIONER,
        teams=[home_team],
        first_name="Robin",
        last_name="Reviewer",
    )
    StaffFactory(username="dl.spo", role=Role.SENIOR_PROBATION_OFFICER, teams=[home_team])
    StaffFactory(username="dl.regional", role=Role.REGIONAL_LEAD, region=home_team.pdu.region)
    PersonFactory(crn="E000001", team=home_team, practitioner=pp, last_name="Okafor")
    today = timezone.localdate()

    def fresh_page(username):
        context = chromium.new_context(bypass_csp=True, viewport={"width": 1280, "height": 900})
        page = context.new_page()
        sign_in(page, live_server.url, username, PASSWORD)
        return context, page

    # The practitioner records the death; a mistake first shows the error summary.
    context, page = fresh_page("dl.pp")
    page.goto(f"{live_server.url}/people/E000001/")
    page.click("text=Record a death")
    fill_date(page, "date_of_death", "31/02/2026")
    page.select_option("#id_how_notified", "police")
    page.select_option("#id_circumstances", "self_inflicted")
    page.click("button:text('Record the death')")
    page.wait_for_selector(".govuk-error-summary")
    assert_accessible(page)
    fill_date(page, "date_of_death", today - dt.timedelta(days=2))
    page.click("button:text('Record the death')")
    page.wait_for_selector("text=Review of a death under supervision")
    assert_accessible(page)
    page.goto(f"{live_server.url}/people/E000001/")
    page.wait_for_selector("text=Died under supervision")
    assert_accessible(page)
    context.close()

    # The SPO gives the review to an independent colleague.
    review = DeathReview.objects.get()
    context, page = fresh_page("dl.spo")
    page.goto(f"{live_server.url}/learning/reviews/{review.pk}/")
    page.click("text=Start the review")
    page.select_option("#id_reviewer", label="Robin Reviewer (Probation practitioner)")
    assert_accessible(page)
    page.click("button:text('Start the review')")
    page.wait_for_selector("text=Reviewer: Robin Reviewer")
    context.close()

    # The reviewer codes a factor and writes the findings.
    context, page = fresh_page("dl.pp2")
    page.goto(f"{live_server.url}/learning/reviews/{review.pk}/")
    page.click("text=Code a systemic factor")
    page.select_option("#id_factor", "SF01")
    page.click("button:text('Save factor')")  # no evidence: the error summary appears
    page.wait_for_selector(".govuk-error-summary")
    assert_accessible(page)
    page.fill("#id_evidence", "Released to no fixed abode four days before his death")
    page.click("button:text('Save factor')")
    page.wait_for_selector("text=Released to no fixed abode four days")
    page.click("text=Write the findings")
    page.fill("#id_summary", "Died four days after release")
    page.fill("#id_learning", "Accommodation must be in place before release")
    page.click("button:text('Save findings')")
    page.wait_for_selector("text=Accommodation must be in place before release")
    assert_accessible(page)
    context.close()
    assert ReviewFactor.objects.get().factor.code == "SF01"

    # The SPO quality-assures it; the regional lead reads the learning page and the board pack.
    context, page = fresh_page("dl.spo")
    page.goto(f"{live_server.url}/learning/reviews/{review.pk}/move/?to=quality_assured")
    assert_accessible(page)
    page.click("button:text('Quality-assure the review')")
    page.wait_for_selector("text=Quality-assured by")
    context.close()

    context, page = fresh_page("dl.regional")
    page.goto(f"{live_server.url}/learning/")
    page.wait_for_selector("text=Systemic factors")
    assert_accessible(page)
    page.click("a:text-is('Board pack')")
    page.click("button:text('Make the board pack')")
    page.wait_for_selector("text=Deaths of people under probation supervision")
    assert "Okafor" not in page.content() and "E000001" not in page.content()
    assert_accessible(page)
    page.goto(f"{live_server.url}/training/")
    assert_accessible(page)
    context.close()
