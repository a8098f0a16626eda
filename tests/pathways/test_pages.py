"""Pathway pages: the person page's sections, the pathways page (needs, suggestions, offers,
the reset safeguard), recording and updating offers, needs, health, reducing contact and the
SPO's decision; GOV.UK error summaries; the access log; query counts."""

import datetime as dt

import pytest

from safeguard.core.models import AccessLogEntry
from safeguard.pathways.models import (
    ContactReduction,
    GPRegistration,
    HospitalAttendance,
    PathwayOffer,
    RecordedNeed,
)
from tests.assessments.helpers import HIGH, record_screen
from tests.factories import RegistrationFactory
from tests.pathways.helpers import offer, today

pytestmark = pytest.mark.django_db


@pytest.fixture
def pp(org, client):
    client.force_login(org["staff"]["practitioner"])
    return org["staff"]["practitioner"]


@pytest.fixture
def person(org):
    return org["people"]["mine"]


def test_the_person_page_shows_pathways_and_health(client, pp, person):
    record_screen(person, pp, **HIGH["trauma"])
    from safeguard.pathways import services

    services.hospital_attendance_record(
        person_id=person.pk,
        kind="emergency_department",
        attended_on=today() - dt.timedelta(days=4),
        source="nhs",
        reason="overdose",
        actor=pp,
    )
    html = client.get(f"/people/{person.crn}/").content.decode()
    assert 'id="pathways-heading"' in html and "Trauma-informed support (for trauma)" in html
    assert 'id="health-heading"' in html and "1 attendance" in html
    assert "overdose or drug poisoning" in html


