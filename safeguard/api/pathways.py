"""Pathways: the catalogue, a person's offers, hospital attendances, reducing contact under
the probation reset safeguard, and the pathway measures."""

import datetime as dt
from typing import Literal

from django.core.exceptions import ValidationError
from django.utils import timezone
from ninja import Query, Router, Schema, Status
from pydantic import Field

from safeguard.api.schemas import EventDate, FilterDate, In, one_of
from safeguard.core.audit import Action, Channel, access_log_record
from safeguard.core.capabilities import Capability, requires
from safeguard.pathways import insights, selectors, services
from safeguard.pathways.catalogue import catalogue
from safeguard.pathways.models import (
    FIRST_STATUSES,
    AttendanceKind,
    AttendanceReason,
    AttendanceSource,
    OfferStatus,
    ReductionKind,
)
from safeguard.people.selectors import person_get_for

router = Router(tags=["pathways"])


class NeedOut(Schema):
    key: str
    label: str


class SingleSexOut(Schema):
    for_: str = Field(..., alias="for")
    by: str


class PathwayOut(Schema):
    key: str
    name: str
    description: str
    needs: list[NeedOut]
    single_sex: SingleSexOut | None
    offered: str
    offered_label: str
    providers: dict[str, list[str]]


class OfferOut(Schema):
    id: int
    crn: str
    pathway: str
    pathway_name: str
    need: str
    provider: str
    status: str
    offered_on: dt.date
    accepted_on: dt.date | None
    declined_on: dt.date | None
    started_on: dt.date | None
    completed_on: dt.date | None
    reason: str
    version: int


class SuggestionOut(Schema):
    pathway: str
    name: str
    needs: list[str]
    providers: list[str]
    offered: bool


class OffersPage(Schema):
    items: list[OfferOut]
    count: int
    needs: list[NeedOut]
    suggestions: list[SuggestionOut]


class OfferIn(In):
    pathway: str = Field(..., min_length=1, max_length=40)
    status: Literal[tuple(FIRST_STATUSES)] = OfferStatus.OFFERED
    offered_on: EventDate | None = None
    # The day it was accepted or declined, when the offer is recorded as already answered.
    decided_on: EventDate | None = None
    reason: str = Field("", max_length=services.REASON_MAX)
    need: str = Field("", max_length=40)
    provider: str = Field("", max_length=services.PROVIDER_MAX)


class OfferStatusIn(In):
    status: Literal["accepted", "declined", "started", "completed"]
    on: EventDate | None = None
    reason: str = Field("", max_length=services.REASON_MAX)
    version: int = Field(..., ge=1)


class AttendanceOut(Schema):
    id: int
    kind: str
    attended_on: dt.date
    source: str
    reason: str


class AttendancesPage(Schema):
    items: list[AttendanceOut]
    count: int


class AttendanceIn(In):
    kind: one_of(AttendanceKind)
    attended_on: EventDate
    source: one_of(AttendanceSource)
    reason: one_of(AttendanceReason)


class ReductionIn(In):
    kind: one_of(ReductionKind)


class ReductionOut(Schema):
    id: int
    crn: str
    kind: str
    status: str
    reasons: list[str]
    decided_at: dt.datetime | None
    reduced_at: dt.datetime | None


def _pathway_out(p) -> dict:
    needs = catalogue().needs
    return {
        "key": p.key,
        "name": p.name,
        "description": p.description,
        "needs": [{"key": n, "label": needs[n].label} for n in p.needs],
        "single_sex": {"for": p.single_sex.for_, "by": p.single_sex.by} if p.single_sex else None,
        "offered": p.offered,
        "offered_label": p.offered_label,
        "providers": {area: list(names) for area, names in p.providers.items()},
    }


def _offer_out(offer, crn: str) -> dict:
    pathway = catalogue().pathways.get(offer.pathway)
    return {
        "id": offer.pk,
        "crn": crn,
        "pathway": offer.pathway,
        "pathway_name": pathway.name if pathway else offer.pathway,
        "need": offer.need,
        "provider": offer.provider,
        "status": offer.status,
        "offered_on": offer.offered_on,
        "accepted_on": offer.accepted_on,
        "declined_on": offer.declined_on,
        "started_on": offer.started_on,
        "completed_on": offer.completed_on,
        "reason": offer.reason,
        "version": offer.version,
    }


@router.get("/pathways", response=list[PathwayOut], summary="The pathway catalogue", by_alias=True)
@requires(Capability.READ_CASES)
def list_pathways(request):
    return [_pathway_out(p) for p in catalogue().pathways.values()]


@router.get(
    "/people/{crn}/pathway-offers",
    response=OffersPage,
    summary="A person's pathway offers, with their needs and the pathways those suggest",
)
@requires(Capability.READ_CASES)
def list_pathway_offers(request, crn: str):
    person = person_get_for(user=request.auth, crn=crn, channel=Channel.API)
    found = selectors.person_pathways(person, today=timezone.localdate())
    return {
        "items": [_offer_out(o, person.crn) for o in found.offers],
        "count": len(found.offers),
        "needs": [{"key": n.key, "label": n.label} for n in found.needs],
        "suggestions": [
            {
                "pathway": s.pathway.key,
                "name": s.pathway.name,
                "needs": [n.key for n in s.needs],
                "providers": list(s.providers),
                "offered": bool(s.offers),
            }
            for s in found.suggestions
        ],
    }


