"""Remote check-ins: a link by text or email, answered on the person's own phone without
signing in.

The link carries 32 random bytes and nothing else; only their SHA-256 is stored, so a copy of
the database cannot be used to answer for someone. A link works until it expires
(``CHECK_IN_LINK_HOURS``) and until the answers are sent. A "yes" to thoughts of self-harm is
acted on the moment it is given, not when the form is finished: the person sees crisis contacts
at once, and an urgent work item goes to their practitioner (and, out of office hours, to the
team's senior probation officer too).
"""

import hashlib
import logging
import secrets
from datetime import time, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from safeguard.core.audit import Action, Channel, access_log_record
from safeguard.core.calendar import is_working_day
from safeguard.core.capabilities import Capability, require_capability
from safeguard.engagement import wording
from safeguard.engagement.audit import CheckInEvent
from safeguard.engagement.models import (
    HELP_TOPICS,
    CheckIn,
    CheckInFrequency,
    CheckInSchedule,
    SelfHarmAnswer,
)
from safeguard.notify import catalogue
from safeguard.notify.models import MessageKind
from safeguard.notify.services import message_enqueue, messages_withdraw
from safeguard.notify.timing import plan_send_time
from safeguard.people.deaths import not_deceased
from safeguard.people.gate import after_work_refresh, case_record_change, person_change

logger = logging.getLogger(__name__)

FREQUENCY_DAYS = {CheckInFrequency.WEEKLY: 7, CheckInFrequency.FORTNIGHTLY: 14}
OFFICE_OPENS = time(8, 0)
OFFICE_CLOSES = time(18, 0)
STEPS = ("feeling", "self_harm", "help", "call_back", "anything_else")
HELP_VALUES = {value for value, _ in HELP_TOPICS}
MAX_TEXT = 2000


def _raise_items_on_commit(person_id: int, today):
    """After the person's answer commits, raise the check-in work items at once.

    Only the check-in rules run here, and a failure is logged rather than shown: the person
    must see the crisis contacts whatever happens to the work-item engine. The periodic
    ``safeguarding_scan`` catches up with everything else."""
    from safeguard.core import workitems

    def run():
        for rule in workitems.all_rules():
            if rule.code.startswith("check_in_"):
                try:
                    workitems.scan(rule, today=today, person_ids=[person_id])
                except Exception:  # noqa: BLE001 - see above
                    logger.exception("Could not raise %s for person %s", rule.code, person_id)
        # Then at once what follows new work (an email alert about the urgent item).
        after_work_refresh([person_id])

    transaction.on_commit(run)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def in_office_hours(moment) -> bool:
    local = timezone.localtime(moment)
    return is_working_day(local.date()) and OFFICE_OPENS <= local.time() < OFFICE_CLOSES


def check_in_link(token: str) -> str:
    return f"{settings.SAFEGUARD_PUBLIC_URL}/check-in/{token}"


def link_recipient(person, channel: str) -> str:
    """The person's mobile or email for a link they are sent, or the form's error."""
    recipient = person.mobile if channel == "sms" else person.email
    if not recipient:
        what = "mobile number" if channel == "sms" else "email address"
        raise ValidationError({"channel": [f"Record the person's {what} first"]})
    return recipient


def link_message_enqueue(
    *, person, record, kind, template_prefix: str, channel, recipient, link: str, now, topic
):
    """Queue the message that carries a single-use link (a check-in, a safety plan) to the
    person, sent by the time the link expires, and attach it to ``record``."""
    expires_at = record.expires_at
    from safeguard.engagement.models import ReminderPreferences

    style = wording.message_style(person, ReminderPreferences.objects.filter(person=person).first())
    record.message = message_enqueue(
        person=person,
        kind=kind,
        template_key=catalogue.styled_key(template_prefix, channel, style),
        recipient=recipient,
        personalisation={
            "first_name": person.first_name,
            "link": link,
            "expires": f"{wording.day_text(expires_at)} at {wording.time_text(expires_at)}",
        },
        send_after=plan_send_time(now, channel=channel, now=now, deadline=expires_at),
        send_by=expires_at,
        topic=topic,
    )
    record.save(update_fields=["message"])


def _issue(*, person, channel, actor, schedule=None, now) -> CheckIn:
    """Make a check-in and queue its link. Inside the caller's transaction."""
    recipient = link_recipient(person, channel)
    token = secrets.token_urlsafe(32)
    check_in = CheckIn.objects.create(
        person=person,
        schedule=schedule,
        token_hash=token_hash(token),
        channel=channel,
        created_by=actor,
        expires_at=now + timedelta(hours=settings.CHECK_IN_LINK_HOURS),
    )
    link_message_enqueue(
        person=person,
        record=check_in,
        kind=MessageKind.CHECK_IN,
        template_prefix="check_in_link",
        channel=channel,
        recipient=recipient,
        link=check_in_link(token),
        now=now,
        topic=f"check_in:{check_in.pk}",
    )
    # Kept only in memory, for the caller (a test, or the practitioner's own preview).
    check_in.token = token
    return check_in


