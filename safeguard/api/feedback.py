"""Feedback from people on probation: loading responses in bulk, and the figures."""

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from ninja import Query, Router, Schema
from pydantic import BaseModel, ConfigDict, Field

from safeguard.api.schemas import FilterDate, In
from safeguard.core.audit import Action, Channel, access_log_record
from safeguard.core.capabilities import Capability, has_capability, requires
from safeguard.feedback import analysis, selectors, services, surveys
from safeguard.feedback.audit import FeedbackEvent
from safeguard.feedback.models import Source

router = Router(tags=["feedback"])


class ResponseRowIn(BaseModel):
    """One response. Its fields are checked row by row, so that a bad row is reported by its
    number and the good rows still load."""

    model_config = ConfigDict(extra="forbid")

    answers: Any = Field(None, description='{"<question>": "yes" | "no" | "not_sure" | text}')
    pdu: Any = Field(None, description="The PDU's code (optional)")
    office: Any = Field(None, description="The office's code (optional)")
    answered_on: Any = Field(None, description="YYYY-MM-DD (optional; today if not given)")
    sex: Any = Field(None, description="male, female or prefer_not_to_say (optional)")
    age_band: Any = Field(None, description="18-24, 25-34, 35-49, 50-64, 65+ (optional)")
    id: Any = Field(None, description="The row's own id in the tool it came from (optional)")


class ResponsesIn(In):
    survey: str = Field(min_length=1, max_length=40)
    responses: list[ResponseRowIn] = Field(min_length=1, max_length=services.MAX_IMPORT_ROWS)


class RowErrorOut(Schema):
    row: int
    field: str
    message: str


class ResponsesOut(Schema):
    loaded: int
    already_loaded: int
    errors: list[RowErrorOut]


@router.post("/feedback/responses", summary="Load survey responses in bulk", response=ResponsesOut)
@requires(Capability.IMPORT_FEEDBACK)
def load_responses(request, payload: ResponsesIn):
    """Every bad response is reported with its position in ``responses`` (``row``, from 1), the
    field and the reason; the good ones are loaded; sending the same responses again adds
    nothing (a row's ``id`` identifies it if given, otherwise its content)."""
    if payload.survey not in surveys.codes():
        raise ValidationError({"survey": [f"There is no survey called {payload.survey!r}"]})
    report = services.feedback_responses_import(
        survey=payload.survey,
        rows=[
            (i, row.model_dump(exclude_unset=True)) for i, row in enumerate(payload.responses, 1)
        ],
        actor=request.auth,
        source=Source.API,
        channel=Channel.API,
    )
    return {
        "loaded": report.loaded,
        "already_loaded": report.already_loaded,
        "errors": [{"row": e.row, "field": e.field, "message": e.message} for e in report.errors],
    }


class FeedbackQuery(Schema):
    survey: str = Field(services.DEFAULT_SURVEY, max_length=40)
    from_: FilterDate | None = Field(None, alias="from")
    to: FilterDate | None = None
    pdu: str = Field("", max_length=8)


class FigureOut(Schema):
    question: str
    answer: str
    n: int | str = Field(description='How many answered the question ("<5" when 1 to 4)')
    count: int | str = Field(description='How many gave this answer ("<5" when 1 to 4)')
    percent: float | None = Field(description="Percentage points, to 1 decimal place")
    ci_low: float | None = Field(description="95% Wilson interval, lower end, percentage points")
    ci_high: float | None = Field(description="95% Wilson interval, upper end, percentage points")


class FiguresOut(Schema):
    survey: str
    responses: int | str
    rows: list[FigureOut]


@router.get("/insights/feedback", summary="Feedback survey figures", response=FiguresOut)
@requires(Capability.SEE_FEEDBACK)
def feedback_figures(request, filters: Query[FeedbackQuery]):
    """Per question and answer: the number answering (``n``), the ``count``, the ``percent``
    and its 95% Wilson interval, in percentage points; counts of 1 to 4 are hidden, as on
    every published figure."""
    user = request.auth
    if not has_capability(user, Capability.SEE_FEEDBACK):
        raise PermissionDenied
    survey = surveys.current(filters.survey)
    if survey is None:
        raise ValidationError({"survey": [f"There is no survey called {filters.survey!r}"]})
    if filters.from_ and filters.to and filters.from_ > filters.to:
        raise ValidationError({"to": ["The end of the period must be after its start"]})
    pdu = filters.pdu.strip().upper()
    if pdu and not selectors.pdus_in_scope(user).filter(code=pdu).exists():
        raise ValidationError({"pdu": ["No PDU in your area has that code"]})
    responses = analysis.responses_for(
        user, survey=survey.code, date_from=filters.from_, date_to=filters.to, pdu_code=pdu
    )
    total = responses.count()
    access_log_record(
        actor=user,
        action=Action.LIST_PEOPLE,
        channel=Channel.API,
        detail=f"feedback figures ({survey.code})",
        event=FeedbackEvent.ANALYSIS_VIEWED,
    )
    return {
        "survey": survey.code,
        "responses": analysis.suppress_one(total),
        "rows": analysis.overall(responses, survey),
    }
