"""Urgent work items and alerts for tests (the role x route matrix uses these too)."""

import datetime as dt

from django.utils import timezone

from safeguard.alerts.models import Alert, AlertStatus
from safeguard.core.models import WorkItem, WorkItemPriority, WorkItemStatus
from safeguard.notify.timing import LONDON

TUESDAY_11AM = dt.datetime(2026, 3, 10, 11, 0, tzinfo=LONDON)  # office hours
TUESDAY_9PM = dt.datetime(2026, 3, 10, 21, 0, tzinfo=LONDON)  # out of hours
SATURDAY_NIGHT = dt.datetime(2026, 3, 14, 23, 30, tzinfo=LONDON)
GOOD_FRIDAY_NOON = dt.datetime(2026, 4, 3, 12, 0, tzinfo=LONDON)  # a bank holiday


def urgent_item(person, *, rule="check_in_self_harm", subject_id=None, assigned_to=None):
    """An open urgent work item about ``person``, as the scan would raise it."""
    item, _ = WorkItem.objects.get_or_create(
        rule=rule,
        subject_type="check_in",
        subject_id=subject_id or person.pk,
        status=WorkItemStatus.OPEN,
        defaults={
            "person": person,
            "team_id": person.team_id,
            "assigned_to": assigned_to or person.practitioner,
            "priority": WorkItemPriority.URGENT,
            "due_on": timezone.localdate(),
        },
    )
    return item


def alert_on(item, *, status=AlertStatus.SENT, at=None):
    """An alert on ``item`` without sending anything (for pages that only need one)."""
    at = at or timezone.now()
    alert, _ = Alert.objects.get_or_create(
        work_item=item,
        defaults={
            "person": item.person,
            "team_id": item.person.team_id,
            "status": status,
            "raised_at": at,
            "escalate_after": at + dt.timedelta(hours=2),
            "status_changed_at": at,
        },
    )
    return alert
