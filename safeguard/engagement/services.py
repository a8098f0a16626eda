"""Every change to appointments, reminder preferences and travel support.

The outbox rule: whatever changes an appointment writes or withdraws its reminders in the same
transaction, so a rolled-back change leaves no message behind and a committed one always has
its messages. Each function locks what it changes, checks the actor may change the case, writes
the access log in the same transaction and refreshes the case's work items after commit.
"""

from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from safeguard.core.audit import Channel
from safeguard.core.capabilities import Capability, require_capability
from safeguard.core.models import Role
from safeguard.core.phones import InvalidPhoneNumber, normalise_uk_phone
from safeguard.engagement import wording
from safeguard.engagement.audit import AppointmentEvent, ReminderEvent, TravelEvent
from safeguard.engagement.models import (
    ATTENDANCE_OUTCOMES,
    Appointment,
    AppointmentKind,
    MovedBy,
    Outcome,
    ReminderChannel,
    ReminderPreferences,
    SummaryFrequency,
    TravelMode,
    TravelStatus,
    TravelSupportRequest,
)
from safeguard.notify.models import MessageKind
from safeguard.notify.services import message_enqueue, messages_withdraw
from safeguard.notify.timing import plan_send_time
from safeguard.people.deaths import not_deceased
from safeguard.people.gate import case_record_change, check_version, person_change, values_of
from safeguard.people.selectors import visible_people

MAX_AHEAD_DAYS = 366
MIN_GAP_BETWEEN_REMINDERS = timedelta(minutes=60)
MAX_LEAD_TIME_HOURS = 14 * 24
MAX_LEAD_TIMES = 4
PREFERENCE_FIELDS = ("channel", "lead_times_hours", "summary", "consent")
SUMMARY_PERIOD = {SummaryFrequency.WEEKLY: 7, SummaryFrequency.FORTNIGHTLY: 14}


def _topic(appointment) -> str:
    return f"appointment:{appointment.pk}"


# ---- reminders in the outbox --------------------------------------------------------------


def plan_reminder_times(
    *, starts_at: datetime, lead_times_hours, channel: str, now: datetime, told_at=None
) -> list[datetime]:
    """When to send an appointment's reminders.

    One per lead time, moved out of quiet hours for texts, never after the appointment starts.
    A lead time already past when the appointment is made becomes "now" (a short-notice
    appointment still gets a reminder while it is ahead). Reminders that would land within an
    hour of each other, or of a notice just sent (``told_at``), collapse into one."""
    planned = []
    for hours in sorted(set(lead_times_hours), reverse=True):
        when = plan_send_time(
            starts_at - timedelta(hours=hours), channel=channel, now=now, deadline=starts_at
        )
        if when is not None:
            planned.append(when)
    kept: list[datetime] = []
    last = told_at
    for when in sorted(planned):
        if last is not None and when - last < MIN_GAP_BETWEEN_REMINDERS:
            continue
        kept.append(when)
        last = when
    return kept


def _recipient(person, channel) -> str:
    return person.mobile if channel == "sms" else person.email


def _channels_for(person, preferences) -> list[str]:
    if preferences is None:
        return []
    return [c for c in preferences.channels if _recipient(person, c)]


def _write_reminders(appointment, person, preferences, *, now, told_at=None) -> int:
    count = 0
    if appointment.starts_at <= now:
        return 0
    for channel in _channels_for(person, preferences):
        for when in plan_reminder_times(
            starts_at=appointment.starts_at,
            lead_times_hours=preferences.lead_times_hours,
            channel=channel,
            now=now,
            told_at=told_at,
        ):
            message_enqueue(
                person=person,
                kind=MessageKind.REMINDER,
                template_key=f"appointment_reminder_{channel}",
                recipient=_recipient(person, channel),
                personalisation=wording.appointment_personalisation(appointment, person),
                send_after=when,
                scheduled_for=when,
                send_by=appointment.starts_at,
                topic=_topic(appointment),
            )
            count += 1
    return count


