"""Reads of work items, scoped through the people the user may see."""

from django.db.models import Q, QuerySet

from safeguard.core.models import Role, Staff, Team, WorkItem, WorkItemStatus
from safeguard.people.selectors import visible_people


def visible_work_items(user) -> QuerySet[WorkItem]:
    """Items about people the user may see, plus items about no person assigned to them."""
    return WorkItem.objects.filter(
        Q(person__in=visible_people(user).values("pk")) | Q(person__isnull=True, assigned_to=user)
    )


def my_work(*, user, status=WorkItemStatus.OPEN) -> QuerySet[WorkItem]:
    return (
        visible_work_items(user)
        .filter(assigned_to=user, status=status)
        .select_related("person")
        .order_by("due_on", "id")
    )


def team_work(*, user, rule="", assignee_id=None, status=WorkItemStatus.OPEN):
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
