"""Training compliance, set-based: for a mandatory course, each member of staff it applies to is
compliant, due (valid now but lapsing within 30 days), lapsed, or has never completed it."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    F,
    Max,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)

from safeguard.core.capabilities import Capability, has_capability
from safeguard.core.models import Staff
from safeguard.people.selectors import teams_visible_to
from safeguard.training.models import TrainingCourse, TrainingRecord
from safeguard.training.rules import DUE_WITHIN_DAYS, any_record, mandatory_courses, valid_record
from safeguard.training.selectors import staff_in_scope

COMPLIANT = "compliant"
DUE_SOON = "due_soon"
LAPSED = "lapsed"
NOT_COMPLETED = "not_completed"
STATUS_LABELS = {
    COMPLIANT: "Up to date",
    DUE_SOON: "Due within 30 days",
    LAPSED: "Lapsed",
    NOT_COMPLETED: "Never completed",
}
STATUS_ORDER = {LAPSED: 0, NOT_COMPLETED: 1, DUE_SOON: 2, COMPLIANT: 3}
GROUPS = {
    "team": ("team__pk", "team__name", "team__pdu__name"),
    "pdu": ("team__pdu__pk", "team__pdu__name", "team__pdu__region__name"),
    "region": ("team__pdu__region__pk", "team__pdu__region__name", None),
}


def may_see_compliance(user) -> bool:
    return has_capability(user, Capability.SEE_TRAINING_COMPLIANCE)


def default_course() -> TrainingCourse | None:
    """The course the pages start on: suicide prevention, the first mandatory course."""
    courses = mandatory_courses()
    return courses[0] if courses else None


def status_expression(course: TrainingCourse, today: dt.date, staff_ref: str = "pk"):
    horizon = today + dt.timedelta(days=DUE_WITHIN_DAYS)
    return Case(
        When(~any_record(course, staff_ref), then=Value(NOT_COMPLETED)),
        When(Exists(valid_record(course, horizon, staff_ref)), then=Value(COMPLIANT)),
        When(Exists(valid_record(course, today, staff_ref)), then=Value(DUE_SOON)),
        default=Value(LAPSED),
        output_field=CharField(),
    )


def required_staff(*, user, course: TrainingCourse):
    """Staff in the user's scope for whom ``course`` is mandatory (in post, active)."""
    return staff_in_scope(user).filter(
        is_active=True, in_post=True, role__in=list(course.mandatory_for)
    )


def compliance_by(*, user, course: TrainingCourse, group_by: str, today: dt.date) -> list[dict]:
    """Compliance per team, PDU or region, counting each member of staff once per group."""
    key, label, parent = GROUPS[group_by]
    memberships = (
        Staff.teams.through.objects.filter(
            team__in=teams_visible_to(user).values("pk"),
            staff__in=required_staff(user=user, course=course).values("pk"),
        )
        .annotate(training_status=status_expression(course, today, "staff_id"))
        .values(group_id=F(key), group=F(label), **({"parent": F(parent)} if parent else {}))
        .annotate(
            required=Count("staff_id", distinct=True),
            compliant=Count("staff_id", distinct=True, filter=Q(training_status=COMPLIANT)),
            due_soon=Count("staff_id", distinct=True, filter=Q(training_status=DUE_SOON)),
            lapsed=Count("staff_id", distinct=True, filter=Q(training_status=LAPSED)),
            not_completed=Count("staff_id", distinct=True, filter=Q(training_status=NOT_COMPLETED)),
        )
        .order_by(label)
    )
    rows = []
    for row in memberships:
        valid = row["compliant"] + row["due_soon"]
        rows.append(
            {
                **row,
                "parent": row.get("parent") or "",
                "valid": valid,
                "rate": round(valid / row["required"], 3) if row["required"] else None,
            }
        )
    return rows


def compliance_totals(rows: list[dict]) -> dict:
    totals = {
        k: sum(r[k] for r in rows)
        for k in ("required", "compliant", "due_soon", "lapsed", "not_completed")
    }
    totals["valid"] = totals["compliant"] + totals["due_soon"]
    totals["rate"] = round(totals["valid"] / totals["required"], 3) if totals["required"] else None
    return totals


def staff_statuses(*, user, course: TrainingCourse, today: dt.date, statuses=None):
    """Each member of staff the course applies to, with their status and latest completion."""
    latest = TrainingRecord.objects.filter(staff_id=OuterRef("pk"), course=course).order_by(
        "-completed_on", "-pk"
    )
    staff = (
        required_staff(user=user, course=course)
        .annotate(
            training_status=status_expression(course, today),
            last_completed=Subquery(latest.values("completed_on")[:1]),
            valid_until=Subquery(latest.values("expires_on")[:1]),
            status_rank=Case(
                *[When(training_status=s, then=Value(r)) for s, r in STATUS_ORDER.items()],
                default=Value(9),
            ),
        )
        .order_by("status_rank", "valid_until", "last_name", "first_name", "pk")
    )
    if statuses:
        staff = staff.filter(training_status__in=list(statuses))
    return staff


@dataclass(frozen=True)
class TrainingStatus:
    course: TrainingCourse
    status: str
    last_completed: dt.date | None
    valid_until: dt.date | None

    @property
    def label(self):
        return STATUS_LABELS[self.status]


def training_status_for(*, staff, course: TrainingCourse, today: dt.date) -> TrainingStatus:
    """One member of staff's status on one course: one query."""
    row = (
        Staff.objects.filter(pk=staff.pk)
        .annotate(
            training_status=status_expression(course, today),
            last_completed=Max(
                "training_records__completed_on",
                filter=Q(training_records__course=course),
            ),
        )
        .values("training_status", "last_completed")
        .get()
    )
    valid_until = None
    if row["last_completed"] and course.renewal_months:
        from safeguard.core.dates import add_months

        valid_until = add_months(row["last_completed"], course.renewal_months)
    return TrainingStatus(
        course=course,
        status=row["training_status"],
        last_completed=row["last_completed"],
        valid_until=valid_until,
    )
