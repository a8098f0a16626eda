"""Staff pages for appointments, reminders, check-ins and travel support (thin: the work is in
services and selectors)."""

import datetime as dt

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from safeguard.core import registry
from safeguard.core.audit import Action, Channel, access_log_record
from safeguard.core.capabilities import Capability, has_capability, requires
from safeguard.core.dates import govuk_time
from safeguard.core.errors import DomainError
from safeguard.core.forms import add_service_errors, posted, submit_form
from safeguard.core.models import Role, Team
from safeguard.engagement import checkins, plan_links, selectors, services
from safeguard.engagement.forms import (
    LEAD_TIME_CHOICES,
    AppointmentForm,
    CancelForm,
    CheckInForm,
    ConfirmForm,
    FollowUpForm,
    OutcomeForm,
    ReminderPreferencesForm,
    RescheduleForm,
    SafetyPlanSendForm,
    TravelDecisionForm,
    TravelRequestForm,
    TravelTotalsForm,
    WelfareCheckForm,
)
from safeguard.engagement.models import (
    DEFAULT_LEAD_TIMES,
    HELP_TOPICS,
    Appointment,
    CheckIn,
    CheckInSchedule,
    Outcome,
    ReminderPreferences,
    TravelSupportRequest,
)
from safeguard.notify.models import Channel as MessageChannel
from safeguard.notify.models import MessageStatus
from safeguard.people.selectors import person_get_for, visible_people

PAGE_SIZE = 50


def _person(request, crn, *, change=False):
    person = person_get_for(user=request.user, crn=crn, channel=Channel.WEB)
    if change and not request.user.can_change_cases:
        raise PermissionDenied
    return person


def _appointment_of(request, person, appointment_id):
    appointment = selectors.appointment_get_for(
        user=request.user, appointment_id=appointment_id, channel=Channel.WEB
    )
    if appointment.person_id != person.pk:
        raise Http404
    return appointment


def _appointments_url(person):
    return reverse("engagement:appointments", kwargs={"crn": person.crn})


def _travel_url(person):
    return reverse("engagement:travel", kwargs={"crn": person.crn})


def _form_page(request, person, form, *, title, submit, intro="", appointment=None):
    return render(
        request,
        "engagement/form_page.html",
        {
            "person": person,
            "form": form,
            "title": title,
            "submit": submit,
            "intro": intro,
            "appointment": appointment,
        },
    )


# ---- appointments -------------------------------------------------------------------------


@require_http_methods(["GET"])
@requires(Capability.READ_CASES)
def appointments(request, crn):
    person = _person(request, crn)
    now = timezone.now()
    all_appointments = list(selectors.person_appointments(person=person))
    upcoming = sorted(
        (a for a in all_appointments if a.is_open and a.starts_at >= now), key=lambda a: a.starts_at
    )
    past = [a for a in all_appointments if not (a.is_open and a.starts_at >= now)]
    page = Paginator(past, PAGE_SIZE).get_page(request.GET.get("page"))
    preferences = ReminderPreferences.objects.filter(person=person).first()
    engagement = selectors.person_engagement(person=person, now=now, upcoming_limit=0, past_limit=0)
    return render(
        request,
        "engagement/appointments.html",
        {
            "person": person,
            "upcoming": upcoming,
            "page": page,
            "preferences": preferences,
            "probation_moves": engagement.probation_moves,
            "can_change": request.user.can_change_cases,
            "now": now,
        },
    )


@require_http_methods(["GET", "POST"])
@requires(Capability.CHANGE_CASES)
def appointment_add(request, crn):
    person = _person(request, crn, change=True)
    form = AppointmentForm(request.POST or None, initial={"duration_minutes": 60})
    if request.method == "POST" and form.is_valid():
        try:
            services.appointment_create(
                person_id=person.pk,
                kind=form.cleaned_data["kind"],
                starts_at=form.starts_at(),
                duration_minutes=form.cleaned_data["duration_minutes"],
                location=form.cleaned_data["location"],
                actor=request.user,
            )
        except (ValidationError, DomainError) as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, "Appointment booked")
            return redirect("engagement:appointments", crn=person.crn)
    # What other areas ask the booker to see first (the wish not to be seen at the office).
    notices = [
        n for n in (build(request, person) for build in registry.appointment_booking_notices) if n
    ]
    return render(
        request,
        "engagement/form_page.html",
        {
            "person": person,
            "form": form,
            "title": "Book an appointment",
            "submit": "Book appointment",
            "notices": notices,
        },
    )


