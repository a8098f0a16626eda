"""The case summary contract and the event envelope: whatever arrives, the answer is a
summary or a refusal that names the field (never its value), never anything else."""

import contextlib
import json

from hypothesis import given, settings
from hypothesis import strategies as st

from safeguard.integration.events import EventParseError, event_body, parse_body
from safeguard.integration.summary import SummaryError, parse_case_summary
from tests.integration.conftest import registration, summary

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=12),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=12,
)
FIELDS = ["crn", "name", "dateOfBirth", "sex", "ethnicity", "manager", "custody", "registrations"]


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.sampled_from(FIELDS), json_values, max_size=8))
def test_any_json_is_a_summary_or_a_summary_error(data):
    try:
        parse_case_summary(data)
    except SummaryError as exc:
        # The message names a field; it never echoes the value it was given.
        for value in data.values():
            if isinstance(value, str) and len(value) > 3:
                assert value not in str(exc)


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(FIELDS), json_values)
def test_one_field_broken_in_a_good_summary(name, value):
    data = summary(registrations=[registration()])
    data[name] = value
    with contextlib.suppress(SummaryError):
        parse_case_summary(data)


def test_a_good_summary():
    parsed = parse_case_summary(
        summary(registrations=[registration(), registration("9", active=False)])
    )
    assert parsed.crn == "X100001" and parsed.staff_code == "N07DEMP"
    assert [r.active for r in parsed.registrations] == [True, False]
    assert parsed.registrations[1].next_review_date is None


def test_codes_map_and_unknown_ethnicity_is_not_stated():
    assert parse_case_summary(summary(ethnicity="A9")).ethnicity == "A5"
    assert parse_case_summary(summary(ethnicity="??")).ethnicity == "NS"
    assert parse_case_summary(summary(sex="N")).sex == "unknown"


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200) | json_values.map(json.dumps))
def test_any_body_is_an_event_or_a_parse_error(body):
    with contextlib.suppress(EventParseError):
        parse_body(body)


def test_an_sns_notification_and_a_raw_event_are_both_read():
    wrapped = parse_body(event_body("probation-case.registration.added", "x100001", "http://d/x"))
    assert (wrapped.event_type, wrapped.crn, wrapped.handled) == (
        "probation-case.registration.added",
        "X100001",
        True,
    )
    raw = parse_body(json.loads(event_body("some.other.event", "X100001", "http://d/x"))["Message"])
    assert raw.event_type == "some.other.event" and not raw.handled
