"""Every change a user can make to a person's record: one function per action."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from safeguard.core import workitems
from safeguard.core.audit import Action, Channel, access_log_record
from safeguard.learning.guards import ensure_not_deceased
from safeguard.people.models import Allocation, AllocationReason, Person
from safeguard.people.selectors import visible_people

CONTACT_FIELDS = ("mobile", "phone", "email", "address_line", "town", "postcode")
COMMUNICATION_FIELDS = (
    "neurodivergence",
    "learning_disability",
    "literacy_support",
    "interpreter_language",
    "communication_notes",
)


class StaleEdit(Exception):
    """Someone else changed the record after this edit started."""


def _lock_visible(*, actor, person_id) -> Person:
    person = visible_people(actor).select_for_update().filter(pk=person_id).first()
    if person is None:
        raise Person.DoesNotExist
    ensure_not_deceased(person)
    if not actor.can_change_cases:
        raise PermissionDenied("Your role can read cases but not change them.")
    return person


def person_update_details(
    *, person_id: int, version: int, changes: dict, actor, channel=Channel.WEB
) -> Person:
    """Change contact details or communication needs, refusing a stale edit."""
    allowed = set(CONTACT_FIELDS) | set(COMMUNICATION_FIELDS)
    unknown = set(changes) - allowed
    if unknown:
        raise ValidationError(f"These fields cannot be changed here: {', '.join(sorted(unknown))}")
    with transaction.atomic():
        person = _lock_visible(actor=actor, person_id=person_id)
        if person.version != version:
            raise StaleEdit
        changed = [f for f, value in changes.items() if getattr(person, f) != value]
        if not changed:
            return person
        for field in changed:
            setattr(person, field, changes[field])
        person.version += 1  # safe: the row is locked and the version was checked
        person._change_reason = "Updated " + ", ".join(changed)
        person.save(update_fields=[*changed, "version", "updated_at"])
        access_log_record(
            actor=actor,
            action=Action.CHANGE_PERSON,
            channel=channel,
            person=person,
            detail="changed " + ", ".join(changed),
        )
    return person


def person_allocate(
    *, person_id: int, practitioner, team, reason: str, reason_detail="", actor, on=None
) -> Allocation:
    """Move the case to a practitioner (or to a team only), closing the current allocation."""
    if reason not in AllocationReason.values:
        raise ValidationError("Choose a reason for the allocation.")
    if practitioner is not None and not practitioner.teams.filter(pk=team.pk).exists():
        raise ValidationError("The practitioner is not a member of that team.")
    on = on or timezone.localdate()
    with transaction.atomic():
        person = _lock_visible(actor=actor, person_id=person_id)
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
        access_log_record(
            actor=actor,
            action=Action.CHANGE_PERSON,
            channel=Channel.WEB,
            person=person,
            detail=f"allocated ({reason})",
        )
        # The new practitioner sees the case's work (and any handover item) straight away.
        workitems.refresh_for_person_on_commit(person.pk, timezone.localdate())
    return allocation
