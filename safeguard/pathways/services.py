"""Every change a user can make in pathways: offers and their status, recorded needs, GP
registration status, hospital attendances, and reducing supervision contact under the
probation reset safeguard. Each goes through the one gate (``safeguard.people.gate``)."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils import timezone

from safeguard.core import bounds
from safeguard.core.audit import Channel
from safeguard.core.capabilities import Capability
from safeguard.core.errors import DomainError, IllegalTransition
from safeguard.pathways import catalogue as cat
from safeguard.pathways.audit import PathwayEvent
from safeguard.pathways.models import (
    ALLOWED_TRANSITIONS,
    DATE_FIELD,
    FIRST_STATUSES,
    AttendanceKind,
    AttendanceReason,
    AttendanceSource,
    ContactReduction,
    GPRegistration,
    GPStatus,
    HospitalAttendance,
    OfferStatus,
    OfficeAlternative,
    OfficeReason,
    OfficeWish,
    PathwayOffer,
    RecordedNeed,
    ReductionKind,
    ReductionStatus,
    SafeguardReason,
)
from safeguard.pathways.safeguard_rules import safeguard_reasons
from safeguard.people.gate import case_record_change, check_version, person_change, values_of

REASON_MAX = 2000
NOTE_MAX = 300
PROVIDER_MAX = 160
OFFER_FIELDS = [
    "pathway",
    "need",
    "provider",
    "status",
    "offered_on",
    "accepted_on",
    "declined_on",
    "started_on",
    "completed_on",
    "reason",
]


def _day(value, field: str, errors: dict, today: dt.date) -> dt.date | None:
    if value in (None, ""):
        return None
    if not isinstance(value, dt.date):
        errors[field] = ["Enter a real date"]
        return None
    if value > today:
        errors[field] = ["The date must be today or in the past"]
        return None
    problem = bounds.date_error(value, "event", today)
    if problem:
        errors[field] = [problem]
        return None
    return value


def _text(value, field: str, limit: int, errors: dict) -> str:
    value = (value or "").strip()
    if len(value) > limit:
        errors[field] = [f"Must be {limit:,} characters or fewer"]
    elif problem := bounds.text_error(value):
        errors[field] = [problem]
    return value


# ---- offers ---------------------------------------------------------------------------------


def pathway_offer_record(
    *,
    person_id: int,
    pathway: str,
    status: str = OfferStatus.OFFERED,
    offered_on: dt.date | None = None,
    decided_on: dt.date | None = None,
    reason: str = "",
    need: str = "",
    provider: str = "",
    actor,
    channel: str = Channel.WEB,
    today: dt.date | None = None,
) -> PathwayOffer:
    """Record that a pathway was offered (and, if the answer came at once, accepted or
    declined on ``decided_on``). A single-sex service can be offered only to a person among
    those it is for; a decline needs its reason."""
    today = today or timezone.localdate()
    errors: dict[str, list[str]] = {}
    chosen = cat.pathway(pathway or "")
    if chosen is None:
        errors["pathway"] = ["Choose a pathway from the catalogue"]
    if status not in FIRST_STATUSES:
        errors["status"] = ["An offer is first recorded as offered, accepted or declined"]
    offered_on = _day(offered_on, "offered_on", errors, today) or (
        None if "offered_on" in errors else today
    )
    decided_on = _day(decided_on, "decided_on", errors, today)
    reason = _text(reason, "reason", REASON_MAX, errors)
    provider = _text(provider, "provider", PROVIDER_MAX, errors)
    need = (need or "").strip()
    if need and chosen is not None and need not in chosen.needs:
        errors["need"] = [f"{chosen.name} is not a pathway for that need"]
    if status == OfferStatus.DECLINED and not reason and "reason" not in errors:
        errors["reason"] = ["Say why the offer was declined"]
    if status in (OfferStatus.ACCEPTED, OfferStatus.DECLINED):
        decided_on = decided_on or (None if "decided_on" in errors else offered_on)
        if decided_on and offered_on and decided_on < offered_on:
            errors["decided_on"] = ["The answer cannot come before the offer"]
    if errors:
        raise ValidationError(errors)
    with person_change(actor=actor, person_id=person_id, channel=channel) as change:
        person = change.person
        if not cat.single_sex_eligible(
            chosen.single_sex, sex=person.sex, gender_identity=person.gender_identity
        ):
            raise ValidationError(
                {
                    "pathway": [
                        f"{chosen.name} is a single-sex service this person is not eligible for"
                    ]
                }
            )
        offer = PathwayOffer(
            person=person,
            pathway=chosen.key,
            need=need,
            provider=provider,
            status=status,
            offered_on=offered_on,
            reason=reason if status == OfferStatus.DECLINED else "",
            created_by=actor,
        )
        if status != OfferStatus.OFFERED:
            setattr(offer, DATE_FIELD[status], decided_on)
        offer.save()
        change.record(PathwayEvent.OFFER_RECORDED, record=offer, new=values_of(offer, OFFER_FIELDS))
    return offer


def pathway_offer_status_change(
    *,
    offer_id: int,
    status: str,
    on: dt.date | None = None,
    reason: str = "",
    version=None,
    actor,
    channel: str = Channel.WEB,
    today: dt.date | None = None,
) -> PathwayOffer:
    """Move an offer on: offered -> accepted or declined; accepted -> started or declined;
    started -> completed or declined (stopped). ``on`` is the day it happened (today if not
    given), never before the step before it; a decline needs its reason."""
    today = today or timezone.localdate()
    errors: dict[str, list[str]] = {}
    if status not in OfferStatus.values or status == OfferStatus.OFFERED:
        errors["status"] = ["Choose accepted, declined, started or completed"]
    on = _day(on, "on", errors, today) or (None if "on" in errors else today)
    reason = _text(reason, "reason", REASON_MAX, errors)
    if status == OfferStatus.DECLINED and not reason and "reason" not in errors:
        errors["reason"] = ["Say why the offer was declined"]
    if errors:
        raise ValidationError(errors)
    with case_record_change(PathwayOffer.objects, pk=offer_id, actor=actor, channel=channel) as (
        change,
        offer,
    ):
        check_version(offer.version, version)
        if status not in ALLOWED_TRANSITIONS[offer.status]:
            raise IllegalTransition(
                f"An offer that is {offer.get_status_display().lower()} cannot be marked "
                f"{OfferStatus(status).label.lower()}."
            )
        previous = getattr(offer, DATE_FIELD[offer.status])
        if previous and on < previous:
            raise ValidationError({"on": ["The date cannot be before the offer's last step"]})
        old = values_of(offer, OFFER_FIELDS)
        offer.status = status
        setattr(offer, DATE_FIELD[status], on)
        if status == OfferStatus.DECLINED:
            offer.reason = reason
        offer.version += 1
        offer.save()
        change.record(
            PathwayEvent.OFFER_STATUS_CHANGED,
            record=offer,
            old=old,
            new=values_of(offer, OFFER_FIELDS),
        )
    return offer


# ---- recorded needs -------------------------------------------------------------------------


def pathway_need_record(
    *, person_id: int, need: str, note: str = "", actor, channel: str = Channel.WEB
) -> RecordedNeed:
    """Record a need the screen and registers do not show (only needs the catalogue marks as
    recordable: maturity, few people to turn to)."""
    errors: dict[str, list[str]] = {}
    entry = cat.catalogue().needs.get(need or "")
    if entry is None or not entry.recordable:
        errors["need"] = ["Choose a need that can be recorded"]
    note = _text(note, "note", NOTE_MAX, errors)
    if errors:
        raise ValidationError(errors)
    with person_change(actor=actor, person_id=person_id, channel=channel) as change:
        if RecordedNeed.objects.filter(
            person=change.person, need=need, ended_on__isnull=True
        ).exists():
            raise IllegalTransition("That need is already recorded.", field="need")
        recorded = RecordedNeed.objects.create(
            person=change.person,
            need=need,
            note=note,
            recorded_on=timezone.localdate(),
            recorded_by=actor,
        )
        change.record(PathwayEvent.NEED_RECORDED, record=recorded, new={"need": need})
    return recorded


def pathway_need_end(*, need_id: int, version=None, actor, channel: str = Channel.WEB):
    with case_record_change(RecordedNeed.objects, pk=need_id, actor=actor, channel=channel) as (
        change,
        recorded,
    ):
        check_version(recorded.version, version)
        if recorded.ended_on is not None:
            raise IllegalTransition("That need has already ended.")
        recorded.ended_on = timezone.localdate()
        recorded.version += 1
        recorded.save()
        change.record(
            PathwayEvent.NEED_ENDED, record=recorded, new={"ended_on": str(recorded.ended_on)}
        )
    return recorded


# ---- health ---------------------------------------------------------------------------------


def gp_registration_record(
    *,
    person_id: int,
    status: str,
    practice: str = "",
    checked_on: dt.date | None = None,
    version=None,
    actor,
    channel: str = Channel.WEB,
    today: dt.date | None = None,
) -> GPRegistration:
    """Keep the person's GP registration status current. ``version`` is 0 when none is
    recorded yet."""
    today = today or timezone.localdate()
    errors: dict[str, list[str]] = {}
    if status not in GPStatus.values:
        errors["status"] = ["Choose registered, not registered or not known"]
    practice = _text(practice, "practice", PROVIDER_MAX, errors)
    checked_on = _day(checked_on, "checked_on", errors, today) or (
        None if "checked_on" in errors else today
    )
    if errors:
        raise ValidationError(errors)
    with person_change(actor=actor, person_id=person_id, channel=channel) as change:
        current = GPRegistration.objects.select_for_update().filter(person=change.person).first()
        check_version(current.version if current else 0, version)
        old = values_of(current, ["status", "practice", "checked_on"]) if current else None
        if current is None:
            current = GPRegistration(person=change.person)
        else:
            current.version += 1
        current.status = status
        current.practice = practice if status == GPStatus.REGISTERED else ""
        current.checked_on = checked_on
        current.updated_by = actor
        current.save()
        change.record(
            PathwayEvent.GP_STATUS_RECORDED,
            record=current,
            old=old,
            new=values_of(current, ["status", "practice", "checked_on"]),
        )
    return current


def hospital_attendance_record(
    *,
    person_id: int,
    kind: str,
    attended_on: dt.date,
    source: str,
    reason: str,
    actor,
    channel: str = Channel.WEB,
    today: dt.date | None = None,
) -> HospitalAttendance:
    """Record an emergency department attendance or a hospital admission: the date, who told
    us and the reason category (no clinical detail)."""
    today = today or timezone.localdate()
    errors: dict[str, list[str]] = {}
    if kind not in AttendanceKind.values:
        errors["kind"] = ["Choose an emergency department attendance or a hospital admission"]
    if source not in AttendanceSource.values:
        errors["source"] = ["Choose who told us"]
    if reason not in AttendanceReason.values:
        errors["reason"] = ["Choose the reason"]
    if attended_on in (None, ""):
        errors["attended_on"] = ["Enter the date"]
    else:
        attended_on = _day(attended_on, "attended_on", errors, today)
    if errors:
        raise ValidationError(errors)
    with person_change(actor=actor, person_id=person_id, channel=channel) as change:
        attendance = HospitalAttendance.objects.create(
            person=change.person,
            kind=kind,
            attended_on=attended_on,
            source=source,
            reason=reason,
            recorded_by=actor,
        )
        change.record(
            PathwayEvent.HOSPITAL_ATTENDANCE_RECORDED,
            record=attendance,
            new=values_of(attendance, ["kind", "attended_on", "source", "reason"]),
        )
    return attendance


# ---- the probation reset safeguard ----------------------------------------------------------


class SpoDecisionNeeded(DomainError):
    """Contact cannot be reduced until an SPO's decision is recorded (409). The request is
    kept, so that the SPO's work item is raised; ``reasons`` names why."""

    status = 409
    title = "An SPO's decision is needed"

    def __init__(self, reasons: list[str], reduction_id: int):
        self.reasons = list(reasons)
        self.reduction_id = reduction_id
        labels = "; ".join(str(SafeguardReason(r).label) for r in reasons)
        super().__init__(
            f"Contact cannot be reduced until a senior probation officer's decision is "
            f"recorded: {labels}.",
            field="reasons",
        )
        self.errors = [
            {"field": "reasons", "message": str(SafeguardReason(r).label), "code": r}
            for r in reasons
        ]