def test_the_pathways_page(client, pp, person, django_assert_max_num_queries):
    record_screen(person, pp, **HIGH["trauma"])
    RegistrationFactory(person=person, code="ALSH")
    offer(person, pp, pathway="trauma_support")
    with django_assert_max_num_queries(20):
        response = client.get(f"/people/{person.crn}/pathways/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Trauma-informed support" in html and "Kent and Medway trauma service" in html
    assert "Women&#x27;s centre" not in html  # a man: the single-sex service is not suggested
    assert "An ALSH (suicide or self-harm) registration is active" in html
    assert AccessLogEntry.objects.filter(person=person, action="view_person").exists()


def test_record_an_offer_from_a_suggestion(client, pp, person):
    record_screen(person, pp, **HIGH["trauma"])
    url = f"/people/{person.crn}/pathways/offers/new/?pathway=trauma_support&need=trauma"
    form = client.get(url).content.decode()
    assert "Kent and Medway trauma service (synthetic)" in form  # the one provider, filled in
    response = client.post(
        url,
        {
            "pathway": "trauma_support",
            "provider": "Kent and Medway trauma service (synthetic)",
            "status": "accepted",
            "need": "trauma",
        },
    )
    assert response.status_code == 302
    o = PathwayOffer.objects.get()
    assert (o.status, o.need, o.accepted_on) == ("accepted", "trauma", today())
    assert AccessLogEntry.objects.filter(event="pathway_offer.recorded", channel="web").exists()


def test_bad_offers_show_the_error_summary(client, pp, person):
    url = f"/people/{person.crn}/pathways/offers/new/"
    html = client.post(url, {"pathway": "trauma_support", "status": "declined"}).content.decode()
    assert "govuk-error-summary" in html and "Say why the offer was declined" in html
    html = client.post(url, {"pathway": "womens_centre", "status": "offered"}).content.decode()
    assert "single-sex service this person is not eligible for" in html
    html = client.post(url, {"pathway": "nope", "offered_on": "31/02/2026"}).content.decode()
    assert "Choose a pathway" in html and "Enter a real date" in html
    assert not PathwayOffer.objects.exists()


def test_update_an_offer(client, pp, person):
    o = offer(person, pp)
    url = f"/people/{person.crn}/pathways/offers/{o.pk}/"
    assert "It can be marked" in client.get(url).content.decode()
    assert client.post(url, {"status": "accepted", "version": "1"}).status_code == 302
    html = client.post(url, {"status": "completed", "version": "2"}).content.decode()
    assert "cannot be marked completed" in html
    html = client.post(url, {"status": "started", "version": "1"}).content.decode()
    assert "Someone else changed this record" in html
    o.refresh_from_db()
    assert o.status == "accepted"


def test_another_persons_offer_is_not_found(client, pp, person, org):
    other = offer(org["people"]["colleagues"], pp)
    assert client.get(f"/people/{person.crn}/pathways/offers/{other.pk}/").status_code == 404


def test_record_and_end_a_need(client, pp, person):
    url = f"/people/{person.crn}/pathways/needs/"
    assert client.post(url, {"need": "maturity", "note": "Left care at 18"}).status_code == 302
    need = RecordedNeed.objects.get()
    assert "Young adults approach" in client.get(f"/people/{person.crn}/pathways/").content.decode()
    html = client.post(url, {"need": "trauma"}).content.decode()
    assert "Choose a need" in html
    end = f"/people/{person.crn}/pathways/needs/{need.pk}/end/"
    assert "was not ended" in client.post(end, {"version": "9"}).content.decode()
    assert client.post(end, {"version": str(need.version)}).status_code == 302
    need.refresh_from_db()
    assert need.ended_on == today()


def test_health_pages(client, pp, person):
    url = f"/people/{person.crn}/health/attendances/new/"
    html = client.post(url, {"kind": "admission"}).content.decode()
    assert "Enter the date" in html and "Choose who told us" in html
    response = client.post(
        url,
        {
            "kind": "admission",
            "attended_on": (today() - dt.timedelta(days=1)).strftime("%d/%m/%Y"),
            "source": "nhs",
            "reason": "alcohol",
        },
    )
    assert response.status_code == 302 and HospitalAttendance.objects.count() == 1
    gp = f"/people/{person.crn}/health/gp/"
    assert (
        client.post(
            gp, {"status": "registered", "practice": "Elm Surgery", "version": "0"}
        ).status_code
        == 302
    )
    html = client.post(gp, {"status": "not_registered", "version": "0"}).content.decode()
    assert "Someone else changed this record" in html
    assert GPRegistration.objects.get().practice == "Elm Surgery"
    html = client.get(f"/people/{person.crn}/health/").content.decode()
    assert "Elm Surgery" in html and "Hospital admission" in html


def test_reduce_contact_with_the_safeguard(client, pp, person, org):
    RegistrationFactory(person=person, code="RVAD")
    url = f"/people/{person.crn}/contact-reduction/"
    assert "RVAD" in client.get(url).content.decode()
    html = client.post(url, {"kind": "final_third"}).content.decode()
    assert "govuk-error-summary" in html and "has been asked to decide" in html
    reduction = ContactReduction.objects.get()
    assert reduction.status == "awaiting_decision"
    # The practitioner cannot decide; the SPO can.
    decide = f"/people/{person.crn}/contact-reduction/{reduction.pk}/decide/"
    assert client.get(decide).status_code == 403
    client.force_login(org["staff"]["spo"])
    html = client.post(decide, {"approve": "yes", "version": "1"}).content.decode()
    assert "Give the reasons for the decision" in html
    response = client.post(decide, {"approve": "yes", "note": "Agreed", "version": "1"})
    assert response.status_code == 302
    client.force_login(pp)
    assert client.post(url, {"kind": "final_third"}).status_code == 302
    reduction.refresh_from_db()
    assert reduction.status == "reduced"


def test_reduce_contact_without_the_safeguard(client, pp, person):
    response = client.post(f"/people/{person.crn}/contact-reduction/", {"kind": "probation_reset"})
    assert response.status_code == 302
    assert ContactReduction.objects.get().status == "reduced"
