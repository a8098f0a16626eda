"""Which PDUs and offices a member of staff may see feedback for (feedback names no one, so
scope is by area, not by case)."""

from django.db.models import QuerySet

from safeguard.core.models import PDU, Role, Team
from safeguard.feedback.models import Office, OfficeTablet, YouSaidWeDid

NATIONAL_ROLES = (Role.NATIONAL, Role.INSPECTOR, Role.ADMIN)


def pdus_in_scope(user) -> QuerySet[PDU]:
    """Heads of PDU their PDU, regional leads their region, national roles every PDU,
    practitioners and SPOs their teams' PDUs (for entering paper forms); nobody else any."""
    if not (user and user.is_authenticated and user.is_active and user.role):
        return PDU.objects.none()
    role = user.role
    if role in NATIONAL_ROLES:
        return PDU.objects.all()
    if role == Role.REGIONAL_LEAD:
        return (
            PDU.objects.filter(region_id=user.region_id) if user.region_id else PDU.objects.none()
        )
    if role == Role.HEAD_OF_PDU:
        return PDU.objects.filter(pk=user.pdu_id) if user.pdu_id else PDU.objects.none()
    if role in (Role.PRACTITIONER, Role.SENIOR_PROBATION_OFFICER):
        return PDU.objects.filter(pk__in=Team.objects.filter(members=user).values("pdu_id"))
    return PDU.objects.none()


def sees_everywhere(user) -> bool:
    return bool(user and user.is_authenticated and user.role in NATIONAL_ROLES)


def offices_in_scope(user) -> QuerySet[Office]:
    return Office.objects.filter(pdu__in=pdus_in_scope(user)).select_related("pdu")


def tablets_in_scope(user) -> QuerySet[OfficeTablet]:
    return OfficeTablet.objects.filter(office__in=offices_in_scope(user)).select_related(
        "office", "created_by"
    )


def actions_in_scope(user) -> QuerySet[YouSaidWeDid]:
    """The "you said, we did" actions a lead may change: their PDU's, their region's (and its
    PDUs'), or any for national leads."""
    pdus = pdus_in_scope(user)
    if sees_everywhere(user):
        return YouSaidWeDid.objects.all()
    from django.db.models import Q

    regions = pdus.values("region_id")
    return YouSaidWeDid.objects.filter(Q(pdu__in=pdus) | Q(region__in=regions))