def _add_errors(form, exc):
    """Service errors about ``starts_at`` belong to the date field on the page."""
    if hasattr(exc, "error_dict") and "starts_at" in exc.error_dict:
        exc.error_dict["date"] = exc.error_dict.pop("starts_at")
    add_service_errors(form, exc)


@require_http_methods(["GET", "POST"])
@requires(Capability.CHANGE_CASES)
def appointment_reschedule(request, crn, appointment_id):
    person = _person(request, crn, change=True)
    appointment = _appointment_of(request, person, appointment_id)
    form = RescheduleForm(request.POST or None)
    response = submit_form(
        request,
        form,
        lambda data: services.appointment_reschedule(
            appointment_id=appointment.pk,
            starts_at=form.starts_at(),
            moved_by=data["moved_by"],
            reason=data["reason"],
            actor=request.user,
        ),
        success="Appointment moved. They will be told the new time.",
        next_url=_appointments_url(person),
        add_errors=_add_errors,
    )
    if response:
        return response
    return _form_page(
        request,
        person,
        form,
        title="Move an appointment",
        submit="Move appointment",
        intro="Moving appointments makes them harder to keep. Only move it if you must.",
        appointment=appointment,
    )


def _appointment_action(
    request, crn, appointment_id, *, form_class, action, success, title, submit, applies=None
):
    """A form about one appointment whose service takes its id, the user and the form's data."""
    person = _person(request, crn, change=True)
    appointment = _appointment_of(request, person, appointment_id)
    if applies is not None and not applies(appointment):
        raise Http404
    form = form_class(request.POST or None)
    response = submit_form(
        request,
        form,
        lambda data: action(appointment_id=appointment.pk, actor=request.user, **data),
        success=success,
        next_url=_appointments_url(person),
    )
    if response:
        return response
    return _form_page(request, person, form, title=title, submit=submit, appointment=appointment)


@require_http_methods(["GET", "POST"])
@requires(Capability.CHANGE_CASES)
def appointment_cancel(request, crn, appointment_id):
    return _appointment_action(
        request,
        crn,
        appointment_id,
        form_class=CancelForm,
        action=services.appointment_cancel,
        success="Appointment cancelled",
        title="Cancel an appointment",
        submit="Cancel appointment",
    )


@require_http_methods(["GET", "POST"])
@requires(Capability.CHANGE_CASES)
def appointment_outcome(request, crn, appointment_id):
    return _appointment_action(
        request,
        crn,
        appointment_id,
        form_class=OutcomeForm,
        action=services.appointment_record_outcome,
        success="Outcome recorded",
        title="Record the outcome",
        submit="Save outcome",
    )


@require_http_methods(["GET", "POST"])
@requires(Capability.CHANGE_CASES)
def appointment_welfare(request, crn, appointment_id):
    return _appointment_action(
        request,
        crn,
        appointment_id,
        form_class=WelfareCheckForm,
        action=services.appointment_welfare_checked,
        applies=lambda appointment: appointment.outcome == Outcome.FAILED_TO_ATTEND,
        success="Welfare check recorded",
        title="Record a welfare check",
        submit="Save welfare check",
    )


