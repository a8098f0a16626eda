"""What the access log calls each change this area makes (see ``safeguard.core.audit``)."""

from safeguard.core.audit import AuditEvent


class DutyRotaEvent(AuditEvent):
    ENTRY_ADDED = "duty_rota.entry_added", "Added someone to the duty rota"
    ENTRY_REMOVED = "duty_rota.entry_removed", "Removed someone from the duty rota"


class AlertEvent(AuditEvent):
    # Written by the sweep (no member of staff): who was emailed is in the alert's emails.
    SENT = "alert.sent", "Emailed staff about an urgent work item"
    ESCALATED = "alert.escalated", "Escalated an unacknowledged urgent alert"
    ACKNOWLEDGED = "alert.acknowledged", "Acknowledged an urgent alert"
