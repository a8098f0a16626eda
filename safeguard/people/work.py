"""My work and Team work: the work items about people a member of staff may see.

The work-item engine is in core (``safeguard.core.workitems``); reading the items belongs here
because which items a user may see follows from which people they may see.
"""

from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from safeguard.core.audit import Action, Channel, access_log_record
from safeguard.core.capabilities import Capability, requires
from safeguard.core.models import Role, Staff, Team, WorkItem, WorkItemStatus
from safeguard.core.workitems import rules_by_code
from safeguard.people.selectors import visible_people

# ---- reads ----------------------------------------------------------------------------------


def visible_work_items(user) -> QuerySet[WorkItem]:
    """Items about people the user may see, plus items about no person assigned to them."""
    return WorkItem.objects.filter(
        Q(person__in=visible_people(user).values("pk")) | Q(person__isnull=True, assigned_to=user)
    )


def my_work_items(*, user, status=WorkItemStatus.OPEN) -> QuerySet[WorkItem]:
    return (
        visible_work_items(user)
        .filter(assigned_to=user, status=status)
        .select_related("person")
        .order_by("due_on", "id")
    )


def team_work_items(*, user, rule="", assignee_id=None, status=WorkItemStatus.OPEN):
    """Open items across the teams a senior probation officer manages."""
    teams = Team.objects.filter(members=user).values("pk")
    items = (
        visible_work_items(user)
        .filter(team__in=teams, status=status)
        .select_related("person", "assigned_to")
        .order_by("due_on", "id")
    )
    if rule:
        items = items.filter(rule=rule)
    if assignee_id:
        items = items.filter(assigned_to_id=assignee_id)
    return items


def team_members(*, user) -> QuerySet[Staff]:
    return (
        Staff.objects.filter(teams__in=Team.objects.filter(members=user).values("pk"))
        .filter(role__in=[Role.PRACTITIONER, Role.SENIOR_PROBATION_OFFICER])
        .distinct()
        .order_by("last_name", "first_name")
    )


# ---- pages ----------------------------------------------------------------------------------


@require_GET
@requires(Capability.READ_CASES)
def my_work(request):
    items = my_work_items(user=request.user)
    page = Paginator(items, 50).get_page(request.GET.get("page"))
    access_log_record(
        actor=request.user, action=Action.LIST_PEOPLE, channel=Channel.WEB, detail="my work"
    )
    return render(
        request,
        "people/my_work.html",
        {"page": page, "rules": rules_by_code(), "today": timezone.localdate()},
    )


@require_GET
@requires(Capability.SEE_TEAM_WORK)
def team_work(request):
    """The open work of the teams a senior probation officer manages."""
    rules = rules_by_code()
    rule = request.GET.get("rule", "")
    if rule not in rules:
        rule = ""
    members = list(team_members(user=request.user))
    raw = request.GET.get("assignee", "")
    member_ids = {m.pk for m in members}
    assignee_id = int(raw) if raw.isdigit() and int(raw) in member_ids else None
    items = team_work_items(user=request.user, rule=rule, assignee_id=assignee_id)
    page = Paginator(items, 50).get_page(request.GET.get("page"))
    access_log_record(
        actor=request.user, action=Action.LIST_PEOPLE, channel=Channel.WEB, detail="team work"
    )
    query = [f"rule={rule}"] if rule else []
    if assignee_id:
        query.append(f"assignee={assignee_id}")
    return render(
        request,
        "people/team_work.html",
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
