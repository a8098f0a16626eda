"""The work-item engine behind "My work".

A rule looks across the whole caseload in SQL and returns the subjects that need something done.
``scan`` raises one open item per rule and subject and resolves open items whose condition no
longer holds. It is idempotent and safe to run concurrently: a partial unique index allows only
one open item per rule and subject, and inserts ignore the conflict.

A rule's ``candidates(today)`` returns a queryset with these values:
``wi_subject_id``, ``wi_person_id``, ``wi_team_id``, ``wi_assignee_id``, ``wi_due_on`` and
optionally ``wi_detail``.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, F, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils.module_loading import import_string

from safeguard.core.models import Role, Staff, WorkItem, WorkItemPriority, WorkItemStatus
from safeguard.learning.guards import not_deceased

CANDIDATE_FIELDS = ("wi_subject_id", "wi_person_id", "wi_team_id", "wi_assignee_id", "wi_due_on")


@dataclass(frozen=True)
class WorkItemRule:
    code: str
    title: str  # plain English, shown in "My work"
    subject_type: str
    candidates: Callable[[date], QuerySet]
    priority: str = WorkItemPriority.NORMAL
    action: str = ""  # what to do about it, in a sentence


def all_rules() -> list[WorkItemRule]:
    return [import_string(path) for path in settings.SAFEGUARD_WORK_ITEM_RULES]


def rules_by_code() -> dict[str, WorkItemRule]:
    return {rule.code: rule for rule in all_rules()}


def assignee(person_prefix: str = "person__"):
    """The allocated practitioner; for an unallocated case, the team's senior probation officer."""
    spo = (
        Staff.objects.filter(
            role=Role.SENIOR_PROBATION_OFFICER,
            is_active=True,
            teams=OuterRef(f"{person_prefix}team_id"),
        )
        .order_by("pk")
        .values("pk")[:1]
    )
    return Coalesce(F(f"{person_prefix}practitioner_id"), Subquery(spo))


@dataclass
class ScanResult:
    rule: str
    raised: int
    resolved: int


def scan(rule: WorkItemRule, *, today: date, person_ids: Iterable[int] | None = None) -> ScanResult:
    """Raise and resolve ``rule``'s items, for everyone or for only ``person_ids``."""
    # After a death the record is closed for day-to-day work: no rule raises anything for it.
    candidates = rule.candidates(today).filter(not_deceased("wi_person_id"))
    open_items = WorkItem.objects.filter(rule=rule.code, status=WorkItemStatus.OPEN)
    if person_ids is not None:
        person_ids = list(person_ids)
        candidates = candidates.filter(wi_person_id__in=person_ids)
        open_items = open_items.filter(person_id__in=person_ids)

    with transaction.atomic():
        resolved = open_items.exclude(subject_id__in=candidates.values("wi_subject_id")).update(
            status=WorkItemStatus.RESOLVED
        )

        already_open = WorkItem.objects.filter(
            rule=rule.code,
            subject_type=rule.subject_type,
            status=WorkItemStatus.OPEN,
            subject_id=OuterRef("wi_subject_id"),
        )
        fields = [*CANDIDATE_FIELDS]
        if "wi_detail" in candidates.query.annotations:
            fields.append("wi_detail")
        new_rows = candidates.filter(~Exists(already_open)).values_list(*fields)
        items = [
            WorkItem(
                rule=rule.code,
                subject_type=rule.subject_type,
                subject_id=row[0],
                person_id=row[1],
                team_id=row[2],
                assigned_to_id=row[3],
                due_on=row[4],
                detail=(row[5] or "")[:300] if len(row) > 5 else "",
                priority=rule.priority,
            )
            for row in new_rows.iterator(chunk_size=5000)
        ]
        WorkItem.objects.bulk_create(items, batch_size=2000, ignore_conflicts=True)
    return ScanResult(rule=rule.code, raised=len(items), resolved=resolved)


def scan_all(*, today: date, person_ids: Iterable[int] | None = None) -> list[ScanResult]:
    ids = None if person_ids is None else list(person_ids)
    return [scan(rule, today=today, person_ids=ids) for rule in all_rules()]


def refresh_for_person_on_commit(person_id: int, today: date):
    """After a change to one case, bring its work items up to date once the change commits."""
    transaction.on_commit(lambda: scan_all(today=today, person_ids=[person_id]))
