"""Every change to referrals and escalations. Each goes through the one gate
(``safeguard.people.gate``): capability, scope, the person not having died, the lock and a typed
audit entry in the same transaction, the work-item refresh after commit. Each action then checks
that its transition is allowed."""

from contextlib import contextmanager
from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from safeguard.core.audit import Channel
from safeguard.core.calendar import add_working_days, working_days_between
from safeguard.core.capabilities import Capability, require_capability
from safeguard.core.errors import IllegalTransition  # noqa: F401 (re-exported)
from safeguard.people.gate import case_record_change, check_version, person_change
from safeguard.referrals.audit import ReferralEvent
from safeguard.referrals.catalogue import escalation_ladder
from safeguard.referrals.models import (
    AGENCY_KIND_FOR_REFERRAL,
    ALLOWED_TRANSITIONS,
    AWAITING_DECISION,
    CARE_ACT_KINDS,
    GROUNDS_WITHOUT_CONSENT,
    NOT_SENT,
    SEND_WITHIN_WORKING_DAYS,
    AbuseCategory,
    Agency,
    AgencyKind,
    Consent,
    Escalation,
    EscalationOutcome,
    EscalationStatus,
    GroundWithoutConsent,
    MentalCapacity,
    Referral,
    ReferralKind,
    ReferralStatus,
    RejectionReason,
    SentMethod,
    Urgency,
)
from safeguard.referrals.selectors import WALES_REGION_CODE, escalation_holder

S42_PARTS = (
    "care_and_support_needs",
    "experiencing_or_at_risk_of_abuse_or_neglect",
    "unable_to_protect_self",
)
S42_FIELDS = {
    "care_and_support_needs": "s42_care_and_support_needs",
    "experiencing_or_at_risk_of_abuse_or_neglect": "s42_abuse_or_neglect",
    "unable_to_protect_self": "s42_unable_to_protect_self",
}


def _move(referral: Referral, to: str):
    if to not in ALLOWED_TRANSITIONS[ReferralStatus(referral.status)]:
        raise IllegalTransition(
            f"A referral that is {referral.get_status_display().lower()} cannot become "
            f"{ReferralStatus(to).label.lower()}."
        )
    referral.status = to


def _check_not_future(field, value: datetime):
    if value > timezone.now() + timezone.timedelta(minutes=5):
        raise ValidationError({field: ["The date and time must not be in the future"]})


def supervised_in_wales(person) -> bool:
    """The duty to refer (Housing Act 1996 s.213B) is England's: a case supervised in Wales
    cannot make one."""
    return person.pdu.region.code == WALES_REGION_CODE


def _validate(
    kind,
    agency,
    s42,
    abuse_categories,
    consent,
    reason_without_consent,
    housing_authority,
    consent_to_share_contact_details,
    *,
    reason="",
    mental_capacity="",
    capacity_assessment="",
    ground_without_consent="",
):
    errors: dict[str, list[str]] = {}
    if agency.kind != AGENCY_KIND_FOR_REFERRAL[kind]:
        errors["agency"] = [f"{agency.name} does not take {ReferralKind(kind).label} referrals"]
    if kind == ReferralKind.ASC_S42:
        for part in S42_PARTS:
            answer = (s42 or {}).get(part)
            if not isinstance(answer, dict) or not isinstance(answer.get("indicated"), bool):
                errors[f"care_act_s42.{part}"] = [
                    "Say whether this part of the Care Act s42 test is met"
                ]
            elif not str(answer.get("evidence", "")).strip():
                errors[f"care_act_s42.{part}"] = ["Give the evidence for this part of the test"]
        if not abuse_categories:
            errors["abuse_categories"] = ["Choose at least one category of abuse or neglect"]
    unknown = [c for c in abuse_categories or [] if c not in AbuseCategory.values]
    if unknown:
        errors["abuse_categories"] = [f"Unknown category: {', '.join(map(str, unknown))}"]
    if kind in CARE_ACT_KINDS and not consent:
        errors["consent"] = ["Say whether the person agreed to the referral"]
    if consent and consent not in Consent.values:
        errors["consent"] = ["Choose whether the person agreed to the referral"]
    if consent and consent != Consent.GIVEN and not (reason_without_consent or "").strip():
        errors["reason_without_consent"] = ["Say why the referral is made without consent"]
    if kind in CARE_ACT_KINDS:
        errors.update(
            _care_act_consent_errors(
                kind, consent, mental_capacity, capacity_assessment, ground_without_consent
            )
        )
    elif ground_without_consent and ground_without_consent not in GroundWithoutConsent.values:
        errors["ground_without_consent"] = ["Choose a reason from the list"]
    if mental_capacity and mental_capacity not in MentalCapacity.values:
        errors["mental_capacity"] = ["Choose whether the person has capacity to decide"]
    if kind == ReferralKind.HOUSING_DUTY_TO_REFER:
        errors.update(
            _duty_to_refer_errors(
                agency, consent, reason, housing_authority, consent_to_share_contact_details
            )
        )
    if errors:
        raise ValidationError(errors)


