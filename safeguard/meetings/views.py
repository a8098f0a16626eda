"""Multi-agency meeting pages: list, record, detail (attendance and actions), attendance report.

Thin: forms parse, services write, selectors read. A meeting outside the user's scope is a 404,
exactly as a missing one is.
"""

from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from safeguard.core.audit import Action, Channel, access_log_record, access_log_refusal
from safeguard.core.capabilities import Capability, require_capability, requires
from safeguard.core.forms import submit_form
from safeguard.insights.charts import bar_chart
from safeguard.insights.exports import csv_response, xlsx_response
from safeguard.meetings import selectors, services
from safeguard.meetings.forms import (
    ActionForm,
    AttendanceForm,
    AttendanceReportForm,
    CompleteActionForm,
    MeetingFilterForm,
    MeetingForm,
)
from safeguard.meetings.models import ActionStatus
from safeguard.people.models import Person

PAGE_SIZE = 25
CHART_ROWS = 25


def _require_casework(user):
    require_capability(user, Capability.CHANGE_CASES)


def _query_without(request, *keys) -> str:
    query = request.GET.copy()
    for key in keys:
        query.pop(key, None)
    return query.urlencode()


@require_GET
@requires(Capability.READ_CASES)
def meeting_list(request):
    form = MeetingFilterForm(request.GET or None, user=request.user)
    filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
    meetings = selectors.meeting_list(
        user=request.user,
        meeting_type_code=filters.get("meeting_type") or "",
        date_from=filters.get("date_from"),
        date_to=filters.get("date_to"),
        pdu_id=filters.get("pdu"),
    )
    page = Paginator(meetings, PAGE_SIZE).get_page(request.GET.get("page"))
    access_log_record(
        actor=request.user,
        action=Action.LIST_PEOPLE,
        channel=Channel.WEB,
        detail=f"meetings list page={page.number}",
    )
    rows = [{"meeting": m, "people": m.people_list} for m in page.object_list]
    return render(
        request,
        "meetings/list.html",
        {
            "form": form,
            "rows": rows,
            "page": page,
            "page_query": _query_without(request, "page"),
            "can_change": request.user.can_change_cases,
            "today": timezone.localdate(),
        },
    )


def _meeting_url(meeting):
    return reverse("meetings:meeting_detail", kwargs={"meeting_id": meeting.pk})


@require_http_methods(["GET", "POST"])
@requires(Capability.CHANGE_CASES)
def meeting_new(request):
    _require_casework(request.user)
    form = MeetingForm(
        request.POST or None, user=request.user, initial={"people": request.GET.get("crn", "")}
    )
    if request.method == "POST":
        form.is_valid()  # cleaning notes the CRNs the user may not see: log each refusal
        for crn in form.refused_crns:
            access_log_refusal(
                actor=request.user,
                channel=Channel.WEB,
                person=Person.objects.filter(crn=crn).first(),
                crn=crn,
                detail="meeting: CRN not found or not visible",
            )
    response = submit_form(
        request,
        form,
        lambda data: services.meeting_create(
            meeting_type_code=data["meeting_type"],
            held_on=data["held_on"],
            pdu_id=data["pdu"],
            chair=data["chair"],
            notes=data["notes"],
            person_ids=form.person_ids,
            invited_agency_ids=data["agencies"],
            actor=request.user,
        ),
        success=lambda meeting: f"{meeting.meeting_type.name} recorded",
        next_url=_meeting_url,
    )
    if response:
        return response
    chosen = {str(v) for v in (form["agencies"].value() or [])}
    return render(request, "meetings/new.html", {"form": form, "chosen_agencies": chosen})


