from datetime import date, datetime
from typing import Literal

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone
from ninja import Query, Router, Schema, Status
from pydantic import Field

from safeguard.api.schemas import EventDateTime, FilterDate, In, one_of
from safeguard.core.audit import Channel
from safeguard.core.calendar import working_days_between
from safeguard.core.capabilities import Capability, requires
from safeguard.core.models import LocalAuthority
from safeguard.people.selectors import person_get_for
from safeguard.referrals import insights, selectors, services
from safeguard.referrals.models import (
    AWAITING_DECISION,
    AbuseCategory,
    Consent,
    Escalation,
    EscalationOutcome,
    GroundWithoutConsent,
    MentalCapacity,
    Referral,
    ReferralKind,
    RejectionReason,
    Urgency,
)

router = Router(tags=["referrals"])


class AgencyOut(Schema):
    id: int
    name: str
    kind: str
    region: str
    local_authority: str | None
    response_target_working_days: int


class AgencyQuery(Schema):
    kind: str = Field("", max_length=32)
    local_authority: str = Field("", max_length=120)


class S42Part(In):
    indicated: bool
    evidence: str = Field("", max_length=4000)


class S42In(In):
    care_and_support_needs: S42Part | None = None
    experiencing_or_at_risk_of_abuse_or_neglect: S42Part | None = None
    unable_to_protect_self: S42Part | None = None


class ConsentIn(In):
    consent_to_referral: bool | None = None
    consent_to_share_contact_details: bool | None = None
    chosen_housing_authority: str | None = Field(None, max_length=120)
    reason_without_consent: str = Field("", max_length=4000)
    # Care Act referrals (s42, s9): capacity is assumed unless an assessment found otherwise
    # (Mental Capacity Act 2005); without consent, the ground that allows the referral.
    mental_capacity: one_of(MentalCapacity, "") = ""
    capacity_assessment: str = Field("", max_length=4000)
    ground_without_consent: one_of(GroundWithoutConsent, "") = ""


class ReferralIn(In):
    kind: one_of(ReferralKind)
    agency: int
    sent_at: EventDateTime | None = None
    urgency: one_of(Urgency) = "routine"
    reason: str = Field("", max_length=4000)
    care_act_s42: S42In | None = None
    abuse_categories: list[one_of(AbuseCategory)] = Field(default_factory=list, max_length=10)
    person_views: str = Field("", max_length=4000)
    consent: ConsentIn | None = None
    draft: bool = False


class EscalationOut(Schema):
    id: int
    level: int
    status: str
    automatic: bool = False
    holder: str | None
    due_by: date
    reason: str
    response: str
    outcome: str


class ReferralOut(Schema):
    id: int
    crn: str
    kind: str
    agency: str
    status: str
    urgency: str
    sent_at: datetime | None
    due_by: date | None
    decided_at: datetime | None
    rejection_reason: str
    working_days_waiting: int | None
    care_act_s42: dict
    abuse_categories: list[str]
    consent: dict = Field(default_factory=dict)
    escalations: list[EscalationOut]


class DecisionIn(In):
    outcome: Literal["accepted", "rejected"]
    reason: one_of(RejectionReason, "") = ""
    decided_at: EventDateTime | None = None
    notes: str = Field("", max_length=4000)


class EscalationIn(In):
    reason: str = Field(min_length=1, max_length=4000)


class ResolveIn(In):
    response: str = Field(min_length=1, max_length=4000)
    outcome: one_of(EscalationOutcome)


class InsightsQuery(Schema):
    group_by: Literal["local_authority", "agency", "sex", "ethnicity", "kind", "region", "pdu"] = (
        "local_authority"
    )
    from_: FilterDate | None = Field(None, alias="from")
    to: FilterDate | None = None
    kind: str = Field("", max_length=40)


def _escalation_out(e: Escalation) -> dict:
    return {
        "id": e.pk,
        "level": e.level,
        "status": e.status,
        "automatic": e.automatic,
        "holder": e.holder.username if e.holder else None,
        "due_by": e.due_by,
        "reason": e.reason,
        "response": e.response,
        "outcome": e.outcome,
    }


def _out(r: Referral, crn: str, escalations=None) -> dict:
    today = timezone.localdate()
    waiting = None
    if r.status in AWAITING_DECISION and r.sent_at:
        waiting = working_days_between(timezone.localtime(r.sent_at).date(), today)
    return {
        "id": r.pk,
        "crn": crn,
        "kind": r.kind,
        "agency": r.agency.name,
        "status": r.status,
        "urgency": r.urgency,
        "sent_at": r.sent_at,
        "due_by": r.due_by,
        "decided_at": r.decided_at,
        "rejection_reason": r.rejection_reason,
        "working_days_waiting": waiting,
        "care_act_s42": {
            "care_and_support_needs": r.s42_care_and_support_needs,
            "experiencing_or_at_risk_of_abuse_or_neglect": r.s42_abuse_or_neglect,
            "unable_to_protect_self": r.s42_unable_to_protect_self,
            "indicated": r.s42_indicated,
        },
        "abuse_categories": r.abuse_categories,
        "consent": {
            "consent_to_referral": {Consent.GIVEN: True, "": None}.get(r.consent, False),
            "consent_to_share_contact_details": r.consent_to_share_contact_details,
            "mental_capacity": r.mental_capacity,
            "ground_without_consent": r.ground_without_consent,
        },
        "escalations": [_escalation_out(e) for e in (escalations or [])],
    }


