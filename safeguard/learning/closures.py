"""What happens to a person's open work when their death is recorded.

Functions listed in ``settings.SAFEGUARD_ON_DEATH`` take ``(person_id, actor)`` and run inside
the transaction that records the death (``services.death_notification_record``), after the case
snapshot is taken, so a failure leaves nothing half-done. Each is one set-based UPDATE.
"""

from django.utils import timezone

from safeguard.core.models import WorkItem, WorkItemStatus


def close_work_items(person_id: int, actor) -> int:
    """Close every open work item about the person."""
    return WorkItem.objects.filter(person_id=person_id, status=WorkItemStatus.OPEN).update(
        status=WorkItemStatus.CLOSED, status_changed_at=timezone.now()
    )
