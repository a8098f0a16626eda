"""Writes to the outbox. Callers are inside their own transaction: a message is written (or
withdrawn) with the change that needs it, and its send task is enqueued only once that commits.
"""

import logging
import uuid
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from safeguard.core.dates import govuk_time
from safeguard.core.workitems import refresh_for_person_on_commit
from safeguard.notify import catalogue, sealing
from safeguard.notify.gateway import not_configured_reason
from safeguard.notify.models import Message, MessageStatus
from safeguard.notify.timing import backoff, plan_send_time

logger = logging.getLogger(__name__)

REFERENCE_PREFIX = {
    "reminder": "rem",
    "change": "chg",
    "summary": "sum",
    "check_in": "chk",
    "alert": "alr",
    "feedback": "fbk",
}
SCRUBBED = "[removed after sending]"


def new_reference(kind: str) -> str:
    """A reference Notify will hold: unique, stable across retries, no personal data."""
    return f"{REFERENCE_PREFIX.get(kind, 'msg')}-{uuid.uuid4()}"


def enqueue_send_task_on_commit(message_id: int, send_after: datetime) -> None:
    def enqueue():
        from safeguard.notify.tasks import send_message

        try:
            task = send_message
            if send_after > timezone.now():
                task = send_message.using(run_after=send_after)
            task.enqueue(message_id)
        except Exception:  # noqa: BLE001 - the outbox row is safe; a sweep will send it
            logger.exception("Could not enqueue the send task for message %s", message_id)

    transaction.on_commit(enqueue)


def message_enqueue(
    *,
    person,
    kind: str,
    template_key: str,
    recipient: str,
    personalisation: dict,
    send_after: datetime,
    scheduled_for: datetime | None = None,
    send_by: datetime | None = None,
    topic: str = "",
) -> Message:
    """Write one message to the outbox. ``send_after`` must already respect quiet hours.

    The template's secret fields (a check-in link) are sealed (encrypted) before they are
    written; only the gateway opens them, as it sends."""
    template = catalogue.template(template_key)
    template.check(personalisation)
    personalisation = sealing.seal_fields(template, personalisation)
    message = Message.objects.create(
        reference=new_reference(kind),
        person=person,
        topic=topic,
        kind=kind,
        channel=template.channel,
        template=template.key,
        recipient=recipient,
        personalisation=personalisation,
        scheduled_for=scheduled_for or send_after,
        send_after=send_after,
        send_by=send_by,
        status_reason=not_configured_reason(),
    )
    enqueue_send_task_on_commit(message.pk, send_after)
    return message


def messages_withdraw(*, topic: str, reason: str, kinds=None, now=None) -> int:
    """Withdraw the queued messages about ``topic`` (a moved or cancelled appointment).

    Messages already handed to Notify cannot be recalled; they are left as they are."""
    now = now or timezone.now()
    queued = Message.objects.filter(topic=topic, status=MessageStatus.QUEUED)
    if kinds:
        queued = queued.filter(kind__in=list(kinds))
    return queued.update(
        status=MessageStatus.WITHDRAWN, status_reason=reason[:300], completed_at=now
    )


def scrub_secrets(message: Message) -> list[str]:
    """Erase secret personalisation (a check-in link) from a message once Notify has accepted
    it, or once it is final without having been sent. Returns the fields changed."""
    template = catalogue.TEMPLATES.get(message.template)
    if not template or not template.secret_fields:
        return []
    changed = False
    for field in template.secret_fields:
        if message.personalisation.get(field) not in (None, SCRUBBED):
            message.personalisation[field] = SCRUBBED
            changed = True
    return ["personalisation"] if changed else []


def secrets_erased(message: Message) -> bool:
    """Whether the message's secret fields are gone (so it can never be sent again)."""
    template = catalogue.TEMPLATES.get(message.template)
    if not template:
        return False
    return any(message.personalisation.get(f) == SCRUBBED for f in template.secret_fields)


# ---- what Notify tells us ---------------------------------------------------------------

NOTIFY_IN_PROGRESS = {"created", "sending", "pending", "sent", "accepted", "received"}
NOTIFY_RETRYABLE = {"temporary-failure", "technical-failure"}


