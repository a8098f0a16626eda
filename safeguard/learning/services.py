"""Every change to deaths, their reviews and training records: one function per action. Each
locks what it changes and writes the access log in the same transaction."""

import datetime as dt
from contextlib import contextmanager

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from safeguard.core.audit import Action, Channel, access_log_record
from safeguard.core.capabilities import Capability, has_capability, require_capability
from safeguard.core.errors import IllegalTransition, StaleEdit  # noqa: F401 (re-exported)
from safeguard.learning.audit import BoardPackEvent, DeathEvent, ReviewEvent
from safeguard.learning.models import (
    ALLOWED_TRANSITIONS,
    SUPERVISION_TYPE_FOR_SENTENCE,
    ActionStatus,
    AgencyType,
    BoardPackShare,
    CaseSnapshot,
    Circumstances,
    DeathNotification,
    DeathReview,
    HowNotified,
    Reclassification,
    ReviewAction,
    ReviewFactor,
    ReviewStatus,
    ReviewTransition,
    SupervisionType,
    SystemicFactor,
)
from safeguard.learning.selectors import (
    board_pack_regions,
    board_pack_share_get_for,
    case_snapshot,
    practitioner_conflict,
)
from safeguard.people.deaths import person_close_on_death
from safeguard.people.gate import case_record_change, check_version, person_change
from safeguard.people.selectors import visible_people

MAX_TEXT = 4000
EARLIEST_DATE = dt.date(2000, 1, 1)


class AlreadyRecorded(IllegalTransition):
    """A death is already recorded for this person."""


def _text(value, name, errors, *, required=False, max_length=MAX_TEXT, message=None):
    value = (value or "").strip()
    if required and not value:
        errors[name] = [message or f"Enter the {name.replace('_', ' ')}"]
    elif len(value) > max_length:
        errors[name] = [f"Use {max_length} characters or fewer"]
    return value


# ---- death notification ---------------------------------------------------------------------


def on_death_hooks():
    from safeguard.core import registry  # each area registers its hooks in AppConfig.ready()

    return list(registry.on_death)


def death_notification_record(
    *,
    person_id: int,
    date_of_death: dt.date,
    date_notified: dt.date,
    how_notified: str,
    circumstances: str,
    place: str = "",
    how_notified_detail: str = "",
    supervision_type: str | None = None,
    actor,
    channel: str = Channel.WEB,
    now=None,
) -> DeathNotification:
    """Record a death. In one transaction: the notification, an immutable snapshot of the case
    as it stood, a review in state "notified", the access log, and every hook in
    ``registry.on_death`` (which close the person's open work, reminders and
    check-ins). The snapshot is taken before the hooks run, so it shows what was open."""
    require_capability(actor, Capability.CHANGE_CASES)
    now = now or timezone.now()
    today = timezone.localdate(now)
    errors = {}
    if date_of_death is None:
        errors["date_of_death"] = ["Enter the date of death"]
    elif date_of_death > today:
        errors["date_of_death"] = ["The date of death must be today or in the past"]
    if date_notified is None:
        errors["date_notified"] = ["Enter the date probation learned of the death"]
    elif date_notified > today:
        errors["date_notified"] = [
            "The date probation learned of the death must not be in the future"
        ]
    elif date_of_death and date_notified < date_of_death:
        errors["date_notified"] = ["Probation cannot learn of a death before the date of death"]
    if how_notified not in HowNotified.values:
        errors["how_notified"] = ["Choose how probation learned of the death"]
    if circumstances not in Circumstances.values:
        errors["circumstances"] = ["Choose the apparent circumstances"]
    if supervision_type and supervision_type not in SupervisionType.values:
        errors["supervision_type"] = ["Choose court order or post-release supervision"]
    place = _text(place, "place", errors, max_length=200)
    how_notified_detail = _text(how_notified_detail, "how_notified_detail", errors, max_length=200)
    if how_notified == HowNotified.OTHER and not how_notified_detail:
        errors["how_notified_detail"] = ["Say how probation learned of the death"]
    if errors:
        raise ValidationError(errors)

    # The gate lets this one change through a closed record, to say it is already recorded.
    with person_change(
        actor=actor, person_id=person_id, channel=channel, allow_closed=True
    ) as change:
        person = change.person
        if person.has_died or DeathNotification.objects.filter(person=person).exists():
            raise AlreadyRecorded("A death is already recorded for this person.")
        if date_of_death < person.date_of_birth:
            raise ValidationError(
                {"date_of_death": ["The date of death must be after the date of birth"]}
            )
        facts = case_snapshot(person_id=person.pk, date_of_death=date_of_death, now=now)
        notification = DeathNotification.objects.create(
            person=person,
            date_of_death=date_of_death,
            date_notified=date_notified,
            how_notified=how_notified,
            how_notified_detail=how_notified_detail,
            circumstances=circumstances,
            place=place,
            supervision_type=supervision_type
            or SUPERVISION_TYPE_FOR_SENTENCE.get(person.sentence_type, SupervisionType.COURT_ORDER),
            region_id=person.pdu.region_id,
            pdu_id=person.pdu_id,
            team_id=person.team_id,
            practitioner_at_death_id=person.practitioner_id,
            recorded_by=actor,
        )
        CaseSnapshot.objects.create(
            notification=notification,
            data=facts.data,
            sex=facts.sex,
            ethnicity=facts.ethnicity,
            age_at_death=facts.age_at_death,
            accommodation_status=facts.accommodation_status,
            days_since_release=facts.days_since_release,
        )
        DeathReview.objects.create(notification=notification)
        # The snapshot above shows the case as it stood; from here the record is closed.
        person_close_on_death(person=person, died_on=date_of_death)
        change.record(
            DeathEvent.RECORDED,
            record=notification,
            new={"date_of_death": date_of_death, "circumstances": circumstances},
        )
        for hook in on_death_hooks():
            hook(person.pk, actor)
    return notification


