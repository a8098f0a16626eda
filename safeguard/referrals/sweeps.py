"""The escalation ladder moves by itself (run by ``safeguarding_scan`` before the rules, see
``apps.py``).

When an open escalation passes its target with nobody having taken it further, the next level
is raised: its holder is asked to take it up (the "escalation to answer" work item), and the
holder of the level that passed its target keeps an urgent item ("escalation past its target").
Safeguarding Adults Boards' escalation policies expect exactly this.

Set-based: one query finds every escalation due to move, one more finds who holds each next
level, and the new levels, their history and their audit entries are written in bulk. Idempotent
and safe to run concurrently: a referral has one escalation per level (a unique constraint), the
insert ignores the conflict, and each run audits only the rows it inserted itself.
"""

import datetime as dt

from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from safeguard.core.audit import Action, Channel
from safeguard.core.calendar import add_working_days
from safeguard.core.models import AccessLogEntry
from safeguard.people.deaths import not_deceased
from safeguard.referrals.audit import ReferralEvent
from safeguard.referrals.catalogue import escalation_ladder
from safeguard.referrals.models import (
    AWAITING_DECISION,
    Escalation,
    EscalationStatus,
    ReferralStatus,
)
from safeguard.referrals.selectors import EscalationHolders

REASON = "No response within target"


def escalations_due_to_move(today: dt.date):
    """Every open escalation past its target whose referral has no escalation at the next level
    yet, below the top of the ladder, about a living person, whose referral may still be
    escalated (rejected, closed with no response, or still waiting past its response date)."""
    next_level = Escalation.objects.filter(
        referral_id=OuterRef("referral_id"), level=OuterRef("level") + 1
    )
    escalatable = Q(
        referral__status__in=[ReferralStatus.REJECTED, ReferralStatus.CLOSED_NO_RESPONSE]
    ) | Q(referral__status__in=AWAITING_DECISION, referral__due_by__lt=today)
    return (
        Escalation.objects.filter(
            status=EscalationStatus.OPEN, due_by__lt=today, level__lt=max(escalation_ladder())
        )
        .filter(escalatable)
        .filter(~Exists(next_level))
        .filter(not_deceased("referral__person_id"))
        .order_by()
    )


def escalate_past_target(today: dt.date) -> int:
    """Raise the next level of every escalation past its target (``escalations_due_to_move``).
    Returns how many levels this run raised."""
    rows = list(
        escalations_due_to_move(today).values_list(
            "pk",
            "referral_id",
            "level",
            "referral__person_id",
            "referral__person__crn",
            "referral__person__team_id",
            "referral__person__pdu_id",
            "referral__person__pdu__region_id",
        )
    )
    if not rows:
        return 0
    ladder = escalation_ladder()
    holders = EscalationHolders(
        team_ids=sorted({r[5] for r in rows}),
        pdu_ids=sorted({r[6] for r in rows}),
        region_ids=sorted({r[7] for r in rows}),
    )
    due_by = {
        level: add_working_days(today, entry["target_working_days"])
        for level, entry in ladder.items()
    }
    now = timezone.now()
    new = [
        Escalation(
            referral_id=referral_id,
            level=level + 1,
            status=EscalationStatus.OPEN,
            reason=REASON,
            raised_by=None,
            automatic=True,
            raised_at=now,
            holder_id=holders.holder_id(
                level + 1, team_id=team_id, pdu_id=pdu_id, region_id=region_id
            ),
            due_by=due_by[level + 1],
        )
        for _, referral_id, level, _, _, team_id, pdu_id, region_id in rows
    ]
    about = {r[1]: (r[3], r[4], r[0]) for r in rows}  # referral -> person, CRN, level below
    with transaction.atomic():
        Escalation.objects.bulk_create(new, batch_size=1000, ignore_conflicts=True)
        # What this run inserted (a concurrent run's rows carry another time).
        mine = list(Escalation.objects.filter(automatic=True, raised_at=now, referral_id__in=about))
        Escalation.history.bulk_history_create(mine, default_change_reason=REASON)
        AccessLogEntry.objects.bulk_create(
            [
                AccessLogEntry(
                    actor=None,
                    person_id=about[e.referral_id][0],
                    crn=about[e.referral_id][1][:16],
                    action=Action.CHANGE_PERSON,
                    channel=Channel.COMMAND,
                    event=ReferralEvent.ESCALATED_AUTOMATICALLY.value,
                    detail=f"referral {e.referral_id}: escalated to level {e.level}: {REASON}"[
                        :200
                    ],
                    changes={
                        "record": f"escalation:{e.pk}",
                        "new": {
                            "referral": e.referral_id,
                            "level": e.level,
                            "reason": REASON,
                            "after": f"escalation:{about[e.referral_id][2]}",
                        },
                    },
                )
                for e in mine
            ],
            batch_size=1000,
        )
    return len(mine)
