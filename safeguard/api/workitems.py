from datetime import date, datetime
from typing import Literal

from ninja import Query, Router, Schema
from pydantic import Field

from safeguard.api.schemas import Limit, Offset
from safeguard.core.audit import Action, Channel, access_log_record
from safeguard.core.capabilities import Capability, requires
from safeguard.core.models import WorkItemStatus
from safeguard.people import work

router = Router(tags=["work items"])


class WorkItemOut(Schema):
    id: int
    rule: str
    subject_type: str
    subject_id: int
    crn: str | None
    assigned_to: str | None
    status: str
    priority: str
    due_on: date
    detail: str
    raised_at: datetime


class WorkItemPage(Schema):
    items: list[WorkItemOut]
    count: int


class WorkItemQuery(Schema):
    assigned_to: Literal["me", "team"] = "me"
    status: Literal["open", "done", "resolved", "closed"] = WorkItemStatus.OPEN
    rule: str = Field("", max_length=48)
    limit: Limit = 100
    offset: Offset = 0


@router.get("/work-items", response=WorkItemPage, summary="Work for the caller or their teams")
@requires(Capability.READ_CASES)
def list_work_items(request, filters: Query[WorkItemQuery]):
    """In triage order: urgent, today, soon, then routine items, each soonest due first."""
    user = request.auth
    if filters.assigned_to == "me":
        items = work.my_work_items(user=user, status=filters.status)
    else:
        items = work.team_work_items(user=user, status=filters.status)
    if filters.rule:
        items = items.filter(rule=filters.rule)
    items = items.select_related("person", "assigned_to")
    count = items.count()
    page = list(items[filters.offset : filters.offset + filters.limit])
    access_log_record(
        actor=user, action=Action.LIST_PEOPLE, channel=Channel.API, detail="work items"
    )
    return {
        "count": count,
        "items": [
            {
                "id": i.pk,
                "rule": i.rule,
                "subject_type": i.subject_type,
                "subject_id": i.subject_id,
                "crn": i.person.crn if i.person else None,
                "assigned_to": i.assigned_to.username if i.assigned_to else None,
                "status": i.status,
                "priority": i.priority,
                "due_on": i.due_on,
                "detail": i.detail,
                "raised_at": i.raised_at,
            }
            for i in page
        ],
    }