def contact_reduction_request(
    *,
    person_id: int,
    kind: str,
    actor,
    channel: str = Channel.WEB,
    today: dt.date | None = None,
) -> ContactReduction:
    """Reduce supervision contact (probation reset, reporting reduced, the final third).

    Where none of the safeguard's conditions holds, it is recorded as reduced. Where one does,
    it is reduced only once an SPO has approved it; until then the request is kept (raising
    the SPO's work item) and ``SpoDecisionNeeded`` (409) names the reasons. A request an SPO
    did not approve ends; asking again starts a new one."""
    today = today or timezone.localdate()
    if kind not in ReductionKind.values:
        raise ValidationError(
            {"kind": ["Choose probation reset, reporting reduced or final third"]}
        )
    with person_change(actor=actor, person_id=person_id, channel=channel) as change:
        person = change.person
        now = timezone.now()
        pending = (
            ContactReduction.objects.select_for_update()
            .filter(
                person=person,
                status__in=[ReductionStatus.AWAITING_DECISION, ReductionStatus.APPROVED],
            )
            .first()
        )
        if pending is not None and pending.status == ReductionStatus.APPROVED:
            pending.status = ReductionStatus.REDUCED
            pending.reduced_at = now
            pending.version += 1
            pending.save()
            change.record(PathwayEvent.CONTACT_REDUCED, record=pending, new={"status": "reduced"})
            return pending
        if pending is not None:
            raise SpoDecisionNeeded(pending.reasons, pending.pk)
        reasons = safeguard_reasons(person.pk, today=today)
        reduction = ContactReduction.objects.create(
            person=person,
            kind=kind,
            status=ReductionStatus.AWAITING_DECISION if reasons else ReductionStatus.REDUCED,
            reasons=reasons,
            requested_by=actor,
            requested_at=now,
            reduced_at=None if reasons else now,
        )
        if not reasons:
            change.record(PathwayEvent.CONTACT_REDUCED, record=reduction, new={"kind": kind})
            return reduction
        change.record(
            PathwayEvent.CONTACT_REDUCTION_REQUESTED,
            record=reduction,
            new={"kind": kind, "reasons": reasons},
        )
    # Committed: the request stands and the SPO's work item is raised; the reduction waits.
    raise SpoDecisionNeeded(reasons, reduction.pk)


