"""The API of issue 15: loading responses in bulk and the figures, exactly as the contract."""

import json

import pytest

from safeguard.core.models import AccessLogEntry
from safeguard.feedback.models import FeedbackResponse
from tests.feedback.helpers import load, rows_of
from tests.helpers import bearer

pytestmark = pytest.mark.django_db


def _post(client, staff, body):
    return client.post(
        "/api/v1/feedback/responses",
        data=json.dumps(body),
        content_type="application/json",
        **bearer(staff),
    )


def test_loading_responses_reports_rows_by_position(client, org):
    pdu = org["team"].pdu.code
    body = {
        "survey": "people_on_probation",
        "responses": [
            {"answers": {"happy_with_support": "yes"}, "pdu": pdu, "answered_on": "2026-01-31"},
            {"answers": {"happy_with_support": "perhaps"}},
            {"answers": {"feels_safe_at_office": "no"}},
            {"answers": {"feels_safe_at_office": "no"}, "answered_on": "yesterday"},
        ],
    }
    response = _post(client, org["staff"]["regional"], body)
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["loaded"] == 2
    assert [(e["row"], e["field"]) for e in data["errors"]] == [
        (2, "answers.happy_with_support"),
        (4, "answered_on"),
    ]
    again = _post(client, org["staff"]["regional"], body).json()
    assert (again["loaded"], again["already_loaded"]) == (0, 2)
    assert FeedbackResponse.objects.filter(source="api").count() == 2
    assert AccessLogEntry.objects.filter(event="feedback.imported", channel="api").count() == 2


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"survey": "people_on_probation"},
        {"survey": "people_on_probation", "responses": []},
        {"survey": "nope", "responses": [{"answers": {"happy_with_support": "yes"}}]},
        {"survey": "people_on_probation", "responses": [{"answers": {}, "crn": "A000001"}]},
        {"survey": "people_on_probation", "responses": "yes"},
        {"survey": 7, "responses": [{"answers": {"happy_with_support": "yes"}}]},
    ],
)
def test_bad_bodies_are_422_and_load_nothing(client, org, body):
    response = _post(client, org["staff"]["national"], body)
    assert response.status_code == 422, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert not FeedbackResponse.objects.exists()


def test_a_crn_is_never_accepted_with_answers(client, org):
    body = {
        "survey": "people_on_probation",
        "responses": [{"answers": {"happy_with_support": "yes"}, "crn": "A000001"}],
    }
    assert _post(client, org["staff"]["national"], body).status_code == 422


def test_who_may_load(client, org):
    body = {"survey": "people_on_probation", "responses": [{"answers": {"neurodivergent": "yes"}}]}
    for role in ("practitioner", "spo", "head", "inspector"):
        assert _post(client, org["staff"][role], body).status_code == 403
    for role in ("regional", "national", "admin"):
        assert _post(client, org["staff"][role], body).status_code == 200


def test_the_figures_are_in_percentage_points_with_wilson_intervals(client, org):
    regional = org["staff"]["regional"]
    pdu = org["team"].pdu.code
    load(regional, rows_of({"yes": 13, "no": 5, "not_sure": 2}, pdu=pdu, day="2026-03-01"))
    response = client.get(
        "/api/v1/insights/feedback",
        {"survey": "people_on_probation", "from": "2026-01-01", "to": "2026-12-31", "pdu": pdu},
        **bearer(regional),
    )
    assert response.status_code == 200, response.content
    rows = response.json()["rows"]
    yes = next(r for r in rows if r["question"] == "happy_with_support" and r["answer"] == "yes")
    assert yes == {
        "question": "happy_with_support",
        "answer": "yes",
        "n": 20,
        "count": 13,
        "percent": 65.0,
        "ci_low": 43.3,
        "ci_high": 81.9,
    }
    hidden = [r for r in rows if r["question"] == "happy_with_support" and r["answer"] != "yes"]
    assert {r["count"] for r in hidden} == {"<5"} and {r["percent"] for r in hidden} == {None}
    assert AccessLogEntry.objects.filter(event="feedback.analysis_viewed", channel="api").exists()


def test_the_figures_refuse_bad_filters(client, org):
    regional = org["staff"]["regional"]
    far = org["people"]["far"].pdu.code
    for params in (
        {"survey": "nope"},
        {"from": "2026-13-01"},
        {"from": "2026-02-01", "to": "2026-01-01"},
        {"pdu": far},
        {"pdu": "x" * 20},
    ):
        response = client.get("/api/v1/insights/feedback", params, **bearer(regional))
        assert response.status_code == 422, (params, response.content)


def test_the_figures_are_scoped_and_need_the_capability(client, org):
    national = org["staff"]["national"]
    load(national, rows_of({"yes": 7}, pdu=org["people"]["far"].pdu.code))
    regional = client.get("/api/v1/insights/feedback", **bearer(org["staff"]["regional"])).json()
    assert regional["rows"] == []
    everyone = client.get("/api/v1/insights/feedback", **bearer(national)).json()
    assert next(r for r in everyone["rows"] if r["answer"] == "yes")["count"] == 7
    for role in ("practitioner", "spo"):
        response = client.get("/api/v1/insights/feedback", **bearer(org["staff"][role]))
        assert response.status_code == 403


def test_the_figures_take_a_fixed_number_of_queries(client, org, django_assert_max_num_queries):
    national = org["staff"]["national"]
    headers = bearer(national)
    load(national, rows_of({"yes": 50, "no": 40}))
    with django_assert_max_num_queries(10):
        assert client.get("/api/v1/insights/feedback", **headers).status_code == 200
    load(national, rows_of({"yes": 500, "not_sure": 40}, question="neurodivergent"))
    with django_assert_max_num_queries(10):
        assert client.get("/api/v1/insights/feedback", **headers).status_code == 200
