import datetime as dt

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from safeguard.core import case_source
from safeguard.core.audit import Action, Channel, access_log_record
from safeguard.core.capabilities import Capability, requires
from safeguard.core.errors import DomainError
from safeguard.core.forms import add_service_errors
from safeguard.core.models import PDU, Region, Role
from safeguard.insights.charts import bar_chart
from safeguard.insights.exports import csv_response, xlsx_response
from safeguard.insights.suppression import SUPPRESSED
from safeguard.people.models import CustodyStatus
from safeguard.people.selectors import person_get_for, teams_visible_to
from safeguard.releases import insights, selectors, services
from safeguard.releases.catalogue import checklist
from safeguard.releases.forms import ItemForm, MeasuresFilterForm, ReleaseForm
from safeguard.releases.models import ReleaseAccommodation

STALE_MESSAGE = (
    "Someone else changed this item while you were editing it. Your changes have not been "
    "saved. Check the item and make your changes again."
)


def _casework_person(request, crn):
    person = person_get_for(user=request.user, crn=crn, channel=Channel.WEB)
    if not request.user.can_change_cases:
        raise PermissionDenied
    return person


# ---- the release board ------------------------------------------------------------------------

BOARD_COLUMNS = [("name", "Person"), ("date", "Release date"), ("readiness", "Readiness")]


def _board_row(plan, today):
    states = selectors.plan_checklist(plan)
    return {
        "plan": plan,
        "person": plan.person,
        "days": (plan.release_date - today).days,
        "gaps": [s.item for s in states if s.is_gap],
        "prompt": selectors.duty_to_refer_prompt(plan, today),
        "escalated": selectors.needs_escalation(plan, today),
    }


@require_GET
@requires(Capability.SEE_RELEASE_BOARD)
def board(request):
    """Everyone in scope due out in the next 12 weeks: readiness, gaps, sortable (no JS)."""
    user = request.user
    if not selectors.may_see_board(user):
        raise Http404
    today = timezone.localdate()
    teams = list(teams_visible_to(user))
    team_ids = {t.pk for t in teams}
    raw_team = request.GET.get("team", "")
    team_id = int(raw_team) if raw_team.isdigit() and int(raw_team) in team_ids else None
    sort = request.GET.get("sort", "date")
    if sort not in selectors.BOARD_SORTS:
        sort = "date"
    descending = request.GET.get("order") == "desc"
    at_risk_only = request.GET.get("at_risk") == "1"
    no_night = request.GET.get("no_night_accommodation") == "1"
    plans = selectors.release_board(
        user=user,
        today=today,
        sort=sort,
        descending=descending,
        team_id=team_id,
        at_risk_only=at_risk_only,
        no_night_accommodation_only=no_night,
    )
    paginator = Paginator(plans, 50)
    page = paginator.get_page(request.GET.get("page"))
    access_log_record(
        actor=user,
        action=Action.LIST_PEOPLE,
        channel=Channel.WEB,
        detail=f"release board sort={sort} page={page.number}",
    )
    query = request.GET.copy()
    query.pop("page", None)
    for key in list(query):
        if key not in ("team", "sort", "order", "at_risk", "no_night_accommodation"):
            query.pop(key)

    def sort_link(key):
        q = query.copy()
        q["sort"] = key
        q["order"] = "asc" if (sort != key or descending) else "desc"
        return "?" + q.urlencode()

    headers = [
        {
            "key": key,
            "label": label,
            "href": sort_link(key),
            "aria_sort": ("descending" if descending else "ascending") if key == sort else "none",
        }
        for key, label in BOARD_COLUMNS
    ]
    return render(
        request,
        "releases/board.html",
        {
            "page": page,
            "paginator": paginator,
            "rows": [_board_row(p, today) for p in page.object_list],
            "headers": headers,
            "teams": teams,
            "team_id": team_id,
            "sort": sort,
            "descending": descending,
            "at_risk_only": at_risk_only,
            "no_night": no_night,
            "page_query": query.urlencode(),
            "today": today,
            "may_see_measures": insights.may_see_measures(user),
        },
    )


# ---- one person's plan -------------------------------------------------------------------------


