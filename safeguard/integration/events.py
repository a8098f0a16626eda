"""HMPPS domain events as they arrive on Safeguard's SQS queue.

The queue is subscribed to the HMPPS domain events SNS topic, so each SQS message body is an
SNS notification (``{"Type": "Notification", "Message": "<the event as JSON>", ...}``); with
raw message delivery the body is the event itself. Either is read. The event::

    {"eventType": "probation-case.registration.added", "version": 1,
     "occurredAt": "2026-12-07T09:00:00Z", "detailUrl": "https://.../case/X123456",
     "description": "...", "personReference": {"identifiers": [{"type": "CRN",
     "value": "X123456"}]}, "additionalInformation": {...}}
"""

import json
from dataclasses import dataclass

HANDLED_EVENT_TYPES = frozenset(
    {
        "probation-case.engagement.created",
        "probation-case.registration.added",
        "probation-case.registration.updated",
        "probation-case.registration.deregistered",
        "probation-case.registration.deleted",
        "person.community.manager.allocated",
        "prison-offender-events.prisoner.released",
    }
)


class EventParseError(ValueError):
    """The body is not an event Safeguard can read (no personal data in the message)."""


@dataclass(frozen=True)
class DomainEvent:
    event_type: str
    crn: str | None
    detail_url: str | None
    occurred_at: str

    @property
    def handled(self) -> bool:
        return self.event_type in HANDLED_EVENT_TYPES


def parse_body(body: str) -> DomainEvent:
    try:
        outer = json.loads(body)
    except (TypeError, ValueError):
        raise EventParseError("the body is not JSON") from None
    if not isinstance(outer, dict):
        raise EventParseError("the body is not a JSON object")
    event = outer
    if "Message" in outer and "eventType" not in outer:
        message = outer["Message"]
        if not isinstance(message, str):
            raise EventParseError("the SNS Message is not text")
        try:
            event = json.loads(message)
        except ValueError:
            raise EventParseError("the SNS Message is not JSON") from None
        if not isinstance(event, dict):
            raise EventParseError("the SNS Message is not a JSON object")
    event_type = event.get("eventType")
    if not isinstance(event_type, str) or not event_type or len(event_type) > 100:
        raise EventParseError("the event has no eventType")
    detail_url = event.get("detailUrl")
    if detail_url is not None and not isinstance(detail_url, str):
        raise EventParseError("detailUrl is not text")
    occurred_at = event.get("occurredAt")
    return DomainEvent(
        event_type=event_type,
        crn=_crn(event.get("personReference")),
        detail_url=detail_url or None,
        occurred_at=occurred_at if isinstance(occurred_at, str) else "",
    )


def _crn(reference) -> str | None:
    if not isinstance(reference, dict):
        return None
    identifiers = reference.get("identifiers")
    if not isinstance(identifiers, list):
        return None
    for identifier in identifiers:
        if (
            isinstance(identifier, dict)
            and str(identifier.get("type", "")).upper() == "CRN"
            and isinstance(identifier.get("value"), str)
        ):
            return identifier["value"].strip().upper() or None
    return None


def event_body(
    event_type: str, crn: str, detail_url: str, *, occurred_at="2026-12-07T09:00:00Z"
) -> str:
    """An SQS body as SNS delivers one (for tests, the fake and the bench)."""
    event = {
        "eventType": event_type,
        "version": 1,
        "occurredAt": occurred_at,
        "detailUrl": detail_url,
        "description": "A synthetic event",
        "personReference": {"identifiers": [{"type": "CRN", "value": crn}]},
        "additionalInformation": {},
    }
    return json.dumps(
        {
            "Type": "Notification",
            "MessageId": "00000000-0000-0000-0000-000000000000",
            "Message": json.dumps(event),
            "MessageAttributes": {"eventType": {"Type": "String", "Value": event_type}},
        }
    )
