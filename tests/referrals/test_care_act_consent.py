"""Capacity and consent on Care Act referrals (issue 19): a safeguarding concern (s42) and a
needs assessment (s9) record the person's capacity to decide (Mental Capacity Act 2005: assumed
unless assessed otherwise) and their consent; without consent, only the grounds the Care Act
allows for each."""

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from safeguard.core.models import AccessLogEntry
from safeguard.referrals import services
from safeguard.referrals.models import Agency, Referral
from tests.factories import S42_ALL_MET, asc_agency
from tests.helpers import bearer

S42 = "adult_social_care_s42"
S9 = "adult_social_care_needs_assessment"
PROBLEM = "application/problem+json"

# The law, written out here independently of the code under test.
S42_GROUNDS = {"lacks_capacity", "others_at_risk", "vital_interests", "serious_crime", "coercion"}
S9_GROUNDS = {"lacks_capacity", "at_risk_of_abuse"}  # Care Act s11(2)
ALL_GROUNDS = S42_GROUNDS | S9_GROUNDS


def refer(org, kind=S42, **overrides):
    params = {
        "person_id": org["people"]["mine"].pk,
        "kind": kind,
        "agency_id": asc_agency().pk,
        "reason": "Cuckooing",
        "consent": "given",
        "actor": org["staff"]["practitioner"],
    }
    if kind == S42:
        params["care_act_s42"] = S42_ALL_MET
        params["abuse_categories"] = ["financial_or_material"]
    params.update(overrides)
    return services.referral_create(**params)


@pytest.mark.django_db
@pytest.mark.parametrize("kind", [S42, S9])
def test_capacity_is_assumed_unless_assessed_otherwise(org, kind):
    referral = refer(org, kind)
    assert referral.mental_capacity == "assumed"
    assert referral.consent == "given"


@pytest.mark.django_db
def test_other_kinds_record_no_capacity(org):
    referral = services.referral_create(
        person_id=org["people"]["mine"].pk,
        kind="mental_health",
        agency_id=Agency.objects.filter(kind="mental_health", region__code="KSS").first().pk,
        actor=org["staff"]["practitioner"],
    )
    assert referral.mental_capacity == ""


@pytest.mark.django_db
def test_a_needs_assessment_records_consent(org):
    with pytest.raises(ValidationError) as info:
        refer(org, S9, consent="")
    assert list(info.value.message_dict) == ["consent"]
    assert not Referral.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("kind", "overrides", "field"),
    [
        # Without consent, a ground is needed.
        (S42, {"consent": "refused", "reason_without_consent": "x"}, "ground_without_consent"),
        (S9, {"consent": "refused", "reason_without_consent": "x"}, "ground_without_consent"),
        # Others at risk allow a safeguarding concern, not a needs assessment the person refuses.
        (
            S9,
            {
                "consent": "refused",
                "reason_without_consent": "Children visit",
                "ground_without_consent": "others_at_risk",
            },
            "ground_without_consent",
        ),
        # Lacking capacity is a ground only where an assessment found it.
        (
            S42,
            {
                "consent": "not_asked",
                "reason_without_consent": "Confused",
                "ground_without_consent": "lacks_capacity",
            },
            "ground_without_consent",
        ),
        # Someone who lacks capacity to decide cannot consent.
        (
            S42,
            {"mental_capacity": "lacks", "capacity_assessment": "GP, 3 November"},
            "consent",
        ),
        # The assessment is recorded.
        (
            S42,
            {
                "mental_capacity": "lacks",
                "consent": "not_asked",
                "reason_without_consent": "Cannot weigh up the information",
                "ground_without_consent": "lacks_capacity",
            },
            "capacity_assessment",
        ),
        (S42, {"mental_capacity": "maybe"}, "mental_capacity"),
    ],
)
def test_care_act_consent_rules_refuse_naming_the_field(org, kind, overrides, field):
    with pytest.raises(ValidationError) as info:
        refer(org, kind, **overrides)
    assert field in info.value.message_dict
    assert not Referral.objects.exists()


@pytest.mark.django_db
def test_an_s42_concern_proceeds_without_consent_where_others_are_at_risk(org):
    referral = refer(
        org,
        consent="refused",
        reason_without_consent="Others use his flat to deal; a child visits",
        ground_without_consent="others_at_risk",
    )
    assert (referral.consent, referral.ground_without_consent) == ("refused", "others_at_risk")
    assert referral.mental_capacity == "assumed"


@pytest.mark.django_db
@pytest.mark.parametrize("kind", [S42, S9])
def test_a_referral_proceeds_without_consent_where_the_person_lacks_capacity(org, kind):
    referral = refer(
        org,
        kind,
        consent="not_asked",
        reason_without_consent="In his best interests",
        mental_capacity="lacks",
        capacity_assessment="Assessed by his GP on 3 November: cannot weigh up the risks",
        ground_without_consent="lacks_capacity",
    )
    assert referral.mental_capacity == "lacks"
    assert referral.ground_without_consent == "lacks_capacity"
    assert "GP" in referral.capacity_assessment


@pytest.mark.django_db
def test_a_needs_assessment_proceeds_without_consent_where_at_risk_of_abuse(org):
    referral = refer(
        org,
        S9,
        consent="refused",
        reason_without_consent="Financial exploitation by a lodger",
        ground_without_consent="at_risk_of_abuse",
    )
    assert referral.ground_without_consent == "at_risk_of_abuse"


