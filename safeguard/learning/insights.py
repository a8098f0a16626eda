"""Systemic analysis of deaths under supervision (recommendation 1): set-based figures over the
deaths a user may see, and the tables that leave the service (exports, the board pack, the API)
with small numbers suppressed.

Systemic factors count only reviews that have been quality-assured or closed: findings still in
review are not shared. Nothing here carries a name, a CRN or free text.
"""

import datetime as dt

from django.db.models import Case, CharField, Count, F, Q, Value, When
from django.db.models.functions import Substr, TruncQuarter
from django.utils import timezone

from safeguard.core.bounds import years_before
from safeguard.core.capabilities import Capability, has_capability
from safeguard.core.models import Role
from safeguard.insights.suppression import (  # noqa: F401 (shared with api/learning)
    SUPPRESS_BELOW,
    SUPPRESSED,
    is_small,
    suppress_one,
    suppress_values,
)
from safeguard.learning.models import (
    ActionStatus,
    AgencyType,
    Circumstances,
    ReviewAction,
    ReviewFactor,
    ReviewStatus,
    SupervisionType,
    SystemicFactor,
)
from safeguard.learning.selectors import visible_notifications
from safeguard.people.models import AccommodationStatus, Sex

REVIEWED = (ReviewStatus.QUALITY_ASSURED, ReviewStatus.CLOSED)

DAYS_SINCE_RELEASE_BANDS = [
    ("0-4", "0 to 4 days"),
    ("5-14", "5 to 14 days"),
    ("15-90", "15 to 90 days"),
    ("later", "More than 90 days"),
    ("none", "No release from custody recorded"),
]
AGE_BANDS = [
    ("18-24", "18 to 24", 18, 24),
    ("25-34", "25 to 34", 25, 34),
    ("35-49", "35 to 49", 35, 49),
    ("50-64", "50 to 64", 50, 64),
    ("65+", "65 and over", 65, 200),
]
# An age no band holds (none recorded, or a date of birth that gives an impossible age) is
# "not known": never counted in a band.
AGE_NOT_KNOWN = ("not_known", "Not known")
ETHNIC_GROUPS = [
    ("A", "Asian or Asian British"),
    ("B", "Black, Black British, Caribbean or African"),
    ("M", "Mixed or multiple ethnic groups"),
    ("W", "White"),
    ("O", "Other ethnic group"),
    ("N", "Not stated"),
]
GROUP_BY = ("circumstance", "days_since_release", "factor", "region")


def may_see_learning(user) -> bool:
    return has_capability(user, Capability.SEE_LEARNING_FROM_DEATHS)


def default_period(today: dt.date) -> tuple[dt.date, dt.date]:
    return years_before(today, 1) + dt.timedelta(days=1), today


def filtered_deaths(*, user, region_id=None, pdu_id=None, date_from=None, date_to=None):
    """The deaths the user may see, filtered. A head of PDU sees the deaths of their own PDU
    (where the case was held at death), never the rest of the region."""
    qs = visible_notifications(user)
    if user.role == Role.HEAD_OF_PDU:
        qs = qs.filter(pdu_id=user.pdu_id)
    if region_id:
        qs = qs.filter(region_id=region_id)
    if pdu_id:
        qs = qs.filter(pdu_id=pdu_id)
    if date_from:
        qs = qs.filter(date_of_death__gte=date_from)
    if date_to:
        qs = qs.filter(date_of_death__lte=date_to)
    return qs


def days_band_expression(field="snapshot__days_since_release"):
    return Case(
        When(**{f"{field}__isnull": True}, then=Value("none")),
        When(**{f"{field}__lte": 4}, then=Value("0-4")),
        When(**{f"{field}__lte": 14}, then=Value("5-14")),
        When(**{f"{field}__lte": 90}, then=Value("15-90")),
        default=Value("later"),
        output_field=CharField(),
    )


def age_band_expression(field="snapshot__age_at_death"):
    return Case(
        *[
            When(**{f"{field}__gte": low, f"{field}__lte": high}, then=Value(key))
            for key, _, low, high in AGE_BANDS
        ],
        default=Value(AGE_NOT_KNOWN[0]),
        output_field=CharField(),
    )


