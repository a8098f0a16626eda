"""Every change to registrations: add, review, end. Each goes through the one gate
(``safeguard.people.gate``): capability, scope, the person not having died, the lock, a typed
audit entry in the same transaction and the work-item refresh after commit."""

from datetime import date

from django.core.exceptions import ValidationError
from django.utils import timezone

from safeguard.core.audit import Channel
from safeguard.core.capabilities import Capability, require_capability
from safeguard.core.dates import add_months
from safeguard.people.gate import case_record_change, person_change
from safeguard.registrations.audit import RegistrationEvent
from safeguard.registrations.models import (
    EndReason,
    RegisterGroup,
    RegisterType,
    Registration,
    RegistrationReview,
    RegistrationStatus,
    ReviewOutcome,
)


def next_review_date(register_type: RegisterType, from_date: date) -> date | None:
    if not register_type.review_months:
        return None
    return add_months(from_date, register_type.review_months)


def _check_level_and_category(register_type, level, category):
    errors = {}
    if register_type.has_category:
        if category not in (1, 2, 3, 4):
            errors["category"] = ["Choose a MAPPA category from 1 to 4"]
    elif category is not None:
        errors["category"] = [f"{register_type.code} does not take a category"]
    if register_type.has_level:
        if level not in (1, 2, 3):
            errors["level"] = ["Choose a MAPPA level from 1 to 3"]
    elif level is not None:
        errors["level"] = [f"{register_type.code} does not take a level"]
    if errors:
        raise ValidationError(errors)


def registration_add(
    *,
    person_id: int,
    code: str,
    start_date: date,
    notes: str = "",
    level: int | None = None,
    category: int | None = None,
    owner=None,
    actor,
    channel: str = Channel.WEB,
) -> Registration:
    """Register a flag on a case. RoSH levels are one at a time and the most recent start date
    wins: a new level ends the active one as superseded at its start, and a back-dated level
    (one that starts before a level already recorded) is recorded as history, ended as
    superseded when the next level began."""
    require_capability(actor, Capability.CHANGE_CASES)
    register_type = RegisterType.objects.filter(code=(code or "").strip().upper()).first()
    if register_type is None:
        raise ValidationError({"code": [f"{code!r} is not a register type"]})
    _check_level_and_category(register_type, level, category)
    today = timezone.localdate()
    if start_date > today:
        raise ValidationError({"start_date": ["The start date must be today or in the past"]})
    with person_change(
        actor=actor, person_id=person_id, channel=channel, delius_owned=True
    ) as change:
        person = change.person
        if start_date < person.date_of_birth:
            raise ValidationError(
                {"start_date": ["The start date must be after the date of birth"]}
            )
        superseded, superseded_by = [], None
        if register_type.group == RegisterGroup.RISK_OF_SERIOUS_HARM:
            # One RoSH level at a time, and the most recent start date wins. A level that
            # starts after this one (current or already history) makes this one history,
            # superseded when the next one began; otherwise this one ends the active levels.
            levels = list(
                Registration.objects.select_for_update()
                .filter(person=person, register_type__group=RegisterGroup.RISK_OF_SERIOUS_HARM)
                .exclude(end_reason=EndReason.ENTERED_IN_ERROR)
                .select_related("register_type")
            )
            later = [r for r in levels if r.start_date > start_date]
            if later:
                superseded_by = min(later, key=lambda r: (r.start_date, r.pk))
            else:
                superseded = [r for r in levels if r.status == RegistrationStatus.ACTIVE]
            for old in superseded:
                _end(
                    old,
                    ended_on=start_date,
                    reason=EndReason.SUPERSEDED,
                    notes=f"Superseded by {register_type.code}",
                    actor=actor,
                )
        registration = Registration(
            person=person,
            register_type=register_type,
            start_date=start_date,
            next_review_date=next_review_date(register_type, start_date),
            notes=notes.strip(),
            owner=owner or actor,
            registering_team=person.team,
            level=level,
            category=category,
        )
        detail = f"registered {register_type.code}"
        if superseded_by is not None:
            later_code = superseded_by.register_type.code
            registration.status = RegistrationStatus.ENDED
            registration.next_review_date = None
            registration.ended_on = superseded_by.start_date
            registration.end_reason = EndReason.SUPERSEDED
            registration.end_notes = (
                f"Back-dated: superseded by {later_code} from "
                f"{superseded_by.start_date.isoformat()}"
            )
            registration._change_reason = "Recorded as history: a later RoSH level exists"
            detail += (
                f" as history (superseded by {later_code} from "
                f"{superseded_by.start_date.isoformat()})"
            )
        registration.save()
        if superseded:
            detail += " (superseded " + ", ".join(r.register_type.code for r in superseded) + ")"
        change.record(
            RegistrationEvent.ADDED,
            record=registration,
            new={
                "code": register_type.code,
                "start_date": start_date,
                "level": level,
                "category": category,
                "superseded": [r.pk for r in superseded],
                "superseded_by": superseded_by.pk if superseded_by else None,
            },
            detail=detail,
        )
    return registration


