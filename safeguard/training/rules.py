"""Work-item rules about training (run by `safeguarding_scan`).

A member of staff whose mandatory training has lapsed, was never done, or lapses within 30 days
gets an item of their own (no person on probation is attached to it, so only they see it in
"My work"); their senior probation officer sees the team's compliance on the training page.
"""

import datetime as dt

from django.db.models import (
    Case,
    CharField,
    DateField,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Concat, Least

from safeguard.core.models import Staff, Team, WorkItemPriority
from safeguard.core.workitems import WorkItemRule, link_to
from safeguard.training.models import TrainingCourse, TrainingRecord

DUE_WITHIN_DAYS = 30
FAR_FUTURE = dt.date(9999, 12, 31)


def mandatory_courses() -> list[TrainingCourse]:
    return [c for c in TrainingCourse.objects.filter(active=True) if c.mandatory_for]


def valid_record(course: TrainingCourse, horizon: dt.date, staff_ref: str = "pk"):
    """A completion of ``course`` still valid on ``horizon`` (or one that never lapses)."""
    return TrainingRecord.objects.filter(staff_id=OuterRef(staff_ref), course=course).filter(
        Q(expires_on__isnull=True) | Q(expires_on__gt=horizon)
    )


def latest_expiry(course: TrainingCourse, staff_ref: str = "pk"):
    return Subquery(
        TrainingRecord.objects.filter(staff_id=OuterRef(staff_ref), course=course)
        .order_by("-completed_on", "-pk")
        .values("expires_on")[:1],
        output_field=DateField(),
    )


def _any_record(course: TrainingCourse, staff_ref: str = "pk"):
    return Exists(TrainingRecord.objects.filter(staff_id=OuterRef(staff_ref), course=course))


def any_record(course: TrainingCourse, staff_ref: str = "pk"):
    return _any_record(course, staff_ref)


def _training_due(today: dt.date):
    courses = mandatory_courses()
    horizon = today + dt.timedelta(days=DUE_WITHIN_DAYS)
    staff = Staff.objects.filter(is_active=True, in_post=True)
    if not courses:
        return staff.none().annotate(
            wi_subject_id=F("pk"),
            wi_person_id=Value(None, output_field=IntegerField()),
            wi_team_id=Value(None, output_field=IntegerField()),
            wi_assignee_id=F("pk"),
            wi_due_on=Value(today, output_field=DateField()),
        )
    failing = {
        c.pk: Q(role__in=c.mandatory_for) & ~Exists(valid_record(c, horizon)) for c in courses
    }
    condition = Q()
    for q in failing.values():
        condition |= q
    dues = [
        Case(
            When(failing[c.pk], then=Coalesce(latest_expiry(c), Value(today))),
            default=Value(FAR_FUTURE),
            output_field=DateField(),
        )
        for c in courses
    ]
    details = [
        Case(
            When(failing[c.pk] & ~_any_record(c), then=Value(f"{c.title}: never completed. ")),
            When(
                failing[c.pk] & ~Exists(valid_record(c, today)),
                then=Value(f"{c.title}: lapsed. "),
            ),
            When(failing[c.pk], then=Value(f"{c.title}: due for renewal. ")),
            default=Value(""),
            output_field=CharField(),
        )
        for c in courses
    ]
    first_team = Subquery(
        Team.objects.filter(members=OuterRef("pk")).order_by("pk").values("pk")[:1],
        output_field=IntegerField(),
    )
    return (
        staff.filter(condition)
        .annotate(
            wi_subject_id=F("pk"),
            wi_person_id=Value(None, output_field=IntegerField()),
            wi_team_id=first_team,
            wi_assignee_id=F("pk"),
            wi_due_on=dues[0] if len(dues) == 1 else Least(*dues),
            wi_detail=details[0] if len(details) == 1 else Concat(*details),
        )
        .order_by()
    )


TRAINING_DUE = WorkItemRule(
    code="mandatory_training_due",
    title="Mandatory training lapsed or due",
    subject_type="staff",
    candidates=_training_due,
    priority=WorkItemPriority.ROUTINE,
    link=link_to("training:training", person=False),
    action="Book the course. The item clears when the completion is recorded.",
)
