"""Training pages: one's own training, a team's compliance, entering and importing records."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from safeguard.core.audit import Action, Channel, access_log_record
from safeguard.core.capabilities import Capability, requires
from safeguard.core.forms import add_service_errors, posted, submit_form
from safeguard.core.models import Role
from safeguard.training import compliance as training
from safeguard.training import forms, selectors, services
from safeguard.training.models import TrainingCourse


def _audit(request, detail):
    access_log_record(
        actor=request.user, action=Action.LIST_PEOPLE, channel=Channel.WEB, detail=detail
    )


@require_http_methods(["GET"])
@requires(Capability.READ_CASES)
def training_page(request):
    user = request.user
    today = timezone.localdate()
    access_log_record(actor=user, action=Action.LIST_PEOPLE, channel=Channel.WEB, detail="training")
    courses = list(TrainingCourse.objects.filter(active=True).order_by("code"))
    mandatory = [c for c in courses if c.mandatory_for]
    own = {
        "records": selectors.staff_training(staff=user),
        "statuses": [
            training.training_status_for(staff=user, course=c, today=today)
            for c in mandatory
            if user.role in c.mandatory_for
        ],
    }
    if not training.may_see_compliance(user) or not mandatory:
        return render(request, "training/training_own.html", {"own": own, "courses": courses})
    form = forms.ComplianceFilterForm(request.GET or None, courses=mandatory)
    group_by, course = "team", mandatory[0]
    if form.is_valid():
        group_by = form.cleaned_data["group_by"] or "team"
        course = next((c for c in mandatory if c.code == form.cleaned_data["course"]), course)
    rows = training.compliance_by(user=user, course=course, group_by=group_by, today=today)
    people = training.staff_statuses(
        user=user,
        course=course,
        today=today,
        statuses=None
        if user.role == Role.SENIOR_PROBATION_OFFICER
        else [training.LAPSED, training.NOT_COMPLETED, training.DUE_SOON],
    )
    page = Paginator(people, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "training/training.html",
        {
            "form": form,
            "course": course,
            "group_by": group_by,
            "rows": rows,
            "totals": training.compliance_totals(rows),
            "page": page,
            "page_query": query.urlencode(),
            "labels": training.STATUS_LABELS,
            "can_record": services.may_record_training(user),
            "mandatory_roles": [Role(r).label for r in course.mandatory_for if r in Role.values],
            "own": own,
        },
    )


@require_http_methods(["GET", "POST"])
@requires(Capability.RECORD_TRAINING)
def training_entry(request):
    user = request.user
    if not services.may_record_training(user):
        raise PermissionDenied
    staff = list(
        selectors.staff_in_scope(user)
        .filter(is_active=True)
        .exclude(role="")
        .order_by("last_name", "first_name", "username")[:2000]
    )
    courses = list(TrainingCourse.objects.filter(active=True).order_by("code"))
    form = forms.TrainingEntryForm(posted(request), staff=staff, courses=courses)
    if request.method == "GET":
        _audit(request, "training entry page")
    response = submit_form(
        request,
        form,
        lambda data: services.training_record_add(
            username=data["staff"],
            course=data["course"],
            completed_on=data["completed_on"],
            actor=user,
        ),
        success=lambda report: (
            "Training recorded"
            if report.created
            else "That completion was already recorded: nothing was added"
        ),
        next_url=reverse("training:training"),
        add_errors=lambda form, exc: add_service_errors(form, _rename(exc, {"username": "staff"})),
    )
    if response:
        return response
    return render(request, "training/training_entry.html", {"form": form})


def _rename(exc: ValidationError, names: dict) -> ValidationError:
    if not hasattr(exc, "error_dict"):
        return exc
    return ValidationError({names.get(k, k): v for k, v in exc.message_dict.items()})


@require_http_methods(["GET", "POST"])
@requires(Capability.RECORD_TRAINING)
def training_import(request):
    user = request.user
    if not services.may_record_training(user):
        raise PermissionDenied
    form = forms.TrainingImportForm(
        posted(request), request.FILES if request.method == "POST" else None
    )
    report = None
    errors = []
    if request.method == "POST" and form.is_valid():
        rows, errors = services.parse_training_csv(form.cleaned_data["file"].read())
        report = services.training_records_import(rows=rows, actor=user)
        errors = sorted([*errors, *report.errors], key=lambda e: (e.line, e.field))
    else:
        _audit(request, "training import page")
    return render(
        request,
        "training/training_import.html",
        {
            "form": form,
            "report": report,
            "errors": errors,
            "courses": TrainingCourse.objects.filter(active=True).order_by("code"),
        },
    )