@router.post(
    "/people/{crn}/pathway-offers",
    response={201: OfferOut},
    summary="Record a pathway offer (offered, or already accepted or declined)",
)
@requires(Capability.CHANGE_CASES)
def create_pathway_offer(request, crn: str, payload: OfferIn):
    person = person_get_for(user=request.auth, crn=crn, channel=Channel.API)
    offer = services.pathway_offer_record(
        person_id=person.pk,
        pathway=payload.pathway,
        status=payload.status,
        offered_on=payload.offered_on,
        decided_on=payload.decided_on,
        reason=payload.reason,
        need=payload.need,
        provider=payload.provider,
        actor=request.auth,
        channel=Channel.API,
    )
    return Status(201, _offer_out(offer, person.crn))


@router.post(
    "/pathway-offers/{offer_id}/status",
    response=OfferOut,
    summary="Move an offer on: accepted, declined (with the reason), started, completed",
)
@requires(Capability.CHANGE_CASES)
def change_pathway_offer_status(request, offer_id: int, payload: OfferStatusIn):
    offer = services.pathway_offer_status_change(
        offer_id=offer_id,
        status=payload.status,
        on=payload.on,
        reason=payload.reason,
        version=payload.version,
        actor=request.auth,
        channel=Channel.API,
    )
    return _offer_out(offer, offer.person.crn)


@router.get(
    "/people/{crn}/hospital-attendances",
    response=AttendancesPage,
    summary="A person's emergency department attendances and hospital admissions",
)
@requires(Capability.READ_CASES)
def list_hospital_attendances(request, crn: str):
    person = person_get_for(user=request.auth, crn=crn, channel=Channel.API)
    items = selectors.attendances_of(person)
    return {
        "items": [
            {
                "id": a.pk,
                "kind": a.kind,
                "attended_on": a.attended_on,
                "source": a.source,
                "reason": a.reason,
            }
            for a in items
        ],
        "count": len(items),
    }


@router.post(
    "/people/{crn}/hospital-attendances",
    response={201: AttendanceOut},
    summary="Record an emergency department attendance or a hospital admission",
)
@requires(Capability.CHANGE_CASES)
def create_hospital_attendance(request, crn: str, payload: AttendanceIn):
    person = person_get_for(user=request.auth, crn=crn, channel=Channel.API)
    a = services.hospital_attendance_record(
        person_id=person.pk,
        kind=payload.kind,
        attended_on=payload.attended_on,
        source=payload.source,
        reason=payload.reason,
        actor=request.auth,
        channel=Channel.API,
    )
    return Status(
        201,
        {
            "id": a.pk,
            "kind": a.kind,
            "attended_on": a.attended_on,
            "source": a.source,
            "reason": a.reason,
        },
    )


@router.post(
    "/people/{crn}/contact-reduction",
    response={201: ReductionOut},
    summary="Reduce supervision contact; refused with 409, naming the reasons, until an SPO's "
    "decision is recorded where the probation reset safeguard applies",
)
@requires(Capability.CHANGE_CASES)
def reduce_contact(request, crn: str, payload: ReductionIn):
    person = person_get_for(user=request.auth, crn=crn, channel=Channel.API)
    r = services.contact_reduction_request(
        person_id=person.pk, kind=payload.kind, actor=request.auth, channel=Channel.API
    )
    return Status(
        201,
        {
            "id": r.pk,
            "crn": person.crn,
            "kind": r.kind,
            "status": r.status,
            "reasons": r.reasons,
            "decided_at": r.decided_at,
            "reduced_at": r.reduced_at,
        },
    )


class InsightsQuery(Schema):
    by: Literal["pdu", "region", "sex", "ethnicity", "age_band"] = "pdu"
    from_: FilterDate | None = Field(None, alias="from")
    to: FilterDate | None = None


@router.get(
    "/insights/pathways",
    summary="Pathway measures by PDU, region, sex, ethnicity or age band for a period: needs, "
    "offers, take-up, completion, emergency department attendances, trauma support by sex",
)
@requires(Capability.SEE_PATHWAY_MEASURES)
def pathway_insights(request, filters: Query[InsightsQuery]):
    today = timezone.localdate()
    start, end = insights.default_period(today)
    date_from, date_to = filters.from_ or start, filters.to or end
    if date_from > date_to:
        raise ValidationError({"to": ["The end of the period must be on or after its start"]})
    figures = insights.pathway_figures(
        user=request.auth, by=filters.by, date_from=date_from, date_to=date_to, today=today
    )
    access_log_record(
        actor=request.auth,
        action=Action.LIST_PEOPLE,
        channel=Channel.API,
        detail=f"pathway measures by {filters.by}",
    )
    return figures
