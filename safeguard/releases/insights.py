"""Release measures by PDU, region and period: set-based figures over the releases a user may
see. Each measure is a count over a denominator, both given, with the share as a percentage.

"First appointment attended" needs the engagement area (appointments and their outcomes); it is
left out, and the response says so, while that area is not installed.
"""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q, Subquery
from django.utils import timezone

from safeguard.core.capabilities import Capability, has_capability
from safeguard.engagement.models import Appointment
from safeguard.insights.suppression import SUPPRESSED, is_small, suppress_values
from safeguard.people.models import AccommodationStatus
from safeguard.releases import catalogue
from safeguard.releases.models import (
    ItemStatus,
    PlanStatus,
    ReleaseAccommodation,
    ReleasePlanItem,
)
from safeguard.releases.selectors import visible_plans

GROUPINGS = {"pdu": "By PDU", "region": "By region"}
HOUSED = (
    AccommodationStatus.SETTLED,
    AccommodationStatus.TRANSIENT,
    AccommodationStatus.APPROVED_PREMISES,
)
MOVED_OR_CANCELLED = ("rescheduled", "cancelled_by_probation", "cancelled_by_person")


def may_see_measures(user) -> bool:
    return has_capability(user, Capability.SEE_RELEASE_INSIGHTS)


@dataclass(frozen=True)
class Measure:
    key: str
    label: str
    numerator: str
    denominator: str
    denominator_label: str


MEASURES = (
    Measure(
        "released_no_fixed_abode",
        "Released with no fixed abode",
        "no_fixed_abode",
        "released",
        "Releases",
    ),
    Measure(
        "at_risk_released_no_fixed_abode",
        "People at risk released with no fixed abode",
        "at_risk_no_fixed_abode",
        "at_risk_released",
        "Releases of people at risk",
    ),
    Measure(
        "accommodation_at_12_weeks",
        "In accommodation 12 weeks after release",
        "housed_at_12_weeks",
        "known_at_12_weeks",
        "Releases 12 weeks ago or more",
    ),
    Measure(
        "met_before_release",
        "Met by the practitioner before release",
        "met_before_release",
        "released",
        "Releases",
    ),
    Measure(
        "gp_registration",
        "Registered with a GP on release",
        "gp_registered",
        "released",
        "Releases",
    ),
    Measure(
        "naloxone_offered",
        "Naloxone offered where opioid use was indicated",
        "naloxone_offered",
        "naloxone_indicated",
        "Releases where opioid use was indicated",
    ),
    Measure(
        "first_appointment_attended",
        "First appointment after release attended",
        "first_appointment_attended",
        "released",
        "Releases",
    ),
)


def measures() -> tuple[Measure, ...]:
    return MEASURES


def measures_left_out() -> list[dict]:
    """Measures the service cannot work out yet (none: every area is always installed)."""
    return []


def released_plans(*, user, date_from=None, date_to=None, region_id=None, pdu_id=None):
    plans = visible_plans(user).filter(status=PlanStatus.RELEASED)
    if date_from:
        plans = plans.filter(released_on__gte=date_from)
    if date_to:
        plans = plans.filter(released_on__lte=date_to)
    if region_id:
        plans = plans.filter(release_pdu__region_id=region_id)
    if pdu_id:
        plans = plans.filter(release_pdu_id=pdu_id)
    return plans


def _item(key, statuses):
    return Exists(
        ReleasePlanItem.objects.filter(plan_id=OuterRef("pk"), key=key, status__in=statuses)
    )


def _first_appointment_attended():
    """The first appointment on or after the day of release (leaving out those moved or
    cancelled) was attended."""
    appointments = Appointment.objects
    first = (
        appointments.filter(
            person_id=OuterRef(OuterRef("person_id")),
            starts_at__date__gte=OuterRef(OuterRef("released_on")),
        )
        .exclude(outcome__in=MOVED_OR_CANCELLED)
        .order_by("starts_at", "pk")
        .values("pk")[:1]
    )
    return Exists(appointments.filter(pk=Subquery(first), outcome="attended"))


def _counts() -> dict:
    nfa = Q(accommodation_type=ReleaseAccommodation.NO_FIXED_ABODE)
    at_risk = Q(at_risk_at_release=True)
    indicated = Q(opioid_use_indicated_at_release=True)
    counts = {
        "released": Count("pk"),
        "no_fixed_abode": Count("pk", filter=nfa),
        "at_risk_released": Count("pk", filter=at_risk),
        "at_risk_no_fixed_abode": Count("pk", filter=at_risk & nfa),
        "known_at_12_weeks": Count("pk", filter=~Q(accommodation_at_12_weeks="")),
        "housed_at_12_weeks": Count("pk", filter=Q(accommodation_at_12_weeks__in=HOUSED)),
        "met_before_release": Count(
            "pk", filter=Q(_item(catalogue.MET_BEFORE_RELEASE, [ItemStatus.DONE]))
        ),
        "gp_registered": Count("pk", filter=Q(_item(catalogue.GP_REGISTRATION, [ItemStatus.DONE]))),
        "naloxone_indicated": Count("pk", filter=indicated),
        # Declined means it was offered and the person said no.
        "naloxone_offered": Count(
            "pk",
            filter=indicated & Q(_item(catalogue.NALOXONE, [ItemStatus.DONE, ItemStatus.DECLINED])),
        ),
    }
    counts["first_appointment_attended"] = Count("pk", filter=Q(_first_appointment_attended()))
    return counts