def _care_act_consent_errors(kind, consent, capacity, assessment, ground) -> dict:
    """Consent and capacity on a safeguarding concern (s42) or a needs assessment (s9).
    Capacity is assumed unless assessed otherwise (Mental Capacity Act 2005 s1(2)); a person
    who lacks it cannot give consent; without consent, the referral needs a ground the Care Act
    allows for its kind (``GROUNDS_WITHOUT_CONSENT``)."""
    errors: dict[str, list[str]] = {}
    if capacity and capacity not in MentalCapacity.values:
        return {"mental_capacity": ["Choose whether the person has capacity to decide"]}
    if capacity == MentalCapacity.LACKS:
        if not (assessment or "").strip():
            errors["capacity_assessment"] = [
                "Say who assessed the person's capacity to decide, when, and what they found"
            ]
        if consent == Consent.GIVEN:
            errors["consent"] = [
                "A person who lacks capacity to decide cannot consent: record the referral as "
                "made without consent, in their best interests"
            ]
    if not consent or consent == Consent.GIVEN:
        return errors
    allowed = GROUNDS_WITHOUT_CONSENT[kind]
    if not ground:
        errors["ground_without_consent"] = [
            "Say which ground allows the referral to go ahead without consent"
        ]
    elif ground not in allowed:
        what = (
            "A safeguarding concern (s42)"
            if kind == ReferralKind.ASC_S42
            else "A needs assessment (s9)"
        )
        errors["ground_without_consent"] = [
            f"{what} can go ahead without consent only where: "
            + "; ".join(GroundWithoutConsent(g).label.lower() for g in allowed)
        ]
    elif ground == GroundWithoutConsent.LACKS_CAPACITY and capacity != MentalCapacity.LACKS:
        errors["ground_without_consent"] = [
            "The person is assumed to have capacity to decide unless an assessment found "
            "otherwise: record that assessment, or choose another ground"
        ]
    return errors


def _duty_to_refer_errors(agency, consent, reason, authority, consent_to_share) -> dict:
    """Homelessness Reduction Act 2017 (Housing Act 1996 s.213B): the person must agree to the
    referral, choose the English housing authority it goes to and agree to their contact
    details being shared; the referral carries the reason for referral agreed with them."""
    errors: dict[str, list[str]] = {}
    if consent != Consent.GIVEN:
        errors["consent"] = ["A duty to refer needs the person's consent to the referral"]
    if consent_to_share is not True:
        errors["consent_to_share_contact_details"] = [
            "A duty to refer needs the person's consent to share their contact details"
        ]
    if not (reason or "").strip():
        errors["reason"] = ["Give the reason for the referral that you agreed with the person"]
    if authority is None:
        errors["chosen_housing_authority"] = ["Choose the housing authority the person chose"]
    elif authority.region.code == WALES_REGION_CODE:
        errors["chosen_housing_authority"] = [
            "The duty to refer applies to English housing authorities only"
        ]
    elif agency.kind == AgencyKind.HOUSING and agency.local_authority_id != authority.pk:
        errors["agency"] = [
            f"A duty to refer goes to the housing authority the person chose ({authority.name}), "
            f"not {agency.name}"
        ]
    return errors


