"""Bad input never crashes the API and nothing is silently lost (issue 13): paging bounds,
date windows, datetimes without a zone, strict JSON types, control and bidi characters, and
an OpenAPI document that states all of it. Each of these answered 500 or was accepted before."""

import datetime as dt

import pytest

from safeguard.core import bounds
from safeguard.referrals.models import Referral
from tests.factories import S42_ALL_MET, asc_agency
from tests.helpers import bearer

PROBLEM = "application/problem+json"
HUGE = str(2**63)


def fields(response) -> set[str]:
    return {e["field"] for e in response.json().get("errors", [])}


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    ["/api/v1/people/A000001/messages", "/api/v1/death-reviews", "/api/v1/work-items"],
)
@pytest.mark.parametrize(
    "query", [f"offset={HUGE}", f"limit={HUGE}", "offset=1000001", "limit=501", "offset=-1"]
)
def test_paging_beyond_its_bounds_is_a_422_naming_the_parameter(client, org, path, query):
    response = client.get(f"{path}?{query}", **bearer(org["staff"]["national"]))
    assert response.status_code == 422, response.content
    assert response["Content-Type"] == PROBLEM
    assert fields(response) == {query.split("=")[0]}


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/api/v1/people", "/api/v1/death-reviews", "/api/v1/work-items"])
def test_paging_at_its_bounds_is_answered(client, org, path):
    response = client.get(
        f"{path}?limit=500&offset={bounds.OFFSET_MAX}", **bearer(org["staff"]["national"])
    )
    assert response.status_code == 200
    assert response.json()["items"] == []


def post_referral(client, org, **changes):
    payload = {
        "kind": "adult_social_care_s42",
        "agency": asc_agency().pk,
        "sent_at": "2026-01-05T10:00:00Z",
        "reason": "Self-neglect",
        "care_act_s42": S42_ALL_MET,
        "abuse_categories": ["self_neglect"],
        "consent": {"consent_to_referral": True},
    }
    payload.update(changes)
    return client.post(
        f"/api/v1/people/{org['people']['mine'].crn}/referrals",
        payload,
        content_type="application/json",
        **bearer(org["staff"]["practitioner"]),
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"sent_at": "0001-01-01T00:00:00Z"}, "sent_at", "must be between 1 January 2000"),
        ({"sent_at": "9999-12-31T23:59:59Z"}, "sent_at", "must be between 1 January 2000"),
        (
            {"sent_at": "2026-11-30T10:00:00"},
            "sent_at",
            "include a time zone, for example 2026-11-30T10:00:00Z",
        ),
        ({"consent": True}, "consent", "valid dictionary"),
        ({"consent": "given"}, "consent", "valid dictionary"),
        ({"consent": {"consent_to_referral": "yes"}}, "consent.consent_to_referral", "boolean"),
        ({"consent": {"consent_to_referral": 1}}, "consent.consent_to_referral", "boolean"),
        ({"draft": "false"}, "draft", "boolean"),
        ({"agency": "1"}, "agency", "integer"),
        ({"agency": True}, "agency", "integer"),
        ({"care_act_s42": True}, "care_act_s42", "valid dictionary"),
        ({"reason": "Safe \u202eemoh"}, "reason", "U+202E"),
        ({"reason": "bell\x07"}, "reason", "U+0007"),
        ({"person_views": "isolate \u2066x\u2069"}, "person_views", "U+2066"),
        (
            {"care_act_s42": {"care_and_support_needs": {"indicated": True, "evidence": "\u202e"}}},
            "care_act_s42.care_and_support_needs.evidence",
            "U+202E",
        ),
        ({"abuse_categories": ["financial\u202e"]}, "abuse_categories.0", "financial"),
        ({"kind": "tea_party"}, "kind", "adult_social_care_s42"),
        # A misspelt field is refused, not dropped: "consnet" would otherwise store no consent.
        ({"consnet": {"consent_to_referral": True}}, "consnet", "Extra inputs are not permitted"),
        (
            {"consent": {"consent_to_referral": True, "given_by": "x"}},
            "consent.given_by",
            "Extra inputs are not permitted",
        ),
        (
            {"consent": {"consent_to_referral": False, "reason_without_consent": "\u202dx"}},
            "consent.reason_without_consent",
            "U+202D",
        ),
    ],
)
def test_a_bad_referral_is_a_422_naming_the_field_and_writes_nothing(
    client, org, changes, field, message
):
    response = post_referral(client, org, **changes)
    assert response.status_code == 422, response.content
    assert response["Content-Type"] == PROBLEM
    assert field in fields(response)
    assert message in response.json()["detail"]
    assert not Referral.objects.exists()


