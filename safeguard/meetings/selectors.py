"""Reads of multi-agency meetings. Every read starts from ``visible_meetings``.

A meeting belongs to a PDU and is about the people discussed at it. Its notes, chair,
attendance and actions can name a victim or a refuge, so a meeting is visible only to staff
whose scope covers its PDU *and* who may see every person discussed (limited access, another
team's case): to anyone else it does not exist, exactly like a missing one, and lists neither
show it nor count it.
"""

from collections import Counter
from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Exists, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404

from safeguard.core.audit import access_log_refusal
from safeguard.core.models import NATIONAL_ROLES, PDU, Region, Role, Team
from safeguard.meetings.models import (
    ActionStatus,
    Meeting,
    MeetingAction,
    MeetingAttendance,
    MeetingType,
)
from safeguard.people.models import Person
from safeguard.people.selectors import visibility, visible_people
from safeguard.referrals.catalogue import is_responsible_authority_kind
from safeguard.referrals.models import Agency, AgencyKind


def pdus_in_scope(user) -> QuerySet[PDU]:
    """The PDUs whose meetings ``user`` may see: deny by default.

    Practitioners and SPOs: the PDUs of their teams; head of PDU: their PDU; regional lead: the
    PDUs of their region; national lead, inspector and admin: every PDU.
    """
    pdus = PDU.objects.all()
    if not (user and user.is_authenticated and user.is_active and user.role):
        return pdus.none()
    role = user.role
    if role in (Role.PRACTITIONER, Role.SENIOR_PROBATION_OFFICER):
        return pdus.filter(pk__in=Team.objects.filter(members=user).values("pdu_id"))
    if role == Role.HEAD_OF_PDU:
        return pdus.filter(pk=user.pdu_id) if user.pdu_id else pdus.none()
    if role == Role.REGIONAL_LEAD:
        return pdus.filter(region_id=user.region_id) if user.region_id else pdus.none()
    if role in NATIONAL_ROLES:
        return pdus
    return pdus.none()


def meetings_in_pdu_scope(user) -> QuerySet[Meeting]:
    """Meetings held by a PDU in the user's scope, whoever was discussed: only for figures
    that count invitations and attendance and name nobody (the attendance report)."""
    return Meeting.objects.filter(pdu__in=pdus_in_scope(user).values("pk"))


def visible_meetings(user) -> QuerySet[Meeting]:
    """The one scoping function for meetings: held by a PDU in the user's scope, with nobody
    discussed whom the user may not see."""
    someone_hidden = Meeting.people.through.objects.filter(meeting=OuterRef("pk")).exclude(
        visibility(user, via="person")
    )
    return meetings_in_pdu_scope(user).exclude(Exists(someone_hidden))


def regions_in_scope(user) -> QuerySet[Region]:
    return Region.objects.filter(pk__in=pdus_in_scope(user).values("region_id")).order_by("name")


def meeting_types() -> QuerySet[MeetingType]:
    return MeetingType.objects.order_by("name")


def _refuse(user, channel, what: str):
    access_log_refusal(
        actor=user,
        channel=channel,
        detail=f"{what}: not found or not visible",
    )


def meeting_get_for(*, user, meeting_id: int, channel: str) -> Meeting:
    """One meeting the user may see, or Http404 (logged): missing and not visible alike."""
    meeting = (
        visible_meetings(user)
        .select_related("meeting_type", "pdu__region", "created_by")
        .annotate(people_count=_count(Meeting.people.through.objects, "meeting"))
        .filter(pk=meeting_id)
        .first()
    )
    if meeting is None:
        _refuse(user, channel, f"meeting {meeting_id}")
        raise Http404("No such meeting is visible to you.")
    return meeting


def meeting_action_get_for(*, user, meeting_id: int, action_id: int, channel: str) -> MeetingAction:
    action = (
        MeetingAction.objects.filter(
            meeting__in=visible_meetings(user).values("pk"), meeting_id=meeting_id
        )
        .select_related("meeting", "owner_agency")
        .filter(pk=action_id)
        .first()
    )
    if action is None:
        _refuse(user, channel, f"meeting {meeting_id} action {action_id}")
        raise Http404("No such action is visible to you.")
    return action


