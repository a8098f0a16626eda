"""Equal treatment of a monitored decision: counts by group and need in SQL, then crude and
adjusted odds ratios against a reference group, with small numbers suppressed."""

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Sum

from safeguard.core.capabilities import Capability, has_capability
from safeguard.core.models import LocalAuthority
from safeguard.equality import decisions as sql
from safeguard.equality import stats
from safeguard.equality.catalogue import Decision, covariate_label, decision
from safeguard.insights.suppression import suppressed_rows
from safeguard.people.models import Sex

BY = {
    "sex": "Sex",
    "ethnicity": "Ethnic group",
    "age_band": "Age band",
    "local_authority": "Local authority",
}


def may_see(user) -> bool:
    return has_capability(user, Capability.SEE_REFERRAL_MONITORING)


def default_period(today: dt.date) -> tuple[dt.date, dt.date]:
    return today - dt.timedelta(days=365), today


def _labeller(by: str, keys):
    if by == "local_authority":
        names = dict(
            LocalAuthority.objects.filter(pk__in=[k for k in keys if k is not None])
            .order_by()
            .values_list("pk", "name")
        )
        return lambda key: names.get(key, "Not recorded")
    if by == "sex":
        return lambda key: Sex(key).label if key in Sex.values else "Not recorded"
    if by == "ethnicity":
        return lambda key: sql.ETHNIC_GROUP_LABELS.get(key, str(key))
    return str


def quarter_label(day) -> str:
    day = day.date() if isinstance(day, dt.datetime) else day
    return f"{day.year} Q{(day.month - 1) // 3 + 1}"


@dataclass
class Row:
    group: object  # as the API spells it
    label: str
    n: int
    events: int
    suppressed: bool = False
    crude: stats.Ratio = stats.Ratio(None, None, None)
    adjusted: stats.Ratio = stats.Ratio(None, None, None)
    is_reference: bool = False
    key: object = None  # as grouped in the database

    @property
    def rate(self) -> float | None:
        return self.events / self.n if self.n else None

    @property
    def flagged(self) -> str:
        """ "higher" or "lower" where the adjusted (else crude) interval excludes 1."""
        for ratio in (self.adjusted, self.crude):
            if ratio.ci_low is not None:
                if ratio.ci_low > 1:
                    return "higher"
                if ratio.ci_high < 1:
                    return "lower"
                return ""
        return ""

    def api(self) -> dict:
        if self.suppressed:
            return {
                "group": self.group,
                **dict.fromkeys(
                    (
                        "n",
                        "events",
                        "rate",
                        "odds_ratio",
                        "ci_low",
                        "ci_high",
                        "adjusted_odds_ratio",
                        "adjusted_ci_low",
                        "adjusted_ci_high",
                    )
                ),
                "suppressed": True,
            }
        return {
            "group": self.group,
            "n": self.n,
            "events": self.events,
            "rate": _round(self.rate, 3),
            "odds_ratio": _round(self.crude.odds_ratio, 3),
            "ci_low": _round(self.crude.ci_low, 3),
            "ci_high": _round(self.crude.ci_high, 3),
            "adjusted_odds_ratio": _round(self.adjusted.odds_ratio, 3),
            "adjusted_ci_low": _round(self.adjusted.ci_low, 3),
            "adjusted_ci_high": _round(self.adjusted.ci_high, 3),
            "suppressed": False,
        }


def _round(value, places):
    return None if value is None else round(value, places)


@dataclass
class Analysis:
    decision: Decision
    by: str
    date_from: dt.date | None
    date_to: dt.date | None
    reference: object
    rows: list[Row]
    model: stats.Model
    total_n: int | None = None  # None when suppressed
    total_events: int | None = None
    trends: list[dict] = field(default_factory=list)
    reference_note: str = ""

    @property
    def adjusted_for(self) -> list[str]:
        return self.model.adjusted_for

    def api(self) -> dict:
        return {
            "decision": self.decision.code,
            "by": self.by,
            "reference_group": self.reference,
            "adjusted_for": list(self.model.adjusted_for),
            "rows": [r.api() for r in self.rows],
        }


class UnknownReference(ValueError):
    pass


def grouped(facts, by: str, covariates: list[str], *, quarterly: bool) -> list[dict]:
    """Counts by group, covariates and (``quarterly``) quarter, in one grouped query:
    ``[{"group", <cov>..., "quarter", "n", "events"}]``. The cells of the model and the
    quarterly trends are both sums of these, so the population is read once, not twice."""
    keys = [f"g_{by}", *(f"c_{c}" for c in covariates), *(["quarter"] if quarterly else [])]
    rows = facts.values(*keys).annotate(n=Count("*"), events=Sum("unit_outcome")).order_by()
    return [
        {
            "group": r[f"g_{by}"],
            **{c: r[f"c_{c}"] for c in covariates},
            "quarter": r.get("quarter"),
            "n": r["n"],
            "events": r["events"] or 0,
        }
        for r in rows
    ]


