"""Date arithmetic kept in one place."""

import calendar
from datetime import date


def add_months(start: date, months: int) -> date:
    """The same day ``months`` later, or the last day of that month when it is shorter."""
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    day = min(start.day, calendar.monthrange(year, month)[1])
    return date(year, month, day)
