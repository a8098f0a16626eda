"""My work and Team work: the work items about people a member of staff may see.

The work-item engine is in core (``safeguard.core.workitems``); reading the items belongs here
because which items a user may see follows from which people they may see.

Both lists are in triage order (``TRIAGE``): urgent, then today, soon and routine, each soonest
due first, sorted by the database. Each item links to the page where its work is done.
"""

from django import forms
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from safeguard.core.audit import Action, Channel, access_log_record, access_log_refusal
from safeguard.core.capabilities import Capability, has_capability, requires
from safeguard.core.errors import StaleEdit
from safeguard.core.forms import posted, submit_form
from safeguard.core.models import (
    Role,
    Staff,
    Team,
    WorkItem,
    WorkItemPriority,
    WorkItemStatus,
    priority_rank,
)
from safeguard.core.workitems import WorkItemRule, rules_by_code
from safeguard.people.audit import WorkEvent
from safeguard.people.gate import case_record_change
from safeguard.people.models import Person
from safeguard.people.selectors import (
    scoped_statement,
    scoped_values,
    visibility,
    visible_people,
)

TRIAGE = (priority_rank(), "due_on", "id")
PAGE_SIZE = 50

# ---- reads ----------------------------------------------------------------------------------


def visible_work_items(user) -> QuerySet[WorkItem]:
    """Items about people the user may see, plus items about no person assigned to them."""
    # The rule tested on each item's own person (``via``), not "person in <every visible
    # person>": for a national user that list is every case, and the count in the navigation
    # on every page would read it all.
    return WorkItem.objects.filter(
        (Q(person__isnull=False) & visibility(user, via="person"))
        | Q(person__isnull=True, assigned_to=user)
    )


def urgent_work_count(user) -> int:
    """The user's open urgent items about people they may see, for "My work (N urgent)": one
    COUNT, scoped exactly as My work is (an item about a case the user has since been excluded
    from is neither listed nor counted)."""
    # On every page (the navigation): compiled once for each kind of user.
    counted = scoped_statement(
        "urgent_work_count",
        user,
        lambda reader: (
            my_work_items(user=reader)
            .filter(priority=WorkItemPriority.URGENT)
            .order_by()
            .values("pk")
        ),
    )
    return counted.count(**scoped_values(user))


# What a list of work shows of each item's person (its links need only the CRN); the other 36
# columns made into objects for every row cost more than the statement.
_PERSON_SHOWN = ("id", "crn", "first_name", "last_name")


def _with_person(items: QuerySet[WorkItem]) -> QuerySet[WorkItem]:
    return items.select_related("person").defer(
        *(
            f"person__{field.name}"
            for field in Person._meta.concrete_fields
            if field.name not in _PERSON_SHOWN
        )
    )


def my_work_items(*, user, status=WorkItemStatus.OPEN) -> QuerySet[WorkItem]:
    return _with_person(
        visible_work_items(user).filter(assigned_to=user, status=status).order_by(*TRIAGE)
    )


def team_work_items(*, user, rule="", assignee_id=None, status=WorkItemStatus.OPEN):
    """Open items across the teams a senior probation officer manages."""
    teams = Team.objects.filter(members=user).values("pk")
    items = _with_person(
        visible_work_items(user)
        .filter(team__in=teams, status=status)
        .select_related("assigned_to")
        .order_by(*TRIAGE)
    )
    if rule:
        items = items.filter(rule=rule)
    if assignee_id:
        items = items.filter(assigned_to_id=assignee_id)
    return items


def work_counts_by_rule(items: QuerySet[WorkItem]) -> list[dict]:
    """Open items by kind (rule) with how many are urgent, most urgent kinds first: one
    GROUP BY query."""
    return list(
        items.order_by()
        .values("rule")
        .annotate(total=Count("pk"), urgent=Count("pk", filter=Q(priority=WorkItemPriority.URGENT)))
        .order_by("-urgent", "-total", "rule")
    )


def team_members(*, user) -> QuerySet[Staff]:
    return (
        Staff.objects.filter(teams__in=Team.objects.filter(members=user).values("pk"))
        .filter(role__in=[Role.PRACTITIONER, Role.SENIOR_PROBATION_OFFICER])
        .distinct()
        .order_by("last_name", "first_name")
    )


def managed_teams(user) -> QuerySet[Team]:
    """The teams whose work ``user`` may reassign: a senior probation officer's own teams, a
    head of PDU's teams in their PDU; nobody else's."""
    if user.role == Role.SENIOR_PROBATION_OFFICER:
        return Team.objects.filter(members=user)
    if user.role == Role.HEAD_OF_PDU and user.pdu_id:
        return Team.objects.filter(pdu_id=user.pdu_id)
    return Team.objects.none()


def reassignable_to(team_id) -> QuerySet[Staff]:
    """Who an item of ``team_id`` may go to: the team's practitioners and senior probation
    officers still in post."""
    return (
        Staff.objects.filter(
            teams=team_id,
            role__in=[Role.PRACTITIONER, Role.SENIOR_PROBATION_OFFICER],
            is_active=True,
            in_post=True,
        )
        .distinct()
        .order_by("last_name", "first_name", "pk")
    )


def item_link(item: WorkItem, rule: WorkItemRule | None) -> str:
    """Where the item's work is done (the rule's ``link``), else the person's page. Needs the
    item's person loaded with it; reverses URLs only, so it runs no query."""
    if rule is not None and rule.link is not None:
        try:
            return rule.link(item)
        except (NoReverseMatch, AttributeError):  # AttributeError: a person link, no person
            pass
    if item.person_id:
        return reverse("people:detail", kwargs={"crn": item.person.crn})
    return ""


