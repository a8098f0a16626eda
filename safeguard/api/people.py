from datetime import date, datetime

from django.http import Http404
from ninja import Query, Router, Schema
from pydantic import Field

from safeguard.api.schemas import Limit, Offset
from safeguard.core import bounds
from safeguard.core.audit import Action, Channel, access_log_record, access_log_refusal
from safeguard.core.capabilities import Capability, requires
from safeguard.people import selectors

router = Router(tags=["people"])


class PersonOut(Schema):
    crn: str
    first_name: str
    last_name: str
    date_of_birth: date
    sex: str
    region: str
    pdu: str
    team: str
    practitioner: str | None
    custody_status: str
    expected_release_date: date | None
    accommodation_status: str
    rosh_level: str | None
    mappa_category: int | None
    mappa_level: int | None
    limited_access: bool


class AllocationOut(Schema):
    practitioner: str | None
    team: str
    started_on: date
    ended_on: date | None
    reason: str
    reason_detail: str


class PersonDetailOut(PersonOut):
    gender_identity: str | None
    ethnicity: str
    sentence_type: str
    supervision_start: date
    supervision_end: date | None
    local_authority: str | None
    communication_needs: dict
    allocations: list[AllocationOut]


class PeoplePage(Schema):
    items: list[PersonOut]
    count: int


class PeopleQuery(Schema):
    limit: Limit = 50
    offset: Offset = 0
    q: str = Field("", max_length=100)


class AccessLogEntryOut(Schema):
    actor: str | None
    action: str
    channel: str
    at: datetime
    detail: str


class AccessLogPage(Schema):
    items: list[AccessLogEntryOut]
    count: int


def _person_out(p) -> dict:
    return {
        "crn": p.crn,
        "first_name": p.first_name,
        "last_name": p.last_name,
        "date_of_birth": p.date_of_birth,
        "sex": p.sex,
        "region": p.pdu.region.name,
        "pdu": p.pdu.name,
        "team": p.team.name,
        "practitioner": p.practitioner.username if p.practitioner else None,
        "custody_status": p.custody_status,
        "expected_release_date": p.expected_release_date,
        "accommodation_status": p.accommodation_status,
        "rosh_level": p.rosh_level or None,
        "mappa_category": p.mappa_category,
        "mappa_level": p.mappa_level,
        "limited_access": p.is_limited_access,
    }


@router.get("/people", response=PeoplePage, summary="People the caller may see")
@requires(Capability.READ_CASES)
def list_people(request, filters: Query[PeopleQuery]):
    user = request.auth
    if filters.q.strip():
        people = selectors.search_people(user=user, query=filters.q)
    else:
        people = selectors.visible_people(user).order_by("last_name", "first_name", "pk")
    people = selectors.with_limited_access_flag(people).select_related(
        "pdu__region", "team", "practitioner"
    )
    count = people.count()
    items = [_person_out(p) for p in people[filters.offset : filters.offset + filters.limit]]
    access_log_record(
        actor=user,
        action=Action.SEARCH if filters.q.strip() else Action.LIST_PEOPLE,
        channel=Channel.API,
        detail=f"{len(items)} of {count}",
    )
    return {"items": items, "count": count}


@router.get("/people/{crn}", response=PersonDetailOut, summary="One person, with allocations")
@requires(Capability.READ_CASES)
def get_person(request, crn: str):
    person = selectors.person_get_for(user=request.auth, crn=crn, channel=Channel.API)
    data = _person_out(person)
    data.update(
        gender_identity=person.gender_identity or None,
        ethnicity=person.ethnicity,
        sentence_type=person.sentence_type,
        supervision_start=person.supervision_start,
        supervision_end=person.supervision_end,
        local_authority=person.local_authority.name if person.local_authority else None,
        communication_needs={
            "neurodivergence": person.neurodivergence,
            "learning_disability": person.learning_disability,
            "literacy_support": person.literacy_support,
            "interpreter_language": person.interpreter_language or None,
        },
        allocations=[
            {
                "practitioner": a.practitioner.username if a.practitioner else None,
                "team": a.team.name,
                "started_on": a.started_on,
                "ended_on": a.ended_on,
                "reason": a.reason,
                "reason_detail": a.reason_detail,
            }
            for a in selectors.person_allocation_history(person=person)
        ],
    )
    return data


@router.get(
    "/people/{crn}/access-log",
    response=AccessLogPage,
    summary="Who read or changed this case (admin and national users only)",
)
@requires(Capability.READ_CASES)
def get_access_log(
    request,
    crn: str,
    limit: int = Query(100, ge=1, le=1000),
    offset: int = Query(0, ge=0, le=bounds.OFFSET_MAX),
):
    user = request.auth
    if not user.can_read_access_log:
        access_log_refusal(
            actor=user,
            channel=Channel.API,
            crn=crn.upper()[:16],
            detail="access log: role may not read it",
        )
        raise Http404
    person = selectors.person_get_for(
        user=user, crn=crn, channel=Channel.API, action=Action.VIEW_ACCESS_LOG
    )
    entries = person.access_log_entries.select_related("actor").order_by("-at", "-id")
    count = entries.count()
    return {
        "items": [
            {
                "actor": e.actor.username if e.actor else None,
                "action": e.action,
                "channel": e.channel,
                "at": e.at,
                "detail": e.detail,
            }
            for e in entries[offset : offset + limit]
        ],
        "count": count,
    }