@router.get("/agencies", response=list[AgencyOut], summary="Partner agencies")
@requires(Capability.READ_CASES)
def list_agencies(request, filters: Query[AgencyQuery]):
    la_id = None
    if filters.local_authority:
        la = LocalAuthority.objects.filter(name__iexact=filters.local_authority).first()
        if la is None:
            raise ValidationError({"local_authority": ["No local authority has that name"]})
        la_id = la.pk
    return [
        {
            "id": a.pk,
            "name": a.name,
            "kind": a.kind,
            "region": a.region.name,
            "local_authority": a.local_authority.name if a.local_authority else None,
            "response_target_working_days": a.response_target_working_days,
        }
        for a in selectors.agencies(kind=filters.kind or None, local_authority_id=la_id)
    ]


@router.get("/people/{crn}/referrals", response=list[ReferralOut])
@requires(Capability.READ_CASES)
def list_referrals(request, crn: str):
    person = person_get_for(user=request.auth, crn=crn, channel=Channel.API)
    return [
        _out(r, person.crn, list(r.escalations.all()))
        for r in selectors.person_referrals(person=person)
    ]


@router.post("/people/{crn}/referrals", response={201: ReferralOut})
@requires(Capability.CHANGE_CASES)
def create_referral(request, crn: str, payload: ReferralIn):
    person = person_get_for(user=request.auth, crn=crn, channel=Channel.API)
    consent = payload.consent or ConsentIn()
    housing_authority = None
    if consent.chosen_housing_authority:
        housing_authority = (
            LocalAuthority.objects.filter(name__iexact=consent.chosen_housing_authority)
            .select_related("region")
            .first()
        )
        if housing_authority is None:
            raise ValidationError(
                {"consent.chosen_housing_authority": ["No local authority has that name"]}
            )
    consent_value = ""
    if consent.consent_to_referral is True:
        consent_value = "given"
    elif consent.consent_to_referral is False:
        consent_value = "refused"
    elif consent.mental_capacity == MentalCapacity.LACKS:
        consent_value = Consent.NOT_ASKED  # someone who cannot decide cannot be asked
    s42 = None
    if payload.care_act_s42 is not None:
        s42 = {k: (v.model_dump() if v else None) for k, v in payload.care_act_s42}
    try:
        referral = services.referral_create(
            person_id=person.pk,
            kind=payload.kind,
            agency_id=payload.agency,
            urgency=payload.urgency,
            reason=payload.reason,
            send=not payload.draft,
            sent_at=payload.sent_at,
            care_act_s42=s42,
            abuse_categories=payload.abuse_categories,
            person_views=payload.person_views,
            consent=consent_value,
            reason_without_consent=consent.reason_without_consent,
            chosen_housing_authority=housing_authority,
            consent_to_share_contact_details=consent.consent_to_share_contact_details,
            mental_capacity=consent.mental_capacity,
            capacity_assessment=consent.capacity_assessment,
            ground_without_consent=consent.ground_without_consent,
            actor=request.auth,
            channel=Channel.API,
        )
    except ValidationError as exc:
        # Housing consent fields arrive inside "consent" in the API.
        if hasattr(exc, "error_dict"):
            renamed = {
                (
                    f"consent.{k}"
                    if k
                    in (
                        "consent_to_share_contact_details",
                        "chosen_housing_authority",
                        "reason_without_consent",
                        "mental_capacity",
                        "capacity_assessment",
                        "ground_without_consent",
                    )
                    else k
                ): v
                for k, v in exc.message_dict.items()
            }
            raise ValidationError(renamed) from exc
        raise
    return Status(201, _out(referral, person.crn))


@router.post("/referrals/{referral_id}/decision", response=ReferralOut)
@requires(Capability.CHANGE_CASES)
def decide_referral(request, referral_id: int, payload: DecisionIn):
    referral = services.referral_decide(
        referral_id=referral_id,
        outcome=payload.outcome,
        reason=payload.reason,
        decided_at=payload.decided_at,
        notes=payload.notes,
        actor=request.auth,
        channel=Channel.API,
    )
    return _out(referral, referral.person.crn, list(referral.escalations.all()))


@router.post("/referrals/{referral_id}/escalations", response={201: dict})
@requires(Capability.CHANGE_CASES)
def escalate_referral(request, referral_id: int, payload: EscalationIn):
    escalation = services.escalation_raise(
        referral_id=referral_id, reason=payload.reason, actor=request.auth, channel=Channel.API
    )
    return Status(
        201,
        {
            "id": escalation.pk,
            "level": escalation.level,
            "holder": escalation.holder.username if escalation.holder else None,
            "due_by": escalation.due_by,
        },
    )


@router.post("/escalations/{escalation_id}/resolve", response=EscalationOut)
@requires(Capability.RESOLVE_ESCALATIONS)
def resolve_escalation(request, escalation_id: int, payload: ResolveIn):
    escalation = services.escalation_resolve(
        escalation_id=escalation_id,
        response=payload.response,
        outcome=payload.outcome,
        actor=request.auth,
        channel=Channel.API,
    )
    return _escalation_out(escalation)


@router.get("/insights/referrals", summary="Referral monitoring figures")
@requires(Capability.SEE_REFERRAL_MONITORING)
def referral_insights(request, filters: Query[InsightsQuery]):
    if not insights.may_monitor(request.auth):
        raise Http404
    return insights.referral_figures(
        user=request.auth,
        group_by=filters.group_by,
        date_from=filters.from_,
        date_to=filters.to,
        kind=filters.kind or None,
    )
