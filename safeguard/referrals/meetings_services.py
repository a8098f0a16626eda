"""Every change to multi-agency meetings: record a meeting, its attendance and its actions.

Each action is for casework roles only, checks its input before writing anything, locks what it
changes and writes the access log in the same transaction. A meeting that is not visible to the
actor is refused (logged) exactly as a missing one is.
"""

from datetime import date, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from safeguard.core.audit import Action, Channel, access_log_record
from safeguard.people.selectors import visible_people
from safeguard.referrals.meetings_selectors import (
    meeting_action_get_for,
    meeting_get_for,
    pdus_in_scope,
)
from safeguard.referrals.models import (
    ActionStatus,
    Agency,
    Meeting,
    MeetingAction,
    MeetingAttendance,
    MeetingType,
)

# A meeting may be recorded ahead of time, but not absurdly far ahead (a mistyped year).
FURTHEST_AHEAD = timedelta(days=366)
CHAIR_MAX = 120
DESCRIPTION_MAX = 2000
NOTES_MAX = 4000


def _require_casework(actor):
    if not getattr(actor, "can_change_cases", False):
        raise PermissionDenied("Your role can read meetings but not change them.")


def _ids(values, field: str) -> list[int]:
    """Distinct integer ids in the order given; anything else is a ValidationError on ``field``."""
    try:
        return list(dict.fromkeys(int(v) for v in values or []))
    except (TypeError, ValueError) as exc:
        raise ValidationError({field: ["Choose from the list"]}) from exc


def _log(actor, channel, detail, person=None):
    access_log_record(
        actor=actor, action=Action.CHANGE_PERSON, channel=channel, person=person, detail=detail
    )


def meeting_create(
    *,
    meeting_type_code: str,
    held_on: date,
    pdu_id: int,
    chair: str = "",
    notes: str = "",
    person_ids,
    invited_agency_ids,
    actor,
    channel: str = Channel.WEB,
) -> Meeting:
    """Record a meeting, the people discussed and the agencies invited (none attended yet)."""
    _require_casework(actor)
    errors: dict[str, list[str]] = {}
    meeting_type = MeetingType.objects.filter(code=meeting_type_code or "").first()
    if meeting_type is None:
        errors["meeting_type"] = ["Choose the type of meeting"]
    if not isinstance(held_on, date):
        errors["held_on"] = ["Enter the date of the meeting"]
    elif held_on > timezone.localdate() + FURTHEST_AHEAD:
        errors["held_on"] = ["The date of the meeting must be within a year from today"]
    pdu = None
    if str(pdu_id or "").isdigit():
        pdu = pdus_in_scope(actor).select_related("region").filter(pk=int(pdu_id)).first()
    if pdu is None:
        errors["pdu"] = ["Choose a probation delivery unit from the list"]
    chair = (chair or "").strip()
    if len(chair) > CHAIR_MAX:
        errors["chair"] = [f"The chair's name must be {CHAIR_MAX} characters or fewer"]
    notes = (notes or "").strip()
    if len(notes) > NOTES_MAX:
        errors["notes"] = [f"Notes must be {NOTES_MAX} characters or fewer"]
    person_ids = _ids(person_ids, "people")
    if not person_ids:
        errors["people"] = ["Enter the CRN of at least one person discussed"]
    agency_ids = _ids(invited_agency_ids, "agencies")
    agencies = []
    if not agency_ids:
        errors["agencies"] = ["Choose at least one agency invited to the meeting"]
    elif pdu is not None:
        agencies = list(
            Agency.objects.filter(pk__in=agency_ids, active=True, region_id=pdu.region_id)
        )
        if len(agencies) != len(agency_ids):
            errors["agencies"] = [f"Choose agencies in {pdu.region.name}, the region of {pdu.name}"]
    if errors:
        raise ValidationError(errors)

    with transaction.atomic():
        people = list(visible_people(actor).filter(pk__in=person_ids).order_by("pk"))
        if len(people) != len(person_ids):
            raise ValidationError({"people": ["Only people visible to you can be listed"]})
        meeting = Meeting.objects.create(
            meeting_type=meeting_type,
            held_on=held_on,
            pdu=pdu,
            chair=chair,
            notes=notes,
            created_by=actor,
        )
        meeting.people.set(people)
        MeetingAttendance.objects.bulk_create(
            [MeetingAttendance(meeting=meeting, agency=a, attended=False) for a in agencies]
        )
        for person in people:
            _log(
                actor,
                channel,
                f"meeting {meeting.pk}: discussed at {meeting_type.name} on {held_on:%d/%m/%Y}",
                person=person,
            )
    return meeting


