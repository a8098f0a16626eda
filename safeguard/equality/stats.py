"""The arithmetic of the analysis, apart from the database: odds ratios with Woolf's interval,
logistic regression on an aggregated table, and Spiegelhalter's funnel limits."""

import math
import warnings
from dataclasses import dataclass, field

import numpy as np

Z_95 = 1.959963984540054
Z_998 = 3.090232306167813
# A standard error of a log odds ratio beyond this means the estimate is not identified.
MAX_LOG_SE = 20.0
# Above this many groups the fit uses the structured Newton method (_fit_grouped).
STATSMODELS_MAX_GROUPS = 40


@dataclass(frozen=True)
class Ratio:
    odds_ratio: float | None
    ci_low: float | None
    ci_high: float | None
    note: str = ""


def woolf_odds_ratio(a: int, b: int, c: int, d: int, z: float = Z_95) -> Ratio:
    """The odds ratio of a 2x2 table, group (a events, b without) against reference (c, d),
    with Woolf's interval: exp(log OR +/- z * sqrt(1/a + 1/b + 1/c + 1/d)). A zero cell has no
    odds ratio (the interval would be infinite)."""
    if min(a, b, c, d) <= 0:
        return Ratio(None, None, None, "No odds ratio: a count in the comparison is zero.")
    log_or = math.log((a * d) / (b * c))
    se = math.sqrt(1 / a + 1 / b + 1 / c + 1 / d)
    return Ratio(math.exp(log_or), math.exp(log_or - z * se), math.exp(log_or + z * se))


def excludes_one(ratio: Ratio) -> bool:
    return ratio.ci_low is not None and (ratio.ci_low > 1 or ratio.ci_high < 1)


@dataclass
class Model:
    """The adjusted odds ratio of each group against the reference, or why there is none."""

    ratios: dict = field(default_factory=dict)  # group -> Ratio
    adjusted_for: list = field(default_factory=list)
    dropped: list = field(default_factory=list)  # (covariate, why)
    not_fitted: str = ""


def _levels(values) -> list:
    """Levels in order of weight (largest first): the first is the reference."""
    totals: dict = {}
    for value, n in values:
        totals[value] = totals.get(value, 0) + n
    return sorted(totals, key=lambda v: (-totals[v], str(v)))


def fit_adjusted(cells: list[dict], reference, covariates: list[str], z: float = Z_95) -> Model:
    """Logistic regression of the outcome on group and covariates, fitted on ``cells``: one
    row per combination, ``{"group", <covariate>: level, "n", "events"}``. Binomial GLM with
    (events, n - events) as the response, so that the fit costs the same at any scale. A
    covariate with one level is dropped (it does not vary); a group where everyone, or no one,
    had the outcome is left out of the fit (its odds ratio is infinite)."""
    from threadpoolctl import threadpool_limits

    model = Model()
    cells = [c for c in cells if c["n"] > 0]
    groups = {}
    for c in cells:
        g = groups.setdefault(c["group"], [0, 0])
        g[0] += c["events"]
        g[1] += c["n"]
    if reference not in groups:
        model.not_fitted = "The reference group has nobody in it."
        return model
    degenerate = {g for g, (events, n) in groups.items() if events in (0, n)}
    if reference in degenerate:
        model.not_fitted = (
            "The model could not be fitted: in the reference group everyone, or no one, "
            "had the outcome."
        )
        return model
    for g in degenerate:
        model.ratios[g] = Ratio(
            None, None, None, "Everyone, or no one, in this group had the outcome."
        )
    cells = [c for c in cells if c["group"] not in degenerate]
    kept = []
    for name in covariates:
        levels = _levels((c[name], c["n"]) for c in cells)
        if len(levels) < 2:
            model.dropped.append((name, "it did not vary"))
        else:
            kept.append((name, levels))
    group_levels = [reference] + [
        g for g in _levels((c["group"], c["n"]) for c in cells) if g != reference
    ]
    if len(group_levels) < 2:
        model.not_fitted = "There is only one group to compare."
        return model
    if len(group_levels) > STATSMODELS_MAX_GROUPS:
        return _fit_grouped(model, cells, group_levels, kept, z)
    columns = [("group", g) for g in group_levels[1:]]
    for name, levels in kept:
        columns += [(name, level) for level in levels[1:]]
    x = np.ones((len(cells), len(columns) + 1))
    for row, c in enumerate(cells):
        for col, (name, level) in enumerate(columns, start=1):
            x[row, col] = 1.0 if c[name] == level else 0.0
    model.adjusted_for = [name for name, _ in kept]
    events = np.array([c["events"] for c in cells], dtype=float)
    n = np.array([c["n"] for c in cells], dtype=float)
    # One thread: a fit this size takes milliseconds, while OpenBLAS threads contending for
    # a web server's cores made it take seconds.
    with threadpool_limits(limits=1):
        return _fit(model, x, events, n, columns, reference, z)


