"""Work-item rules about referrals and escalations (run by `safeguarding_scan`)."""

from django.db.models import Exists, F, OuterRef

from safeguard.core.models import WorkItemPriority
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


def _ready_to_send(today):
    # Completed in Safeguard and not yet sent: the practitioner is asked to send it from the
    # day it is ready (it is on My work at once), by its send-by date.
    return candidates_about_people(
        Referral.objects.filter(status=ReferralStatus.READY_TO_SEND, send_by__gte=today),
        due_on=F("send_by"),
        detail=F("agency__name"),
    )


def _not_sent(today):
    # Still not sent after its send-by date (2 working days for a routine referral): urgent.
    return candidates_about_people(
        Referral.objects.filter(status=ReferralStatus.READY_TO_SEND, send_by__lt=today),
        due_on=F("send_by"),
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


def _superseded():
    """A level above this one has been answered: the escalation went on without this level."""
    return Exists(
        Escalation.objects.filter(
            referral_id=OuterRef("referral_id"),
            level__gt=OuterRef("level"),
            status=EscalationStatus.RESOLVED,
        )
    )


def _escalation_to_answer(today):
    # In time: the holder is asked to respond.
    return candidates_about_people(
        Escalation.objects.filter(
            status=EscalationStatus.OPEN, holder__isnull=False, due_by__gte=today
        ).filter(~_superseded()),
        person="referral__person",
        assigned_to=F("holder_id"),
        due_on=F("due_by"),
        detail=F("referral__agency__name"),
    )


def _escalation_overdue(today):
    # Past its target: the holder's item becomes urgent, and the next level is raised by the
    # sweep (``referrals.sweeps.escalate_past_target``), whose holder is asked to take it up.
    return candidates_about_people(
        Escalation.objects.filter(
            status=EscalationStatus.OPEN, holder__isnull=False, due_by__lt=today
        ).filter(~_superseded()),
        person="referral__person",
        assigned_to=F("holder_id"),
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
READY_TO_SEND = WorkItemRule(
    code="referral_ready_to_send",
    title="Referral ready to send: send it and record how and when",
    subject_type="referral",
    candidates=_ready_to_send,
    priority=WorkItemPriority.TODAY,
    link=link_to("referrals:detail", subject="referral_id"),
    action="Send the referral (attach its PDF to the agency's portal or a secure email), then "
    "record how and when you sent it.",
)
NOT_SENT = WorkItemRule(
    code="referral_not_sent",
    title="Referral completed but not sent: the agency does not have it",
    subject_type="referral",
    candidates=_not_sent,
    priority=WorkItemPriority.URGENT,
    link=link_to("referrals:detail", subject="referral_id"),
    action="Send the referral now and record how and when you sent it.",
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
    title="Escalation past its target with no response: it has gone to the next level",
    subject_type="escalation",
    candidates=_escalation_overdue,
    priority=WorkItemPriority.URGENT,
    link=link_to("people:detail", anchor="referrals-heading"),
    action="Respond now, and tell the holder of the next level what you have done.",
)