def retry_or_fail(message: Message, *, now, why: str, base_seconds: int) -> list[str]:
    """Put a message back in the queue after a backoff, or fail it for good. Returns the fields
    changed (the caller saves)."""
    retry_at = now + backoff(message.attempts, base_seconds=base_seconds)
    retry_at = plan_send_time(retry_at, channel=message.channel, now=now, deadline=message.send_by)
    if message.attempts >= settings.NOTIFY_MAX_ATTEMPTS or retry_at is None:
        message.status = MessageStatus.FAILED
        message.completed_at = now
        if retry_at is None:
            message.status_reason = f"Not sent: {why}, and it is now too late to try again"
        else:
            message.status_reason = f"Not sent: gave up after {message.attempts} attempts ({why})"
        return ["status", "completed_at", "status_reason", *scrub_secrets(message)]
    message.status = MessageStatus.QUEUED
    message.send_after = retry_at
    local = timezone.localtime(retry_at)
    message.status_reason = f"{why}; trying again at {govuk_time(local)} on {local:%-d %b}"[:300]
    enqueue_send_task_on_commit(message.pk, retry_at)
    return ["status", "send_after", "status_reason"]


def apply_notify_status(message: Message, notify_status: str, *, now=None) -> bool:
    """Bring a message up to date with the status Notify reports for its current notification.
    The caller holds the row lock and is inside a transaction. Returns True if anything changed.
    """
    now = now or timezone.now()
    if message.is_final or message.notify_status == notify_status:
        return False
    fields = ["notify_status"]
    message.notify_status = notify_status[:32]
    if notify_status == "delivered":
        message.status = MessageStatus.DELIVERED
        message.completed_at = now
        message.status_reason = ""
        fields += ["status", "completed_at", "status_reason", *scrub_secrets(message)]
    elif notify_status == "permanent-failure":
        message.status = MessageStatus.PERMANENT_FAILURE
        message.completed_at = now
        what = "number" if message.channel == "sms" else "email address"
        message.status_reason = (
            f"Notify could not deliver it: the {what} may be wrong or no longer in use. "
            "Check the person's contact details."
        )
        fields += ["status", "completed_at", "status_reason", *scrub_secrets(message)]
        if message.person_id:
            refresh_for_person_on_commit(message.person_id, timezone.localdate(now))
    elif notify_status in NOTIFY_RETRYABLE:
        if message.notify_id and str(message.notify_id) not in message.previous_notify_ids:
            message.previous_notify_ids = [*message.previous_notify_ids, str(message.notify_id)]
        message.notify_id = None
        why = (
            "Notify could not deliver it (the phone may be off or the inbox full)"
            if notify_status == "temporary-failure"
            else "Notify had a technical failure"
        )
        fields += ["previous_notify_ids", "notify_id"]
        if secrets_erased(message):
            # Its link was erased when Notify accepted it: sending it again would send a
            # message with no link. It fails here, and whoever sent it can send a new one.
            message.status = MessageStatus.FAILED
            message.completed_at = now
            message.status_reason = (
                f"Not delivered: {why[0].lower()}{why[1:]}. It cannot be sent again because "
                "its link was erased when Notify accepted it: send a new one if it is needed."
            )[:300]
            fields += ["status", "completed_at", "status_reason"]
            if message.person_id:
                refresh_for_person_on_commit(message.person_id, timezone.localdate(now))
        else:
            fields += retry_or_fail(message, now=now, why=why, base_seconds=15 * 60)
    elif notify_status in NOTIFY_IN_PROGRESS:
        if message.status in (MessageStatus.SENDING, MessageStatus.QUEUED):
            message.status = MessageStatus.SENT
            message.sent_at = message.sent_at or now
            message.status_reason = ""
            fields += ["status", "sent_at", "status_reason"]
        fields += scrub_secrets(message)  # Notify has it: the link is not needed here again
    else:
        logger.warning("Unknown Notify status %r for %s", notify_status, message.reference)
    message.save(update_fields=[*dict.fromkeys(fields), "updated_at"])
    return True


def receipt_apply(*, notify_id: str, reference: str, status: str, now=None) -> Message | None:
    """A delivery receipt (callback or poll). Matched on Notify's id, or on our reference when
    the id was never recorded (a dispatcher that stopped between Notify's answer and ours).
    Receipts for an earlier attempt of the message are ignored."""
    with transaction.atomic():
        message = Message.objects.select_for_update().filter(notify_id=notify_id).first()
        if message is None and reference:
            message = (
                Message.objects.select_for_update()
                .filter(reference=reference, notify_id__isnull=True)
                .first()
            )
            if message is None or notify_id in message.previous_notify_ids:
                return None
            message.notify_id = notify_id
            message.save(update_fields=["notify_id", "updated_at"])
        if message is None:
            return None
        apply_notify_status(message, status, now=now)
    return message
