"""Safety plans: writing, replacing, history, stale edits, bad input, scoping, query counts."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from safeguard.assessments import services
from safeguard.assessments.models import DEFAULT_CRISIS_LINES, SafetyPlan
from safeguard.core.models import AccessLogEntry
from tests.assessments.helpers import save_plan
from tests.factories import PersonFactory, exclude

pytestmark = pytest.mark.django_db


def plan_post(expected_version=0, review=None, **fields):
    review = review or timezone.localdate() + dt.timedelta(days=60)
    data = {
        "expected_version": str(expected_version),
        "warning_signs": "Stop answering the phone",
        "coping_strategies": "Go to the gym",
        "people_and_places": "My brother Sam",
        "professional_contacts": "GP surgery",
        "crisis_lines": DEFAULT_CRISIS_LINES,
        "reducing_access_to_means": "Medication kept by my brother",
        "review_day": str(review.day),
        "review_month": str(review.month),
        "review_year": str(review.year),
    }
    data.update(fields)
    return data


def test_the_default_crisis_lines_include_samaritans_and_nhs_111():
    assert "Samaritans: 116 123 (free, 24 hours)" in DEFAULT_CRISIS_LINES
    assert "NHS 111, option 2 for mental health crisis" in DEFAULT_CRISIS_LINES


def test_a_person_without_a_plan_is_offered_one(client, org):
    person = org["people"]["mine"]
    client.force_login(org["staff"]["practitioner"])
    html = client.get(f"/people/{person.crn}/safety-plan/").content.decode()
    assert "has no current safety plan" in html
    assert f'href="/people/{person.crn}/safety-plan/edit/"' in html
    form = client.get(f"/people/{person.crn}/safety-plan/edit/").content.decode()
    assert "Samaritans: 116 123 (free, 24 hours)" in form  # filled in for a new plan
    assert 'name="expected_version" value="0"' in form


def test_writing_then_changing_a_plan_keeps_every_version(client, org):
    person, pp = org["people"]["mine"], org["staff"]["practitioner"]
    client.force_login(pp)
    url = f"/people/{person.crn}/safety-plan/edit/"
    response = client.post(url, plan_post(0))
    assert response.status_code == 302
    assert response["Location"] == f"/people/{person.crn}/safety-plan/"
    first = SafetyPlan.objects.get(person=person)
    assert (first.version, first.status, first.created_by) == (1, "active", pp)

    form = client.get(url).content.decode()
    assert 'name="expected_version" value="1"' in form
    assert "Go to the gym" in form
    response = client.post(url, plan_post(1, coping_strategies="Call my brother"))
    assert response.status_code == 302

    plans = list(SafetyPlan.objects.filter(person=person).order_by("version"))
    assert [(p.version, p.status) for p in plans] == [(1, "replaced"), (2, "active")]
    assert plans[0].replaced_at is not None
    assert plans[0].history.count() == 2  # written, then replaced
    assert plans[0].history.first().history_change_reason == "Replaced by a new version"

    page = client.get(f"/people/{person.crn}/safety-plan/").content.decode()
    assert "Call my brother" in page and "Version 1" in page
    old = client.get(f"/people/{person.crn}/safety-plan/?version=1").content.decode()
    assert "Go to the gym" in old and "replaced on" in old
    assert client.get(f"/people/{person.crn}/safety-plan/?version=9").status_code == 404

    details = list(
        AccessLogEntry.objects.filter(person=person, action="change_person")
        .order_by("id")
        .values_list("detail", flat=True)
    )
    assert details == ["safety plan saved (version 1)", "safety plan saved (version 2)"]


def test_a_stale_edit_is_refused_and_changes_nothing(client, org):
    person = org["people"]["mine"]
    pp, colleague = org["staff"]["practitioner"], org["staff"]["colleague"]
    save_plan(person, pp)
    url = f"/people/{person.crn}/safety-plan/edit/"

    # both open the form at version 1; the colleague saves first
    client.force_login(colleague)
    assert client.post(url, plan_post(1, warning_signs="Colleague's change")).status_code == 302
    client.force_login(pp)
    response = client.post(url, plan_post(1, warning_signs="My change"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "govuk-error-summary" in html
    assert "Someone else saved a safety plan for this person" in html
    current = SafetyPlan.objects.get(person=person, status="active")
    assert (current.version, current.warning_signs) == (2, "Colleague's change")
    assert SafetyPlan.objects.filter(person=person).count() == 2


def test_safety_plan_save_checks_the_expected_version(org):
    person, pp = org["people"]["mine"], org["staff"]["practitioner"]
    with pytest.raises(services.StaleEdit):
        save_plan(person, pp, expected_version=1)  # there is no plan yet
    save_plan(person, pp)
    with pytest.raises(services.StaleEdit):
        save_plan(person, pp, expected_version=0)  # someone wrote one meanwhile
    assert save_plan(person, pp, expected_version=1).version == 2


@pytest.mark.parametrize(
    ("changes", "field_id", "message"),
    [
        ({"warning_signs": "  "}, "id_warning_signs", "Enter the warning signs"),
        ({"coping_strategies": ""}, "id_coping_strategies", "Enter the things the person can do"),
        ({"crisis_lines": ""}, "id_crisis_lines", "Enter at least one crisis line"),
        (
            {"review_day": "", "review_month": "", "review_year": ""},
            "id_review_day",
            "Enter the date",
        ),
        (
            {"review_day": "31", "review_month": "2", "review_year": "2030"},
            "id_review_day",
            "real date",
        ),
        ({"review_day": "x"}, "id_review_day", "real date"),
        ({"review_year": "2001"}, "id_review_day", "today or in the future"),
        ({"review_year": str(dt.date.today().year + 2)}, "id_review_day", "within 6 months"),
        ({"warning_signs": "x" * 4001}, "id_warning_signs", "4000 characters or fewer"),
        ({"expected_version": "abc"}, None, None),
    ],
)
def test_bad_input_shows_the_error_summary(client, org, changes, field_id, message):
    person = org["people"]["mine"]
    client.force_login(org["staff"]["practitioner"])
    data = plan_post(0)
    data.update(changes)
    response = client.post(f"/people/{person.crn}/safety-plan/edit/", data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "govuk-error-summary" in html
    if field_id:
        assert f'href="#{field_id}"' in html
        assert f'id="{field_id}"' in html
        assert message in html
    assert not SafetyPlan.objects.exists()


def test_the_service_names_each_bad_field(org):
    person, pp = org["people"]["mine"], org["staff"]["practitioner"]
    with pytest.raises(ValidationError) as exc:
        services.safety_plan_save(
            person_id=person.pk,
            data={"warning_signs": "", "review_date": "not a date", "colour": "red"},
            expected_version=0,
            actor=pp,
        )
    assert set(exc.value.message_dict) == {"colour"}
    with pytest.raises(ValidationError) as exc:
        services.safety_plan_save(
            person_id=person.pk,
            data={"warning_signs": "", "review_date": "not a date"},
            expected_version=0,
            actor=pp,
        )
    assert set(exc.value.message_dict) == {
        "warning_signs",
        "coping_strategies",
        "review_date",
    }


@pytest.mark.parametrize("url", ["/people/{crn}/safety-plan/", "/people/{crn}/safety-plan/edit/"])
@pytest.mark.parametrize(
    ("staff_key", "expected"),
    [("practitioner", 200), ("spo", 200), ("other_team_pp", 404), ("far_regional", 404)],
)
def test_safety_plan_pages_are_scoped(client, org, url, staff_key, expected):
    person = org["people"]["mine"]
    save_plan(person, org["staff"]["practitioner"])
    client.force_login(org["staff"][staff_key])
    assert client.get(url.format(crn=person.crn)).status_code == expected


def test_an_excluded_practitioner_cannot_see_or_change_the_plan(client, org):
    colleague, pp = org["staff"]["colleague"], org["staff"]["practitioner"]
    person = PersonFactory(crn="X920001", team=org["team"], practitioner=colleague)
    exclude(person, pp)
    save_plan(person, colleague)
    client.force_login(pp)
    assert client.get("/people/X920001/safety-plan/").status_code == 404
    assert client.post("/people/X920001/safety-plan/edit/", plan_post(1)).status_code == 404
    with pytest.raises(Http404):
        save_plan(person, pp, expected_version=1)
    assert SafetyPlan.objects.filter(person=person).count() == 1


@pytest.mark.parametrize("staff_key", ["national", "inspector", "admin"])
def test_read_only_roles_can_read_but_not_write_plans(client, org, staff_key):
    person = org["people"]["mine"]
    save_plan(person, org["staff"]["practitioner"])
    staff = org["staff"][staff_key]
    client.force_login(staff)
    page = client.get(f"/people/{person.crn}/safety-plan/")
    assert page.status_code == 200
    assert b"Change the safety plan" not in page.content
    assert client.get(f"/people/{person.crn}/safety-plan/edit/").status_code == 403
    assert client.post(f"/people/{person.crn}/safety-plan/edit/", plan_post(1)).status_code == 403
    with pytest.raises(PermissionDenied):
        save_plan(person, staff, expected_version=1)


@pytest.mark.parametrize("page", ["", "print/", "send/"])
def test_safety_plan_pages_run_a_fixed_number_of_queries(client, org, page):
    person, pp = org["people"]["mine"], org["staff"]["practitioner"]
    save_plan(person, pp)
    client.force_login(pp)
    url = f"/people/{person.crn}/safety-plan/{page}"
    client.get(url)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    few = count()
    for version in range(1, 13):
        save_plan(
            person,
            org["staff"]["colleague" if version % 2 else "practitioner"],
            expected_version=version,
        )
    assert count() == few