def _fit_grouped(model: Model, cells, group_levels, kept, z) -> Model:
    """The same logistic regression for many groups (such as local authorities), by Newton's
    method on its structure: one parameter per group and a few for need, so the information
    matrix is a diagonal block (groups) bordered by a small dense one (need), solved through
    its Schur complement. statsmodels' dense fit of 300 authorities by 40 combinations of need
    takes seconds; this takes milliseconds, and the tests hold it to statsmodels' result."""
    index = {g: i for i, g in enumerate(group_levels)}
    columns = [(name, level) for name, levels in kept for level in levels[1:]]
    g_of = np.array([index[c["group"]] for c in cells])
    x = np.array(
        [[1.0 if c[name] == level else 0.0 for name, level in columns] for c in cells]
    ).reshape(len(cells), len(columns))
    y = np.array([c["events"] for c in cells], dtype=float)
    n = np.array([c["n"] for c in cells], dtype=float)
    groups = len(group_levels)
    y_g = np.bincount(g_of, weights=y, minlength=groups)
    n_g = np.bincount(g_of, weights=n, minlength=groups)
    alpha = np.log(y_g / (n_g - y_g))
    beta = np.zeros(len(columns))
    for _ in range(100):
        eta = alpha[g_of] + x @ beta
        p = 1 / (1 + np.exp(-eta))
        w = n * p * (1 - p)
        r = y - n * p
        d = np.bincount(g_of, weights=w, minlength=groups)
        b = np.zeros((groups, len(columns)))
        np.add.at(b, g_of, w[:, None] * x)
        c = (x * w[:, None]).T @ x
        s_alpha = np.bincount(g_of, weights=r, minlength=groups)
        s_beta = x.T @ r
        schur = c - b.T @ (b / d[:, None])
        try:
            step_beta = np.linalg.solve(schur, s_beta - b.T @ (s_alpha / d))
        except np.linalg.LinAlgError:
            model.not_fitted = (
                "The model could not be fitted: the need adjusted for is bound up with the "
                "groups (some combinations have nobody in them)."
            )
            return model
        step_alpha = (s_alpha - b @ step_beta) / d
        alpha += step_alpha
        beta += step_beta
        if max(np.max(np.abs(step_alpha)), np.max(np.abs(step_beta), initial=0)) < 1e-10:
            break
    else:
        model.not_fitted = "The model could not be fitted: the fit did not converge."
        return model
    # The information matrix at the estimate: var(alpha_g - alpha_ref) from its inverse.
    inv_schur = np.linalg.inv(schur)
    u = b / d[:, None]
    model.adjusted_for = [name for name, _ in kept]
    ref = 0
    for g, level in enumerate(group_levels):
        if g == ref:
            model.ratios[level] = Ratio(1.0, None, None)
            continue
        var = 1 / d[g] + 1 / d[ref] + (u[g] - u[ref]) @ inv_schur @ (u[g] - u[ref])
        se = math.sqrt(var)
        diff = alpha[g] - alpha[ref]
        if not math.isfinite(diff) or se > MAX_LOG_SE:
            model.ratios[level] = Ratio(None, None, None, "Too sparse for a stable figure.")
            continue
        model.ratios[level] = Ratio(
            math.exp(diff), math.exp(diff - z * se), math.exp(diff + z * se)
        )
    return model


