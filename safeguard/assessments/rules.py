"""Work-item rules for screens and safety plans (see ``safeguard.core.workitems``).

Set-based: each rule is one queryset over the whole caseload, with ``Exists`` subqueries and no
loop over people. ``policy.screen_due`` states the same screen rule in Python for one person.
"""

import datetime as dt

from django.db.models import Case, CharField, DateField, Exists, F, OuterRef, Q, Value, When
from django.db.models.functions import Cast, Greatest, TruncDate

from safeguard.assessments import policy
from safeguard.assessments.models import (
    FollowUpStatus,
    RiskToSelf,
    SafetyPlan,
    SafetyPlanStatus,
    ScreenStatus,
    VulnerabilityScreen,
)
from safeguard.assessments.risk import latest_screens
from safeguard.core.models import WorkItemPriority
from safeguard.core.workitems import WorkItemRule, candidates_about_people, link_to
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
    # A higher level is screened again sooner (data/screening.toml): the latest screen's level
    # decides. One subquery per level, all in the same statement.
    level_due = Q()
    for level in policy.shorter_rescreen_levels():
        level_due |= Exists(
            latest_screens("pk").filter(
                risk_to_self=level, completed_at__lt=policy.rescreen_since(level, today)
            )
        )
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
        Person.objects.filter(_under_supervision(today)).filter(pre_release | lapsed | level_due),
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
            When(lapsed, then=Value(policy.SCREEN_DUE_TEXT[policy.ScreenDueReason.LAPSED])),
            default=Value(policy.SCREEN_DUE_TEXT[policy.ScreenDueReason.LEVEL_INTERVAL]),
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
    priority=WorkItemPriority.SOON,
    link=link_to("assessments:screen_steps"),
    action="Complete the vulnerability and risk-to-self screen with the person.",
)

SAFETY_PLAN_REVIEW_OVERDUE = WorkItemRule(
    code="SAFETY_PLAN_REVIEW_OVERDUE",
    title="Safety plan review overdue",
    subject_type="safety_plan",
    candidates=safety_plan_review_overdue_candidates,
    priority=WorkItemPriority.TODAY,
    link=link_to("assessments:safety_plan_edit"),
    action="Review the safety plan with the person and save the updated plan.",
)


# ---- screens that need someone to act ---------------------------------------------------


def _follow_up_due(today: dt.date, screens, detail: str):
    """Screens whose follow-up is due, until it is recorded or a newer screen replaces them."""
    newer = VulnerabilityScreen.objects.filter(
        person_id=OuterRef("person_id"), completed_at__gt=OuterRef("completed_at")
    )
    return candidates_about_people(
        screens.filter(follow_up_status=FollowUpStatus.DUE)
        .filter(_under_supervision(today, "person__"))
        .exclude(Exists(newer)),
        due_on=TruncDate("completed_at"),
        detail=Value(detail, output_field=CharField()),
    )


def very_high_risk_candidates(today: dt.date):
    return _follow_up_due(
        today,
        VulnerabilityScreen.objects.filter(risk_to_self=RiskToSelf.VERY_HIGH),
        "Screen rated risk to self very high",
    )


def urgent_action_candidates(today: dt.date):
    return _follow_up_due(
        today,
        VulnerabilityScreen.objects.filter(needs_urgent_action=True).exclude(
            risk_to_self=RiskToSelf.VERY_HIGH
        ),
        "Attempt or self-harm in the last 4 weeks",
    )


def not_known_candidates(today: dt.date):
    return _follow_up_due(
        today,
        VulnerabilityScreen.objects.filter(risk_to_self=RiskToSelf.NOT_KNOWN),
        "Did not answer a question about suicide or self-harm",
    )


VERY_HIGH_RISK_TO_SELF = WorkItemRule(
    code="very_high_risk_to_self",
    title="Risk to self very high: act today",
    subject_type="screen",
    candidates=very_high_risk_candidates,
    priority=WorkItemPriority.URGENT,
    link=link_to("assessments:screen_detail", subject="pk", anchor="follow-up"),
    action="Follow your local suicide prevention procedure now, tell your manager, and record "
    "what you did on the screen.",
)

SCREEN_URGENT_ACTION = WorkItemRule(
    code="screen_urgent_action",
    title="Recent attempt or self-harm: act today",
    subject_type="screen",
    candidates=urgent_action_candidates,
    priority=WorkItemPriority.URGENT,
    link=link_to("assessments:screen_detail", subject="pk", anchor="follow-up"),
    action="Talk with the person today about how they are now and who supports them, tell "
    "your manager, and record what you did on the screen.",
)

RISK_TO_SELF_NOT_KNOWN = WorkItemRule(
    code="risk_to_self_not_known",
    title="Risk to self not known: talk again",
    subject_type="screen",
    candidates=not_known_candidates,
    priority=WorkItemPriority.TODAY,
    link=link_to("assessments:screen_detail", subject="pk", anchor="follow-up"),
    action="Treat them as at risk. Talk again soon, in private, and record what they told you "
    "on the screen.",
)


def safety_plan_review_after_disclosure_candidates(today: dt.date):
    """Current plans written before the person's latest "yes" to thoughts of self-harm on a
    check-in (in the last 4 weeks): the plan is reviewed with them now."""
    from django.apps import apps

    from safeguard.assessments.risk import RECENT_DISCLOSURE_DAYS

    since = policy.start_of_day(today - dt.timedelta(days=RECENT_DISCLOSURE_DAYS))
    disclosed_since_written = apps.get_model("engagement", "CheckIn").objects.filter(
        person_id=OuterRef("person_id"),
        self_harm="yes",
        self_harm_reported_at__gte=since,
        self_harm_reported_at__gt=OuterRef("created_at"),
    )
    return candidates_about_people(
        SafetyPlan.objects.filter(status=SafetyPlanStatus.ACTIVE)
        .filter(_under_supervision(today, "person__"))
        .filter(Exists(disclosed_since_written)),
        due_on=today,
        detail=Value("Thoughts of self-harm reported on a check-in since the plan was written"),
    )


SAFETY_PLAN_REVIEW_AFTER_DISCLOSURE = WorkItemRule(
    code="safety_plan_review_after_disclosure",
    title="Review the safety plan after a disclosure",
    subject_type="safety_plan",
    candidates=safety_plan_review_after_disclosure_candidates,
    priority=WorkItemPriority.TODAY,
    link=link_to("assessments:safety_plan_edit"),
    action="They said yes to thoughts of self-harm on a check-in. Go through the safety plan "
    "with them and save the updated plan.",
)
