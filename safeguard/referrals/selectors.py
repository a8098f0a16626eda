"""Reads of referrals, escalations and meetings, through the people the user may see."""

from django.db.models import Prefetch, QuerySet

from safeguard.assessments.selectors import latest_s42_indication
from safeguard.core.models import Role, Staff
from safeguard.people.selectors import case_record_get_for, visibility, visible_people
from safeguard.referrals.catalogue import escalation_ladder
from safeguard.referrals.models import Agency, Escalation, Referral


def visible_referrals(user) -> QuerySet[Referral]:
    # The scoping rule applied to the referral's person in the same pass (see ``visibility``).
    return Referral.objects.filter(visibility(user, via="person"))


def referral_get_for(*, user, referral_id: int, channel: str, for_update=False) -> Referral:
    return case_record_get_for(
        visible_referrals(user).select_related("person__pdu__region", "person__team", "agency"),
        user=user,
        pk=referral_id,
        channel=channel,
        what="referral",
        for_update=for_update,
    )


def escalation_get_for(*, user, escalation_id: int, channel: str, for_update=False) -> Escalation:
    return case_record_get_for(
        Escalation.objects.filter(
            referral__person__in=visible_people(user).values("pk")
        ).select_related("referral__person__pdu", "referral__person__team", "holder"),
        user=user,
        pk=escalation_id,
        channel=channel,
        what="escalation",
        for_update=for_update,
    )


def person_referrals(*, person) -> list[Referral]:
    """A person's referrals, newest first, with their escalations: two queries."""
    return list(
        Referral.objects.filter(person=person)
        .select_related("agency")
        .prefetch_related(
            Prefetch(
                "escalations",
                queryset=Escalation.objects.select_related("holder").order_by("level"),
            )
        )
        .order_by("-created_at", "-pk")
    )


def agencies(*, kind=None, local_authority_id=None, region_id=None) -> QuerySet[Agency]:
    qs = Agency.objects.filter(active=True).select_related("region", "local_authority")
    if kind:
        qs = qs.filter(kind=kind)
    if local_authority_id:
        qs = qs.filter(local_authority_id=local_authority_id)
    if region_id:
        qs = qs.filter(region_id=region_id)
    return qs.order_by("name")


def escalation_holder(*, person, level: int) -> Staff | None:
    """Who holds an escalation at ``level`` for ``person``'s case."""
    role = escalation_ladder()[level]["holder_role"]
    staff = Staff.objects.filter(role=role, is_active=True, in_post=True).order_by("pk")
    if role == Role.SENIOR_PROBATION_OFFICER:
        staff = staff.filter(teams=person.team_id)
    elif role == Role.HEAD_OF_PDU:
        staff = staff.filter(pdu_id=person.pdu_id)
    elif role == Role.REGIONAL_LEAD:
        staff = staff.filter(region_id=person.pdu.region_id)
    return staff.first()


def s42_prefill(*, person) -> dict:
    """Initial answers for the s42 test from the person's latest vulnerability screen, if any."""
    indication = latest_s42_indication(person=person)
    if not indication:
        return {}
    return {
        f"s42_{part}": "yes" if value else "no"
        for part, value in indication.items()
        if part != "indicated" and value is not None
    }