def _fit(model: Model, x, events, n, columns, reference, z) -> Model:
    import statsmodels.api as sm
    from statsmodels.tools.sm_exceptions import ConvergenceWarning, PerfectSeparationWarning

    if np.linalg.matrix_rank(x) < x.shape[1]:
        # A covariate that is the same as group (or as another covariate): drop the last.
        model.not_fitted = (
            "The model could not be fitted: the need adjusted for is bound up with the groups "
            "(some combinations have nobody in them)."
        )
        return model
    try:
        with warnings.catch_warnings():
            # Fitted on counts, a model with a parameter per combination fits every rate
            # exactly, which statsmodels reports as "perfect separation" (and a zero residual
            # degrees of freedom as a division by zero): neither is a failure here. What is
            # one is checked below, on the groups' own estimates.
            warnings.simplefilter("ignore", PerfectSeparationWarning)
            warnings.simplefilter("ignore", ConvergenceWarning)
            warnings.simplefilter("ignore", RuntimeWarning)
            result = sm.GLM(
                np.column_stack([events, n - events]), x, family=sm.families.Binomial()
            ).fit()
    except (np.linalg.LinAlgError, ValueError) as exc:
        model.not_fitted = f"The model could not be fitted: {_why(exc)}"
        return model
    params, se = np.asarray(result.params), np.asarray(result.bse)
    group_cols = [col for col, (name, _) in enumerate(columns, start=1) if name == "group"]
    stable = np.all(np.isfinite(params[group_cols])) and np.all(np.isfinite(se[group_cols]))
    if not stable or np.any(se[group_cols] > MAX_LOG_SE):
        model.not_fitted = (
            "The model could not be fitted: some combinations of group and need are too "
            "sparse for a stable figure."
        )
        return model
    model.ratios[reference] = Ratio(1.0, None, None)
    for col, (name, level) in enumerate(columns, start=1):
        if name == "group":
            b, s = params[col], se[col]
            model.ratios[level] = Ratio(math.exp(b), math.exp(b - z * s), math.exp(b + z * s))
    return model


def _why(exc) -> str:
    return "the figures are too sparse or too uniform (" + type(exc).__name__ + ")."


@dataclass(frozen=True)
class Limits:
    lower_95: float
    upper_95: float
    lower_998: float
    upper_998: float


def proportion_limits(p0: float, n: int) -> Limits:
    """Spiegelhalter's funnel-plot control limits for a proportion (normal approximation to
    the binomial, held to 0..1): p0 +/- z * sqrt(p0 (1 - p0) / n)."""
    spread = math.sqrt(p0 * (1 - p0) / n) if n else float("inf")

    def clip(v):
        return min(max(v, 0.0), 1.0)

    return Limits(
        clip(p0 - Z_95 * spread),
        clip(p0 + Z_95 * spread),
        clip(p0 - Z_998 * spread),
        clip(p0 + Z_998 * spread),
    )


def mean_limits(mean: float, sd: float, n: int) -> Limits:
    """Funnel limits for a mean (such as working days to decision): mean +/- z * sd / sqrt(n),
    never below zero."""
    spread = sd / math.sqrt(n) if n else float("inf")
    return Limits(
        max(mean - Z_95 * spread, 0.0),
        mean + Z_95 * spread,
        max(mean - Z_998 * spread, 0.0),
        mean + Z_998 * spread,
    )


def position(value: float, limits: Limits) -> str:
    """Where a point lies: "above" or "below" the 99.8% limits, "high" or "low" beyond the 95%,
    else "within"."""
    if value > limits.upper_998:
        return "above 99.8%"
    if value < limits.lower_998:
        return "below 99.8%"
    if value > limits.upper_95:
        return "above 95%"
    if value < limits.lower_95:
        return "below 95%"
    return "within"
