"""The person page's learning sections (``settings.SAFEGUARD_PERSON_SECTIONS``):

- ``deceased_banner_section`` (top, listed first): once a death is recorded, a banner saying the
  record is read-only, with a link to the review. One query.
- ``record_death_section`` (main, listed last): the link to record a death, for casework roles.
  No query of its own (it reuses the banner's).
- ``practitioner_training_section`` (main): to managers, the practitioner's suicide-prevention
  training when the person's risk to self is high. At most three queries.
"""

from safeguard.assessments.models import RiskToSelf, ScreenStatus, VulnerabilityScreen
from safeguard.core.capabilities import Capability, has_capability
from safeguard.learning.models import DeathNotification
from safeguard.learning.training import default_course, training_status_for
from safeguard.people.sections import Section
from safeguard.registrations.models import Registration, RegistrationStatus

HIGH_RISK_TO_SELF = (RiskToSelf.HIGH, RiskToSelf.VERY_HIGH)
_MISSING = object()


def _notification(person):
    cached = getattr(person, "_learning_death_notification", _MISSING)
    if cached is _MISSING:
        cached = (
            DeathNotification.objects.filter(person=person)
            .select_related("review__reviewer")
            .first()
        )
        person._learning_death_notification = cached
    return cached


def deceased_banner_section(request, person, today):
    notification = _notification(person)
    if notification is None:
        return None
    return Section(
        template="learning/_deceased_banner.html",
        context={"notification": notification, "review": notification.review},
        position="top",
    )


def record_death_section(request, person, today):
    if _notification(person) is not None or not request.user.can_change_cases:
        return None
    return Section(template="learning/_record_death.html", context={"person": person})


def practitioner_training_section(request, person, today):
    """Shown to the practitioner's managers when risk to self is high (the latest screen says
    high or very high, or an ALSH registration is active)."""
    if (
        not has_capability(request.user, Capability.SEE_PRACTITIONER_TRAINING)
        or person.practitioner_id is None
    ):
        return None
    if request.user.pk == person.practitioner_id:
        return None
    latest = (
        VulnerabilityScreen.objects.filter(person=person, status=ScreenStatus.COMPLETED)
        .order_by("-completed_at", "-pk")
        .values_list("risk_to_self", flat=True)
        .first()
    )
    high = latest in HIGH_RISK_TO_SELF
    if not high:
        high = Registration.objects.filter(
            person=person, status=RegistrationStatus.ACTIVE, register_type__code="ALSH"
        ).exists()
    if not high:
        return None
    course = default_course()
    if course is None:
        return None
    status = training_status_for(staff=person.practitioner, course=course, today=today)
    return Section(
        template="learning/_practitioner_training.html",
        context={"status": status, "practitioner": person.practitioner},
    )
