"""Registration pages and API: scoping, audit, bad input and query counts."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from safeguard.core.models import AccessLogEntry
from safeguard.registrations.models import Registration
from tests.factories import EndedRegistrationFactory, RegistrationFactory, exclude
from tests.helpers import bearer

PROBLEM = "application/problem+json"
TODAY = dt.date.today().strftime("%d/%m/%Y")
NEXT_MONTH = (dt.date.today() + dt.timedelta(days=31)).strftime("%d/%m/%Y")


@pytest.mark.django_db
def test_person_page_orders_registrations_by_what_matters(client, org):
    person = org["people"]["mine"]
    RegistrationFactory(person=person, code="IIOM")
    RegistrationFactory(person=person, code="MAPP", category=2, level=1)
    RegistrationFactory(person=person, code="ALSH")
    EndedRegistrationFactory(person=person, code="RVLN", next_review_date=None)
    client.force_login(org["staff"]["practitioner"])
    html = client.get(f"/people/{person.crn}/").content.decode()
    assert html.index(">ALSH<") < html.index(">MAPP<") < html.index(">IIOM<")
    assert "Show history (1 ended)" in html
    assert "problem" in html  # RVLN ended while ALSH active


@pytest.mark.django_db
def test_person_page_query_count_does_not_grow_with_registrations(client, org):
    person = org["people"]["mine"]
    client.force_login(org["staff"]["practitioner"])

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(f"/people/{person.crn}/").status_code == 200
        return len(ctx.captured_queries)

    client.get(f"/people/{person.crn}/")
    RegistrationFactory(person=person, code="ALSH")
    before = count()
    for code in ["AMHL", "WEAP", "IIOM", "ADVP", "RCCO", "STRG", "INLL", "AV2S"] * 5:
        RegistrationFactory(person=person, code=code, notes="x")
    EndedRegistrationFactory(person=person, code="RVLN")
    assert count() == before


@pytest.mark.django_db
def test_add_form_registers_and_redirects(client, org):
    person = org["people"]["mine"]
    client.force_login(org["staff"]["practitioner"])
    form = client.get(f"/people/{person.crn}/registrations/add/?code=ALSH")
    assert b'<option value="ALSH" selected>' in form.content
    response = client.post(
        f"/people/{person.crn}/registrations/add/",
        {"code": "ALSH", "start_date": TODAY, "notes": "Disclosed thoughts of suicide"},
    )
    assert response.status_code == 302
    assert Registration.objects.get(person=person).register_type.code == "ALSH"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"code": "", "start_date": TODAY}, b"Choose a register type"),
        ({"code": "ALSH", "start_date": "31/02/2026"}, b"Enter a real date"),
        ({"code": "ALSH", "start_date": NEXT_MONTH}, b"must be today or in the past"),
        ({"code": "MAPP", "start_date": TODAY}, b"Choose a MAPPA category"),
    ],
)
def test_add_form_bad_input_shows_error_summary_and_writes_nothing(client, org, data, message):
    person = org["people"]["mine"]
    client.force_login(org["staff"]["practitioner"])
    response = client.post(f"/people/{person.crn}/registrations/add/", data)
    assert response.status_code == 200
    assert b"govuk-error-summary" in response.content and message in response.content
    assert not Registration.objects.exists()
    assert not AccessLogEntry.objects.filter(action="change_person").exists()


@pytest.mark.django_db
def test_review_and_end_pages(client, org):
    person = org["people"]["mine"]
    registration = RegistrationFactory(person=person, code="AMHL")
    client.force_login(org["staff"]["practitioner"])
    url = f"/people/{person.crn}/registrations/{registration.pk}"
    assert client.post(f"{url}/review/", {"reviewed_on": TODAY, "outcome": ""}).status_code == 200
    assert (
        client.post(f"{url}/review/", {"reviewed_on": TODAY, "outcome": "continue"}).status_code
        == 302
    )
    assert registration.reviews.count() == 1
    assert (
        client.post(f"{url}/end/", {"ended_on": TODAY, "reason": "entered_in_error"}).status_code
        == 302
    )
    registration.refresh_from_db()
    assert registration.status == "ended"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("staff_key", "expected"),
    [
        ("practitioner", 200),
        ("spo", 200),
        ("other_team_pp", 404),
        ("far_regional", 404),
        ("national", 403),
        ("inspector", 403),
    ],
)
def test_registration_pages_are_scoped(client, org, staff_key, expected):
    person = org["people"]["mine"]
    registration = RegistrationFactory(person=person, code="AMHL")
    client.force_login(org["staff"][staff_key])
    for url in (
        f"/people/{person.crn}/registrations/add/",
        f"/people/{person.crn}/registrations/{registration.pk}/review/",
        f"/people/{person.crn}/registrations/{registration.pk}/end/",
    ):
        assert client.get(url).status_code == expected


@pytest.mark.django_db
def test_a_registration_id_from_another_case_is_not_found(client, org):
    mine, far = org["people"]["mine"], org["people"]["far"]
    far_registration = RegistrationFactory(person=far, code="AMHL")
    client.force_login(org["staff"]["practitioner"])
    assert (
        client.get(f"/people/{mine.crn}/registrations/{far_registration.pk}/end/").status_code
        == 404
    )
    response = client.post(
        f"/api/v1/registrations/{far_registration.pk}/end",
        {"reason": "other"},
        content_type="application/json",
        **bearer(org["staff"]["practitioner"]),
    )
    assert response.status_code == 404
    assert response["Content-Type"] == PROBLEM
    assert AccessLogEntry.objects.filter(action="refused").exists()


@pytest.mark.django_db
def test_excluded_practitioner_cannot_touch_registrations(client, org):
    person = org["people"]["colleagues"]
    registration = RegistrationFactory(person=person, code="AMHL")
    exclude(person, org["staff"]["practitioner"])
    headers = bearer(org["staff"]["practitioner"])
    assert client.get(f"/api/v1/people/{person.crn}/registrations", **headers).status_code == 404
    response = client.post(
        f"/api/v1/registrations/{registration.pk}/review",
        {"outcome": "continue"},
        content_type="application/json",
        **headers,
    )
    assert response.status_code == 404


@pytest.mark.django_db
def test_api_register_types_and_registration_lifecycle(client, org):
    person = org["people"]["mine"]
    headers = bearer(org["staff"]["practitioner"])
    types = client.get("/api/v1/register-types", **headers).json()
    mapp = next(t for t in types if t["code"] == "MAPP")
    assert mapp["has_level"] and mapp["has_category"] and mapp["review_months"] == 3

    created = client.post(
        f"/api/v1/people/{person.crn}/registrations",
        {"code": "MAPP", "start_date": str(timezone.localdate()), "level": 2, "category": 1},
        content_type="application/json",
        **headers,
    )
    assert created.status_code == 201
    reg_id = created.json()["id"]
    reviewed = client.post(
        f"/api/v1/registrations/{reg_id}/review",
        {"outcome": "continue"},
        content_type="application/json",
        **headers,
    )
    assert reviewed.status_code == 201
    ended = client.post(
        f"/api/v1/registrations/{reg_id}/end",
        {"reason": "no_longer_applies"},
        content_type="application/json",
        **headers,
    )
    assert ended.json()["status"] == "ended"
    listing = client.get(f"/api/v1/people/{person.crn}/registrations", **headers).json()
    assert [r["status"] for r in listing] == ["ended"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"code": "ZZZZ", "start_date": "2026-01-01"}, "code"),
        ({"code": "ALSH", "start_date": "not a date"}, "start_date"),
        ({"code": "ALSH"}, "start_date"),
        ({"code": "MAPP", "start_date": "2026-01-01", "level": 9, "category": 1}, "level"),
    ],
)
def test_api_bad_registration_input_is_422_naming_the_field(client, org, payload, field):
    response = client.post(
        f"/api/v1/people/{org['people']['mine'].crn}/registrations",
        payload,
        content_type="application/json",
        **bearer(org["staff"]["practitioner"]),
    )
    assert response.status_code == 422
    assert response["Content-Type"] == PROBLEM
    assert field in [e["field"] for e in response.json()["errors"]]
    assert not Registration.objects.exists()


@pytest.mark.django_db
def test_api_malformed_json_is_a_problem_not_a_crash(client, org):
    response = client.post(
        f"/api/v1/people/{org['people']['mine'].crn}/registrations",
        "{not json",
        content_type="application/json",
        **bearer(org["staff"]["practitioner"]),
    )
    assert response.status_code in (400, 422)
    assert response["Content-Type"] == PROBLEM


@pytest.mark.django_db
def test_api_read_only_roles_cannot_register(client, org):
    response = client.post(
        f"/api/v1/people/{org['people']['mine'].crn}/registrations",
        {"code": "ALSH", "start_date": str(timezone.localdate())},
        content_type="application/json",
        **bearer(org["staff"]["national"]),
    )
    assert response.status_code == 403
    assert response["Content-Type"] == PROBLEM


@pytest.mark.django_db
def test_api_hygiene_lists_problems(client, org):
    person = org["people"]["mine"]
    RegistrationFactory(person=person, code="RHRH")
    RegistrationFactory(person=person, code="RLRH")
    body = client.get(
        f"/api/v1/people/{person.crn}/registrations/hygiene", **bearer(org["staff"]["spo"])
    ).json()
    assert body[0]["rule"] == "ROSH_MULTIPLE" and body[0]["severity"] == "error"
    assert set(body[0]) >= {"rule", "severity", "message"}
