"""A practitioner makes an adult social care referral, records its rejection and escalates it."""

import pytest

from safeguard.core.models import Role
from safeguard.referrals.models import Escalation, Referral
from tests.browser.conftest import assert_accessible, fill_date, sign_in
from tests.factories import PASSWORD, PersonFactory, StaffFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_make_reject_and_escalate_a_referral(page, live_server, home_team):
    pp = StaffFactory(username="ref.pp", role=Role.PRACTITIONER, teams=[home_team])
    StaffFactory(username="ref.spo", role=Role.SENIOR_PROBATION_OFFICER, teams=[home_team])
    PersonFactory(crn="D000001", team=home_team, practitioner=pp, last_name="Mensah")

    sign_in(page, live_server.url, "ref.pp", PASSWORD)
    page.goto(f"{live_server.url}/people/D000001/")
    page.click("text=Make a referral")
    assert_accessible(page)

    page.select_option("#id_kind", "adult_social_care_s42")
    page.select_option("#id_agency", label="Kent Adult Social Care")
    page.fill("#id_reason", "Others are using his flat to deal drugs")
    for part in (
        "care_and_support_needs",
        "experiencing_or_at_risk_of_abuse_or_neglect",
        "unable_to_protect_self",
    ):
        page.check(f"#id_s42_{part}")  # the first radio is "Yes"
        page.fill(f"#id_s42_{part}_evidence", "Evidence recorded in the screen")
    page.check("input[name=abuse_categories][value=financial_or_material]")
    page.select_option("#id_consent", "given")
    page.click("button:text('Save referral')")
    page.wait_for_selector("text=Record the decision")
    assert_accessible(page)

    page.click("text=Record the decision")
    page.check("input[name=outcome][value=rejected]")
    page.select_option("#id_reason", "below_threshold")
    page.click("button:text('Save')")
    page.wait_for_selector("text=Escalate to senior probation officer")
    assert Referral.objects.get().status == "rejected"

    page.click("text=Escalate to senior probation officer")
    page.click("button:text('Save')")  # no reason: the error summary appears
    page.wait_for_selector(".govuk-error-summary")
    assert_accessible(page)
    page.fill("#id_reason", "All three parts of the s42 test are met")
    page.click("button:text('Save')")
    page.wait_for_selector("text=Not escalated", state="detached")
    assert Escalation.objects.get().holder.username == "ref.spo"
    assert_accessible(page)


def test_a_regional_lead_reads_referral_monitoring_with_charts_beside_tables(
    page, live_server, home_team
):
    """The monitoring page: each chart an image with a text alternative, its table beside it,
    the filter form's errors in a summary, and the exports linked; all passing axe-core."""
    from safeguard.referrals.models import Agency
    from tests.factories import SentReferralFactory

    StaffFactory(username="ref.region", role=Role.REGIONAL_LEAD, region=home_team.pdu.region)
    person = PersonFactory(crn="D000002", team=home_team, last_name="Okafor")
    agency = Agency.objects.filter(kind="adult_social_care", region=home_team.pdu.region).first()
    for _ in range(5):  # five, so that no count is 1 to 4 (those are hidden)
        SentReferralFactory(person=person, agency=agency)

    sign_in(page, live_server.url, "ref.region", PASSWORD)
    page.goto(f"{live_server.url}/insights/referrals/")
    charts = page.locator("img[src^='data:image/svg+xml']")
    assert charts.count() >= 6
    assert all(
        (charts.nth(i).get_attribute("alt") or "").endswith("The figures are in the table.")
        for i in range(charts.count())
    )
    assert page.locator("table").count() >= 6
    assert page.locator("a[href*='export.csv']").count() == 1
    assert_accessible(page)

    fill_date(page, "date_from", "99/99/2026")
    page.click("button:text('Apply filters')")
    page.wait_for_selector(".govuk-error-summary")
    assert_accessible(page)


def test_a_duty_to_refer_to_any_english_authority_without_javascript(
    no_js_page, live_server, home_team
):
    """The housing authority is a plain select of every English authority: the person may
    choose one outside their region (a local connection), and the referral goes there."""
    from safeguard.core.models import LocalAuthority

    page = no_js_page
    pp = StaffFactory(username="dtr.pp", role=Role.PRACTITIONER, teams=[home_team])
    PersonFactory(crn="D000002", team=home_team, practitioner=pp, last_name="Okafor")
    sign_in(page, live_server.url, "dtr.pp", PASSWORD)
    page.goto(f"{live_server.url}/people/D000002/referrals/new/")
    page.select_option("#id_kind", "housing_duty_to_refer")
    page.select_option("#id_consent", "given")
    page.select_option("#id_chosen_housing_authority", label="County Durham")
    page.check("#id_consent_to_share_contact_details")
    page.click("button:text('Save referral')")  # no agreed reason: the error summary
    page.wait_for_selector(".govuk-error-summary")
    assert "Say why you are referring" in page.inner_text(".govuk-error-summary")
    page.fill("#id_reason", "Threatened with homelessness within 56 days; family in Durham")
    page.click("button:text('Save referral')")
    page.wait_for_selector("text=Record the decision")
    referral = Referral.objects.get()
    assert referral.agency.name == "County Durham Housing Options"
    assert referral.chosen_housing_authority == LocalAuthority.objects.get(name="County Durham")


def test_the_care_act_consent_questions_are_accessible_with_their_errors(
    page, live_server, home_team
):
    pp = StaffFactory(username="mca.pp", role=Role.PRACTITIONER, teams=[home_team])
    PersonFactory(crn="D000003", team=home_team, practitioner=pp, last_name="Evans")
    sign_in(page, live_server.url, "mca.pp", PASSWORD)
    page.set_viewport_size({"width": 320, "height": 800})
    page.goto(f"{live_server.url}/people/D000003/referrals/new/")
    page.select_option("#id_kind", "adult_social_care_needs_assessment")
    page.select_option("#id_agency", label="Kent Adult Social Care")
    page.fill("#id_reason", "Cannot manage at home")
    page.select_option("#id_consent", "refused")
    page.fill("#id_reason_without_consent", "He will not agree")
    page.check("input[name=mental_capacity][value=assumed]")
    page.click("button:text('Save referral')")
    page.wait_for_selector(".govuk-error-summary")
    assert "without consent" in page.inner_text(".govuk-error-summary")
    assert_accessible(page)
    page.select_option("#id_ground_without_consent", "at_risk_of_abuse")
    page.click("button:text('Save referral')")
    page.wait_for_selector("text=Record the decision")
    assert Referral.objects.get().ground_without_consent == "at_risk_of_abuse"