def _grouped_states(plan, person, today):
    states = selectors.plan_checklist(plan)
    facts = selectors.plan_facts(plan=plan, person=person, today=today)
    for state in states:
        state.facts = facts.get(state.key, [])
    cl = checklist()
    return [
        {"key": key, "label": label, "states": [s for s in states if s.item.group == key]}
        for key, label in cl.groups.items()
    ], states


@require_GET
@requires(Capability.READ_CASES)
def plan_detail(request, crn):
    person = person_get_for(user=request.user, crn=crn, channel=Channel.WEB)
    today = timezone.localdate()
    plan = selectors.person_release_plan(person=person)
    context = {
        "person": person,
        "plan": plan,
        "today": today,
        "can_change": request.user.can_change_cases,
        "in_custody": person.custody_status == CustodyStatus.IN_CUSTODY,
    }
    if plan is not None:
        groups, states = _grouped_states(plan, person, today)
        context.update(
            {
                "groups": groups,
                "closed": sum(1 for s in states if s.applies and s.closed),
                "applicable": sum(1 for s in states if s.applies),
                "prompt": selectors.duty_to_refer_prompt(plan, today),
                "escalated": selectors.needs_escalation(plan, today),
                "days_to_release": (plan.release_date - today).days,
            }
        )
    elif person.expected_release_date:
        context["opens_on"] = person.expected_release_date - dt.timedelta(
            weeks=selectors.PLAN_OPENS_WEEKS
        )
    return render(request, "releases/plan.html", context)


@require_http_methods(["GET", "POST"])
@requires(Capability.CHANGE_CASES)
def item_update(request, crn, key):
    person = _casework_person(request, crn)
    item = checklist().get(key)
    plan = selectors.person_release_plan(person=person)
    if item is None or plan is None or not plan.is_open:
        raise Http404
    state = next(s for s in selectors.plan_checklist(plan) if s.key == key)
    form = ItemForm(
        request.POST or None,
        initial={
            "status": state.status,
            "evidence": state.evidence,
            "reason": state.reason,
            "version": state.version,
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.release_plan_item_update(
                plan_id=plan.pk,
                key=key,
                status=data["status"],
                evidence=data["evidence"],
                reason=data["reason"],
                version=data["version"],
                actor=request.user,
            )
        except services.StaleEdit:
            form.add_error(None, STALE_MESSAGE)
        except (ValidationError, DomainError) as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"{item.label}: saved")
            return redirect(reverse("releases:plan", args=[person.crn]) + f"#item-{key}")
    return render(
        request,
        "releases/item_form.html",
        {"person": person, "plan": plan, "item": item, "state": state, "form": form},
    )


@require_http_methods(["GET", "POST"])
@requires(Capability.CHANGE_CASES)
def release_record(request, crn):
    person = _casework_person(request, crn)
    today = timezone.localdate()
    plan = selectors.person_release_plan(person=person)
    open_plan = plan if plan is not None and plan.is_open else None
    can_record = person.custody_status == CustodyStatus.IN_CUSTODY or open_plan is not None
    initial = {}
    if open_plan is not None and open_plan.release_date <= today:
        initial["released_on"] = open_plan.release_date.strftime("%d/%m/%Y")
    form = ReleaseForm(request.POST or None, initial=initial)
    if request.method == "POST" and can_record and form.is_valid():
        data = form.cleaned_data
        try:
            recorded = services.release_record(
                person_id=person.pk,
                released_on=data["released_on"],
                accommodation_type=data["accommodation_type"],
                address=data["address"],
                actor=request.user,
            )
        except (ValidationError, DomainError) as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                f"Release on {recorded.released_on:%-d %B %Y} recorded: "
                f"{ReleaseAccommodation(recorded.accommodation_type).label.lower()}",
            )
            return redirect("people:detail", crn=person.crn)
    if request.method == "GET":
        case_source.add_notice(form)
    return render(
        request,
        "releases/record_release.html",
        {
            "person": person,
            "plan": open_plan,
            "form": form,
            "can_record": can_record,
            "gaps": selectors.gaps(open_plan) if open_plan is not None else [],
        },
    )


