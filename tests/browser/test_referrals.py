"""A practitioner makes a referral by kind (the kind, its questions), saves it as a draft,
changes and completes it (check your answers), sends it and records how, then records its
rejection and escalates it; at 1280 and 320 px with axe-core, with JavaScript (conditional
reveals, the council autocomplete) and without."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from safeguard.core.models import Role
from safeguard.referrals.models import Escalation, Referral
from tests.browser.conftest import assert_accessible, fill_date, sign_in
from tests.factories import PASSWORD, PersonFactory, StaffFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

S42_PARTS = (
    "care_and_support_needs",
    "experiencing_or_at_risk_of_abuse_or_neglect",
    "unable_to_protect_self",
)


def _reflows(page, where):
    widths = page.evaluate(
        "[document.scrollingElement.scrollWidth, document.scrollingElement.clientWidth]"
    )
    assert widths[0] <= widths[1], f"{where} scrolls sideways: {widths}"


def _checked(page, where):
    assert_accessible(page)
    _reflows(page, where)


def _answer_s42(page):
    for part in S42_PARTS:
        page.check(f"input[name=s42_{part}][value=yes]")
        page.fill(f"#id_s42_{part}_evidence", "Evidence recorded at the home visit")
    page.check("input[name=abuse_categories][value=financial_or_material]")


@pytest.mark.parametrize("width", [1280, 320])
def test_make_send_reject_and_escalate_a_referral(page, live_server, home_team, width):
    page.set_viewport_size({"width": width, "height": 900})
    pp = StaffFactory(username="ref.pp", role=Role.PRACTITIONER, teams=[home_team])
    StaffFactory(username="ref.spo", role=Role.SENIOR_PROBATION_OFFICER, teams=[home_team])
    PersonFactory(crn="D000001", team=home_team, practitioner=pp, last_name="Mensah")

    sign_in(page, live_server.url, "ref.pp", PASSWORD)
    page.goto(f"{live_server.url}/people/D000001/")
    page.click("text=Make a referral")
    page.wait_for_selector("h1:text('What kind of referral are you making?')")
    _checked(page, "the kind of referral")
    page.click("button:text('Continue')")  # no kind: the error summary
    page.wait_for_selector(".govuk-error-summary")
    _checked(page, "the kind of referral, with its error")
    page.check("input[name=kind][value=adult_social_care_s42]")
    page.click("button:text('Continue')")

    page.wait_for_selector("text=The Care Act s42 test")
    assert page.locator("#id_chosen_housing_authority").count() == 0  # only this kind's
    _checked(page, "the s42 questions")
    # Why without consent is revealed only under "No".
    reveal = page.locator("#conditional-id_consent")
    assert not reveal.is_visible()
    page.check("input[name=consent][value=no]")
    expect(reveal).to_be_visible()
    page.check("input[name=consent][value=yes]")
    expect(reveal).to_be_hidden()
    page.click("button:text('Continue')")  # nothing answered: the error summary
    page.wait_for_selector(".govuk-error-summary")
    _checked(page, "the s42 questions, with their errors")

    page.select_option("#id_agency", label="Kent Adult Social Care")
    page.fill("#id_reason", "Others are using his flat to deal drugs")
    _answer_s42(page)
    page.fill("#id_person_views", "He wants them gone but is frightened of them")
    page.check("input[name=consent][value=yes]")
    # Saved as a draft first, then changed and completed.
    page.click("button:text('Save as a draft')")
    page.wait_for_selector("text=Change and complete the draft")
    assert Referral.objects.get().status == "draft"
    _checked(page, "the draft")
    page.click("text=Change and complete the draft")
    page.wait_for_selector("text=The Care Act s42 test")
    assert page.input_value("#id_reason") == "Others are using his flat to deal drugs"
    _checked(page, "the draft's questions")
    page.click("button:text('Continue')")

    page.wait_for_selector("h1:text('Check your answers before saving the referral')")
    assert "He wants them gone" in page.inner_text("main")
    _checked(page, "check your answers")
    assert Referral.objects.get().status == "draft"
    page.click("button:text('Save: ready to send')")

    page.wait_for_selector("text=Record how and when you sent it")
    assert "Ready to send" in page.inner_text("main")
    assert "Record the decision" not in page.inner_text("main")
    _checked(page, "the referral, ready to send")
    assert Referral.objects.get().status == "ready_to_send"
    assert page.locator("a[href$='referral.pdf']").count() == 1

    page.click("a.govuk-button:text('Record how and when you sent it')")
    page.click("button:text('Save')")  # no method, no date: the error summary
    page.wait_for_selector(".govuk-error-summary")
    _checked(page, "recording how it was sent, with its errors")
    page.check("input[name=method][value=secure_email]")
    fill_date(page, "sent_on", timezone.localdate())
    page.click("button:text('Save')")
    page.wait_for_selector("text=Record the decision")
    referral = Referral.objects.get()
    assert referral.status == "sent" and referral.sent_method == "secure_email"
    _checked(page, "the referral, sent")

    page.click("text=Record the decision")
    page.check("input[name=outcome][value=rejected]")
    page.select_option("#id_reason", "below_threshold")
    page.click("button:text('Save')")
    page.wait_for_selector("text=Escalate to senior probation officer")
    assert Referral.objects.get().status == "rejected"

    page.click("text=Escalate to senior probation officer")
    page.click("button:text('Save')")  # no reason: the error summary appears
    page.wait_for_selector(".govuk-error-summary")
    _checked(page, "the escalation, with its error")
    page.fill("#id_reason", "All three parts of the s42 test are met")
    page.click("button:text('Save')")
    page.wait_for_selector("text=Not escalated", state="detached")
    assert Escalation.objects.get().holder.username == "ref.spo"
    _checked(page, "the referral, escalated")


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


def test_a_duty_to_refer_chooses_the_council_through_the_autocomplete(page, live_server, home_team):
    pp = StaffFactory(username="dtr.js", role=Role.PRACTITIONER, teams=[home_team])
    PersonFactory(crn="D000004", team=home_team, practitioner=pp, last_name="Osei")
    sign_in(page, live_server.url, "dtr.js", PASSWORD)
    page.goto(f"{live_server.url}/people/D000004/referrals/new/?kind=housing_duty_to_refer")
    page.wait_for_selector(".autocomplete__wrapper")
    assert page.locator("select#id_chosen_housing_authority-select").count() == 1
    assert not page.locator("select#id_chosen_housing_authority-select").is_visible()
    _checked(page, "the duty to refer, with the autocomplete")
    page.fill("#id_chosen_housing_authority", "County Dur")
    page.click(".autocomplete__option:text('County Durham')")
    page.fill("#id_reason", "Threatened with homelessness within 56 days; family in Durham")
    page.check("input[name=consent][value=yes]")
    page.check("input[name=consent_to_share_contact_details][value=yes]")
    page.click("button:text('Continue')")
    page.wait_for_selector("h1:text('Check your answers before saving the referral')")
    assert "County Durham" in page.inner_text("main")
    page.click("button:text('Save: ready to send')")
    page.wait_for_selector("text=Record how and when you sent it")
    assert Referral.objects.get().chosen_housing_authority.name == "County Durham"


def test_a_duty_to_refer_to_any_english_authority_without_javascript(
    no_js_page, live_server, home_team
):
    """Without JavaScript the kind is chosen with a plain form, the housing authority is a
    plain select of every English authority (the person may choose one outside their region)
    and every page still works."""
    from safeguard.core.models import LocalAuthority

    page = no_js_page
    pp = StaffFactory(username="dtr.pp", role=Role.PRACTITIONER, teams=[home_team])
    PersonFactory(crn="D000002", team=home_team, practitioner=pp, last_name="Okafor")
    sign_in(page, live_server.url, "dtr.pp", PASSWORD)
    page.goto(f"{live_server.url}/people/D000002/referrals/new/")
    page.check("input[name=kind][value=housing_duty_to_refer]")
    page.click("button:text('Continue')")
    page.wait_for_selector("select#id_chosen_housing_authority")
    page.check("input[name=consent][value=yes]")
    page.select_option("#id_chosen_housing_authority", label="County Durham")
    page.check("input[name=consent_to_share_contact_details][value=yes]")
    page.click("button:text('Continue')")  # no agreed reason: the error summary
    page.wait_for_selector(".govuk-error-summary")
    assert "reason for the referral that you agreed" in page.inner_text(".govuk-error-summary")
    page.fill("#id_reason", "Threatened with homelessness within 56 days; family in Durham")
    page.click("button:text('Continue')")
    page.wait_for_selector("h1:text('Check your answers before saving the referral')")
    page.click("button:text('Save: ready to send')")
    page.wait_for_selector("text=Record how and when you sent it")
    referral = Referral.objects.get()
    assert referral.agency.name == "County Durham Housing Options"
    assert referral.chosen_housing_authority == LocalAuthority.objects.get(name="County Durham")

    page.click("a.govuk-button:text('Record how and when you sent it')")
    page.check("input[name=method][value=portal]")
    fill_date(page, "sent_on", timezone.localdate())
    page.click("button:text('Save')")
    page.wait_for_selector("text=Record the decision")
    assert Referral.objects.get().status == "sent"


def test_an_s42_referral_without_javascript_shows_the_revealed_questions(
    no_js_page, live_server, home_team
):
    page = no_js_page
    pp = StaffFactory(username="nojs.pp", role=Role.PRACTITIONER, teams=[home_team])
    PersonFactory(crn="D000005", team=home_team, practitioner=pp, last_name="Adeyemi")
    sign_in(page, live_server.url, "nojs.pp", PASSWORD)
    page.goto(f"{live_server.url}/people/D000005/referrals/new/adult_social_care_s42/")
    # Without JavaScript the questions revealed under an answer are simply shown.
    assert page.locator("#id_reason_without_consent").is_visible()
    assert page.locator("#id_capacity_assessment").is_visible()
    page.select_option("#id_agency", label="Kent Adult Social Care")
    page.fill("#id_reason", "Self-neglect; the flat is unsafe")
    _answer_s42(page)
    page.check("input[name=consent][value=no]")
    page.check("input[name=consent_no][value=refused]")
    page.check("input[name=ground_without_consent][value=others_at_risk]")
    page.fill("#id_reason_without_consent", "His grandchildren stay there")
    page.click("button:text('Continue')")
    page.wait_for_selector("h1:text('Check your answers before saving the referral')")
    page.click("button:text('Save: ready to send')")
    page.wait_for_selector("text=Record how and when you sent it")
    referral = Referral.objects.get()
    assert referral.consent == "refused" and referral.ground_without_consent == "others_at_risk"


def test_the_care_act_consent_questions_are_accessible_with_their_errors(
    page, live_server, home_team
):
    pp = StaffFactory(username="mca.pp", role=Role.PRACTITIONER, teams=[home_team])
    PersonFactory(crn="D000003", team=home_team, practitioner=pp, last_name="Evans")
    sign_in(page, live_server.url, "mca.pp", PASSWORD)
    page.set_viewport_size({"width": 320, "height": 800})
    page.goto(
        f"{live_server.url}/people/D000003/referrals/new/?kind=adult_social_care_needs_assessment"
    )
    page.select_option("#id_agency", label="Kent Adult Social Care")
    page.fill("#id_reason", "Cannot manage at home")
    page.check("input[name=consent][value=no]")
    page.check("input[name=consent_no][value=refused]")
    page.fill("#id_reason_without_consent", "He will not agree")
    page.check("input[name=mental_capacity][value=assumed]")
    page.click("button:text('Continue')")
    page.wait_for_selector(".govuk-error-summary")
    assert "without consent" in page.inner_text(".govuk-error-summary")
    # The answer that revealed the question stays chosen, and the question stays shown.
    assert page.locator("#id_ground_without_consent").is_visible()
    _checked(page, "the needs assessment, with its errors")
    page.check("input[name=ground_without_consent][value=at_risk_of_abuse]")
    page.click("button:text('Continue')")
    page.wait_for_selector("h1:text('Check your answers before saving the referral')")
    _checked(page, "check your answers at 320 px")
    page.click("button:text('Save: ready to send')")
    page.wait_for_selector("text=Record how and when you sent it")
    assert Referral.objects.get().ground_without_consent == "at_risk_of_abuse"