# ---- reminders and messages ---------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@requires(Capability.CHANGE_CASES)
def reminder_preferences(request, crn):
    person = _person(request, crn, change=True)
    current = ReminderPreferences.objects.filter(person=person).first()
    initial = {
        "channel": current.channel if current else "none",
        "lead_times_hours": current.lead_times_hours if current else DEFAULT_LEAD_TIMES,
        "summary": current.summary if current else "none",
        "wording": current.wording if current else "automatic",
        "consent": current.consent if current else False,
        "mobile": person.mobile,
        "email": person.email,
        "version": current.version if current else 0,
        "person_version": person.version,
    }
    form = ReminderPreferencesForm(request.POST or None, initial=initial)
    response = submit_form(
        request,
        form,
        lambda data: services.reminder_preferences_save(
            person_id=person.pk,
            channel=data["channel"],
            lead_times_hours=data["lead_times_hours"],
            summary=data["summary"],
            wording_style=data["wording"] or None,
            consent=data["consent"],
            mobile=data["mobile"],
            email=data["email"],
            version=data["version"],
            person_version=data["person_version"],
            actor=request.user,
        ),
        success="Reminder preferences saved",
        next_url=_appointments_url(person),
    )
    if response:
        return response
    chosen = {int(v) for v in (form["lead_times_hours"].value() or []) if str(v).isdigit()}
    return render(
        request,
        "engagement/reminder_preferences.html",
        {"person": person, "form": form, "lead_time_choices": LEAD_TIME_CHOICES, "chosen": chosen},
    )


@require_http_methods(["GET"])
@requires(Capability.READ_CASES)
def person_messages(request, crn):
    person = _person(request, crn)
    status = request.GET.get("status", "")
    if status not in MessageStatus.values:
        status = ""
    channel = request.GET.get("channel", "")
    if channel not in MessageChannel.values:
        channel = ""
    rows = selectors.person_messages(person=person, filters={"status": status, "channel": channel})
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    query = "&".join(f"{k}={v}" for k, v in (("status", status), ("channel", channel)) if v)
    return render(
        request,
        "engagement/messages.html",
        {
            "person": person,
            "page": page,
            "statuses": MessageStatus.choices,
            "status": status,
            "channel": channel,
            "page_query": query,
        },
    )


# ---- check-ins ----------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@requires(Capability.READ_CASES)
def person_check_ins(request, crn):
    person = _person(request, crn)
    form = CheckInForm(request.POST or None)
    if request.method == "POST":
        if not request.user.can_change_cases:
            raise PermissionDenied
        if request.POST.get("stop_schedule"):
            checkins.check_in_schedule_stop(person_id=person.pk, actor=request.user)
            messages.success(request, "Regular check-ins stopped")
            return redirect("engagement:check_ins", crn=person.crn)
    response = submit_form(
        request,
        form,
        lambda data: checkins.check_in_create(person_id=person.pk, actor=request.user, **data),
        success=lambda check_in: (
            "Check-in link queued to send: the Messages page shows when it is sent and "
            f"delivered. It works until {govuk_time(check_in.expires_at)} on "
            f"{timezone.localtime(check_in.expires_at):%-d %B}."
        ),
        next_url=reverse("engagement:check_ins", kwargs={"crn": person.crn}),
    )
    if response:
        return response
    rows = (
        CheckIn.objects.filter(person=person)
        .select_related("followed_up_by")
        .order_by("-created_at", "-pk")
    )
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    schedule = CheckInSchedule.objects.filter(person=person, active=True).first()
    return render(
        request,
        "engagement/check_ins.html",
        {
            "person": person,
            "form": form,
            "page": page,
            "schedule": schedule,
            "now": timezone.now(),
            "can_change": request.user.can_change_cases,
        },
    )


@require_http_methods(["GET", "POST"])
@requires(Capability.READ_CASES)
def check_in_detail(request, crn, check_in_id):
    person = _person(request, crn)
    check_in = selectors.check_in_get_for(
        user=request.user, check_in_id=check_in_id, channel=Channel.WEB
    )
    if check_in.person_id != person.pk:
        raise Http404
    form = FollowUpForm(request.POST or None)
    if request.method == "POST" and not request.user.can_change_cases:
        raise PermissionDenied
    response = submit_form(
        request,
        form,
        lambda data: checkins.check_in_follow_up(
            check_in_id=check_in.pk, note=data["note"], actor=request.user
        ),
        success="Follow-up recorded",
        next_url=reverse(
            "engagement:check_in", kwargs={"crn": person.crn, "check_in_id": check_in.pk}
        ),
    )
    if response:
        return response
    help_labels = dict(HELP_TOPICS)
    return render(
        request,
        "engagement/check_in_detail.html",
        {
            "person": person,
            "check_in": check_in,
            "help": [help_labels.get(h, h) for h in check_in.help_with],
            "form": form,
            "now": timezone.now(),
            "can_change": request.user.can_change_cases,
        },
    )


