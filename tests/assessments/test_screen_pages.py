"""The screen pages: form, result and list; scoping, audit, bad input and query counts."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from safeguard.assessments.models import VulnerabilityScreen
from safeguard.core.models import AccessLogEntry
from tests.assessments.helpers import LOWEST, answers, record_screen, register
from tests.factories import PersonFactory, exclude, restrict

pytestmark = pytest.mark.django_db


def form_data(data: dict, version=1) -> dict:
    """A screen as the browser posts it."""
    posted = {"version": str(version)}
    for key, value in data.items():
        if isinstance(value, bool):
            posted[key] = "yes" if value else "no"
        elif isinstance(value, int):
            posted[key] = str(value)
        else:
            posted[key] = value
    return posted


def test_the_form_asks_every_question_grouped_by_area(client, org):
    person = org["people"]["mine"]
    client.force_login(org["staff"]["practitioner"])
    response = client.get(f"/people/{person.crn}/vulnerability-screen/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<input type="hidden" name="version" value="2">' in html
    for heading in ("Suicide and self-harm", "Difficult experiences", "Money and debt"):
        assert heading in html
    # one fieldset and legend per choice question, each first input named by the question id
    assert html.count('<fieldset class="govuk-fieldset"') == 38
    assert 'id="ssh_history" name="ssh_history" type="radio"' in html
    assert 'id="ssh_triggers" name="ssh_triggers" type="checkbox"' in html
    assert 'data-behaviour="exclusive"' in html
    assert '<textarea class="govuk-textarea" id="tr_feel_safe"' in html
    assert "I would rather not say" in html
    assert "Samaritans" not in html  # no crisis lines on the screen form itself


def test_posting_a_screen_records_it_and_shows_the_outcome(client, org):
    person, pp = org["people"]["mine"], org["staff"]["practitioner"]
    register(person, "ALSH", pp)
    client.force_login(pp)
    data = answers(ssh_thoughts="often", ssh_triggers=["release", "recall"], su_opioids=True)
    response = client.post(f"/people/{person.crn}/vulnerability-screen/", form_data(data))
    screen = VulnerabilityScreen.objects.get(person=person)
    assert response.status_code == 302
    assert response["Location"] == f"/people/{person.crn}/vulnerability-screens/{screen.pk}/"
    assert screen.risk_to_self == "high"
    assert screen.answers["su_opioids"] is True
    assert screen.answers["ssh_triggers"] == ["release", "recall"]
    assert screen.completed_by == pp

    entry = AccessLogEntry.objects.filter(person=person, action="change_person").get()
    assert entry.detail == "vulnerability screen recorded (questionnaire version 1)"
    assert entry.channel == "web" and entry.actor == pp

    html = client.get(response["Location"]).content.decode()
    assert "Questionnaire version" in html
    assert "Very high" not in html and "High" in html
    assert "Offer take-home naloxone" in html
    # ALSH is active already, so only RVLN is suggested, as a link to the registration page
    assert f'href="/people/{person.crn}/registrations/add/?code=RVLN"' in html
    assert "code=ALSH" not in html
    assert f'href="/people/{person.crn}/safety-plan/"' in html
    assert "Care Act 2014 section 42 test" in html
    assert "Yes, often" in html  # the answer, with the version's own wording


def test_nothing_is_registered_by_a_screen(client, org):
    person, pp = org["people"]["mine"], org["staff"]["practitioner"]
    client.force_login(pp)
    client.post(
        f"/people/{person.crn}/vulnerability-screen/",
        form_data(answers(ssh_thoughts="with_plan")),
    )
    assert not person.registrations.exists()


def test_an_empty_form_shows_the_error_summary_linking_each_question(client, org):
    person = org["people"]["mine"]
    client.force_login(org["staff"]["practitioner"])
    response = client.post(f"/people/{person.crn}/vulnerability-screen/", {"version": "1"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "govuk-error-summary" in html
    assert "<title>Error: " in html
    for qid in ("ssh_history", "ssh_triggers", "mh_impact", "mh_crisis", "db_income"):
        assert f'href="#{qid}"' in html
        assert f'id="{qid}"' in html  # the link target exists
        assert f'id="{qid}-error"' in html
    assert 'href="#ssh_what_helps"' not in html  # optional
    assert not VulnerabilityScreen.objects.exists()
    assert not AccessLogEntry.objects.filter(action="change_person").exists()


def test_a_bad_answer_keeps_the_others_and_names_the_question(client, org):
    person = org["people"]["mine"]
    client.force_login(org["staff"]["practitioner"])
    data = form_data(answers(ssh_thoughts="sometimes", tr_feel_safe="Quiet room please"))
    data["ssh_triggers"] = ["none", "court"]
    data["mh_impact"] = "eleven"
    response = client.post(f"/people/{person.crn}/vulnerability-screen/", data)
    html = response.content.decode()
    summary = re.search(r'govuk-error-summary__list">(.*?)</ul>', html, re.S).group(1)
    assert summary.count("<li>") == 2
    assert 'href="#ssh_triggers"' in summary and 'href="#mh_impact"' in summary
    assert 'value="sometimes" checked' in html
    assert "Quiet room please" in html
    assert not VulnerabilityScreen.objects.exists()


def test_a_tampered_version_is_refused_with_the_current_form(client, org):
    person = org["people"]["mine"]
    client.force_login(org["staff"]["practitioner"])
    for version in ("99", "abc", ""):
        data = form_data(LOWEST)
        data["version"] = version
        response = client.post(f"/people/{person.crn}/vulnerability-screen/", data)
        assert response.status_code == 200
        assert "could not be matched to a questionnaire version" in response.content.decode()
    assert not VulnerabilityScreen.objects.exists()


PAGES = [
    "/people/{crn}/vulnerability-screen/",
    "/people/{crn}/vulnerability-screens/",
    "/people/{crn}/vulnerability-screens/{screen}/",
]


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize(
    ("staff_key", "expected"),
    [("practitioner", 200), ("spo", 200), ("other_team_pp", 404), ("far_regional", 404)],
)
def test_pages_are_scoped_like_the_person(client, org, page, staff_key, expected):
    person = org["people"]["mine"]
    screen = record_screen(person, org["staff"]["practitioner"])
    client.force_login(org["staff"][staff_key])
    url = page.format(crn=person.crn, screen=screen.pk)
    assert client.get(url).status_code == expected


@pytest.mark.parametrize("page", PAGES)
def test_limited_access_hides_the_pages(client, org, page):
    colleague, pp = org["staff"]["colleague"], org["staff"]["practitioner"]
    excluded = PersonFactory(crn="X910001", team=org["team"], practitioner=colleague)
    restricted = PersonFactory(crn="X910002", team=org["team"], practitioner=colleague)
    exclude(excluded, pp)
    restrict(restricted, colleague)
    for person in (excluded, restricted):
        screen = record_screen(person, colleague)
        client.force_login(pp)
        assert client.get(page.format(crn=person.crn, screen=screen.pk)).status_code == 404
        client.force_login(colleague)
        assert client.get(page.format(crn=person.crn, screen=screen.pk)).status_code == 200


def test_a_screen_of_another_person_is_not_found_under_this_crn(client, org):
    pp = org["staff"]["practitioner"]
    other = record_screen(org["people"]["colleagues"], pp)
    client.force_login(pp)
    mine = org["people"]["mine"].crn
    assert client.get(f"/people/{mine}/vulnerability-screens/{other.pk}/").status_code == 404


@pytest.mark.parametrize("staff_key", ["national", "inspector", "admin"])
def test_read_only_roles_can_read_screens_but_not_record_them(client, org, staff_key):
    person = org["people"]["mine"]
    screen = record_screen(person, org["staff"]["practitioner"])
    client.force_login(org["staff"][staff_key])
    assert client.get(f"/people/{person.crn}/vulnerability-screen/").status_code == 403
    response = client.post(f"/people/{person.crn}/vulnerability-screen/", form_data(LOWEST))
    assert response.status_code == 403
    assert VulnerabilityScreen.objects.count() == 1
    assert client.get(f"/people/{person.crn}/vulnerability-screens/{screen.pk}/").status_code == 200
    list_page = client.get(f"/people/{person.crn}/vulnerability-screens/").content
    assert b"Start a new screen" not in list_page


def test_viewing_a_screen_is_written_to_the_access_log(client, org):
    person, pp = org["people"]["mine"], org["staff"]["practitioner"]
    screen = record_screen(person, pp)
    client.force_login(pp)
    before = AccessLogEntry.objects.filter(action="view_person", person=person).count()
    client.get(f"/people/{person.crn}/vulnerability-screens/{screen.pk}/")
    assert AccessLogEntry.objects.filter(action="view_person", person=person).count() == before + 1
    client.force_login(org["staff"]["other_team_pp"])
    client.get(f"/people/{person.crn}/vulnerability-screens/{screen.pk}/")
    assert AccessLogEntry.objects.filter(
        action="refused", crn=person.crn, actor=org["staff"]["other_team_pp"]
    ).exists()


@pytest.mark.parametrize(
    "page",
    [
        "/people/{crn}/vulnerability-screens/",
        "/people/{crn}/vulnerability-screens/{screen}/",
        "/people/{crn}/vulnerability-screen/",
    ],
)
def test_screen_pages_run_a_fixed_number_of_queries(client, org, page):
    person, pp = org["people"]["mine"], org["staff"]["practitioner"]
    first = record_screen(person, pp)
    client.force_login(pp)
    url = page.format(crn=person.crn, screen=first.pk)
    client.get(url)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    few = count()
    for i in range(15):
        record_screen(person, org["staff"]["colleague" if i % 2 else "practitioner"])
    assert count() == few