def aggregate(rows: list[dict], covariates: list[str]) -> list[dict]:
    """The model's cells: ``grouped`` rows summed over quarters."""
    cells: dict[tuple, dict] = {}
    for r in rows:
        key = (r["group"], *(r[c] for c in covariates))
        cell = cells.setdefault(
            key, {"group": r["group"], **{c: r[c] for c in covariates}, "n": 0, "events": 0}
        )
        cell["n"] += r["n"]
        cell["events"] += r["events"]
    return list(cells.values())


def _quarterly(rows: list[dict], label) -> list[dict]:
    by_quarter: dict = {}
    for r in rows:
        quarter = r["quarter"]
        quarter = quarter.date() if isinstance(quarter, dt.datetime) else quarter
        groups = by_quarter.setdefault(quarter, {})
        n, events = groups.get(r["group"], (0, 0))
        groups[r["group"]] = (n + r["n"], events + r["events"])
    trends = []
    for quarter in sorted(by_quarter):
        groups = by_quarter[quarter]
        keys = sorted(groups, key=lambda k: (-groups[k][0], label(k)))
        hidden = suppressed_rows([[n, e, n - e] for n, e in (groups[k] for k in keys)])
        cells = {}
        for key, is_hidden in zip(keys, hidden, strict=True):
            n, events = groups[key]
            cells[key] = None if is_hidden else {"n": n, "events": events, "rate": events / n}
        trends.append({"quarter": quarter, "label": quarter_label(quarter), "groups": cells})
    return trends


def analyse(
    code: str,
    *,
    user,
    by: str = "sex",
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    region_id=None,
    pdu_id=None,
    reference=None,
    today: dt.date,
    trends: bool = True,
) -> Analysis:
    """Everything the page, its exports and the API show for one decision and grouping."""
    if by not in BY:
        raise ValueError(by)
    d = decision(code)
    facts = sql.facts(
        d,
        user=user,
        date_from=date_from,
        date_to=date_to,
        region_id=region_id,
        pdu_id=pdu_id,
        today=today,
    )
    covariates = list(d.covariates)
    rows_read = grouped(facts, by, covariates, quarterly=trends)
    cells = aggregate(rows_read, covariates)
    totals: dict = {}
    for c in cells:
        t = totals.setdefault(c["group"], [0, 0])
        t[0] += c["n"]
        t[1] += c["events"]
    label = _labeller(by, totals)
    keys = sorted(totals, key=lambda k: (-totals[k][0], label(k)))
    hidden = suppressed_rows([[n, e, n - e] for n, e in (totals[k] for k in keys)])
    # The API names a local authority by its name; the other groupings by their code.
    api_key = label if by == "local_authority" else (lambda k: k)
    rows = [
        Row(api_key(k), label(k), totals[k][0], totals[k][1], suppressed=h, key=k)
        for k, h in zip(keys, hidden, strict=True)
    ]
    note = ""
    # The largest group that can be shown: odds ratios against a hidden group could give
    # its counts away.
    ref_key = next((k for k, h in zip(keys, hidden, strict=True) if not h), None)
    if reference is not None:
        chosen = [k for k in keys if api_key(k) == reference]
        if not chosen:
            raise UnknownReference(reference)
        if hidden[keys.index(chosen[0])]:
            note = "The chosen reference group is too small to show; the largest group is used."
        else:
            ref_key = chosen[0]
    model = stats.Model()
    if ref_key is not None:
        a_ref, n_ref = totals[ref_key][1], totals[ref_key][0]
        model = stats.fit_adjusted(cells, ref_key, covariates)
        for row, k in zip(rows, keys, strict=True):
            row.is_reference = k == ref_key
            if k == ref_key:
                row.crude = stats.Ratio(1.0, None, None)
            else:
                a, n = totals[k][1], totals[k][0]
                row.crude = stats.woolf_odds_ratio(a, n - a, a_ref, n_ref - a_ref)
            row.adjusted = model.ratios.get(k, stats.Ratio(None, None, None))
    total_n = sum(t[0] for t in totals.values())
    total_events = sum(t[1] for t in totals.values())
    total_hidden = suppressed_rows([[total_n, total_events, total_n - total_events]])[0]
    return Analysis(
        decision=d,
        by=by,
        date_from=date_from,
        date_to=date_to,
        reference=api_key(ref_key) if ref_key is not None else None,
        rows=rows,
        model=model,
        total_n=None if total_hidden else total_n,
        total_events=None if total_hidden else total_events,
        trends=_quarterly(rows_read, label) if trends else [],
        reference_note=note,
    )


def adjusted_for_labels(analysis: Analysis) -> list[str]:
    return [covariate_label(c) for c in analysis.model.adjusted_for]
