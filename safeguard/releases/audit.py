"""What the access log calls each change this area makes (see ``safeguard.core.audit``)."""

from safeguard.core.audit import AuditEvent


class ReleaseEvent(AuditEvent):
    ITEM_UPDATED = "release_plan.item_updated", "Updated a release checklist item"
    RELEASE_RECORDED = "release_plan.release_recorded", "Recorded the release from custody"
    ACCOMMODATION_CONFIRMED = (
        "release_plan.accommodation_confirmed",
        "Confirmed the accommodation after release",
    )
