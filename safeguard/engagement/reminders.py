"""How a person wants reminders (with their consent), and the regular summaries of what is
coming up."""

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from safeguard.core.audit import Channel
from safeguard.core.capabilities import Capability, require_capability
from safeguard.core.phones import InvalidPhoneNumber, normalise_uk_phone
from safeguard.engagement import wording
from safeguard.engagement.audit import ReminderEvent
from safeguard.engagement.models import (
    Appointment,
    MessageWording,
    ReminderChannel,
    ReminderPreferences,
    SummaryFrequency,
)
from safeguard.engagement.outbox import (
    MAX_LEAD_TIME_HOURS,
    MAX_LEAD_TIMES,
    PREFERENCE_FIELDS,
    SUMMARY_PERIOD,
    _channels_for,
    _recipient,
    _topic,
    _write_reminders,
)
from safeguard.notify import catalogue
from safeguard.notify.models import MessageKind
from safeguard.notify.services import message_enqueue, messages_withdraw
from safeguard.notify.timing import plan_send_time
from safeguard.people.deaths import not_deceased
from safeguard.people.gate import check_version, person_change, values_of

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
    wording_style: str | None = None,
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
    if wording_style is not None and wording_style not in MessageWording.values:
        errors["wording"] = ["Choose how the messages are worded"]
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
        if wording_style is not None:
            preferences.wording = wording_style
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
                style = wording.message_style(person, locked)
                lines = "\n".join(wording.summary_line(a, style) for a in appointments)
                for channel in _channels_for(person, locked):
                    when = plan_send_time(now, channel=channel, now=now)
                    message_enqueue(
                        person=person,
                        kind=MessageKind.SUMMARY,
                        template_key=catalogue.styled_key("appointments_summary", channel, style),
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
