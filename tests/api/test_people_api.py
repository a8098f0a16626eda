"""The people API: shape, paging, search, auth and problem+json errors."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import PersonFactory
from tests.helpers import bearer

PROBLEM = "application/problem+json"


@pytest.mark.django_db
def test_list_items_have_the_documented_fields(client, org):
    response = client.get("/api/v1/people", **bearer(org["staff"]["practitioner"]))
    assert response.status_code == 200
    item = response.json()["items"][0]
    for field in (
        "crn first_name last_name date_of_birth sex region pdu team practitioner "
        "custody_status expected_release_date limited_access"
    ).split():
        assert field in item
    assert item["region"] == org["team"].pdu.region.name


@pytest.mark.django_db
def test_paging_and_search_stay_within_scope(client, org):
    headers = bearer(org["staff"]["head"])
    first = client.get("/api/v1/people?limit=1&offset=0", **headers).json()
    second = client.get("/api/v1/people?limit=1&offset=1", **headers).json()
    assert first["count"] == second["count"] == 3
    assert first["items"][0]["crn"] != second["items"][0]["crn"]

    found = client.get("/api/v1/people?q=faraway", **headers).json()
    assert found == {"items": [], "count": 0}
    found = client.get("/api/v1/people?q=neigh", **headers).json()
    assert [i["crn"] for i in found["items"]] == [org["people"]["same_pdu"].crn]


@pytest.mark.django_db
def test_person_detail_includes_allocation_history(client, org):
    person = org["people"]["mine"]
    body = client.get(f"/api/v1/people/{person.crn}", **bearer(org["staff"]["practitioner"])).json()
    assert body["practitioner"] == "pp"
    assert body["allocations"][0]["reason"] == "initial"
    assert body["allocations"][0]["ended_on"] is None


@pytest.mark.django_db
@pytest.mark.parametrize(
    "headers",
    [{}, {"HTTP_AUTHORIZATION": "Bearer not-a-token"}, {"HTTP_AUTHORIZATION": "Basic abc"}],
)
def test_missing_or_bad_tokens_get_401_problem_json(client, org, headers):
    response = client.get("/api/v1/people", **headers)
    assert response.status_code == 401
    assert response["Content-Type"] == PROBLEM
    assert response.json()["status"] == 401
    assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.django_db
def test_a_deactivated_members_token_stops_working(client, org):
    staff = org["staff"]["practitioner"]
    headers = bearer(staff)
    staff.is_active = False
    staff.save()
    assert client.get("/api/v1/people", **headers).status_code == 401


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("limit=0", "limit"),
        ("limit=501", "limit"),
        ("limit=ten", "limit"),
        ("offset=-1", "offset"),
        ("q=" + "x" * 101, "q"),
    ],
)
def test_bad_query_parameters_get_422_naming_the_field(client, org, query, field):
    response = client.get(f"/api/v1/people?{query}", **bearer(org["staff"]["practitioner"]))
    assert response.status_code == 422
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    assert body["status"] == 422
    assert field in [e["field"] for e in body["errors"]]


@pytest.mark.django_db
def test_unknown_person_is_404_problem_json(client, org):
    response = client.get("/api/v1/people/nonsense", **bearer(org["staff"]["national"]))
    assert response.status_code == 404
    assert response["Content-Type"] == PROBLEM


@pytest.mark.django_db
def test_openapi_document_is_published(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert "/api/v1/people/{crn}" in response.json()["paths"]


@pytest.mark.django_db
def test_people_api_runs_a_fixed_number_of_queries_whatever_the_caseload(client, org):
    national = org["staff"]["national"]
    headers = bearer(national)

    def count_queries():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/api/v1/people?limit=500", **headers).status_code == 200
        return len(ctx.captured_queries)

    small = count_queries()
    for i in range(25):
        PersonFactory(
            team=org["team"],
            practitioner=org["staff"]["colleague"] if i % 2 else None,
        )
    assert count_queries() == small
