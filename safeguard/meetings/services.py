"""Every change to multi-agency meetings: record a meeting, its attendance and its actions.

A meeting is about the people discussed at it, so every change goes through the gate for all of
them at once (``people_change``): the actor must be able to change every one, none may have
died, and the audit entry is written against each. A meeting that is not visible to the actor
is refused (logged) exactly as a missing one is. Attendance and action edits name the version
they started from.
"""

from contextlib import contextmanager
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.utils import timezone

from safeguard.core.audit import Channel
from safeguard.core.capabilities import Capability, require_capability
from safeguard.meetings.audit import MeetingEvent
from safeguard.meetings.models import (
    ActionStatus,
    Meeting,
    MeetingAction,
    MeetingAttendance,
    MeetingType,
)
from safeguard.meetings.selectors import (
    meeting_action_get_for,
    meeting_get_for,
    pdus_in_scope,
)
from safeguard.people.gate import check_version, people_change
from safeguard.referrals.models import Agency

# A meeting may be recorded ahead of time, but not absurdly far ahead (a mistyped year).
FURTHEST_AHEAD = timedelta(days=366)
CHAIR_MAX = 120
DESCRIPTION_MAX = 2000
NOTES_MAX = 4000


def _ids(values, field: str) -> list[int]:
    """Distinct integer ids in the order given; anything else is a ValidationError on ``field``."""
    try:
        return list(dict.fromkeys(int(v) for v in values or []))
    except (TypeError, ValueError) as exc:
        raise ValidationError({field: ["Choose from the list"]}) from exc


@contextmanager
def _meeting_change(actor, meeting_id, channel):
    """The gate for a change to one meeting: found among the meetings the actor may see (404
    otherwise), then every person discussed is locked through ``people_change``, then the
    meeting itself."""
    require_capability(actor, Capability.CHANGE_CASES)
    meeting = meeting_get_for(user=actor, meeting_id=meeting_id, channel=channel)
    person_ids = Meeting.people.through.objects.filter(meeting=meeting).values_list(
        "person_id", flat=True
    )
    with people_change(
        actor=actor, person_ids=list(person_ids), channel=channel, what=f"meeting {meeting.pk}"
    ) as change:
        yield change, Meeting.objects.select_for_update().get(pk=meeting.pk)


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
    require_capability(actor, Capability.CHANGE_CASES)
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

    with people_change(
        actor=actor, person_ids=person_ids, channel=channel, what="meeting"
    ) as change:
        people = change.people
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
        change.record(
            MeetingEvent.RECORDED,
            record=meeting,
            new={"type": meeting_type.code, "held_on": held_on, "agencies": agency_ids},
            detail=f"meeting {meeting.pk}: discussed at {meeting_type.name} on {held_on:%d/%m/%Y}",
        )
    return meeting


def meeting_record_attendance(
    *,
    meeting_id: int,
    attended_agency_ids,
    version: int | None,
    actor,
    channel: str = Channel.WEB,
) -> Meeting:
    """Say which invited agencies came: every invited agency is set to attended or not.
    ``version`` is the meeting's version the page showed: a stale or missing one is refused, so
    that a page opened before someone else recorded attendance cannot reset it."""
    attended = set(_ids(attended_agency_ids, "attended"))
    with _meeting_change(actor, meeting_id, channel) as (change, meeting):
        check_version(meeting.version, version)
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
        before = sorted(
            meeting.attendance.filter(attended=True).values_list("agency_id", flat=True)
        )
        meeting.attendance.filter(agency_id__in=attended, attended=False).update(attended=True)
        meeting.attendance.exclude(agency_id__in=attended).filter(attended=True).update(
            attended=False
        )
        meeting.attendance_recorded_at = timezone.now()
        meeting.version += 1
        meeting.save(update_fields=["attendance_recorded_at", "version"])
        change.record(
            MeetingEvent.ATTENDANCE_RECORDED,
            record=meeting,
            old={"attended": before},
            new={"attended": sorted(attended), "version": meeting.version},
            detail=f"meeting {meeting.pk}: attendance recorded, "
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
    errors: dict[str, list[str]] = {}
    description = (description or "").strip()
    if not description:
        errors["description"] = ["Describe the action"]
    elif len(description) > DESCRIPTION_MAX:
        errors["description"] = [f"The action must be {DESCRIPTION_MAX} characters or fewer"]
    if not isinstance(due_on, date):
        errors["due_on"] = ["Enter the date the action is due"]
    with _meeting_change(actor, meeting_id, channel) as (change, meeting):
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
                person = next((p for p in change.people if p.pk == int(person_id)), None)
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
        change.record(
            MeetingEvent.ACTION_ADDED,
            record=action,
            new={"owner_agency": owner.pk, "due_on": due_on, "person": person and person.pk},
            detail=f"meeting {meeting.pk}: action {action.pk} for {owner.name} due "
            f"{due_on:%d/%m/%Y}",
        )
    return action


def meeting_complete_action(
    *,
    action_id: int,
    completed_on: date,
    version: int | None,
    actor,
    meeting_id: int | None = None,
    channel: str = Channel.WEB,
) -> MeetingAction:
    """Mark an action done. Marking it done a second time is refused, not overwritten, and so
    is a stale or missing ``version``."""
    require_capability(actor, Capability.CHANGE_CASES)
    if meeting_id is None:
        meeting_id = (
            MeetingAction.objects.filter(pk=action_id).values_list("meeting_id", flat=True).first()
        )
    action = meeting_action_get_for(
        user=actor, meeting_id=meeting_id, action_id=action_id, channel=channel
    )
    with _meeting_change(actor, action.meeting_id, channel) as (change, _meeting):
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
        check_version(action.version, version)
        action.status = ActionStatus.DONE
        action.completed_on = completed_on
        action.version += 1
        action.save(update_fields=["status", "completed_on", "version"])
        change.record(
            MeetingEvent.ACTION_COMPLETED,
            record=action,
            old={"status": ActionStatus.OPEN},
            new={"status": ActionStatus.DONE, "completed_on": completed_on},
            detail=f"meeting {action.meeting_id}: action {action.pk} done {completed_on:%d/%m/%Y}",
        )
    return action
