"""Engagement's sweeps for `safeguarding_scan` (``settings.SAFEGUARD_SWEEPS``): functions
``(today) -> int``. They act on the current time, whatever ``today`` the scan was given, because
they queue real messages. `manage.py engagement_sweep` runs the same on its own."""

from safeguard.engagement.checkins import check_ins_send_due
from safeguard.engagement.services import summaries_send_due


def send_due_check_ins(today) -> int:
    return check_ins_send_due()


def send_due_summaries(today) -> int:
    return summaries_send_due()
