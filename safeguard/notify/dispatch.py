"""The outbox dispatcher: claims due messages, sends them through the gateway, records what
Notify said, and recovers messages left half-sent by a dispatcher that died.

Exactly once, in three parts:

1. **Claim** in a short transaction: due rows are locked (``SELECT ... FOR UPDATE SKIP LOCKED``
   on PostgreSQL, so that concurrent dispatchers take disjoint rows) and marked ``sending`` with
   this dispatcher's id before anything leaves the building.
2. **Send** outside any transaction, then record Notify's id only if the row is still ours.
3. **Recover**: a row still ``sending`` long after its claim belonged to a dispatcher that
   stopped mid-send. Before sending it again we ask Notify for notifications with its reference
   (``GET /v2/notifications?reference=``); if Notify has one we did not know of, the send
   happened and we adopt it instead of sending twice.

The claim also applies the rules that depend on the moment of sending: quiet hours for texts,
the phone networks' limit on texts an hour to one number, the message's own deadline, and the
person's current contact details.
"""

import logging
import os
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Case, Count, F, Min, Q, UUIDField, Value, When
from django.utils import timezone

from safeguard.notify import catalogue
from safeguard.notify.gateway import (
    GatewayError,
    NotConfigured,
    NotifyGateway,
    Rejected,
    Retryable,
    not_configured_reason,
)
from safeguard.notify.models import Message, MessageStatus, SendBudget
from safeguard.notify.services import (
    apply_notify_status,
    enqueue_send_task_on_commit,
    retry_or_fail,
    scrub_secrets,
)
from safeguard.notify.timing import QUIET_HOURS_TEXT, in_quiet_hours, plan_send_time

logger = logging.getLogger(__name__)

CLAIM_BATCH = 50


def lock_unclaimed(queryset):
    """Lock the rows a dispatcher is about to claim, skipping rows another dispatcher holds.

    The one piece of database-specific code in the outbox. PostgreSQL: ``FOR UPDATE SKIP
    LOCKED``. SQLite has no row locks; Safeguard opens its SQLite transactions IMMEDIATE (see
    settings), so one writer at a time claims and a second waits for the first to commit.
    """
    if connection.features.has_select_for_update_skip_locked:
        return queryset.select_for_update(skip_locked=True)
    return queryset


class ClaimExpired(Exception):
    """The claim is too old to start a send under it (see ``Dispatcher._send_all``)."""


class SharedBudget:
    """At most ``per_minute`` sends a minute in total, evenly spaced, across every dispatcher
    process and thread that uses the same key: the budget is a row in the database
    (``SendBudget``). ``reserve(n)`` takes the next ``n`` start times in one short locked
    transaction (row lock on PostgreSQL; SQLite's write transactions are serialised anyway),
    so concurrent senders get disjoint times and never add up past the limit."""

    def __init__(self, per_minute: int, key: str = "notify"):
        self.interval = timedelta(seconds=60.0 / per_minute) if per_minute > 0 else None
        self.key = key

    def reserve(self, n: int, *, now=None) -> list:
        """The moments at which each of ``n`` sends may start (all now when unlimited)."""
        now = now or timezone.now()
        if self.interval is None or n <= 0:
            return [now] * max(n, 0)
        with transaction.atomic():
            SendBudget.objects.get_or_create(key=self.key, defaults={"next_at": now})
            budget = SendBudget.objects.select_for_update().get(key=self.key)
            start = max(now, budget.next_at)
            budget.next_at = start + self.interval * n
            budget.save(update_fields=["next_at"])
        return [start + self.interval * i for i in range(n)]


