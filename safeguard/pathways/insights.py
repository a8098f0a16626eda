"""Pathway measures by PDU, region, sex, ethnicity or age band, for a period: needs identified,
offered, taken up and completed; emergency department attendances and admissions (the share
of people attending, as the inspection's 69%); and trauma support offered to men and women
with the same trauma level (recommendation 3 made measurable). Set-based over the people a
user may see; every count goes through the one small-number rule
(``safeguard.insights.suppression``)."""

import datetime as dt

from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    Subquery,
    TextField,
    Value,
    When,
)
from django.db.models.fields.json import KT
from django.db.models.functions import Cast

from safeguard.assessments.risk import latest_screens
from safeguard.core.bounds import years_before
from safeguard.core.capabilities import Capability, has_capability
from safeguard.core.models import PDU, Region, Team
from safeguard.insights.suppression import SUPPRESSED, suppress_values
from safeguard.pathways.catalogue import catalogue
from safeguard.pathways.models import (
    AttendanceKind,
    HospitalAttendance,
    OfferStatus,
    OfficeReason,
    OfficeWish,
    PathwayOffer,
)
from safeguard.pathways.needs import any_need_condition, need_rows_on_screen
from safeguard.pathways.rules import prompted_needs
from safeguard.people.models import Ethnicity, PersonStatus, Sex
from safeguard.people.selectors import visible_people

GROUPINGS = {
    "pdu": "By PDU",
    "region": "By region",
    "sex": "By sex",
    "ethnicity": "By ethnicity",
    "age_band": "By age band",
}
AGE_BANDS = [("18-24", 18, 25), ("25-34", 25, 35), ("35-49", 35, 50), ("50-64", 50, 65)]
COUNTS = ("people", "with_need", "offered", "taken_up", "completed", "attended_ed", "admitted")
TRAUMA_LEVELS = ("medium", "high")
TAKEN_UP = (OfferStatus.ACCEPTED, OfferStatus.STARTED, OfferStatus.COMPLETED)


def may_see_measures(user) -> bool:
    return has_capability(user, Capability.SEE_PATHWAY_MEASURES)


def default_period(today: dt.date) -> tuple[dt.date, dt.date]:
    return today - dt.timedelta(days=364), today


def _age_band(today: dt.date):
    whens = [
        When(
            date_of_birth__gt=years_before(today, high),
            date_of_birth__lte=years_before(today, low),
            then=Value(label),
        )
        for label, low, high in AGE_BANDS
    ]
    return Case(*whens, default=Value("65 and over"), output_field=CharField())


def _group(by: str, today: dt.date):
    return {
        "pdu": F("pdu_id"),
        "region": F("pdu__region_id"),
        "sex": F("sex"),
        "ethnicity": F("ethnicity"),
        "age_band": _age_band(today),
    }[by]


def _labels(by: str, keys) -> dict:
    if by == "pdu":
        return dict(PDU.objects.filter(pk__in=keys).values_list("pk", "name"))
    if by == "region":
        return dict(Region.objects.filter(pk__in=keys).values_list("pk", "name"))
    if by == "sex":
        return dict(Sex.choices)
    if by == "ethnicity":
        return dict(Ethnicity.choices)
    return {k: k for k in keys}


def _flag(condition):
    return ExpressionWrapper(condition, output_field=BooleanField())


# Who was offered or attended, as an uncorrelated ``IN``: across the caseload PostgreSQL reads
# the rows once and hashes them, where an ``EXISTS`` for each person probed the index 240,000
# times a flag (1.5 s of the page for three flags, once the demo had offers).
def _offered(date_from, date_to, **filters) -> Q:
    offers = PathwayOffer.objects.filter(
        offered_on__gte=date_from, offered_on__lte=date_to, **filters
    )
    return Q(pk__in=offers.values("person_id"))


def _attended(kind, date_from, date_to) -> Q:
    attendances = HospitalAttendance.objects.filter(
        kind=kind, attended_on__gte=date_from, attended_on__lte=date_to
    )
    return Q(pk__in=attendances.values("person_id"))


def _people(user):
    return visible_people(user).filter(status=PersonStatus.SUPERVISED)


def _suppressed_rows(rows: list[dict], columns) -> list[dict]:
    """Primary suppression in every cell; secondary down each column (a total is published)."""
    for column in columns:
        values = suppress_values([row[column] for row in rows], secondary=True)
        for row, value in zip(rows, values, strict=True):
            row[column] = value
    return rows


def _rate(numerator, denominator):
    if numerator == SUPPRESSED or denominator == SUPPRESSED or not denominator:
        return None
    return round(100 * numerator / denominator, 1)


