"""Every change to registrations: add, review, end. Each locks what it changes, writes the
access log in the same transaction and refreshes the case's work items after commit."""

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from safeguard.core.audit import Action, Channel, access_log_record
from safeguard.core.dates import add_months
from safeguard.core.workitems import refresh_for_person_on_commit
from safeguard.people.deaths import ensure_not_deceased
from safeguard.people.models import Person
from safeguard.people.selectors import visible_people
from safeguard.registrations.models import (
    EndReason,
    RegisterGroup,
    RegisterType,
    Registration,
    RegistrationReview,
    RegistrationStatus,
    ReviewOutcome,
)
from safeguard.registrations.selectors import registration_get_for


def next_review_date(register_type: RegisterType, from_date: date) -> date | None:
    if not register_type.review_months:
        return None
    return add_months(from_date, register_type.review_months)


def _require_casework(actor):
    if not actor.can_change_cases:
        raise PermissionDenied("Your role can read cases but not change them.")


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
    """Register a flag on a case. Adding a RoSH level ends the previous one as superseded."""
    _require_casework(actor)
    register_type = RegisterType.objects.filter(code=(code or "").strip().upper()).first()
    if register_type is None:
        raise ValidationError({"code": [f"{code!r} is not a register type"]})
    _check_level_and_category(register_type, level, category)
    today = timezone.localdate()
    if start_date > today:
        raise ValidationError({"start_date": ["The start date must be today or in the past"]})
    with transaction.atomic():
        person = visible_people(actor).select_for_update().filter(pk=person_id).first()
        if person is None:
            raise Person.DoesNotExist
        ensure_not_deceased(person)
        if start_date < person.date_of_birth:
            raise ValidationError(
                {"start_date": ["The start date must be after the date of birth"]}
            )
        superseded = []
        if register_type.group == RegisterGroup.RISK_OF_SERIOUS_HARM:
            superseded = list(
                Registration.objects.select_for_update().filter(
                    person=person,
                    status=RegistrationStatus.ACTIVE,
                    register_type__group=RegisterGroup.RISK_OF_SERIOUS_HARM,
                )
            )
            for old in superseded:
                _end(
                    old,
                    ended_on=max(start_date, old.start_date),
                    reason=EndReason.SUPERSEDED,
                    notes=f"Superseded by {register_type.code}",
                    actor=actor,
                )
        registration = Registration.objects.create(
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
        if superseded:
            detail += " (superseded " + ", ".join(r.register_type.code for r in superseded) + ")"
        access_log_record(
            actor=actor, action=Action.CHANGE_PERSON, channel=channel, person=person, detail=detail
        )
        refresh_for_person_on_commit(person.pk, today)
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
    _require_casework(actor)
    if reason not in EndReason.values:
        raise ValidationError({"reason": ["Choose why the registration is ending"]})
    if ended_on > timezone.localdate():
        raise ValidationError({"ended_on": ["The end date must be today or in the past"]})
    with transaction.atomic():
        registration = registration_get_for(
            user=actor, registration_id=registration_id, channel=channel, for_update=True
        )
        ensure_not_deceased(registration.person_id)
        if registration.status != RegistrationStatus.ACTIVE:
            raise ValidationError({"registration": ["This registration has already ended"]})
        if ended_on < registration.start_date:
            raise ValidationError({"ended_on": ["The end date must be on or after the start date"]})
        _end(registration, ended_on=ended_on, reason=reason, notes=notes, actor=actor)
        access_log_record(
            actor=actor,
            action=Action.CHANGE_PERSON,
            channel=channel,
            person=registration.person,
            detail=f"ended {registration.register_type.code} ({reason})",
        )
        refresh_for_person_on_commit(registration.person_id, timezone.localdate())
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
    _require_casework(actor)
    if outcome not in ReviewOutcome.values:
        raise ValidationError({"outcome": ["Choose the outcome of the review"]})
    if reviewed_on > timezone.localdate():
        raise ValidationError({"reviewed_on": ["The review date must be today or in the past"]})
    with transaction.atomic():
        registration = registration_get_for(
            user=actor, registration_id=registration_id, channel=channel, for_update=True
        )
        ensure_not_deceased(registration.person_id)
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
        access_log_record(
            actor=actor,
            action=Action.CHANGE_PERSON,
            channel=channel,
            person=registration.person,
            detail=f"reviewed {registration.register_type.code} ({outcome})",
        )
        refresh_for_person_on_commit(registration.person_id, timezone.localdate())
    return review
