"""A person answers the feedback survey on a 320-pixel phone, with and without JavaScript, and
on an office tablet; leads read the figures and record "you said, we did"; an auditor answers
a case audit. Every page passes axe-core's WCAG 2.2 AA rules."""

import pytest

from safeguard.audits import services as audits
from safeguard.audits.models import AuditCase
from safeguard.core.models import Role
from safeguard.feedback import services
from safeguard.feedback.models import FeedbackResponse, Office
from tests.browser.conftest import assert_accessible, fill_date, sign_in
from tests.factories import PASSWORD, PersonFactory, RegistrationFactory, StaffFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 320, "height": 640}


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    from django.core.cache import cache

    cache.clear()


def fits_the_screen(page):
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def check(page):
    assert fits_the_screen(page), "the page scrolls sideways at 320 pixels"
    assert_accessible(page)


@pytest.fixture
def link(home_team):
    pp = StaffFactory(username="fb.pp", role=Role.PRACTITIONER, teams=[home_team])
    person = PersonFactory(crn="E000001", team=home_team, practitioner=pp, mobile="07700 900123")
    return services.feedback_link_send(person_id=person.pk, channel="sms", actor=pp).token


@pytest.mark.parametrize("javascript", [True, False])
def test_the_survey_on_a_small_phone(chromium, live_server, link, javascript):
    context = chromium.new_context(
        bypass_csp=True, viewport=PHONE, is_mobile=javascript, java_script_enabled=javascript
    )
    page = context.new_page()
    page.goto(f"{live_server.url}/feedback/s/{link}/")
    assert page.locator("h1").inner_text() == "Tell us about probation"
    if javascript:
        check(page)
    page.click("text=Start")
    page.wait_for_selector("text=Are you happy with the support you get from probation?")
    if javascript:
        check(page)
    page.click("label:text-is('Yes')")
    page.click("button:text('Continue')")
    page.wait_for_selector("text=Question 2 of 15")
    for _ in range(9):  # the other yes/no questions: answered "I'm not sure"
        page.click('label:text-is("I\'m not sure")')
        page.click("button:text('Continue')")
    page.wait_for_selector("text=What is the biggest problem for you right now?")
    if javascript:
        check(page)
    page.fill("textarea", "Getting to the office on time")
    page.click("button:text('Continue')")
    page.click("button:text('Continue')")  # what would help: left empty
    page.click("label:text-is('Woman')")
    page.click("button:text('Continue')")
    page.click("button:text('Continue')")  # age: not answered
    page.wait_for_selector("text=Would you like someone from probation to contact you")
    page.click("label:text('No, keep my answers anonymous')")
    page.click("button:text('Continue')")
    page.wait_for_selector("h1:text('Check your answers')")
    if javascript:
        check(page)
    page.click("button:text('Send my answers')")
    page.wait_for_selector("text=We have your answers")
    if javascript:
        check(page)
    response = FeedbackResponse.objects.get()
    assert response.person_id is None and response.sex == "female"
    context.close()


def test_the_office_tablet(chromium, live_server, home_team):
    spo = StaffFactory(username="fb.spo", role=Role.SENIOR_PROBATION_OFFICER, teams=[home_team])
    office = Office.objects.create(
        code="MAID", name="Maidstone office", pdu=home_team.pdu, location="Maidstone"
    )
    tablet = services.feedback_tablet_set_up(office_id=office.pk, actor=spo)
    context = chromium.new_context(
        bypass_csp=True, viewport={"width": 810, "height": 1080}, has_touch=True
    )
    page = context.new_page()
    page.goto(f"{live_server.url}/feedback/tablet/{tablet.token}/")
    check(page)
    page.click("button:text('Start')")
    page.click("a:text('Start')")
    page.wait_for_selector("text=Question 1 of 14")
    page.goto(page.url.replace("happy_with_support", "feels_safe_at_office"))
    page.click("label:text-is('No')")
    page.click("button:text('Continue')")
    page.goto(page.url.rsplit("/", 2)[0] + "/check/")
    page.click("button:text('Send my answers')")
    page.wait_for_selector("text=Finish and give the tablet back")
    check(page)
    page.click("text=Finish and give the tablet back")
    page.wait_for_selector("text=Tell us what probation at Maidstone office is like for you.")
    assert FeedbackResponse.objects.get().office == office
    context.close()