@dataclass
class DispatchReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    deferred: int = 0
    skipped: int = 0
    held: int = 0
    recovered: int = 0
    adopted: int = 0
    errors: list[str] = field(default_factory=list)

    def add(self, other: "DispatchReport"):
        for name in ("sent", "retrying", "failed", "deferred", "skipped", "held"):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def summary(self) -> str:
        return (
            f"sent {self.sent}, retrying {self.retrying}, failed {self.failed}, deferred "
            f"{self.deferred}, skipped {self.skipped}, held {self.held}, recovered "
            f"{self.recovered} (of which {self.adopted} had reached Notify)"
        )


def _current_contacts(person_ids) -> dict[int, tuple[str, str]]:
    from safeguard.people.models import Person

    return {
        pk: (mobile, email)
        for pk, mobile, email in Person.objects.filter(pk__in=person_ids).values_list(
            "pk", "mobile", "email"
        )
    }


def texts_in_last_hour(numbers, *, now) -> dict[str, tuple[int, object]]:
    """Texts sent (or being sent) to each number in the hour before ``now``: (count, oldest)."""
    if not numbers:
        return {}
    rows = (
        Message.objects.filter(channel="sms", recipient__in=list(numbers))
        .filter(Q(sent_at__gte=now - timedelta(hours=1)) | Q(status=MessageStatus.SENDING))
        .values("recipient")
        .annotate(n=Count("id"), oldest=Min("sent_at"))
        .order_by()
    )
    return {r["recipient"]: (r["n"], r["oldest"]) for r in rows}