def _end(registration, *, ended_on, reason, notes, actor):
    registration.status = RegistrationStatus.ENDED
    registration.ended_on = ended_on
    registration.end_reason = reason
    registration.end_notes = notes.strip()
    registration.version += 1
    registration._change_reason = f"Ended: {reason}"
    registration.save(update_fields=["status", "ended_on", "end_reason", "end_notes", "version"])


def registration_end(
    *,
    registration_id: int,
    ended_on: date,
    reason: str,
    notes: str = "",
    actor,
    channel: str = Channel.WEB,
) -> Registration:
    require_capability(actor, Capability.CHANGE_CASES)
    if reason not in EndReason.values:
        raise ValidationError({"reason": ["Choose why the registration is ending"]})
    if ended_on > timezone.localdate():
        raise ValidationError({"ended_on": ["The end date must be today or in the past"]})
    with case_record_change(
        Registration.objects.select_related("register_type"),
        pk=registration_id,
        actor=actor,
        channel=channel,
        delius_owned=True,
    ) as (change, registration):
        if registration.status != RegistrationStatus.ACTIVE:
            raise ValidationError({"registration": ["This registration has already ended"]})
        if ended_on < registration.start_date:
            raise ValidationError({"ended_on": ["The end date must be on or after the start date"]})
        _end(registration, ended_on=ended_on, reason=reason, notes=notes, actor=actor)
        change.record(
            RegistrationEvent.ENDED,
            record=registration,
            old={"status": RegistrationStatus.ACTIVE},
            new={"status": RegistrationStatus.ENDED, "ended_on": ended_on, "reason": reason},
            detail=f"ended {registration.register_type.code} ({reason})",
        )
    return registration


def registration_review(
    *,
    registration_id: int,
    reviewed_on: date,
    outcome: str,
    notes: str = "",
    actor,
    channel: str = Channel.WEB,
) -> RegistrationReview:
    """Record a review. Continuing sets the next review from the register's review period and
    makes the reviewer the owner; ending closes the registration."""
    require_capability(actor, Capability.CHANGE_CASES)
    if outcome not in ReviewOutcome.values:
        raise ValidationError({"outcome": ["Choose the outcome of the review"]})
    if reviewed_on > timezone.localdate():
        raise ValidationError({"reviewed_on": ["The review date must be today or in the past"]})
    with case_record_change(
        Registration.objects.select_related("register_type"),
        pk=registration_id,
        actor=actor,
        channel=channel,
        delius_owned=True,
    ) as (change, registration):
        if registration.status != RegistrationStatus.ACTIVE:
            raise ValidationError({"registration": ["An ended registration cannot be reviewed"]})
        if reviewed_on < registration.start_date:
            raise ValidationError(
                {"reviewed_on": ["The review date must be on or after the start date"]}
            )
        next_date = None
        if outcome == ReviewOutcome.END:
            _end(
                registration,
                ended_on=reviewed_on,
                reason=EndReason.NO_LONGER_APPLIES,
                notes=notes,
                actor=actor,
            )
        else:
            next_date = next_review_date(registration.register_type, reviewed_on)
            registration.next_review_date = next_date
            registration.owner = actor
            registration.version += 1
            registration._change_reason = "Reviewed"
            registration.save(update_fields=["next_review_date", "owner", "version"])
        review = RegistrationReview.objects.create(
            registration=registration,
            reviewed_on=reviewed_on,
            outcome=outcome,
            notes=notes.strip(),
            next_review_date=next_date,
            reviewer=actor,
        )
        change.record(
            RegistrationEvent.REVIEWED,
            record=registration,
            new={"outcome": outcome, "reviewed_on": reviewed_on, "next_review_date": next_date},
            detail=f"reviewed {registration.register_type.code} ({outcome})",
        )
    return review
