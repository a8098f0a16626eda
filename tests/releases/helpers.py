"""Builders for release plans in each state (the shared factories cover people and staff)."""

import datetime as dt

from django.utils import timezone

from safeguard.releases.models import ItemStatus, PlanStatus, ReleasePlan, ReleasePlanItem
from tests.factories import InCustodyPersonFactory


def today():
    return timezone.localdate()


def in_custody(team, practitioner=None, *, release_in_days=42, **kwargs):
    return InCustodyPersonFactory(
        team=team,
        practitioner=practitioner,
        expected_release_date=today() + dt.timedelta(days=release_in_days),
        **kwargs,
    )


def open_plan(person, release_date=None) -> ReleasePlan:
    return ReleasePlan.objects.create(
        person=person, release_date=release_date or person.expected_release_date
    )


def set_item(plan, key, status, actor, *, evidence="", reason="") -> ReleasePlanItem:
    if status == ItemStatus.NOT_NEEDED and not reason:
        reason = "Not needed for this release"
    row, _ = ReleasePlanItem.objects.update_or_create(
        plan=plan,
        key=key,
        defaults={"status": status, "evidence": evidence, "reason": reason, "updated_by": actor},
    )
    return row


def close_everything(plan, actor, *, except_keys=()):
    from safeguard.releases.catalogue import checklist

    for item in checklist().items:
        if item.key not in except_keys:
            set_item(plan, item.key, ItemStatus.DONE, actor, evidence="Arranged")


def released(
    person,
    released_on,
    accommodation_type,
    actor,
    *,
    at_risk=False,
    opioid=False,
    at_12_weeks="",
    items=None,
) -> ReleasePlan:
    """A release recorded on ``released_on`` (built directly, as the measures see it)."""
    plan = ReleasePlan.objects.create(
        person=person,
        release_date=released_on,
        status=PlanStatus.RELEASED,
        released_on=released_on,
        accommodation_type=accommodation_type,
        release_address="" if accommodation_type == "no_fixed_abode" else "1 Test Street",
        release_pdu=person.pdu,
        at_risk_at_release=at_risk,
        opioid_use_indicated_at_release=opioid,
        accommodation_at_12_weeks=at_12_weeks,
    )
    for key, status in (items or {}).items():
        set_item(plan, key, status, actor, evidence="Recorded")
    return plan
