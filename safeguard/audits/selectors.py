"""Which audit exercises and audited cases a member of staff may see.

An exercise is seen by whoever drew it, by its auditors and moderators, and by national roles
holding ``manage_audits``. An audited case is seen only by someone who may see the exercise
and may see the person (``visibility``): a case one may not see is "not found", as
everywhere."""

from django.db.models import Exists, OuterRef, Q, QuerySet

from safeguard.audits.models import AuditCase, AuditExercise
from safeguard.core.capabilities import Capability, has_capability
from safeguard.core.models import Role
from safeguard.people.selectors import visibility

NATIONAL_ROLES = (Role.NATIONAL, Role.INSPECTOR, Role.ADMIN)


def exercises_for(user) -> QuerySet[AuditExercise]:
    if not (
        has_capability(user, Capability.MANAGE_AUDITS)
        or has_capability(user, Capability.AUDIT_CASES)
    ):
        return AuditExercise.objects.none()
    if has_capability(user, Capability.MANAGE_AUDITS) and user.role in NATIONAL_ROLES:
        return AuditExercise.objects.all()
    assigned = AuditCase.objects.filter(exercise=OuterRef("pk")).filter(
        Q(auditor=user) | Q(moderator=user)
    )
    return AuditExercise.objects.filter(Q(created_by=user) | Exists(assigned))


def cases_for(user, exercise: AuditExercise) -> QuerySet[AuditCase]:
    return (
        AuditCase.objects.filter(exercise=exercise)
        .filter(visibility(user, via="person"))
        .select_related("person", "pdu", "auditor", "moderator")
    )


def may_manage(user, exercise: AuditExercise) -> bool:
    """Assigning auditors and resolving disagreements: whoever drew the sample, or a national
    role with ``manage_audits``."""
    return has_capability(user, Capability.MANAGE_AUDITS) and (
        exercise.created_by_id == user.pk or user.role in NATIONAL_ROLES
    )
