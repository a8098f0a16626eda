"""This area's sweeps: functions the registries run (see ``apps.py``). They act on the current
time, whatever ``today`` the scan was given, because they send real emails."""

from safeguard.alerts import services


def alert_new_urgent_items(person_ids) -> int:
    """After work items are refreshed (``registry.after_work_refresh``): alert the new urgent
    ones at once, for these people (or everyone, for None)."""
    return services.alerts_raise(person_ids=person_ids)


def alert_and_escalate(today) -> int:
    """Periodic (``registry.sweeps``): alert anything missed, fail alerts whose emails could
    not be delivered, and escalate what nobody acknowledged in time."""
    raised = services.alerts_raise()
    failed = services.alerts_mark_failed()
    return raised + failed + services.alerts_escalate()
