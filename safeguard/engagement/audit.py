"""What the access log calls each change this area makes (see ``safeguard.core.audit``)."""

from safeguard.core.audit import AuditEvent


class AppointmentEvent(AuditEvent):
    BOOKED = "appointment.booked", "Booked an appointment"
    MOVED = "appointment.moved", "Moved an appointment"
    CANCELLED = "appointment.cancelled", "Cancelled an appointment"
    OUTCOME_RECORDED = "appointment.outcome_recorded", "Recorded an appointment's outcome"
    WELFARE_CHECKED = (
        "appointment.welfare_checked",
        "Checked on the person after a missed appointment",
    )


class ReminderEvent(AuditEvent):
    PREFERENCES_SAVED = "reminders.preferences_saved", "Changed how the person gets reminders"


class TravelEvent(AuditEvent):
    REQUESTED = "travel.requested", "Asked for travel support"
    DECIDED = "travel.decided", "Decided a travel support request"
    PAID = "travel.paid", "Paid travel support"


class CheckInEvent(AuditEvent):
    SENT = "check_in.sent", "Sent a check-in link"
    SCHEDULE_STOPPED = "check_in.schedule_stopped", "Stopped regular check-ins"
    FOLLOWED_UP = "check_in.followed_up", "Followed up a check-in"
    # Changes the person makes themselves, through their link (no member of staff).
    SELF_HARM_REPORTED = "check_in.self_harm_reported", "The person reported thoughts of self-harm"
    ANSWERED = "check_in.answered", "The person answered a check-in"


class SafetyPlanLinkEvent(AuditEvent):
    SENT = "safety_plan_link.sent", "Sent the person a link to their safety plan"
    # The person opens it themselves (no member of staff).
    OPENED = "safety_plan_link.opened", "The person opened their safety plan link"