def death_reclassify(
    *, review_id: int, circumstances: str, reason: str, actor, channel: str = Channel.WEB
) -> DeathNotification:
    """Change the recorded circumstances, keeping the history (an inquest's finding, say)."""
    errors = {}
    if circumstances not in Circumstances.values:
        errors["circumstances"] = ["Choose the circumstances"]
    reason = _text(reason, "reason", errors, required=True, message="Say why it has changed")
    if errors:
        raise ValidationError(errors)
    with _review_change(actor, review_id, channel) as (change, review):
        if (
            not has_capability(actor, Capability.QUALITY_ASSURE_REVIEWS)
            and actor != review.reviewer
        ):
            raise PermissionDenied("Only the reviewer or a manager can reclassify a death.")
        notification = DeathNotification.objects.select_for_update().get(pk=review.notification_id)
        if notification.circumstances == circumstances:
            raise ValidationError({"circumstances": ["That is already the recorded circumstance"]})
        Reclassification.objects.create(
            notification=notification,
            from_circumstances=notification.circumstances,
            to_circumstances=circumstances,
            reason=reason,
            changed_by=actor,
        )
        old = notification.circumstances
        notification.circumstances = circumstances
        notification.version += 1
        notification.save(update_fields=["circumstances", "version"])
        change.record(
            DeathEvent.RECLASSIFIED,
            record=review,
            old={"circumstances": old},
            new={"circumstances": circumstances},
            detail=f"death reclassified {old} -> {circumstances}",
        )
    return notification


# ---- the review -----------------------------------------------------------------------------


@contextmanager
def _review_change(actor, review_id, channel, capability=Capability.REVIEW_DEATHS):
    """The gate, for a change to the review of a death: the record is closed for casework, but
    reviewing the death is the one kind of change that goes on after it (``allow_closed``)."""
    with case_record_change(
        DeathReview.objects.select_related("notification__person", "reviewer"),
        pk=review_id,
        actor=actor,
        person_field="notification__person",
        capability=capability,
        channel=channel,
        allow_closed=True,
    ) as (change, review):
        yield change, review


def _check_independent(staff, review, field_name, what):
    n = review.notification
    if practitioner_conflict(staff=staff, person_id=n.person_id, date_of_death=n.date_of_death):
        raise ValidationError(
            {
                field_name: [
                    f"{staff.display_name} held this case in the 12 months before the death and "
                    f"cannot {what}"
                ]
            }
        )


