"""The referrals API: creation rules as 422s naming the field, 409 for illegal transitions,
the escalation ladder, scoping and the monitoring figures."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from safeguard.core.models import AccessLogEntry
from safeguard.referrals.models import Agency, Referral
from tests.factories import (
    S42_ALL_MET,
    PersonFactory,
    RejectedReferralFactory,
    SentReferralFactory,
    asc_agency,
    exclude,
)
from tests.helpers import bearer

PROBLEM = "application/problem+json"
LONDON = ZoneInfo("Europe/London")


def post(client, url, payload, staff):
    return client.post(url, payload, content_type="application/json", **bearer(staff))


@pytest.mark.django_db
def test_agencies_filter_by_kind_and_local_authority(client, org):
    headers = bearer(org["staff"]["practitioner"])
    body = client.get("/api/v1/agencies?kind=adult_social_care&local_authority=Kent", **headers)
    assert body.status_code == 200
    assert [a["name"] for a in body.json()] == ["Kent Adult Social Care"]
    assert body.json()[0]["response_target_working_days"] == 3
    bad = client.get("/api/v1/agencies?local_authority=Atlantis", **headers)
    assert bad.status_code == 422 and bad["Content-Type"] == PROBLEM


@pytest.mark.django_db
def test_create_an_s42_referral(client, org):
    agency = asc_agency()
    response = post(
        client,
        f"/api/v1/people/{org['people']['mine'].crn}/referrals",
        {
            "kind": "adult_social_care_s42",
            "agency": agency.pk,
            "sent_at": "2025-12-24T10:00:00+00:00",
            "urgency": "urgent",
            "care_act_s42": S42_ALL_MET,
            "abuse_categories": ["financial_or_material"],
            "consent": {"consent_to_referral": True},
        },
        org["staff"]["practitioner"],
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "sent"
    assert body["care_act_s42"]["indicated"] is True
    expected_due = "2025-12-30" if agency.response_target_working_days == 2 else None
    if expected_due:
        assert body["due_by"] == expected_due


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("payload", "field"),
    [
        (
            {"kind": "adult_social_care_s42", "abuse_categories": ["physical"]},
            "care_act_s42.care_and_support_needs",
        ),
        ({"kind": "housing_duty_to_refer"}, "consent"),
        ({"kind": "adult_social_care_s42", "agency": 99999999}, "agency"),
        ({"kind": "nonsense"}, "kind"),
        ({"kind": "adult_social_care_s42", "sent_at": "yesterday"}, "sent_at"),
    ],
)
def test_bad_referrals_get_422_naming_the_field(client, org, payload, field):
    body = {"agency": asc_agency().pk, **payload}
    if payload.get("kind") == "housing_duty_to_refer":
        body["agency"] = Agency.objects.get(name="Kent Housing Options").pk
    response = post(
        client,
        f"/api/v1/people/{org['people']['mine'].crn}/referrals",
        body,
        org["staff"]["practitioner"],
    )
    assert response.status_code == 422, response.content
    assert response["Content-Type"] == PROBLEM
    assert field in [e["field"] for e in response.json()["errors"]]
    assert not Referral.objects.exists()


@pytest.mark.django_db
def test_housing_referral_without_consent_to_share_names_that_field(client, org):
    housing = Agency.objects.get(name="Kent Housing Options")
    response = post(
        client,
        f"/api/v1/people/{org['people']['mine'].crn}/referrals",
        {
            "kind": "housing_duty_to_refer",
            "agency": housing.pk,
            "reason": "Threatened with homelessness within 56 days: tenancy ends 1 February",
            "consent": {"consent_to_referral": True, "chosen_housing_authority": "Kent"},
        },
        org["staff"]["practitioner"],
    )
    assert response.status_code == 422
    fields = [e["field"] for e in response.json()["errors"]]
    assert fields == ["consent.consent_to_share_contact_details"]


@pytest.mark.django_db
def test_deciding_twice_is_a_409(client, org):
    referral = SentReferralFactory(person=org["people"]["mine"])
    pp = org["staff"]["practitioner"]
    url = f"/api/v1/referrals/{referral.pk}/decision"
    first = post(client, url, {"outcome": "rejected", "reason": "below_threshold"}, pp)
    assert first.status_code == 200 and first.json()["status"] == "rejected"
    second = post(client, url, {"outcome": "accepted"}, pp)
    assert second.status_code == 409 and second["Content-Type"] == PROBLEM
    bad_reason = post(
        client,
        f"/api/v1/referrals/{SentReferralFactory(person=referral.person).pk}/decision",
        {"outcome": "rejected", "reason": "because"},
        pp,
    )
    assert bad_reason.status_code == 422


@pytest.mark.django_db
def test_escalate_and_resolve_through_the_api(client, org):
    referral = RejectedReferralFactory(person=org["people"]["mine"])
    pp, spo = org["staff"]["practitioner"], org["staff"]["spo"]
    raised = post(
        client, f"/api/v1/referrals/{referral.pk}/escalations", {"reason": "Meets s42"}, pp
    )
    assert raised.status_code == 201
    assert raised.json()["level"] == 1 and raised.json()["holder"] == "spo"
    again = post(client, f"/api/v1/referrals/{referral.pk}/escalations", {"reason": "x"}, pp)
    assert again.status_code == 409
    resolved = post(
        client,
        f"/api/v1/escalations/{raised.json()['id']}/resolve",
        {"response": "Spoke to ASC team manager", "outcome": "decision_upheld"},
        spo,
    )
    assert resolved.status_code == 200 and resolved.json()["status"] == "resolved"
    level2 = post(client, f"/api/v1/referrals/{referral.pk}/escalations", {"reason": "Up"}, spo)
    assert level2.json()["level"] == 2 and level2.json()["holder"] == "head"


@pytest.mark.django_db
def test_referrals_are_scoped_like_people(client, org):
    person = org["people"]["colleagues"]
    referral = SentReferralFactory(person=person)
    exclude(person, org["staff"]["practitioner"])
    pp = org["staff"]["practitioner"]
    assert client.get(f"/api/v1/people/{person.crn}/referrals", **bearer(pp)).status_code == 404
    response = post(
        client, f"/api/v1/referrals/{referral.pk}/decision", {"outcome": "accepted"}, pp
    )
    assert response.status_code == 404
    other = org["staff"]["other_team_pp"]
    assert (
        post(
            client, f"/api/v1/referrals/{referral.pk}/escalations", {"reason": "x"}, other
        ).status_code
        == 404
    )
    national = org["staff"]["national"]
    assert (
        post(
            client, f"/api/v1/referrals/{referral.pk}/decision", {"outcome": "accepted"}, national
        ).status_code
        == 403
    )
    # The refused attempts are on record, although the service's transaction rolled back.
    refused = AccessLogEntry.objects.filter(action="refused", detail__startswith="referral ")
    assert set(refused.values_list("actor__username", flat=True)) == {pp.username, other.username}
    assert not Referral.objects.get(pk=referral.pk).decided_at


@pytest.mark.django_db
def test_person_referrals_query_count_is_fixed(client, org):
    person = org["people"]["mine"]
    headers = bearer(org["staff"]["practitioner"])
    SentReferralFactory(person=person)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert (
                client.get(f"/api/v1/people/{person.crn}/referrals", **headers).status_code == 200
            )
        return len(ctx.captured_queries)

    before = count()
    for _ in range(6):
        RejectedReferralFactory(person=person)
    assert count() == before


@pytest.fixture
def fixed_referrals(org):
    """A small fixed data set whose figures are worked out by hand in the tests below."""
    kent = Agency.objects.get(name="Kent Adult Social Care")  # target 3 working days
    medway = Agency.objects.get(name="Medway Adult Social Care")  # target 2
    man = org["people"]["mine"]
    woman = PersonFactory(team=org["team"], sex="female", practitioner=org["staff"]["colleague"])
    sent = dt.datetime(2026, 10, 5, 10, tzinfo=LONDON)  # Monday

    def make(person, agency, status, days=None, reason=""):
        # Five of each, so that no published count is 1 to 4 (those are suppressed).
        for _ in range(5):
            SentReferralFactory(
                person=person,
                agency=agency,
                status=status,
                sent_at=sent,
                due_by=dt.date(2026, 10, 5) + dt.timedelta(days=3),
                decided_at=sent + dt.timedelta(days=days) if days is not None else None,
                decision_working_days=days,
                rejection_reason=reason,
            )

    make(man, kent, "accepted", 1)
    make(man, kent, "rejected", 2, "below_threshold")
    make(man, kent, "rejected", 4, "below_threshold")  # past Kent's 3-day target
    make(woman, kent, "accepted", 3)
    make(woman, medway, "accepted", 1)
    make(woman, medway, "sent")  # due 8 Oct, still waiting: past target
    return {"kent": kent, "medway": medway}


@pytest.mark.django_db
def test_insights_by_local_authority_match_hand_computed_figures(client, org, fixed_referrals):
    response = client.get(
        "/api/v1/insights/referrals?group_by=local_authority&from=2026-10-01&to=2026-10-31",
        **bearer(org["staff"]["national"]),
    )
    assert response.status_code == 200
    groups = {g["key"]: g for g in response.json()["groups"]}
    kent = groups["Kent"]
    assert (kent["referrals"], kent["accepted"], kent["rejected"]) == (20, 10, 10)
    assert kent["acceptance_rate"] == 0.5
    assert kent["median_working_days"] == 2.5  # of 1, 2, 3, 4, five times each
    assert kent["p90_working_days"] == pytest.approx(4.0)
    assert kent["past_target"] == 5
    medway = groups["Medway"]
    assert (medway["referrals"], medway["acceptance_rate"], medway["past_target"]) == (10, 1.0, 5)
    reasons = {r["reason"]: r["count"] for r in response.json()["rejection_reasons"]}
    assert reasons["below_threshold"] == 10


@pytest.mark.django_db
def test_insights_by_sex_show_unequal_thresholds(client, org, fixed_referrals):
    body = client.get(
        "/api/v1/insights/referrals?group_by=sex&from=2026-10-01&to=2026-10-31",
        **bearer(org["staff"]["regional"]),
    ).json()
    groups = {g["key"]: g for g in body["groups"]}
    assert groups["male"]["acceptance_rate"] == pytest.approx(1 / 3, abs=0.001)
    assert groups["female"]["acceptance_rate"] == 1.0


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("staff_key", "expected"),
    [("practitioner", 403), ("spo", 403), ("head", 200), ("regional", 200), ("national", 200)],
)
def test_insights_are_for_managers_and_leads(client, org, staff_key, expected):
    response = client.get("/api/v1/insights/referrals", **bearer(org["staff"][staff_key]))
    assert response.status_code == expected


@pytest.mark.django_db
def test_insights_only_count_referrals_in_scope(client, org, fixed_referrals):
    body = client.get(
        "/api/v1/insights/referrals?group_by=kind&from=2026-10-01&to=2026-10-31",
        **bearer(org["staff"]["far_regional"]),
    ).json()
    assert body["groups"] == []


@pytest.mark.django_db
def test_insights_bad_parameters(client, org):
    headers = bearer(org["staff"]["national"])
    assert client.get("/api/v1/insights/referrals?group_by=shoe_size", **headers).status_code == 422
    assert client.get("/api/v1/insights/referrals?from=notadate", **headers).status_code == 422
