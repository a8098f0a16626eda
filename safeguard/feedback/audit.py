"""What the access log calls each change this area makes (see ``safeguard.core.audit``)."""

from safeguard.core.audit import AuditEvent


class FeedbackEvent(AuditEvent):
    LINK_SENT = "feedback.link_sent", "Sent the person a feedback survey link"
    TABLET_SET_UP = "feedback.tablet_set_up", "Set up a feedback tablet in an office"
    TABLET_STOPPED = "feedback.tablet_stopped", "Stopped a feedback tablet"
    # Made by the person themselves (no member of staff); names no one.
    ANSWERED = "feedback.answered", "A survey was answered"
    PAPER_ENTERED = "feedback.paper_entered", "Entered a paper feedback form"
    IMPORTED = "feedback.imported", "Loaded feedback responses"
    ANALYSIS_VIEWED = "feedback.analysis_viewed", "Looked at feedback figures"
    COMMENTS_VIEWED = "feedback.comments_viewed", "Read free-text feedback"
    CONTACTED = "feedback.contacted", "Got in touch with a person who asked after their feedback"


class YouSaidWeDidEvent(AuditEvent):
    RECORDED = "you_said_we_did.recorded", "Recorded a 'you said, we did' action"
    UPDATED = "you_said_we_did.updated", "Updated a 'you said, we did' action"