def pathway_figures(*, user, by: str, date_from: dt.date, date_to: dt.date, today: dt.date):
    """The figures, one row per group, with a total; two statements for the rows and one for
    the trauma comparison."""
    need = any_need_condition(prompted_needs(), "pk", today=today)
    people = _people(user).annotate(
        g=_group(by, today),
        f_need=_flag(need),
        f_offered=_flag(_offered(date_from, date_to)),
        f_taken_up=_flag(_offered(date_from, date_to, status__in=TAKEN_UP)),
        f_completed=_flag(_offered(date_from, date_to, status=OfferStatus.COMPLETED)),
        f_ed=_flag(_attended(AttendanceKind.EMERGENCY_DEPARTMENT, date_from, date_to)),
        f_admitted=_flag(_attended(AttendanceKind.ADMISSION, date_from, date_to)),
    )
    grouped = (
        people.order_by()
        .values("g")
        .annotate(
            people=Count("pk"),
            with_need=Count("pk", filter=Q(f_need=True)),
            offered=Count("pk", filter=Q(f_offered=True)),
            taken_up=Count("pk", filter=Q(f_taken_up=True)),
            completed=Count("pk", filter=Q(f_completed=True)),
            attended_ed=Count("pk", filter=Q(f_ed=True)),
            admitted=Count("pk", filter=Q(f_admitted=True)),
        )
    )
    raw = sorted(grouped, key=lambda r: str(r["g"]))
    labels = _labels(by, [r["g"] for r in raw])
    rows = [
        {
            "group": str(r["g"]),
            "label": labels.get(r["g"], str(r["g"])),
            **{c: r[c] for c in COUNTS},
        }
        for r in raw
    ]
    total = {c: sum(r[c] for r in rows) for c in COUNTS}
    rows = _suppressed_rows(rows, COUNTS)
    total = dict(
        zip(COUNTS, suppress_values([total[c] for c in COUNTS], secondary=False), strict=True)
    )
    for row in [*rows, total]:
        row["offered_rate"] = _rate(row["offered"], row["with_need"])
        row["taken_up_rate"] = _rate(row["taken_up"], row["offered"])
        row["completed_rate"] = _rate(row["completed"], row["taken_up"])
        row["attended_ed_rate"] = _rate(row["attended_ed"], row["people"])
    return {
        "by": by,
        "from": date_from,
        "to": date_to,
        "rows": rows,
        "total": total,
        "trauma_by_sex": trauma_by_sex(user=user, date_from=date_from, date_to=date_to),
        "feeling_safe_by_office": feeling_safe_by_office(user=user),
        "suppressed_below": 5,
    }


def trauma_by_sex(*, user, date_from: dt.date, date_to: dt.date) -> list[dict]:
    """Of the people whose latest screen rates trauma medium or high, by sex and that level:
    how many were offered trauma-informed support, and any pathway for trauma, in the period."""
    trauma_pathways = [p.key for p in catalogue().pathways_for("trauma")]
    level = Subquery(latest_screens("pk").values(level=KT("domain_levels__trauma"))[:1])
    # Who is in it is found in one pass of the latest screens; only they are then asked for
    # their level (the level's subquery would otherwise run twice for everyone).
    rated = need_rows_on_screen(Q(domain_levels__trauma__in=TRAUMA_LEVELS))
    people = (
        _people(user)
        .filter(pk__in=rated)
        .annotate(
            level=level,
            f_support=_flag(_offered(date_from, date_to, pathway="trauma_support")),
            f_any=_flag(_offered(date_from, date_to, pathway__in=trauma_pathways)),
        )
        .order_by()
        .values("sex", "level")
        .annotate(
            people=Count("pk"),
            offered_trauma_support=Count("pk", filter=Q(f_support=True)),
            offered_any_trauma_pathway=Count("pk", filter=Q(f_any=True)),
        )
    )
    found = {(r["sex"], r["level"]): r for r in people}
    rows = []
    for sex in Sex.values:
        for lvl in TRAUMA_LEVELS:
            r = found.get((sex, lvl), {})
            rows.append(
                {
                    "sex": sex,
                    "level": lvl,
                    "people": r.get("people", 0),
                    "offered_trauma_support": r.get("offered_trauma_support", 0),
                    "offered_any_trauma_pathway": r.get("offered_any_trauma_pathway", 0),
                }
            )
    for row in rows:
        values = suppress_values(
            [row["people"], row["offered_trauma_support"], row["offered_any_trauma_pathway"]],
            secondary=False,
        )
        row["people"], row["offered_trauma_support"], row["offered_any_trauma_pathway"] = values
        row["offered_trauma_support_rate"] = _rate(row["offered_trauma_support"], row["people"])
    return rows


OFFICE_COUNTS = ("people", "not_at_office", *[f"because_{r}" for r in OfficeReason.values])


def feeling_safe_by_office(*, user) -> list[dict]:
    """By office (each team's office): the people supervised there and how many do not want
    to be seen at it, with why (a person may give more than one reason). One statement."""
    wish = OfficeWish.objects.filter(person_id=OuterRef("pk"), not_at_office=True)
    # The reasons are a JSON list from a fixed vocabulary: matched as quoted text, which both
    # databases can do (SQLite has no JSON containment).
    as_text = wish.annotate(reasons_text=Cast("reasons", TextField()))
    annotations = {"f_wish": _flag(Q(Exists(wish)))}
    for reason in OfficeReason.values:
        annotations[f"f_{reason}"] = _flag(
            Q(Exists(as_text.filter(reasons_text__contains=f'"{reason}"')))
        )
    grouped = (
        _people(user)
        .annotate(**annotations)
        .order_by()
        .values("team_id")
        .annotate(
            people=Count("pk"),
            not_at_office=Count("pk", filter=Q(f_wish=True)),
            **{
                f"because_{r}": Count("pk", filter=Q(**{f"f_{r}": True}))
                for r in OfficeReason.values
            },
        )
    )
    raw = sorted(grouped, key=lambda r: r["team_id"])
    names = dict(Team.objects.filter(pk__in=[r["team_id"] for r in raw]).values_list("pk", "name"))
    rows = [
        {"office": names.get(r["team_id"], ""), **{c: r[c] for c in OFFICE_COUNTS}} for r in raw
    ]
    rows = _suppressed_rows(rows, OFFICE_COUNTS)
    for row in rows:
        row["not_at_office_rate"] = _rate(row["not_at_office"], row["people"])
    return rows
