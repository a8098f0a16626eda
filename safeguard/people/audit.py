"""What the access log calls each change to a person's own record (see ``safeguard.core.audit``)."""

from safeguard.core.audit import AuditEvent


class PersonEvent(AuditEvent):
    DETAILS_CHANGED = "person.details_changed", "Changed contact details or communication needs"
    ALLOCATED = "person.allocated", "Allocated the case"


class WorkEvent(AuditEvent):
    WORK_ITEM_REASSIGNED = "work.item_reassigned", "Reassigned a work item"