def test_leads_read_the_figures_and_publish_you_said_we_did(chromium, live_server, home_team):
    StaffFactory(username="fb.regional", role=Role.REGIONAL_LEAD, region=home_team.pdu.region)
    regional = StaffFactory(username="fb.head", role=Role.HEAD_OF_PDU, pdu=home_team.pdu)
    Office.objects.create(
        code="MAID", name="Maidstone office", pdu=home_team.pdu, location="Maidstone"
    )
    rows = [
        (
            i,
            {
                "answers": {
                    "feels_safe_at_office": "yes" if i % 3 else "no",
                    "what_would_help": f"Idea {i}",
                },
                "pdu": home_team.pdu.code,
                "office": "MAID",
                "sex": "male" if i % 2 else "female",
            },
        )
        for i in range(1, 31)
    ]
    services.feedback_responses_import(
        survey="people_on_probation", rows=rows, actor=regional, capability="enter_feedback"
    )
    context = chromium.new_context(bypass_csp=True, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    sign_in(page, live_server.url, "fb.head", PASSWORD)
    page.goto(f"{live_server.url}/feedback/?group_by=sex")
    page.wait_for_selector("#figures")
    assert_accessible(page)
    page.click("text=What people wrote")
    page.wait_for_selector("text=Idea 1")
    assert_accessible(page)
    page.goto(f"{live_server.url}/you-said-we-did/manage/")
    fill_date(page, "due_on", "31/03/2027")
    page.click("button:text('Publish the action')")
    page.wait_for_selector(".govuk-error-summary")
    assert_accessible(page)
    page.select_option("#id_area", f"pdu:{home_team.pdu.code}")
    page.select_option("#id_theme", "feels_safe_at_office")
    page.fill("#id_you_said", "The waiting room feels crowded")
    page.fill("#id_we_did", "We now offer appointments at the library")
    page.click("button:text('Publish the action')")
    page.wait_for_selector("text=The action is recorded and published")
    page.goto(f"{live_server.url}/you-said-we-did/")
    page.wait_for_selector("text=We now offer appointments at the library")
    assert_accessible(page)
    context.close()
    phone = chromium.new_context(bypass_csp=True, viewport=PHONE, is_mobile=True)
    small = phone.new_page()
    small.goto(f"{live_server.url}/you-said-we-did/")
    check(small)
    small.goto(f"{live_server.url}/you-said-we-did/poster/")
    check(small)
    phone.close()


def test_an_auditor_answers_a_case_audit(chromium, live_server, home_team):
    national = StaffFactory(username="au.national", role=Role.NATIONAL)
    StaffFactory(username="au.inspector", role=Role.INSPECTOR)
    for n in range(3):
        RegistrationFactory(person=PersonFactory(crn=f"E00000{n}", team=home_team), code="RVLN")
    exercise = audits.audit_exercise_create(
        title="Vulnerable cases",
        registers=["RVLN"],
        per_pdu=3,
        seed=5,
        moderation_percent=0,
        auditors=["au.inspector"],
        actor=national,
    )
    case = AuditCase.objects.filter(exercise=exercise).first()
    context = chromium.new_context(bypass_csp=True, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    sign_in(page, live_server.url, "au.inspector", PASSWORD)
    page.goto(f"{live_server.url}/audits/{exercise.pk}/")
    page.wait_for_selector("#cases")
    assert_accessible(page)
    page.goto(f"{live_server.url}/audits/{exercise.pk}/cases/{case.pk}/")
    page.wait_for_selector("#snapshot")
    assert_accessible(page)
    page.click("button:text('Save answers')")
    page.wait_for_selector(".govuk-error-summary")
    assert_accessible(page)
    for radio in page.locator("input[type=radio][value=yes]").all():
        radio.check()
    for area in page.locator("textarea").all():
        area.fill("The assessment sets out the risks clearly")
    page.click("button:text('Save answers')")
    page.wait_for_selector("text=Your answers are saved")
    context.close()
    case.refresh_from_db()
    assert case.status == "complete"
    context = chromium.new_context(bypass_csp=True, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    sign_in(page, live_server.url, "au.national", PASSWORD)
    page.goto(f"{live_server.url}/audits/{exercise.pk}/results/")
    page.wait_for_selector("#results")
    assert_accessible(page)
    context.close()
