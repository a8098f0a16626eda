"""Appointments, reminder preferences, messages and check-ins in the API."""

from datetime import datetime
from typing import Literal

from django.core.exceptions import ValidationError
from ninja import Query, Router, Schema, Status
from pydantic import Field

from safeguard.api.schemas import EventDateTime, In, Limit, Offset
from safeguard.core.audit import Channel
from safeguard.core.capabilities import Capability, requires
from safeguard.engagement import checkins, selectors, services
from safeguard.engagement.models import Appointment, CheckIn, ReminderPreferences
from safeguard.people.selectors import person_get_for

router = Router(tags=["engagement"])

Kind = Literal["office", "home_visit", "phone", "video", "partner_agency", "remote_check_in"]
Who = Literal["probation", "person"]


class AppointmentOut(Schema):
    id: int
    crn: str
    kind: str
    starts_at: datetime
    duration_minutes: int
    location: str
    practitioner: str | None
    outcome: str
    outcome_reason: str
    moved_by: str
    rescheduled_from_id: int | None
    welfare_checked_at: datetime | None


class AppointmentIn(In):
    starts_at: EventDateTime
    duration_minutes: int = Field(60, ge=5, le=480)
    kind: Kind
    location: str = Field("", max_length=200)


class RescheduleIn(In):
    starts_at: EventDateTime
    reason: str = Field(min_length=1, max_length=500)
    requested_by: Who = "probation"
    duration_minutes: int | None = Field(None, ge=5, le=480)
    kind: Kind | None = None
    location: str | None = Field(None, max_length=200)


class CancelIn(In):
    reason: str = Field(min_length=1, max_length=500)
    cancelled_by: Who = "probation"


class OutcomeIn(In):
    outcome: Literal["attended", "failed_to_attend", "acceptable_absence"]
    reason: str = Field("", max_length=500)


class PreferencesIO(In):
    channel: Literal["sms", "email", "both", "none"]
    mobile: str | None = Field(None, max_length=20)
    email: str | None = Field(None, max_length=254)
    lead_times_hours: list[int] = Field(default_factory=list, max_length=4)
    summary: Literal["none", "weekly", "fortnightly"] = "none"
    consent: bool = False


class PreferencesIn(PreferencesIO):
    # The versions the change starts from (from GET): a stale or missing one is refused (409
    # or 422), never overwritten. ``person_version`` guards the mobile and email, which belong
    # to the person's record; it is needed only when they change.
    version: int = Field(..., ge=0, description="0 when the person has no preferences yet")
    person_version: int | None = Field(None, ge=1)


class PreferencesOut(PreferencesIO):
    consent_recorded_at: datetime | None
    version: int
    person_version: int


class MessageOut(Schema):
    id: int
    reference: str
    kind: str
    channel: str
    template: str
    status: str
    status_reason: str
    scheduled_for: datetime
    send_after: datetime
    sent_at: datetime | None
    completed_at: datetime | None
    attempts: int

    @staticmethod
    def resolve_status_reason(obj) -> str:
        # Staff read this: a reason naming settings or commands is for administrators only.
        return obj.staff_reason


class MessageQuery(Schema):
    status: str | None = Field(None, max_length=24)
    channel: Literal["sms", "email"] | None = None
    template: str | None = Field(None, max_length=64)
    reference: str | None = Field(None, max_length=64)
    limit: Limit = 100
    offset: Offset = 0


class CheckInIn(In):
    channel: Literal["sms", "email"]
    frequency: Literal["one_off", "weekly", "fortnightly"] = "one_off"


class CheckInOut(Schema):
    id: int
    channel: str
    created_at: datetime
    expires_at: datetime
    completed_at: datetime | None
    feeling: int | None
    self_harm: str
    help_with: list[str]
    call_back: bool | None
    anything_else: str
    followed_up_at: datetime | None
    message_status: str | None


def _appointment_out(a: Appointment, crn: str) -> dict:
    return {
        "id": a.pk,
        "crn": crn,
        "kind": a.kind,
        "starts_at": a.starts_at,
        "duration_minutes": a.duration_minutes,
        "location": a.location,
        "practitioner": a.practitioner.username if a.practitioner else None,
        "outcome": a.outcome,
        "outcome_reason": a.outcome_reason,
        "moved_by": a.moved_by,
        "rescheduled_from_id": a.rescheduled_from_id,
        "welfare_checked_at": a.welfare_checked_at,
    }


def _check_in_out(c: CheckIn) -> dict:
    return {
        "id": c.pk,
        "channel": c.channel,
        "created_at": c.created_at,
        "expires_at": c.expires_at,
        "completed_at": c.completed_at,
        "feeling": c.feeling,
        "self_harm": c.self_harm,
        "help_with": c.help_with,
        "call_back": c.call_back,
        "anything_else": c.anything_else,
        "followed_up_at": c.followed_up_at,
        "message_status": c.message.status if c.message else None,
    }


# ---- appointments -------------------------------------------------------------------------


@router.get("/people/{crn}/appointments", response=list[AppointmentOut])
@requires(Capability.READ_CASES)
def list_appointments(request, crn: str):
    person = person_get_for(user=request.auth, crn=crn, channel=Channel.API)
    return [_appointment_out(a, person.crn) for a in selectors.person_appointments(person=person)]