def _counts(qs, expression) -> dict:
    return dict(
        qs.annotate(group_key=expression)
        .order_by()
        .values_list("group_key")
        .annotate(n=Count("pk", distinct=True))
    )


def _rows(counts: dict, choices) -> list[dict]:
    rows = [{"key": key, "label": label, "count": counts.pop(key, 0)} for key, label in choices]
    for key, n in sorted(counts.items(), key=lambda kv: str(kv[0])):
        rows.append({"key": key, "label": str(key or "Not recorded"), "count": n})
    return rows


def _quarter_label(day: dt.date) -> str:
    months = {1: "Jan to Mar", 4: "Apr to Jun", 7: "Jul to Sep", 10: "Oct to Dec"}
    return f"{months[day.month]} {day.year}"


def _quarters(date_from: dt.date, date_to: dt.date) -> list[dt.date]:
    start = dt.date(date_from.year, 3 * ((date_from.month - 1) // 3) + 1, 1)
    quarters = []
    while start <= date_to and len(quarters) < 40:
        quarters.append(start)
        month = start.month + 3
        start = dt.date(start.year + (month > 12), (month - 1) % 12 + 1, 1)
    return quarters


def death_figures(qs, *, date_from=None, date_to=None, today=None) -> dict:
    """Every table of the learning page from one filtered queryset of notifications."""
    today = today or timezone.localdate()
    total = qs.count()
    by_circumstance = _rows(_counts(qs, F("circumstances")), Circumstances.choices)
    by_days = _rows(_counts(qs, days_band_expression()), DAYS_SINCE_RELEASE_BANDS)
    by_sex = _rows(_counts(qs, F("snapshot__sex")), Sex.choices)
    by_age = _rows(
        _counts(qs, age_band_expression()),
        [(k, label) for k, label, *_ in AGE_BANDS] + [AGE_NOT_KNOWN],
    )
    by_ethnicity = _rows(_counts(qs, Substr("snapshot__ethnicity", 1, 1)), ETHNIC_GROUPS)
    by_accommodation = _rows(
        _counts(qs, F("snapshot__accommodation_status")), AccommodationStatus.choices
    )
    by_supervision = _rows(_counts(qs, F("supervision_type")), SupervisionType.choices)
    by_region = sorted(
        _rows(_counts(qs, F("region__name")), []), key=lambda r: (-r["count"], r["label"])
    )
    by_pdu = sorted(_rows(_counts(qs, F("pdu__name")), []), key=lambda r: (-r["count"], r["label"]))
    reviews = _rows(_counts(qs, F("review__status")), ReviewStatus.choices)

    reviewed = qs.filter(review__status__in=REVIEWED)
    reviewed_count = reviewed.count()
    coded = ReviewFactor.objects.filter(review__notification__in=reviewed.values("pk"))
    factor_counts = dict(
        coded.order_by().values_list("factor_id").annotate(n=Count("review_id", distinct=True))
    )
    factors = []
    for factor in SystemicFactor.objects.order_by("position", "code"):
        n = factor_counts.get(factor.pk, 0)
        if not factor.active and not n:
            continue
        factors.append(
            {
                "key": factor.code,
                "label": factor.title,
                "theme": factor.theme_title,
                "count": n,
                "share": round(n / reviewed_count, 3) if reviewed_count else None,
            }
        )

    trend_rows = (
        coded.annotate(quarter=TruncQuarter("review__notification__date_of_death"))
        .order_by()
        .values_list("factor__code", "quarter")
        .annotate(n=Count("review_id", distinct=True))
    )
    trend_counts = {(code, quarter): n for code, quarter, n in trend_rows}
    seen_quarters = sorted({q for _, q in trend_counts})
    if date_from and date_to:
        quarters = _quarters(date_from, date_to)
    elif seen_quarters:
        quarters = _quarters(seen_quarters[0], seen_quarters[-1])
    else:
        quarters = []
    trend = {
        "quarters": [_quarter_label(q) for q in quarters],
        "rows": [
            {
                "key": f["key"],
                "label": f["label"],
                "count": f["count"],
                "by_quarter": [trend_counts.get((f["key"], q), 0) for q in quarters],
            }
            for f in factors
        ],
    }

    actions = (
        ReviewAction.objects.filter(review__notification__in=qs.values("pk"))
        .order_by()
        .values("agency_type")
        .annotate(
            total=Count("pk"),
            open=Count("pk", filter=Q(status=ActionStatus.OPEN)),
            overdue=Count("pk", filter=Q(status=ActionStatus.OPEN, due_on__lt=today)),
            done=Count("pk", filter=Q(status=ActionStatus.DONE)),
        )
    )
    actions_by_agency = sorted(
        (
            {
                "key": a["agency_type"],
                "label": AgencyType(a["agency_type"]).label
                if a["agency_type"] in AgencyType.values
                else a["agency_type"],
                "count": a["total"],
                "open": a["open"],
                "overdue": a["overdue"],
                "done": a["done"],
            }
            for a in actions
        ),
        key=lambda r: (-r["count"], r["label"]),
    )
    return {
        "total": total,
        "reviewed": reviewed_count,
        "from": date_from,
        "to": date_to,
        "by_circumstance": by_circumstance,
        "by_days_since_release": by_days,
        "by_sex": by_sex,
        "by_age_band": by_age,
        "by_ethnic_group": by_ethnicity,
        "by_accommodation": by_accommodation,
        "by_supervision_type": by_supervision,
        "by_region": by_region,
        "by_pdu": by_pdu,
        "reviews_by_status": reviews,
        "factors": factors,
        "factor_trend": trend,
        "actions_by_agency": actions_by_agency,
    }


# ---- small-number suppression --------------------------------------------------------------


def _suppressed_column(rows, key="count", *, secondary=True):
    return suppress_values([r[key] for r in rows], secondary=secondary)


# ---- tables for exports and the board pack -----------------------------------------------------

Table = tuple[str, list[str], list[list]]

PARTITIONS = [
    ("by_circumstance", "Deaths by apparent circumstances", "Circumstances"),
    ("by_days_since_release", "Deaths by days since release from custody", "Days since release"),
    ("by_supervision_type", "Deaths by type of supervision", "Supervision"),
    ("by_sex", "Deaths by sex", "Sex"),
    ("by_age_band", "Deaths by age at death", "Age"),
    ("by_ethnic_group", "Deaths by ethnic group", "Ethnic group"),
    ("by_accommodation", "Deaths by accommodation at death", "Accommodation"),
    ("by_pdu", "Deaths by probation delivery unit", "PDU"),
    ("by_region", "Deaths by region", "Region"),
]


WITHHELD = "Withheld: with fewer than 5 deaths, this breakdown could describe one person"


def withheld(figures: dict) -> bool:
    """Breakdowns of so few deaths (1 to 4) would describe the person: each would show "<5" in
    exactly one category for one death. They are withheld whole, not suppressed cell by cell."""
    return is_small(figures["total"])


def _partition_table(figures, key, title, heading, *, suppress) -> Table:
    if suppress and withheld(figures):
        return (title, [heading, "Deaths"], [[WITHHELD, ""], ["Total", SUPPRESSED]])
    rows = figures[key]
    counts = _suppressed_column(rows) if suppress else [r["count"] for r in rows]
    body = [[r["label"], c] for r, c in zip(rows, counts, strict=True)]
    body.append(["Total", suppress_one(figures["total"]) if suppress else figures["total"]])
    return (title, [heading, "Deaths"], body)


def _share(count, share):
    if share is None or count == SUPPRESSED:
        return "" if share is None else SUPPRESSED
    return f"{round(share * 100)}%"


def figure_tables(figures: dict, *, suppress: bool = True, include_regions=True) -> list[Table]:
    """The figures as (title, headers, rows) tables: what the exports and the board pack hold.
    With ``suppress``, every count of 1 to 4 is "<5" (with secondary suppression where a total is
    published), and a share worked out from a suppressed count is hidden too."""
    tables = [
        (
            "Summary",
            ["Measure", "Value"],
            [
                ["Period from", figures["from"].isoformat() if figures["from"] else "start"],
                ["Period to", figures["to"].isoformat() if figures["to"] else "today"],
                ["Deaths", suppress_one(figures["total"]) if suppress else figures["total"]],
                [
                    "Reviews quality-assured or closed",
                    suppress_one(figures["reviewed"]) if suppress else figures["reviewed"],
                ],
                ["Counts of 1 to 4 are shown as <5", "Yes" if suppress else "No"],
            ],
        )
    ]
    for key, title, heading in PARTITIONS:
        if key == "by_region" and not include_regions:
            continue
        tables.append(_partition_table(figures, key, title, heading, suppress=suppress))

    factors = figures["factors"]
    if suppress and withheld(figures):
        tables += [
            (
                "Systemic factors",
                ["Code", "Systemic factor", "Theme", "Reviews citing it", "Share of reviews"],
                [[WITHHELD, "", "", "", ""]],
            ),
            ("Systemic factors by quarter", ["Code", "Systemic factor"], [[WITHHELD, ""]]),
        ]
        factors = None
    counts = (
        None
        if factors is None
        else (
            _suppressed_column(factors, secondary=False)
            if suppress
            else [f["count"] for f in factors]
        )
    )
    if factors is not None:
        tables += _factor_tables(figures, factors, counts, suppress=suppress)
    reviews = figures["reviews_by_status"]
    counts = _suppressed_column(reviews) if suppress else [r["count"] for r in reviews]
    tables.append(
        (
            "Reviews by stage",
            ["Stage", "Reviews"],
            [[r["label"], c] for r, c in zip(reviews, counts, strict=True)],
        )
    )
    actions = figures["actions_by_agency"]
    action_rows = []
    for a in actions:
        cells = [a["count"], a["open"], a["overdue"], a["done"]]
        if suppress:
            cells = [suppress_one(v) for v in cells]
        action_rows.append([a["label"], *cells])
    tables.append(
        ("Actions for agencies", ["Agency", "Actions", "Open", "Overdue", "Done"], action_rows)
    )
    return tables


def _factor_tables(figures, factors, counts, *, suppress) -> list[Table]:
    tables = [
        (
            "Systemic factors",
            ["Code", "Systemic factor", "Theme", "Reviews citing it", "Share of reviews"],
            [
                [f["key"], f["label"], f["theme"], c, _share(c, f["share"])]
                for f, c in zip(factors, counts, strict=True)
            ],
        )
    ]
    trend = figures["factor_trend"]
    trend_rows = []
    for row in trend["rows"]:
        cells = [*row["by_quarter"], row["count"]]
        if suppress:
            cells = suppress_values(cells[:-1], secondary=True) + [suppress_one(cells[-1])]
        trend_rows.append([row["key"], row["label"], *cells])
    tables.append(
        (
            "Systemic factors by quarter",
            ["Code", "Systemic factor", *trend["quarters"], "Total"],
            trend_rows,
        )
    )
    return tables


# ---- the API's grouped figures ------------------------------------------------------------------


def grouped_for_api(figures: dict, group_by: str) -> list[dict]:
    """One grouping as API rows, suppressed: ``count`` is null where it is hidden."""
    key = {
        "circumstance": "by_circumstance",
        "days_since_release": "by_days_since_release",
        "factor": "factors",
        "region": "by_region",
    }[group_by]
    rows = figures[key]
    counts = _suppressed_column(rows, secondary=group_by != "factor")
    if withheld(figures):  # a breakdown of 1 to 4 deaths: every group withheld
        counts = [SUPPRESSED] * len(rows)
    out = []
    for row, count in zip(rows, counts, strict=True):
        hidden = count == SUPPRESSED
        item = {
            "key": row["key"],
            "label": row["label"],
            "count": None if hidden else count,
            "suppressed": hidden,
        }
        if group_by == "factor":
            item["theme"] = row["theme"]
            item["share_of_reviews"] = None if hidden else row["share"]
        out.append(item)
    return out