def _detail(request, meeting, *, attendance_form=None, action_form=None, done_errors=None):
    """Render the meeting page (also after a refused change, with that form's errors)."""
    people = selectors.meeting_people(user=request.user, meeting=meeting)
    attendance = selectors.meeting_attendance(meeting=meeting)
    actions = selectors.meeting_actions(meeting=meeting)
    visible_by_id = {p.pk: p for p in people}
    access_log_record(
        actor=request.user,
        action=Action.LIST_PEOPLE,
        channel=Channel.WEB,
        detail=f"meeting {meeting.pk}",
    )
    today = timezone.localdate()
    action_rows = [
        {
            "action": a,
            "person": visible_by_id.get(a.person_id),
            "overdue": a.status == ActionStatus.OPEN and a.due_on < today,
        }
        for a in actions
    ]
    can_change = request.user.can_change_cases
    attendance_form = attendance_form or AttendanceForm(attendance=attendance)
    context = {
        "meeting": meeting,
        "people": people,
        "attendance": attendance,
        "attended_count": sum(1 for row in attendance if row.attended),
        "attended_values": {str(v) for v in attendance_form["attended"].value() or []},
        "action_rows": action_rows,
        "can_change": can_change,
        "can_record_attendance": can_change and meeting.held_on <= today,
        "attendance_form": attendance_form,
        "action_form": action_form or ActionForm(attendance=attendance, people=people),
        "done_errors": done_errors or [],
        "today": today.strftime("%d/%m/%Y"),
        # The form whose errors the summary shows (and the page title marks), if any.
        "form": next(
            (f for f in (attendance_form, action_form) if f is not None and f.errors), None
        ),
    }
    return render(request, "meetings/detail.html", context)


@require_GET
@requires(Capability.READ_CASES)
def meeting_detail(request, meeting_id):
    meeting = selectors.meeting_get_for(
        user=request.user, meeting_id=meeting_id, channel=Channel.WEB
    )
    return _detail(request, meeting)


@require_POST
@requires(Capability.CHANGE_CASES)
def meeting_record_attendance(request, meeting_id):
    _require_casework(request.user)
    meeting = selectors.meeting_get_for(
        user=request.user, meeting_id=meeting_id, channel=Channel.WEB
    )
    attendance = selectors.meeting_attendance(meeting=meeting)
    form = AttendanceForm(request.POST, attendance=attendance)
    response = submit_form(
        request,
        form,
        lambda data: services.meeting_record_attendance(
            meeting_id=meeting.pk,
            attended_agency_ids=data["attended"],
            version=data["version"],
            actor=request.user,
        ),
        success="Attendance saved",
        next_url=_meeting_url(meeting),
    )
    if response:
        return response
    return _detail(request, meeting, attendance_form=form)


@require_POST
@requires(Capability.CHANGE_CASES)
def meeting_add_action(request, meeting_id):
    _require_casework(request.user)
    meeting = selectors.meeting_get_for(
        user=request.user, meeting_id=meeting_id, channel=Channel.WEB
    )
    form = ActionForm(
        request.POST,
        attendance=selectors.meeting_attendance(meeting=meeting),
        people=selectors.meeting_people(user=request.user, meeting=meeting),
    )
    response = submit_form(
        request,
        form,
        lambda data: services.meeting_add_action(
            meeting_id=meeting.pk,
            owner_agency_id=data["owner_agency"],
            description=data["description"],
            due_on=data["due_on"],
            person_id=data["person"],
            actor=request.user,
        ),
        success="Action added",
        next_url=_meeting_url(meeting),
    )
    if response:
        return response
    return _detail(request, meeting, action_form=form)


@require_POST
@requires(Capability.CHANGE_CASES)
def meeting_action_done(request, meeting_id, action_id):
    _require_casework(request.user)
    meeting = selectors.meeting_get_for(
        user=request.user, meeting_id=meeting_id, channel=Channel.WEB
    )
    form = CompleteActionForm(request.POST)
    response = submit_form(
        request,
        form,
        lambda data: services.meeting_complete_action(
            meeting_id=meeting.pk,
            action_id=action_id,
            completed_on=data["completed_on"],
            version=data["version"],
            actor=request.user,
        ),
        success="Action marked as done",
        next_url=_meeting_url(meeting),
    )
    if response:
        return response
    errors = [e for errors in form.errors.values() for e in errors]
    return _detail(request, meeting, done_errors=[(action_id, e) for e in errors])


