"""The one way to write the access log."""

from contextvars import ContextVar

from django.db import connection, models

from safeguard.core.models import AccessLogEntry

Action = AccessLogEntry.Action
Channel = AccessLogEntry.Channel


class AuditEvent(models.TextChoices):
    """Base of every area's vocabulary of changes. An area declares its own, for example::

        class ReferralEvent(AuditEvent):
            SENT = "referral.sent", "Sent a referral"

    Values are "<area>.<what happened>"; the gate (``safeguard.people.gate``) writes them.
    """


def audit_vocabulary() -> dict[str, str]:
    """Every declared event, value -> label, from every area's ``AuditEvent`` subclass."""
    events = {}
    pending = list(AuditEvent.__subclasses__())
    while pending:
        vocabulary = pending.pop()
        pending.extend(vocabulary.__subclasses__())
        events.update({member.value: member.label for member in vocabulary})
    return events


# Refusals waiting for the end of the request (see ``access_log_refusal``); None outside one.
_pending_refusals: ContextVar[list | None] = ContextVar("pending_refusals", default=None)


def access_log_record(
    *, actor, action, channel, person=None, crn="", detail="", event="", changes=None
):
    """Append one entry. Callers inside a transaction get the entry in the same transaction."""
    return AccessLogEntry.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        person=person,
        crn=(crn or (person.crn if person else ""))[:16],
        action=action,
        channel=channel,
        detail=detail[:200],
        event=event,
        changes=changes or {},
    )


def access_log_refusal(*, actor, channel, person=None, crn="", detail=""):
    """Record a refused attempt. A refusal ends in an exception, which rolls back the
    transaction it leaves, and with it anything written inside: so inside a transaction, during
    a request, the entry is written when the request is over (``AccessLogMiddleware``)."""
    entry = {
        "actor": actor,
        "action": Action.REFUSED,
        "channel": channel,
        "person": person,
        "crn": crn,
        "detail": detail,
    }
    pending = _pending_refusals.get()
    if pending is not None and connection.in_atomic_block:
        pending.append(entry)
        return None
    return access_log_record(**entry)


class AccessLogMiddleware:
    """Writes the refusals a request's rolled-back transactions would otherwise have lost."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _pending_refusals.set([])
        try:
            return self.get_response(request)
        finally:
            pending = _pending_refusals.get()
            _pending_refusals.reset(token)
            for entry in pending:
                access_log_record(**entry)
