"""Percentiles worked out from counts are exactly PostgreSQL's percentile_cont."""

import math
from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

from safeguard.insights.stats import percentile_of_counts


def _interpolate(values: list[float], p: float) -> float | None:
    """percentile_cont as PostgreSQL documents it, over the listed values."""
    if not values:
        return None
    values = sorted(values)
    position = p * (len(values) - 1)
    lower, upper = math.floor(position), math.ceil(position)
    return values[lower] + (values[upper] - values[lower]) * (position - lower)


@given(
    st.lists(st.integers(min_value=0, max_value=60), max_size=200),
    st.floats(min_value=0, max_value=1),
)
def test_percentile_from_counts_equals_the_percentile_of_the_values(values, p):
    expected = _interpolate([float(v) for v in values], p)
    got = percentile_of_counts(Counter(values), p)
    if expected is None:
        assert got is None
    else:
        assert got == pytest.approx(expected)


def test_percentiles_of_known_figures():
    counts = {1: 1, 2: 1, 3: 1, 4: 1}
    assert percentile_of_counts(counts, 0.5) == 2.5
    assert percentile_of_counts(counts, 0.9) == pytest.approx(3.7)
    assert percentile_of_counts({}, 0.5) is None
