"""The arithmetic against figures worked out by hand, and against statsmodels' own result."""

import math

import pandas as pd
import pytest
import statsmodels.formula.api as smf
from hypothesis import given
from hypothesis import strategies as st

from safeguard.equality import stats


def test_odds_ratio_of_a_2x2_table_and_its_woolf_interval():
    # Group: 20 with the outcome, 80 without; reference: 10 with, 90 without.
    # OR = (20 x 90) / (80 x 10) = 2.25; se(log OR) = sqrt(1/20 + 1/80 + 1/10 + 1/90)
    #    = sqrt(0.173611) = 0.416667; 95% CI = exp(0.810930 -/+ 1.959964 x 0.416667)
    #    = exp(-0.005721) to exp(1.627582) = 0.99430 to 5.09152.
    ratio = stats.woolf_odds_ratio(20, 80, 10, 90)
    assert ratio.odds_ratio == pytest.approx(2.25)
    assert ratio.ci_low == pytest.approx(0.99430, abs=1e-4)
    assert ratio.ci_high == pytest.approx(5.09152, abs=1e-4)
    assert not stats.excludes_one(ratio)  # 0.994 to 5.09 includes 1
    assert stats.excludes_one(stats.woolf_odds_ratio(40, 60, 10, 90))


def test_a_zero_cell_has_no_odds_ratio():
    ratio = stats.woolf_odds_ratio(0, 10, 5, 5)
    assert ratio.odds_ratio is None and "zero" in ratio.note


def _cells():
    """A fixed table: two groups by one covariate (need: yes/no)."""
    return [
        {"group": "male", "need": "yes", "n": 120, "events": 70},
        {"group": "male", "need": "no", "n": 200, "events": 60},
        {"group": "female", "need": "yes", "n": 60, "events": 45},
        {"group": "female", "need": "no", "n": 40, "events": 14},
        {"group": "other", "need": "yes", "n": 30, "events": 12},
        {"group": "other", "need": "no", "n": 50, "events": 10},
    ]


def test_regression_on_counts_matches_statsmodels_on_one_row_per_person():
    cells = _cells()
    model = stats.fit_adjusted(cells, "male", ["need"])
    assert model.not_fitted == "" and model.adjusted_for == ["need"]

    # The same data one row per person, fitted by statsmodels' own logit.
    rows = {"y": [], "group": [], "need": []}
    for c in cells:
        for i in range(c["n"]):
            rows["y"].append(1 if i < c["events"] else 0)
            rows["group"].append(c["group"])
            rows["need"].append(c["need"])
    fit = smf.logit(
        "y ~ C(group, Treatment('male')) + C(need, Treatment('no'))",
        data=pd.DataFrame(rows),
    ).fit(disp=0)
    for group in ("female", "other"):
        name = f"C(group, Treatment('male'))[T.{group}]"
        low, high = fit.conf_int().loc[name]
        ratio = model.ratios[group]
        assert ratio.odds_ratio == pytest.approx(math.exp(fit.params[name]), rel=1e-6)
        assert ratio.ci_low == pytest.approx(math.exp(low), rel=1e-6)
        assert ratio.ci_high == pytest.approx(math.exp(high), rel=1e-6)


def test_without_covariates_the_adjusted_ratio_is_the_crude_one():
    cells = [
        {"group": "a", "n": 100, "events": 10},
        {"group": "b", "n": 100, "events": 20},
    ]
    model = stats.fit_adjusted(cells, "a", [])
    crude = stats.woolf_odds_ratio(20, 80, 10, 90)
    assert model.ratios["b"].odds_ratio == pytest.approx(crude.odds_ratio)
    assert model.ratios["b"].ci_low == pytest.approx(crude.ci_low, rel=1e-6)


def test_a_covariate_that_does_not_vary_is_dropped_not_an_error():
    cells = [dict(c, urgency="routine") for c in _cells()]
    model = stats.fit_adjusted(cells, "male", ["need", "urgency"])
    assert model.adjusted_for == ["need"]
    assert model.dropped == [("urgency", "it did not vary")]
    assert model.ratios["female"].odds_ratio is not None


