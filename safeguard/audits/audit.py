"""What the access log calls each change case audits make (see ``safeguard.core.audit``)."""

from safeguard.core.audit import AuditEvent


class AuditExerciseEvent(AuditEvent):
    DRAWN = "audit.sample_drawn", "Drew the sample of an audit exercise"
    ASSIGNED = "audit.auditors_assigned", "Assigned auditors to an audit exercise"
    ANSWERED = "audit.case_answered", "Answered the audit tool on a case"
    MODERATED = "audit.case_moderated", "Moderated an audited case"
    RESOLVED = "audit.disagreement_resolved", "Resolved a disagreement between auditors"
    SNAPSHOT_VIEWED = "audit.snapshot_viewed", "Read the snapshot of an audited case"
    RESULTS_VIEWED = "audit.results_viewed", "Looked at or exported audit results"