def _check_answers(
    *,
    kind,
    agency_id,
    urgency=Urgency.ROUTINE,
    reason="",
    care_act_s42=None,
    abuse_categories=None,
    consent="",
    reason_without_consent="",
    chosen_housing_authority=None,
    consent_to_share_contact_details=None,
    mental_capacity="",
    capacity_assessment="",
    ground_without_consent="",
    person_views="",
):
    """Refuse answers that cannot make a referral (a ``ValidationError`` naming each field);
    return the agency and the capacity to record (assumed on a Care Act referral unless an
    assessment found otherwise, Mental Capacity Act 2005 s1(2))."""
    if kind not in ReferralKind.values:
        raise ValidationError({"kind": ["Choose the kind of referral"]})
    if urgency not in Urgency.values:
        raise ValidationError({"urgency": ["Choose how urgent the referral is"]})
    agency = Agency.objects.select_related("region").filter(pk=agency_id, active=True).first()
    if agency is None:
        raise ValidationError({"agency": ["Choose an agency from the list"]})
    if kind in CARE_ACT_KINDS and not mental_capacity:
        mental_capacity = MentalCapacity.ASSUMED
    _validate(
        kind,
        agency,
        care_act_s42,
        abuse_categories,
        consent,
        reason_without_consent,
        chosen_housing_authority,
        consent_to_share_contact_details,
        reason=reason,
        mental_capacity=mental_capacity,
        capacity_assessment=capacity_assessment,
        ground_without_consent=ground_without_consent,
    )
    return agency, mental_capacity


def _refuse_in_wales(kind, person):
    if kind == ReferralKind.HOUSING_DUTY_TO_REFER and supervised_in_wales(person):
        raise ValidationError(
            {
                "kind": [
                    "The duty to refer applies only to cases supervised in England: "
                    "this case is supervised in Wales"
                ]
            }
        )


def referral_check(*, person, actor, **answers) -> None:
    """Refuse, as ``referral_create`` would, answers that cannot make a referral for
    ``person``; writes nothing (the check-your-answers page asks before showing them).
    ``answers`` are ``referral_create``'s, without how it is saved."""
    require_capability(actor, Capability.CHANGE_CASES)
    _check_answers(**answers)
    _refuse_in_wales(answers.get("kind"), person)


def referral_create(
    *,
    person_id: int,
    kind: str,
    agency_id: int,
    actor,
    urgency: str = Urgency.ROUTINE,
    reason: str = "",
    send: bool = True,
    sent_at: datetime | None = None,
    sent_method: str = "",
    ready_to_send: bool = False,
    care_act_s42: dict | None = None,
    abuse_categories: list[str] | None = None,
    person_views: str = "",
    consent: str = "",
    reason_without_consent: str = "",
    chosen_housing_authority=None,
    consent_to_share_contact_details: bool | None = None,
    mental_capacity: str = "",
    capacity_assessment: str = "",
    ground_without_consent: str = "",
    channel: str = Channel.WEB,
) -> Referral:
    """Record a referral: as sent (``send``, the default; ``sent_at`` may be back-dated and
    ``sent_method`` says how), as completed and ready for the practitioner to send
    (``send=False, ready_to_send=True``: nothing is sent and no response clock starts), or as
    a draft. On a Care Act referral (s42, s9) the person's capacity to decide is assumed unless
    ``mental_capacity`` says an assessment found otherwise."""
    require_capability(actor, Capability.CHANGE_CASES)
    if sent_method and sent_method not in SentMethod.values:
        raise ValidationError({"sent_method": ["Choose how the referral was sent"]})
    answers = {
        "urgency": urgency,
        "reason": reason,
        "care_act_s42": care_act_s42,
        "abuse_categories": abuse_categories,
        "person_views": person_views,
        "consent": consent,
        "reason_without_consent": reason_without_consent,
        "chosen_housing_authority": chosen_housing_authority,
        "consent_to_share_contact_details": consent_to_share_contact_details,
        "mental_capacity": mental_capacity,
        "capacity_assessment": capacity_assessment,
        "ground_without_consent": ground_without_consent,
    }
    agency, mental_capacity = _check_answers(kind=kind, agency_id=agency_id, **answers)
    sent_at = sent_at or timezone.now()
    _check_not_future("sent_at", sent_at)
    with person_change(actor=actor, person_id=person_id, channel=channel) as change:
        person = change.person
        _refuse_in_wales(kind, person)
        referral = Referral(person=person, kind=kind, created_by=actor)
        _set_answers(referral, agency=agency, **{**answers, "mental_capacity": mental_capacity})
        if send:
            _send(referral, sent_at, sent_method)
            event, done = ReferralEvent.SENT, "sent"
        elif ready_to_send:
            _make_ready(referral)
            event, done = ReferralEvent.READY_TO_SEND, "ready to send"
        else:
            event, done = ReferralEvent.DRAFTED, "drafted"
        referral.save()
        change.record(
            event,
            record=referral,
            new={"kind": kind, "agency": agency.pk, "urgency": urgency, "status": referral.status},
            detail=f"referral {referral.kind} {done}",
        )
    return referral