def _send_notice(appointment, person, preferences, purpose: str, *, now) -> datetime | None:
    """Tell the person at once (outside quiet hours) that an appointment moved or was cancelled.
    Returns when the notice goes, or None if none is sent."""
    sent_at = None
    for channel in _channels_for(person, preferences):
        when = plan_send_time(now, channel=channel, now=now, deadline=appointment.starts_at)
        if when is None:
            continue
        personalisation = wording.appointment_personalisation(appointment, person)
        if purpose == "appointment_cancelled":
            personalisation.pop("where")
        message_enqueue(
            person=person,
            kind=MessageKind.CHANGE,
            template_key=f"{purpose}_{channel}",
            recipient=_recipient(person, channel),
            personalisation=personalisation,
            send_after=when,
            send_by=appointment.starts_at,
            topic=_topic(appointment),
        )
        sent_at = when if sent_at is None else min(sent_at, when)
    return sent_at


def _preferences(person) -> ReminderPreferences | None:
    return ReminderPreferences.objects.filter(person=person).first()


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


# ---- reminder preferences -----------------------------------------------------------------


def clean_lead_times(lead_times) -> list[int]:
    if not isinstance(lead_times, list | tuple) or not lead_times:
        raise ValidationError({"lead_times_hours": ["Choose at least one reminder time"]})
    if len(lead_times) > MAX_LEAD_TIMES:
        raise ValidationError(
            {"lead_times_hours": [f"Choose at most {MAX_LEAD_TIMES} reminder times"]}
        )
    cleaned = []
    for value in lead_times:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValidationError({"lead_times_hours": ["Reminder times are whole hours"]})
        if not 1 <= value <= MAX_LEAD_TIME_HOURS:
            raise ValidationError(
                {"lead_times_hours": ["Reminder times must be between 1 hour and 14 days before"]}
            )
        cleaned.append(value)
    return sorted(set(cleaned), reverse=True)


def reminder_preferences_save(
    *,
    person_id: int,
    channel: str,
    lead_times_hours,
    summary: str,
    consent: bool,
    mobile: str | None = None,
    email: str | None = None,
    version: int | None = None,
    person_version: int | None = None,
    actor,
    audit_channel: str = Channel.WEB,
    now=None,
) -> ReminderPreferences:
    """Record how the person wants reminders, with their consent, and rebuild the queued
    reminders of their upcoming appointments to match. ``mobile``/``email`` (when given) update
    the person's contact details. ``version`` is the version of the preferences the edit
    started from (0 when the person has none yet) and ``person_version`` that of the person's
    record, which holds the mobile and email: a stale or missing one is refused, so that a
    correction made meanwhile is never silently undone."""
    require_capability(actor, Capability.CHANGE_CASES)
    now = now or timezone.now()
    errors = {}
    if channel not in ReminderChannel.values:
        errors["channel"] = ["Choose text message, email, both or no reminders"]
    if summary not in SummaryFrequency.values:
        errors["summary"] = ["Choose weekly, every 2 weeks or no summary"]
    wants_messages = channel != ReminderChannel.NONE or summary != SummaryFrequency.NONE
    if wants_messages and consent is not True:
        errors["consent"] = ["The person must agree to reminders before any are sent"]
    contact_changes = {}
    if mobile is not None and mobile.strip():
        try:
            contact_changes["mobile"] = normalise_uk_phone(mobile, mobile_only=True)
        except InvalidPhoneNumber:
            errors["mobile"] = ["Enter a UK mobile number, like 07700 900 982"]
    elif mobile is not None:
        contact_changes["mobile"] = ""
    if email is not None and email.strip():
        try:
            validate_email(email.strip())
            contact_changes["email"] = email.strip()
        except ValidationError:
            errors["email"] = [
                "Enter an email address in the correct format, like name@example.com"
            ]
    elif email is not None:
        contact_changes["email"] = ""
    try:
        lead_times = clean_lead_times(lead_times_hours) if channel != ReminderChannel.NONE else []
    except ValidationError as exc:
        errors.update(exc.message_dict)
        lead_times = []
    if errors:
        raise ValidationError(errors)

    from safeguard.people.services import person_update_details

    with person_change(actor=actor, person_id=person_id, channel=audit_channel) as change:
        person = change.person
        preferences = ReminderPreferences.objects.select_for_update().filter(person=person).first()
        check_version(preferences.version if preferences else 0, version)
        changed = {k: v for k, v in contact_changes.items() if getattr(person, k) != v}
        if changed:
            person = person_update_details(
                person_id=person.pk,
                version=person_version,
                changes=changed,
                actor=actor,
                channel=audit_channel,
            )
        final = {
            "mobile": person.mobile,
            "email": person.email,
        }
        if channel in (ReminderChannel.SMS, ReminderChannel.BOTH) and not final["mobile"]:
            raise ValidationError({"mobile": ["Enter a mobile number for text reminders"]})
        if channel in (ReminderChannel.EMAIL, ReminderChannel.BOTH) and not final["email"]:
            raise ValidationError({"email": ["Enter an email address for email reminders"]})
        old = values_of(preferences, PREFERENCE_FIELDS) if preferences else {}
        if preferences is None:
            preferences = ReminderPreferences(person=person, recorded_by=actor)
        else:
            preferences.version += 1
        consent_now = bool(consent) and wants_messages
        if consent_now and not preferences.consent:
            preferences.consent_recorded_at = now
        if not consent_now:
            preferences.consent_recorded_at = None
        preferences.channel = channel
        preferences.lead_times_hours = lead_times
        preferences.summary = summary
        preferences.consent = consent_now
        preferences.recorded_by = actor
        preferences.save()

        # Rebuild the reminders of upcoming appointments: withdraw what is queued, write anew.
        upcoming = list(
            Appointment.objects.filter(person=person, outcome="", starts_at__gt=now).select_related(
                "practitioner"
            )
        )
        written = 0
        for appointment in upcoming:
            messages_withdraw(
                topic=_topic(appointment),
                reason="Withdrawn: reminder preferences changed",
                kinds=[MessageKind.REMINDER],
                now=now,
            )
            written += _write_reminders(appointment, person, preferences, now=now)
        change.record(
            ReminderEvent.PREFERENCES_SAVED,
            record=preferences,
            old=old,
            new=values_of(preferences, PREFERENCE_FIELDS),
            detail=f"reminder preferences: {channel}, {lead_times}, summary {summary}, "
            f"consent {consent_now}; {written} reminders queued",
        )
    return preferences