def review_transition(
    *,
    review_id: int,
    to: str,
    actor,
    reviewer=None,
    note: str = "",
    channel: str = Channel.WEB,
) -> DeathReview:
    """Move a review on: notified → in review (with an independent reviewer) → quality assured
    (by someone else, independent too) → closed; quality assurance may send it back."""
    if to not in ReviewStatus.values:
        raise ValidationError({"to": [f"{to!r} is not a review state"]})
    errors = {}
    note = _text(note, "note", errors)
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    with _review_change(actor, review_id, channel) as (change, review):
        current = review.status
        if to not in ALLOWED_TRANSITIONS[ReviewStatus(current)]:
            raise IllegalTransition(
                f"A review that is {ReviewStatus(current).label.lower()} cannot move to "
                f"{ReviewStatus(to).label.lower()}"
            )
        fields = ["status", "version"]
        if current == ReviewStatus.NOTIFIED:  # → in review
            reviewer = reviewer or actor
            if not has_capability(actor, Capability.REVIEW_DEATHS):
                raise PermissionDenied("Your role cannot start a review.")
            if reviewer != actor and not has_capability(actor, Capability.QUALITY_ASSURE_REVIEWS):
                raise PermissionDenied("Only a manager can give a review to someone else.")
            if not has_capability(reviewer, Capability.REVIEW_DEATHS) or not reviewer.is_active:
                raise ValidationError(
                    {"reviewer": ["Choose someone in a role that reviews deaths"]}
                )
            if not visible_people(reviewer).filter(pk=review.notification.person_id).exists():
                raise ValidationError({"reviewer": ["The reviewer must be able to see this case"]})
            _check_independent(reviewer, review, "reviewer", "review the death")
            review.reviewer = reviewer
            review.started_at = now
            fields += ["reviewer", "started_at"]
        elif to == ReviewStatus.QUALITY_ASSURED:
            _check_manager(actor, review, "quality-assure the review")
            missing = {}
            if not review.summary.strip():
                missing["summary"] = ["Write the summary of findings before quality assurance"]
            if not review.learning.strip():
                missing["learning"] = ["Write the systemic learning before quality assurance"]
            if missing:
                raise ValidationError(missing)
            review.quality_assured_by = actor
            review.quality_assured_at = now
            fields += ["quality_assured_by", "quality_assured_at"]
        elif to == ReviewStatus.IN_REVIEW:  # sent back from quality assurance
            _check_manager(actor, review, "send the review back")
            if not note:
                raise ValidationError({"note": ["Say what more the review needs"]})
            review.quality_assured_by = None
            review.quality_assured_at = None
            fields += ["quality_assured_by", "quality_assured_at"]
        elif to == ReviewStatus.CLOSED:
            _check_manager(actor, review, "close the review")
            review.closed_by = actor
            review.closed_at = now
            fields += ["closed_by", "closed_at"]
        review.status = to
        review.version += 1
        review.save(update_fields=fields)
        ReviewTransition.objects.create(
            review=review, from_status=current, to_status=to, note=note, by=actor
        )
        detail = f"death review {review.pk}: {current} -> {to}"
        if to == ReviewStatus.IN_REVIEW and current == ReviewStatus.NOTIFIED:
            detail += f" (reviewer {review.reviewer.username})"
        change.record(
            ReviewEvent.MOVED,
            record=review,
            old={"status": current},
            new={"status": to},
            detail=detail,
        )
    return review


def _check_manager(actor, review, what):
    if not has_capability(actor, Capability.QUALITY_ASSURE_REVIEWS):
        raise PermissionDenied(f"Your role cannot {what}.")
    if review.reviewer_id == actor.pk:
        raise PermissionDenied(f"The reviewer cannot {what}: someone else must.")
    n = review.notification
    if practitioner_conflict(staff=actor, person_id=n.person_id, date_of_death=n.date_of_death):
        raise PermissionDenied(
            f"You held this case in the 12 months before the death and cannot {what}."
        )


def _reviewer_in_review(review, actor):
    if review.status != ReviewStatus.IN_REVIEW:
        raise IllegalTransition("The review can only be changed while it is in review")
    if review.reviewer_id != actor.pk:
        raise PermissionDenied("Only the reviewer can change the review.")


def review_factor_code(
    *, review_id: int, factor: str, evidence: str, actor, channel: str = Channel.WEB
) -> tuple[ReviewFactor, bool]:
    """Code a contributing factor with its evidence (coding it again replaces the evidence)."""
    errors = {}
    chosen = SystemicFactor.objects.filter(code=(factor or "").strip().upper(), active=True).first()
    if chosen is None:
        errors["factor"] = [f"{factor!r} is not a systemic factor"]
    evidence = _text(
        evidence, "evidence", errors, required=True, message="Enter the evidence for the factor"
    )
    if errors:
        raise ValidationError(errors)
    with _review_change(actor, review_id, channel) as (change, review):
        _reviewer_in_review(review, actor)
        coded, created = ReviewFactor.objects.update_or_create(
            review=review, factor=chosen, defaults={"evidence": evidence, "coded_by": actor}
        )
        change.record(
            ReviewEvent.FACTOR_CODED,
            record=review,
            new={"factor": chosen.code},
            detail=f"death review {review.pk}: factor {chosen.code} coded",
        )
    return coded, created


