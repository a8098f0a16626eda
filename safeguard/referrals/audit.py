"""What the access log calls each change this area makes (see ``safeguard.core.audit``)."""

from safeguard.core.audit import AuditEvent


class ReferralEvent(AuditEvent):
    DRAFTED = "referral.drafted", "Drafted a referral"
    DRAFT_CHANGED = "referral.draft_changed", "Changed a draft referral"
    READY_TO_SEND = "referral.ready_to_send", "Completed a referral, ready to send"
    SENT = "referral.sent", "Sent a referral"
    ACKNOWLEDGED = "referral.acknowledged", "Recorded that the agency acknowledged a referral"
    DECIDED = "referral.decided", "Recorded the agency's decision on a referral"
    CLOSED_NO_RESPONSE = "referral.closed_no_response", "Closed a referral with no response"
    OUTCOME_RECORDED = "referral.outcome_recorded", "Recorded a referral's outcome"
    ESCALATED = "referral.escalated", "Escalated a referral"
    ESCALATED_AUTOMATICALLY = (
        "referral.escalated_automatically",
        "Escalated a referral to the next level: no response within target",
    )
    ESCALATION_RESOLVED = "referral.escalation_resolved", "Resolved an escalation"
    PDF_DOWNLOADED = "referral.pdf_downloaded", "Downloaded a referral as a PDF"
