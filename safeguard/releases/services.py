"""Every change a user can make to release plans: update a checklist item, record the release,
confirm the accommodation after release. Each goes through the one gate
(``safeguard.people.gate``): capability, scope, the person not having died, the lock, the audit
entry in the same transaction and the work-item refresh after commit."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils import timezone

from safeguard.assessments.risk import at_risk_to_self
from safeguard.core.audit import Channel
from safeguard.core.capabilities import Capability, require_capability
from safeguard.core.errors import IllegalTransition, StaleEdit  # noqa: F401 (re-exported)
from safeguard.people.gate import case_record_change, check_version, person_change
from safeguard.people.models import CustodyStatus, Person
from safeguard.releases.audit import ReleaseEvent
from safeguard.releases.catalogue import checklist
from safeguard.releases.models import (
    ACCOMMODATION_STATUS_FOR,
    ItemStatus,
    PlanStatus,
    ReleaseAccommodation,
    ReleasePlan,
    ReleasePlanItem,
)
from safeguard.releases.selectors import opioid_use_indicated_condition

EVIDENCE_MAX = 4000
REASON_MAX = 2000
ADDRESS_MAX = 200  # the person's address line holds 200 characters
# A release recorded more than this long ago is almost certainly a mistyped date.
RELEASE_RECORD_LOOKBACK_DAYS = 365


class PlanNotOpen(IllegalTransition):
    """The release has been recorded or the plan closed: its checklist is frozen (409)."""


class NotInCustody(IllegalTransition):
    """The person is not in custody and has no open plan: there is no release to record (409)."""


def _clean_text(value, *, field: str, limit: int, errors: dict, what: str) -> str | None:
    if value is None:
        return None
    value = str(value).strip()
    if len(value) > limit:
        errors[field] = [f"{what} must be {limit:,} characters or fewer"]
    return value


def release_plan_item_update(
    *,
    plan_id: int,
    key: str,
    status: str,
    evidence: str | None = "",
    reason: str | None = "",
    version: int | None = None,
    actor,
    channel: str = Channel.WEB,
    today: dt.date | None = None,
) -> ReleasePlanItem:
    """Set one checklist item's status, with its evidence and, for "not needed" or "declined",
    the reason. ``evidence`` or ``reason`` of None keeps what is there. ``version`` is the
    item's version the edit started from (0 for an item never updated); a stale one is
    refused. "Not needed" without a reason is refused, and so is "done" without evidence for
    the items whose evidence the checklist requires."""
    require_capability(actor, Capability.CHANGE_CASES)
    today = today or timezone.localdate()
    item = checklist().get(key or "")
    if item is None:
        raise ValidationError({"key": [f"{key!r} is not an item of the release checklist"]})
    errors: dict[str, list[str]] = {}
    if status not in ItemStatus.values:
        errors["status"] = [
            "Choose a status: not started, in progress, done, not needed or declined"
        ]
    evidence = _clean_text(
        evidence, field="evidence", limit=EVIDENCE_MAX, errors=errors, what="Evidence"
    )
    reason = _clean_text(reason, field="reason", limit=REASON_MAX, errors=errors, what="Reason")
    if version is not None and (
        isinstance(version, bool) or not isinstance(version, int) or version < 0
    ):
        errors["version"] = ["Give the version as a whole number"]
    if errors:
        raise ValidationError(errors)

    with case_record_change(ReleasePlan.objects, pk=plan_id, actor=actor, channel=channel) as (
        change,
        plan,
    ):
        if plan.status != PlanStatus.OPEN:
            raise PlanNotOpen(
                "The release has been recorded, so this plan can no longer be changed."
                if plan.status == PlanStatus.RELEASED
                else "This plan is closed and can no longer be changed."
            )
        row = ReleasePlanItem.objects.select_for_update().filter(plan=plan, key=item.key).first()
        old = {"status": row.status, "version": row.version} if row else {}
        check_version(row.version if row else 0, version)
        new_evidence = evidence if evidence is not None else (row.evidence if row else "")
        new_reason = reason if reason is not None else (row.reason if row else "")
        if status not in (ItemStatus.NOT_NEEDED, ItemStatus.DECLINED):
            new_reason = ""
        if status == ItemStatus.NOT_NEEDED and not new_reason:
            errors["reason"] = ["Say why this item is not needed"]
        if status == ItemStatus.DONE and item.evidence_required_when_done and not new_evidence:
            errors["evidence"] = [item.evidence_required_when_done]
        if errors:
            raise ValidationError(errors)
        if row is not None and (row.status, row.evidence, row.reason) == (
            status,
            new_evidence,
            new_reason,
        ):
            return row
        if row is None:
            row = ReleasePlanItem(plan=plan, key=item.key, version=1)
        else:
            row.version += 1  # safe: the row is locked and the version was checked
        row.status = status
        row.evidence = new_evidence
        row.reason = new_reason
        row.updated_by = actor
        row._change_reason = f"{item.key}: {status}"
        row.save()
        change.record(
            ReleaseEvent.ITEM_UPDATED,
            record=plan,
            old=old,
            new={"key": item.key, "status": status, "version": row.version},
            detail=f"release plan {plan.pk}: {item.key} {status}",
        )
    return row


def release_record(
    *,
    person_id: int,
    released_on: dt.date | None,
    accommodation_type: str,
    address: str = "",
    actor,
    channel: str = Channel.WEB,
    today: dt.date | None = None,
) -> ReleasePlan:
    """Record that the person has been released: the date, where they went on the night of
    release and the address. The person's record changes in the same transaction (in the
    community; accommodation status from the type, temporary meaning transient; the address),
    with the person's row locked. The open plan becomes the release record, its checklist
    frozen; without a plan one is made, so every release is counted."""
    require_capability(actor, Capability.CHANGE_CASES)
    today = today or timezone.localdate()
    errors: dict[str, list[str]] = {}
    if accommodation_type not in ReleaseAccommodation.values:
        errors["accommodation_type"] = [
            "Choose where the person went on the night of release: settled, temporary, "
            "approved premises or no fixed abode"
        ]
    if not isinstance(released_on, dt.date):
        errors["released_on"] = ["Enter the date of release"]
    elif released_on > today:
        errors["released_on"] = ["The date of release must be today or in the past"]
    elif released_on < today - dt.timedelta(days=RELEASE_RECORD_LOOKBACK_DAYS):
        errors["released_on"] = ["The date of release must be within the last year"]
    address = _clean_text(
        address or "", field="address", limit=ADDRESS_MAX, errors=errors, what="The address"
    )
    if (
        accommodation_type in ReleaseAccommodation.values
        and accommodation_type != ReleaseAccommodation.NO_FIXED_ABODE
        and not address
    ):
        errors["address"] = ["Enter the address for the night of release"]
    if errors:
        raise ValidationError(errors)

    # The release changes custody facts, which nDelius owns in integrated mode.
    with person_change(
        actor=actor, person_id=person_id, channel=channel, delius_owned=True
    ) as change:
        person = change.person
        plan = (
            ReleasePlan.objects.select_for_update()
            .filter(person=person, status=PlanStatus.OPEN)
            .first()
        )
        if person.custody_status != CustodyStatus.IN_CUSTODY and plan is None:
            raise NotInCustody("This person is not in custody, so there is no release to record.")
        same_date = ReleasePlan.objects.filter(person=person, release_date=released_on)
        if plan is not None:
            same_date = same_date.exclude(pk=plan.pk)
        if same_date.exists():
            raise ValidationError(
                {"released_on": ["A release on this date is already recorded for this person"]}
            )
        if plan is None:
            plan = ReleasePlan(person=person)
        else:
            plan.version += 1
        plan.release_date = released_on
        plan.status = PlanStatus.RELEASED
        plan.released_on = released_on
        plan.accommodation_type = accommodation_type
        plan.release_address = address
        plan.release_pdu_id = person.pdu_id
        plan.at_risk_at_release = Person.objects.filter(
            at_risk_to_self("pk"), pk=person.pk
        ).exists()
        plan.opioid_use_indicated_at_release = Person.objects.filter(
            opioid_use_indicated_condition("pk"), pk=person.pk
        ).exists()
        plan.released_recorded_at = timezone.now()
        plan.released_recorded_by = actor
        plan._change_reason = f"Release recorded ({accommodation_type})"
        plan.save()

        person.custody_status = CustodyStatus.IN_COMMUNITY
        person.expected_release_date = None
        person.last_released_on = max(released_on, person.last_released_on or released_on)
        person.accommodation_status = ACCOMMODATION_STATUS_FOR[accommodation_type]
        if accommodation_type == ReleaseAccommodation.NO_FIXED_ABODE:
            person.address_line = person.town = person.postcode = ""
        else:
            person.address_line, person.town, person.postcode = address, "", ""
        person.version += 1  # safe: the row is locked
        person._change_reason = f"Released on {released_on.isoformat()} ({accommodation_type})"
        person.save(
            update_fields=[
                "custody_status",
                "expected_release_date",
                "last_released_on",
                "accommodation_status",
                "address_line",
                "town",
                "postcode",
                "version",
                "updated_at",
            ]
        )
        change.record(
            ReleaseEvent.RELEASE_RECORDED,
            record=plan,
            new={"released_on": released_on, "accommodation_type": accommodation_type},
            detail=f"release recorded on {released_on.isoformat()} ({accommodation_type})",
        )
    return plan


def release_confirm_accommodation(
    *, plan_id: int, actor, channel: str = Channel.WEB, today: dt.date | None = None
) -> ReleasePlan:
    """Record that the person is living where they said they would after release."""
    require_capability(actor, Capability.CHANGE_CASES)
    today = today or timezone.localdate()
    with case_record_change(ReleasePlan.objects, pk=plan_id, actor=actor, channel=channel) as (
        change,
        plan,
    ):
        if plan.status != PlanStatus.RELEASED:
            raise PlanNotOpen("The release has not been recorded yet.")
        if plan.accommodation_confirmed_at is not None:
            return plan
        plan.accommodation_confirmed_at = timezone.now()
        plan.accommodation_confirmed_by = actor
        plan.version += 1
        plan._change_reason = "Accommodation confirmed after release"
        plan.save(
            update_fields=["accommodation_confirmed_at", "accommodation_confirmed_by", "version"]
        )
        change.record(
            ReleaseEvent.ACCOMMODATION_CONFIRMED,
            record=plan,
            detail=f"release plan {plan.pk}: accommodation confirmed",
        )
    return plan
