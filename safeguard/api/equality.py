"""Equal treatment monitoring: a decision compared across groups, and s42 acceptance by local
authority with funnel limits. Scoped to the caller's cases; small numbers are null with
``suppressed: true``."""

from typing import Literal

from django.http import Http404
from django.utils import timezone
from ninja import Field, Query, Router, Schema
from pydantic import model_validator

from safeguard.api.schemas import FilterDate
from safeguard.core.audit import Action, Channel, access_log_record
from safeguard.core.capabilities import Capability, requires
from safeguard.equality import analysis, authorities
from safeguard.equality.catalogue import decisions

router = Router(tags=["equality"])

DecisionCode = Literal[tuple(decisions())]


class _Period(Schema):
    from_: FilterDate | None = Field(None, alias="from")
    to: FilterDate | None = None
    region: int | None = Field(None, ge=1, le=2**31 - 1)
    pdu: int | None = Field(None, ge=1, le=2**31 - 1)

    @model_validator(mode="after")
    def _in_order(self):
        if self.from_ and self.to and self.from_ > self.to:
            raise ValueError("'from' must be on or before 'to'")
        return self


class EqualityQuery(_Period):
    decision: DecisionCode = "asc_referral_accepted"
    by: Literal["sex", "ethnicity", "age_band", "local_authority"] = "sex"
    reference: str | None = Field(None, max_length=120)


class AuthorityQuery(_Period):
    decision: Literal[authorities.FUNNEL_DECISIONS] = "asc_referral_accepted"


class EqualityRow(Schema):
    group: str | None
    n: int | None
    events: int | None
    rate: float | None
    odds_ratio: float | None
    ci_low: float | None
    ci_high: float | None
    adjusted_odds_ratio: float | None
    adjusted_ci_low: float | None
    adjusted_ci_high: float | None
    suppressed: bool


class EqualityOut(Schema):
    decision: str
    by: str
    reference_group: str | None
    adjusted_for: list[str]
    rows: list[EqualityRow]


class AuthorityRow(Schema):
    local_authority: str
    n: int | None
    events: int | None
    rate: float | None
    lower_95: float | None
    upper_95: float | None
    lower_998: float | None
    upper_998: float | None
    median_working_days: float | None
    mean_working_days: float | None
    suppressed: bool


class AuthoritiesOut(Schema):
    decision: str
    overall_rate: float | None
    rows: list[AuthorityRow]


def _period(q: _Period):
    if q.from_ is None and q.to is None:
        return analysis.default_period(timezone.localdate())
    return q.from_, q.to


@router.get("/insights/equality", response=EqualityOut, summary="Equal treatment of a decision")
@requires(Capability.SEE_REFERRAL_MONITORING)
def equality(request, filters: Query[EqualityQuery]):
    if not analysis.may_see(request.auth):
        raise Http404
    date_from, date_to = _period(filters)
    try:
        result = analysis.analyse(
            filters.decision,
            user=request.auth,
            by=filters.by,
            date_from=date_from,
            date_to=date_to,
            region_id=filters.region,
            pdu_id=filters.pdu,
            reference=filters.reference,
            today=timezone.localdate(),
            trends=False,
        )
    except analysis.UnknownReference as exc:
        from django.core.exceptions import ValidationError

        raise ValidationError({"reference": ["No such group in these figures"]}) from exc
    access_log_record(
        actor=request.auth,
        action=Action.LIST_PEOPLE,
        channel=Channel.API,
        detail="equal treatment monitoring",
    )
    return result.api()


@router.get(
    "/insights/equality/local-authorities",
    response=AuthoritiesOut,
    summary="s42 acceptance by local authority, with funnel limits",
)
@requires(Capability.SEE_REFERRAL_MONITORING)
def equality_local_authorities(request, filters: Query[AuthorityQuery]):
    if not analysis.may_see(request.auth):
        raise Http404
    date_from, date_to = _period(filters)
    figures = authorities.authority_figures(
        user=request.auth,
        date_from=date_from,
        date_to=date_to,
        region_id=filters.region,
        pdu_id=filters.pdu,
        today=timezone.localdate(),
    )
    access_log_record(
        actor=request.auth,
        action=Action.LIST_PEOPLE,
        channel=Channel.API,
        detail="equal treatment monitoring: local authorities",
    )
    return figures.api()