def _set_answers(
    referral: Referral,
    *,
    agency,
    urgency=Urgency.ROUTINE,
    reason="",
    care_act_s42=None,
    abuse_categories=None,
    person_views="",
    consent="",
    reason_without_consent="",
    chosen_housing_authority=None,
    consent_to_share_contact_details=None,
    mental_capacity="",
    capacity_assessment="",
    ground_without_consent="",
):
    """Put checked answers (see ``_check_answers``) on a new referral or a draft."""
    referral.agency = agency
    referral.urgency = urgency
    referral.reason = reason.strip()
    referral.abuse_categories = sorted(set(abuse_categories or []))
    referral.person_views = person_views.strip()
    referral.consent = consent
    referral.reason_without_consent = reason_without_consent.strip()
    referral.mental_capacity = mental_capacity
    referral.capacity_assessment = (capacity_assessment or "").strip()
    referral.ground_without_consent = (
        ground_without_consent if consent and consent != Consent.GIVEN else ""
    )
    referral.chosen_housing_authority = chosen_housing_authority
    referral.consent_to_share_contact_details = consent_to_share_contact_details
    for part, field in S42_FIELDS.items():
        answer = (care_act_s42 or {}).get(part) or {}
        setattr(referral, field, answer.get("indicated"))
        setattr(referral, f"{field}_evidence", str(answer.get("evidence", "")).strip())


def referral_draft_change(
    *,
    referral_id: int,
    version,
    actor,
    kind: str,
    agency_id: int,
    ready_to_send: bool = False,
    channel: str = Channel.WEB,
    **answers,
) -> Referral:
    """Change a draft's answers (``answers`` as ``referral_create`` takes them) from the
    ``version`` the practitioner saw: it stays a draft, or with ``ready_to_send`` it is
    completed and waits to be sent (nothing is sent). Only a draft can be changed, and it keeps
    its kind (another kind is a new referral)."""
    require_capability(actor, Capability.CHANGE_CASES)
    with _referral_change(actor, referral_id, channel) as (change, referral, was):
        check_version(referral.version, version)
        if referral.status != ReferralStatus.DRAFT:
            raise IllegalTransition(
                f"This referral is {referral.get_status_display().lower()}: only a draft can "
                "be changed."
            )
        if kind != referral.kind:
            raise ValidationError(
                {"kind": ["A draft keeps its kind: start a new referral for another kind"]}
            )
        agency, mental_capacity = _check_answers(kind=kind, agency_id=agency_id, **answers)
        _refuse_in_wales(kind, referral.person)
        _set_answers(referral, agency=agency, **{**answers, "mental_capacity": mental_capacity})
        if ready_to_send:
            _make_ready(referral)
            event, done = ReferralEvent.READY_TO_SEND, "completed, ready to send"
        else:
            event, done = ReferralEvent.DRAFT_CHANGED, "draft changed"
        referral.version += 1
        referral._change_reason = done
        referral.save()
        change.record(
            event,
            record=referral,
            old={"status": was},
            new={"agency": agency.pk, "urgency": referral.urgency, "status": referral.status},
            detail=f"referral {referral.pk}: {done}",
        )
    return referral


def _send(referral: Referral, sent_at: datetime, method: str = ""):
    """With the agency from ``sent_at``: the response clock (the due date, in the agency's
    working days) runs from then."""
    _move(referral, ReferralStatus.SENT)
    referral.sent_at = sent_at
    referral.sent_method = method
    referral.due_by = add_working_days(
        timezone.localtime(sent_at).date(), referral.agency.response_target_working_days
    )


