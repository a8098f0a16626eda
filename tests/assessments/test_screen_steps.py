"""The screen one domain a page: a task list, a draft saved as the practitioner goes (a draft is
not a screen and never counts for rules), check your answers, then the outcome page with its
one-click actions. Plain forms: it all works without JavaScript."""

import pytest
from django.utils import timezone

from safeguard.assessments import selectors
from safeguard.assessments.models import ScreenDraft, VulnerabilityScreen
from safeguard.assessments.rules import SCREEN_DUE
from safeguard.assessments.views import recommendations_with_links
from safeguard.core.models import AccessLogEntry, WorkItem, WorkItemStatus
from safeguard.core.workitems import scan_all
from tests.assessments.helpers import LOWEST


def _post_value(value):
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return str(value)
    return value


def _domains():
    questionnaire = selectors.questionnaire_current().questionnaire
    return [
        (domain.id, {q.id: _post_value(LOWEST[q.id]) for q in questions if q.id in LOWEST})
        for domain, questions in questionnaire.grouped()
    ]


@pytest.fixture
def person(org):
    return org["people"]["mine"]


@pytest.fixture
def signed_in(client, org):
    client.force_login(org["staff"]["practitioner"])
    return client


@pytest.mark.django_db
def test_a_screen_answered_in_steps_becomes_a_screen_only_when_submitted(signed_in, person):
    client = signed_in
    base = f"/people/{person.crn}/vulnerability-screen/steps"
    first = client.get(f"{base}/{_domains()[0][0]}/").content.decode()
    assert 'name="ssh_history"' in first and "Save and continue" in first
    steps = client.get(f"{base}/").content.decode()
    assert "govuk-task-list" in steps and "Not started" in steps
    domains = _domains()
    for index, (domain, data) in enumerate(domains):
        response = client.post(f"{base}/{domain}/", {**data, "then": "next"})
        assert response.status_code == 302
        following = domains[index + 1][0] if index + 1 < len(domains) else "check"
        assert response["Location"] == f"{base}/{following}/"
        assert not VulnerabilityScreen.objects.filter(person=person).exists()
    assert "Completed" in client.get(f"{base}/").content.decode()
    check = client.get(f"{base}/check/").content.decode()
    assert "Check your answers" in check and "Change" in check
    submitted = client.post(f"{base}/check/")
    screen = VulnerabilityScreen.objects.get(person=person)
    assert submitted["Location"] == f"/people/{person.crn}/vulnerability-screens/{screen.pk}/"
    assert not ScreenDraft.objects.filter(person=person).exists()


@pytest.mark.django_db
def test_a_draft_is_not_a_screen_and_never_counts_for_rules(signed_in, person):
    scan_all(today=timezone.localdate())
    due = WorkItem.objects.filter(person=person, rule=SCREEN_DUE.code, status=WorkItemStatus.OPEN)
    assert due.exists()
    domains = _domains()
    for domain, data in domains:  # every section answered, but not submitted
        signed_in.post(f"/people/{person.crn}/vulnerability-screen/steps/{domain}/", data)
    assert ScreenDraft.objects.filter(person=person).exists()
    scan_all(today=timezone.localdate())
    assert due.exists()  # still due: a draft is not a screen
    assert not VulnerabilityScreen.objects.filter(person=person).exists()
    page = signed_in.get(f"/people/{person.crn}/").content.decode()
    assert "start a screen" in page or "Start a new screen" in page


@pytest.mark.django_db
def test_saving_part_way_keeps_the_draft_and_writes_an_audit_entry(signed_in, person):
    domain, data = _domains()[0]
    partial = dict(list(data.items())[:1])
    response = signed_in.post(
        f"/people/{person.crn}/vulnerability-screen/steps/{domain}/", {**partial, "then": "later"}
    )
    assert response.status_code == 302
    assert response["Location"] == f"/people/{person.crn}/vulnerability-screen/steps/"
    draft = ScreenDraft.objects.get(person=person)
    assert set(draft.answers) == set(partial)
    assert (
        "In progress"
        in signed_in.get(f"/people/{person.crn}/vulnerability-screen/steps/").content.decode()
    )
    entry = AccessLogEntry.objects.get(person=person, event="assessment.screen_draft_saved")
    assert domain in str(entry.changes)


@pytest.mark.django_db
def test_submitting_an_incomplete_draft_names_what_is_missing_and_keeps_it(signed_in, person):
    domain, data = _domains()[0]
    signed_in.post(f"/people/{person.crn}/vulnerability-screen/steps/{domain}/", data)
    response = signed_in.post(f"/people/{person.crn}/vulnerability-screen/steps/check/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "govuk-error-summary" in html
    assert "/vulnerability-screen/steps/" in html.split("govuk-error-summary__list")[1]
    assert ScreenDraft.objects.filter(person=person).exists()
    assert not VulnerabilityScreen.objects.filter(person=person).exists()


@pytest.mark.django_db
def test_bad_input(signed_in, person):
    base = f"/people/{person.crn}/vulnerability-screen/steps"
    assert signed_in.get(f"{base}/no_such_domain/").status_code == 404
    assert signed_in.post(f"{base}/no_such_domain/", {}).status_code == 404
    # nonsense answers are kept in the draft and refused, by name, on submit
    domain, data = _domains()[0]
    first = next(iter(data))
    signed_in.post(f"{base}/{domain}/", {**data, first: "<script>"})
    assert signed_in.get(f"{base}/check/").status_code == 200
    refused = signed_in.post(f"{base}/check/")
    assert refused.status_code == 200 and b"govuk-error-summary" in refused.content
    # check with no draft goes back to the task list
    ScreenDraft.objects.all().delete()
    assert signed_in.get(f"{base}/check/")["Location"] == f"{base}/"


@pytest.mark.django_db
def test_the_step_pages_run_a_fixed_number_of_queries(
    signed_in, person, django_assert_max_num_queries
):
    base = f"/people/{person.crn}/vulnerability-screen/steps"
    domain, data = _domains()[0]
    signed_in.post(f"{base}/{domain}/", data)
    signed_in.get(f"{base}/")
    with django_assert_max_num_queries(14):
        signed_in.get(f"{base}/")
    with django_assert_max_num_queries(14):
        signed_in.get(f"{base}/{domain}/")
    with django_assert_max_num_queries(14):
        signed_in.get(f"{base}/check/")


def test_the_outcome_links_each_recommendation_to_its_action():
    linked = recommendations_with_links(
        crn="A000001",
        recommendations=[
            {"code": "asc_referral", "text": "Consider an adult social care referral"},
            {"code": "x", "text": "Register", "register": "ALSH"},
            {"code": "y", "text": "Make a plan", "link": "safety_plan"},
            {"code": "z", "text": "Talk"},
        ],
    )
    assert linked[0]["href"] == "/people/A000001/referrals/new/?kind=adult_social_care_s42"
    assert linked[1]["href"] == "/people/A000001/registrations/add/?code=ALSH"
    assert linked[2]["href"] == "/people/A000001/safety-plan/"
    assert linked[3]["href"] == ""
