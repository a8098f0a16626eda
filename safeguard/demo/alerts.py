"""The demo's earlier urgent work, alerted and acknowledged before the demo begins.

The scan at the end of the seed raises at once every urgent item the demo's history holds (at
national scale about 10,000). In a service that had been running, each would have been alerted
when it arose and acknowledged since; without this the alert sweeps would spend their first
hours emailing that backlog, 500 at a time. The demo team's own items are left to the first
sweep, so that its sign-ins are alerted as they would be about new work.
"""

from django.utils import timezone

from safeguard.alerts import policy
from safeguard.alerts.models import Alert, AlertStatus
from safeguard.alerts.services import urgent_items_to_alert


def acknowledge_earlier_alerts(*, keep_team_id: int | None, now=None) -> int:
    """An acknowledged alert (no emails) on each urgent item not yet alerted, outside the team
    ``keep_team_id``, by its assignee; items nobody is assigned stay for the sweep."""
    from safeguard.demo.generate import insert_rows  # generate imports this module

    now = now or timezone.now()
    items = urgent_items_to_alert().filter(assigned_to__isnull=False, person__team__isnull=False)
    if keep_team_id is not None:
        items = items.exclude(person__team_id=keep_team_id)
    rows = [
        {
            "work_item_id": item_id,
            "person_id": person_id,
            "team_id": team_id,
            "status": AlertStatus.ACKNOWLEDGED,
            "raised_at": now,
            "escalate_after": now + policy.ESCALATE_AFTER,
            "acknowledged_by_id": assignee_id,
            "acknowledged_at": now,
            "status_changed_at": now,
        }
        for item_id, person_id, team_id, assignee_id in items.values_list(
            "pk", "person_id", "person__team_id", "assigned_to_id"
        )
    ]
    insert_rows(Alert, rows)
    return len(rows)
