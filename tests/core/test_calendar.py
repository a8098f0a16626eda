import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from safeguard.core.calendar import add_working_days, is_working_day, working_days_between


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        # Christmas Day, Boxing Day and a weekend fall in between.
        (dt.date(2025, 12, 24), 2, dt.date(2025, 12, 30)),
        (dt.date(2026, 12, 24), 2, dt.date(2026, 12, 30)),  # Boxing Day observed on Monday 28th
        (dt.date(2026, 11, 27), 1, dt.date(2026, 11, 30)),  # Friday to Monday
        (dt.date(2026, 4, 2), 1, dt.date(2026, 4, 7)),  # Good Friday and Easter Monday
        (dt.date(2026, 11, 28), 2, dt.date(2026, 12, 1)),  # sent on a Saturday
        (dt.date(2026, 11, 25), 0, dt.date(2026, 11, 25)),
    ],
)
def test_add_working_days(start, days, expected):
    assert add_working_days(start, days) == expected


def test_bank_holidays_are_not_working_days():
    assert not is_working_day(dt.date(2025, 12, 25))
    assert not is_working_day(dt.date(2026, 8, 31))
    assert is_working_day(dt.date(2026, 11, 27))


@given(st.dates(min_value=dt.date(2020, 1, 1), max_value=dt.date(2035, 12, 31)), st.integers(0, 40))
def test_counting_back_gives_the_days_added(start, days):
    end = add_working_days(start, days)
    assert working_days_between(start, end) == days
    assert days == 0 or is_working_day(end)
