"""Every write of this area: the duty rota (staff), acknowledging an alert (staff), and the
sweeps that alert and escalate (the system).

The sweeps are set-based in what they look for (one query finds every open urgent item with no
alert, or every alert due to escalate); each one found is then written in its own short
transaction with its row locked, so that two sweeps at once still alert each item once.
"""

import logging
from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.http import Http404
from django.utils import timezone

from safeguard.alerts import policy, selectors
from safeguard.alerts.audit import AlertEvent, DutyRotaEvent
from safeguard.alerts.models import (
    Alert,
    AlertEmail,
    AlertStatus,
    DutyRotaEntry,
    EmailReason,
)
from safeguard.core.audit import Action, Channel, access_log_record, access_log_refusal
from safeguard.core.capabilities import Capability, require_capability
from safeguard.core.dates import govuk_time
from safeguard.core.errors import IllegalTransition
from safeguard.core.models import (
    PDU,
    Team,
    WorkItem,
    WorkItemPriority,
    WorkItemStatus,
)
from safeguard.notify.models import MessageKind, MessageStatus
from safeguard.notify.services import message_enqueue, messages_withdraw
from safeguard.people.deaths import not_deceased
from safeguard.people.gate import case_record_change

logger = logging.getLogger(__name__)

SWEEP_LIMIT = 500
# An alert email that ended in one of these did not reach anyone.
UNDELIVERED = (
    MessageStatus.PERMANENT_FAILURE,
    MessageStatus.FAILED,
    MessageStatus.SKIPPED,
    MessageStatus.WITHDRAWN,
)
MAX_DUTY_DAYS = 31


# ---- the duty rota ---------------------------------------------------------------------------


def duty_rota_entry_add(
    *,
    staff_id: int,
    starts_at: datetime,
    ends_at: datetime,
    actor,
    team_id: int | None = None,
    pdu_id: int | None = None,
    channel: str = Channel.WEB,
    now: datetime | None = None,
) -> DutyRotaEntry:
    """Put someone on duty for a team or a PDU. Refused: an end not after the start, an end
    already past, more than 31 days at once, someone not in the team or PDU, and an entry that
    overlaps another on the same rota (who is on duty must never be in doubt)."""
    require_capability(actor, Capability.MANAGE_DUTY_ROTA)
    now = now or timezone.now()
    if (team_id is None) == (pdu_id is None):
        raise ValueError("A rota entry is for a team or for a PDU")
    if timezone.is_naive(starts_at) or timezone.is_naive(ends_at):
        raise ValueError("Duty times must be timezone-aware")
    errors = {}
    if ends_at <= starts_at:
        errors["ends_on"] = ["The end must be after the start"]
    elif ends_at <= now:
        errors["ends_on"] = ["The end must be in the future"]
    elif (ends_at - starts_at).days > MAX_DUTY_DAYS:
        errors["ends_on"] = [f"A duty period can be at most {MAX_DUTY_DAYS} days"]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        # Lock the team (or PDU) row: two people adding entries at once cannot both miss the
        # other's overlap.
        if team_id is not None:
            unit = selectors.managed_team(actor, team_id)
            Team.objects.select_for_update().filter(pk=unit.pk).first()
            members = selectors.rota_members(team=unit)
            same_rota = Q(team=unit)
        else:
            unit = selectors.managed_pdu(actor, pdu_id)
            PDU.objects.select_for_update().filter(pk=unit.pk).first()
            members = selectors.rota_members(pdu=unit)
            same_rota = Q(pdu=unit)
        staff = members.filter(pk=staff_id).first()
        if staff is None:
            where = "team" if team_id is not None else "PDU"
            raise ValidationError({"staff": [f"Choose someone who works in this {where}"]})
        clash = (
            DutyRotaEntry.objects.filter(same_rota, starts_at__lt=ends_at, ends_at__gt=starts_at)
            .select_related("staff")
            .first()
        )
        if clash is not None:
            s, e = timezone.localtime(clash.starts_at), timezone.localtime(clash.ends_at)
            raise ValidationError(
                {
                    "starts_on": [
                        f"{clash.staff.display_name} is already on duty from "
                        f"{s:%-d %B %Y} at {govuk_time(s)} to {e:%-d %B %Y} at {govuk_time(e)}. "
                        "Change or remove that "
                        "entry first: entries on one rota cannot overlap"
                    ]
                }
            )
        entry = DutyRotaEntry.objects.create(
            team=unit if team_id is not None else None,
            pdu=unit if pdu_id is not None else None,
            staff=staff,
            starts_at=starts_at,
            ends_at=ends_at,
            added_by=actor,
        )
        _audit_rota(actor, channel, DutyRotaEvent.ENTRY_ADDED, entry, new=True)
    return entry