def _share(numerator: int, denominator: int):
    return round(100 * numerator / denominator, 1) if denominator else None


def _row(values: dict) -> dict:
    row = {key: values.get(key) or 0 for key in _counts()}
    for m in measures():
        row[f"{m.key}_share"] = _share(row[m.numerator], row[m.denominator])
    return row


def _prepared(plans):
    return plans.order_by()


def grouped(plans, group_by: str) -> list[dict]:
    field = {"pdu": "release_pdu__name", "region": "release_pdu__region__name"}[group_by]
    rows = _prepared(plans).values(field).annotate(**_counts())
    result = []
    for values in rows:
        row = _row(values)
        row["label"] = values[field] or "Unknown"
        result.append(row)
    return sorted(result, key=lambda r: (-r["released"], r["label"]))


def overall(plans) -> dict:
    return _row(_prepared(plans).aggregate(**_counts()))


def default_period(today: dt.date) -> tuple[dt.date, dt.date]:
    return today - dt.timedelta(days=365), today


def release_figures(
    *,
    user,
    group_by="pdu",
    date_from=None,
    date_to=None,
    region_id=None,
    pdu_id=None,
    suppress_small=True,
) -> dict:
    """Everything the measures page, its exports and the API show, small numbers suppressed
    (``suppress_small=False`` only for checking the arithmetic itself)."""
    if date_from is None and date_to is None:
        date_from, date_to = default_period(timezone.localdate())
    plans = released_plans(
        user=user, date_from=date_from, date_to=date_to, region_id=region_id, pdu_id=pdu_id
    )
    overall_row, groups = overall(plans), grouped(plans, group_by)
    if suppress_small:
        overall_row, groups = suppress(overall_row, groups)
    return {
        "group_by": group_by,
        "from": date_from,
        "to": date_to,
        "measures": [
            {
                "key": m.key,
                "label": m.label,
                "numerator": m.numerator,
                "denominator": m.denominator,
                "denominator_label": m.denominator_label,
            }
            for m in measures()
        ],
        "left_out": measures_left_out(),
        "overall": overall_row,
        "groups": groups,
    }


def _hide(row: dict, key: str) -> None:
    row[key] = None
    if key not in row["suppressed"]:
        row["suppressed"].append(key)


def suppress(overall_row: dict, groups: list[dict]) -> tuple[dict, list[dict]]:
    """The one small-number rule (safeguard.insights.suppression) on the measures: a count of
    1 to 4 is null and named in the row's ``suppressed``; so is a count whose complement
    (out of, less the count) is 1 to 4, which could be worked out from the two; within each
    column of the groups, a lone hidden count takes the next smallest with it, since the
    overall row is their total. A share worked out from a hidden count is hidden too."""
    rows = [overall_row, *groups]
    for row in rows:
        row["suppressed"] = []
    keys = list(_counts())
    for m in measures():
        for row in rows:
            num, den = row[m.numerator], row[m.denominator]
            if is_small(den - num):
                _hide(row, m.numerator)
    for key in keys:
        if is_small(overall_row[key]):
            _hide(overall_row, key)
        values = [None if key in g["suppressed"] else g[key] for g in groups]
        # A count already hidden stands in as 1 so that the rule sees it as hidden.
        shown = suppress_values([1 if v is None else v for v in values], secondary=True)
        for group, value in zip(groups, shown, strict=True):
            if value == SUPPRESSED:
                _hide(group, key)
    for row in rows:
        for m in measures():
            if m.numerator in row["suppressed"] or m.denominator in row["suppressed"]:
                row[f"{m.key}_share"] = None
    return overall_row, groups


def _cell(value):
    return SUPPRESSED if value is None else value


def export_tables(figures_by_grouping: dict[str, dict]) -> list:
    """(title, headers, rows) for the CSV and XLSX exports: overall, then each grouping."""
    ms = measures()
    headers = ["Group", "Releases"]
    for m in ms:
        headers += [f"{m.label}: count", f"{m.label}: out of", f"{m.label}: %"]

    def line(label, row):
        cells = [label, _cell(row["released"])]
        for m in ms:
            hidden = m.numerator in row["suppressed"] or m.denominator in row["suppressed"]
            share = SUPPRESSED if hidden else row[f"{m.key}_share"]
            cells += [_cell(row[m.numerator]), _cell(row[m.denominator]), share]
        return cells

    first = next(iter(figures_by_grouping.values()))
    tables = [("Overall", headers, [line("All releases", first["overall"])])]
    for key, figures in figures_by_grouping.items():
        tables.append((GROUPINGS[key], headers, [line(r["label"], r) for r in figures["groups"]]))
    if first["left_out"]:
        tables.append(
            (
                "Measures left out",
                ["Measure", "Why"],
                [[x["key"], x["reason"]] for x in first["left_out"]],
            )
        )
    return tables