@require_POST
@requires(Capability.CHANGE_CASES)
def confirm_accommodation(request, crn):
    person = _casework_person(request, crn)
    plan = selectors.person_release_plan(person=person)
    if plan is None or not plan.is_released:
        raise Http404
    services.release_confirm_accommodation(plan_id=plan.pk, actor=request.user)
    messages.success(request, "Accommodation after release confirmed")
    return redirect("people:detail", crn=person.crn)


# ---- measures -----------------------------------------------------------------------------------


def _measures_data(request):
    user = request.user
    if not insights.may_see_measures(user):
        raise Http404
    regions = Region.objects.order_by("name")
    pdus = PDU.objects.select_related("region").order_by("name")
    if user.role == Role.HEAD_OF_PDU:
        regions = regions.filter(pdus=user.pdu_id)
        pdus = pdus.filter(pk=user.pdu_id)
    elif user.role == Role.REGIONAL_LEAD:
        regions = regions.filter(pk=user.region_id)
        pdus = pdus.filter(region_id=user.region_id)
    form = MeasuresFilterForm(request.GET or None, regions=regions, pdus=pdus)
    filters = {}
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        filters = {
            "date_from": data["date_from"],
            "date_to": data["date_to"],
            "region_id": data["region"],
            "pdu_id": data["pdu"],
        }
    by_grouping = {
        key: insights.release_figures(user=user, group_by=key, **filters)
        for key in insights.GROUPINGS
    }
    return form, by_grouping


def _shown(count):
    """A count as published: hidden ones (1 to 4, see releases.insights.suppress) as "<5"."""
    return SUPPRESSED if count is None else count


@require_GET
@requires(Capability.SEE_RELEASE_INSIGHTS)
def measures(request):
    form, by_grouping = _measures_data(request)
    first = by_grouping["pdu"]
    ms = insights.measures()
    overall = first["overall"]
    overall_rows = [
        {
            "measure": m,
            "count": _shown(overall[m.numerator]),
            "out_of": _shown(overall[m.denominator]),
            "share": overall[f"{m.key}_share"],
        }
        for m in ms
    ]
    sections = []
    for key, title in insights.GROUPINGS.items():
        rows = by_grouping[key]["groups"]
        for r in rows:
            r["cells"] = [
                {
                    "share": r[f"{m.key}_share"],
                    "count": _shown(r[m.numerator]),
                    "out_of": _shown(r[m.denominator]),
                }
                for m in ms
            ]
        top = rows[:15]
        sections.append(
            {
                "key": key,
                "title": title,
                "rows": rows,
                "chart": bar_chart(
                    [r["label"] for r in top],
                    [r["released_no_fixed_abode_share"] or 0 for r in top],
                    title=f"Released with no fixed abode {title.lower()}",
                    unit="Released with no fixed abode (%)",
                )
                if top
                else "",
            }
        )
    access_log_record(
        actor=request.user,
        action=Action.LIST_PEOPLE,
        channel=Channel.WEB,
        detail="release measures",
    )
    return render(
        request,
        "releases/measures.html",
        {
            "form": form,
            "date_from": first["from"],
            "date_to": first["to"],
            "measures": ms,
            "left_out": first["left_out"],
            "overall_rows": overall_rows,
            "overall_released": _shown(overall["released"]),
            "overall_chart": bar_chart(
                [r["measure"].label for r in overall_rows],
                [r["share"] or 0 for r in overall_rows],
                title="Release measures, all releases in the period",
                unit="Share of releases (%)",
            ),
            "sections": sections,
            "query": request.GET.urlencode(),
        },
    )


@require_GET
@requires(Capability.SEE_RELEASE_INSIGHTS)
def measures_export(request, fmt):
    if fmt not in ("csv", "xlsx"):
        raise Http404
    form, by_grouping = _measures_data(request)
    first = by_grouping["pdu"]
    access_log_record(
        actor=request.user,
        action=Action.LIST_PEOPLE,
        channel=Channel.WEB,
        detail=f"release measures export {fmt}",
    )
    tables = insights.export_tables(by_grouping)
    name = f"release-measures-{first['from'] or 'start'}-{first['to'] or 'today'}"
    if fmt == "csv":
        return csv_response(tables, name)
    return xlsx_response(tables, name)
