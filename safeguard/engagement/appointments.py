"""Every change to an appointment: book, move, cancel, record the outcome, record the welfare
check after a missed one. Each goes through the gate (``safeguard.people.gate``)."""

from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.utils import timezone

from safeguard.core.audit import Channel
from safeguard.core.models import Role
from safeguard.engagement.audit import AppointmentEvent
from safeguard.engagement.models import (
    ATTENDANCE_OUTCOMES,
    Appointment,
    AppointmentKind,
    MovedBy,
    Outcome,
)
from safeguard.engagement.outbox import (
    MAX_AHEAD_DAYS,
    _preferences,
    _send_notice,
    _topic,
    _write_reminders,
)
from safeguard.notify.services import messages_withdraw
from safeguard.people.gate import case_record_change, person_change
from safeguard.people.selectors import visible_people

# ---- appointments -------------------------------------------------------------------------


def _check_when(starts_at, now, field="starts_at"):
    if starts_at is None or timezone.is_naive(starts_at):
        raise ValidationError({field: ["Enter the date and time of the appointment"]})
    if starts_at <= now:
        raise ValidationError({field: ["The appointment must be in the future"]})
    if starts_at > now + timedelta(days=MAX_AHEAD_DAYS):
        raise ValidationError({field: ["The appointment must be within the next year"]})


def _check_details(kind, duration_minutes, location):
    errors = {}
    if kind not in AppointmentKind.values:
        errors["kind"] = ["Choose the kind of appointment"]
    if not isinstance(duration_minutes, int) or not 5 <= duration_minutes <= 480:
        errors["duration_minutes"] = ["The length must be between 5 and 480 minutes"]
    if kind == AppointmentKind.OFFICE and not (location or "").strip():
        errors["location"] = ["Enter where the office appointment is"]
    if len(location or "") > 200:
        errors["location"] = ["The place must be 200 characters or fewer"]
    if errors:
        raise ValidationError(errors)


def _check_practitioner(practitioner, person):
    if practitioner is None:
        return
    if not practitioner.is_active or practitioner.role not in (
        Role.PRACTITIONER,
        Role.SENIOR_PROBATION_OFFICER,
    ):
        raise ValidationError({"practitioner": ["Choose a practitioner in the person's team"]})
    if not visible_people(practitioner).filter(pk=person.pk).exists():
        raise ValidationError({"practitioner": ["That practitioner cannot see this case"]})


def appointment_create(
    *,
    person_id: int,
    kind: str,
    starts_at: datetime,
    duration_minutes: int = 60,
    location: str = "",
    practitioner=None,
    actor,
    channel: str = Channel.WEB,
    now=None,
) -> Appointment:
    """Book an appointment and write its reminders to the outbox."""
    now = now or timezone.now()
    with person_change(actor=actor, person_id=person_id, channel=channel) as change:
        person = change.person
        _check_details(kind, duration_minutes, location)
        _check_when(starts_at, now)
        if practitioner is None:
            practitioner = person.practitioner
        if practitioner is None and actor.role in (
            Role.PRACTITIONER,
            Role.SENIOR_PROBATION_OFFICER,
        ):
            practitioner = actor
        _check_practitioner(practitioner, person)
        appointment = Appointment.objects.create(
            person=person,
            kind=kind,
            location=(location or "").strip(),
            starts_at=starts_at,
            duration_minutes=duration_minutes,
            practitioner=practitioner,
            created_by=actor,
        )
        reminders = _write_reminders(appointment, person, _preferences(person), now=now)
        change.record(
            AppointmentEvent.BOOKED,
            record=appointment,
            new={"kind": kind, "starts_at": starts_at, "reminders": reminders},
            detail=f"booked appointment {appointment.pk} ({kind}); {reminders} reminders",
        )
    return appointment


def _check_open(appointment):
    if appointment.outcome:
        raise ValidationError(
            {"appointment": ["This appointment already has an outcome and cannot be changed"]}
        )
    return appointment


def _check_mover_and_reason(moved_by, reason):
    errors = {}
    if moved_by not in MovedBy.values:
        errors["moved_by"] = ["Say who asked for the change: probation or the person"]
    if not (reason or "").strip():
        errors["reason"] = ["Enter the reason"]
    elif len(reason) > 500:
        errors["reason"] = ["The reason must be 500 characters or fewer"]
    if errors:
        raise ValidationError(errors)


