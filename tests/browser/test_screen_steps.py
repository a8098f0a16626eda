"""The screen in steps in a real browser: task list, one section, check your answers, at 1280
and 320 px with axe; and the whole journey without JavaScript."""

import pytest

from safeguard.assessments import selectors
from safeguard.assessments.models import ScreenDraft, VulnerabilityScreen
from safeguard.core.models import Role
from tests.assessments.helpers import LOWEST
from tests.browser.conftest import assert_accessible, sign_in
from tests.factories import PASSWORD, PersonFactory, StaffFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def person(home_team):
    pp = StaffFactory(username="steps.pp", role=Role.PRACTITIONER, teams=[home_team])
    return PersonFactory(crn="S000001", team=home_team, practitioner=pp)


def _fits(page):
    widths = page.evaluate(
        "[document.scrollingElement.scrollWidth, document.scrollingElement.clientWidth]"
    )
    assert widths[0] <= widths[1], widths


def _answer_section(page, questions):
    for q in questions:
        value = LOWEST.get(q.id)
        if value is None:
            continue
        if isinstance(value, bool):
            value = "yes" if value else "no"
        values = value if isinstance(value, list) else [str(value)]
        for v in values:
            page.check(f"input[name={q.id}][value='{v}']")


def test_the_screen_in_steps_reflows_and_passes_axe(page, live_server, person):
    base = live_server.url
    sign_in(page, base, "steps.pp", PASSWORD)
    page.wait_for_url(f"{base}/my-work/")
    steps = f"{base}/people/{person.crn}/vulnerability-screen/steps/"
    questionnaire = selectors.questionnaire_current().questionnaire
    first_domain, first_questions = questionnaire.grouped()[0]
    for width in (1280, 320):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(steps)
        _fits(page)
        assert_accessible(page)
        page.click(f"#steps a.govuk-task-list__link >> text={first_domain.title}")
        page.wait_for_url(f"{steps}{first_domain.id}/")
        _fits(page)
        assert_accessible(page)
    _answer_section(page, first_questions)
    page.click("button:text('Save and come back later')")
    page.wait_for_url(steps)
    assert "Completed" in page.inner_text("#steps")
    assert ScreenDraft.objects.filter(person=person).exists()


def test_the_screen_in_steps_works_without_javascript(no_js_page, live_server, person):
    page = no_js_page
    base = live_server.url
    sign_in(page, base, "steps.pp", PASSWORD)
    page.goto(f"{base}/people/{person.crn}/vulnerability-screen/steps/")
    questionnaire = selectors.questionnaire_current().questionnaire
    for domain, questions in questionnaire.grouped():
        page.goto(f"{base}/people/{person.crn}/vulnerability-screen/steps/{domain.id}/")
        _answer_section(page, questions)
        page.click("button:text('Save and continue')")
    page.wait_for_url(f"{base}/people/{person.crn}/vulnerability-screen/steps/check/")
    page.click("button:text('Submit the screen and see the outcome')")
    page.wait_for_selector("text=Vulnerability screen recorded")
    assert VulnerabilityScreen.objects.filter(person=person).count() == 1
    assert not ScreenDraft.objects.exists()
