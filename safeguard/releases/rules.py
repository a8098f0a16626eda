"""Work-item rules about release (run by ``safeguarding_scan`` and, for one case, after each
change to it).

- At 12, 8, 4 and 1 weeks before release, an item for the practitioner while anything on the
  plan is still open, naming what is open. Each checkpoint's item resolves when the next one
  is raised, so the practitioner gets a fresh prompt at each.
- In the last 4 weeks, an item for the team's senior probation officer when the person is at
  risk to themselves (risk to self medium or above, or an ALSH, RVAD or RVLN registration) and
  has no accommodation for the night of release.
- For 14 days after release, "first 14 days after release" for the practitioner.
"""

import datetime as dt

from django.db.models import (
    Case,
    CharField,
    DateField,
    Exists,
    F,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Concat, Substr
from django.db.models.functions.text import ConcatPair

from safeguard.assessments.risk import at_risk_to_self
from safeguard.core.models import Role, Staff, WorkItemPriority
from safeguard.core.workitems import WorkItemRule, candidates_about_people, link_to
from safeguard.releases import catalogue
from safeguard.releases.catalogue import checklist
from safeguard.releases.models import (
    SECURED_STATUSES,
    PlanStatus,
    ReleaseAccommodation,
    ReleasePlan,
    ReleasePlanItem,
)
from safeguard.releases.selectors import (
    ESCALATE_WITHIN_DAYS,
    FIRST_DAYS_AFTER_RELEASE,
    applies_expression,
    with_readiness,
)


def _gap_names():
    """The short labels of the items still open, as "Still open: A; B; C", in SQL."""
    parts = []
    for item in checklist().items:
        condition = Q(**{f"closed_{item.key}": False})
        if not item.always:
            condition &= applies_expression(item.applies)
        parts.append(
            Case(
                When(condition, then=Value(f"; {item.short}")),
                default=Value(""),
                output_field=CharField(),
            )
        )
    return Concat(Value("Still open: "), Substr(_balanced_concat(parts), 3))


def _balanced_concat(parts):
    """Concatenate as a balanced tree: Concat nests one level per part, and SQLite's parser
    refuses a deep enough nesting of the 15 items' expressions."""
    if len(parts) == 1:
        return parts[0]
    middle = len(parts) // 2
    return ConcatPair(
        _balanced_concat(parts[:middle]),
        _balanced_concat(parts[middle:]),
        output_field=CharField(),
    )


def _checkpoint(weeks: int, next_weeks: int | None):
    def candidates(today: dt.date):
        plans = ReleasePlan.objects.filter(
            status=PlanStatus.OPEN, release_date__lte=today + dt.timedelta(weeks=weeks)
        )
        if next_weeks is not None:
            plans = plans.filter(release_date__gt=today + dt.timedelta(weeks=next_weeks))
        return candidates_about_people(
            with_readiness(plans, per_item=True).filter(open_count__gt=0),
            due_on=today,
            detail=_gap_names(),
        )

    return candidates


def _checkpoint_rule(weeks, next_weeks, title, priority):
    return WorkItemRule(
        code=f"release_plan_{weeks}_weeks" if weeks != 1 else "release_plan_1_week",
        title=title,
        subject_type="release_plan",
        candidates=_checkpoint(weeks, next_weeks),
        priority=priority,
        action="Open the release plan and work on what is still open.",
        link=link_to("releases:plan"),
    )


PLAN_12_WEEKS = _checkpoint_rule(
    12, 8, "Release in 12 weeks: start the release plan", WorkItemPriority.ROUTINE
)
PLAN_8_WEEKS = _checkpoint_rule(
    8, 4, "Release in 8 weeks: release plan items still open", WorkItemPriority.ROUTINE
)
PLAN_4_WEEKS = _checkpoint_rule(
    4, 1, "Release in 4 weeks: release plan items still open", WorkItemPriority.SOON
)
PLAN_1_WEEK = _checkpoint_rule(
    1, None, "Release within a week: release plan items still open", WorkItemPriority.TODAY
)


def team_spo(team_ref: str):
    return Subquery(
        Staff.objects.filter(
            role=Role.SENIOR_PROBATION_OFFICER, is_active=True, teams=OuterRef(team_ref)
        )
        .order_by("pk")
        .values("pk")[:1]
    )


def _at_risk_no_accommodation(today: dt.date):
    night_secured = ReleasePlanItem.objects.filter(
        plan_id=OuterRef("pk"), key=catalogue.NIGHT_OF_RELEASE, status__in=SECURED_STATUSES
    )
    return candidates_about_people(
        ReleasePlan.objects.filter(
            at_risk_to_self("person_id"),
            ~Exists(night_secured),
            status=PlanStatus.OPEN,
            release_date__lte=today + dt.timedelta(days=ESCALATE_WITHIN_DAYS),
        ),
        assigned_to=Coalesce(team_spo("person__team_id"), F("person__practitioner_id")),
        due_on=today,
    )


AT_RISK_NO_ACCOMMODATION = WorkItemRule(
    code="release_at_risk_no_accommodation",
    title="At risk to themselves, due for release within 4 weeks, nowhere to stay the first night",
    subject_type="release_plan",
    candidates=_at_risk_no_accommodation,
    priority=WorkItemPriority.URGENT,
    link=link_to("releases:plan"),
    action="Agree with the practitioner how accommodation for the night of release will be "
    "secured, and escalate to the head of PDU and the local authority if it cannot be.",
)

_RELEASED_TO = {
    ReleaseAccommodation.SETTLED: "settled accommodation",
    ReleaseAccommodation.TEMPORARY: "temporary accommodation",
    ReleaseAccommodation.APPROVED_PREMISES: "approved premises",
    ReleaseAccommodation.NO_FIXED_ABODE: "no fixed abode",
}


def _first_days(today: dt.date):
    last_day = dt.timedelta(days=FIRST_DAYS_AFTER_RELEASE - 1)
    window = [today - dt.timedelta(days=n) for n in range(FIRST_DAYS_AFTER_RELEASE)]
    # The window's last day, for each of the 14 possible release dates (plain SQL, no date
    # arithmetic that the two databases do differently).
    due = Case(
        *[When(released_on=day, then=Value(day + last_day)) for day in window],
        output_field=DateField(),
    )
    released_to = Case(
        *[
            When(accommodation_type=value, then=Value(f"Released to {label}"))
            for value, label in _RELEASED_TO.items()
        ],
        default=Value("Released"),
        output_field=CharField(),
    )
    return candidates_about_people(
        ReleasePlan.objects.filter(
            status=PlanStatus.RELEASED, released_on__gte=window[-1], released_on__lte=today
        ),
        due_on=due,
        detail=released_to,
    )


FIRST_14_DAYS = WorkItemRule(
    code="release_first_14_days",
    title="First 14 days after release",
    subject_type="release_plan",
    candidates=_first_days,
    priority=WorkItemPriority.TODAY,
    link=link_to("releases:plan"),
    action="Check the first appointment was kept, the accommodation is confirmed and a "
    "check-in was answered. The risk of death is highest in these days.",
)
