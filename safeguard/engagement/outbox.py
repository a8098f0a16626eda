"""Reminders and notices in the outbox: when each is planned, to whom, and how an appointment's
queued reminders are written or withdrawn. Whatever changes an appointment writes or withdraws
its reminders in the same transaction, so a rolled-back change leaves no message behind and a
committed one always has its messages."""

from datetime import datetime, timedelta

from safeguard.engagement import wording
from safeguard.engagement.models import (
    ReminderPreferences,
    SummaryFrequency,
)
from safeguard.notify import catalogue
from safeguard.notify.models import MessageKind
from safeguard.notify.services import message_enqueue
from safeguard.notify.timing import plan_send_time

MAX_AHEAD_DAYS = 366
MIN_GAP_BETWEEN_REMINDERS = timedelta(minutes=60)
MAX_LEAD_TIME_HOURS = 14 * 24
MAX_LEAD_TIMES = 4
PREFERENCE_FIELDS = ("channel", "lead_times_hours", "summary", "wording", "consent")
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
    channels = _channels_for(person, preferences)
    style = wording.message_style(person, preferences) if channels else catalogue.STANDARD
    for channel in channels:
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
                template_key=catalogue.styled_key("appointment_reminder", channel, style),
                recipient=_recipient(person, channel),
                personalisation=wording.appointment_personalisation(appointment, person, style),
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
    channels = _channels_for(person, preferences)
    style = wording.message_style(person, preferences) if channels else catalogue.STANDARD
    for channel in channels:
        when = plan_send_time(now, channel=channel, now=now, deadline=appointment.starts_at)
        if when is None:
            continue
        personalisation = wording.appointment_personalisation(appointment, person, style)
        if purpose == "appointment_cancelled":
            personalisation.pop("where")
        message_enqueue(
            person=person,
            kind=MessageKind.CHANGE,
            template_key=catalogue.styled_key(purpose, channel, style),
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
