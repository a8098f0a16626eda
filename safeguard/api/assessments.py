"""Vulnerability screens and the integrated risk picture in the API."""

from datetime import date, datetime
from typing import Any

from django.utils import timezone
from ninja import Router, Schema, Status
from pydantic import Field

from safeguard.api.schemas import In
from safeguard.assessments import selectors, services
from safeguard.assessments.views import recommendations_with_links
from safeguard.core.audit import Channel
from safeguard.core.capabilities import Capability, requires
from safeguard.people.selectors import person_get_for

router = Router(tags=["vulnerability and risk to self"])


class AnswerOut(Schema):
    value: str
    label: str
    exclusive: bool = Field(
        description="True when choosing this answer excludes every other answer to the question "
        "(for example 'None of these'); a single-choice question takes one answer anyway"
    )


class QuestionOut(Schema):
    id: str
    domain: str
    text: str
    type: str
    required: bool
    hint: str
    allowed_answers: list[str] | None
    answer_labels: dict[str, str] | None
    answers: list[AnswerOut] | None
    min: int | None
    max: int | None


class DomainOut(Schema):
    id: str
    title: str


class QuestionnaireOut(Schema):
    version: int
    title: str
    domains: list[DomainOut]
    questions: list[QuestionOut]


class ScreenIn(In):
    version: int
    answers: dict[str, Any]


class CareActS42Out(Schema):
    care_and_support_needs: bool
    experiencing_or_at_risk_of_abuse_or_neglect: bool
    unable_to_protect_self: bool
    indicated: bool


class RecommendationOut(Schema):
    code: str
    text: str
    urgent: bool
    register_code: str | None
    href: str | None


class ScreenOut(Schema):
    id: int
    version: int
    completed_at: datetime
    risk_to_self: str
    domains: dict[str, str]
    care_act_s42: CareActS42Out
    recommendations: list[RecommendationOut]


class RoshOut(Schema):
    level: str | None
    mappa_category: int | None
    mappa_level: int | None


class DomainConcernOut(Schema):
    domain: str
    title: str
    level: str


class RiskToSelfOut(Schema):
    level: str | None
    screen_id: int | None
    screened_on: date | None
    questionnaire_version: int | None
    registrations: dict[str, bool]
    domains_medium_or_above: list[DomainConcernOut]


class SafetyPlanOut(Schema):
    version: int
    review_date: date
    review_overdue: bool


class AttentionOut(Schema):
    kind: str
    text: str
    due_on: date
    overdue: bool


class RiskSummaryOut(Schema):
    crn: str
    risk_of_serious_harm: RoshOut
    risk_to_self: RiskToSelfOut
    safety_plan: SafetyPlanOut | None
    safety_plan_needed: bool
    due_and_overdue: list[AttentionOut]


def _screen_out(screen, crn) -> dict:
    return {
        "id": screen.pk,
        "version": screen.questionnaire_version.version,
        "completed_at": screen.completed_at,
        "risk_to_self": screen.risk_to_self,
        "domains": screen.domain_levels,
        "care_act_s42": screen.care_act_s42,
        "recommendations": [
            {
                "code": rec["code"],
                "text": rec["text"],
                "urgent": rec["urgent"],
                "register_code": rec["register"],
                "href": rec["href"] or None,
            }
            for rec in recommendations_with_links(crn=crn, recommendations=screen.recommendations)
        ],
    }


@router.get(
    "/questionnaires/vulnerability",
    response=QuestionnaireOut,
    summary="The current vulnerability questionnaire",
)
@requires(Capability.READ_CASES)
def get_questionnaire(request):
    questionnaire = selectors.questionnaire_current().questionnaire
    return {
        "version": questionnaire.version,
        "title": questionnaire.title,
        "domains": [{"id": d.id, "title": d.title} for d in questionnaire.domains],
        "questions": [
            {
                "id": q.id,
                "domain": q.domain,
                "text": q.text,
                "type": q.type,
                "required": q.required,
                "hint": q.hint,
                "allowed_answers": q.allowed_answers,
                "answer_labels": {o.value: o.label for o in q.options} or None,
                "answers": [
                    {"value": o.value, "label": o.label, "exclusive": o.exclusive}
                    for o in q.options
                ]
                or None,
                "min": q.min,
                "max": q.max,
            }
            for q in questionnaire.questions
        ],
    }


@router.post(
    "/people/{crn}/vulnerability-screens",
    response={201: ScreenOut},
    summary="Record a vulnerability screen (answers keyed by question id)",
)
@requires(Capability.CHANGE_CASES)
def post_screen(request, crn: str, payload: ScreenIn):
    user = request.auth
    person = person_get_for(user=user, crn=crn, channel=Channel.API)
    screen = services.screen_record(
        person_id=person.pk,
        version=payload.version,
        answers=payload.answers,
        actor=user,
        channel=Channel.API,
    )
    return Status(201, _screen_out(screen, person.crn))


@router.get(
    "/people/{crn}/vulnerability-screens/{screen_id}",
    response=ScreenOut,
    summary="One recorded vulnerability screen",
)
@requires(Capability.READ_CASES)
def get_screen(request, crn: str, screen_id: int):
    person = person_get_for(user=request.auth, crn=crn, channel=Channel.API)
    return _screen_out(selectors.screen_get(person=person, screen_id=screen_id), person.crn)


@router.get(
    "/people/{crn}/risk-summary",
    response=RiskSummaryOut,
    summary="Risk of serious harm to others beside risk to self, and what is due",
)
@requires(Capability.READ_CASES)
def get_risk_summary(request, crn: str):
    person = person_get_for(user=request.auth, crn=crn, channel=Channel.API)
    risk = selectors.risk_summary(person=person, today=timezone.localdate())
    screen = risk.latest_screen
    return {
        "crn": person.crn,
        "risk_of_serious_harm": {
            "level": risk.rosh_level or None,
            "mappa_category": risk.mappa_category,
            "mappa_level": risk.mappa_level,
        },
        "risk_to_self": {
            "level": risk.risk_to_self,
            "screen_id": screen.pk if screen else None,
            "screened_on": risk.screened_on,
            "questionnaire_version": screen.questionnaire_version.version if screen else None,
            "registrations": risk.registrations,
            "domains_medium_or_above": [
                {"domain": c.domain, "title": c.title, "level": c.level}
                for c in risk.domains_of_concern
            ],
        },
        "safety_plan": (
            {
                "version": risk.safety_plan.version,
                "review_date": risk.safety_plan.review_date,
                "review_overdue": risk.safety_plan_review_overdue,
            }
            if risk.safety_plan
            else None
        ),
        "safety_plan_needed": risk.safety_plan_needed,
        "due_and_overdue": [
            {"kind": a.kind, "text": a.text, "due_on": a.due_on, "overdue": a.overdue}
            for a in risk.attention
        ],
    }