def check_in_create(
    *,
    person_id: int,
    channel: str,
    frequency: str = CheckInFrequency.ONE_OFF,
    actor,
    audit_channel: str = Channel.WEB,
    now=None,
) -> CheckIn:
    """Send a check-in now; for weekly or fortnightly ones, also set up the schedule."""
    require_capability(actor, Capability.CHANGE_CASES)
    now = now or timezone.now()
    errors = {}
    if channel not in ("sms", "email"):
        errors["channel"] = ["Choose text message or email"]
    if frequency not in CheckInFrequency.values:
        errors["frequency"] = ["Choose once, every week or every 2 weeks"]
    if errors:
        raise ValidationError(errors)
    with person_change(actor=actor, person_id=person_id, channel=audit_channel) as change:
        person = change.person
        schedule = None
        if frequency != CheckInFrequency.ONE_OFF:
            CheckInSchedule.objects.filter(person=person, active=True).update(
                active=False, ended_at=now
            )
            schedule = CheckInSchedule.objects.create(
                person=person,
                frequency=frequency,
                channel=channel,
                next_due_at=now + timedelta(days=FREQUENCY_DAYS[frequency]),
                created_by=actor,
            )
        check_in = _issue(person=person, channel=channel, actor=actor, schedule=schedule, now=now)
        change.record(
            CheckInEvent.SENT, record=check_in, new={"channel": channel, "frequency": frequency}
        )
    return check_in


def check_in_schedule_stop(*, person_id: int, actor, audit_channel: str = Channel.WEB) -> int:
    with person_change(actor=actor, person_id=person_id, channel=audit_channel) as change:
        stopped = CheckInSchedule.objects.filter(person=change.person, active=True).update(
            active=False, ended_at=timezone.now()
        )
        change.record(CheckInEvent.SCHEDULE_STOPPED, new={"schedules_stopped": stopped})
    return stopped


def check_ins_send_due(*, now=None, limit=5000) -> int:
    """Send the check-ins that schedules have made due. Idempotent (run by the sweep)."""
    now = now or timezone.now()
    sent = 0
    due_ids = list(
        CheckInSchedule.objects.filter(active=True, next_due_at__lte=now)
        .filter(not_deceased("person_id"))  # never a link to someone who has died
        .order_by("next_due_at")
        .values_list("pk", flat=True)[:limit]
    )
    for schedule_id in due_ids:
        with transaction.atomic():
            schedule = (
                CheckInSchedule.objects.select_for_update()
                .select_related("person", "created_by")
                .filter(pk=schedule_id, active=True, next_due_at__lte=now)
                .filter(not_deceased("person_id"))
                .first()
            )
            if schedule is None:
                continue
            period = timedelta(days=FREQUENCY_DAYS[schedule.frequency])
            while schedule.next_due_at <= now:
                schedule.next_due_at += period
            schedule.save(update_fields=["next_due_at"])
            try:
                _issue(
                    person=schedule.person,
                    channel=schedule.channel,
                    actor=schedule.created_by,
                    schedule=schedule,
                    now=now,
                )
            except ValidationError:
                continue  # no contact details now; the next one will try again
            sent += 1
    return sent


# ---- the person's side: no sign-in --------------------------------------------------------


def check_in_by_token(token: str, *, now=None) -> CheckIn | None:
    """The check-in this link opens, or None if unknown, used or expired (all alike)."""
    if not token or len(token) > 100:
        return None
    now = now or timezone.now()
    check_in = (
        CheckIn.objects.select_related("person")
        .filter(token_hash=token_hash(token), completed_at__isnull=True, expires_at__gt=now)
        .filter(not_deceased("person_id"))
        .first()
    )
    return check_in


