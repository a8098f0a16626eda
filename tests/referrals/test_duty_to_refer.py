"""The duty to refer (Housing Act 1996 s.213B, issue 19): the agreed reason for referral, the
receiving agency is the English housing authority the person chose (any one, not only in the
person's region), and only cases supervised in England may make one."""

import pytest
from django.core.exceptions import ValidationError

from safeguard.core.models import AccessLogEntry, LocalAuthority
from safeguard.referrals import services
from safeguard.referrals.models import Agency, Referral
from tests.factories import PersonFactory, StaffFactory, asc_agency, team_in
from tests.helpers import bearer

PROBLEM = "application/problem+json"
REASON = "Threatened with homelessness within 56 days: his tenancy ends on 1 February"


def kent_housing():
    return Agency.objects.get(name="Kent Housing Options")


def duty_to_refer(org, **overrides):
    params = {
        "person_id": org["people"]["mine"].pk,
        "kind": "housing_duty_to_refer",
        "agency_id": kent_housing().pk,
        "reason": REASON,
        "consent": "given",
        "consent_to_share_contact_details": True,
        "chosen_housing_authority": LocalAuthority.objects.get(name="Kent"),
        "actor": org["staff"]["practitioner"],
    }
    params.update(overrides)
    return services.referral_create(**params)


@pytest.fixture
def welsh_case(org):
    """A case supervised in Wales, with its own practitioner."""
    team = team_in("WA", 0)
    pp = StaffFactory(username="pp_wales", role="practitioner", teams=[team])
    return PersonFactory(crn="W000001", team=team, practitioner=pp, last_name="Cymru"), pp


@pytest.mark.django_db
def test_a_duty_to_refer_to_the_chosen_authority_is_sent(org):
    referral = duty_to_refer(org)
    assert referral.status == "sent"
    assert referral.reason == REASON
    assert referral.agency.local_authority.name == "Kent"


@pytest.mark.django_db
@pytest.mark.parametrize("reason", ["", "   \n "])
def test_a_duty_to_refer_needs_the_agreed_reason_for_referral(org, reason):
    with pytest.raises(ValidationError) as info:
        duty_to_refer(org, reason=reason)
    assert list(info.value.message_dict) == ["reason"]
    assert "agreed with the person" in info.value.message_dict["reason"][0]
    assert not Referral.objects.exists()


@pytest.mark.django_db
def test_the_agency_must_be_the_housing_authority_the_person_chose(org):
    # Medway's housing service, while the person chose Kent.
    medway = Agency.objects.get(name="Medway Housing Options")
    with pytest.raises(ValidationError) as info:
        duty_to_refer(org, agency_id=medway.pk)
    assert list(info.value.message_dict) == ["agency"]
    assert "the person chose (Kent)" in info.value.message_dict["agency"][0]
    # Any other kind of agency is refused too.
    with pytest.raises(ValidationError) as info:
        duty_to_refer(org, agency_id=asc_agency().pk)
    assert list(info.value.message_dict) == ["agency"]
    assert not Referral.objects.exists()


@pytest.mark.django_db
def test_any_english_authority_may_be_chosen_not_only_the_persons_region(org):
    durham = LocalAuthority.objects.get(name="County Durham")
    assert durham.region.code != org["people"]["mine"].pdu.region.code
    housing = Agency.objects.get(kind="housing", local_authority=durham)
    referral = duty_to_refer(org, agency_id=housing.pk, chosen_housing_authority=durham)
    assert referral.agency == housing


@pytest.mark.django_db
def test_a_case_supervised_in_wales_cannot_make_a_duty_to_refer(org, welsh_case):
    person, pp = welsh_case
    with pytest.raises(ValidationError) as info:
        duty_to_refer(org, person_id=person.pk, actor=pp)
    assert list(info.value.message_dict) == ["kind"]
    assert "supervised in Wales" in info.value.message_dict["kind"][0]
    assert not Referral.objects.exists()
    # Other referrals from a Welsh case are not affected.
    referral = services.referral_create(
        person_id=person.pk,
        kind="mental_health",
        agency_id=Agency.objects.filter(kind="mental_health", region__code="WA").first().pk,
        reason="Low mood",
        actor=pp,
    )
    assert referral.status == "sent"


# ---- the API ---------------------------------------------------------------------------------


def post(client, crn, payload, staff):
    return client.post(
        f"/api/v1/people/{crn}/referrals", payload, content_type="application/json", **bearer(staff)
    )


def api_payload(**overrides):
    payload = {
        "kind": "housing_duty_to_refer",
        "agency": kent_housing().pk,
        "reason": REASON,
        "consent": {
            "consent_to_referral": True,
            "consent_to_share_contact_details": True,
            "chosen_housing_authority": "Kent",
        },
    }
    payload.update(overrides)
    return payload


@pytest.mark.django_db
def test_api_duty_to_refer_is_made_and_audited(client, org):
    response = post(client, org["people"]["mine"].crn, api_payload(), org["staff"]["practitioner"])
    assert response.status_code == 201, response.content
    assert response.json()["consent"]["consent_to_share_contact_details"] is True
    assert AccessLogEntry.objects.filter(
        event="referral.sent", detail__contains="housing_duty_to_refer"
    ).exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("overrides", "field", "words"),
    [
        ({"agency": "asc"}, "agency", "does not take"),
        ({"agency": "medway_housing"}, "agency", "the person chose (Kent)"),
        ({"reason": ""}, "reason", "agreed with the person"),
    ],
)
def test_api_refuses_a_duty_to_refer_naming_the_field(client, org, overrides, field, words):
    agencies = {
        "asc": asc_agency().pk,
        "medway_housing": Agency.objects.get(name="Medway Housing Options").pk,
    }
    if "agency" in overrides:
        overrides = {**overrides, "agency": agencies[overrides["agency"]]}
    response = post(
        client, org["people"]["mine"].crn, api_payload(**overrides), org["staff"]["practitioner"]
    )
    assert response.status_code == 422, response.content
    assert response["Content-Type"] == PROBLEM
    errors = {e["field"]: e for e in response.json()["errors"]}
    assert list(errors) == [field]
    assert words in str(errors[field])
    assert not Referral.objects.exists()


