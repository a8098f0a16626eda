"""What the access log calls each change to a meeting (see ``safeguard.core.audit``)."""

from safeguard.core.audit import AuditEvent


class MeetingEvent(AuditEvent):
    RECORDED = "meeting.recorded", "Recorded a multi-agency meeting"
    ATTENDANCE_RECORDED = "meeting.attendance_recorded", "Recorded who attended a meeting"
    ACTION_ADDED = "meeting.action_added", "Added a meeting action"
    ACTION_COMPLETED = "meeting.action_completed", "Marked a meeting action done"
