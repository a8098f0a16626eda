"""What the access log calls each change this area makes (see ``safeguard.core.audit``)."""

from safeguard.core.audit import AuditEvent


class AssessmentEvent(AuditEvent):
    SCREEN_RECORDED = "assessment.screen_recorded", "Recorded a vulnerability screen"
    SAFETY_PLAN_SAVED = "assessment.safety_plan_saved", "Saved a safety plan"
    SCREEN_FOLLOWED_UP = "assessment.screen_followed_up", "Recorded the follow-up of a screen"
    SCREEN_DRAFT_SAVED = "assessment.screen_draft_saved", "Saved part of a screen as a draft"
