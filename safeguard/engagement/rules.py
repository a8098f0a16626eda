"""Work-item rules about engagement (run by `safeguarding_scan`, and for one case after each
change to it)."""

from datetime import date, datetime, time, timedelta

from django.db.models import (
    Case,
    CharField,
    DateField,
    Exists,
    F,
    OuterRef,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from safeguard.assessments.risk import at_risk_to_self
from safeguard.core.calendar import add_working_days, is_working_day
from safeguard.core.models import Role, Staff, WorkItemPriority
from safeguard.core.workitems import WorkItemRule, candidates_about_people, link_to
from safeguard.engagement.models import Appointment, CheckIn, Outcome, SelfHarmAnswer
from safeguard.engagement.selectors import MOVES_THRESHOLD, probation_moves_count
from safeguard.people.models import Allocation, AllocationReason, Person

WELFARE_LOOKBACK_DAYS = 28
MISSED_CHECK_IN_LOOKBACK_DAYS = 14
HANDOVER_MEET_WITHIN_WORKING_DAYS = 10
# An unmet handover stays open (and shows as overdue) for this many working days after the
# reallocation, then resolves: by then the case is no longer "newly reallocated".
HANDOVER_WINDOW_WORKING_DAYS = 20


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _today(today):
    return Value(today, output_field=DateField())


def team_spo(team_ref: str):
    """The team's senior probation officer (the duty SPO out of hours)."""
    return Subquery(
        Staff.objects.filter(
            role=Role.SENIOR_PROBATION_OFFICER, is_active=True, teams=OuterRef(team_ref)
        )
        .order_by("pk")
        .values("pk")[:1]
    )


# ---- appointments -------------------------------------------------------------------------


def _missed_appointment_welfare(today):
    return candidates_about_people(
        Appointment.objects.filter(
            at_risk_to_self("person_id"),
            outcome=Outcome.FAILED_TO_ATTEND,
            welfare_checked_at__isnull=True,
            outcome_recorded_at__gte=_start_of(today - timedelta(days=WELFARE_LOOKBACK_DAYS)),
        ),
        due_on=today,
    )


MISSED_APPOINTMENT_WELFARE = WorkItemRule(
    code="missed_appointment_welfare",
    title="Missed appointment: check on their welfare today",
    subject_type="appointment",
    candidates=_missed_appointment_welfare,
    priority=WorkItemPriority.URGENT,
    link=link_to("engagement:appointment_welfare", subject="appointment_id"),
    action="They are at risk to themselves and did not come. Contact them today, and record "
    "the welfare check on the appointment.",
)


def _moved_too_often(today):
    return candidates_about_people(
        Person.objects.annotate(probation_moves=probation_moves_count(today)).filter(
            probation_moves__gt=MOVES_THRESHOLD
        ),
        person="",
        due_on=today,
    )


APPOINTMENTS_MOVED_TOO_OFTEN = WorkItemRule(
    code="appointments_moved_by_probation",
    title="Probation cancelled or moved their appointments more than twice in 8 weeks",
    subject_type="person",
    candidates=_moved_too_often,
    priority=WorkItemPriority.SOON,
    link=link_to("engagement:appointments"),
    action="Changes make it harder to keep appointments, especially for neurodivergent people. "
    "Agree a steady time with them and keep to it.",
)


# ---- check-ins ----------------------------------------------------------------------------


def _self_harm(today, check_ins=CheckIn.objects, *, assigned_to=None):
    return candidates_about_people(
        check_ins.filter(self_harm=SelfHarmAnswer.YES, followed_up_at__isnull=True),
        due_on=today,
        assigned_to=assigned_to,
        detail=Value("Said yes to thoughts of harming themselves", output_field=CharField()),
    )


def _check_in_self_harm(today):
    return _self_harm(today)


def _duty_officer(team_ref: str, pdu_ref: str, at_ref: str):
    """Who was on duty when it happened: the team's duty rota, else the PDU's (the rota is the
    alerts area's, looked up by name), else the team's senior probation officer."""
    from django.apps import apps

    rota = apps.get_model("alerts", "DutyRotaEntry").objects.filter(
        starts_at__lte=OuterRef(at_ref), ends_at__gt=OuterRef(at_ref)
    )
    return Coalesce(
        Subquery(rota.filter(team_id=OuterRef(team_ref)).values("staff_id")[:1]),
        Subquery(rota.filter(pdu_id=OuterRef(pdu_ref)).values("staff_id")[:1]),
        team_spo(team_ref),
        output_field=Staff._meta.pk.__class__(),
    )


def _check_in_self_harm_duty(today):
    return _self_harm(
        today,
        CheckIn.objects.filter(out_of_hours=True),
        assigned_to=_duty_officer(
            "person__team_id", "person__team__pdu_id", "self_harm_reported_at"
        ),
    )


CHECK_IN_SELF_HARM = WorkItemRule(
    code="check_in_self_harm",
    title="Check-in: thoughts of self-harm",
    subject_type="check_in",
    candidates=_check_in_self_harm,
    priority=WorkItemPriority.URGENT,
    link=link_to("engagement:check_in", subject="check_in_id"),
    action="Contact them now. They were shown Samaritans (116 123) and NHS 111 option 2. "
    "Review their safety plan, then record what you did on the check-in.",
)

CHECK_IN_SELF_HARM_DUTY = WorkItemRule(
    code="check_in_self_harm_out_of_hours",
    title="Check-in out of hours: thoughts of self-harm (duty officer)",
    subject_type="check_in",
    candidates=_check_in_self_harm_duty,
    priority=WorkItemPriority.URGENT,
    link=link_to("engagement:check_in", subject="check_in_id"),
    action="Sent outside office hours. As the duty officer on the rota (or the team's SPO "
    "when nobody is on duty), make sure someone contacts them now.",
)


def _check_in_call_back(today):
    return candidates_about_people(
        CheckIn.objects.filter(
            call_back=True, completed_at__isnull=False, followed_up_at__isnull=True
        ),
        due_on=today,
    )


CHECK_IN_CALL_BACK = WorkItemRule(
    code="check_in_call_back",
    title="Check-in: they asked for a call back",
    subject_type="check_in",
    candidates=_check_in_call_back,
    priority=WorkItemPriority.TODAY,
    link=link_to("engagement:check_in", subject="check_in_id"),
    action="Call them before their next appointment, then record it on the check-in.",
)


def _check_in_missed(today):
    now = timezone.now()
    return candidates_about_people(
        CheckIn.objects.filter(
            completed_at__isnull=True,
            followed_up_at__isnull=True,
            expires_at__lte=now,
            expires_at__gte=_start_of(today - timedelta(days=MISSED_CHECK_IN_LOOKBACK_DAYS)),
        ),
        due_on=today,
    )


CHECK_IN_MISSED = WorkItemRule(
    code="check_in_missed",
    title="Check-in not answered",
    subject_type="check_in",
    candidates=_check_in_missed,
    priority=WorkItemPriority.TODAY,
    link=link_to("engagement:check_in", subject="check_in_id"),
    action="The link expired without an answer. Get in touch, then record it on the check-in.",
)


# ---- continuity ---------------------------------------------------------------------------


def working_days_back(today: date, days: int) -> date:
    """The date ``days`` working days before ``today``."""
    current, remaining = today, days
    while remaining:
        current -= timedelta(days=1)
        if is_working_day(current):
            remaining -= 1
    return current


def _handover(today):
    window_start = working_days_back(today, HANDOVER_WINDOW_WORKING_DAYS)
    met = Appointment.objects.filter(
        person_id=OuterRef("person_id"),
        practitioner_id=OuterRef("practitioner_id"),
        outcome=Outcome.ATTENDED,
        starts_at__gte=OuterRef("started_on"),
    )
    days = [window_start + timedelta(days=n) for n in range((today - window_start).days + 1)]
    due_on = Case(
        *[
            When(
                started_on=day, then=Value(add_working_days(day, HANDOVER_MEET_WITHIN_WORKING_DAYS))
            )
            for day in days
        ],
        default=_today(today),
        output_field=DateField(),
    )
    return (
        Allocation.objects.filter(
            at_risk_to_self("person_id"),
            ended_on__isnull=True,
            practitioner__isnull=False,
            started_on__gte=window_start,
            started_on__lte=today,
        )
        .exclude(reason=AllocationReason.INITIAL)
        .filter(~Exists(met))
        .annotate(
            wi_subject_id=F("pk"),
            wi_person_id=F("person_id"),
            wi_team_id=F("team_id"),
            wi_assignee_id=F("practitioner_id"),
            wi_due_on=due_on,
        )
        .order_by()
    )


HANDOVER_AFTER_REALLOCATION = WorkItemRule(
    code="handover_after_reallocation",
    title="New case at risk to themselves: meet them and read the safety plan",
    subject_type="allocation",
    candidates=_handover,
    priority=WorkItemPriority.SOON,
    link=link_to("assessments:safety_plan"),
    action="Meet them within 10 working days of taking the case and read their safety plan. "
    "The item clears once an attended appointment with you is recorded.",
)


__all__ = [
    "APPOINTMENTS_MOVED_TOO_OFTEN",
    "CHECK_IN_CALL_BACK",
    "CHECK_IN_MISSED",
    "CHECK_IN_SELF_HARM",
    "CHECK_IN_SELF_HARM_DUTY",
    "HANDOVER_AFTER_REALLOCATION",
    "MISSED_APPOINTMENT_WELFARE",
]
