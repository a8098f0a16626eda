"""A person's death, as every area needs to know it: the record is closed from then on.

The death itself (notification, snapshot, review) is recorded by the learning area; this
module holds only the state on ``Person``, so that any area can read it without importing
upward.
"""

from django.db.models import Exists, OuterRef, Q

from safeguard.core.errors import RecordClosed
from safeguard.people.models import Person, PersonStatus

RECORD_CLOSED_MESSAGE = RecordClosed.default_message


def is_deceased(person_or_id) -> bool:
    """Whether a death is recorded for the person (a Person or its id). Asks the database: an
    instance loaded before the death was recorded would still say "supervised"."""
    person_id = getattr(person_or_id, "pk", person_or_id)
    if person_id is None:
        return False
    return Person.objects.filter(pk=person_id, status=PersonStatus.DIED).exists()


def deceased(person_ref: str = "pk") -> Q | Exists:
    """A condition for "the person has died": ``Person.objects.filter(deceased())``, or on a
    record about a person ``deceased("person_id")`` (any field or annotation holding a person's
    id). Negate it (``~deceased(...)``) to keep the living; a row with no person is never
    "deceased"."""
    if person_ref in ("pk", "id", ""):
        return Q(status=PersonStatus.DIED)
    return Exists(Person.objects.filter(pk=OuterRef(person_ref), status=PersonStatus.DIED))


def not_deceased(person_ref: str = "pk") -> Q:
    return ~deceased(person_ref)


def person_close_on_death(*, person: Person, died_on) -> None:
    """Close a locked person's record (called only by the service that records a death, inside
    its gate). The row is locked by the caller, so the version bump is safe."""
    person.status = PersonStatus.DIED
    person.died_on = died_on
    person.version += 1
    person._change_reason = "Death recorded"
    person.save(update_fields=["status", "died_on", "version", "updated_at"])


def ensure_not_deceased(person_or_id) -> None:
    """Refuse a change to a deceased person's record (``RecordClosed``, 409). Services get
    this from the gate (``safeguard.people.gate``); this is for the few checks outside one."""
    if is_deceased(person_or_id):
        raise RecordClosed
