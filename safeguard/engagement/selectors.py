"""Reads of engagement records, always through the people the user may see."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import (
    Count,
    DecimalField,
    Exists,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from safeguard.core.audit import access_log_refusal
from safeguard.engagement.models import (
    Appointment,
    CheckIn,
    MovedBy,
    Outcome,
    ReminderPreferences,
    TravelStatus,
    TravelSupportRequest,
)
from safeguard.notify.models import Message
from safeguard.people.models import Allocation, AllocationReason, Person
from safeguard.people.selectors import visible_people

MOVES_WINDOW_DAYS = 56  # 8 weeks
MOVES_THRESHOLD = 2  # more than this many is too many
CONTINUITY_MONTHS = 12


def _refused(user, channel, what):
    access_log_refusal(
        actor=user,
        channel=channel,
        detail=f"{what}: not found or not visible",
    )
    raise Http404("Not found, or not visible to you.")


def visible_appointments(user) -> QuerySet[Appointment]:
    return Appointment.objects.filter(person__in=visible_people(user).values("pk"))


def appointment_get_for(*, user, appointment_id: int, channel: str, for_update=False):
    qs = visible_appointments(user).select_related("person", "practitioner")
    if for_update:
        qs = qs.select_for_update(of=("self",))
    appointment = qs.filter(pk=appointment_id).first()
    if appointment is None:
        _refused(user, channel, f"appointment {appointment_id}")
    return appointment


def check_in_get_for(*, user, check_in_id: int, channel: str, for_update=False):
    qs = CheckIn.objects.filter(person__in=visible_people(user).values("pk")).select_related(
        "person", "message", "followed_up_by"
    )
    if for_update:
        qs = qs.select_for_update(of=("self",))
    check_in = qs.filter(pk=check_in_id).first()
    if check_in is None:
        _refused(user, channel, f"check-in {check_in_id}")
    return check_in


def travel_request_get_for(*, user, request_id: int, channel: str, for_update=False):
    qs = TravelSupportRequest.objects.filter(
        person__in=visible_people(user).values("pk")
    ).select_related("person")
    if for_update:
        qs = qs.select_for_update(of=("self",))
    travel = qs.filter(pk=request_id).first()
    if travel is None:
        _refused(user, channel, f"travel request {request_id}")
    return travel


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def moved_by_probation(appointments=None):
    """Appointments probation cancelled or moved."""
    appointments = Appointment.objects.all() if appointments is None else appointments
    return appointments.filter(
        outcome__in=[Outcome.CANCELLED_BY_PROBATION, Outcome.RESCHEDULED],
        moved_by=MovedBy.PROBATION,
    )


def moves_since(today: date) -> datetime:
    return _start_of(today - timedelta(days=MOVES_WINDOW_DAYS))


def probation_moves_count(today: date):
    """How many of a person's appointments probation cancelled or moved in the last 8 weeks
    (an expression on Person)."""
    moves = (
        Appointment.objects.filter(
            person=OuterRef("pk"),
            outcome__in=[Outcome.CANCELLED_BY_PROBATION, Outcome.RESCHEDULED],
            moved_by=MovedBy.PROBATION,
            outcome_recorded_at__gte=moves_since(today),
        )
        .order_by()
        .values("person")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(moves, output_field=IntegerField()), Value(0))


def people_moved_too_often(people: QuerySet[Person], today: date) -> QuerySet[Person]:
    """People whose appointments probation cancelled or moved more than twice in 8 weeks."""
    return (
        people.annotate(probation_moves=probation_moves_count(today))
        .filter(probation_moves__gt=MOVES_THRESHOLD)
        .order_by("-probation_moves", "last_name", "first_name", "pk")
    )


@dataclass
class PersonEngagement:
    upcoming: list[Appointment]
    past: list[Appointment]
    preferences: ReminderPreferences | None
    probation_moves: int
    practitioner_changes: int
    latest_check_in: CheckIn | None


def person_engagement(*, person, now=None, upcoming_limit=5, past_limit=5) -> PersonEngagement:
    """What the person page shows about engagement, in five queries: only the columns the page
    shows (an appointment's practitioner is not shown; the latest check-in is)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    base = Appointment.objects.filter(person=person).only("pk", "starts_at", "kind", "outcome")
    upcoming = list(
        base.filter(starts_at__gte=now, outcome="").order_by("starts_at", "pk")[:upcoming_limit]
    )
    past = list(
        base.filter(Q(starts_at__lt=now) | ~Q(outcome="")).order_by("-starts_at", "-pk")[
            :past_limit
        ]
    )
    preferences = (
        ReminderPreferences.objects.filter(person=person).only("pk", "consent", "channel").first()
    )
    # Moves by probation in 8 weeks and changes of practitioner in 12 months: one statement.
    counts = (
        practitioner_changes_for(Person.objects.filter(pk=person.pk), today)
        .annotate(probation_moves=probation_moves_count(today))
        .values("probation_moves", "practitioner_changes")
        .first()
    ) or {"probation_moves": 0, "practitioner_changes": 0}
    latest_check_in = (
        CheckIn.objects.filter(person=person)
        .only("pk", "created_at", "completed_at", "self_harm", "expires_at")
        .order_by("-created_at", "-pk")
        .first()
    )
    return PersonEngagement(
        upcoming=upcoming,
        past=past,
        preferences=preferences,
        probation_moves=counts["probation_moves"],
        practitioner_changes=counts["practitioner_changes"],
        latest_check_in=latest_check_in,
    )


def person_appointments(*, person) -> QuerySet[Appointment]:
    return (
        Appointment.objects.filter(person=person)
        .select_related("practitioner", "rescheduled_from", "outcome_recorded_by")
        .order_by("-starts_at", "-pk")
    )


def person_messages(*, person, filters=None) -> QuerySet[Message]:
    messages = Message.objects.filter(person=person).order_by("-scheduled_for", "-pk")
    for key, value in (filters or {}).items():
        if value:
            messages = messages.filter(**{key: value})
    return messages


# ---- continuity ---------------------------------------------------------------------------


def continuity_since(today: date) -> date:
    return today - timedelta(days=365)


def practitioner_changes_for(people: QuerySet[Person], today: date) -> QuerySet[Person]:
    """Annotate ``practitioner_changes``: new allocations in the last 12 months, other than the
    first allocation of the case."""
    changes = (
        Allocation.objects.filter(person=OuterRef("pk"), started_on__gte=continuity_since(today))
        .exclude(reason=AllocationReason.INITIAL)
        .order_by()
        .values("person")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return people.annotate(
        practitioner_changes=Coalesce(Subquery(changes, output_field=IntegerField()), Value(0))
    )


# ---- travel -------------------------------------------------------------------------------


def visible_travel_requests(user) -> QuerySet[TravelSupportRequest]:
    return TravelSupportRequest.objects.filter(person__in=visible_people(user).values("pk"))


def travel_totals_by_pdu(*, user, start: date, end: date):
    """Requests and money per PDU for requests made from ``start`` to ``end`` inclusive."""
    money = DecimalField(max_digits=12, decimal_places=2)
    zero = Value(0, output_field=money)
    rows = (
        visible_travel_requests(user)
        .filter(
            requested_at__gte=_start_of(start), requested_at__lt=_start_of(end + timedelta(days=1))
        )
        .values("pdu__code", "pdu__name")
        .annotate(
            requests=Count("pk"),
            requested=Coalesce(Sum("amount"), zero),
            approved=Coalesce(
                Sum("amount", filter=Q(status__in=[TravelStatus.APPROVED, TravelStatus.PAID])), zero
            ),
            paid=Coalesce(Sum("amount", filter=Q(status=TravelStatus.PAID)), zero),
            waiting=Count("pk", filter=Q(status=TravelStatus.REQUESTED)),
        )
        .order_by("pdu__name")
    )
    return list(rows)


def people_with_open_check_in_flags(people: QuerySet[Person]) -> QuerySet[Person]:
    flagged = CheckIn.objects.filter(person=OuterRef("pk"), followed_up_at__isnull=True).filter(
        Q(self_harm="yes") | Q(call_back=True)
    )
    return people.filter(Exists(flagged))
