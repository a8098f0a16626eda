from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from safeguard.core import case_source
from safeguard.core.audit import Action, Channel, access_log_record
from safeguard.core.capabilities import Capability, requires
from safeguard.core.errors import DomainError
from safeguard.core.forms import add_service_errors, submit_form
from safeguard.people.selectors import person_get_for, visible_people
from safeguard.registrations import hygiene, selectors, services
from safeguard.registrations.forms import (
    RegistrationAddForm,
    RegistrationEndForm,
    RegistrationReviewForm,
)


def _registration_of(request, person, registration_id):
    registration = selectors.registration_get_for(
        user=request.user, registration_id=registration_id, channel=Channel.WEB
    )
    if registration.person_id != person.pk:
        raise Http404
    return registration


@require_http_methods(["GET", "POST"])
@requires(Capability.CHANGE_CASES)
def registration_add(request, crn):
    person = person_get_for(user=request.user, crn=crn, channel=Channel.WEB, for_change=True)
    initial = {"code": request.GET.get("code", "").upper()}
    form = RegistrationAddForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            registration = services.registration_add(
                person_id=person.pk,
                code=form.cleaned_data["code"],
                start_date=form.cleaned_data["start_date"],
                notes=form.cleaned_data["notes"],
                level=form.cleaned_data["level"],
                category=form.cleaned_data["category"],
                actor=request.user,
            )
        except (ValidationError, DomainError) as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"{registration.register_type.description} registered")
            return redirect("people:detail", crn=person.crn)
    if request.method == "GET":
        case_source.add_notice(form)
    return render(request, "registrations/add.html", {"person": person, "form": form})


@require_http_methods(["GET", "POST"])
@requires(Capability.CHANGE_CASES)
def registration_review(request, crn, registration_id):
    person = person_get_for(user=request.user, crn=crn, channel=Channel.WEB, for_change=True)
    registration = _registration_of(request, person, registration_id)
    form = RegistrationReviewForm(request.POST or None)
    response = submit_form(
        request,
        form,
        lambda data: services.registration_review(
            registration_id=registration.pk, actor=request.user, **data
        ),
        success=f"Review of {registration.register_type.description} saved",
        next_url=reverse("people:detail", kwargs={"crn": person.crn}),
    )
    if response:
        return response
    if request.method == "GET":
        case_source.add_notice(form)
    return render(
        request,
        "registrations/review.html",
        {"person": person, "registration": registration, "form": form},
    )


@require_http_methods(["GET", "POST"])
@requires(Capability.CHANGE_CASES)
def registration_end(request, crn, registration_id):
    person = person_get_for(user=request.user, crn=crn, channel=Channel.WEB, for_change=True)
    registration = _registration_of(request, person, registration_id)
    form = RegistrationEndForm(request.POST or None)
    response = submit_form(
        request,
        form,
        lambda data: services.registration_end(
            registration_id=registration.pk, actor=request.user, **data
        ),
        success=f"{registration.register_type.description} ended",
        next_url=reverse("people:detail", kwargs={"crn": person.crn}),
    )
    if response:
        return response
    if request.method == "GET":
        case_source.add_notice(form)
    return render(
        request,
        "registrations/end.html",
        {"person": person, "registration": registration, "form": form},
    )


@require_http_methods(["GET"])
@requires(Capability.READ_CASES)
def hygiene_report(request):
    """Registration problems across everything the user may see."""
    today = timezone.localdate()
    counts, people_rules = selectors.hygiene_summary(user=request.user, today=today)
    catalogue = hygiene.rules()
    chosen = request.GET.get("rule", "")
    if chosen not in catalogue:
        chosen = ""
    person_ids = [pid for pid, codes in people_rules.items() if not chosen or chosen in codes]
    people = (
        visible_people(request.user)
        .filter(pk__in=person_ids)
        .select_related("practitioner", "team")
        .order_by("last_name", "first_name", "pk")
    )
    page = Paginator(people, 50).get_page(request.GET.get("page"))
    access_log_record(
        actor=request.user,
        action=Action.LIST_PEOPLE,
        channel=Channel.WEB,
        detail=f"registration hygiene report page={page.number}",
    )
    rows = [
        {
            "person": p,
            "rules": [catalogue[c] for c in catalogue if c in people_rules.get(p.pk, ())],
        }
        for p in page.object_list
    ]
    summary = [{"rule": r, "count": counts.get(code, 0)} for code, r in catalogue.items()]
    return render(
        request,
        "registrations/hygiene_report.html",
        {
            "summary": summary,
            "rows": rows,
            "page": page,
            "chosen": chosen,
            "page_query": f"rule={chosen}" if chosen else "",
            "people_count": len(person_ids),
        },
    )
