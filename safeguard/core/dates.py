"""Date arithmetic kept in one place (the leap-day-safe month helpers live in
``safeguard.core.bounds`` beside the date windows)."""

from datetime import date, datetime, time

from django.utils import timezone

from safeguard.core.bounds import months_after


def add_months(start: date, months: int) -> date:
    """The same day ``months`` later, or the last day of that month when it is shorter."""
    return months_after(start, months)


def govuk_time(moment: datetime | time) -> str:
    """A time as GOV.UK writes it, in Europe/London: 10am, 2:22pm, midday, midnight.

    The one way times are written, on pages (the ``govuk_time`` template filter) and in
    messages."""
    if isinstance(moment, datetime):
        moment = timezone.localtime(moment) if timezone.is_aware(moment) else moment
    if moment.hour == 12 and moment.minute == 0:
        return "midday"
    if moment.hour == 0 and moment.minute == 0:
        return "midnight"
    hour = moment.hour % 12 or 12
    suffix = "am" if moment.hour < 12 else "pm"
    return f"{hour}{suffix}" if moment.minute == 0 else f"{hour}:{moment.minute:02d}{suffix}"


def govuk_datetime(moment: datetime, *, short: bool = False) -> str:
    """ "7 December 2026 at 2:22pm" (or "7 Dec 2026 at 2:22pm" when ``short``)."""
    local = timezone.localtime(moment) if timezone.is_aware(moment) else moment
    month = f"{local:%b}" if short else f"{local:%B}"
    return f"{local.day} {month} {local.year} at {govuk_time(local)}"
