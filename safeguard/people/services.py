"""Every change a user can make to a person's record: one function per action."""

from django.core.exceptions import ValidationError
from django.utils import timezone

from safeguard.core.audit import Channel
from safeguard.core.errors import StaleEdit  # noqa: F401 (re-exported)
from safeguard.people.audit import PersonEvent
from safeguard.people.gate import check_version, person_change, values_of
from safeguard.people.models import Allocation, AllocationReason, Person

CONTACT_FIELDS = ("mobile", "phone", "email", "address_line", "town", "postcode")
COMMUNICATION_FIELDS = (
    "neurodivergence",
    "learning_disability",
    "literacy_support",
    "interpreter_language",
    "communication_notes",
)


def person_update_details(
    *, person_id: int, version: int, changes: dict, actor, channel=Channel.WEB
) -> Person:
    """Change contact details or communication needs, refusing a stale edit."""
    allowed = set(CONTACT_FIELDS) | set(COMMUNICATION_FIELDS)
    unknown = set(changes) - allowed
    if unknown:
        raise ValidationError(f"These fields cannot be changed here: {', '.join(sorted(unknown))}")
    with person_change(
        actor=actor, person_id=person_id, channel=channel, delius_owned=True
    ) as change:
        person = change.person
        check_version(person.version, version)
        changed = [f for f, value in changes.items() if getattr(person, f) != value]
        if not changed:
            return person
        old = values_of(person, changed)
        for name in changed:
            setattr(person, name, changes[name])
        person.version += 1  # safe: the row is locked and the version was checked
        person._change_reason = "Updated " + ", ".join(changed)
        person.save(update_fields=[*changed, "version", "updated_at"])
        change.record(
            PersonEvent.DETAILS_CHANGED, record=person, old=old, new=values_of(person, changed)
        )
    return person


def person_allocate(
    *,
    person_id: int,
    practitioner,
    team,
    reason: str,
    reason_detail="",
    actor,
    on=None,
    channel=Channel.WEB,
) -> Allocation:
    """Move the case to a practitioner (or to a team only), closing the current allocation."""
    if reason not in AllocationReason.values:
        raise ValidationError("Choose a reason for the allocation.")
    if practitioner is not None and not practitioner.teams.filter(pk=team.pk).exists():
        raise ValidationError("The practitioner is not a member of that team.")
    on = on or timezone.localdate()
    # The new practitioner sees the case's work (and any handover item) straight away: the
    # gate refreshes the person's work items once this commits.
    with person_change(
        actor=actor, person_id=person_id, channel=channel, delius_owned=True
    ) as change:
        person = change.person
        old = values_of(person, ["practitioner", "team"])
        person.allocations.filter(ended_on__isnull=True).update(ended_on=on)
        allocation = Allocation.objects.create(
            person=person,
            practitioner=practitioner,
            team=team,
            started_on=on,
            reason=reason,
            reason_detail=reason_detail,
        )
        person.practitioner = practitioner
        person.team = team
        person.pdu_id = team.pdu_id
        person.version += 1  # safe: the row is locked and the version was checked
        person._change_reason = f"Allocated: {reason}"
        person.save(update_fields=["practitioner", "team", "pdu", "version", "updated_at"])
        change.record(
            PersonEvent.ALLOCATED,
            record=allocation,
            old=old,
            new={**values_of(person, ["practitioner", "team"]), "reason": reason},
        )
    return allocation