@pytest.mark.django_db
def test_newlines_and_tabs_are_kept_and_a_zone_other_than_utc_is_read(client, org):
    response = post_referral(
        client, org, reason="Line one\nLine two\tindented", sent_at="2026-07-01T10:00:00+01:00"
    )
    assert response.status_code == 201, response.content
    referral = Referral.objects.get()
    assert referral.reason == "Line one\nLine two\tindented"
    assert referral.sent_at == dt.datetime(2026, 7, 1, 9, 0, tzinfo=dt.UTC)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query",
    ["from=0001-01-01&to=9999-12-31", "from=1999-12-31", "to=2101-01-01", "from=9999-12-31"],
)
def test_report_periods_outside_the_filter_window_are_a_422(client, org, query):
    headers = bearer(org["staff"]["national"])
    for path in ("/api/v1/insights/referrals", "/api/v1/insights/deaths"):
        response = client.get(f"{path}?{query}", **headers)
        assert response.status_code == 422, (path, response.content)
        assert response["Content-Type"] == PROBLEM


@pytest.mark.django_db
def test_report_periods_at_the_ends_of_the_window_are_answered(client, org):
    headers = bearer(org["staff"]["national"])
    response = client.get("/api/v1/insights/referrals?from=2000-01-01&to=2100-12-31", **headers)
    assert response.status_code == 200, response.content


@pytest.mark.django_db
def test_an_appointment_without_a_zone_or_in_year_one_is_refused(client, org):
    url = f"/api/v1/people/{org['people']['mine'].crn}/appointments"
    headers = bearer(org["staff"]["practitioner"])
    for starts_at in ("2026-11-30T10:00:00", "0001-01-01T00:00:00Z"):
        response = client.post(
            url,
            {"starts_at": starts_at, "kind": "office"},
            content_type="application/json",
            **headers,
        )
        assert response.status_code == 422, response.content
        assert fields(response) == {"starts_at"}
    assert client.get(url, **headers).json() == []


@pytest.mark.django_db
def test_a_bare_value_where_the_body_should_be_an_object_is_a_422(client, org):
    url = f"/api/v1/people/{org['people']['mine'].crn}/check-ins"
    response = client.post(
        url, "true", content_type="application/json", **bearer(org["staff"]["practitioner"])
    )
    assert response.status_code in (400, 422)
    assert response["Content-Type"] == PROBLEM


@pytest.mark.django_db
def test_the_openapi_document_states_bounds_enums_and_errors(client):
    document = client.get("/api/v1/openapi.json").json()
    work_items = document["paths"]["/api/v1/work-items"]["get"]
    params = {p["name"]: p["schema"] for p in work_items["parameters"]}
    assert params["limit"]["maximum"] == 500 and params["limit"]["minimum"] == 1
    assert params["offset"]["maximum"] == bounds.OFFSET_MAX
    assert params["status"]["enum"] == ["open", "done", "resolved", "closed"]
    for code in ("401", "403", "404", "422"):
        assert work_items["responses"][code]["content"][PROBLEM]
    create = document["paths"]["/api/v1/people/{crn}/referrals"]["post"]
    assert {"400", "409", "422"} <= set(create["responses"])
    referral_in = document["components"]["schemas"]["ReferralIn"]["properties"]
    sent_at = referral_in["sent_at"]["anyOf"][0]
    assert "time zone" in sent_at["description"] and sent_at["examples"]
    assert "Problem" in document["components"]["schemas"]


# ---- leap days --------------------------------------------------------------------------


LEAP_DAY = dt.date(2028, 2, 29)


def test_a_year_before_a_leap_day_is_the_28th_of_february():
    assert bounds.years_before(LEAP_DAY, 1) == dt.date(2027, 2, 28)
    assert bounds.years_before(LEAP_DAY, 4) == dt.date(2024, 2, 29)
    assert bounds.months_before(LEAP_DAY, 12) == dt.date(2027, 2, 28)
    assert bounds.months_after(dt.date(2027, 1, 31), 1) == dt.date(2027, 2, 28)
    assert bounds.years_before(LEAP_DAY, -3) == dt.date(2031, 2, 28)


@pytest.mark.django_db
def test_referral_and_death_insights_on_a_leap_day(org):
    from safeguard.learning import insights as learning_insights
    from safeguard.referrals import insights as referral_insights

    assert learning_insights.default_period(LEAP_DAY) == (dt.date(2027, 3, 1), LEAP_DAY)
    figures = referral_insights.referral_figures(
        user=org["staff"]["national"], group_by="local_authority", today=LEAP_DAY
    )
    assert figures["to"] is None and figures["groups"] == []
    # the age bands are where "a year ago" was replace(year=...) and raised on 29 February
    referral_insights.referral_figures(
        user=org["staff"]["national"], group_by="sex", today=LEAP_DAY
    )


@pytest.mark.django_db
def test_the_monitoring_page_on_a_leap_day(client, org, monkeypatch):
    from django.utils import timezone

    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: LEAP_DAY)
    client.force_login(org["staff"]["national"])
    assert client.get("/insights/referrals/").status_code == 200
    assert client.get("/learning/").status_code == 200


@pytest.mark.django_db
def test_a_body_larger_than_the_service_accepts_is_a_413_problem(client, org, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = post_referral(client, org, reason="x" * 2000)
    assert response.status_code == 413
    assert response["Content-Type"] == PROBLEM
    assert "1,000 bytes" in response.json()["detail"]
    assert not Referral.objects.exists()
