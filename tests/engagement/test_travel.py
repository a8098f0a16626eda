"""Travel support: request, approve (not your own), pay, totals per PDU."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from safeguard.core.models import AccessLogEntry
from safeguard.engagement import services
from safeguard.engagement.models import TravelSupportRequest


def request(org, amount="12.50", person_key="mine", actor_key="practitioner"):
    return services.travel_request_create(
        person_id=org["people"][person_key].pk,
        amount=amount,
        mode="bus",
        actor=org["staff"][actor_key],
    )


@pytest.mark.django_db
def test_request_approve_and_pay(org):
    travel = request(org)
    assert travel.status == "requested" and travel.pdu == org["people"]["mine"].pdu
    with pytest.raises(PermissionDenied):
        services.travel_request_decide(
            request_id=travel.pk, approve=True, actor=org["staff"]["colleague"]
        )
    with pytest.raises(ValidationError):
        services.travel_request_mark_paid(request_id=travel.pk, actor=org["staff"]["spo"])
    services.travel_request_decide(request_id=travel.pk, approve=True, actor=org["staff"]["spo"])
    paid = services.travel_request_mark_paid(
        request_id=travel.pk, actor=org["staff"]["practitioner"]
    )
    assert paid.status == "paid" and paid.paid_by == org["staff"]["practitioner"]
    assert AccessLogEntry.objects.filter(detail__startswith="travel support").count() == 3


@pytest.mark.django_db
def test_nobody_approves_their_own_request_and_a_refusal_needs_a_reason(org):
    travel = request(org, actor_key="spo")
    with pytest.raises(ValidationError):
        services.travel_request_decide(
            request_id=travel.pk, approve=True, actor=org["staff"]["spo"]
        )
    with pytest.raises(ValidationError) as error:
        services.travel_request_decide(
            request_id=travel.pk, approve=False, actor=org["staff"]["head"]
        )
    assert "note" in error.value.message_dict
    services.travel_request_decide(
        request_id=travel.pk,
        approve=False,
        note="Covered by a bus pass",
        actor=org["staff"]["head"],
    )
    travel.refresh_from_db()
    assert travel.status == "rejected"


@pytest.mark.django_db
@pytest.mark.parametrize("amount", ["0", "-3", "500.01", "ten pounds", "NaN"])
def test_bad_amounts_are_refused(org, amount):
    with pytest.raises(ValidationError) as error:
        request(org, amount=amount)
    assert "amount" in error.value.message_dict
    assert not TravelSupportRequest.objects.exists()


@pytest.mark.django_db
def test_pages_and_totals_per_pdu(client, org):
    request(org, "10.00")
    approved = request(org, "5.25", person_key="colleagues")
    services.travel_request_decide(request_id=approved.pk, approve=True, actor=org["staff"]["spo"])
    client.force_login(org["staff"]["spo"])
    page = client.get(f"/people/{org['people']['mine'].crn}/travel-support/")
    assert page.status_code == 200 and b"10.00" in page.content
    bad = client.post(
        f"/people/{org['people']['mine'].crn}/travel-support/", {"amount": "abc", "mode": ""}
    )
    assert bad.status_code == 200 and b"govuk-error-summary" in bad.content
    decide = client.post(
        f"/people/{org['people']['mine'].crn}/travel-support/{TravelSupportRequest.objects.get(amount=Decimal('10.00')).pk}/decide/",
        {"decision": ""},
    )
    assert decide.status_code == 200 and b"Choose whether to approve it" in decide.content
    totals = client.get("/travel-support/")
    html = totals.content.decode()
    assert totals.status_code == 200
    assert org["people"]["mine"].pdu.name in html and "£15.25" in html and "£5.25" in html
    assert AccessLogEntry.objects.filter(detail__startswith="travel totals").exists()
    assert client.get("/travel-support/?start=31/02/2026").status_code == 200


@pytest.mark.django_db
def test_totals_only_count_what_the_user_can_see(client, org):
    far_pp = org["staff"]["far_regional"]
    request(org, "10.00")
    client.force_login(far_pp)
    assert "£10.00" not in client.get("/travel-support/").content.decode()
