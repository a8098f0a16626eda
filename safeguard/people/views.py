from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from safeguard.core import case_source, registry
from safeguard.core.audit import Action, Channel, access_log_record, access_log_refusal
from safeguard.core.capabilities import Capability, requires
from safeguard.core.forms import submit_form
from safeguard.core.models import Role
from safeguard.core.pdf import pdf_response
from safeguard.people import selectors, services
from safeguard.people.forms import PersonDetailsForm, SearchForm
from safeguard.people.sections import person_sections


def _default_scope(user):
    if user.role == Role.PRACTITIONER:
        return selectors.CaseloadScope.MINE
    if user.role == Role.SENIOR_PROBATION_OFFICER:
        return selectors.CaseloadScope.TEAM
    return selectors.CaseloadScope.ALL


@require_http_methods(["GET"])
@requires(Capability.READ_CASES)
def caseload(request):
    user = request.user
    today = timezone.localdate()
    scope_choices = [(selectors.CaseloadScope.MINE, "My cases")]
    if user.role in (Role.PRACTITIONER, Role.SENIOR_PROBATION_OFFICER):
        scope_choices.append((selectors.CaseloadScope.TEAM, "My team's cases"))
    else:
        scope_choices.append((selectors.CaseloadScope.ALL, "Everyone I can see"))
    allowed_scopes = {value for value, _ in scope_choices}
    scope = request.GET.get("scope") or _default_scope(user)
    if scope not in allowed_scopes:
        scope = _default_scope(user) if _default_scope(user) in allowed_scopes else "mine"

    teams = list(selectors.teams_visible_to(user))
    team_ids = {t.pk for t in teams}
    chosen_teams = []
    for raw in request.GET.getlist("team"):
        if raw.isdigit() and int(raw) in team_ids:
            chosen_teams.append(int(raw))
    flags = selectors.caseload_flags(today)
    flag_keys = {f.key for f in flags}
    chosen_flags = [f for f in request.GET.getlist("flag") if f in flag_keys]
    sort = request.GET.get("sort", "name")
    if sort not in selectors.SORTS:
        sort = "name"
    descending = request.GET.get("order") == "desc"

    people = selectors.caseload_for(
        user=user,
        scope=scope,
        team_ids=chosen_teams,
        flags=[f for f in flags if f.key in chosen_flags],
        sort=sort,
        descending=descending,
        today=today,
    )
    paginator = Paginator(people, 50)
    page = paginator.get_page(request.GET.get("page"))
    access_log_record(
        actor=user,
        action=Action.LIST_PEOPLE,
        channel=Channel.WEB,
        detail=f"caseload scope={scope} page={page.number}",
    )

    base_query = request.GET.copy()
    base_query.pop("page", None)

    def sort_link(key):
        q = base_query.copy()
        q["sort"] = key
        q["order"] = "asc" if (sort != key or descending) else "desc"
        return "?" + q.urlencode()

    columns = [
        ("name", "Name"),
        ("crn", "CRN"),
        ("dob", "Date of birth"),
        ("practitioner", "Practitioner"),
        ("team", "Team"),
        ("rosh", "RoSH"),
        ("release", "Expected release"),
    ]
    headers = [
        {
            "key": key,
            "label": label,
            "href": sort_link(key),
            "aria_sort": ("descending" if descending else "ascending") if key == sort else "none",
        }
        for key, label in columns
    ]
    page_query = base_query.urlencode()
    # Columns other areas add (core.registry.caseload_columns), after the caseload's own.
    extra_columns = list(registry.caseload_columns)
    headers.extend({"label": column.label, "href": None} for column in extra_columns)
    return render(
        request,
        "people/caseload.html",
        {
            "page": page,
            "paginator": paginator,
            "headers": headers,
            "scope": scope,
            "scope_choices": scope_choices,
            "teams": teams,
            "chosen_teams": chosen_teams,
            "flags": flags,
            "chosen_flags": chosen_flags,
            "page_query": page_query,
            "today": today,
            "extra_columns": extra_columns,
        },
    )


