"""What the service accepts, declared once: paging, plausible dates and datetimes, free text.

The API's schemas (``safeguard.api.schemas``) and the page forms (``safeguard.core.forms``) both
read these, so a bound is changed here and nowhere else.

Paging
    ``limit`` is 1 to ``PAGE_LIMIT_MAX`` (500), ``offset`` 0 to ``OFFSET_MAX`` (1,000,000).
    Beyond is a 422: nothing here has a million rows for one caller, and databases overflow
    on offsets past 2**63.

Dates, by kind (see ``window``)
    ``birth``   a date of birth: 1 January 1900 to today.
    ``event``   something that happened or is planned in the life of a case (a meeting, an
                action's due date, a referral sent or decided, an appointment, a death, a
                release, a registration, a training completion): 1 January 2000 to three years
                from today. Services may be stricter (a meeting at most a year ahead, a death
                not in the future); this bound only keeps out dates no one means.
    ``filter``  the ends of a period asked for on a report or an export: 1 January 2000 to
                31 December 2100.
    ``any``     every other date typed on a page: 1 January 1900 to 31 December 2100, so
                that date arithmetic (a year either side, a day after) never overflows.

Datetimes
    A datetime without a time zone is refused (422, "include a time zone, for example
    2026-11-30T10:00:00Z"), not read as Europe/London: a clock time in the UK is ambiguous for
    an hour each October, and a client that forgot the zone has probably got other things
    wrong too. The date part is held to the kind's window, as for dates.

Free text
    Control characters other than newline, carriage return and tab, and the Unicode bidi
    embedding, override and isolate characters (U+202A to U+202E, U+2066 to U+2069), are
    refused with a message naming the field, never silently stripped: they can make text
    show differently from what is stored (an address or a note that reads backwards), and
    nothing a person typed is dropped without them knowing.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime

from django.utils import timezone

PAGE_LIMIT_MAX = 500
OFFSET_MAX = 1_000_000

EARLIEST_BIRTH = date(1900, 1, 1)
EARLIEST_EVENT = date(2000, 1, 1)
EVENT_YEARS_AHEAD = 3
FILTER_EARLIEST = date(2000, 1, 1)
FILTER_LATEST = date(2100, 12, 31)
ANY_EARLIEST = date(1900, 1, 1)
ANY_LATEST = date(2100, 12, 31)

KINDS = ("birth", "event", "filter", "any")

ZONE_REQUIRED = "include a time zone, for example 2026-11-30T10:00:00Z"


@dataclass(frozen=True)
class Window:
    earliest: date
    latest: date

    def __contains__(self, value: date) -> bool:
        return self.earliest <= value <= self.latest


def months_before(day: date, months: int) -> date:
    """The same day of the month ``months`` earlier (the last day of a shorter month, so
    29 February less 12 months is 28 February). Negative ``months`` goes forward."""
    month_index = day.year * 12 + (day.month - 1) - months
    year, month = divmod(month_index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def months_after(day: date, months: int) -> date:
    return months_before(day, -months)


def years_before(day: date, years: int) -> date:
    """The same day ``years`` earlier; 29 February becomes 28 February in a common year."""
    return months_before(day, 12 * years)


def window(kind: str, today: date | None = None) -> Window:
    if kind not in KINDS:
        raise ValueError(f"unknown kind of date {kind!r}")
    today = today or timezone.localdate()
    if kind == "birth":
        return Window(EARLIEST_BIRTH, today)
    if kind == "event":
        return Window(EARLIEST_EVENT, years_before(today, -EVENT_YEARS_AHEAD))
    if kind == "filter":
        return Window(FILTER_EARLIEST, FILTER_LATEST)
    return Window(ANY_EARLIEST, ANY_LATEST)


def describe(kind: str) -> str:
    """The window in words, for the OpenAPI document (where today is not known)."""
    return {
        "birth": "from 1900-01-01 to today",
        "event": f"from 2000-01-01 to {EVENT_YEARS_AHEAD} years from today",
        "filter": "from 2000-01-01 to 2100-12-31",
        "any": "from 1900-01-01 to 2100-12-31",
    }[kind]


def human(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def date_error(value: date, kind: str, today: date | None = None) -> str | None:
    """Why ``value`` is refused for a date of this kind, or None."""
    bounds = window(kind, today)
    if value in bounds:
        return None
    return f"must be between {human(bounds.earliest)} and {human(bounds.latest)}"


def datetime_error(value: datetime, kind: str, today: date | None = None) -> str | None:
    if value.tzinfo is None or value.utcoffset() is None:
        return ZONE_REQUIRED
    return date_error(value.date(), kind, today)


# C0 controls but tab, newline and carriage return; DEL and the C1 controls; bidi embeddings,
# overrides and isolates.
UNSAFE_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")

UNSAFE_TEXT_MESSAGE = (
    "must not contain control characters or text-direction characters (such as U+202E)"
)


def text_error(value: str) -> str | None:
    match = UNSAFE_TEXT.search(value)
    if match is None:
        return None
    return f"{UNSAFE_TEXT_MESSAGE}: found U+{ord(match.group()):04X}"