def meetings_section(request, person, today):
    """The person page's "Multi-agency meetings" section (for SAFEGUARD_PERSON_SECTIONS)."""
    from safeguard.people.sections import Section

    return Section(
        template="meetings/_person_meetings.html",
        title="Meetings",
        anchor="meetings-heading",
        context={
            "meetings": selectors.person_meetings(user=request.user, person=person),
            "crn": person.crn,
            "can_change": request.user.can_change_cases,
        },
    )


# ---- attendance report ----------------------------------------------------------------------


def _chart(rows, title):
    """A bar chart of attendance rates, as an image (an inline SVG's styles would be blocked
    by the content security policy). The same figures are in the table beside it."""
    rows = [r for r in rows if r.rate is not None][:CHART_ROWS]
    if not rows:
        return None
    return bar_chart(
        [r.label for r in rows], [r.rate for r in rows], title=title, unit="% attended"
    )


def _export_tables(figures):
    def pct(rate):
        return "" if rate is None else rate

    return [
        (
            "Attendance by agency",
            ["Agency", "Kind", "Duty to co-operate", "Invited", "Attended", "Rate (%)"],
            [
                [
                    r.label,
                    r.kind,
                    "yes" if r.duty_to_cooperate else "no",
                    r.invited,
                    r.attended,
                    pct(r.rate),
                ]
                for r in figures["by_agency"]
            ],
        ),
        (
            "Attendance by meeting type",
            ["Type of meeting", "Meetings", "Invited", "Attended", "Rate (%)"],
            [[r.label, r.meetings, r.invited, r.attended, pct(r.rate)] for r in figures["by_type"]],
        ),
        (
            "Duty-to-co-operate agencies",
            ["Agencies", "Invited", "Attended", "Rate (%)"],
            [[r.label, r.invited, r.attended, pct(r.rate)] for r in figures["duty_to_cooperate"]],
        ),
    ]


@require_GET
@requires(Capability.READ_CASES)
def attendance_report(request):
    default_from, default_to = AttendanceReportForm.default_period()
    data = request.GET.copy()
    data.setdefault("date_from", default_from.strftime("%d/%m/%Y"))
    data.setdefault("date_to", default_to.strftime("%d/%m/%Y"))
    form = AttendanceReportForm(data, user=request.user)
    filters = (
        form.cleaned_data if form.is_valid() else {"date_from": default_from, "date_to": default_to}
    )
    figures = selectors.attendance_figures(
        user=request.user,
        date_from=filters.get("date_from"),
        date_to=filters.get("date_to"),
        region_id=filters.get("region"),
        pdu_id=filters.get("pdu"),
    )
    fmt = request.GET.get("format", "")
    if fmt in ("csv", "xlsx"):
        start, end = filters.get("date_from"), filters.get("date_to")
        name = "meeting-attendance"
        if start and end:
            name += f"-{start:%Y%m%d}-{end:%Y%m%d}"
        respond = csv_response if fmt == "csv" else xlsx_response
        return respond(_export_tables(figures), name)
    if fmt:
        raise Http404("Exports are CSV or XLSX.")
    duty = figures["duty_to_cooperate"][0]
    return render(
        request,
        "meetings/attendance.html",
        {
            "form": form,
            "figures": figures,
            "duty": duty,
            "charts": {
                "by_agency": _chart(figures["by_agency"], "Attendance rate by agency"),
                "by_type": _chart(figures["by_type"], "Attendance rate by type of meeting"),
                "duty": _chart(
                    figures["duty_to_cooperate"], "Attendance rate of duty-to-co-operate agencies"
                ),
            },
            "chart_rows": CHART_ROWS,
            "export_query": _query_without(request, "format", "page"),
        },
    )
