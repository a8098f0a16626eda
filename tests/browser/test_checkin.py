"""A person answers a check-in on a small phone (320 pixels wide), with and without
JavaScript, and every page passes axe-core's WCAG 2.2 AA rules."""

import pytest

from safeguard.core.models import Role, WorkItem
from safeguard.engagement.checkins import check_in_create
from safeguard.engagement.models import CheckIn
from tests.browser.conftest import CHROMIUM_ARGS, assert_accessible  # noqa: F401
from tests.factories import PersonFactory, StaffFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 320, "height": 640}


@pytest.fixture(autouse=True)
def _only_check_in_rules(registries):
    registries.work_item_rules.limit_to("engagement")


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def phone(chromium):
    context = chromium.new_context(bypass_csp=True, viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def basic_phone(chromium):
    context = chromium.new_context(java_script_enabled=False, viewport=PHONE)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def token(home_team):
    pp = StaffFactory(username="checkin.pp", role=Role.PRACTITIONER, teams=[home_team])
    person = PersonFactory(
        crn="E000001", team=home_team, practitioner=pp, first_name="Jordan", mobile="07700 900123"
    )
    return check_in_create(person_id=person.pk, channel="sms", actor=pp).token


def fits_the_screen(page):
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def check(page):
    assert fits_the_screen(page), "the page scrolls sideways at 320 pixels"
    assert_accessible(page)


def test_a_check_in_with_a_self_harm_answer_on_a_small_phone(phone, live_server, token):
    page = phone
    page.goto(f"{live_server.url}/check-in/{token}")
    assert page.locator("h1").inner_text() == "Hello Jordan"
    check(page)
    page.click("text=Start now")

    page.wait_for_selector("text=How are you feeling today?")
    page.click("button:text('Continue')")  # nothing chosen: the error summary
    page.wait_for_selector(".govuk-error-summary")
    check(page)
    page.click("label:text('Not good')")
    page.click("button:text('Continue')")

    page.wait_for_selector("text=Have you had thoughts of harming yourself?")
    check(page)
    page.click("label:text-is('Yes')")
    page.click("button:text('Continue')")

    page.wait_for_selector("text=Thank you for telling us")
    body = page.inner_text("main")
    assert "116 123" in body and "option 2" in body
    check(page)
    assert WorkItem.objects.filter(rule="check_in_self_harm", priority="urgent").exists()
    page.click("text=Continue the check-in")

    page.wait_for_selector("text=Do you need help with any of these?")
    check(page)
    page.click("label:text('Somewhere to live')")
    page.click("button:text('Continue')")
    page.click("label:text-is('Yes')")
    page.click("button:text('Continue')")
    page.wait_for_selector("text=Is there anything else you want to tell us?")
    check(page)
    page.fill("#anything_else", "The bus to the office costs too much")
    page.click("button:text('Continue')")

    page.wait_for_selector("text=Check your answers")
    check(page)
    page.click("button:text('Send my answers')")
    page.wait_for_selector("text=Answers sent")
    check(page)

    check_in = CheckIn.objects.get()
    assert check_in.completed_at and check_in.self_harm == "yes" and check_in.call_back
    assert check_in.help_with == ["housing"]

    page.goto(f"{live_server.url}/check-in/{token}")  # the link has been used
    assert page.locator("h1").inner_text() == "This link does not work"
    check(page)


def test_a_check_in_works_without_javascript(basic_phone, live_server, token):
    page = basic_phone
    page.goto(f"{live_server.url}/check-in/{token}")
    page.click("text=Start now")
    page.click("label:text('Very good')")
    page.click("button:text('Continue')")
    page.click("label:text('No')")
    page.click("button:text('Continue')")
    page.click("label:text('I do not need help with these')")
    page.click("button:text('Continue')")
    page.click("label:text-is('No')")
    page.click("button:text('Continue')")
    page.click("button:text('Continue')")
    page.click("button:text('Send my answers')")
    page.wait_for_selector("text=Answers sent")
    assert CheckIn.objects.get().feeling == 5


def test_an_unknown_link_is_kind_and_accessible(phone, live_server):
    response = phone.goto(f"{live_server.url}/check-in/not-a-real-token")
    assert response.status == 404
    assert "contact your probation practitioner" in phone.inner_text("main")
    check(phone)
