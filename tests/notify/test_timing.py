"""Quiet hours and backoff: rules that must hold for every moment, clocks changing included."""

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from safeguard.notify.timing import (
    LONDON,
    backoff,
    in_quiet_hours,
    last_text_time_before,
    next_text_time,
    plan_send_time,
)

UTC = dt.UTC
moments = st.datetimes(
    min_value=dt.datetime(2024, 1, 1), max_value=dt.datetime(2030, 12, 31), timezones=st.just(UTC)
)
durations = st.timedeltas(min_value=dt.timedelta(0), max_value=dt.timedelta(days=20))


def local(hour, minute=0, day=dt.date(2026, 3, 10)):
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=LONDON)


def test_quiet_hours_are_nine_at_night_to_eight_in_the_morning_london_time():
    assert in_quiet_hours(local(21, 0))
    assert in_quiet_hours(local(7, 59))
    assert in_quiet_hours(local(0, 30))
    assert not in_quiet_hours(local(8, 0))
    assert not in_quiet_hours(local(20, 59))
    # In summer London is UTC+1: 20:30 UTC is 21:30 in London.
    summer = dt.datetime(2026, 7, 1, 20, 30, tzinfo=UTC)
    assert in_quiet_hours(summer)


@given(moments)
def test_next_text_time_is_never_in_quiet_hours_and_never_earlier(moment):
    result = next_text_time(moment)
    assert not in_quiet_hours(result)
    assert result >= moment
    # Quiet hours are 11 hours of clock time; the night the clocks go back lasts 12 hours.
    assert result - moment <= dt.timedelta(hours=12, minutes=1)


@given(moments)
def test_last_text_time_before_is_never_in_quiet_hours_and_never_later(moment):
    result = last_text_time_before(moment)
    assert not in_quiet_hours(result)
    assert result <= moment


@settings(max_examples=300)
@given(wanted=moments, now=moments, until_deadline=st.none() | durations)
def test_a_planned_text_is_never_sent_in_quiet_hours_nor_after_its_deadline(
    wanted, now, until_deadline
):
    deadline = None if until_deadline is None else wanted + until_deadline
    planned = plan_send_time(wanted, channel="sms", now=now, deadline=deadline)
    if planned is None:
        return
    assert not in_quiet_hours(planned)
    assert planned >= now
    if deadline is not None:
        assert planned < deadline


@given(wanted=moments, now=moments)
def test_email_has_no_quiet_hours(wanted, now):
    assert plan_send_time(wanted, channel="email", now=now) == max(wanted, now)


def test_a_reminder_that_would_fall_in_the_night_moves_to_eight_or_to_the_evening_before():
    now = local(12, 0, dt.date(2026, 3, 9))
    # 2 hours before a 09:30 appointment is 07:30: moved to 08:00.
    assert plan_send_time(local(7, 30), channel="sms", now=now, deadline=local(9, 30)) == local(
        8, 0
    )
    # 2 hours before an 08:15 appointment is 06:15; 08:00 would be too late to help (it is
    # before 08:15, so still fine); for an 08:00 appointment it goes at 20:59 the evening before.
    assert plan_send_time(local(6, 0), channel="sms", now=now, deadline=local(8, 0)) == (
        local(20, 59, dt.date(2026, 3, 9))
    )


def test_a_text_that_cannot_be_sent_in_time_is_not_planned():
    now = local(22, 0, dt.date(2026, 3, 9))
    assert plan_send_time(local(5, 0), channel="sms", now=now, deadline=local(7, 30)) is None


def test_backoff_doubles_up_to_an_hour():
    assert 60 <= backoff(1).total_seconds() <= 66
    assert 120 <= backoff(2).total_seconds() <= 132
    assert 3600 <= backoff(20).total_seconds() <= 3960
