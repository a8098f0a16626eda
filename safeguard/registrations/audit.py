"""What the access log calls each change this area makes (see ``safeguard.core.audit``)."""

from safeguard.core.audit import AuditEvent


class RegistrationEvent(AuditEvent):
    ADDED = "registration.added", "Added a registration"
    ENDED = "registration.ended", "Ended a registration"
    REVIEWED = "registration.reviewed", "Reviewed a registration"
