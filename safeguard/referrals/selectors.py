"""Reads of referrals, escalations and meetings, through the people the user may see."""

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet

from safeguard.assessments.selectors import latest_s42_evidence
from safeguard.core.models import LocalAuthority, Role, Staff
from safeguard.people.selectors import case_record_get_for, visibility, visible_people
from safeguard.referrals.catalogue import escalation_ladder
from safeguard.referrals.models import (
    AGENCY_KIND_FOR_REFERRAL,
    Agency,
    AgencyKind,
    Escalation,
    Referral,
)

WALES_REGION_CODE = "WA"


def visible_referrals(user) -> QuerySet[Referral]:
    # The scoping rule applied to the referral's person in the same pass (see ``visibility``).
    return Referral.objects.filter(visibility(user, via="person"))


def referral_get_for(*, user, referral_id: int, channel: str, for_update=False) -> Referral:
    return case_record_get_for(
        visible_referrals(user).select_related(
            "person__pdu__region",
            "person__team",
            "agency",
            "chosen_housing_authority",
            "created_by",
        ),
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


class EscalationHolders:
    """Who holds an escalation at each level of the ladder: the first member of staff by id, active
    and in post, with the level's role in the case's team (SPO), PDU (head of PDU) or region
    (regional lead), else the first national lead. The one definition of the rule: the service
    asks it for one case, the demo generator for thousands at once (one query either way)."""

    def __init__(self, *, team_ids=None, pdu_ids=None, region_ids=None):
        self.ladder_roles = {level: e["holder_role"] for level, e in escalation_ladder().items()}
        staff = Staff.objects.filter(
            is_active=True, in_post=True, role__in=set(self.ladder_roles.values())
        )
        if team_ids is not None:
            staff = staff.filter(
                Q(role=Role.NATIONAL)
                | Q(role=Role.SENIOR_PROBATION_OFFICER, teams__in=team_ids)
                | Q(role=Role.HEAD_OF_PDU, pdu_id__in=pdu_ids or [])
                | Q(role=Role.REGIONAL_LEAD, region_id__in=region_ids or [])
            )
        self.by_team: dict[int, int] = {}
        self.by_pdu: dict[int, int] = {}
        self.by_region: dict[int, int] = {}
        self.national = None
        rows = staff.order_by("pk").values_list("pk", "role", "pdu_id", "region_id", "teams")
        for pk, role, pdu_id, region_id, team_id in rows:
            if role == Role.SENIOR_PROBATION_OFFICER and team_id is not None:
                self.by_team.setdefault(team_id, pk)
            elif role == Role.HEAD_OF_PDU and pdu_id is not None:
                self.by_pdu.setdefault(pdu_id, pk)
            elif role == Role.REGIONAL_LEAD and region_id is not None:
                self.by_region.setdefault(region_id, pk)
            elif role == Role.NATIONAL and self.national is None:
                self.national = pk

    def holder_id(self, level: int, *, team_id: int, pdu_id: int, region_id: int) -> int | None:
        role = self.ladder_roles[level]
        if role == Role.SENIOR_PROBATION_OFFICER:
            return self.by_team.get(team_id)
        if role == Role.HEAD_OF_PDU:
            return self.by_pdu.get(pdu_id)
        if role == Role.REGIONAL_LEAD:
            return self.by_region.get(region_id)
        return self.national


def escalation_holder(*, person, level: int) -> Staff | None:
    """Who holds an escalation at ``level`` for ``person``'s case."""
    region_id = person.pdu.region_id
    holders = EscalationHolders(
        team_ids=[person.team_id], pdu_ids=[person.pdu_id], region_ids=[region_id]
    )
    holder_id = holders.holder_id(
        level, team_id=person.team_id, pdu_id=person.pdu_id, region_id=region_id
    )
    return Staff.objects.filter(pk=holder_id).first() if holder_id else None


def referral_agencies(*, person, kind) -> list[Agency]:
    """The agencies that take ``kind`` of referral in the person's area: those of the person's
    own local authority (first) and the other authorities of their PDU, and the region's
    agencies that serve no one authority (mental health trusts, police, panels). One query."""
    region_id = person.pdu.region_id
    area = Q(local_authority__isnull=True, region_id=region_id) | Q(
        local_authority__pdu_id=person.pdu_id
    )
    if person.local_authority_id:
        area |= Q(local_authority_id=person.local_authority_id)
    found = list(agencies(kind=AGENCY_KIND_FOR_REFERRAL[kind]).filter(area))
    if not found:  # no authority of the PDU has one: the region's
        found = list(agencies(kind=AGENCY_KIND_FOR_REFERRAL[kind], region_id=region_id))
    own = person.local_authority_id
    return sorted(found, key=lambda a: (own is None or a.local_authority_id != own, a.name))


def english_housing_authorities() -> QuerySet[LocalAuthority]:
    """Every English housing authority with a housing service to refer to: a duty to refer
    (Housing Act 1996 s.213B) goes to the one the person chooses, anywhere in England."""
    return (
        LocalAuthority.objects.exclude(region__code=WALES_REGION_CODE)
        .filter(
            Exists(
                Agency.objects.filter(
                    local_authority=OuterRef("pk"), kind=AgencyKind.HOUSING, active=True
                )
            )
        )
        .order_by("name")
    )


def s42_prefill(*, person) -> dict:
    """Initial evidence for each part of the s42 test, from the answers on the person's latest
    vulnerability screen, as text the practitioner edits. The answers to the three parts are
    never pre-set: the practitioner gives them. Also what the screen indicated, for the hints."""
    found = latest_s42_evidence(person=person)
    if not found:
        return {}
    initial = {
        f"s42_{part}_evidence": value["evidence"]
        for part, value in found["parts"].items()
        if value["evidence"]
    }
    return {
        "initial": initial,
        "screened_on": found["screened_on"],
        "indicated": {part: value["indicated"] for part, value in found["parts"].items()},
    }