def review_factor_remove(
    *, review_id: int, factor_id: int, actor, channel: str = Channel.WEB
) -> None:
    with _review_change(actor, review_id, channel) as (change, review):
        _reviewer_in_review(review, actor)
        deleted, _ = ReviewFactor.objects.filter(review=review, pk=factor_id).delete()
        if not deleted:
            raise ValidationError({"factor": ["That factor is not coded on this review"]})
        change.record(
            ReviewEvent.FACTOR_REMOVED,
            record=review,
            old={"factor": factor_id},
            detail=f"death review {review.pk}: factor removed",
        )


def review_findings_update(
    *,
    review_id: int,
    version: int,
    summary: str,
    learning: str,
    individual_practice: str = "",
    actor,
    channel: str = Channel.WEB,
) -> DeathReview:
    errors = {}
    summary = _text(summary, "summary", errors, max_length=10000)
    learning = _text(learning, "learning", errors, max_length=10000)
    individual_practice = _text(individual_practice, "individual_practice", errors)
    if errors:
        raise ValidationError(errors)
    with _review_change(actor, review_id, channel) as (change, review):
        _reviewer_in_review(review, actor)
        check_version(review.version, version)
        review.summary = summary
        review.learning = learning
        review.individual_practice = individual_practice
        review.version += 1
        review.save(update_fields=["summary", "learning", "individual_practice", "version"])
        change.record(
            ReviewEvent.FINDINGS_UPDATED,
            record=review,
            new={"version": review.version},
            detail=f"death review {review.pk}: findings updated",
        )
    return review


def review_action_add(
    *,
    review_id: int,
    agency_type: str,
    owner: str,
    description: str,
    due_on: dt.date,
    agency: str = "",
    factor: str = "",
    actor,
    channel: str = Channel.WEB,
) -> ReviewAction:
    errors = {}
    if agency_type not in AgencyType.values:
        errors["agency_type"] = ["Choose the agency the action is for"]
    agency = _text(agency, "agency", errors, max_length=160)
    owner = _text(owner, "owner", errors, required=True, max_length=160)
    description = _text(
        description, "description", errors, required=True, message="Describe the action"
    )
    if due_on is None:
        errors["due_on"] = ["Enter the date the action is due"]
    elif due_on < timezone.localdate():
        errors["due_on"] = ["The due date must be today or in the future"]
    chosen = None
    if factor:
        chosen = SystemicFactor.objects.filter(code=factor.strip().upper()).first()
        if chosen is None:
            errors["factor"] = [f"{factor!r} is not a systemic factor"]
    if errors:
        raise ValidationError(errors)
    with _review_change(actor, review_id, channel) as (change, review):
        _reviewer_in_review(review, actor)
        action = ReviewAction.objects.create(
            review=review,
            factor=chosen,
            agency_type=agency_type,
            agency=agency,
            owner=owner,
            description=description,
            due_on=due_on,
            created_by=actor,
        )
        change.record(
            ReviewEvent.ACTION_ADDED,
            record=review,
            new={"action": action.pk, "agency_type": agency_type, "due_on": due_on},
            detail=f"death review {review.pk}: action for {agency_type} added",
        )
    return action


def review_action_complete(
    *, review_id: int, action_id: int, completed_on: dt.date, actor, channel: str = Channel.WEB
) -> ReviewAction:
    """Actions go on after the review closes: the reviewer or a manager marks them done."""
    if completed_on is None or completed_on > timezone.localdate():
        raise ValidationError({"completed_on": ["The date done must be today or in the past"]})
    with _review_change(actor, review_id, channel) as (change, review):
        if (
            not has_capability(actor, Capability.QUALITY_ASSURE_REVIEWS)
            and review.reviewer_id != actor.pk
        ):
            raise PermissionDenied("Only the reviewer or a manager can record an action as done.")
        action = (
            ReviewAction.objects.select_for_update().filter(review=review, pk=action_id).first()
        )
        if action is None:
            raise ValidationError({"action": ["No such action on this review"]})
        if action.status == ActionStatus.DONE:
            raise IllegalTransition("That action is already done")
        if completed_on < _local(action.created_at):
            raise ValidationError(
                {"completed_on": ["The date done must be on or after the action was agreed"]}
            )
        action.status = ActionStatus.DONE
        action.completed_on = completed_on
        action.save(update_fields=["status", "completed_on"])
        change.record(
            ReviewEvent.ACTION_COMPLETED,
            record=review,
            new={"action": action.pk, "completed_on": completed_on},
            detail=f"death review {review.pk}: action {action.pk} done",
        )
    return action


def _local(moment):
    return timezone.localtime(moment).date()


# ---- board packs shared with boards ---------------------------------------------------------

BOARD_MAX = 160


