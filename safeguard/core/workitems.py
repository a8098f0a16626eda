"""The work-item engine behind "My work".

A rule looks across the whole caseload in SQL and returns the subjects that need something done.
``scan`` raises one open item per rule and subject and resolves open items whose condition no
longer holds. It is idempotent and safe to run concurrently: a partial unique index allows only
one open item per rule and subject, and inserts ignore the conflict.

A rule's ``candidates(today)`` returns a queryset with these values:
``wi_subject_id``, ``wi_person_id``, ``wi_team_id``, ``wi_assignee_id``, ``wi_due_on`` and
optionally ``wi_detail``.

Every rule declares its priority (``WorkItemPriority``: urgent, today, soon or routine), which
orders the lists, and may declare a ``link`` to the page where the work is done (``link_to``).
"""

from collections.abc import Callable, Iterable
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date

from django.db import connection, transaction
from django.db.models import DateField, F, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from safeguard.core import registry
from safeguard.core.models import Role, Staff, WorkItem, WorkItemPriority, WorkItemStatus

CANDIDATE_FIELDS = ("wi_subject_id", "wi_person_id", "wi_team_id", "wi_assignee_id", "wi_due_on")


@dataclass(frozen=True)
class WorkItemRule:
    code: str
    title: str  # plain English, shown in "My work"
    subject_type: str
    candidates: Callable[[date], QuerySet]
    priority: WorkItemPriority  # no default: every rule says how soon its work is needed
    action: str = ""  # what to do about it, in a sentence
    # Where the work is done: a function (item) -> URL, see ``link_to``. The item's person is
    # loaded with it (``select_related("person")``), so a link costs no query. Without one, or
    # if it fails, the lists link to the person's page.
    link: Callable[[WorkItem], str] | None = None
    # A candidate counts only when its ``wi_detail`` is not empty: a rule whose detail names
    # what holds (say, each unmet need) then works its conditions out once, in the detail,
    # rather than again in a filter.
    detail_required: bool = False

    def __post_init__(self):
        if self.priority not in WorkItemPriority.values:
            raise ValueError(
                f"Work-item rule {self.code}: priority must be one of "
                f"{', '.join(WorkItemPriority.values)}, not {self.priority!r}"
            )


def link_to(
    url_name: str, *, subject: str | None = None, person: bool = True, anchor: str = ""
) -> Callable[[WorkItem], str]:
    """A rule's ``link``: the page ``url_name``, given the item's person's CRN as ``crn``
    (unless ``person=False``) and, if ``subject`` names a URL parameter, the item's subject id
    as that parameter. ``link_to("referrals:detail", subject="referral_id")``."""

    def link(item: WorkItem) -> str:
        kwargs = {"crn": item.person.crn} if person else {}
        if subject:
            kwargs[subject] = item.subject_id
        return reverse(url_name, kwargs=kwargs) + (f"#{anchor}" if anchor else "")

    return link


def all_rules() -> list[WorkItemRule]:
    """The rules each area registers in its ``AppConfig.ready()``, in their order."""
    return list(registry.work_item_rules)


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


def candidates_about_people(
    queryset: QuerySet, *, due_on, person: str = "person", assigned_to=None, detail=None
) -> QuerySet:
    """``queryset`` with the values the scan reads (``wi_*``), for a rule whose subjects are
    the rows themselves: records reached from a person through ``person`` (a foreign-key path
    such as ``"referral__person"``), or people themselves with ``person=""``.

    The item goes to ``assigned_to`` (an expression) or else the case's practitioner, or its
    team's senior probation officer when unallocated; ``due_on`` is a date or an expression."""
    prefix = f"{person}__" if person else ""
    values = {
        "wi_subject_id": F("pk"),
        "wi_person_id": F(f"{prefix}id" if person else "pk"),
        "wi_team_id": F(f"{prefix}team_id"),
        "wi_assignee_id": assignee(prefix) if assigned_to is None else assigned_to,
        "wi_due_on": due_on
        if hasattr(due_on, "resolve_expression")
        else Value(due_on, output_field=DateField()),
    }
    if detail is not None:
        values["wi_detail"] = detail
    return queryset.annotate(**values).order_by()


@dataclass
class ScanResult:
    rule: str
    raised: int
    resolved: int
    reassigned: int = 0