def with_links(items, rules: dict[str, WorkItemRule]) -> list[WorkItem]:
    """The page's items, each with ``link`` set."""
    items = list(items)
    for item in items:
        item.link = item_link(item, rules.get(item.rule))
    return items


# ---- changes --------------------------------------------------------------------------------


def work_item_reassign(*, item_id: int, to_id: int, expected_assignee_id, actor) -> WorkItem:
    """Give an open item in one of the actor's teams to another practitioner of the item's team.

    Refused (``StaleEdit``) if the item is no longer open or someone else changed its assignee
    since the actor looked (``expected_assignee_id``). The scan keeps a reassignment made here
    (``reassigned_by``) until the case moves to another team. The audit entry is written in the
    same transaction."""
    items = WorkItem.objects.filter(team__in=managed_teams(actor).values("pk"))
    with case_record_change(
        items,
        pk=item_id,
        actor=actor,
        capability=Capability.REASSIGN_WORK,
        refresh_work=False,
    ) as (change, item):
        if item.status != WorkItemStatus.OPEN:
            raise StaleEdit("This item is no longer open: there is nothing to reassign.")
        if (item.assigned_to_id or None) != (expected_assignee_id or None):
            raise StaleEdit(
                "Someone else reassigned this item after you opened it. Check who has it now "
                "and reassign it again if you need to."
            )
        to = reassignable_to(item.team_id).filter(pk=to_id).first()
        if to is None:
            raise ValidationError({"assignee": "Choose a practitioner in the item's team"})
        if to.pk == item.assigned_to_id:
            raise ValidationError({"assignee": f"{to.display_name} already has this item"})
        old = {"assigned_to": item.assigned_to_id}
        item.assigned_to = to
        item.reassigned_by = actor
        item.reassigned_at = timezone.now()
        item.save(update_fields=["assigned_to", "reassigned_by", "reassigned_at"])
        change.record(
            WorkEvent.WORK_ITEM_REASSIGNED,
            record=item,
            old=old,
            new={"assigned_to": to.pk, "rule": item.rule},
            detail=f"Reassigned a work item ({item.rule}) to {to.username}",
        )
    return item


# ---- pages ----------------------------------------------------------------------------------


@require_GET
@requires(Capability.READ_CASES)
def my_work(request):
    rules = rules_by_code()
    items = my_work_items(user=request.user)
    page = Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = with_links(page.object_list, rules)
    access_log_record(
        actor=request.user, action=Action.LIST_PEOPLE, channel=Channel.WEB, detail="my work"
    )
    return render(
        request,
        "people/my_work.html",
        {"page": page, "rules": rules, "today": timezone.localdate()},
    )


@require_GET
@requires(Capability.SEE_TEAM_WORK)
def team_work(request):
    """The open work of the teams a senior probation officer manages: counts by kind, then the
    items in triage order, a page at a time."""
    rules = rules_by_code()
    rule = request.GET.get("rule", "")
    if rule not in rules:
        rule = ""
    members = list(team_members(user=request.user))
    raw = request.GET.get("assignee", "")
    member_ids = {m.pk for m in members}
    assignee_id = int(raw) if raw.isdigit() and int(raw) in member_ids else None
    counts = work_counts_by_rule(team_work_items(user=request.user, assignee_id=assignee_id))
    items = team_work_items(user=request.user, rule=rule, assignee_id=assignee_id)
    page = Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = with_links(page.object_list, rules)
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
            "counts": [
                {**c, "title": getattr(rules.get(c["rule"]), "title", c["rule"])} for c in counts
            ],
            "assignee_query": f"&assignee={assignee_id}" if assignee_id else "",
            "page_query": "&".join(query),
            "can_reassign": has_capability(request.user, Capability.REASSIGN_WORK),
            "today": timezone.localdate(),
        },
    )


class ReassignForm(forms.Form):
    assignee = forms.TypedChoiceField(
        label="Who should do it?",
        coerce=int,
        error_messages={
            "required": "Choose who should do it",
            "invalid_choice": "Choose a practitioner in the item's team",
        },
    )
    # Who had the item when the page was shown: the change is refused if that has changed.
    current = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].choices = [("", "Choose a practitioner"), *choices]


@require_http_methods(["GET", "POST"])
@requires(Capability.REASSIGN_WORK)
def work_reassign(request, item_id):
    """Give one of the team's open items to another practitioner of the team."""
    item = (
        WorkItem.objects.filter(
            pk=item_id,
            team__in=managed_teams(request.user).values("pk"),
            person__in=visible_people(request.user).values("pk"),
        )
        .select_related("person", "assigned_to")
        .first()
    )
    if item is None:
        access_log_refusal(
            actor=request.user, channel=Channel.WEB, detail=f"work item {item_id}: not visible"
        )
        raise Http404("Nothing with that reference is visible to you.")
    rules = rules_by_code()
    rule = rules.get(item.rule)
    choices = [
        (s.pk, s.display_name) for s in reassignable_to(item.team_id) if s.pk != item.assigned_to_id
    ]
    form = ReassignForm(posted(request), choices=choices, initial={"current": item.assigned_to_id})
    response = submit_form(
        request,
        form,
        lambda data: work_item_reassign(
            item_id=item.pk,
            to_id=data["assignee"],
            expected_assignee_id=data["current"],
            actor=request.user,
        ),
        success=lambda done: f"Work item reassigned to {done.assigned_to.display_name}",
        next_url=reverse("team_work")
        if has_capability(request.user, Capability.SEE_TEAM_WORK)
        else item_link(item, rule),
    )
    if response:
        return response
    return render(
        request,
        "people/work_reassign.html",
        {
            "item": item,
            "rule": rule,
            "link": item_link(item, rule),
            "form": form,
            "is_open": item.status == WorkItemStatus.OPEN,
        },
    )