def contact_reduction_decide(
    *,
    reduction_id: int,
    approve: bool,
    note: str,
    version=None,
    actor,
    channel: str = Channel.WEB,
) -> ContactReduction:
    """An SPO's (or head of PDU's) recorded decision on a reduction the safeguard stopped."""
    errors: dict[str, list[str]] = {}
    note = _text(note, "note", REASON_MAX, errors)
    if not note and "note" not in errors:
        errors["note"] = ["Give the reasons for the decision"]
    if not isinstance(approve, bool):
        errors["approve"] = ["Say whether contact may be reduced"]
    if errors:
        raise ValidationError(errors)
    with case_record_change(
        ContactReduction.objects,
        pk=reduction_id,
        actor=actor,
        channel=channel,
        capability=Capability.DECIDE_CONTACT_REDUCTION,
    ) as (change, reduction):
        check_version(reduction.version, version)
        if reduction.status != ReductionStatus.AWAITING_DECISION:
            raise IllegalTransition("This reduction is not waiting for a decision.")
        reduction.status = ReductionStatus.APPROVED if approve else ReductionStatus.NOT_APPROVED
        reduction.decided_by = actor
        reduction.decided_at = timezone.now()
        reduction.decision_note = note
        reduction.version += 1
        reduction.save()
        change.record(
            PathwayEvent.CONTACT_REDUCTION_DECIDED,
            record=reduction,
            new={"status": reduction.status},
        )
    return reduction


