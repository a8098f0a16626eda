from django.contrib.auth.decorators import login_not_required
from django.core.paginator import Paginator
from django.db import connection
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from safeguard.core import selectors
from safeguard.core.audit import Action, Channel, access_log_record
from safeguard.core.models import Role
from safeguard.core.workitems import rules_by_code


@require_GET
def home(request):
    return redirect("people:caseload")


@login_not_required
@never_cache
@require_GET
def healthz(request):
    """For load balancers: 200 while the database answers, 503 when it does not."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # noqa: BLE001 - any database failure means "not healthy"
        return JsonResponse({"status": "unavailable", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


@require_GET
def my_work(request):
    items = selectors.my_work(user=request.user)
    page = Paginator(items, 50).get_page(request.GET.get("page"))
    access_log_record(
        actor=request.user, action=Action.LIST_PEOPLE, channel=Channel.WEB, detail="my work"
    )
    return render(
        request,
        "core/my_work.html",
        {"page": page, "rules": rules_by_code(), "today": timezone.localdate()},
    )


@require_GET
def team_work(request):
    """The open work of the teams a senior probation officer manages."""
    if request.user.role != Role.SENIOR_PROBATION_OFFICER:
        raise Http404
    rules = rules_by_code()
    rule = request.GET.get("rule", "")
    if rule not in rules:
        rule = ""
    members = list(selectors.team_members(user=request.user))
    raw = request.GET.get("assignee", "")
    member_ids = {m.pk for m in members}
    assignee_id = int(raw) if raw.isdigit() and int(raw) in member_ids else None
    items = selectors.team_work(user=request.user, rule=rule, assignee_id=assignee_id)
    page = Paginator(items, 50).get_page(request.GET.get("page"))
    access_log_record(
        actor=request.user, action=Action.LIST_PEOPLE, channel=Channel.WEB, detail="team work"
    )
    query = [f"rule={rule}"] if rule else []
    if assignee_id:
        query.append(f"assignee={assignee_id}")
    return render(
        request,
        "core/team_work.html",
        {
            "page": page,
            "rules": rules,
            "members": members,
            "rule": rule,
            "assignee_id": assignee_id,
            "page_query": "&".join(query),
            "today": timezone.localdate(),
        },
    )