def duty_rota_entry_remove(*, entry_id: int, actor, channel: str = Channel.WEB) -> DutyRotaEntry:
    """Take an entry off a rota the actor manages (404 for anyone else's)."""
    require_capability(actor, Capability.MANAGE_DUTY_ROTA)
    with transaction.atomic():
        entry = (
            DutyRotaEntry.objects.select_for_update(of=("self",))
            .filter(
                Q(team__in=selectors.teams_managed(actor).values("pk"))
                | Q(pdu__in=selectors.pdus_managed(actor).values("pk")),
                pk=entry_id,
            )
            .select_related("staff", "team", "pdu")
            .first()
        )
        if entry is None:
            access_log_refusal(
                actor=actor, channel=channel, detail=f"duty rota entry {entry_id}: not managed"
            )
            raise Http404("No such rota entry is yours to manage.")
        _audit_rota(actor, channel, DutyRotaEvent.ENTRY_REMOVED, entry, new=False)
        entry.delete()
    return entry


def _audit_rota(actor, channel, event, entry: DutyRotaEntry, *, new: bool):
    values = {
        "rota": f"team:{entry.team_id}" if entry.team_id else f"pdu:{entry.pdu_id}",
        "staff": entry.staff_id,
        "starts_at": entry.starts_at,
        "ends_at": entry.ends_at,
    }
    access_log_record(
        actor=actor,
        action=Action.CHANGE_PERSON,
        channel=channel,
        detail=str(event.label),
        event=event.value,
        changes={"record": f"dutyrotaentry:{entry.pk}", ("new" if new else "old"): values},
    )


# ---- alerts ----------------------------------------------------------------------------------


def item_link(work_item_id: int) -> str:
    """The link in the email: the work item by its id, nothing else."""
    return f"{settings.SAFEGUARD_PUBLIC_URL}/alerts/items/{work_item_id}/"


def _email(alert: Alert, staff, reason: str, *, now, template: str, fields: dict) -> bool:
    """Record one email and queue it, unless this person was already emailed for this reason.
    Sent at once: email has no quiet hours. The message is about no person (``person=None``),
    so the dispatcher never swaps in the person's own address."""
    record, created = AlertEmail.objects.get_or_create(alert=alert, staff=staff, reason=reason)
    if not created:
        return False
    record.message = message_enqueue(
        person=None,
        kind=MessageKind.ALERT,
        template_key=template,
        recipient=staff.email,
        personalisation={"link": item_link(alert.work_item_id), **fields},
        send_after=now,
        topic=f"alert:{alert.pk}",
    )
    record.save(update_fields=["message"])
    return True


def _log(alert: Alert, event: AlertEvent, detail: str, actor=None):
    access_log_record(
        actor=actor,
        action=Action.CHANGE_PERSON,
        channel=Channel.COMMAND,
        person=alert.person,
        detail=detail,
        event=event.value,
        changes={"record": f"alert:{alert.pk}", "new": {"status": alert.status}},
    )


def urgent_items_to_alert(person_ids=None):
    """Every open urgent work item about a living person with no alert yet: one query."""
    items = (
        WorkItem.objects.filter(
            status=WorkItemStatus.OPEN, priority=WorkItemPriority.URGENT, person__isnull=False
        )
        .filter(~Exists(Alert.objects.filter(work_item=OuterRef("pk"))))
        .filter(not_deceased("person_id"))
    )
    if person_ids is not None:
        items = items.filter(person_id__in=list(person_ids))
    return items.order_by("pk")


def alerts_raise(*, now: datetime | None = None, person_ids=None, limit=SWEEP_LIMIT) -> int:
    """Alert every open urgent item not yet alerted: an alert row and its emails, queued to
    send at once. Running it again sends nothing more."""
    now = now or timezone.now()
    raised = 0
    for item_id in list(urgent_items_to_alert(person_ids).values_list("pk", flat=True)[:limit]):
        with transaction.atomic():
            item = (
                urgent_items_to_alert()
                .select_for_update(of=("self",))
                .filter(pk=item_id)
                .select_related("person__team", "person__practitioner", "assigned_to")
                .first()
            )
            if item is None:  # alerted by a sweep running alongside, or no longer open
                continue
            person = item.person
            route = selectors.alert_route(item, person, now)
            alert = Alert.objects.create(
                work_item=item,
                person=person,
                team_id=person.team_id,
                status=AlertStatus.SENT,
                out_of_hours=route.out_of_hours,
                nobody_on_duty=route.nobody_on_duty,
                raised_at=now,
                escalate_after=now + policy.ESCALATE_AFTER,
                status_changed_at=now,
            )
            for staff, reason in route.emails:
                _email(alert, staff, reason, now=now, template="urgent_work_alert_email", fields={})
            if not route.emails:
                alert.status = AlertStatus.FAILED
                alert.status_reason = "Nobody who may see the case has an email address"
                alert.save(update_fields=["status", "status_reason"])
            _log(alert, AlertEvent.SENT, f"Urgent alert emailed to {len(route.emails)}")
            raised += 1
    return raised