@router.post("/people/{crn}/appointments", response={201: AppointmentOut})
@requires(Capability.CHANGE_CASES)
def create_appointment(request, crn: str, payload: AppointmentIn):
    person = person_get_for(user=request.auth, crn=crn, channel=Channel.API)
    appointment = services.appointment_create(
        person_id=person.pk,
        kind=payload.kind,
        starts_at=payload.starts_at,
        duration_minutes=payload.duration_minutes,
        location=payload.location,
        actor=request.auth,
        channel=Channel.API,
    )
    return Status(201, _appointment_out(appointment, person.crn))


@router.post("/appointments/{appointment_id}/reschedule", response={201: AppointmentOut})
@requires(Capability.CHANGE_CASES)
def reschedule_appointment(request, appointment_id: int, payload: RescheduleIn):
    appointment = services.appointment_reschedule(
        appointment_id=appointment_id,
        starts_at=payload.starts_at,
        moved_by=payload.requested_by,
        reason=payload.reason,
        duration_minutes=payload.duration_minutes,
        kind=payload.kind,
        location=payload.location,
        actor=request.auth,
        channel=Channel.API,
    )
    return Status(201, _appointment_out(appointment, appointment.person.crn))


@router.post("/appointments/{appointment_id}/cancel", response=AppointmentOut)
@requires(Capability.CHANGE_CASES)
def cancel_appointment(request, appointment_id: int, payload: CancelIn):
    appointment = services.appointment_cancel(
        appointment_id=appointment_id,
        moved_by=payload.cancelled_by,
        reason=payload.reason,
        actor=request.auth,
        channel=Channel.API,
    )
    return _appointment_out(appointment, appointment.person.crn)


@router.post("/appointments/{appointment_id}/outcome", response=AppointmentOut)
@requires(Capability.CHANGE_CASES)
def record_outcome(request, appointment_id: int, payload: OutcomeIn):
    appointment = services.appointment_record_outcome(
        appointment_id=appointment_id,
        outcome=payload.outcome,
        reason=payload.reason,
        actor=request.auth,
        channel=Channel.API,
    )
    return _appointment_out(appointment, appointment.person.crn)


# ---- reminder preferences and messages ----------------------------------------------------


def _preferences_out(person, preferences: ReminderPreferences | None) -> dict:
    return {
        "channel": preferences.channel if preferences else "none",
        "mobile": person.mobile or None,
        "email": person.email or None,
        "lead_times_hours": preferences.lead_times_hours if preferences else [],
        "summary": preferences.summary if preferences else "none",
        "consent": preferences.consent if preferences else False,
        "consent_recorded_at": preferences.consent_recorded_at if preferences else None,
        "version": preferences.version if preferences else 0,
        "person_version": person.version,
    }


@router.get("/people/{crn}/reminder-preferences", response=PreferencesOut)
@requires(Capability.READ_CASES)
def get_preferences(request, crn: str):
    person = person_get_for(user=request.auth, crn=crn, channel=Channel.API)
    return _preferences_out(person, ReminderPreferences.objects.filter(person=person).first())


@router.put("/people/{crn}/reminder-preferences", response=PreferencesOut)
@requires(Capability.CHANGE_CASES)
def put_preferences(request, crn: str, payload: PreferencesIn):
    person = person_get_for(user=request.auth, crn=crn, channel=Channel.API)
    preferences = services.reminder_preferences_save(
        person_id=person.pk,
        channel=payload.channel,
        lead_times_hours=payload.lead_times_hours,
        summary=payload.summary,
        consent=payload.consent,
        mobile=payload.mobile,
        email=payload.email,
        version=payload.version,
        person_version=payload.person_version,
        actor=request.auth,
        audit_channel=Channel.API,
    )
    person.refresh_from_db(fields=["mobile", "email", "version"])
    return _preferences_out(person, preferences)


@router.get("/people/{crn}/messages", response=list[MessageOut])
@requires(Capability.READ_CASES)
def list_messages(request, crn: str, filters: Query[MessageQuery]):
    person = person_get_for(user=request.auth, crn=crn, channel=Channel.API)
    messages = selectors.person_messages(
        person=person,
        filters={
            "status": filters.status,
            "channel": filters.channel,
            "template": filters.template,
            "reference": filters.reference,
        },
    )
    return list(messages[filters.offset : filters.offset + filters.limit])


# ---- check-ins ----------------------------------------------------------------------------


@router.post("/people/{crn}/check-ins", response={201: CheckInOut})
@requires(Capability.CHANGE_CASES)
def create_check_in(request, crn: str, payload: CheckInIn):
    """Send a check-in link to the person. The link itself goes only to them."""
    person = person_get_for(user=request.auth, crn=crn, channel=Channel.API)
    check_in = checkins.check_in_create(
        person_id=person.pk,
        channel=payload.channel,
        frequency=payload.frequency,
        actor=request.auth,
        audit_channel=Channel.API,
    )
    return Status(201, _check_in_out(check_in))


@router.get("/people/{crn}/check-ins", response=list[CheckInOut])
@requires(Capability.READ_CASES)
def list_check_ins(request, crn: str):
    person = person_get_for(user=request.auth, crn=crn, channel=Channel.API)
    rows = (
        CheckIn.objects.filter(person=person)
        .select_related("message")
        .order_by("-created_at", "-pk")
    )
    return [_check_in_out(c) for c in rows[:200]]


__all__ = ["router", "ValidationError"]
