"""What the access log calls each change this area makes (see ``safeguard.core.audit``)."""

from safeguard.core.audit import AuditEvent


class DeathEvent(AuditEvent):
    RECORDED = "death.recorded", "Recorded a death; case snapshot taken"
    RECLASSIFIED = "death.reclassified", "Changed the recorded circumstances of a death"


class ReviewEvent(AuditEvent):
    MOVED = "death_review.moved", "Moved a death review on"
    FACTOR_CODED = "death_review.factor_coded", "Coded a contributing factor"
    FACTOR_REMOVED = "death_review.factor_removed", "Removed a contributing factor"
    FINDINGS_UPDATED = "death_review.findings_updated", "Updated a review's findings"
    ACTION_ADDED = "death_review.action_added", "Added a review action"
    ACTION_COMPLETED = "death_review.action_completed", "Marked a review action done"


class BoardPackEvent(AuditEvent):
    SHARED = "board_pack.shared", "Recorded that a board pack was shared with a board"
    RESPONSE_RECORDED = "board_pack.response_recorded", "Recorded a board's response to a pack"