def _count(related: QuerySet, fk: str, **filters):
    """A correlated COUNT(*) of ``related`` rows pointing at the outer meeting (0 when none)."""
    counted = (
        related.filter(**{fk: OuterRef("pk")}, **filters)
        .order_by()
        .values(fk)
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def meeting_list(
    *,
    user,
    meeting_type_code: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
    pdu_id: int | None = None,
) -> QuerySet[Meeting]:
    """Meetings in scope, newest first, each with its counts and the people discussed
    (``people_list``): a fixed number of queries for any page size."""
    meetings = visible_meetings(user)
    if meeting_type_code:
        meetings = meetings.filter(meeting_type__code=meeting_type_code)
    if date_from:
        meetings = meetings.filter(held_on__gte=date_from)
    if date_to:
        meetings = meetings.filter(held_on__lte=date_to)
    if pdu_id:
        meetings = meetings.filter(pdu_id=pdu_id)
    return (
        meetings.select_related("meeting_type", "pdu")
        .annotate(
            people_count=_count(Meeting.people.through.objects, "meeting"),
            invited_count=_count(MeetingAttendance.objects, "meeting"),
            attended_count=_count(MeetingAttendance.objects, "meeting", attended=True),
            open_actions=_count(MeetingAction.objects, "meeting", status=ActionStatus.OPEN),
        )
        .prefetch_related(
            Prefetch(
                "people",
                queryset=Person.objects.only("pk", "crn", "first_name", "last_name").order_by(
                    "last_name", "first_name", "pk"
                ),
                to_attr="people_list",
            )
        )
        .order_by("-held_on", "-pk")
    )


def person_meetings(*, user, person: Person, limit: int = 20) -> list[Meeting]:
    """The meetings in the user's scope at which ``person`` was discussed, newest first, with
    their open actions counted. The caller has already checked the person.

    Most people were never discussed at a meeting, and the scoped query takes longer to compile
    than to run, so a plain query looks first: one query without meetings, two with."""
    if not Meeting.people.through.objects.filter(person_id=person.pk).exists():
        return []
    return list(
        visible_meetings(user)
        .filter(people=person)
        .select_related("meeting_type", "pdu")
        .annotate(open_actions=_count(MeetingAction.objects, "meeting", status=ActionStatus.OPEN))
        .order_by("-held_on", "-pk")[:limit]
    )


def meeting_people(*, user, meeting: Meeting) -> list[Person]:
    """The people discussed at ``meeting`` (a visible meeting: the user may see them all; the
    scope is applied again so that a meeting fetched some other way cannot leak anyone)."""
    return list(
        visible_people(user)
        .filter(pk__in=Meeting.people.through.objects.filter(meeting=meeting).values("person_id"))
        .order_by("last_name", "first_name", "pk")
    )


def meeting_attendance(*, meeting: Meeting) -> list[MeetingAttendance]:
    return list(
        meeting.attendance.select_related("agency").order_by("agency__kind", "agency__name")
    )


def meeting_actions(*, meeting: Meeting) -> list[MeetingAction]:
    """The meeting's actions, open first. ``person`` is not loaded: the page shows only the
    people the reader may see, by id, from ``meeting_people``."""
    return list(meeting.actions.select_related("owner_agency").order_by("status", "due_on", "pk"))


def invitable_agencies(*, region_ids) -> list[Agency]:
    """Active agencies in the given regions, grouped by kind (for the invitation checkboxes)."""
    return list(
        Agency.objects.filter(active=True, region_id__in=list(region_ids))
        .select_related("region")
        .order_by("kind", "name")
    )


# ---- attendance report ----------------------------------------------------------------------


@dataclass(frozen=True)
class Rate:
    label: str
    invited: int
    attended: int
    meetings: int | None = None
    kind: str = ""
    duty_to_cooperate: bool | None = None
    responsible_authority: bool | None = None

    @property
    def rate(self) -> float | None:
        """Percentage attended, to one decimal place; None when nobody was invited."""
        return round(100 * self.attended / self.invited, 1) if self.invited else None


def _counts():
    return {
        "invited": Count("pk"),
        "attended": Count("pk", filter=Q(attended=True)),
    }


def report_meetings(
    *,
    user,
    date_from: date | None,
    date_to: date | None,
    region_id: int | None = None,
    pdu_id: int | None = None,
) -> QuerySet[Meeting]:
    """Meetings in scope and period that have their attendance recorded. Counted by PDU scope:
    the report gives agencies' attendance rates and names no person or meeting."""
    meetings = meetings_in_pdu_scope(user).filter(attendance_recorded_at__isnull=False)
    if date_from:
        meetings = meetings.filter(held_on__gte=date_from)
    if date_to:
        meetings = meetings.filter(held_on__lte=date_to)
    if region_id:
        meetings = meetings.filter(pdu__region_id=region_id)
    if pdu_id:
        meetings = meetings.filter(pdu_id=pdu_id)
    return meetings


def attendance_figures(
    *,
    user,
    date_from: date | None,
    date_to: date | None,
    region_id: int | None = None,
    pdu_id: int | None = None,
) -> dict:
    """Attendance rate by agency, by meeting type and for duty-to-co-operate agencies (then
    the MAPPA Responsible Authority, the police, and other agencies).

    Each figure is one grouped aggregate query; a meeting counts once its attendance has been
    recorded. ``invited`` counts invitations (one per agency per meeting), ``attended`` those
    the agency came to.
    """
    meetings = report_meetings(
        user=user, date_from=date_from, date_to=date_to, region_id=region_id, pdu_id=pdu_id
    )
    rows = MeetingAttendance.objects.filter(meeting__in=meetings.values("pk")).order_by()

    kind_labels = dict(AgencyKind.choices)
    by_agency = [
        Rate(
            label=row["agency__name"],
            invited=row["invited"],
            attended=row["attended"],
            kind=kind_labels.get(row["agency__kind"], row["agency__kind"]),
            duty_to_cooperate=row["agency__is_duty_to_cooperate"],
            responsible_authority=is_responsible_authority_kind(row["agency__kind"]),
        )
        for row in rows.values(
            "agency_id", "agency__name", "agency__kind", "agency__is_duty_to_cooperate"
        )
        .annotate(**_counts())
        .order_by("-invited", "agency__name")
    ]
    by_type = [
        Rate(
            label=row["meeting__meeting_type__name"],
            invited=row["invited"],
            attended=row["attended"],
            meetings=row["meetings"],
        )
        for row in rows.values("meeting__meeting_type_id", "meeting__meeting_type__name")
        .annotate(meetings=Count("meeting_id", distinct=True), **_counts())
        .order_by("meeting__meeting_type__name")
    ]
    # MAPPA roles: duty-to-co-operate agencies, the Responsible Authority (the police here:
    # prisons and probation are the rest of it) and every other agency.
    split = {"duty": Counter(), "responsible": Counter(), "other": Counter()}
    for row in rows.values("agency__is_duty_to_cooperate", "agency__kind").annotate(**_counts()):
        if row["agency__is_duty_to_cooperate"]:
            group = "duty"
        elif is_responsible_authority_kind(row["agency__kind"]):
            group = "responsible"
        else:
            group = "other"
        split[group].update(invited=row["invited"], attended=row["attended"])
    totals = rows.aggregate(meetings=Count("meeting_id", distinct=True), **_counts())

    def _split_rate(label, group):
        counts = split[group]
        return Rate(label=label, invited=counts["invited"], attended=counts["attended"])

    duty = [
        _split_rate("Duty-to-co-operate agencies", "duty"),
        _split_rate("Responsible Authority (police)", "responsible"),
        _split_rate("Other agencies", "other"),
        Rate(
            label="All agencies",
            invited=totals["invited"] or 0,
            attended=totals["attended"] or 0,
            meetings=totals["meetings"] or 0,
        ),
    ]
    return {
        "by_agency": by_agency,
        "by_type": by_type,
        "duty_to_cooperate": duty,
        "meetings": totals["meetings"] or 0,
    }
