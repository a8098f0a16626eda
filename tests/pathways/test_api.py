"""The pathways API: the catalogue, offers and their status, hospital attendances, reducing
contact (409 naming the reasons), problem+json for bad input, scoping and the access log."""

import datetime as dt

import pytest

from safeguard.core.models import AccessLogEntry
from safeguard.pathways.models import ContactReduction, HospitalAttendance, PathwayOffer
from tests.assessments.helpers import HIGH, record_screen
from tests.factories import RegistrationFactory
from tests.helpers import bearer
from tests.pathways.helpers import offer, post, today

pytestmark = pytest.mark.django_db
PROBLEM = "application/problem+json"


def fields(response):
    assert response["Content-Type"] == PROBLEM, response.content
    return [e["field"] for e in response.json()["errors"]]


def test_the_catalogue(client, org):
    response = client.get("/api/v1/pathways", **bearer(org["staff"]["practitioner"]))
    assert response.status_code == 200
    body = {p["key"]: p for p in response.json()}
    assert len(body) >= 10
    assert body["womens_centre"]["single_sex"] == {"for": "women", "by": "gender_identity"}
    assert body["trauma_support"]["single_sex"] is None
    assert body["trauma_support"]["providers"]["KSS"] == [
        "Kent and Medway trauma service (synthetic)"
    ]
    assert {"key": "trauma", "label": "Trauma"} in body["trauma_support"]["needs"]


def test_offers_with_needs_and_suggestions(client, org, django_assert_max_num_queries):
    pp = org["staff"]["practitioner"]
    person = org["people"]["mine"]
    record_screen(person, pp, **HIGH["trauma"])
    offer(person, pp, pathway="trauma_support", need="trauma")
    url = f"/api/v1/people/{person.crn}/pathway-offers"
    with django_assert_max_num_queries(12):
        response = client.get(url, **bearer(pp))
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1 and body["items"][0]["pathway"] == "trauma_support"
    assert body["items"][0]["status"] == "offered" and body["items"][0]["version"] == 1
    assert body["needs"] == [{"key": "trauma", "label": "Trauma"}]
    assert body["suggestions"] == [
        {
            "pathway": "trauma_support",
            "name": "Trauma-informed support",
            "needs": ["trauma"],
            "providers": ["Kent and Medway trauma service (synthetic)"],
            "offered": True,
        }
    ]
    assert AccessLogEntry.objects.filter(
        person=person, action="view_person", channel="api"
    ).exists()


def test_record_an_offer_and_move_it_on(client, org):
    pp = org["staff"]["practitioner"]
    person = org["people"]["mine"]
    response = post(
        client,
        f"/api/v1/people/{person.crn}/pathway-offers",
        {"pathway": "peer_mentoring", "offered_on": str(today() - dt.timedelta(days=2))},
        pp,
    )
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["status"] == "offered" and created["crn"] == person.crn
    url = f"/api/v1/pathway-offers/{created['id']}/status"
    response = post(client, url, {"status": "accepted", "version": 1}, pp)
    assert response.status_code == 200 and response.json()["accepted_on"] == str(today())
    # Stale version: 409; skipping a step: 409; decline without a reason: 422.
    assert post(client, url, {"status": "started", "version": 1}, pp).status_code == 409
    assert post(client, url, {"status": "completed", "version": 2}, pp).status_code == 409
    refused = post(client, url, {"status": "declined", "version": 2}, pp)
    assert refused.status_code == 422 and fields(refused) == ["reason"]
    response = post(client, url, {"status": "declined", "reason": "Moved away", "version": 2}, pp)
    assert response.json()["status"] == "declined" and response.json()["reason"] == "Moved away"
    assert (
        AccessLogEntry.objects.filter(event="pathway_offer.status_changed", channel="api").count()
        == 2
    )


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({}, "pathway"),
        ({"pathway": "nope"}, "pathway"),
        ({"pathway": "peer_mentoring", "status": "completed"}, "status"),
        ({"pathway": "peer_mentoring", "offered_on": "2026-13-40"}, "offered_on"),
        ({"pathway": "peer_mentoring", "offered_on": "1990-01-01"}, "offered_on"),
        ({"pathway": "peer_mentoring", "reason": 7}, "reason"),
        ({"pathway": "peer_mentoring", "extra": 1, "provider": "x" * 500}, "provider"),
        ({"pathway": "peer_mentoring", "status": "declined"}, "reason"),
        ({"pathway": "womens_centre"}, "pathway"),  # the person is a man
    ],
)
def test_bad_offers_are_422_naming_the_field(client, org, payload, field):
    person = org["people"]["mine"]
    response = post(
        client, f"/api/v1/people/{person.crn}/pathway-offers", payload, org["staff"]["practitioner"]
    )
    assert response.status_code == 422, response.content
    assert field in fields(response)
    assert not PathwayOffer.objects.exists()


