"""The one hierarchy of refusals a service can raise.

Services raise these; the API maps them once to problem+json (``safeguard.api.api``) and pages
map them once to GOV.UK error summaries (``safeguard.core.forms``). Nobody catches them one
endpoint at a time. Bad field values stay Django's ``ValidationError`` (422 / field errors).
"""

from django.core.exceptions import PermissionDenied


class DomainError(Exception):
    """A change the service refuses. ``field`` names the form field to show it against."""

    status = 422
    title = "Unprocessable content"
    default_message = "This change cannot be made."

    def __init__(self, message: str | None = None, *, field: str | None = None):
        self.message = message or self.default_message
        self.field = field
        super().__init__(self.message)


class StaleEdit(DomainError):
    """Someone else changed the record after this edit started (or the edit named no version)."""

    status = 409
    title = "Conflict"
    default_message = (
        "Someone else changed this record after you opened it. Check what it says now and "
        "make your change again."
    )


class IllegalTransition(DomainError):
    """The record is not in a state this change can start from."""

    status = 409
    title = "Conflict"
    default_message = "This record is not in a state where that change can be made."


class RecordClosed(DomainError):
    """The person has died: their record is kept as it stood for the review of the death."""

    status = 409
    title = "Record closed"
    default_message = "This record is closed because the person has died"


class NotPermitted(DomainError, PermissionDenied):
    """The actor's role does not hold the capability the change needs (403).

    Also a ``PermissionDenied`` so that a page that lets one through answers 403, not 500.
    """

    status = 403
    title = "Forbidden"
    default_message = "Your role cannot make this change."


class OwnedByDelius(DomainError):
    """Integrated mode (``SAFEGUARD_CASE_SOURCE=delius``): the person, their allocation, their
    registrations and their custody facts come from nDelius and are read-only here."""

    status = 409
    title = "Change it in nDelius"
    default_message = (
        "This comes from nDelius, the national case record, so it cannot be changed in "
        "Safeguard. Change it in nDelius: Safeguard shows the change as soon as nDelius sends it."
    )
