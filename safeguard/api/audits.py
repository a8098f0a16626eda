"""Case audit exercises: draw a sample, read it, answer the audit tool, resolve, results."""

from typing import Literal

from django.http import Http404
from ninja import Router, Schema, Status
from pydantic import BaseModel, ConfigDict, Field

from safeguard.api.schemas import In
from safeguard.audits import results as audit_results
from safeguard.audits import selectors, services
from safeguard.audits.audit import AuditExerciseEvent
from safeguard.core.audit import Action, Channel, access_log_record
from safeguard.core.capabilities import Capability, requires

router = Router(tags=["case audits"])

Username = Field(max_length=150)


class AuditIn(In):
    title: str = Field(min_length=1, max_length=200)
    registers: list[str] = Field(min_length=1, max_length=20, examples=[["RVLN", "RVAD"]])
    pdus: list[str] = Field(default_factory=list, max_length=200)
    per_pdu: int = Field(ge=1, le=services.MAX_PER_PDU)
    seed: int = Field(ge=0, lt=2**53)
    moderation_percent: int = Field(20, ge=0, le=100)
    auditors: list[str] = Field(default_factory=list, max_length=100)
    moderators: list[str] = Field(default_factory=list, max_length=100)


class CaseOut(Schema):
    id: int
    crn: str
    pdu: str
    auditor: str | None
    moderated: bool
    moderator: str | None
    status: str


class ExerciseOut(Schema):
    id: int
    title: str
    tool: str
    tool_version: int
    criteria: dict
    created_by: str
    cases: list[CaseOut]


def _exercise_out(exercise, cases) -> dict:
    return {
        "id": exercise.pk,
        "title": exercise.title,
        "tool": exercise.tool.code,
        "tool_version": exercise.tool.version,
        "criteria": exercise.criteria,
        "created_by": exercise.created_by.username,
        "cases": [
            {
                "id": c.pk,
                "crn": c.person.crn,
                "pdu": c.pdu.code,
                "auditor": c.auditor.username if c.auditor else None,
                "moderated": c.moderated,
                "moderator": c.moderator.username if c.moderator else None,
                "status": c.status,
            }
            for c in cases
        ],
    }


def _visible_exercise(user, exercise_id):
    exercise = (
        selectors.exercises_for(user)
        .select_related("tool", "created_by")
        .filter(pk=exercise_id)
        .first()
    )
    if exercise is None:
        raise Http404
    return exercise


@router.post("/audits", summary="Draw an audit exercise's sample", response={201: ExerciseOut})
@requires(Capability.MANAGE_AUDITS)
def create_audit(request, payload: AuditIn):
    """The same criteria and seed over the same cases always draw the same sample."""
    exercise = services.audit_exercise_create(
        **payload.model_dump(), actor=request.auth, channel=Channel.API
    )
    exercise = _visible_exercise(request.auth, exercise.pk)
    return Status(201, _exercise_out(exercise, selectors.cases_for(request.auth, exercise)))


@router.get("/audits/{id}", summary="An audit exercise and its cases", response=ExerciseOut)
@requires(Capability.AUDIT_CASES)
def get_audit(request, id: int):  # noqa: A002 - the path's name in the contract
    exercise = _visible_exercise(request.auth, id)
    access_log_record(
        actor=request.auth,
        action=Action.LIST_PEOPLE,
        channel=Channel.API,
        detail=f"audit exercise {exercise.pk}",
    )
    return _exercise_out(exercise, selectors.cases_for(request.auth, exercise))


class AnswerIn(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")
    answer: Literal["yes", "no", "not_applicable"]
    rationale: str = Field(min_length=1, max_length=services.MAX_RATIONALE)


class AnswersIn(In):
    answers: dict[str, AnswerIn] = Field(min_length=1, max_length=100)


class CaseAnswersOut(Schema):
    id: int
    status: str
    disagreements: list[str]


def _case_out(case) -> dict:
    return {
        "id": case.pk,
        "status": case.status,
        "disagreements": [
            d["question"] for d in services.disagreements(case) if not d["resolution"]
        ],
    }


@router.post(
    "/audits/{id}/cases/{case_id}/answers",
    summary="Answer the audit tool on a case (auditor, then moderator)",
    response=CaseAnswersOut,
)
@requires(Capability.AUDIT_CASES)
def answer_case(request, id: int, case_id: int, payload: AnswersIn):  # noqa: A002
    case = services.audit_answers_record(
        exercise_id=id,
        case_id=case_id,
        answers={k: v.model_dump() for k, v in payload.answers.items()},
        actor=request.auth,
        channel=Channel.API,
    )
    return _case_out(case)


class ResolutionIn(In):
    question: str = Field(min_length=1, max_length=64)
    final_answer: Literal["yes", "no", "not_applicable"]
    note: str = Field(min_length=1, max_length=services.MAX_RATIONALE)


@router.post(
    "/audits/{id}/cases/{case_id}/resolutions",
    summary="Resolve a disagreement between auditor and moderator",
    response=CaseAnswersOut,
)
@requires(Capability.MANAGE_AUDITS)
def resolve_case(request, id: int, case_id: int, payload: ResolutionIn):  # noqa: A002
    case = services.audit_disagreement_resolve(
        exercise_id=id,
        case_id=case_id,
        **payload.model_dump(),
        actor=request.auth,
        channel=Channel.API,
    )
    return _case_out(case)


class ResultOut(Schema):
    question: str
    section: str
    pdu: str
    n: int = Field(description="Cases where the question applied")
    count: int = Field(description="Of those, answered yes")
    not_applicable: int
    percent: float | None
    ci_low: float | None
    ci_high: float | None


class ResultsOut(Schema):
    cases: int
    complete: int
    rows: list[ResultOut]


@router.get(
    "/audits/{id}/results", summary="Audit results by PDU and question", response=ResultsOut
)
@requires(Capability.MANAGE_AUDITS)
def audit_results_get(request, id: int):  # noqa: A002
    exercise = _visible_exercise(request.auth, id)
    result = audit_results.results(
        exercise, selectors.cases_for(request.auth, exercise), services.tool_of(exercise)
    )
    access_log_record(
        actor=request.auth,
        action=Action.LIST_PEOPLE,
        channel=Channel.API,
        detail=f"audit exercise {exercise.pk} results",
        event=AuditExerciseEvent.RESULTS_VIEWED,
    )
    return result