def summaries_send_due(*, now=None, limit=5000) -> int:
    """Weekly or fortnightly summaries of upcoming appointments, for those who asked for them.
    Idempotent: a summary goes at most once per period."""
    now = now or timezone.now()
    sent = 0
    for frequency, days in SUMMARY_PERIOD.items():
        due = (
            ReminderPreferences.objects.filter(consent=True, summary=frequency)
            .filter(not_deceased("person_id"))
            .filter(_last_summary_before(now - timedelta(days=days, hours=-12)))
            .select_related("person")
            .order_by("pk")[:limit]
        )
        for preferences in due:
            with transaction.atomic():
                locked = (
                    ReminderPreferences.objects.select_for_update()
                    .filter(pk=preferences.pk)
                    .filter(not_deceased("person_id"))
                    .filter(_last_summary_before(now - timedelta(days=days, hours=-12)))
                    .first()
                )
                if locked is None:
                    continue
                person = preferences.person
                appointments = list(
                    Appointment.objects.filter(
                        person=person,
                        outcome="",
                        starts_at__gt=now,
                        starts_at__lte=now + timedelta(days=days),
                    ).order_by("starts_at")
                )
                locked.last_summary_at = now
                locked.save(update_fields=["last_summary_at", "updated_at"])
                if not appointments:
                    continue
                lines = "\n".join(wording.summary_line(a) for a in appointments)
                for channel in _channels_for(person, locked):
                    when = plan_send_time(now, channel=channel, now=now)
                    message_enqueue(
                        person=person,
                        kind=MessageKind.SUMMARY,
                        template_key=f"appointments_summary_{channel}",
                        recipient=_recipient(person, channel),
                        personalisation={
                            "first_name": person.first_name,
                            "period": "week" if days == 7 else "2 weeks",
                            "appointments": lines,
                        },
                        send_after=when,
                        send_by=appointments[0].starts_at,
                        topic=f"summary:{person.pk}",
                    )
                    sent += 1
    return sent


def _last_summary_before(moment) -> Q:
    return Q(last_summary_at__isnull=True) | Q(last_summary_at__lte=moment)


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