@given(
    kind=st.sampled_from([S42, S9]),
    consent=st.sampled_from(["given", "refused", "not_asked"]),
    capacity=st.sampled_from(["assumed", "lacks"]),
    assessment=st.sampled_from(["", "GP, 3 November"]),
    ground=st.sampled_from(["", *sorted(ALL_GROUNDS)]),
)
def test_consent_rules_hold_for_every_combination(kind, consent, capacity, assessment, ground):
    errors = services._care_act_consent_errors(kind, consent, capacity, assessment, ground)
    allowed = S42_GROUNDS if kind == S42 else S9_GROUNDS
    lawful = True
    if capacity == "lacks" and (not assessment or consent == "given"):
        lawful = False
    if consent != "given":
        if ground not in allowed:
            lawful = False
        if ground == "lacks_capacity" and capacity != "lacks":
            lawful = False
    assert (not errors) == lawful, (errors, kind, consent, capacity, assessment, ground)


# ---- the API and the form ---------------------------------------------------------------------


def post(client, crn, payload, staff):
    return client.post(
        f"/api/v1/people/{crn}/referrals", payload, content_type="application/json", **bearer(staff)
    )


@pytest.mark.django_db
def test_api_records_capacity_and_the_ground_without_consent(client, org):
    response = post(
        client,
        org["people"]["mine"].crn,
        {
            "kind": S42,
            "agency": asc_agency().pk,
            "care_act_s42": S42_ALL_MET,
            "abuse_categories": ["self_neglect"],
            "consent": {
                "mental_capacity": "lacks",
                "capacity_assessment": "Assessed by the community mental health team, 2 Nov",
                "ground_without_consent": "lacks_capacity",
                "reason_without_consent": "In his best interests",
            },
        },
        org["staff"]["practitioner"],
    )
    assert response.status_code == 201, response.content
    consent = response.json()["consent"]
    assert consent["consent_to_referral"] is False
    assert consent["mental_capacity"] == "lacks"
    assert consent["ground_without_consent"] == "lacks_capacity"
    assert Referral.objects.get().consent == "not_asked"
    assert AccessLogEntry.objects.filter(event="referral.sent").exists()


@pytest.mark.django_db
def test_api_refuses_a_needs_assessment_without_consent_or_ground(client, org):
    crn, pp = org["people"]["mine"].crn, org["staff"]["practitioner"]
    body = {"kind": S9, "agency": asc_agency().pk, "reason": "Cannot manage at home"}
    response = post(client, crn, body, pp)
    assert response.status_code == 422 and response["Content-Type"] == PROBLEM
    assert [e["field"] for e in response.json()["errors"]] == ["consent"]
    body["consent"] = {"consent_to_referral": False, "reason_without_consent": "Refuses"}
    response = post(client, crn, body, pp)
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["consent.ground_without_consent"]
    body["consent"]["ground_without_consent"] = "not_a_ground"
    assert post(client, crn, body, pp).status_code == 422
    assert not Referral.objects.exists()


@pytest.mark.django_db
def test_api_without_capacity_still_works_as_before(client, org):
    # Clients that do not send capacity: it is assumed (backward compatible).
    response = post(
        client,
        org["people"]["mine"].crn,
        {
            "kind": S42,
            "agency": asc_agency().pk,
            "care_act_s42": S42_ALL_MET,
            "abuse_categories": ["physical"],
            "consent": {"consent_to_referral": True},
        },
        org["staff"]["practitioner"],
    )
    assert response.status_code == 201
    assert response.json()["consent"]["mental_capacity"] == "assumed"


@pytest.mark.django_db
def test_the_form_records_capacity_and_shows_it(client, org):
    from tests.referrals.test_pages import kent_asc, make_referral, s42_form

    person = org["people"]["mine"]
    client.force_login(org["staff"]["practitioner"])
    url = f"/people/{person.crn}/referrals/new/{S42}/"
    page = client.get(url).content.decode()
    assert 'name="mental_capacity" type="radio" value="assumed" checked' in page
    # Revealed under "No" (and under "lacks capacity"): GOV.UK conditional reveals.
    assert 'name="ground_without_consent"' in page
    assert 'value="no" aria-controls="conditional-id_consent"' in page
    assert 'value="lacks" aria-controls="conditional-id_mental_capacity"' in page
    refused_page = client.post(
        url,
        s42_form(kent_asc(), consent="no", consent_no="refused", reason_without_consent="No"),
    )
    assert refused_page.status_code == 200
    assert 'href="#id_ground_without_consent"' in refused_page.content.decode()
    response = make_referral(
        client,
        person,
        data=s42_form(
            kent_asc(),
            consent="no",
            consent_no="refused",
            reason_without_consent="Will not agree; his grandchildren stay there",
            ground_without_consent="others_at_risk",
            mental_capacity="assumed",
        ),
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    referral = Referral.objects.get()
    assert referral.consent == "refused" and referral.ground_without_consent == "others_at_risk"
    detail = client.get(response["Location"]).content.decode()
    assert "Other people are, or may be, at risk" in detail
    assert "Capacity to decide" in detail
