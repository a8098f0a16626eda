"""The person page's note of the practitioner's suicide-prevention training."""

from safeguard.assessments.models import RiskToSelf, ScreenStatus, VulnerabilityScreen
from safeguard.core.capabilities import Capability, has_capability
from safeguard.people.sections import Section
from safeguard.registrations.models import Registration, RegistrationStatus
from safeguard.training.compliance import default_course, training_status_for

HIGH_RISK_TO_SELF = (RiskToSelf.HIGH, RiskToSelf.VERY_HIGH)


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
        template="training/_practitioner_training.html",
        context={"status": status, "practitioner": person.practitioner},
        printable=False,  # about the practitioner, not the person: not in the case summary
    )
