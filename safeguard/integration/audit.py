"""What the access log calls each change made from nDelius (see ``safeguard.core.audit``)."""

from safeguard.core.audit import AuditEvent


class IntegrationEvent(AuditEvent):
    CASE_CREATED = "integration.case_created", "Case created from nDelius"
    CASE_UPDATED = "integration.case_updated", "Case brought into step with nDelius"
    BULK_LOADED = "integration.bulk_loaded", "Cases loaded from an nDelius extract"
