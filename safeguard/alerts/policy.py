"""Office hours, escalation time and the rules that tell the SPO at once, from
``data/alerts.toml``."""

import tomllib
from datetime import datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from safeguard.core.calendar import is_working_day

LONDON = ZoneInfo("Europe/London")
_DATA = tomllib.loads((Path(__file__).parent / "data" / "alerts.toml").read_text())

OFFICE_OPENS = time.fromisoformat(_DATA["office_hours"]["opens"])
OFFICE_CLOSES = time.fromisoformat(_DATA["office_hours"]["closes"])
ESCALATE_AFTER = timedelta(minutes=int(_DATA["escalation"]["after_minutes"]))
TELL_SPO_AT_ONCE: frozenset[str] = frozenset(_DATA["tell_spo_at_once"]["rules"])


def office_hours_text() -> str:
    def hour(t):
        text = f"{t.hour % 12 or 12}" + (f":{t.minute:02d}" if t.minute else "")
        return text + ("am" if t.hour < 12 else "pm")

    return f"Monday to Friday, {hour(OFFICE_OPENS)} to {hour(OFFICE_CLOSES)}, except bank holidays"


def in_office_hours(at: datetime) -> bool:
    """Monday to Friday between opening and closing time in London, not on a bank holiday."""
    local = at.astimezone(LONDON)
    return is_working_day(local.date()) and OFFICE_OPENS <= local.time() < OFFICE_CLOSES


def office_periods(start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
    """The office-hours periods that overlap ``start``..``end``, clipped to it."""
    periods = []
    day = start.astimezone(LONDON).date()
    last = end.astimezone(LONDON).date()
    while day <= last:
        if is_working_day(day):
            opens = datetime.combine(day, OFFICE_OPENS, tzinfo=LONDON)
            closes = datetime.combine(day, OFFICE_CLOSES, tzinfo=LONDON)
            s, e = max(opens, start), min(closes, end)
            if s < e:
                periods.append((s, e))
        day += timedelta(days=1)
    return periods


def subtract(
    period: tuple[datetime, datetime], holes: list[tuple[datetime, datetime]]
) -> list[tuple[datetime, datetime]]:
    """What is left of ``period`` once every interval in ``holes`` is taken out."""
    left = [period]
    for hole_start, hole_end in sorted(holes):
        pieces = []
        for s, e in left:
            if hole_end <= s or hole_start >= e:
                pieces.append((s, e))
                continue
            if s < hole_start:
                pieces.append((s, hole_start))
            if hole_end < e:
                pieces.append((hole_end, e))
        left = pieces
    return left


def out_of_hours_gaps(
    start: datetime, end: datetime, covered: list[tuple[datetime, datetime]]
) -> list[tuple[datetime, datetime]]:
    """The out-of-hours stretches between ``start`` and ``end`` that no duty entry covers."""
    return subtract((start, end), [*office_periods(start, end), *covered])
