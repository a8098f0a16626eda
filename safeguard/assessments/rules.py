"""Work-item rules for screens and safety plans (see ``safeguard.core.workitems``).

Set-based: each rule is one queryset over the whole caseload, with ``Exists`` subqueries and no
loop over people. ``policy.screen_due`` states the same screen rule in Python for one person.
"""

import datetime as dt

from django.db.models import Case, DateField, Exists, F, OuterRef, Q, Value, When
from django.db.models.functions import Cast, Greatest

from safeguard.assessments import policy
from safeguard.assessments.models import (
    SafetyPlan,
    SafetyPlanStatus,
    ScreenStatus,
    VulnerabilityScreen,
)
from safeguard.core.models import WorkItemPriority
from safeguard.core.workitems import WorkItemRule, candidates_about_people
from safeguard.people.models import CustodyStatus, Person


def _under_supervision(today: dt.date, prefix: str = "") -> Q:
    return Q(**{f"{prefix}supervision_end__isnull": True}) | Q(
        **{f"{prefix}supervision_end__gte": today}
    )


def screen_due_candidates(today: dt.date):
    screens = VulnerabilityScreen.objects.filter(
        person_id=OuterRef("pk"), status=ScreenStatus.COMPLETED
    )
    never_screened = ~Exists(screens)
    lapsed = ~Exists(screens.filter(completed_at__gte=policy.screen_recent_since(today)))
    pre_release = Q(
        custody_status=CustodyStatus.IN_CUSTODY,
        expected_release_date__gte=today,
        expected_release_date__lte=policy.release_window_end(today),
    ) & ~Exists(screens.filter(completed_at__gte=policy.pre_release_recent_since(today)))

    week_before_release = Cast(
        F("expected_release_date") - dt.timedelta(days=policy.PRE_RELEASE_DUE_DAYS_BEFORE),
        DateField(),
    )
    first_screen_due = Cast(
        F("supervision_start") + dt.timedelta(days=policy.FIRST_SCREEN_WITHIN_DAYS), DateField()
    )
    return candidates_about_people(
        Person.objects.filter(_under_supervision(today)).filter(pre_release | lapsed),
        person="",
        due_on=Case(
            When(
                pre_release,
                then=Greatest(week_before_release, Value(today, output_field=DateField())),
            ),
            When(never_screened, then=first_screen_due),
            default=Value(today, output_field=DateField()),
            output_field=DateField(),
        ),
        detail=Case(
            When(
                pre_release,
                then=Value(policy.SCREEN_DUE_TEXT[policy.ScreenDueReason.PRE_RELEASE]),
            ),
            When(
                never_screened,
                then=Value(policy.SCREEN_DUE_TEXT[policy.ScreenDueReason.NEVER_SCREENED]),
            ),
            default=Value(policy.SCREEN_DUE_TEXT[policy.ScreenDueReason.LAPSED]),
        ),
    )


def safety_plan_review_overdue_candidates(today: dt.date):
    return candidates_about_people(
        SafetyPlan.objects.filter(status=SafetyPlanStatus.ACTIVE, review_date__lt=today).filter(
            _under_supervision(today, "person__")
        ),
        due_on=F("review_date"),
        detail=Value("The safety plan's review date has passed"),
    )


SCREEN_DUE = WorkItemRule(
    code="SCREEN_DUE",
    title="Vulnerability screen due",
    subject_type="person",
    candidates=screen_due_candidates,
    priority=WorkItemPriority.NORMAL,
    action="Complete the vulnerability and risk-to-self screen with the person.",
)

SAFETY_PLAN_REVIEW_OVERDUE = WorkItemRule(
    code="SAFETY_PLAN_REVIEW_OVERDUE",
    title="Safety plan review overdue",
    subject_type="safety_plan",
    candidates=safety_plan_review_overdue_candidates,
    priority=WorkItemPriority.HIGH,
    action="Review the safety plan with the person and save the updated plan.",
)
