"""What the access log calls each change this area makes (see ``safeguard.core.audit``)."""

from safeguard.core.audit import AuditEvent


class PathwayEvent(AuditEvent):
    OFFER_RECORDED = "pathway_offer.recorded", "Recorded a pathway offer"
    OFFER_STATUS_CHANGED = "pathway_offer.status_changed", "Changed a pathway offer's status"
    NEED_RECORDED = "pathway_need.recorded", "Recorded a need"
    NEED_ENDED = "pathway_need.ended", "Ended a recorded need"
    GP_STATUS_RECORDED = "gp_registration.recorded", "Recorded the GP registration status"
    HOSPITAL_ATTENDANCE_RECORDED = (
        "hospital_attendance.recorded",
        "Recorded an emergency department attendance or hospital admission",
    )
    CONTACT_REDUCTION_REQUESTED = (
        "contact_reduction.requested",
        "Asked for supervision contact to be reduced",
    )
    CONTACT_REDUCTION_DECIDED = (
        "contact_reduction.decided",
        "Recorded an SPO's decision on reducing contact",
    )
    CONTACT_REDUCED = "contact_reduction.reduced", "Reduced supervision contact"
    OFFICE_WISH_RECORDED = (
        "office_wish.recorded",
        "Recorded whether the person wants to be seen at the office",
    )