def _clean_answer(step: str, data) -> dict:
    if step == "feeling":
        try:
            value = int(data.get("feeling", ""))
        except (TypeError, ValueError):
            value = None
        if value not in (1, 2, 3, 4, 5):
            raise ValidationError({"feeling": ["Choose how you are feeling"]})
        return {"feeling": value}
    if step == "self_harm":
        value = data.get("self_harm", "")
        if value not in SelfHarmAnswer.values:
            raise ValidationError({"self_harm": ["Choose yes, no or I would rather not say"]})
        return {"self_harm": value}
    if step == "help":
        values = data.getlist("help") if hasattr(data, "getlist") else data.get("help", [])
        values = [v for v in values if v != "none"]
        if not isinstance(values, list) or any(v not in HELP_VALUES for v in values):
            raise ValidationError({"help": ["Choose from the list"]})
        return {"help_with": sorted(set(values))}
    if step == "call_back":
        value = data.get("call_back", "")
        if value not in ("yes", "no"):
            raise ValidationError({"call_back": ["Choose yes or no"]})
        return {"call_back": value == "yes"}
    if step == "anything_else":
        value = (data.get("anything_else") or "").strip()
        if len(value) > MAX_TEXT:
            raise ValidationError({"anything_else": [f"Write {MAX_TEXT} characters or fewer"]})
        return {"anything_else": value}
    raise ValidationError({"step": ["Unknown question"]})


def check_in_answer(*, check_in_id: int, step: str, data, now=None) -> CheckIn | None:
    """Save one answer. None if the link stopped working meanwhile."""
    now = now or timezone.now()
    changes = _clean_answer(step, data)
    with transaction.atomic():
        check_in = (
            CheckIn.objects.select_for_update()
            .select_related("person")
            .filter(pk=check_in_id, completed_at__isnull=True, expires_at__gt=now)
            .filter(not_deceased("person_id"))
            .first()
        )
        if check_in is None:
            return None
        fields = list(changes)
        for field, value in changes.items():
            setattr(check_in, field, value)
        if check_in.started_at is None:
            check_in.started_at = now
            fields.append("started_at")
        if check_in.self_harm == SelfHarmAnswer.YES and check_in.self_harm_reported_at is None:
            check_in.self_harm_reported_at = now
            check_in.out_of_hours = not in_office_hours(now)
            fields += ["self_harm_reported_at", "out_of_hours"]
            access_log_record(
                actor=None,
                action=Action.CHANGE_PERSON,
                channel=Channel.WEB,
                person=check_in.person,
                detail=f"check-in {check_in.pk}: the person reported thoughts of self-harm",
                event=CheckInEvent.SELF_HARM_REPORTED,
                changes={"record": f"checkin:{check_in.pk}"},
            )
            _raise_items_on_commit(check_in.person_id, timezone.localdate(now))
        check_in.save(update_fields=fields)
    return check_in


def check_in_submit(*, check_in_id: int, now=None) -> CheckIn | None:
    """Send the answers: the link stops working."""
    now = now or timezone.now()
    with transaction.atomic():
        check_in = (
            CheckIn.objects.select_for_update()
            .select_related("person")
            .filter(pk=check_in_id, completed_at__isnull=True, expires_at__gt=now)
            .filter(not_deceased("person_id"))
            .first()
        )
        if check_in is None:
            return None
        if check_in.feeling is None or not check_in.self_harm:
            raise ValidationError({"check_in": ["Answer the first 2 questions before sending"]})
        check_in.completed_at = now
        check_in.started_at = check_in.started_at or now
        check_in.save(update_fields=["completed_at", "started_at"])
        access_log_record(
            actor=None,
            action=Action.CHANGE_PERSON,
            channel=Channel.WEB,
            person=check_in.person,
            detail=f"check-in {check_in.pk} answered by the person",
            event=CheckInEvent.ANSWERED,
            changes={"record": f"checkin:{check_in.pk}"},
        )
        _raise_items_on_commit(check_in.person_id, timezone.localdate(now))
    return check_in


def check_in_follow_up(
    *, check_in_id: int, note: str, actor, channel: str = Channel.WEB, now=None
) -> CheckIn:
    """The practitioner has acted on the check-in (or on its being missed)."""
    now = now or timezone.now()
    with case_record_change(CheckIn.objects, pk=check_in_id, actor=actor, channel=channel) as (
        change,
        check_in,
    ):
        if not (note or "").strip():
            raise ValidationError({"note": ["Enter what you did"]})
        if len(note) > 500:
            raise ValidationError({"note": ["Write 500 characters or fewer"]})
        if check_in.followed_up_at:
            raise ValidationError({"note": ["This check-in has already been followed up"]})
        check_in.followed_up_at = now
        check_in.followed_up_by = actor
        check_in.follow_up_note = note.strip()
        check_in.save(update_fields=["followed_up_at", "followed_up_by", "follow_up_note"])
        if check_in.completed_at is None:
            # The link is no longer wanted: stop it being sent if it has not gone yet.
            messages_withdraw(topic=f"check_in:{check_in.pk}", reason="Withdrawn: followed up")
        change.record(CheckInEvent.FOLLOWED_UP, record=check_in)
    return check_in