def appointment_reschedule(
    *,
    appointment_id: int,
    starts_at: datetime,
    moved_by: str,
    reason: str,
    duration_minutes: int | None = None,
    kind: str | None = None,
    location: str | None = None,
    actor,
    channel: str = Channel.WEB,
    now=None,
) -> Appointment:
    """Move an appointment: the old one ends as rescheduled, a new one carries on the chain.
    Queued reminders of the old one are withdrawn; the person is told of the new time."""
    now = now or timezone.now()
    with case_record_change(
        Appointment.objects, pk=appointment_id, actor=actor, channel=channel
    ) as (change, old):
        person = change.person
        _check_mover_and_reason(moved_by, reason)
        _check_when(starts_at, now)
        _check_open(old)
        kind = kind or old.kind
        duration_minutes = duration_minutes or old.duration_minutes
        location = old.location if location is None else location
        _check_details(kind, duration_minutes, location)
        old.outcome = Outcome.RESCHEDULED
        old.moved_by = moved_by
        old.outcome_reason = reason.strip()
        old.outcome_recorded_at = now
        old.outcome_recorded_by = actor
        old.version += 1
        old._change_reason = f"Rescheduled by {moved_by}"
        old.save()
        new = Appointment.objects.create(
            person=person,
            kind=kind,
            location=location.strip(),
            starts_at=starts_at,
            duration_minutes=duration_minutes,
            practitioner=old.practitioner,
            rescheduled_from=old,
            created_by=actor,
        )
        withdrawn = messages_withdraw(
            topic=_topic(old), reason="Withdrawn: the appointment was moved", now=now
        )
        preferences = _preferences(person)
        told_at = _send_notice(new, person, preferences, "appointment_moved", now=now)
        _write_reminders(new, person, preferences, now=now, told_at=told_at)
        change.record(
            AppointmentEvent.MOVED,
            record=old,
            old={"starts_at": old.starts_at},
            new={"starts_at": new.starts_at, "appointment": new.pk, "moved_by": moved_by},
            detail=f"moved appointment {old.pk} to {new.pk} ({moved_by}); {withdrawn} withdrawn",
        )
    return new


def appointment_cancel(
    *,
    appointment_id: int,
    moved_by: str,
    reason: str,
    actor,
    channel: str = Channel.WEB,
    now=None,
) -> Appointment:
    now = now or timezone.now()
    with case_record_change(
        Appointment.objects, pk=appointment_id, actor=actor, channel=channel
    ) as (change, appointment):
        person = change.person
        _check_mover_and_reason(moved_by, reason)
        _check_open(appointment)
        appointment.outcome = (
            Outcome.CANCELLED_BY_PROBATION
            if moved_by == MovedBy.PROBATION
            else Outcome.CANCELLED_BY_PERSON
        )
        appointment.moved_by = moved_by
        appointment.outcome_reason = reason.strip()
        appointment.outcome_recorded_at = now
        appointment.outcome_recorded_by = actor
        appointment.version += 1
        appointment._change_reason = f"Cancelled by {moved_by}"
        appointment.save()
        withdrawn = messages_withdraw(
            topic=_topic(appointment), reason="Withdrawn: the appointment was cancelled", now=now
        )
        if appointment.starts_at > now:
            _send_notice(
                appointment, person, _preferences(person), "appointment_cancelled", now=now
            )
        change.record(
            AppointmentEvent.CANCELLED,
            record=appointment,
            new={"outcome": appointment.outcome, "moved_by": moved_by},
            detail=f"cancelled appointment {appointment.pk} ({moved_by}); {withdrawn} withdrawn",
        )
    return appointment


def appointment_record_outcome(
    *,
    appointment_id: int,
    outcome: str,
    reason: str = "",
    actor,
    channel: str = Channel.WEB,
    now=None,
) -> Appointment:
    """Attended, failed to attend or an acceptable absence, once the appointment has begun."""
    now = now or timezone.now()
    with case_record_change(
        Appointment.objects, pk=appointment_id, actor=actor, channel=channel
    ) as (change, appointment):
        return _record_outcome(change, appointment, outcome, reason, actor, now)


def _record_outcome(change, appointment, outcome, reason, actor, now) -> Appointment:
    if outcome not in ATTENDANCE_OUTCOMES:
        raise ValidationError(
            {"outcome": ["Choose attended, failed to attend or acceptable absence"]}
        )
    if outcome == Outcome.ACCEPTABLE_ABSENCE and not (reason or "").strip():
        raise ValidationError({"reason": ["Enter why the absence is acceptable"]})
    if len(reason or "") > 500:
        raise ValidationError({"reason": ["The reason must be 500 characters or fewer"]})
    _check_open(appointment)
    if appointment.starts_at > now:
        raise ValidationError(
            {"outcome": ["You can record an outcome once the appointment has started"]}
        )
    appointment.outcome = outcome
    appointment.outcome_reason = (reason or "").strip()
    appointment.outcome_recorded_at = now
    appointment.outcome_recorded_by = actor
    appointment.version += 1
    appointment._change_reason = f"Outcome: {outcome}"
    appointment.save()
    messages_withdraw(topic=_topic(appointment), reason="Withdrawn: outcome recorded", now=now)
    change.record(
        AppointmentEvent.OUTCOME_RECORDED,
        record=appointment,
        new={"outcome": outcome},
        detail=f"appointment {appointment.pk} outcome: {outcome}",
    )
    return appointment


def appointment_welfare_checked(
    *, appointment_id: int, note: str, actor, channel: str = Channel.WEB, now=None
) -> Appointment:
    """Record the welfare follow-up after a missed appointment (clears its work item)."""
    now = now or timezone.now()
    with case_record_change(
        Appointment.objects, pk=appointment_id, actor=actor, channel=channel
    ) as (change, appointment):
        if not (note or "").strip():
            raise ValidationError({"note": ["Enter what you did to check on the person"]})
        if appointment.outcome != Outcome.FAILED_TO_ATTEND:
            raise ValidationError(
                {"appointment": ["Only a missed appointment needs a welfare check"]}
            )
        appointment.welfare_checked_at = now
        appointment.welfare_checked_by = actor
        appointment.welfare_note = note.strip()[:500]
        appointment.version += 1
        appointment.save()
        change.record(
            AppointmentEvent.WELFARE_CHECKED,
            record=appointment,
            detail=f"welfare check after missed appointment {appointment.pk}",
        )
    return appointment