# ---- feeling safe ---------------------------------------------------------------------------


def office_wish_record(
    *,
    person_id: int,
    not_at_office: bool,
    reasons=(),
    alternatives=(),
    note: str = "",
    version=None,
    actor,
    channel: str = Channel.WEB,
) -> OfficeWish:
    """Record whether the person wants not to be seen at the office, why (safety, health,
    travel) and the alternatives they would accept. ``version`` is 0 when none is recorded."""
    errors: dict[str, list[str]] = {}
    reasons = list(dict.fromkeys(reasons or []))
    alternatives = list(dict.fromkeys(alternatives or []))
    if not isinstance(not_at_office, bool):
        errors["not_at_office"] = ["Say whether the person wants to be seen at the office"]
    if any(r not in OfficeReason.values for r in reasons):
        errors["reasons"] = ["Choose safety, health or travel"]
    if any(a not in OfficeAlternative.values for a in alternatives):
        errors["alternatives"] = ["Choose from the alternatives listed"]
    if not_at_office is True and not reasons and "reasons" not in errors:
        errors["reasons"] = ["Say why the person does not want to be seen at the office"]
    note = _text(note, "note", NOTE_MAX, errors)
    if errors:
        raise ValidationError(errors)
    if not not_at_office:
        reasons, alternatives = [], []
    with person_change(actor=actor, person_id=person_id, channel=channel) as change:
        current = OfficeWish.objects.select_for_update().filter(person=change.person).first()
        check_version(current.version if current else 0, version)
        fields = ["not_at_office", "reasons", "alternatives", "note"]
        old = values_of(current, fields) if current else None
        if current is None:
            current = OfficeWish(person=change.person)
        else:
            current.version += 1
        current.not_at_office = not_at_office
        current.reasons = reasons
        current.alternatives = alternatives
        current.note = note
        current.updated_by = actor
        current.save()
        change.record(
            PathwayEvent.OFFICE_WISH_RECORDED,
            record=current,
            old=old,
            new=values_of(current, fields),
        )
    return current