def scan(rule: WorkItemRule, *, today: date, person_ids: Iterable[int] | None = None) -> ScanResult:
    """Raise, resolve and re-home ``rule``'s items, for everyone or for only ``person_ids``:
    three statements, whatever the size of the caseload (no row passes through Python)."""
    candidates = rule.candidates(today)
    # Conditions on the person that hold for every rule (people registers "has not died": the
    # record is closed for day-to-day work, so no rule raises anything for it).
    for condition in registry.work_item_conditions:
        candidates = candidates.filter(condition("wi_person_id"))
    if rule.detail_required and person_ids is not None:
        candidates = candidates.filter(wi_detail__gt="")  # neither empty nor NULL
    if person_ids is not None:
        person_ids = list(person_ids)
        if not person_ids:
            return ScanResult(rule=rule.code, raised=0, resolved=0)
        candidates = candidates.filter(wi_person_id__in=person_ids)

    with transaction.atomic():
        now = timezone.now()
        if person_ids is None:
            # Across the caseload the candidates are worked out once, into a temporary table,
            # rather than once for each of the three statements.
            with _kept(candidates, detail_required=rule.detail_required) as source:
                resolved = _resolve_missing(rule, source, now)
                reassigned = _rehome(rule, source)
                raised = _raise_new(rule, source, now)
        else:
            # For a few people the candidates are cheap to run, in a subquery of each statement
            # (the correlated form stays on indexes); compiling them costs more, so once.
            source = _Source.of(candidates)
            resolved = _resolve_missing(rule, source, now, person_ids=person_ids)
            reassigned = _rehome(rule, source)
            raised = _raise_new(rule, source, now)
    return ScanResult(rule=rule.code, raised=raised, resolved=resolved, reassigned=reassigned)


@dataclass(frozen=True)
class _Source:
    """Where the three statements read the candidates from: SQL for ``FROM``, its parameters,
    and whether it has a ``wi_detail`` column."""

    sql: str
    params: tuple
    has_detail: bool

    @classmethod
    def of(cls, candidates: QuerySet) -> "_Source":
        has_detail = "wi_detail" in candidates.query.annotations
        fields = [*CANDIDATE_FIELDS, *(["wi_detail"] if has_detail else [])]
        sql, params = candidates.values_list(*fields).query.sql_with_params()
        return cls(f"({sql})", tuple(params), has_detail)


KEPT_TABLE = "sg_scan_candidates"


@contextmanager
def _kept(candidates: QuerySet, *, detail_required: bool):
    """The candidates computed once into a temporary table, dropped afterwards."""
    query = _Source.of(candidates)
    q = connection.ops.quote_name
    table = q(KEPT_TABLE)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {table}")
        cursor.execute(
            f"CREATE TEMPORARY TABLE {table} AS SELECT * FROM {query.sql} AS c",  # noqa: S608
            query.params,
        )
        if detail_required:
            # Afterwards, not in a WHERE: the database would fold the subquery into the outer
            # query and work the detail out twice, once for the filter and once for the column.
            cursor.execute(
                f"DELETE FROM {table} WHERE {q('wi_detail')} IS NULL OR {q('wi_detail')} = ''"  # noqa: S608
            )
        # Indexed, so that each statement below finds a subject's row whatever plan the
        # database picks (with stale statistics a plan may probe once per work item).
        cursor.execute(
            f"CREATE INDEX {q(KEPT_TABLE + '_subject')} ON {table} ({q('wi_subject_id')})"
        )
        if connection.vendor == "postgresql":
            # A temporary table has no statistics until asked; the joins below need its size.
            cursor.execute(f"ANALYZE {table}")
    yield _Source(table, (), query.has_detail)
    # Not in a ``finally``: after an error the transaction is rolled back, the table's creation
    # with it, and a statement sent to PostgreSQL's aborted transaction would hide the error.
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {table}")


def _resolve_missing(rule: WorkItemRule, source: _Source, now, person_ids=None) -> int:
    """Resolve the rule's open items (of ``person_ids`` only, if given) whose subject is no
    longer a candidate."""
    q = connection.ops.quote_name
    table = q(WorkItem._meta.db_table)
    of_people = ""
    if person_ids is not None:  # never empty: ``scan`` returns before
        of_people = f"AND {q('person_id')} IN ({', '.join(['%s'] * len(person_ids))}) "
    sql = (
        f"UPDATE {table} SET {q('status')} = %s, {q('status_changed_at')} = %s "  # noqa: S608
        f"WHERE {q('rule')} = %s AND {q('status')} = %s {of_people}AND NOT EXISTS "
        f"(SELECT 1 FROM {source.sql} AS c WHERE c.{q('wi_subject_id')} = {table}.{q('subject_id')})"
    )
    stamp = connection.ops.adapt_datetimefield_value(now)
    params = [WorkItemStatus.RESOLVED, stamp, rule.code, WorkItemStatus.OPEN]
    params += [*(person_ids or ()), *source.params]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return max(cursor.rowcount, 0)


def _candidate_columns() -> list[str]:
    """The candidate columns of subquery ``c``, typed as the work item's columns."""
    q = connection.ops.quote_name
    values = [f"c.{q(f)}" for f in CANDIDATE_FIELDS]
    if connection.vendor != "postgresql":
        return values
    # A rule may give a column as a bare parameter (say, no team), which PostgreSQL types as
    # text inside the subquery; SQLite has no such types to match.
    targets = ("subject_id", "person_id", "team_id", "assigned_to_id", "due_on")
    return [
        f"CAST({v} AS {WorkItem._meta.get_field(t).db_type(connection)})"
        for v, t in zip(values, targets, strict=True)
    ]