def test_bad_status_changes(client, org):
    pp = org["staff"]["practitioner"]
    o = offer(org["people"]["mine"], pp)
    url = f"/api/v1/pathway-offers/{o.pk}/status"
    assert fields(post(client, url, {"status": "offered", "version": 1}, pp)) == ["status"]
    assert fields(post(client, url, {"status": "accepted"}, pp)) == ["version"]
    assert fields(post(client, url, {"status": "accepted", "version": "1"}, pp)) == ["version"]
    future = str(today() + dt.timedelta(days=2))
    assert "on" in fields(post(client, url, {"status": "accepted", "on": future, "version": 1}, pp))
    assert (
        post(
            client, "/api/v1/pathway-offers/999999/status", {"status": "accepted", "version": 1}, pp
        ).status_code
        == 404
    )


def test_scope_a_case_not_visible_is_404_and_a_reader_403(client, org):
    far = org["people"]["far"]
    pp = org["staff"]["practitioner"]
    assert client.get(f"/api/v1/people/{far.crn}/pathway-offers", **bearer(pp)).status_code == 404
    o = offer(org["people"]["mine"], pp)
    url = f"/api/v1/pathway-offers/{o.pk}/status"
    assert (
        post(
            client, url, {"status": "accepted", "version": 1}, org["staff"]["far_regional"]
        ).status_code
        == 404
    )
    assert (
        post(
            client, url, {"status": "accepted", "version": 1}, org["staff"]["inspector"]
        ).status_code
        == 403
    )


def test_hospital_attendances(client, org):
    pp = org["staff"]["practitioner"]
    person = org["people"]["mine"]
    url = f"/api/v1/people/{person.crn}/hospital-attendances"
    payload = {
        "kind": "emergency_department",
        "attended_on": str(today() - dt.timedelta(days=3)),
        "source": "nhs",
        "reason": "self_harm",
    }
    response = post(client, url, payload, pp)
    assert response.status_code == 201, response.content
    assert response.json()["kind"] == "emergency_department"
    body = client.get(url, **bearer(pp)).json()
    assert body["count"] == 1 and body["items"][0]["reason"] == "self_harm"
    assert AccessLogEntry.objects.filter(
        event="hospital_attendance.recorded", person=person
    ).exists()
    for bad, field in (
        ({"kind": "walk_in"}, "kind"),
        ({"reason": "broken leg"}, "reason"),
        ({"source": "rumour"}, "source"),
        ({"attended_on": str(today() + dt.timedelta(days=1))}, "attended_on"),
        ({"attended_on": None}, "attended_on"),
    ):
        refused = post(client, url, payload | bad, pp)
        assert refused.status_code == 422 and field in fields(refused), (bad, refused.content)
    assert HospitalAttendance.objects.count() == 1


def test_contact_reduction_is_201_without_the_safeguard(client, org):
    person = org["people"]["mine"]
    response = post(
        client,
        f"/api/v1/people/{person.crn}/contact-reduction",
        {"kind": "reporting_reduced"},
        org["staff"]["practitioner"],
    )
    assert response.status_code == 201, response.content
    assert response.json()["status"] == "reduced" and response.json()["reasons"] == []


def test_contact_reduction_is_409_naming_the_reasons_until_an_spo_decides(client, org):
    pp = org["staff"]["practitioner"]
    person = org["people"]["mine"]
    RegistrationFactory(person=person, code="ALSH")
    RegistrationFactory(person=person, code="RVAD")
    url = f"/api/v1/people/{person.crn}/contact-reduction"
    response = post(client, url, {"kind": "probation_reset"}, pp)
    assert response.status_code == 409 and response["Content-Type"] == PROBLEM
    body = response.json()
    assert body["title"] == "An SPO's decision is needed"
    assert [e["code"] for e in body["errors"]] == ["alsh_active", "rvad_active"]
    assert "ALSH" in body["detail"] and "RVAD" in body["detail"]
    request = ContactReduction.objects.get()
    from safeguard.pathways import services

    services.contact_reduction_decide(
        reduction_id=request.pk, approve=True, note="Agreed", version=1, actor=org["staff"]["spo"]
    )
    response = post(client, url, {"kind": "probation_reset"}, pp)
    assert response.status_code == 201 and response.json()["status"] == "reduced"
    assert fields(post(client, url, {"kind": "everything"}, pp)) == ["kind"]
