"""The HMPPS domain events consumer behind ``manage.py consume_events``.

For each message: read the event; if it is a type Safeguard handles and names a CRN, fetch
the case summary at its ``detailUrl`` and bring the whole case into step
(``reconcile.reconcile_case``). The message is deleted only once that change has committed
(or when there is nothing to do: a type Safeguard does not handle, or no CRN). A message that
cannot be read, whose case cannot be fetched or placed, is left on the queue: it comes back
after the visibility timeout and, after the queue's ``maxReceiveCount``, its redrive policy
moves it to the dead-letter queue. Each such message is counted (``EventProblem``, on the
admin site) and logged without personal data: the message id, the event type, the reason.

Several consumers may run at once (on one queue SQS gives each message to one of them at a
time; a re-delivered message is reconciled again and changes nothing).
"""

import logging
import threading
from dataclasses import dataclass, field

from django.conf import settings
from django.db import close_old_connections, connection
from django.db.models import F
from django.utils import timezone

from safeguard.integration import delius
from safeguard.integration.events import EventParseError, parse_body
from safeguard.integration.models import EventProblem, EventProblemReason
from safeguard.integration.reconcile import ReconcileError, reconcile_case
from safeguard.integration.summary import SummaryError, parse_case_summary

logger = logging.getLogger(__name__)


def sqs_client():
    """boto3's SQS client from the standard variables (AWS_ENDPOINT_URL, AWS_REGION or
    AWS_DEFAULT_REGION, the credentials chain)."""
    import boto3

    return boto3.client("sqs")


@dataclass
class Tally:
    reconciled: int = 0
    unchanged: int = 0
    ignored: int = 0
    left: int = 0
    by_reason: dict = field(default_factory=dict)

    def __str__(self):
        return (
            f"{self.reconciled} cases changed, {self.unchanged} already in step, "
            f"{self.ignored} ignored, {self.left} left for redrive"
        )


class Consumer:
    def __init__(
        self,
        *,
        queue_url: str,
        client=None,
        wait_seconds: int | None = None,
        fetch=delius.fetch_summary,
        max_messages: int = 10,
    ):
        self.queue_url = queue_url
        self.client = client or sqs_client()
        self.wait_seconds = (
            settings.HMPPS_EVENTS_WAIT_SECONDS if wait_seconds is None else wait_seconds
        )
        self.fetch = fetch
        self.max_messages = max(1, min(10, max_messages))
        self.tally = Tally()

    def run(self, *, until_empty: bool = False, stop: threading.Event | None = None) -> Tally:
        """Poll until stopped, or with ``until_empty`` until a poll finds nothing."""
        stop = stop or threading.Event()
        while not stop.is_set():
            received = self.poll_once()
            if received == 0 and until_empty:
                break
        return self.tally

    def poll_once(self) -> int:
        answer = self.client.receive_message(
            QueueUrl=self.queue_url,
            MaxNumberOfMessages=self.max_messages,
            WaitTimeSeconds=self.wait_seconds,
            MessageSystemAttributeNames=["ApproximateReceiveCount"],
        )
        messages = answer.get("Messages", [])
        for message in messages:
            if not connection.in_atomic_block:
                # A long-running process: drop a connection the database has closed.
                close_old_connections()
            self.handle(message)
        return len(messages)

    def handle(self, message: dict) -> str:
        """Take one message: "reconciled", "unchanged", "ignored" or "left"."""
        message_id = message.get("MessageId", "")
        event_type = ""
        try:
            event = parse_body(message.get("Body", ""))
            event_type = event.event_type
            if not event.handled:
                logger.info(
                    "Event %s of type %s: not one Safeguard handles", message_id, event_type
                )
                return self._done(message, "ignored")
            if not event.crn:
                logger.info("Event %s of type %s names no CRN: ignored", message_id, event_type)
                return self._done(message, "ignored")
            if not event.detail_url:
                return self._leave(message, event_type, EventProblemReason.NO_DETAIL_URL, "")
            try:
                data = self.fetch(event.detail_url)
            except delius.FetchError as exc:
                reason = (
                    EventProblemReason.DETAIL_URL_REFUSED
                    if exc.refused
                    else EventProblemReason.FETCH_FAILED
                )
                return self._leave(message, event_type, reason, exc.detail)
            summary = parse_case_summary(data)
            if summary.crn != event.crn:
                raise SummaryError("the summary is about another CRN than the event")
            outcome = reconcile_case(summary)
        except EventParseError as exc:
            return self._leave(message, event_type, EventProblemReason.UNPARSEABLE, str(exc))
        except SummaryError as exc:
            return self._leave(message, event_type, EventProblemReason.BAD_SUMMARY, str(exc))
        except ReconcileError as exc:
            return self._leave(message, event_type, exc.reason, "")
        except Exception as exc:  # noqa: BLE001 - never stop the others; never log the text
            logger.error(
                "Event %s of type %s failed: %s", message_id, event_type, type(exc).__name__
            )
            return self._leave(message, event_type, EventProblemReason.ERROR, type(exc).__name__)
        # The change has committed (reconcile_case's transaction has ended): now delete.
        return self._done(message, "reconciled" if outcome.anything else "unchanged")

    def _done(self, message: dict, result: str) -> str:
        try:
            self.client.delete_message(
                QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"]
            )
        except Exception as exc:  # noqa: BLE001 - it comes back and changes nothing
            logger.warning(
                "Could not delete message %s (%s): it will be taken again",
                message.get("MessageId", ""),
                type(exc).__name__,
            )
        setattr(self.tally, result, getattr(self.tally, result) + 1)
        return result

    def _leave(self, message: dict, event_type: str, reason: str, detail: str) -> str:
        message_id = message.get("MessageId", "")[:100]
        logger.warning(
            "Event %s of type %s left for redrive: %s %s",
            message_id,
            event_type or "unknown",
            reason,
            detail,
        )
        received = message.get("Attributes", {}).get("ApproximateReceiveCount")
        try:
            times = int(received) if received else 1
        except ValueError:
            times = 1
        updated = EventProblem.objects.filter(message_id=message_id).update(
            reason=reason,
            detail=detail[:200],
            event_type=event_type[:100],
            times_received=max(times, 1) if received else F("times_received") + 1,
            last_seen=timezone.now(),
        )
        if not updated:
            EventProblem.objects.get_or_create(
                message_id=message_id,
                defaults={
                    "reason": reason,
                    "detail": detail[:200],
                    "event_type": event_type[:100],
                    "times_received": max(times, 1),
                },
            )
        self.tally.left += 1
        self.tally.by_reason[reason] = self.tally.by_reason.get(reason, 0) + 1
        return "left"