def meeting_record_attendance(
    *, meeting_id: int, attended_agency_ids, actor, channel: str = Channel.WEB
) -> Meeting:
    """Say which invited agencies came: every invited agency is set to attended or not.
    Recording the same answer again changes nothing."""
    _require_casework(actor)
    attended = set(_ids(attended_agency_ids, "attended"))
    meeting = meeting_get_for(user=actor, meeting_id=meeting_id, channel=channel)
    with transaction.atomic():
        meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
        if meeting.held_on > timezone.localdate():
            raise ValidationError(
                {"attended": ["Attendance can be recorded once the meeting has taken place"]}
            )
        invited = set(meeting.attendance.values_list("agency_id", flat=True))
        stray = attended - invited
        if stray:
            names = dict(Agency.objects.filter(pk__in=stray).values_list("pk", "name"))
            raise ValidationError(
                {
                    "attended": [
                        f"{names.get(pk, f'Agency {pk}')} was not invited to this meeting"
                        for pk in sorted(stray)
                    ]
                }
            )
        meeting.attendance.filter(agency_id__in=attended, attended=False).update(attended=True)
        meeting.attendance.exclude(agency_id__in=attended).filter(attended=True).update(
            attended=False
        )
        meeting.attendance_recorded_at = timezone.now()
        meeting.save(update_fields=["attendance_recorded_at"])
        _log(
            actor,
            channel,
            f"meeting {meeting.pk}: attendance recorded, "
            f"{len(attended)} of {len(invited)} agencies attended",
        )
    return meeting


def meeting_add_action(
    *,
    meeting_id: int,
    owner_agency_id: int,
    description: str,
    due_on: date,
    person_id: int | None = None,
    actor,
    channel: str = Channel.WEB,
) -> MeetingAction:
    """Add an action agreed at the meeting, owned by an agency that was invited."""
    _require_casework(actor)
    meeting = meeting_get_for(user=actor, meeting_id=meeting_id, channel=channel)
    errors: dict[str, list[str]] = {}
    description = (description or "").strip()
    if not description:
        errors["description"] = ["Describe the action"]
    elif len(description) > DESCRIPTION_MAX:
        errors["description"] = [f"The action must be {DESCRIPTION_MAX} characters or fewer"]
    if not isinstance(due_on, date):
        errors["due_on"] = ["Enter the date the action is due"]
    with transaction.atomic():
        meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
        owner = None
        if str(owner_agency_id or "").isdigit():
            invitation = (
                meeting.attendance.select_related("agency")
                .filter(agency_id=int(owner_agency_id))
                .first()
            )
            owner = invitation.agency if invitation else None
        if owner is None:
            errors["owner_agency"] = ["Choose an agency that was invited to this meeting"]
        if isinstance(due_on, date) and due_on < meeting.held_on:
            errors["due_on"] = ["The due date cannot be before the meeting"]
        person = None
        if person_id not in (None, ""):
            if str(person_id).isdigit():
                person = visible_people(actor).filter(pk=int(person_id), meetings=meeting).first()
            if person is None:
                errors["person"] = ["Choose a person discussed at this meeting"]
        if errors:
            raise ValidationError(errors)
        action = MeetingAction.objects.create(
            meeting=meeting,
            person=person,
            owner_agency=owner,
            description=description,
            due_on=due_on,
        )
        _log(
            actor,
            channel,
            f"meeting {meeting.pk}: action {action.pk} for {owner.name} due {due_on:%d/%m/%Y}",
            person=person,
        )
    return action


def meeting_complete_action(
    *,
    action_id: int,
    completed_on: date,
    actor,
    meeting_id: int | None = None,
    channel: str = Channel.WEB,
) -> MeetingAction:
    """Mark an action done. Marking it done a second time is refused, not overwritten."""
    _require_casework(actor)
    if meeting_id is None:
        meeting_id = (
            MeetingAction.objects.filter(pk=action_id).values_list("meeting_id", flat=True).first()
        )
    action = meeting_action_get_for(
        user=actor, meeting_id=meeting_id, action_id=action_id, channel=channel
    )
    with transaction.atomic():
        action = (
            MeetingAction.objects.select_for_update(of=("self",))
            .select_related("meeting", "person")
            .get(pk=action.pk)
        )
        if action.status == ActionStatus.DONE:
            raise ValidationError(
                {
                    "completed_on": [
                        f"This action was already done on {action.completed_on:%d/%m/%Y}"
                    ]
                }
            )
        if not isinstance(completed_on, date):
            raise ValidationError({"completed_on": ["Enter the date the action was done"]})
        if completed_on > timezone.localdate():
            raise ValidationError({"completed_on": ["The date done cannot be in the future"]})
        if completed_on < action.meeting.held_on:
            raise ValidationError({"completed_on": ["The date done cannot be before the meeting"]})
        action.status = ActionStatus.DONE
        action.completed_on = completed_on
        action.save(update_fields=["status", "completed_on"])
        _log(
            actor,
            channel,
            f"meeting {action.meeting_id}: action {action.pk} done {completed_on:%d/%m/%Y}",
            person=action.person,
        )
    return action
