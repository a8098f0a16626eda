"""The ``date`` filter's fast path for "j F Y" and "j M Y" writes what Django's own writes."""

import datetime as dt
import zoneinfo

from django.template import Context, Engine, Template
from django.template.defaultfilters import date as django_date
from django.utils import timezone, translation
from hypothesis import given, settings
from hypothesis import strategies as st

from safeguard.core.templatetags import safeguard as tags

LONDON = zoneinfo.ZoneInfo("Europe/London")


def test_pages_use_this_date_filter():
    assert Engine.get_default().template_builtins[-1].filters["date"] is tags.date


@settings(max_examples=300, deadline=None)
@given(
    value=st.one_of(
        st.dates(),
        st.datetimes(
            min_value=dt.datetime(1900, 1, 1),
            max_value=dt.datetime(2200, 1, 1),
            timezones=st.sampled_from([dt.UTC, LONDON, zoneinfo.ZoneInfo("Asia/Tokyo")]),
        ),
        st.datetimes(),
    ),
    arg=st.sampled_from(["j F Y", "j M Y", "j M", "l j F", "D j M Y", None]),
)
def test_the_same_text_as_djangos_filter(value, arg):
    template = Template("{{ value|date:arg }}" if arg else "{{ value|date }}")
    shown = template.render(Context({"value": value, "arg": arg}))
    aware = isinstance(value, dt.datetime) and timezone.is_aware(value)
    local = timezone.localtime(value) if aware else value
    assert shown == django_date(local, arg)


def test_dates_read_as_govuk_dates_and_other_languages_keep_djangos():
    assert tags.date(dt.date(2026, 9, 7), "j F Y") == "7 September 2026"
    assert tags.date(dt.date(2026, 6, 30), "j M Y") == "30 Jun 2026"
    assert tags.date(dt.date(999, 1, 1), "j F Y") == "1 January 0999"  # as Django writes it
    assert tags.date(None, "j F Y") == "" and tags.date("", "j M Y") == ""
    with translation.override("cy"):
        assert tags.date(dt.date(2026, 9, 7), "j F Y") == django_date(dt.date(2026, 9, 7), "j F Y")