def alerts_mark_failed(*, now: datetime | None = None) -> int:
    """Sent alerts none of whose first emails can now arrive (Notify failed them): failed, so
    that they escalate at once. One statement."""
    now = now or timezone.now()
    arriving = AlertEmail.objects.filter(alert=OuterRef("pk")).exclude(
        reason=EmailReason.ESCALATION
    )
    arriving = arriving.exclude(message__status__in=UNDELIVERED)
    return (
        Alert.objects.filter(status=AlertStatus.SENT)
        .filter(~Exists(arriving))
        .update(
            status=AlertStatus.FAILED,
            status_reason="The alert email could not be delivered",
            status_changed_at=now,
        )
    )


def alerts_to_escalate(now: datetime):
    """Alerts on items still open and urgent: sent and not acknowledged in time, or failed and
    not escalated yet."""
    escalated = AlertEmail.objects.filter(alert=OuterRef("pk"), reason=EmailReason.ESCALATION)
    return (
        Alert.objects.filter(
            Q(status=AlertStatus.SENT, escalate_after__lte=now)
            | Q(status=AlertStatus.FAILED, escalated_at__isnull=True)
        )
        .filter(~Exists(escalated))
        .filter(work_item__status=WorkItemStatus.OPEN, work_item__priority=WorkItemPriority.URGENT)
        .filter(not_deceased("person_id"))
        .order_by("escalate_after", "pk")
    )


def alerts_escalate(*, now: datetime | None = None, limit=SWEEP_LIMIT) -> int:
    """Email the team's SPOs (and the duty SPO out of hours) about each alert due to escalate,
    and record it. Running it again sends nothing more."""
    now = now or timezone.now()
    escalated = 0
    for alert_id in list(alerts_to_escalate(now).values_list("pk", flat=True)[:limit]):
        with transaction.atomic():
            alert = (
                alerts_to_escalate(now)
                .select_for_update(of=("self",))
                .filter(pk=alert_id)
                .select_related("person__team")
                .first()
            )
            if alert is None:
                continue
            waited = now - alert.raised_at
            hours = max(int(waited.total_seconds() // 3600), 1)
            fields = {"waited": f"{hours} hour{'s' if hours != 1 else ''}"}
            recipients = selectors.escalation_recipients(alert, alert.person, now)
            for staff in recipients:
                _email(
                    alert,
                    staff,
                    EmailReason.ESCALATION,
                    now=now,
                    template="urgent_work_escalation_email",
                    fields=fields,
                )
            alert.escalated_at = now
            alert.status_changed_at = now
            if recipients:
                alert.status = AlertStatus.ESCALATED
                alert.status_reason = ""
            else:
                alert.status = AlertStatus.FAILED
                alert.status_reason = "Not acknowledged, and no senior officer could be emailed"
            alert.save(
                update_fields=["status", "status_reason", "escalated_at", "status_changed_at"]
            )
            _log(alert, AlertEvent.ESCALATED, f"Urgent alert escalated to {len(recipients)}")
            escalated += 1
    return escalated


def alert_acknowledge(*, alert_id: int, actor, channel: str = Channel.WEB, now=None) -> Alert:
    """Someone who may see and change the case says they are dealing with it: the alert stops
    escalating. Through the gate (capability, scope, closed after death, audit)."""
    now = now or timezone.now()
    with case_record_change(
        Alert.objects, pk=alert_id, actor=actor, channel=channel, refresh_work=False
    ) as (change, alert):
        if not alert.can_be_acknowledged:
            who = alert.acknowledged_by.display_name if alert.acknowledged_by else "someone"
            raise IllegalTransition(f"This alert was already acknowledged by {who}")
        old = alert.status
        alert.status = AlertStatus.ACKNOWLEDGED
        alert.status_reason = ""
        alert.acknowledged_by = actor
        alert.acknowledged_at = now
        alert.status_changed_at = now
        alert.save(
            update_fields=[
                "status",
                "status_reason",
                "acknowledged_by",
                "acknowledged_at",
                "status_changed_at",
            ]
        )
        change.record(
            AlertEvent.ACKNOWLEDGED,
            record=alert,
            old={"status": old},
            new={"status": alert.status},
        )
    return alert


def alert_emails_withdraw(*, person_id: int, reason: str) -> int:
    """Withdraw the person's alert emails not sent yet (the person has died)."""
    withdrawn = 0
    for alert_id in Alert.objects.filter(person_id=person_id).values_list("pk", flat=True):
        withdrawn += messages_withdraw(topic=f"alert:{alert_id}", reason=reason)
    return withdrawn