@pytest.mark.parametrize(
    ("cells", "why"),
    [
        ([{"group": "a", "n": 10, "events": 0}, {"group": "b", "n": 10, "events": 5}], "reference"),
        ([{"group": "a", "n": 10, "events": 5}], "only one group"),
        ([], "nobody"),
    ],
)
def test_a_model_that_cannot_be_fitted_says_why(cells, why):
    model = stats.fit_adjusted(cells, "a", [])
    assert why in model.not_fitted
    assert model.ratios.get("b") is None or model.ratios["b"].odds_ratio is None


def test_a_group_where_everyone_had_the_outcome_is_left_out_with_a_reason():
    cells = [
        {"group": "a", "n": 50, "events": 20},
        {"group": "b", "n": 50, "events": 30},
        {"group": "c", "n": 8, "events": 8},
    ]
    model = stats.fit_adjusted(cells, "a", [])
    assert model.not_fitted == ""
    assert model.ratios["c"].odds_ratio is None and "Everyone" in model.ratios["c"].note
    assert model.ratios["b"].odds_ratio == pytest.approx((30 / 20) / (20 / 30))


def test_need_bound_up_with_the_groups_is_reported_not_raised():
    # Every "a" has need, every "b" has none: group and need cannot be told apart.
    cells = [
        {"group": "a", "need": "yes", "n": 50, "events": 20},
        {"group": "b", "need": "no", "n": 50, "events": 30},
    ]
    model = stats.fit_adjusted(cells, "a", ["need"])
    assert "could not be fitted" in model.not_fitted


def test_spiegelhalter_limits_by_hand():
    # p0 = 0.5, n = 100: sd = sqrt(0.25 / 100) = 0.05.
    limits = stats.proportion_limits(0.5, 100)
    assert limits.lower_95 == pytest.approx(0.5 - 1.959964 * 0.05, abs=1e-6)
    assert limits.upper_95 == pytest.approx(0.59800, abs=1e-5)
    assert limits.lower_998 == pytest.approx(0.5 - 3.090232 * 0.05, abs=1e-6)
    assert stats.position(0.7, limits) == "above 99.8%"
    assert stats.position(0.6, limits) == "above 95%"
    assert stats.position(0.5, limits) == "within"
    assert stats.position(0.3, limits) == "below 99.8%"
    days = stats.mean_limits(5.0, 2.0, 16)  # se = 0.5
    assert days.upper_95 == pytest.approx(5.98, abs=1e-2) and days.lower_998 >= 0


@given(
    st.lists(
        st.tuples(st.integers(1, 60), st.integers(0, 60)).map(lambda t: (t[0] + t[1], t[0])),
        min_size=2,
        max_size=5,
    )
)
def test_the_fit_never_raises(groups):
    cells = [
        {"group": f"g{i}", "n": n, "events": e, "need": "yes" if i % 2 else "no"}
        for i, (n, e) in enumerate(groups)
    ]
    model = stats.fit_adjusted(cells, "g0", ["need"])
    for ratio in model.ratios.values():
        assert ratio.odds_ratio is None or math.isfinite(ratio.odds_ratio)


def test_many_groups_fit_by_structure_matches_statsmodels(monkeypatch):
    """Above STATSMODELS_MAX_GROUPS groups (local authorities) the fit is by Newton's method on
    the model's structure: the same estimates and intervals as statsmodels' GLM."""
    import random

    rng = random.Random(7)
    cells = []
    for g in range(60):
        for need in ("yes", "no"):
            for urgency in ("routine", "urgent", "immediate"):
                n = rng.randint(5, 40)
                cells.append(
                    {
                        "group": f"la{g:02d}",
                        "need": need,
                        "urgency": urgency,
                        "n": n,
                        "events": rng.randint(1, n - 1),
                    }
                )
    structured = stats.fit_adjusted(cells, "la00", ["need", "urgency"])
    monkeypatch.setattr(stats, "STATSMODELS_MAX_GROUPS", 10_000)
    dense = stats.fit_adjusted(cells, "la00", ["need", "urgency"])
    assert structured.not_fitted == dense.not_fitted == ""
    assert structured.adjusted_for == dense.adjusted_for == ["need", "urgency"]
    assert set(structured.ratios) == set(dense.ratios)
    for group, ratio in dense.ratios.items():
        other = structured.ratios[group]
        assert other.odds_ratio == pytest.approx(ratio.odds_ratio, rel=1e-7)
        if ratio.ci_low is not None:
            assert other.ci_low == pytest.approx(ratio.ci_low, rel=1e-6)
            assert other.ci_high == pytest.approx(ratio.ci_high, rel=1e-6)
