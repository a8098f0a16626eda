"""Reads about pathways, scoped to the user (the person is always fetched through
``people.selectors.person_get_for`` or the scoping function first)."""

import datetime as dt
from dataclasses import dataclass, field

from safeguard.assessments.models import VulnerabilityScreen
from safeguard.pathways.catalogue import catalogue
from safeguard.pathways.models import (
    ContactReduction,
    GPRegistration,
    HospitalAttendance,
    OfficeWish,
    PathwayOffer,
    RecordedNeed,
    ReductionStatus,
)
from safeguard.pathways.needs import person_needs
from safeguard.pathways.safeguard_rules import safeguard_reasons
from safeguard.pathways.suggestions import suggest
from safeguard.people.selectors import visibility

HEALTH_LOOKBACK = dt.timedelta(days=365)


@dataclass
class SuggestedPathway:
    pathway: object
    needs: list
    providers: tuple
    offers: list = field(default_factory=list)

    @property
    def latest_offer(self):
        return self.offers[0] if self.offers else None


@dataclass
class PersonPathways:
    needs: list  # Need objects, in catalogue order
    suggestions: list[SuggestedPathway]
    offers: list[PathwayOffer]
    recorded_needs: list[RecordedNeed]


def offers_of(person) -> list[PathwayOffer]:
    return list(PathwayOffer.objects.filter(person=person).order_by("-offered_on", "-id"))


def person_pathways(person, *, today: dt.date) -> PersonPathways:
    """Needs, suggestions (with the providers in the person's region and any offers made)
    and every offer: three queries."""
    cat = catalogue()
    need_keys = person_needs(person.pk, today=today)
    offers = offers_of(person)
    recorded = list(RecordedNeed.objects.filter(person=person, ended_on__isnull=True))
    region = person.pdu.region.code
    suggestions = []
    for s in suggest(need_keys, sex=person.sex, gender_identity=person.gender_identity):
        suggestions.append(
            SuggestedPathway(
                pathway=s.pathway,
                needs=[cat.needs[n] for n in s.needs],
                providers=s.pathway.providers_in(region),
                offers=[o for o in offers if o.pathway == s.pathway.key],
            )
        )
    return PersonPathways(
        needs=[cat.needs[n] for n in need_keys],
        suggestions=suggestions,
        offers=offers,
        recorded_needs=recorded,
    )


def offer_for(user, offer_id: int) -> PathwayOffer | None:
    return (
        PathwayOffer.objects.filter(visibility(user, via="person"), pk=offer_id)
        .select_related("person")
        .first()
    )


def reductions_of(person) -> list[ContactReduction]:
    return list(
        ContactReduction.objects.filter(person=person).select_related("requested_by", "decided_by")
    )


def pending_reduction(person) -> ContactReduction | None:
    return (
        ContactReduction.objects.filter(
            person=person,
            status__in=[ReductionStatus.AWAITING_DECISION, ReductionStatus.APPROVED],
        )
        .select_related("requested_by")
        .first()
    )


def reset_safeguard(person, *, today: dt.date) -> list[str]:
    return safeguard_reasons(person.pk, today=today)


def attendances_of(person) -> list[HospitalAttendance]:
    return list(HospitalAttendance.objects.filter(person=person))


def gp_registration_of(person) -> GPRegistration | None:
    return GPRegistration.objects.filter(person=person).first()


def office_wish_of(person) -> OfficeWish | None:
    return OfficeWish.objects.filter(person=person).first()


def screen_adjustments(person) -> str:
    """What the person said on their latest screen would help them at appointments (the
    reasonable adjustments the screen collects)."""
    answers = (
        VulnerabilityScreen.objects.filter(person=person)
        .order_by("-completed_at", "-id")
        .values_list("answers", flat=True)
        .first()
    )
    value = (answers or {}).get("ld_adjustments") or ""
    return value.strip() if isinstance(value, str) else ""
