"""The GOV.UK date input (day, month and year boxes) of every date field, with plausible years."""

import datetime as dt

import pytest
from django.template import Context, Template
from hypothesis import given
from hypothesis import strategies as st

from safeguard.core.forms import Form, GovDateField


class EventForm(Form):
    happened_on = GovDateField(kind="event", label="Date it happened")


class OptionalForm(Form):
    date_from = GovDateField(kind="filter", label="From", required=False)


def test_three_boxes_make_a_date():
    form = EventForm(
        {"happened_on-day": "7", "happened_on-month": "12", "happened_on-year": "2025"}
    )
    assert form.is_valid(), form.errors
    assert form.cleaned_data["happened_on"] == dt.date(2025, 12, 7)


def test_a_single_value_is_still_read():
    form = EventForm({"happened_on": "07/12/2025"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["happened_on"] == dt.date(2025, 12, 7)


@pytest.mark.parametrize(
    ("parts", "message"),
    [
        (("", "12", "2025"), "Date it happened must include a day"),
        (("7", "", ""), "Date it happened must include a month and a year"),
        (("31", "2", "2025"), "Date it happened must be a real date"),
        (("7", "12", "25"), "Year must include 4 numbers"),
        (("x", "12", "2025"), "Date it happened must be a real date"),
        (("7", "12", "1850"), "Date it happened"),  # an implausible year (core.bounds)
        (("", "", ""), "Enter"),  # required
    ],
)
def test_the_design_systems_messages(parts, message):
    day, month, year = parts
    form = EventForm({"happened_on-day": day, "happened_on-month": month, "happened_on-year": year})
    assert not form.is_valid()
    assert message in form.errors["happened_on"][0]


def test_an_optional_date_left_empty_is_none():
    form = OptionalForm({"date_from-day": "", "date_from-month": "", "date_from-year": ""})
    assert form.is_valid() and form.cleaned_data["date_from"] is None


@given(st.dates(min_value=dt.date(1, 1, 1), max_value=dt.date(9999, 12, 31)))
def test_any_date_typed_is_accepted_only_within_its_plausible_window(day):
    form = EventForm(
        {
            "happened_on-day": str(day.day),
            "happened_on-month": str(day.month),
            "happened_on-year": f"{day.year:04d}",
        }
    )
    if form.is_valid():
        assert form.cleaned_data["happened_on"] == day
        assert 1900 < day.year < 2200
    else:
        assert form.errors["happened_on"]


def test_it_renders_as_the_govuk_date_input_and_keeps_what_was_typed():
    form = EventForm(
        {"happened_on-day": "31", "happened_on-month": "2", "happened_on-year": "2025"}
    )
    form.is_valid()
    html = Template('{% include "includes/field.html" with field=form.happened_on %}').render(
        Context({"form": form})
    )
    assert '<fieldset class="govuk-fieldset" role="group"' in html
    assert '<legend class="govuk-fieldset__legend">Date it happened</legend>' in html
    for name, value in (("day", "31"), ("month", "2"), ("year", "2025")):
        assert f'name="happened_on-{name}" type="text" inputmode="numeric" value="{value}"' in html
    assert 'id="id_happened_on"' in html  # the error summary's link lands on the day box
    assert "govuk-input--error" in html and "must be a real date" in html