def board_pack_share_record(
    *,
    region_id: int,
    period_from: dt.date,
    period_to: dt.date,
    board: str,
    shared_on: dt.date,
    actor,
    channel: str = Channel.WEB,
) -> BoardPackShare:
    """Record that the board pack for a region and period was shared with a board. A head of
    PDU's pack is their PDU's (the figures they see); the region must be one the actor's
    packs cover. Audited; the record keeps its history."""
    require_capability(actor, Capability.RECORD_BOARD_PACKS)
    board = (board or "").strip()
    errors: dict[str, list[str]] = {}
    if not board:
        errors["board"] = ["Enter the name of the board"]
    elif len(board) > BOARD_MAX:
        errors["board"] = [f"The name of the board must be {BOARD_MAX} characters or fewer"]
    region = board_pack_regions(actor).filter(pk=region_id).first() if region_id else None
    if region is None:
        errors["region"] = ["Choose a region whose board packs you can see"]
    today = timezone.localdate()
    if not isinstance(period_from, dt.date):
        errors["period_from"] = ["Enter the start of the period the pack covers"]
    if not isinstance(period_to, dt.date):
        errors["period_to"] = ["Enter the end of the period the pack covers"]
    elif isinstance(period_from, dt.date) and period_to < period_from:
        errors["period_to"] = ["The end of the period must be after its start"]
    if not isinstance(shared_on, dt.date):
        errors["shared_on"] = ["Enter the date the pack was shared"]
    elif shared_on > today:
        errors["shared_on"] = ["The date shared must be today or in the past"]
    elif isinstance(period_to, dt.date) and shared_on < period_to:
        errors["shared_on"] = ["The date shared must be on or after the end of the period"]
    if errors:
        raise ValidationError(errors)
    from safeguard.core.models import Role

    pdu_id = actor.pdu_id if actor.role == Role.HEAD_OF_PDU else None
    with transaction.atomic():
        share = BoardPackShare.objects.create(
            region=region,
            pdu_id=pdu_id,
            period_from=period_from,
            period_to=period_to,
            board=board,
            shared_on=shared_on,
            recorded_by=actor,
        )
        access_log_record(
            actor=actor,
            action=Action.CHANGE_PERSON,
            channel=channel,
            detail=f"board pack {region.code} shared with {board}"[:200],
            event=BoardPackEvent.SHARED,
            changes={
                "record": f"boardpackshare:{share.pk}",
                "new": {
                    "region": region.code,
                    "pdu": pdu_id,
                    "period_from": period_from.isoformat(),
                    "period_to": period_to.isoformat(),
                    "board": board,
                    "shared_on": shared_on.isoformat(),
                },
            },
        )
    return share


def board_pack_response_record(
    *,
    share_id: int,
    response: str,
    responded_on: dt.date,
    version: int | None,
    actor,
    channel: str = Channel.WEB,
) -> BoardPackShare:
    """Record what the board decided about a pack (or correct it: the history keeps the
    earlier answer). A stale page is refused."""
    require_capability(actor, Capability.RECORD_BOARD_PACKS)
    response = (response or "").strip()
    errors: dict[str, list[str]] = {}
    if not response:
        errors["response"] = ["Enter what the board decided"]
    elif len(response) > MAX_TEXT:
        errors["response"] = [f"The response must be {MAX_TEXT} characters or fewer"]
    if not isinstance(responded_on, dt.date):
        errors["responded_on"] = ["Enter the date of the board's response"]
    elif responded_on > timezone.localdate():
        errors["responded_on"] = ["The date of the response must be today or in the past"]
    with transaction.atomic():
        share = board_pack_share_get_for(
            user=actor, share_id=share_id, channel=channel, for_update=True
        )
        if isinstance(responded_on, dt.date) and responded_on < share.shared_on:
            errors.setdefault(
                "responded_on", ["The date of the response must be on or after it was shared"]
            )
        if errors:
            raise ValidationError(errors)
        if version != share.version:
            raise StaleEdit()
        old = {"response": share.response, "responded_on": _iso_or_none(share.responded_on)}
        share.response = response
        share.responded_on = responded_on
        share.version += 1
        share._change_reason = "Board's response recorded"
        share.save(update_fields=["response", "responded_on", "version"])
        access_log_record(
            actor=actor,
            action=Action.CHANGE_PERSON,
            channel=channel,
            detail=f"board pack {share.region.code} shared with {share.board}: response"[:200],
            event=BoardPackEvent.RESPONSE_RECORDED,
            changes={
                "record": f"boardpackshare:{share.pk}",
                "old": old,
                "new": {"response": response, "responded_on": responded_on.isoformat()},
            },
        )
    return share


def _iso_or_none(day):
    return day.isoformat() if day else None
