"""When a message may go: quiet hours for texts, and backoff between attempts.

No text is sent between 21:00 and 08:00 in Europe/London, whatever the clocks are doing: a text
in the night can wake and frighten someone. Email has no quiet hours.
"""

import random
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")
QUIET_START = time(21, 0)
QUIET_END = time(8, 0)
QUIET_HOURS_TEXT = "Quiet hours: no texts are sent between 9pm and 8am"


def in_quiet_hours(moment: datetime) -> bool:
    local = moment.astimezone(LONDON).time()
    return local >= QUIET_START or local < QUIET_END


def next_text_time(moment: datetime) -> datetime:
    """The earliest moment at or after ``moment`` outside quiet hours."""
    if not in_quiet_hours(moment):
        return moment
    local = moment.astimezone(LONDON)
    day = local.date() if local.time() < QUIET_END else local.date() + timedelta(days=1)
    return datetime.combine(day, QUIET_END, tzinfo=LONDON).astimezone(UTC)


def last_text_time_before(moment: datetime) -> datetime:
    """The latest moment at or before ``moment`` outside quiet hours (20:59 the evening before)."""
    if not in_quiet_hours(moment):
        return moment
    local = moment.astimezone(LONDON)
    day = local.date() if local.time() >= QUIET_START else local.date() - timedelta(days=1)
    return (datetime.combine(day, QUIET_START, tzinfo=LONDON) - timedelta(minutes=1)).astimezone(
        UTC
    )


def plan_send_time(
    wanted: datetime, *, channel: str, now: datetime, deadline: datetime | None = None
) -> datetime | None:
    """When to send a message meant for ``wanted``: not before now, never in quiet hours for a
    text, and before ``deadline`` (an appointment's start). None when no such time exists."""
    moment = max(wanted, now)
    if channel == "sms":
        later = next_text_time(moment)
        if deadline is not None and later >= deadline:
            earlier = last_text_time_before(moment)
            later = earlier if earlier >= now else None
        moment = later
    if moment is None or (deadline is not None and moment >= deadline):
        return None
    return moment


def backoff(attempt: int, *, base_seconds: int = 60, cap_seconds: int = 3600) -> timedelta:
    """1, 2, 4, 8... minutes (with up to 10% jitter so retries do not arrive together)."""
    seconds = min(base_seconds * 2 ** max(attempt - 1, 0), cap_seconds)
    return timedelta(seconds=seconds * (1 + random.random() / 10))
