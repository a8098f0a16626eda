"""Who is at risk to themselves: the one definition that work items, release plans, welfare
checks and the risk summary all use.

A person is at risk to self when any of these holds:

- an active registration in a register group the catalogue marks ``signals_risk_to_self``
  (``registrations/data/register_types.json``: suicide/self-harm, vulnerable, adult at risk);
- their latest vulnerability screen rates risk to self medium or above, or "not known" (a
  suicide question declined) until a follow-up finds no current concerns;
- they said "yes" to thoughts of self-harm on a check-in in the last
  ``RECENT_DISCLOSURE_DAYS`` days.

It is a condition (``Q``) so that work across the caseload filters in the same SQL pass.
"""

import datetime as dt
from functools import cache

from django.apps import apps
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from safeguard.assessments.models import (
    MEDIUM_OR_ABOVE,
    FollowUpOutcome,
    RiskToSelf,
    VulnerabilityScreen,
)
from safeguard.registrations.catalogue import risk_to_self_groups
from safeguard.registrations.models import Registration, RegistrationStatus

# A disclosure of self-harm thoughts on a check-in counts for four weeks: long enough to reach
# the next supervision and a screen, which then carries it.
RECENT_DISCLOSURE_DAYS = 28


@cache
def _groups() -> tuple[str, ...]:
    return risk_to_self_groups()


def later_screen(prefix: str = "") -> Exists:
    """A screen of the same person after the one the outer query names (its fields under
    ``prefix``): newer completed_at, or the same and a higher id. "Latest" is its absence."""
    return Exists(
        VulnerabilityScreen.objects.filter(person_id=OuterRef(f"{prefix}person_id")).filter(
            Q(completed_at__gt=OuterRef(f"{prefix}completed_at"))
            | Q(completed_at=OuterRef(f"{prefix}completed_at"), pk__gt=OuterRef(f"{prefix}pk"))
        )
    )


def latest_screens(person_ref: str | None):
    """Each person's latest vulnerability screen (newest completed_at, then highest id): of
    the person ``person_ref`` names in the outer query, or (``None``) of everyone at once."""
    screens = VulnerabilityScreen.objects
    if person_ref is not None:
        screens = screens.filter(person_id=OuterRef(person_ref))
    return screens.exclude(later_screen())


def at_risk_to_self(person_ref: str = "pk", *, now: dt.datetime | None = None) -> Q:
    """The condition on any model: ``person_ref`` names the person's id from there (``"pk"``
    on Person, ``"person_id"`` on an appointment or a plan)."""
    now = now or timezone.now()
    registered = Registration.objects.filter(
        person_id=OuterRef(person_ref),
        status=RegistrationStatus.ACTIVE,
        register_type__group__in=_groups(),
    )
    screened = latest_screens(person_ref).filter(risk_to_self__in=list(MEDIUM_OR_ABOVE))
    # "Not known" counts until a follow-up conversation finds no current concerns.
    screened = screened.exclude(
        risk_to_self=RiskToSelf.NOT_KNOWN,
        follow_up_outcome=FollowUpOutcome.NO_CURRENT_CONCERNS,
    )
    # Looked up by name: engagement builds on assessments, not the other way round.
    check_in = apps.get_model("engagement", "CheckIn")
    disclosed = check_in.objects.filter(
        person_id=OuterRef(person_ref),
        self_harm="yes",
        self_harm_reported_at__gte=now - dt.timedelta(days=RECENT_DISCLOSURE_DAYS),
    )
    return Q(Exists(registered)) | Q(Exists(screened)) | Q(Exists(disclosed))


def person_at_risk_to_self(person_id: int) -> bool:
    from safeguard.people.models import Person

    return Person.objects.filter(at_risk_to_self("pk"), pk=person_id).exists()
