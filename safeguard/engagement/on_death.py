"""Engagement's part when a person's death is recorded (``settings.SAFEGUARD_ON_DEATH``).

Runs inside the transaction that records the death. Set-based updates only, with this area's
own status constants: queued texts and emails are withdrawn, regular check-ins stop, and
check-in links not yet answered stop working (marked as followed up, so that no "missed
check-in" work is raised for them). Answers already given are kept as they are.
"""

from django.utils import timezone

from safeguard.engagement.models import CheckIn, CheckInSchedule
from safeguard.notify.models import Message, MessageStatus

REASON = "The person has died"


def withdraw_reminders_and_check_ins(person_id: int, actor) -> int:
    now = timezone.now()
    withdrawn = Message.objects.filter(person_id=person_id, status=MessageStatus.QUEUED).update(
        status=MessageStatus.WITHDRAWN, status_reason=REASON, completed_at=now
    )
    CheckInSchedule.objects.filter(person_id=person_id, active=True).update(
        active=False, ended_at=now
    )
    unanswered = CheckIn.objects.filter(person_id=person_id, completed_at__isnull=True)
    closed = unanswered.filter(expires_at__gt=now).update(expires_at=now)
    unanswered.filter(followed_up_at__isnull=True).update(
        followed_up_at=now,
        followed_up_by=actor,
        follow_up_note=f"Closed automatically: {REASON.lower()}.",
    )
    return withdrawn + closed
