"""The one way to write the access log."""

from safeguard.core.models import AccessLogEntry

Action = AccessLogEntry.Action
Channel = AccessLogEntry.Channel


def access_log_record(*, actor, action, channel, person=None, crn="", detail=""):
    """Append one entry. Callers inside a transaction get the entry in the same transaction."""
    return AccessLogEntry.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        person=person,
        crn=(crn or (person.crn if person else ""))[:16],
        action=action,
        channel=channel,
        detail=detail[:200],
    )