@require_http_methods(["GET", "POST"])
@requires(Capability.READ_CASES)
def search(request):
    """Search uses POST so that names never appear in URLs or server logs."""
    results = None
    form = SearchForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        query = form.cleaned_data["q"]
        results = list(
            selectors.with_limited_access_flag(
                selectors.search_people(user=request.user, query=query)
            ).select_related("team", "practitioner")[:100]
        )
        access_log_record(
            actor=request.user,
            action=Action.SEARCH,
            channel=Channel.WEB,
            detail=f"{len(results)} results",
        )
    return render(request, "people/search.html", {"form": form, "results": results})


@require_http_methods(["GET"])
@requires(Capability.READ_CASES)
def person_detail(request, crn):
    person = selectors.person_get_for(user=request.user, crn=crn, channel=Channel.WEB)
    allocations = list(selectors.person_allocation_history(person=person))
    sections = person_sections(request, person, timezone.localdate())
    return render(
        request,
        "people/person_detail.html",
        {
            "person": person,
            "allocations": allocations,
            "sections": sections,
            "can_change": request.user.can_change_cases,
            "can_read_access_log": request.user.can_read_access_log,
        },
    )


def _case_summary_context(request, crn, *, detail):
    person = selectors.person_get_for(
        user=request.user, crn=crn, channel=Channel.WEB, detail=detail
    )
    today = timezone.localdate()
    return {
        "person": person,
        "allocations": list(selectors.person_allocation_history(person=person)),
        "sections": person_sections(request, person, today, printable_only=True),
        "printed_on": today,
    }


@require_http_methods(["GET"])
@requires(Capability.READ_CASES)
def case_summary(request, crn):
    """The person page on one page to print: its sections without their actions."""
    context = _case_summary_context(request, crn, detail="case summary")
    return render(request, "people/case_summary.html", context)


@require_http_methods(["GET"])
@requires(Capability.READ_CASES)
def case_summary_pdf(request, crn):
    """The case summary as a PDF (no name or CRN in its filename)."""
    context = _case_summary_context(request, crn, detail="case summary PDF")
    return pdf_response(
        request,
        template_name="people/case_summary_pdf.html",
        context=context,
        filename="case-summary.pdf",
    )


@require_http_methods(["GET", "POST"])
@requires(Capability.CHANGE_CASES)
def person_edit_details(request, crn):
    person = selectors.person_get_for(
        user=request.user, crn=crn, channel=Channel.WEB, for_change=True
    )
    form = PersonDetailsForm(
        request.POST or None, instance=person, initial={"version": person.version}
    )
    response = submit_form(
        request,
        form,
        lambda data: services.person_update_details(
            person_id=person.pk,
            version=data["version"],
            changes={f: data[f] for f in PersonDetailsForm.Meta.fields},
            actor=request.user,
        ),
        success="Contact details and communication needs updated",
        next_url=reverse("people:detail", kwargs={"crn": person.crn}),
    )
    if response:
        return response
    if request.method == "GET":
        case_source.add_notice(form)
    return render(request, "people/person_edit.html", {"person": person, "form": form})


@require_http_methods(["GET"])
@requires(Capability.READ_CASES)
def person_access_log(request, crn):
    if not request.user.can_read_access_log:
        # Same answer as a case that does not exist: nothing to learn from probing.
        access_log_refusal(
            actor=request.user,
            channel=Channel.WEB,
            crn=crn.upper(),
            detail="access log: role may not read it",
        )
        raise Http404
    person = selectors.person_get_for(
        user=request.user, crn=crn, channel=Channel.WEB, action=Action.VIEW_ACCESS_LOG
    )
    entries = person.access_log_entries.select_related("actor").order_by("-at", "-id")
    page = Paginator(entries, 100).get_page(request.GET.get("page"))
    return render(request, "people/access_log.html", {"person": person, "page": page})
