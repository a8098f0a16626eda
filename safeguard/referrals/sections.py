from django.utils import timezone

from safeguard.core.calendar import working_days_between
from safeguard.people.sections import Section
from safeguard.referrals.models import AWAITING_DECISION, EscalationStatus, ReferralStatus
from safeguard.referrals.selectors import person_referrals


def referrals_section(request, person, today):
    rows = []
    for referral in person_referrals(person=person):
        escalations = list(referral.escalations.all())
        open_escalation = next((e for e in escalations if e.status == EscalationStatus.OPEN), None)
        waiting = None
        if referral.status in AWAITING_DECISION and referral.sent_at:
            waiting = working_days_between(timezone.localtime(referral.sent_at).date(), today)
        rows.append(
            {
                "referral": referral,
                "working_days_waiting": waiting,
                "past_target": bool(waiting is not None and referral.due_by < today),
                "send_now": referral.status == ReferralStatus.READY_TO_SEND
                and bool(referral.send_by and referral.send_by < today),
                "escalation_stage": max((e.level for e in escalations), default=None),
                "open_escalation": open_escalation,
            }
        )
    return Section(
        template="referrals/_person_referrals.html",
        title="Referrals",
        anchor="referrals-heading",
        context={"rows": rows, "can_change": request.user.can_change_cases},
    )
