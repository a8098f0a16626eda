"""The one small-number rule, for all inputs: no count of 1 to 4 is published, and no hidden
row can be worked out from the total by subtraction (secondary suppression)."""

from hypothesis import given
from hypothesis import strategies as st

from safeguard.insights.suppression import (
    SUPPRESSED,
    is_small,
    suppress_values,
    suppressed_rows,
)

counts = st.integers(min_value=0, max_value=60)
rate_rows = st.lists(
    st.tuples(counts, counts).map(lambda t: [t[0] + t[1], t[0], t[1]]),  # n, events, non-events
    min_size=1,
    max_size=8,
)


@given(rate_rows)
def test_no_published_row_holds_a_small_count(rows):
    hidden = suppressed_rows(rows)
    for row, h in zip(rows, hidden, strict=True):
        if not h:
            assert not any(is_small(v) for v in row)


@given(rate_rows)
def test_never_exactly_one_row_hidden_while_another_could_be_hidden(rows):
    hidden = suppressed_rows(rows)
    others = [i for i, row in enumerate(rows) if not hidden[i] and row[0] > 0]
    assert sum(hidden) != 1 or not others


@given(rate_rows)
def test_a_hidden_row_cannot_be_worked_out_from_the_total(rows):
    """Knowing the total and every published row, the hidden rows' counts are known only as a
    sum over at least two rows (or there is only one row with anybody in it)."""
    hidden = suppressed_rows(rows)
    hidden_rows = [row for row, h in zip(rows, hidden, strict=True) if h]
    people = [row for row in rows if row[0] > 0]
    if hidden_rows and len(people) > 1:
        assert len(hidden_rows) >= 2


@given(st.lists(counts, min_size=1, max_size=10))
def test_values_rule_hides_small_counts_and_a_second_one(values):
    shown = suppress_values(values, secondary=True)
    assert not any(is_small(v) for v in shown if v != SUPPRESSED)
    hidden = shown.count(SUPPRESSED)
    positive_shown = [v for v in shown if v != SUPPRESSED and v > 0]
    assert hidden != 1 or not positive_shown
