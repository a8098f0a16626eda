"""Where people, allocations, registrations and custody facts come from: one setting.

``SAFEGUARD_CASE_SOURCE=standalone`` (the default, and the demo): Safeguard is the record and
every page can change them. ``SAFEGUARD_CASE_SOURCE=delius`` (integrated): nDelius is the
record; Safeguard keeps them in step from HMPPS domain events and the bulk load
(``safeguard.integration``) and refuses to change them (``OwnedByDelius``, 409). Everything
Safeguard owns (screens, safety plans, referrals, appointments, reviews) stays writable.

The refusal is made in one place, the gate (``safeguard.people.gate``), for the services that
say they change one of those facts (``delius_owned=True``).
"""

from django.conf import settings

from safeguard.core.errors import OwnedByDelius

STANDALONE = "standalone"
DELIUS = "delius"
CHOICES = (STANDALONE, DELIUS)


def current() -> str:
    return getattr(settings, "SAFEGUARD_CASE_SOURCE", STANDALONE) or STANDALONE


def integrated() -> bool:
    """True when nDelius is the record of people, allocations, registrations and custody."""
    return current() == DELIUS


def refuse_if_integrated() -> None:
    """Raise ``OwnedByDelius`` in integrated mode."""
    if integrated():
        raise OwnedByDelius


def add_notice(form) -> None:
    """On a page that would change an nDelius fact, show the refusal before anyone types: the
    GOV.UK error summary says to change it in nDelius (the POST is refused by the gate)."""
    if not integrated():
        return
    if not form.is_bound:
        # An unbound form has no cleaned data for add_error to tidy: put the error in directly.
        from django.core.exceptions import NON_FIELD_ERRORS

        errors = form.errors  # an empty ErrorDict, for an unbound form
        errors.setdefault(
            NON_FIELD_ERRORS, form.error_class(error_class="nonfield", renderer=form.renderer)
        ).append(OwnedByDelius.default_message)
        return
    form.add_error(None, OwnedByDelius.default_message)


def context(request) -> dict:
    """For templates: ``delius_owned_read_only`` hides the links to changes nDelius owns."""
    return {"delius_owned_read_only": integrated(), "case_source": current()}
