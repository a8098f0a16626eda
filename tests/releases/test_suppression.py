"""Release measures publish no count of 1 to 4, for all inputs (hypothesis)."""

from hypothesis import given
from hypothesis import strategies as st

from safeguard.insights.suppression import is_small
from safeguard.releases import insights

KEYS = list(insights._counts())


def _row(draw_counts):
    return {k: v for k, v in zip(KEYS, draw_counts, strict=True)}


rows = st.lists(
    st.lists(st.integers(0, 30), min_size=len(KEYS), max_size=len(KEYS)).map(_row),
    min_size=1,
    max_size=5,
)


@given(rows)
def test_no_small_count_or_complement_is_published(groups):
    overall = {k: sum(g[k] for g in groups) for k in KEYS}
    for row in [overall, *groups]:
        for m in insights.measures():
            row[f"{m.key}_share"] = 50.0
    overall, groups = insights.suppress(overall, [dict(g) for g in groups])
    for row in [overall, *groups]:
        assert not any(is_small(row[k]) for k in KEYS)
        for m in insights.measures():
            num, den = row[m.numerator], row[m.denominator]
            if num is not None and den is not None:
                assert not is_small(den - num)
            else:
                assert row[f"{m.key}_share"] is None
    for key in KEYS:
        hidden = [g for g in groups if g[key] is None]
        shown_positive = [g for g in groups if g[key]]
        assert len(hidden) != 1 or not shown_positive
