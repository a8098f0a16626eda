"""Travel support: a request, its decision by a manager, its payment."""

from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils import timezone

from safeguard.core.audit import Channel
from safeguard.core.capabilities import Capability, require_capability
from safeguard.engagement.audit import TravelEvent
from safeguard.engagement.models import (
    Appointment,
    TravelMode,
    TravelStatus,
    TravelSupportRequest,
)
from safeguard.people.gate import case_record_change, person_change

# ---- travel support -----------------------------------------------------------------------


def _clean_amount(amount) -> Decimal:
    try:
        value = Decimal(str(amount))
        if not value.is_finite():
            raise InvalidOperation
        value = value.quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        raise ValidationError({"amount": ["Enter an amount in pounds, like 12.50"]}) from None
    if value <= 0 or value > 500:
        raise ValidationError({"amount": ["The amount must be between £0.01 and £500"]})
    return value


def travel_request_create(
    *,
    person_id: int,
    amount,
    mode: str,
    note: str = "",
    appointment_id: int | None = None,
    actor,
    channel: str = Channel.WEB,
) -> TravelSupportRequest:
    with person_change(actor=actor, person_id=person_id, channel=channel) as change:
        person = change.person
        value = _clean_amount(amount)
        if mode not in TravelMode.values:
            raise ValidationError({"mode": ["Choose how the person travels"]})
        if len(note or "") > 300:
            raise ValidationError({"note": ["The note must be 300 characters or fewer"]})
        appointment = None
        if appointment_id:
            appointment = Appointment.objects.filter(pk=appointment_id, person=person).first()
            if appointment is None:
                raise ValidationError({"appointment": ["Choose one of this person's appointments"]})
        travel = TravelSupportRequest.objects.create(
            person=person,
            pdu_id=person.pdu_id,
            appointment=appointment,
            amount=value,
            mode=mode,
            note=(note or "").strip(),
            requested_by=actor,
        )
        change.record(
            TravelEvent.REQUESTED,
            record=travel,
            new={"amount": value, "mode": mode},
            detail=f"travel support requested: £{value} ({mode})",
        )
    return travel


def travel_request_decide(
    *, request_id: int, approve: bool, note: str = "", actor, channel: str = Channel.WEB
) -> TravelSupportRequest:
    """An SPO (or above) approves or turns down a request; not their own."""
    require_capability(
        actor,
        Capability.APPROVE_TRAVEL,
        "Only a senior probation officer or above can approve travel costs.",
    )
    with case_record_change(
        TravelSupportRequest.objects,
        pk=request_id,
        actor=actor,
        channel=channel,
        capability=Capability.APPROVE_TRAVEL,
    ) as (change, travel):
        old = travel.status
        if travel.status != TravelStatus.REQUESTED:
            raise ValidationError({"status": ["This request has already been decided"]})
        if travel.requested_by_id == actor.pk:
            raise ValidationError({"status": ["Someone else must decide a request you made"]})
        if not approve and not (note or "").strip():
            raise ValidationError({"note": ["Enter why the request is not approved"]})
        travel.status = TravelStatus.APPROVED if approve else TravelStatus.REJECTED
        travel.decided_by = actor
        travel.decided_at = timezone.now()
        travel.decision_note = (note or "").strip()[:300]
        travel.version += 1
        travel.save()
        change.record(
            TravelEvent.DECIDED,
            record=travel,
            old={"status": old},
            new={"status": travel.status},
            detail=f"travel support {travel.pk} {travel.status}",
        )
    return travel


def travel_request_mark_paid(
    *, request_id: int, actor, channel: str = Channel.WEB
) -> TravelSupportRequest:
    with case_record_change(
        TravelSupportRequest.objects, pk=request_id, actor=actor, channel=channel
    ) as (change, travel):
        if travel.status != TravelStatus.APPROVED:
            raise ValidationError({"status": ["Only an approved request can be paid"]})
        travel.status = TravelStatus.PAID
        travel.paid_by = actor
        travel.paid_at = timezone.now()
        travel.version += 1
        travel.save()
        change.record(
            TravelEvent.PAID,
            record=travel,
            old={"status": TravelStatus.APPROVED},
            new={"status": TravelStatus.PAID},
            detail=f"travel support {travel.pk} paid",
        )
    return travel
