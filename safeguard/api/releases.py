"""Release plans, recording a release, and the release measures."""

import datetime as dt
from typing import Literal

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone
from ninja import Query, Router, Schema, Status
from ninja.errors import HttpError
from pydantic import Field

from safeguard.api.schemas import EventDate, FilterDate, In, one_of
from safeguard.core.audit import Action, Channel, access_log_record
from safeguard.core.capabilities import Capability, requires
from safeguard.people.selectors import person_get_for
from safeguard.releases import insights, selectors, services
from safeguard.releases.models import ItemStatus, ReleaseAccommodation
from safeguard.releases.services import ADDRESS_MAX, EVIDENCE_MAX, REASON_MAX

router = Router(tags=["releases"])


class ItemOut(Schema):
    key: str
    label: str
    status: str
    evidence: str
    reason: str
    applies: bool
    open: bool
    hint: str
    version: int
    updated_at: dt.datetime | None


class DutyToReferOut(Schema):
    late: bool
    refer_by: dt.date


class ReleasePlanOut(Schema):
    id: int
    crn: str
    release_date: dt.date
    status: str
    readiness: int
    open_count: int
    at_risk: bool
    opioid_use_indicated: bool
    escalated: bool
    duty_to_refer_prompt: DutyToReferOut | None
    released_on: dt.date | None
    accommodation_type: str | None
    items: list[ItemOut]


class ItemIn(In):
    status: one_of(ItemStatus)
    evidence: str | None = Field(None, max_length=EVIDENCE_MAX)
    reason: str | None = Field(None, max_length=REASON_MAX)
    # The item's version from GET (0 for an item never updated): a stale one is refused
    # with 409 and a missing one with 422, so that nobody's change is silently overwritten.
    version: int = Field(..., ge=0)


class ReleaseIn(In):
    released_on: EventDate
    accommodation_type: one_of(ReleaseAccommodation)
    address: str = Field("", max_length=ADDRESS_MAX)


class ReleaseOut(Schema):
    plan_id: int
    crn: str
    released_on: dt.date
    accommodation_type: str
    address: str
    custody_status: str
    accommodation_status: str
    at_risk_at_release: bool
    first_14_days_end: dt.date


class InsightsQuery(Schema):
    group_by: Literal["pdu", "region"] = "pdu"
    from_: FilterDate | None = Field(None, alias="from")
    to: FilterDate | None = None


def _item_out(state: selectors.ItemState) -> dict:
    return {
        "key": state.key,
        "label": state.item.label,
        "status": state.status,
        "evidence": state.evidence,
        "reason": state.reason,
        "applies": state.applies,
        "open": state.is_gap,
        "hint": state.item.hint,
        "version": state.version,
        "updated_at": state.updated_at,
    }


def _plan_out(plan, person, today) -> dict:
    prompt = selectors.duty_to_refer_prompt(plan, today)
    return {
        "id": plan.pk,
        "crn": person.crn,
        "release_date": plan.release_date,
        "status": plan.status,
        "readiness": plan.readiness,
        "open_count": plan.open_count,
        "at_risk": bool(plan.at_risk),
        "opioid_use_indicated": bool(plan.opioid_use_indicated),
        "escalated": selectors.needs_escalation(plan, today),
        "duty_to_refer_prompt": (
            {"late": prompt.late, "refer_by": prompt.refer_by} if prompt is not None else None
        ),
        "released_on": plan.released_on,
        "accommodation_type": plan.accommodation_type or None,
        "items": [_item_out(s) for s in selectors.plan_checklist(plan)],
    }


@router.get(
    "/people/{crn}/release-plan",
    response=ReleasePlanOut,
    summary="The person's release plan: the open one, or else the latest",
)
@requires(Capability.READ_CASES)
def get_release_plan(request, crn: str):
    person = person_get_for(user=request.auth, crn=crn, channel=Channel.API)
    plan = selectors.person_release_plan(person=person)
    if plan is None:
        raise Http404("This person has no release plan.")
    return _plan_out(plan, person, timezone.localdate())


@router.patch(
    "/release-plans/{plan_id}/items/{key}",
    response=ItemOut,
    summary="Update one checklist item of a release plan",
)
@requires(Capability.CHANGE_CASES)
def update_release_plan_item(request, plan_id: int, key: str, payload: ItemIn):
    try:
        services.release_plan_item_update(
            plan_id=plan_id,
            key=key,
            status=payload.status,
            evidence=payload.evidence,
            reason=payload.reason,
            version=payload.version,
            actor=request.auth,
            channel=Channel.API,
        )
    except services.StaleEdit as exc:
        raise HttpError(
            409, "The item was changed by someone else: fetch it and try again"
        ) from exc
    plan = selectors.plan_with_readiness(plan_id)
    state = next(s for s in selectors.plan_checklist(plan) if s.key == key)
    return _item_out(state)


@router.post(
    "/people/{crn}/release",
    response={201: ReleaseOut},
    summary="Record the release: date, accommodation on the night of release, address",
)
@requires(Capability.CHANGE_CASES)
def record_release(request, crn: str, payload: ReleaseIn):
    person = person_get_for(user=request.auth, crn=crn, channel=Channel.API)
    plan = services.release_record(
        person_id=person.pk,
        released_on=payload.released_on,
        accommodation_type=payload.accommodation_type,
        address=payload.address,
        actor=request.auth,
        channel=Channel.API,
    )
    person.refresh_from_db(fields=["custody_status", "accommodation_status"])
    return Status(
        201,
        {
            "plan_id": plan.pk,
            "crn": person.crn,
            "released_on": plan.released_on,
            "accommodation_type": plan.accommodation_type,
            "address": plan.release_address,
            "custody_status": person.custody_status,
            "accommodation_status": person.accommodation_status,
            "at_risk_at_release": bool(plan.at_risk_at_release),
            "first_14_days_end": plan.released_on
            + dt.timedelta(days=selectors.FIRST_DAYS_AFTER_RELEASE - 1),
        },
    )


@router.get("/insights/releases", summary="Release measures by PDU or region for a period")
@requires(Capability.SEE_RELEASE_INSIGHTS)
def release_insights(request, filters: Query[InsightsQuery]):
    if not insights.may_see_measures(request.auth):
        raise Http404
    if filters.from_ and filters.to and filters.from_ > filters.to:
        raise ValidationError({"to": ["The end of the period must be on or after its start"]})
    figures = insights.release_figures(
        user=request.auth, group_by=filters.group_by, date_from=filters.from_, date_to=filters.to
    )
    access_log_record(
        actor=request.auth,
        action=Action.LIST_PEOPLE,
        channel=Channel.API,
        detail=f"release measures by {filters.group_by}",
    )
    return figures