# ---- travel support -----------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@requires(Capability.READ_CASES)
def person_travel(request, crn):
    person = _person(request, crn)
    recent = Appointment.objects.filter(
        person=person, starts_at__gte=timezone.now() - dt.timedelta(days=60)
    ).order_by("-starts_at")[:20]
    form = TravelRequestForm(request.POST or None, appointments=recent)
    if request.method == "POST" and not request.user.can_change_cases:
        raise PermissionDenied
    response = submit_form(
        request,
        form,
        lambda data: services.travel_request_create(
            person_id=person.pk,
            amount=data["amount"],
            mode=data["mode"],
            note=data["note"],
            appointment_id=data["appointment"],
            actor=request.user,
        ),
        success="Travel support requested",
        next_url=_travel_url(person),
    )
    if response:
        return response
    rows = (
        TravelSupportRequest.objects.filter(person=person)
        .select_related("requested_by", "decided_by", "paid_by", "appointment")
        .order_by("-requested_at", "-pk")
    )
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "engagement/travel.html",
        {
            "person": person,
            "form": form,
            "page": page,
            "can_change": request.user.can_change_cases,
            "can_decide": has_capability(request.user, Capability.APPROVE_TRAVEL),
            "decision_form": TravelDecisionForm(),
        },
    )


def _travel_of(request, person, request_id):
    travel = selectors.travel_request_get_for(
        user=request.user, request_id=request_id, channel=Channel.WEB
    )
    if travel.person_id != person.pk:
        raise Http404
    return travel


@require_http_methods(["GET", "POST"])
@requires(Capability.APPROVE_TRAVEL)
def travel_decide(request, crn, request_id):
    person = _person(request, crn, change=True)
    travel = _travel_of(request, person, request_id)
    form = TravelDecisionForm(request.POST or None)
    response = submit_form(
        request,
        form,
        lambda data: services.travel_request_decide(
            request_id=travel.pk,
            approve=data["decision"] == "approve",
            note=data["note"],
            actor=request.user,
        ),
        success="Decision recorded",
        next_url=_travel_url(person),
    )
    if response:
        return response
    return render(
        request,
        "engagement/travel_decide.html",
        {"person": person, "travel": travel, "form": form, "title": "Decide a travel request"},
    )


@require_http_methods(["GET", "POST"])
@requires(Capability.CHANGE_CASES)
def travel_paid(request, crn, request_id):
    person = _person(request, crn, change=True)
    travel = _travel_of(request, person, request_id)
    form = ConfirmForm(request.POST or None)
    response = submit_form(
        request,
        form,
        lambda data: services.travel_request_mark_paid(request_id=travel.pk, actor=request.user),
        success="Marked as paid",
        next_url=_travel_url(person),
    )
    if response:
        return response
    return render(
        request,
        "engagement/travel_decide.html",
        {"person": person, "travel": travel, "form": form, "title": "Mark as paid"},
    )


@require_http_methods(["GET"])
@requires(Capability.READ_CASES)
def travel_totals(request):
    """Travel support per PDU, across everything the user may see."""
    today = timezone.localdate()
    # The financial year so far, by default.
    fy_start = dt.date(today.year if today.month >= 4 else today.year - 1, 4, 1)
    form = TravelTotalsForm(request.GET or None)
    start, end = fy_start, today
    if form.is_bound and form.is_valid():
        start = form.cleaned_data.get("start") or fy_start
        end = form.cleaned_data.get("end") or today
    rows = selectors.travel_totals_by_pdu(user=request.user, start=start, end=end)
    totals = {
        key: sum(r[key] for r in rows)
        for key in ("requests", "requested", "approved", "paid", "waiting")
    }
    access_log_record(
        actor=request.user,
        action=Action.LIST_PEOPLE,
        channel=Channel.WEB,
        detail=f"travel totals {start} to {end}",
    )
    return render(
        request,
        "engagement/travel_totals.html",
        {"rows": rows, "totals": totals, "form": form, "start": start, "end": end},
    )


