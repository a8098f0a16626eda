"""When screens and safety plan reviews fall due: the numbers, and the one Python statement of
the screen-due rule (the work-item rule in ``rules.py`` states the same rule in SQL, and a test
holds the two together)."""

import datetime as dt
import tomllib
from dataclasses import dataclass
from pathlib import Path

from django.utils import timezone

from safeguard.core.bounds import months_before
from safeguard.people.models import CustodyStatus

# A screen is due when there has been none for this many calendar months (the longest interval,
# for a low level; shorter ones by level are in data/screening.toml)...
SCREEN_INTERVAL_MONTHS = 6
# ...or when release is expected within this many days and there has been no screen in the
# same number of days before today.
PRE_RELEASE_WINDOW_DAYS = 28
# A pre-release screen is due this many days before the expected release date (or today, if
# that has passed), so that there is time to act on it: a safety plan, naloxone, housing.
PRE_RELEASE_DUE_DAYS_BEFORE = 7
# Someone never screened should be screened within this many days of supervision starting.
FIRST_SCREEN_WITHIN_DAYS = 28
# A safety plan is reviewed at the latest this many months after it was written.
SAFETY_PLAN_MAX_REVIEW_MONTHS = 6


def _rescreen_intervals() -> dict[str, dict[str, int]]:
    path = Path(__file__).resolve().parent / "data" / "screening.toml"
    intervals = tomllib.loads(path.read_text(encoding="utf-8"))["rescreen_after"]
    for level, interval in intervals.items():
        if len(interval) != 1 or next(iter(interval)) not in ("weeks", "months"):
            raise ValueError(f"screening.toml: {level} needs weeks or months")
    return intervals


# The risk-to-self level of the latest screen -> how long until the next is due.
RESCREEN_AFTER = _rescreen_intervals()


def rescreen_since(level: str, today: dt.date) -> dt.datetime:
    """A latest screen at ``level`` completed before this moment is due again."""
    interval = RESCREEN_AFTER.get(level, {"months": SCREEN_INTERVAL_MONTHS})
    if "weeks" in interval:
        return start_of_day(today - dt.timedelta(weeks=interval["weeks"]))
    return start_of_day(months_before(today, interval["months"]))


def shorter_rescreen_levels() -> list[str]:
    """The levels screened again sooner than every 6 months."""
    return [
        level
        for level, interval in RESCREEN_AFTER.items()
        if interval != {"months": SCREEN_INTERVAL_MONTHS}
    ]


def start_of_day(day: dt.date) -> dt.datetime:
    """Midnight at the start of ``day`` in the service's time zone (Europe/London)."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def screen_recent_since(today: dt.date) -> dt.datetime:
    """Screens completed at or after this moment count as 'in the last 6 months'."""
    return start_of_day(months_before(today, SCREEN_INTERVAL_MONTHS))


def pre_release_recent_since(today: dt.date) -> dt.datetime:
    return start_of_day(today - dt.timedelta(days=PRE_RELEASE_WINDOW_DAYS))


def release_window_end(today: dt.date) -> dt.date:
    return today + dt.timedelta(days=PRE_RELEASE_WINDOW_DAYS)


class ScreenDueReason:
    PRE_RELEASE = "pre_release"
    NEVER_SCREENED = "never_screened"
    LAPSED = "lapsed"
    LEVEL_INTERVAL = "level_interval"


SCREEN_DUE_TEXT = {
    ScreenDueReason.PRE_RELEASE: "Release expected within 4 weeks: screen before release",
    ScreenDueReason.NEVER_SCREENED: "No vulnerability screen recorded",
    ScreenDueReason.LAPSED: "No vulnerability screen in the last 6 months",
    ScreenDueReason.LEVEL_INTERVAL: "Screen again: the interval for their risk-to-self level "
    "has passed",
}


@dataclass(frozen=True)
class ScreenDue:
    reason: str
    due_on: dt.date

    @property
    def text(self):
        return SCREEN_DUE_TEXT[self.reason]


def under_supervision(person, today: dt.date) -> bool:
    return person.supervision_end is None or person.supervision_end >= today


def release_imminent(person, today: dt.date) -> bool:
    return (
        person.custody_status == CustodyStatus.IN_CUSTODY
        and person.expected_release_date is not None
        and today <= person.expected_release_date <= release_window_end(today)
    )


def screen_due(
    *,
    person,
    last_screen_at: dt.datetime | None,
    today: dt.date,
    last_screen_level: str | None = None,
) -> ScreenDue | None:
    """Whether ``person`` needs a vulnerability screen, why, and by when.

    Due when (a) release is expected within 4 weeks and there has been no screen in the last
    4 weeks (due a week before release, or today if that has passed), or (b) there has been no
    screen in the last 6 months (due 4 weeks after supervision started for someone never
    screened; otherwise today, the day the 6 months ran out as far as a daily scan can tell),
    or (c) the latest screen's level has a shorter interval (``RESCREEN_AFTER``) that has
    passed (due today).
    Only people still under supervision.
    """
    if not under_supervision(person, today):
        return None
    if release_imminent(person, today) and (
        last_screen_at is None or last_screen_at < pre_release_recent_since(today)
    ):
        due = person.expected_release_date - dt.timedelta(days=PRE_RELEASE_DUE_DAYS_BEFORE)
        return ScreenDue(ScreenDueReason.PRE_RELEASE, max(due, today))
    if last_screen_at is None:
        return ScreenDue(
            ScreenDueReason.NEVER_SCREENED,
            person.supervision_start + dt.timedelta(days=FIRST_SCREEN_WITHIN_DAYS),
        )
    if last_screen_at < screen_recent_since(today):
        return ScreenDue(ScreenDueReason.LAPSED, today)
    if last_screen_level is not None and last_screen_at < rescreen_since(last_screen_level, today):
        return ScreenDue(ScreenDueReason.LEVEL_INTERVAL, today)
    return None