class Dispatcher:
    monotonic = staticmethod(time.monotonic)

    def __init__(
        self, *, gateway=None, worker_id=None, rate_per_minute=None, clock=None, limiter=None
    ):
        self._gateway = gateway
        self.worker_id = worker_id or f"{os.uname().nodename}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self.worker_id = self.worker_id[:64]
        per_minute = settings.NOTIFY_RATE_PER_MINUTE if rate_per_minute is None else rate_per_minute
        self.limiter = limiter or SharedBudget(per_minute)
        self.clock = clock or timezone.now
        self._pool = None

    @property
    def gateway(self) -> NotifyGateway:
        if self._gateway is None:
            self._gateway = NotifyGateway()
        return self._gateway

    # ---- the whole run -------------------------------------------------------------------

    def run(self, *, limit=None, only_ids=None, recover=True) -> DispatchReport:
        """Send every due message (or only ``only_ids``), at most ``limit`` of them."""
        report = DispatchReport()
        reason = not_configured_reason() if self._gateway is None else ""
        if reason:
            report.held = self.hold_due(reason, only_ids=only_ids)
            return report
        if recover:
            self.recover_stale(report)
        remaining = limit
        try:
            while remaining is None or remaining > 0:
                batch_size = CLAIM_BATCH if remaining is None else min(CLAIM_BATCH, remaining)
                batch, claim_report = self.claim(limit=batch_size, only_ids=only_ids)
                report.add(claim_report)
                if not batch:
                    break
                outcomes = self._send_all(batch)
                if not self._record(outcomes, report):
                    return report
                if remaining is not None:
                    remaining -= len(batch)
        finally:
            self.close()
        return report

    def _send_all(self, batch) -> list[tuple[Message, object]]:
        """Send a claimed batch; (message, Notify's id or the exception) for each.

        Several requests are in flight at once (``NOTIFY_SEND_CONCURRENCY``), each thread with
        its own client, all under the one rate limiter. Only HTTP happens in the threads: the
        database work stays on this thread."""
        # Never start a send late in a claim's life: a recovery sweep treats a claim older than
        # NOTIFY_SENDING_TIMEOUT_SECONDS as abandoned, so sends stop at half that, well clear.
        # (Set the timeout to 60 seconds or more; below that, sends still get 30 seconds.)
        deadline = self.monotonic() + max(settings.NOTIFY_SENDING_TIMEOUT_SECONDS / 2, 30)
        concurrency = max(1, settings.NOTIFY_SEND_CONCURRENCY)
        # The batch's start times from the shared budget, taken here on this thread (the
        # threads below do HTTP only).
        slots = self.limiter.reserve(len(batch))
        if concurrency == 1 or self._gateway is not None or len(batch) == 1:
            return [
                (m, self._send_http(m, self.gateway, deadline, slot))
                for m, slot in zip(batch, slots, strict=True)
            ]
        if self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="notify")
        local = threading.local()

        def send(pair):
            message, slot = pair
            if not hasattr(local, "gateway"):
                local.gateway = NotifyGateway()
            return message, self._send_http(message, local.gateway, deadline, slot)

        return list(self._pool.map(send, zip(batch, slots, strict=True)))

    def _send_http(self, message: Message, gateway, deadline=None, slot=None) -> object:
        template = catalogue.template(message.template)
        wait = max((slot - timezone.now()).total_seconds(), 0) if slot is not None else 0
        if wait:
            # Never start a send whose slot comes after the claim's deadline.
            if deadline is not None and self.monotonic() + wait > deadline:
                return ClaimExpired()
            time.sleep(wait)
        if deadline is not None and self.monotonic() > deadline:
            return ClaimExpired()
        try:
            return gateway.send(
                channel=message.channel,
                recipient=message.recipient,
                template_id=template.id,
                personalisation=message.personalisation,
                reference=message.reference,
            )
        except Exception as exc:  # noqa: BLE001 - recorded by the caller
            return exc

    def _record(self, outcomes, report) -> bool:
        """Write what Notify said. False if Notify refused our key (stop dispatching)."""
        sent = [(m, result) for m, result in outcomes if isinstance(result, str)]
        if sent:
            self._finish_sent_many(sent)
            report.sent += len(sent)
        refused = [m for m, result in outcomes if isinstance(result, NotConfigured)]
        expired = [m for m, result in outcomes if isinstance(result, ClaimExpired)]
        if expired:
            self.release(
                expired,
                "Waiting: sending was slow, so this goes in the next batch",
                delay=timedelta(0),
            )
            report.deferred += len(expired)
        for message, result in outcomes:
            if isinstance(result, str | NotConfigured | ClaimExpired):
                continue
            if isinstance(result, Retryable):
                self._after_error(
                    message, report, str(result), rejected=None, status_code=result.status_code
                )
            elif isinstance(result, Rejected):
                self._after_error(message, report, str(result), rejected=result)
            else:
                logger.error("Unexpected error sending %s: %r", message.reference, result)
                text = f"{type(result).__name__}: {result}"
                self._after_error(message, report, text, rejected=None)
        if refused:
            reason = next(str(r) for _, r in outcomes if isinstance(r, NotConfigured))
            self.release(refused, reason)
            report.held += len(refused)
            report.errors.append(reason)
            return False
        return True

    def close(self):
        if self._pool is not None:
            self._pool.shutdown()
            self._pool = None

    def hold_due(self, reason: str, *, only_ids=None) -> int:
        """Nothing can be sent: say why on every due message, so an administrator can see it."""
        due = Message.objects.filter(status=MessageStatus.QUEUED, send_after__lte=self.clock())
        if only_ids is not None:
            due = due.filter(pk__in=only_ids)
        due.exclude(status_reason=reason).update(status_reason=reason, updated_at=self.clock())
        return due.count()

    # ---- claim ---------------------------------------------------------------------------

    def claim(self, *, limit: int, only_ids=None) -> tuple[list[Message], DispatchReport]:
        now = self.clock()
        report = DispatchReport()
        with transaction.atomic():
            due = Message.objects.filter(status=MessageStatus.QUEUED, send_after__lte=now)
            if only_ids is not None:
                due = due.filter(pk__in=list(only_ids))
            rows = list(lock_unclaimed(due.order_by("send_after", "id"))[:limit])
            if not rows:
                return [], report
            contacts = _current_contacts({m.person_id for m in rows if m.person_id})
            claimed, changed_recipient = [], []
            numbers = set()
            for m in rows:
                if m.person_id in contacts:
                    mobile, email = contacts[m.person_id]
                    current = mobile if m.channel == "sms" else email
                    if current != m.recipient:
                        m.recipient = current
                        changed_recipient.append(m)
                if m.channel == "sms" and m.recipient:
                    numbers.add(m.recipient)
            recent = texts_in_last_hour(numbers, now=now)
            per_hour = settings.NOTIFY_TEXTS_PER_HOUR_PER_NUMBER
            for m in rows:
                if m.send_by and now >= m.send_by:
                    self._finish_unsent(
                        m,
                        MessageStatus.SKIPPED,
                        "Not sent: the appointment had started before it could be sent",
                        now,
                    )
                    report.skipped += 1
                    continue
                if not m.recipient:
                    what = "mobile number" if m.channel == "sms" else "email address"
                    self._finish_unsent(
                        m, MessageStatus.SKIPPED, f"Not sent: no {what} is recorded now", now
                    )
                    report.skipped += 1
                    continue
                if m.channel == "sms":
                    if in_quiet_hours(now):
                        self._defer(m, now, now, QUIET_HOURS_TEXT, report)
                        continue
                    count, oldest = recent.get(m.recipient, (0, None))
                    if count >= per_hour:
                        retry = (oldest or now) + timedelta(hours=1, seconds=1)
                        self._defer(
                            m,
                            retry,
                            now,
                            f"Waiting: the limit of {per_hour} texts an hour to one number "
                            "has been reached",
                            report,
                        )
                        continue
                    recent[m.recipient] = (count + 1, oldest or now)
                claimed.append(m)
            for m in changed_recipient:
                if m in claimed:
                    Message.objects.filter(pk=m.pk).update(recipient=m.recipient)
            Message.objects.filter(pk__in=[m.pk for m in claimed]).update(
                status=MessageStatus.SENDING,
                claimed_by=self.worker_id,
                claimed_at=now,
                attempts=F("attempts") + 1,
                status_reason="",
                updated_at=now,
            )
        for m in claimed:
            m.status = MessageStatus.SENDING
            m.claimed_by = self.worker_id
            m.claimed_at = now
            m.attempts += 1
        return claimed, report

    def _defer(self, message, wanted, now, reason, report):
        when = plan_send_time(wanted, channel=message.channel, now=now, deadline=message.send_by)
        if when is None:
            self._finish_unsent(
                message,
                MessageStatus.SKIPPED,
                f"Not sent: {reason[0].lower()}{reason[1:]}, and the appointment starts first",
                now,
            )
            report.skipped += 1
            return
        Message.objects.filter(pk=message.pk).update(
            send_after=when, status_reason=reason[:300], updated_at=now
        )
        enqueue_send_task_on_commit(message.pk, when)
        report.deferred += 1

    def _finish_unsent(self, message, status, reason, now):
        message.status = status
        message.status_reason = reason[:300]
        message.completed_at = now
        fields = scrub_secrets(message)
        message.save(update_fields=["status", "status_reason", "completed_at", *fields])

    def release(self, messages, reason, *, delay=timedelta(minutes=5)):
        """Give claimed messages back to the queue untouched (Notify refused our key, or the
        claim grew too old to send safely)."""
        now = self.clock()
        Message.objects.filter(
            pk__in=[m.pk for m in messages],
            status=MessageStatus.SENDING,
            claimed_by=self.worker_id,
        ).update(
            status=MessageStatus.QUEUED,
            claimed_by="",
            attempts=F("attempts") - 1,
            send_after=now + delay,
            status_reason=reason[:300],
            updated_at=now,
        )

    # ---- send ----------------------------------------------------------------------------

    def send(self, message: Message, report: DispatchReport):
        """Send one claimed message and record the result."""
        result = self._send_http(message, self.gateway)
        if isinstance(result, NotConfigured):
            raise result
        self._record([(message, result)], report)

    def _finish_sent_many(self, sent):
        """Record a batch of sends in one transaction (one commit, not one per message). A
        crash before this commit leaves the rows 'sending'; recovery then finds them at Notify
        by reference, so nothing is sent twice."""
        now = self.clock()
        ids = [m.pk for m, _ in sent]
        with transaction.atomic():
            Message.objects.filter(
                pk__in=ids, status=MessageStatus.SENDING, claimed_by=self.worker_id
            ).update(
                status=MessageStatus.SENT,
                notify_id=Case(
                    *[When(pk=m.pk, then=Value(uuid.UUID(nid))) for m, nid in sent],
                    output_field=UUIDField(),
                ),
                notify_status="created",
                sent_at=now,
                claimed_by="",
                status_reason="",
                last_error="",
                updated_at=now,
            )
            self._erase_accepted_secrets(sent)
        recorded = set(
            Message.objects.filter(
                pk__in=ids, notify_id__in=[uuid.UUID(nid) for _, nid in sent]
            ).values_list("pk", flat=True)
        )
        late = [(m, nid) for m, nid in sent if m.pk not in recorded]
        for message, notify_id in late:
            self._finish_sent(message, notify_id)
        self._erase_accepted_secrets(late)

    @staticmethod
    def _erase_accepted_secrets(sent):
        """Notify has accepted these: erase their secret fields (a check-in link) at once, so
        the link is in the outbox only while it waits to be sent."""
        for message, notify_id in sent:
            personalisation = dict(message.personalisation)
            probe = Message(template=message.template, personalisation=personalisation)
            if scrub_secrets(probe):
                Message.objects.filter(pk=message.pk, notify_id=notify_id).update(
                    personalisation=probe.personalisation
                )

    def _finish_sent(self, message: Message, notify_id: str):
        now = self.clock()
        updated = Message.objects.filter(
            pk=message.pk, status=MessageStatus.SENDING, claimed_by=self.worker_id
        ).update(
            status=MessageStatus.SENT,
            notify_id=notify_id,
            notify_status="created",
            sent_at=now,
            claimed_by="",
            status_reason="",
            last_error="",
            updated_at=now,
        )
        if updated:
            return
        # A delivery receipt got here first (it matched on our reference), or a recovery sweep
        # took the row back because this dispatcher looked dead. Record the send either way.
        with transaction.atomic():
            row = Message.objects.select_for_update().get(pk=message.pk)
            if row.notify_id and str(row.notify_id) == str(notify_id):
                return
            if row.notify_id is None and row.status in (
                MessageStatus.QUEUED,
                MessageStatus.SENDING,
            ):
                row.status = MessageStatus.SENT
                row.notify_id = notify_id
                row.notify_status = "created"
                row.sent_at = now
                row.claimed_by = ""
                row.status_reason = ""
                row.save()
                return
        logger.warning(
            "Message %s was sent as %s but its row had moved on (%s)",
            message.reference,
            notify_id,
            row.status,
        )

    def _after_error(self, message, report, error, *, rejected: Rejected | None, status_code=None):
        now = self.clock()
        with transaction.atomic():
            row = (
                Message.objects.select_for_update()
                .filter(pk=message.pk, status=MessageStatus.SENDING, claimed_by=self.worker_id)
                .first()
            )
            if row is None:
                return
            row.last_error = error[:300]
            row.claimed_by = ""
            fields = ["last_error", "claimed_by"]
            if rejected is None:
                why = (
                    "Notify asked us to slow down (429)"
                    if status_code == 429
                    else "Notify could not be reached or had an error"
                )
                fields += retry_or_fail(row, now=now, why=why, base_seconds=60)
                if row.status == MessageStatus.FAILED:
                    report.failed += 1
                else:
                    report.retrying += 1
            elif rejected.is_bad_recipient:
                row.status = MessageStatus.QUEUED  # let apply_notify_status take it from here
                row.save(update_fields=fields)
                apply_notify_status(row, "permanent-failure", now=now)
                report.failed += 1
                return
            else:
                row.status = MessageStatus.FAILED
                row.completed_at = now
                row.status_reason = f"Not sent: Notify refused it ({error})"[:300]
                fields += ["status", "completed_at", "status_reason", *scrub_secrets(row)]
                report.failed += 1
            row.save(update_fields=[*dict.fromkeys(fields), "updated_at"])

    # ---- recover -------------------------------------------------------------------------

    def recover_stale(self, report: DispatchReport, *, older_than_seconds=None, limit=500):
        """Messages left ``sending`` by a dispatcher that stopped: ask Notify before resending."""
        timeout = (
            settings.NOTIFY_SENDING_TIMEOUT_SECONDS
            if older_than_seconds is None
            else older_than_seconds
        )
        now = self.clock()
        with transaction.atomic():
            stale = Message.objects.filter(
                status=MessageStatus.SENDING, claimed_at__lte=now - timedelta(seconds=timeout)
            ).exclude(claimed_by=self.worker_id)
            rows = list(lock_unclaimed(stale.order_by("claimed_at", "id"))[:limit])
            Message.objects.filter(pk__in=[m.pk for m in rows]).update(
                claimed_by=self.worker_id, claimed_at=now
            )
        for message in rows:
            try:
                found = self.gateway.find_by_reference(message.reference)
            except GatewayError as exc:
                report.errors.append(f"{message.reference}: {exc}")
                continue  # still "sending": the next sweep asks again
            known = set(message.previous_notify_ids)
            new = [n for n in found if n.id not in known]
            if len(new) > 1:
                logger.error("Notify holds %s notifications for %s", len(new), message.reference)
            with transaction.atomic():
                row = (
                    Message.objects.select_for_update()
                    .filter(pk=message.pk, status=MessageStatus.SENDING, claimed_by=self.worker_id)
                    .first()
                )
                if row is None:
                    continue
                report.recovered += 1
                row.claimed_by = ""
                if new:
                    report.adopted += 1
                    row.notify_id = new[0].id
                    row.status = MessageStatus.SENT
                    row.sent_at = row.sent_at or now
                    row.notify_status = "created"
                    row.status_reason = ""
                    scrub_secrets(row)  # Notify has it: erase the link
                    row.save()
                    apply_notify_status(row, new[0].status, now=now)
                else:
                    row.status = MessageStatus.QUEUED
                    row.send_after = now
                    row.status_reason = "Sending again: Notify never received it"
                    row.save()


# ---- reconciliation ------------------------------------------------------------------------


@dataclass
class ReconcileReport:
    checked: int = 0
    updated: int = 0
    errors: list[str] = field(default_factory=list)


def reconcile(*, gateway=None, older_than_minutes=10, limit=2000, now=None) -> ReconcileReport:
    """Ask Notify about messages it accepted but whose receipt never came."""
    from safeguard.notify.services import receipt_apply

    now = now or timezone.now()
    report = ReconcileReport()
    waiting = list(
        Message.objects.filter(
            status=MessageStatus.SENT,
            sent_at__lte=now - timedelta(minutes=older_than_minutes),
            notify_id__isnull=False,
        )
        .order_by("sent_at", "id")
        .values_list("notify_id", "reference", "notify_status")[:limit]
    )
    if not waiting:
        return report
    gateway = gateway or NotifyGateway()
    for notify_id, reference, known_status in waiting:
        report.checked += 1
        try:
            notification = gateway.get(notify_id)
        except GatewayError as exc:
            report.errors.append(f"{reference}: {exc}")
            if isinstance(exc, NotConfigured):
                break
            continue
        if notification.status != known_status:
            receipt_apply(notify_id=str(notify_id), reference=reference, status=notification.status)
            report.updated += 1
    return report