def _make_ready(referral: Referral):
    _move(referral, ReferralStatus.READY_TO_SEND)
    referral.ready_at = timezone.now()
    referral.send_by = add_working_days(
        timezone.localdate(), SEND_WITHIN_WORKING_DAYS[Urgency(referral.urgency)]
    )


@contextmanager
def _referral_change(actor, referral_id, channel):
    """The gate, for a change to one referral: yields the change, the locked referral and its
    status as it was loaded (for the audit entry's old value)."""
    with case_record_change(
        Referral.objects.select_related("agency", "person"),
        pk=referral_id,
        actor=actor,
        channel=channel,
    ) as (change, referral):
        yield change, referral, referral.status


def _save(change, referral, was, event, detail, fields):
    referral.version += 1
    referral._change_reason = detail
    referral.save(update_fields=[*fields, "version"])
    change.record(
        event,
        record=referral,
        old={"status": was},
        new={name: getattr(referral, name) for name in fields},
        detail=f"referral {referral.pk}: {detail}",
    )


def referral_send(
    *, referral_id: int, method: str, actor, sent_at=None, channel=Channel.WEB
) -> Referral:
    """Record that the practitioner sent a referral (ready to send, or a draft) to the agency:
    how (``SentMethod``) and when. The response clock starts at ``sent_at``."""
    if method not in SentMethod.values:
        raise ValidationError({"method": ["Choose how you sent the referral"]})
    sent_at = sent_at or timezone.now()
    _check_not_future("sent_at", sent_at)
    with _referral_change(actor, referral_id, channel) as (change, referral, was):
        _send(referral, sent_at, method)
        _save(
            change,
            referral,
            was,
            ReferralEvent.SENT,
            f"sent ({SentMethod(method).label.lower()})",
            ["status", "sent_at", "sent_method", "due_by"],
        )
    return referral


def referral_acknowledge(*, referral_id: int, actor, acknowledged_at=None, channel=Channel.WEB):
    acknowledged_at = acknowledged_at or timezone.now()
    _check_not_future("acknowledged_at", acknowledged_at)
    with _referral_change(actor, referral_id, channel) as (change, referral, was):
        _move(referral, ReferralStatus.ACKNOWLEDGED)
        referral.acknowledged_at = acknowledged_at
        _save(
            change,
            referral,
            was,
            ReferralEvent.ACKNOWLEDGED,
            "acknowledged",
            ["status", "acknowledged_at"],
        )
    return referral


def referral_decide(
    *,
    referral_id: int,
    outcome: str,
    actor,
    reason: str = "",
    decided_at=None,
    notes: str = "",
    channel=Channel.WEB,
) -> Referral:
    """Record the agency's decision: accepted, or rejected with a coded reason."""
    if outcome not in (ReferralStatus.ACCEPTED, ReferralStatus.REJECTED):
        raise ValidationError({"outcome": ["The decision is either accepted or rejected"]})
    if outcome == ReferralStatus.REJECTED and reason not in RejectionReason.values:
        raise ValidationError({"reason": ["Choose the reason the agency gave for rejecting it"]})
    decided_at = decided_at or timezone.now()
    _check_not_future("decided_at", decided_at)
    with _referral_change(actor, referral_id, channel) as (change, referral, was):
        _move(referral, outcome)
        if decided_at < referral.sent_at:
            raise ValidationError({"decided_at": ["The decision cannot be before the referral"]})
        referral.decided_at = decided_at
        referral.decision_working_days = working_days_between(
            timezone.localtime(referral.sent_at).date(), timezone.localtime(decided_at).date()
        )
        referral.rejection_reason = reason if outcome == ReferralStatus.REJECTED else ""
        referral.decision_notes = notes.strip()
        _save(
            change,
            referral,
            was,
            ReferralEvent.DECIDED,
            outcome,
            ["status", "decided_at", "decision_working_days", "rejection_reason", "decision_notes"],
        )
    return referral


def referral_close_no_response(*, referral_id: int, actor, notes="", channel=Channel.WEB):
    with _referral_change(actor, referral_id, channel) as (change, referral, was):
        _move(referral, ReferralStatus.CLOSED_NO_RESPONSE)
        referral.decision_notes = notes.strip()
        _save(
            change,
            referral,
            was,
            ReferralEvent.CLOSED_NO_RESPONSE,
            "closed with no response",
            ["status", "decision_notes"],
        )
    return referral


