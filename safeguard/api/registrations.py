from datetime import date

from django.utils import timezone
from ninja import Router, Schema, Status
from pydantic import Field

from safeguard.api.schemas import EventDate, In, one_of
from safeguard.core.audit import Channel
from safeguard.core.capabilities import Capability, requires
from safeguard.people.selectors import person_get_for
from safeguard.registrations import selectors, services
from safeguard.registrations.hygiene import problems_for_person
from safeguard.registrations.models import EndReason, Registration, ReviewOutcome

router = Router(tags=["registrations"])


class RegisterTypeOut(Schema):
    code: str
    description: str
    group: str
    colour: str
    review_months: int | None
    has_level: bool
    has_category: bool


class RegistrationOut(Schema):
    id: int
    code: str
    description: str
    group: str
    status: str
    start_date: EventDate
    next_review_date: date | None
    review_overdue: bool
    notes: str
    owner: str
    level: int | None
    category: int | None
    ended_on: date | None
    end_reason: str


class RegistrationIn(In):
    code: str = Field(min_length=1, max_length=8)
    start_date: EventDate
    notes: str = Field("", max_length=4000)
    level: int | None = None
    category: int | None = None


class ReviewIn(In):
    reviewed_on: EventDate | None = None
    outcome: one_of(ReviewOutcome)
    notes: str = Field("", max_length=4000)


class EndIn(In):
    ended_on: EventDate | None = None
    reason: one_of(EndReason)
    notes: str = Field("", max_length=4000)


class ProblemOut(Schema):
    rule: str
    severity: str
    message: str
    fix: str
    registration_ids: list[int]


def _out(r: Registration, today: date) -> dict:
    return {
        "id": r.pk,
        "code": r.register_type.code,
        "description": r.register_type.description,
        "group": r.register_type.group,
        "status": r.status,
        "start_date": r.start_date,
        "next_review_date": r.next_review_date,
        "review_overdue": bool(r.is_active and r.next_review_date and r.next_review_date < today),
        "notes": r.notes,
        "owner": r.owner.username,
        "level": r.level,
        "category": r.category,
        "ended_on": r.ended_on,
        "end_reason": r.end_reason,
    }


@router.get("/register-types", response=list[RegisterTypeOut], summary="The register catalogue")
@requires(Capability.READ_CASES)
def list_register_types(request):
    return list(selectors.register_types())


@router.get("/people/{crn}/registrations", response=list[RegistrationOut])
@requires(Capability.READ_CASES)
def list_registrations(request, crn: str):
    person = person_get_for(user=request.auth, crn=crn, channel=Channel.API)
    today = timezone.localdate()
    regs = selectors.person_registrations(person=person, today=today)
    return [_out(r, today) for r in [*regs.active, *regs.ended]]


@router.post("/people/{crn}/registrations", response={201: RegistrationOut})
@requires(Capability.CHANGE_CASES)
def add_registration(request, crn: str, payload: RegistrationIn):
    person = person_get_for(user=request.auth, crn=crn, channel=Channel.API)
    registration = services.registration_add(
        person_id=person.pk,
        code=payload.code,
        start_date=payload.start_date,
        notes=payload.notes,
        level=payload.level,
        category=payload.category,
        actor=request.auth,
        channel=Channel.API,
    )
    return Status(201, _out(registration, timezone.localdate()))


@router.post("/registrations/{registration_id}/review", response={201: dict})
@requires(Capability.CHANGE_CASES)
def review_registration(request, registration_id: int, payload: ReviewIn):
    review = services.registration_review(
        registration_id=registration_id,
        reviewed_on=payload.reviewed_on or timezone.localdate(),
        outcome=payload.outcome,
        notes=payload.notes,
        actor=request.auth,
        channel=Channel.API,
    )
    return Status(
        201,
        {
            "id": review.pk,
            "registration_id": review.registration_id,
            "outcome": review.outcome,
            "next_review_date": review.next_review_date,
        },
    )


@router.post("/registrations/{registration_id}/end", response=RegistrationOut)
@requires(Capability.CHANGE_CASES)
def end_registration(request, registration_id: int, payload: EndIn):
    registration = services.registration_end(
        registration_id=registration_id,
        ended_on=payload.ended_on or timezone.localdate(),
        reason=payload.reason,
        notes=payload.notes,
        actor=request.auth,
        channel=Channel.API,
    )
    return _out(registration, timezone.localdate())


@router.get("/people/{crn}/registrations/hygiene", response=list[ProblemOut])
@requires(Capability.READ_CASES)
def registration_hygiene(request, crn: str):
    person = person_get_for(user=request.auth, crn=crn, channel=Channel.API)
    return [
        {
            "rule": p.rule.code,
            "severity": p.rule.severity,
            "message": p.rule.message,
            "fix": p.rule.fix,
            "registration_ids": p.registration_ids,
        }
        for p in problems_for_person(person, timezone.localdate())
    ]
