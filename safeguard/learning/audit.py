"""What the access log calls each change this area makes (see ``safeguard.core.audit``)."""

from safeguard.core.audit import AuditEvent


class DeathEvent(AuditEvent):
    RECORDED = "death.recorded", "Recorded a death; case snapshot taken"
    RECLASSIFIED = "death.reclassified", "Changed the recorded circumstances of a death"
