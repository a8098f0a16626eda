"""Who counts as at risk to themselves, for engagement's work items, in one place.

At risk: an active suicide/self-harm (ALSH) or adult-at-risk (RVAD) registration, or a latest
vulnerability screen (safeguard.assessments) with a risk-to-self level of medium or above.
"""

from django.db.models import Exists, OuterRef, Q

from safeguard.registrations.models import Registration, RegistrationStatus

AT_RISK_REGISTER_CODES = ("ALSH", "RVAD")


def _screen_condition(person_ref: str):
    try:
        from safeguard.assessments.models import MEDIUM_OR_ABOVE, VulnerabilityScreen
    except ImportError:  # the assessments area is optional for this rule
        return None
    later = VulnerabilityScreen.objects.filter(
        person_id=OuterRef("person_id"), completed_at__gt=OuterRef("completed_at")
    )
    latest_medium_or_above = VulnerabilityScreen.objects.filter(
        person_id=OuterRef(person_ref), risk_to_self__in=list(MEDIUM_OR_ABOVE)
    ).exclude(Exists(later))
    return Exists(latest_medium_or_above)


def at_risk_to_self(person_ref: str = "pk") -> Q:
    """A condition on any model: ``person_ref`` names the person's id from there
    (``"pk"`` on Person, ``"person_id"`` on an appointment)."""
    registered = Registration.objects.filter(
        person_id=OuterRef(person_ref),
        status=RegistrationStatus.ACTIVE,
        register_type__code__in=AT_RISK_REGISTER_CODES,
    )
    condition = Q(Exists(registered))
    screen = _screen_condition(person_ref)
    if screen is not None:
        condition |= Q(screen)
    return condition


def person_at_risk_to_self(person_id: int) -> bool:
    from safeguard.people.models import Person

    return Person.objects.filter(at_risk_to_self("pk"), pk=person_id).exists()