def _rehome(rule: WorkItemRule, source: _Source) -> int:
    """Bring open items in line with the rule: point them at whoever the rule now names (the
    case moved to another practitioner or team, an escalation to another holder) and give them
    the rule's priority (it may have changed since they were raised). One UPDATE ... FROM the
    candidates, only where something changed.

    An item a manager reassigned by hand (``reassigned_by``) keeps its assignee while its case
    stays in the same team; if the case moves to another team, the rule's assignee takes over
    again and the manual reassignment is forgotten."""
    q = connection.ops.quote_name
    table = q(WorkItem._meta.db_table)
    subject, _, team, assignee, _ = _candidate_columns()
    differs = "IS DISTINCT FROM" if connection.vendor == "postgresql" else "IS NOT"
    own = f"{table}.{q('assigned_to_id')}"
    manual = f"{table}.{q('reassigned_by_id')} IS NOT NULL"
    team_moved = f"{table}.{q('team_id')} {differs} {team}"
    # In an UPDATE, every right-hand side reads the row as it was before the update.
    sql = (
        f"UPDATE {table} SET "  # noqa: S608
        f"{q('assigned_to_id')} = CASE WHEN {manual} AND NOT ({team_moved}) "
        f"THEN {own} ELSE {assignee} END, "
        f"{q('reassigned_by_id')} = CASE WHEN {team_moved} "
        f"THEN NULL ELSE {table}.{q('reassigned_by_id')} END, "
        f"{q('reassigned_at')} = CASE WHEN {team_moved} "
        f"THEN NULL ELSE {table}.{q('reassigned_at')} END, "
        f"{q('team_id')} = {team}, {q('priority')} = %s "
        f"FROM {source.sql} AS c WHERE {table}.{q('rule')} = %s "
        f"AND {table}.{q('subject_type')} = %s AND {table}.{q('status')} = %s "
        f"AND {table}.{q('subject_id')} = {subject} "
        f"AND ((NOT ({manual}) AND {own} {differs} {assignee}) OR {team_moved} "
        f"OR {table}.{q('priority')} <> %s)"
    )
    params = [
        rule.priority,
        *source.params,
        rule.code,
        rule.subject_type,
        WorkItemStatus.OPEN,
        rule.priority,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return max(cursor.rowcount, 0)


def _raise_new(rule: WorkItemRule, source: _Source, now) -> int:
    """INSERT ... SELECT one open item for each candidate without one. The partial unique index
    turns a race with a concurrent scan into a skipped row (ON CONFLICT DO NOTHING)."""
    q = connection.ops.quote_name
    table = q(WorkItem._meta.db_table)
    columns = [
        "rule",
        "subject_type",
        "subject_id",
        "person_id",
        "team_id",
        "assigned_to_id",
        "due_on",
        "detail",
        "priority",
        "status",
        "raised_at",
        "status_changed_at",
    ]
    detail = f"SUBSTR(COALESCE(c.{q('wi_detail')}, ''), 1, 300)" if source.has_detail else "''"
    values = _candidate_columns()
    # Only quoted names are formatted in; every value is a parameter. The WHERE clause also
    # tells SQLite's parser that ON CONFLICT belongs to the INSERT, not to a join.
    sql = (
        f"INSERT INTO {table} ({', '.join(q(c) for c in columns)}) "  # noqa: S608
        f"SELECT %s, %s, {', '.join(values)}, {detail}, %s, %s, %s, %s FROM {source.sql} AS c "
        f"WHERE NOT EXISTS (SELECT 1 FROM {table} AS w WHERE w.{q('rule')} = %s "
        f"AND w.{q('subject_type')} = %s AND w.{q('status')} = %s "
        f"AND w.{q('subject_id')} = c.{q('wi_subject_id')}) ON CONFLICT DO NOTHING"
    )
    stamp = connection.ops.adapt_datetimefield_value(now)
    params = [rule.code, rule.subject_type, rule.priority, WorkItemStatus.OPEN, stamp, stamp]
    already_open = [rule.code, rule.subject_type, WorkItemStatus.OPEN]
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, *source.params, *already_open])
        return max(cursor.rowcount, 0)


def scan_all(*, today: date, person_ids: Iterable[int] | None = None) -> list[ScanResult]:
    ids = None if person_ids is None else list(person_ids)
    return [scan(rule, today=today, person_ids=ids) for rule in all_rules()]


def refresh_for_person_on_commit(person_id: int, today: date):
    """After a change to one case, bring its work items up to date once the change commits."""
    transaction.on_commit(lambda: scan_all(today=today, person_ids=[person_id]))