def referral_record_outcome(*, referral_id: int, outcome: str, actor, channel=Channel.WEB):
    if not outcome.strip():
        raise ValidationError({"outcome": ["Describe the outcome"]})
    with _referral_change(actor, referral_id, channel) as (change, referral, was):
        if referral.status in (*NOT_SENT, *AWAITING_DECISION):
            raise IllegalTransition("Record the agency's decision before the outcome.")
        referral.outcome = outcome.strip()
        _save(
            change, referral, was, ReferralEvent.OUTCOME_RECORDED, "outcome recorded", ["outcome"]
        )
    return referral


# ---- escalation ---------------------------------------------------------------------------


def next_escalation_level(referral: Referral, escalations: list[Escalation], today) -> int | None:
    """The level that may be raised now, or None. The first level is offered once a referral is
    rejected, closed with no response, or past its response date; each further level only when
    the previous one is resolved or past its own target."""
    escalatable = referral.status in (
        ReferralStatus.REJECTED,
        ReferralStatus.CLOSED_NO_RESPONSE,
    ) or (referral.status in AWAITING_DECISION and referral.due_by and referral.due_by < today)
    if not escalatable:
        return None
    if not escalations:
        return 1
    last = max(escalations, key=lambda e: e.level)
    if last.level >= 4:
        return None
    if last.status == EscalationStatus.RESOLVED:
        if last.outcome in (EscalationOutcome.DECISION_CHANGED, EscalationOutcome.WITHDRAWN):
            return None
        return last.level + 1
    return last.level + 1 if last.due_by < today else None


def escalation_raise(*, referral_id: int, reason: str, actor, channel=Channel.WEB) -> Escalation:
    if not (reason or "").strip():
        raise ValidationError({"reason": ["Say why you are escalating"]})
    today = timezone.localdate()
    with _referral_change(actor, referral_id, channel) as (change, referral, _):
        escalations = list(referral.escalations.select_for_update())
        level = next_escalation_level(referral, escalations, today)
        if level is None:
            raise IllegalTransition(
                "This referral cannot be escalated now: it needs a rejection, no response past "
                "its date, or the current escalation resolved or past its target."
            )
        ladder = escalation_ladder()[level]
        escalation = Escalation.objects.create(
            referral=referral,
            level=level,
            reason=reason.strip(),
            raised_by=actor,
            raised_at=timezone.now(),
            holder=escalation_holder(person=referral.person, level=level),
            due_by=add_working_days(today, ladder["target_working_days"]),
        )
        change.record(
            ReferralEvent.ESCALATED,
            record=escalation,
            new={"referral": referral.pk, "level": level},
            detail=f"referral {referral.pk}: escalated to level {level}",
        )
    return escalation


def escalation_resolve(
    *, escalation_id: int, response: str, outcome: str, actor, channel=Channel.WEB
) -> Escalation:
    if outcome not in EscalationOutcome.values:
        raise ValidationError({"outcome": ["Choose the outcome of the escalation"]})
    if not (response or "").strip():
        raise ValidationError({"response": ["Record the response"]})
    with case_record_change(
        Escalation.objects.select_related("referral"),
        pk=escalation_id,
        actor=actor,
        person_field="referral__person",
        capability=Capability.RESOLVE_ESCALATIONS,
        channel=channel,
    ) as (change, escalation):
        if escalation.status != EscalationStatus.OPEN:
            raise IllegalTransition("This escalation is already resolved.")
        holder_role = escalation_ladder()[escalation.level]["holder_role"]
        if actor.pk != escalation.holder_id and actor.role != holder_role:
            raise PermissionDenied("Only the holder of this escalation level can resolve it.")
        escalation.status = EscalationStatus.RESOLVED
        escalation.response = response.strip()
        escalation.outcome = outcome
        escalation.resolved_at = timezone.now()
        escalation.resolved_by = actor
        escalation._change_reason = f"Resolved: {outcome}"
        escalation.save()
        change.record(
            ReferralEvent.ESCALATION_RESOLVED,
            record=escalation,
            old={"status": EscalationStatus.OPEN},
            new={"status": EscalationStatus.RESOLVED, "outcome": outcome},
            detail=f"escalation {escalation.pk}: resolved ({outcome})",
        )
    return escalation
