"""The person's record is read-only for day-to-day work once a death is recorded.

Kept free of imports from the casework areas so that any of their services can import it:
``from safeguard.learning.guards import ensure_not_deceased`` and one line after the person is
locked (see the report in the learning README section).
"""

from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef

from safeguard.learning.models import DeathNotification

DECEASED_MESSAGE = (
    "This person has died. Their record is read-only: it is kept as it stood for the review "
    "of their death."
)


def _person_id(person_or_id) -> int | None:
    return getattr(person_or_id, "pk", person_or_id)


def is_deceased(person_or_id) -> bool:
    """Whether a death has been recorded for the person (a Person or its id)."""
    person_id = _person_id(person_or_id)
    if person_id is None:
        return False
    return DeathNotification.objects.filter(person_id=person_id).exists()


def ensure_not_deceased(person_or_id) -> None:
    """Refuse a change to a deceased person's record: raise ``ValidationError`` naming
    ``person``, which the pages show in the error summary and the API answers with a 422."""
    if is_deceased(person_or_id):
        raise ValidationError({"person": [DECEASED_MESSAGE]})


def deceased(person_ref: str = "pk") -> Exists:
    """A Person-level condition: ``Person.objects.filter(deceased())``, or on any model with
    ``deceased("person_id")``; negate it (``~deceased(...)``) to keep only the living. It is
    null-safe: a row with no person is never "deceased"."""
    return Exists(DeathNotification.objects.filter(person_id=OuterRef(person_ref)))


def not_deceased(person_ref: str = "pk"):
    return ~deceased(person_ref)