# ---- overviews ----------------------------------------------------------------------------


def _scope_people(request):
    user = request.user
    scope = request.GET.get("scope", "")
    choices = [("mine", "My cases")]
    if user.role in (Role.PRACTITIONER, Role.SENIOR_PROBATION_OFFICER):
        choices.append(("team", "My team's cases"))
    else:
        choices.append(("all", "Everyone I can see"))
    allowed = {c for c, _ in choices}
    if scope not in allowed:
        scope = (
            "team"
            if user.role == Role.SENIOR_PROBATION_OFFICER
            else ("mine" if user.role == Role.PRACTITIONER else "all")
        )
        scope = scope if scope in allowed else "mine"
    people = visible_people(user)
    if scope == "mine":
        people = people.filter(practitioner=user)
    elif scope == "team":
        people = people.filter(team__in=Team.objects.filter(members=user).values("pk"))
    return people, scope, choices


@require_http_methods(["GET"])
@requires(Capability.READ_CASES)
def appointments_overview(request):
    """Upcoming appointments across the user's cases, and people whose appointments probation
    has cancelled or moved too often."""
    people, scope, choices = _scope_people(request)
    now = timezone.now()
    today = timezone.localdate()
    upcoming = (
        Appointment.objects.filter(
            person__in=people.values("pk"),
            outcome="",
            starts_at__gte=now,
            starts_at__lt=now + dt.timedelta(days=14),
        )
        .select_related("person", "practitioner")
        .order_by("starts_at", "pk")
    )
    page = Paginator(upcoming, PAGE_SIZE).get_page(request.GET.get("page"))
    moved = list(
        selectors.people_moved_too_often(people, today).select_related("practitioner")[:100]
    )
    awaiting_outcome = (
        Appointment.objects.filter(
            person__in=people.values("pk"),
            outcome="",
            starts_at__lt=now,
        )
        .select_related("person")
        .order_by("starts_at")[:100]
    )
    access_log_record(
        actor=request.user,
        action=Action.LIST_PEOPLE,
        channel=Channel.WEB,
        detail=f"appointments overview scope={scope}",
    )
    return render(
        request,
        "engagement/overview.html",
        {
            "page": page,
            "moved": moved,
            "awaiting_outcome": list(awaiting_outcome),
            "scope": scope,
            "scope_choices": choices,
            "page_query": f"scope={scope}",
        },
    )


@require_http_methods(["GET"])
@requires(Capability.READ_CASES)
def continuity(request):
    """Practitioner changes per person in the last 12 months."""
    people, scope, choices = _scope_people(request)
    today = timezone.localdate()
    rows = (
        selectors.practitioner_changes_for(people, today)
        .select_related("practitioner", "team")
        .order_by("-practitioner_changes", "last_name", "first_name", "pk")
    )
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    access_log_record(
        actor=request.user,
        action=Action.LIST_PEOPLE,
        channel=Channel.WEB,
        detail=f"continuity scope={scope} page={page.number}",
    )
    return render(
        request,
        "engagement/continuity.html",
        {
            "page": page,
            "scope": scope,
            "scope_choices": choices,
            "page_query": f"scope={scope}",
            "since": selectors.continuity_since(today),
        },
    )


# ---- the person's safety plan, sent by link ---------------------------------------------


@require_http_methods(["GET", "POST"])
@requires(Capability.CHANGE_CASES)
def safety_plan_send(request, crn):
    person = _person(request, crn, change=True)
    form = SafetyPlanSendForm(posted(request))
    response = submit_form(
        request,
        form,
        lambda data: plan_links.safety_plan_link_send(
            person_id=person.pk, channel=data["channel"], actor=request.user
        ),
        # Queued, not sent: the outbox sends it (and the page of messages says when).
        success="The link to the safety plan is queued to be sent",
        next_url=reverse("assessments:safety_plan", kwargs={"crn": person.crn}),
    )
    if response:
        return response
    return render(
        request,
        "engagement/safety_plan_send.html",
        {"person": person, "form": form},
    )
