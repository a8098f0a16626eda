"""Every change to appointments, reminder preferences and travel support, by what it does:
``appointments``, ``reminders`` (preferences and summaries), ``travel``; ``outbox`` writes and
withdraws the messages they queue. This module is the index views and the API call through.
"""

from safeguard.engagement.appointments import (
    appointment_cancel,
    appointment_create,
    appointment_record_outcome,
    appointment_reschedule,
    appointment_welfare_checked,
)
from safeguard.engagement.outbox import plan_reminder_times
from safeguard.engagement.reminders import (
    clean_lead_times,
    reminder_preferences_save,
    summaries_send_due,
)
from safeguard.engagement.travel import (
    travel_request_create,
    travel_request_decide,
    travel_request_mark_paid,
)

__all__ = [
    "appointment_cancel",
    "appointment_create",
    "appointment_record_outcome",
    "appointment_reschedule",
    "appointment_welfare_checked",
    "clean_lead_times",
    "plan_reminder_times",
    "reminder_preferences_save",
    "summaries_send_due",
    "travel_request_create",
    "travel_request_decide",
    "travel_request_mark_paid",
]
