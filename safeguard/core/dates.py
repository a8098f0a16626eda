"""Date arithmetic kept in one place (the leap-day-safe month helpers live in
``safeguard.core.bounds`` beside the date windows)."""

from datetime import date

from safeguard.core.bounds import months_after


def add_months(start: date, months: int) -> date:
    """The same day ``months`` later, or the last day of that month when it is shorter."""
    return months_after(start, months)
