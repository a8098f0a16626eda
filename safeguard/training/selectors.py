"""Reads of training records, scoped to the staff the user may see."""

from django.db.models import Q, QuerySet

from safeguard.core.models import NATIONAL_ROLES, Role, Staff, Team
from safeguard.training.models import TrainingRecord


def staff_in_scope(user) -> QuerySet[Staff]:
    """Staff whose training the user may see and record: SPOs their teams, heads of PDU their
    PDU, regional leads their region, national roles everyone; practitioners only themselves."""
    staff = Staff.objects.all()
    role = getattr(user, "role", "")
    if not (user and user.is_authenticated and user.is_active and role):
        return staff.none()
    if role == Role.PRACTITIONER:
        return staff.filter(pk=user.pk)
    if role == Role.SENIOR_PROBATION_OFFICER:
        return staff.filter(
            pk__in=Staff.objects.filter(
                teams__in=Team.objects.filter(members=user).values("pk")
            ).values("pk")
        )
    if role == Role.HEAD_OF_PDU:
        if not user.pdu_id:
            return staff.none()
        return staff.filter(
            Q(pk__in=Staff.objects.filter(teams__pdu_id=user.pdu_id).values("pk"))
            | Q(pdu_id=user.pdu_id)
        )
    if role == Role.REGIONAL_LEAD:
        if not user.region_id:
            return staff.none()
        return staff.filter(
            Q(pk__in=Staff.objects.filter(teams__pdu__region_id=user.region_id).values("pk"))
            | Q(pdu__region_id=user.region_id)
            | Q(region_id=user.region_id)
        )
    if role in NATIONAL_ROLES:
        return staff
    return staff.none()


def staff_training(*, staff) -> list:

    return list(
        TrainingRecord.objects.filter(staff=staff)
        .select_related("course", "recorded_by")
        .order_by("-completed_on", "-pk")
    )