@pytest.mark.django_db
def test_api_refuses_a_duty_to_refer_for_a_case_supervised_in_wales(client, org, welsh_case):
    person, pp = welsh_case
    response = post(client, person.crn, api_payload(), pp)
    assert response.status_code == 422, response.content
    assert response["Content-Type"] == PROBLEM
    errors = response.json()["errors"]
    assert [e["field"] for e in errors] == ["kind"]
    assert "supervised in Wales" in str(errors)
    assert not Referral.objects.exists()


# ---- the web form ----------------------------------------------------------------------------


DTR = "housing_duty_to_refer"
NEW = "/people/{crn}/referrals/new/housing_duty_to_refer/"


def form_data(**overrides):
    data = {
        "urgency": "routine",
        "reason": REASON,
        "consent": "yes",
        "chosen_housing_authority": str(LocalAuthority.objects.get(name="County Durham").pk),
        "consent_to_share_contact_details": "yes",
        "action": "continue",
    }
    data.update(overrides)
    return data


def _save(client, person, data):
    response = client.post(NEW.format(crn=person.crn), data)
    if response.status_code != 302:
        return response
    return client.post(response["Location"])


@pytest.mark.django_db
def test_the_form_offers_every_english_authority_as_a_plain_select(client, org):
    client.force_login(org["staff"]["practitioner"])
    page = client.get(NEW.format(crn=org["people"]["mine"].crn)).content.decode()
    start = page.index('id="id_chosen_housing_authority" name="chosen_housing_authority"')
    select = page[page.rindex("<select", 0, start) : page.index("</select>", start)]
    assert 'data-module="app-autocomplete"' in select  # enhanced where JavaScript runs
    for english in LocalAuthority.objects.exclude(region__code="WA"):
        assert f'value="{english.pk}"' in select
    for welsh in LocalAuthority.objects.filter(region__code="WA"):
        assert f'value="{welsh.pk}"' not in select
    assert 'name="agency"' not in page  # the authority chosen decides the agency
    assert "Care Act s42" not in page and 'name="mental_capacity"' not in page


@pytest.mark.django_db
def test_the_form_sends_it_to_an_authority_outside_the_persons_region(client, org):
    person = org["people"]["mine"]
    client.force_login(org["staff"]["practitioner"])
    response = _save(client, person, form_data())
    assert response.status_code == 302, response.content.decode()[:3000]
    referral = Referral.objects.get()
    assert referral.agency.name == "County Durham Housing Options"
    assert referral.chosen_housing_authority.name == "County Durham"
    assert referral.status == "ready_to_send"
    detail = client.get(response["Location"]).content.decode()
    assert "Housing authority the person chose" in detail and "County Durham" in detail
    assert "Reason for referral agreed with the person" in detail and REASON[:20] in detail


@pytest.mark.django_db
def test_an_agency_posted_with_a_duty_to_refer_is_ignored(client, org):
    person = org["people"]["mine"]
    client.force_login(org["staff"]["practitioner"])
    response = _save(client, person, form_data(agency=str(kent_housing().pk)))
    assert response.status_code == 302
    assert Referral.objects.get().agency.name == "County Durham Housing Options"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("overrides", "anchor", "message"),
    [
        ({"consent": "no"}, "id_consent", "needs the person's consent to the referral"),
        (
            {"consent_to_share_contact_details": "no"},
            "id_consent_to_share_contact_details",
            "consent to share their contact details",
        ),
        ({"reason": ""}, "id_reason", "reason for the referral that you agreed"),
        ({"chosen_housing_authority": ""}, "id_chosen_housing_authority", "Choose the housing"),
    ],
)
def test_the_duty_to_refer_questions_refuse_what_the_act_does_not_allow(
    client, org, overrides, anchor, message
):
    person = org["people"]["mine"]
    client.force_login(org["staff"]["practitioner"])
    response = _save(client, person, form_data(**overrides))
    assert response.status_code == 200
    page = response.content.decode()
    assert f'href="#{anchor}"' in page and message in page
    assert not Referral.objects.exists()


@pytest.mark.django_db
def test_the_form_says_a_welsh_case_cannot_make_a_duty_to_refer(client, org, welsh_case):
    person, pp = welsh_case
    client.force_login(pp)
    first = client.get(f"/people/{person.crn}/referrals/new/?kind={DTR}")
    assert first.status_code == 200
    page = first.content.decode()
    assert 'href="#id_kind"' in page and "supervised in Wales" in page
    response = client.post(NEW.format(crn=person.crn), form_data())
    assert response.status_code == 302 and "?kind=" in response["Location"]
    assert not Referral.objects.exists()


@pytest.mark.django_db
def test_the_form_still_needs_an_agency_for_other_kinds(client, org):
    person = org["people"]["mine"]
    client.force_login(org["staff"]["practitioner"])
    response = client.post(
        f"/people/{person.crn}/referrals/new/mental_health/",
        {"agency": "", "urgency": "routine", "reason": "Low mood", "action": "continue"},
    )
    assert response.status_code == 200
    assert "Choose the agency" in response.content.decode()
    assert not Referral.objects.exists()
