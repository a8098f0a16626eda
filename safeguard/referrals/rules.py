"""Work-item rules about referrals and escalations (run by `safeguarding_scan`)."""

from django.db.models import (
    Case,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Subquery,
    When,
)

from safeguard.core.models import Role, Staff, WorkItemPriority
from safeguard.core.workitems import WorkItemRule, candidates_about_people, link_to
from safeguard.referrals.models import (
    AWAITING_DECISION,
    Escalation,
    EscalationStatus,
    Referral,
    ReferralKind,
    ReferralStatus,
)


def _referral_overdue(today):
    return candidates_about_people(
        Referral.objects.filter(status__in=AWAITING_DECISION, due_by__lt=today),
        due_on=F("due_by"),
        detail=F("agency__name"),
    )


def _rejected_while_indicated(today):
    return candidates_about_people(
        Referral.objects.filter(
            kind=ReferralKind.ASC_S42,
            status=ReferralStatus.REJECTED,
            s42_care_and_support_needs=True,
            s42_abuse_or_neglect=True,
            s42_unable_to_protect_self=True,
        ).exclude(Exists(Escalation.objects.filter(referral=OuterRef("pk")))),
        due_on=today,
        detail=F("agency__name"),
    )


def _holder_of(role, **match):
    return Subquery(
        Staff.objects.filter(role=role, is_active=True, in_post=True, **match)
        .order_by("pk")
        .values("pk")[:1],
        output_field=IntegerField(),
    )


def _escalation_to_answer(today):
    return candidates_about_people(
        Escalation.objects.filter(status=EscalationStatus.OPEN, holder__isnull=False),
        person="referral__person",
        assigned_to=F("holder_id"),
        due_on=F("due_by"),
        detail=F("referral__agency__name"),
    )


def _escalation_overdue(today):
    # Past its target: the holder of the next level up is told it can now be escalated.
    next_holder = Case(
        When(
            level=1,
            then=_holder_of(Role.HEAD_OF_PDU, pdu_id=OuterRef("referral__person__pdu_id")),
        ),
        When(
            level=2,
            then=_holder_of(
                Role.REGIONAL_LEAD, region_id=OuterRef("referral__person__pdu__region_id")
            ),
        ),
        default=_holder_of(Role.NATIONAL),
        output_field=IntegerField(),
    )
    return candidates_about_people(
        Escalation.objects.filter(status=EscalationStatus.OPEN, due_by__lt=today),
        person="referral__person",
        assigned_to=next_holder,
        due_on=F("due_by"),
        detail=F("referral__agency__name"),
    )


REFERRAL_OVERDUE = WorkItemRule(
    code="referral_past_target",
    title="Referral past its response date with no decision",
    subject_type="referral",
    candidates=_referral_overdue,
    priority=WorkItemPriority.SOON,
    link=link_to("referrals:detail", subject="referral_id"),
    action="Chase the agency; if there is still no answer, escalate the referral.",
)
REJECTED_WHILE_INDICATED = WorkItemRule(
    code="asc_rejected_s42_indicated",
    title="Adult social care rejected a referral that met all three parts of the s42 test",
    subject_type="referral",
    candidates=_rejected_while_indicated,
    priority=WorkItemPriority.TODAY,
    link=link_to("referrals:detail", subject="referral_id"),
    action="Escalate the rejection to your senior probation officer.",
)
ESCALATION_TO_ANSWER = WorkItemRule(
    code="escalation_to_answer",
    title="Escalation waiting for your response",
    subject_type="escalation",
    candidates=_escalation_to_answer,
    priority=WorkItemPriority.SOON,
    # The escalation's page needs its referral's id, which the item does not carry.
    link=link_to("people:detail", anchor="referrals-heading"),
    action="Take the escalation up with the agency and record the response.",
)
ESCALATION_OVERDUE = WorkItemRule(
    code="escalation_past_target",
    title="Escalation past its target: it can go to the next level",
    subject_type="escalation",
    candidates=_escalation_overdue,
    priority=WorkItemPriority.SOON,
    link=link_to("people:detail", anchor="referrals-heading"),
    action="Check the escalation and take it up at your level.",
)
