"""``import_delius DIR``: load an nDelius-shaped extract (``cases.csv``, ``allocations.csv``,
``registrations.csv``; columns in the README and below).

Every row is checked with the same field rules as the case summary contract
(``safeguard.integration.summary``) and against the other files and the database (known team,
staff and register codes; a case must have a team). Each bad row is reported with its file,
line and reason (never its values) and left out; the good ones are loaded. Loading is
idempotent: the same extract twice changes nothing the second time (people matched by CRN,
registrations by their nDelius id; a record changes, and its version moves on, only if a value
differs). The extract is the whole of each case it names: a registration with an nDelius id on
one of those cases that the extract no longer lists is ended as entered in error (kept).

On PostgreSQL the checked rows are COPYed into temporary staging tables and written with a
few set-based ``INSERT ... ON CONFLICT DO UPDATE`` and ``UPDATE ... FROM`` statements, in one
transaction. Elsewhere (SQLite, for development) the same result comes from the ORM in bulk.
The record's history (django-simple-history) is not written by the bulk load; the access log
gets one entry for the run and ``ImportRun`` keeps its counts.
"""

import csv
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from django.db import connection, transaction
from django.utils import timezone

from safeguard.core import bounds
from safeguard.core.audit import Action, Channel, access_log_record
from safeguard.core.models import Staff, Team
from safeguard.integration.audit import IntegrationEvent
from safeguard.integration.models import ImportRun
from safeguard.integration.reconcile import integration_account
from safeguard.integration.summary import (
    ID_PATTERN,
    NOTES_MAX,
    SummaryError,
    parse_bool,
    parse_code,
    parse_crn,
    parse_date,
    parse_ethnicity,
    parse_sex,
    parse_text,
)
from safeguard.people.models import (
    CRN_PATTERN,
    Allocation,
    AllocationReason,
    CustodyStatus,
    Person,
    PersonStatus,
    SentenceType,
)
from safeguard.registrations.models import (
    EndReason,
    RegisterType,
    Registration,
    RegistrationStatus,
)

CASES, ALLOCATIONS, REGISTRATIONS = "cases.csv", "allocations.csv", "registrations.csv"
COLUMNS = {
    CASES: (
        "crn",
        "forename",
        "surname",
        "date_of_birth",
        "sex",
        "ethnicity",
        "in_custody",
        "expected_release_date",
    ),
    ALLOCATIONS: ("crn", "team_code", "staff_code", "allocated_on"),
    REGISTRATIONS: (
        "id",
        "crn",
        "type_code",
        "start_date",
        "next_review_date",
        "notes",
        "active",
        "end_date",
    ),
}
OPTIONAL_COLUMNS = {CASES: ("sentence_type", "supervision_start")}


class ExtractError(Exception):
    """The extract cannot be read at all (a file or a column missing)."""


@dataclass(frozen=True)
class BadRow:
    file: str
    line: int
    reason: str

    def __str__(self):
        return f"{self.file} line {self.line}: {self.reason}"


@dataclass
class ImportReport:
    cases_read: int = 0
    cases_created: int = 0
    cases_updated: int = 0
    allocations_changed: int = 0
    registrations_read: int = 0
    registrations_created: int = 0
    registrations_updated: int = 0
    registrations_removed: int = 0
    bad_rows: list[BadRow] = field(default_factory=list)

    def __str__(self):
        return (
            f"{self.cases_read} cases read: {self.cases_created} created, "
            f"{self.cases_updated} updated, {self.allocations_changed} allocations changed; "
            f"{self.registrations_read} registrations read: {self.registrations_created} "
            f"created, {self.registrations_updated} updated, {self.registrations_removed} "
            f"ended as deleted in nDelius; {len(self.bad_rows)} bad rows left out"
        )


@dataclass(slots=True)
class CaseRow:
    crn: str
    first_name: str
    last_name: str
    date_of_birth: date
    sex: str
    ethnicity: str
    custody_status: str
    expected_release_date: date | None
    sentence_type: str
    supervision_start: date | None


@dataclass(slots=True)
class AllocationRow:
    crn: str
    team_id: int
    pdu_id: int
    practitioner_id: int | None
    allocated_on: date


@dataclass(slots=True)
class RegistrationRow:
    delius_id: str
    crn: str
    register_type_id: int
    status: str
    start_date: date
    next_review_date: date | None
    notes: str
    ended_on: date | None
    end_reason: str
    end_notes: str


# ---- reading -------------------------------------------------------------------------------


def _read(path: Path, name: str) -> Iterator[tuple[int, dict]]:
    required, optional = COLUMNS[name], OPTIONAL_COLUMNS.get(name, ())
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.reader(handle)
        header = [h.strip().lower() for h in next(reader, [])]
        missing = [c for c in required if c not in header]
        if missing:
            raise ExtractError(f"{name}: the header has no column {', '.join(missing)}")
        wanted = [c for c in (*required, *optional) if c in header]
        positions = [(c, header.index(c)) for c in wanted]
        width = len(header)
        for row in reader:
            if not row or (len(row) == 1 and not row[0].strip()):
                continue
            if len(row) != width:
                yield reader.line_num, {"_width": len(row), "_header": width}
                continue
            yield reader.line_num, {c: row[i] for c, i in positions}


def _case(values: dict) -> CaseRow:
    in_custody = parse_bool(values["in_custody"] or "N", "in_custody")
    sentence_type = (values.get("sentence_type") or "").strip().lower()
    if sentence_type and sentence_type not in SentenceType.values:
        raise SummaryError("sentence_type is not one of " + ", ".join(SentenceType.values))
    return CaseRow(
        crn=parse_crn(values["crn"]),
        first_name=parse_text(values["forename"], "forename"),
        last_name=parse_text(values["surname"], "surname"),
        date_of_birth=parse_date(values["date_of_birth"], "date_of_birth", kind="birth"),
        sex=parse_sex(values["sex"]),
        ethnicity=parse_ethnicity(values["ethnicity"]),
        custody_status=CustodyStatus.IN_CUSTODY if in_custody else CustodyStatus.IN_COMMUNITY,
        expected_release_date=parse_date(
            values["expected_release_date"], "expected_release_date", required=False
        )
        if in_custody
        else None,
        sentence_type=sentence_type,
        supervision_start=parse_date(
            values.get("supervision_start"), "supervision_start", required=False
        ),
    )


_CRN = re.compile(CRN_PATTERN)
_TRUE, _FALSE = frozenset({"y", "yes", "true", "1"}), frozenset({"n", "no", "false", "0"})


def _csv_date(value: str, field: str, *, required: bool = True) -> date | None:
    """The contract's date rule for a CSV cell, without the JSON checks (1.5M rows a run)."""
    value = value.strip()
    if not value:
        if required:
            raise SummaryError(f"{field} is required")
        return None
    try:
        parsed = date.fromisoformat(value)
    except ValueError:
        raise SummaryError(f"{field} must be a date like 2026-01-31") from None
    if not bounds.ANY_EARLIEST <= parsed <= bounds.ANY_LATEST:
        raise SummaryError(f"{field} is not a plausible date")
    return parsed


def _registration(values: dict, types: dict[str, int]) -> RegistrationRow:
    """One row of registrations.csv, by the same rules as ``summary.parse_registration``."""
    delius_id = values["id"].strip()
    if not ID_PATTERN.match(delius_id):
        raise SummaryError("id must be the nDelius registration id")
    crn = values["crn"].strip().upper()
    if not _CRN.match(crn):
        raise SummaryError("crn must be a CRN (a letter and six digits)")
    type_id = types.get(values["type_code"].strip().upper())
    if type_id is None:
        raise SummaryError("type_code is not a register type in Safeguard's catalogue")
    flag = values["active"].strip().lower()
    if flag not in _TRUE and flag not in _FALSE:
        raise SummaryError("active must be true or false")
    active = flag in _TRUE
    start = _csv_date(values["start_date"], "start_date")
    review = end = None
    if active:
        review = _csv_date(values["next_review_date"], "next_review_date", required=False)
    else:
        end = _csv_date(values["end_date"], "end_date")
        if end < start:
            raise SummaryError("end_date is before start_date")
    notes = values["notes"].strip()
    if len(notes) > NOTES_MAX:
        raise SummaryError(f"notes is longer than {NOTES_MAX} characters")
    return RegistrationRow(
        delius_id,
        crn,
        type_id,
        RegistrationStatus.ACTIVE if active else RegistrationStatus.ENDED,
        start,
        review,
        notes,
        end,
        "" if active else EndReason.NO_LONGER_APPLIES,
        "" if active else "Deregistered in nDelius",
    )


@dataclass
class Extract:
    cases: dict[str, CaseRow]
    allocations: dict[str, AllocationRow]
    registrations: dict[str, RegistrationRow]
    has_registrations: bool


def read_extract(directory: Path, report: ImportReport, bad: Callable[[BadRow], None]) -> Extract:
    """Check every row; the good ones, keyed, and every bad one reported through ``bad``."""
    for name in (CASES, ALLOCATIONS):
        if not (directory / name).is_file():
            raise ExtractError(f"{directory} has no {name}")
    known = set(Person.objects.values_list("crn", flat=True))
    teams = {
        code: (pk, pdu)
        for code, pk, pdu in Team.objects.exclude(code="").values_list("code", "pk", "pdu_id")
    }
    staff = dict(Staff.objects.exclude(staff_code="").values_list("staff_code", "pk"))
    types = dict(RegisterType.objects.values_list("code", "pk"))

    def width(values, name, line) -> bool:
        if "_width" in values:
            bad(
                BadRow(
                    name, line, f"has {values['_width']} fields; the header has {values['_header']}"
                )
            )
            return False
        return True

    cases: dict[str, CaseRow] = {}
    case_lines: dict[str, int] = {}
    for line, values in _read(directory / CASES, CASES):
        report.cases_read += 1
        if not width(values, CASES, line):
            continue
        try:
            row = _case(values)
        except SummaryError as exc:
            bad(BadRow(CASES, line, str(exc)))
            continue
        if row.crn in cases:
            bad(BadRow(CASES, line, f"the same CRN as line {case_lines[row.crn]}"))
            continue
        cases[row.crn], case_lines[row.crn] = row, line

    allocations: dict[str, AllocationRow] = {}
    allocation_lines: dict[str, int] = {}
    for line, values in _read(directory / ALLOCATIONS, ALLOCATIONS):
        if not width(values, ALLOCATIONS, line):
            continue
        try:
            crn = parse_crn(values["crn"])
            team_code = parse_code(values["team_code"], "team_code")
            staff_code = parse_code(values["staff_code"], "staff_code", required=False)
            allocated_on = parse_date(values["allocated_on"], "allocated_on")
            if team_code not in teams:
                raise SummaryError("no team in Safeguard has this team_code")
            if staff_code and staff_code not in staff:
                raise SummaryError("no member of staff in Safeguard has this staff_code")
            if crn not in cases and crn not in known:
                raise SummaryError(
                    "the case is neither in cases.csv (as a good row) nor in Safeguard"
                )
            if crn in allocations:
                raise SummaryError(f"the same CRN as line {allocation_lines[crn]}")
        except SummaryError as exc:
            bad(BadRow(ALLOCATIONS, line, str(exc)))
            continue
        team_id, pdu_id = teams[team_code]
        allocations[crn] = AllocationRow(crn, team_id, pdu_id, staff.get(staff_code), allocated_on)
        allocation_lines[crn] = line

    for crn in [c for c in cases if c not in allocations and c not in known]:
        bad(
            BadRow(
                CASES, case_lines[crn], "a new case needs its team: no good row in allocations.csv"
            )
        )
        del cases[crn]

    registrations: dict[str, RegistrationRow] = {}
    registration_lines: dict[str, int] = {}
    has_registrations = (directory / REGISTRATIONS).is_file()
    if has_registrations:
        for line, values in _read(directory / REGISTRATIONS, REGISTRATIONS):
            report.registrations_read += 1
            if not width(values, REGISTRATIONS, line):
                continue
            try:
                row = _registration(values, types)
                if row.crn not in cases and row.crn not in known:
                    raise SummaryError(
                        "the case is neither in cases.csv (as a good row) nor in Safeguard"
                    )
                if row.delius_id in registrations:
                    raise SummaryError(f"the same id as line {registration_lines[row.delius_id]}")
            except SummaryError as exc:
                bad(BadRow(REGISTRATIONS, line, str(exc)))
                continue
            registrations[row.delius_id] = row
            registration_lines[row.delius_id] = line
    return Extract(cases, allocations, registrations, has_registrations)


# ---- loading -------------------------------------------------------------------------------


def import_extract(
    directory: Path | str,
    *,
    today: date | None = None,
    on_bad_row: Callable[[BadRow], None] | None = None,
) -> ImportReport:
    directory = Path(directory)
    today = today or timezone.localdate()
    report = ImportReport()

    def bad(row: BadRow):
        report.bad_rows.append(row)
        if on_bad_row:
            on_bad_row(row)

    extract = read_extract(directory, report, bad)
    account = integration_account()
    run = ImportRun.objects.create()
    with transaction.atomic():
        if connection.vendor == "postgresql":
            _load_postgresql(extract, report, account, today)
        else:
            _load_orm(extract, report, account, today)
        access_log_record(
            actor=account,
            action=Action.CHANGE_PERSON,
            channel=Channel.DELIUS,
            event=IntegrationEvent.BULK_LOADED.value,
            detail=f"{IntegrationEvent.BULK_LOADED.label}: {report.cases_created} created, "
            f"{report.cases_updated} updated",
            changes={"new": {"import_run": run.pk, "bad_rows": len(report.bad_rows)}},
        )
    run.finished_at = timezone.now()
    run.cases = report.cases_created + report.cases_updated
    run.allocations = report.allocations_changed
    run.registrations = (
        report.registrations_created + report.registrations_updated + report.registrations_removed
    )
    run.bad_rows = len(report.bad_rows)
    run.save()
    return report


PERSON_FACTS = (
    "first_name",
    "last_name",
    "date_of_birth",
    "sex",
    "ethnicity",
    "custody_status",
    "expected_release_date",
)
REGISTRATION_FACTS = (
    "person_id",
    "register_type_id",
    "status",
    "start_date",
    "next_review_date",
    "notes",
    "ended_on",
    "end_reason",
    "end_notes",
)


def _load_orm(extract: Extract, report: ImportReport, account, today: date) -> None:
    """Any database (SQLite in development): the ORM in bulk, the same result as PostgreSQL's."""
    now = timezone.now()
    wanted = {
        *extract.cases,
        *extract.allocations,
        *(r.crn for r in extract.registrations.values()),
    }
    everyone = Person.objects.all() if len(wanted) > 5000 else Person.objects.filter(crn__in=wanted)
    people = {p.crn: p for p in everyone if p.crn in wanted}
    new, changed = [], []
    for crn, row in extract.cases.items():
        person = people.get(crn)
        if person is None:
            allocation = extract.allocations[crn]
            new.append(
                Person(
                    crn=crn,
                    team_id=allocation.team_id,
                    pdu_id=allocation.pdu_id,
                    practitioner_id=allocation.practitioner_id,
                    sentence_type=row.sentence_type,
                    supervision_start=row.supervision_start or allocation.allocated_on,
                    accommodation_status="",
                    **{f: getattr(row, f) for f in PERSON_FACTS},
                )
            )
            continue
        if person.status == PersonStatus.DIED:
            continue
        differs = [f for f in PERSON_FACTS if getattr(person, f) != getattr(row, f)]
        if not differs:
            continue
        if (
            person.custody_status == CustodyStatus.IN_CUSTODY
            and row.custody_status == CustodyStatus.IN_COMMUNITY
        ):
            person.last_released_on = max(today, person.last_released_on or today)
        for f in differs:
            setattr(person, f, getattr(row, f))
        person.version += 1
        person.updated_at = now
        changed.append(person)
    Person.objects.bulk_create(new, batch_size=500)
    Person.objects.bulk_update(
        changed, [*PERSON_FACTS, "last_released_on", "version", "updated_at"], batch_size=500
    )
    report.cases_created, report.cases_updated = len(new), len(changed)
    for person in new:
        people[person.crn] = person

    allocated_ids = {people[crn].pk for crn in extract.allocations}
    current = {
        a.person_id: a
        for a in Allocation.objects.filter(ended_on__isnull=True)
        if a.person_id in allocated_ids
    }
    moves, ends, people_moved = [], [], []
    for crn, allocation in extract.allocations.items():
        person = people[crn]
        if person.status == PersonStatus.DIED:
            continue
        held = current.get(person.pk)
        same = (person.team_id, person.practitioner_id) == (
            allocation.team_id,
            allocation.practitioner_id,
        )
        if held is not None and same:
            continue
        start = max(allocation.allocated_on, held.started_on) if held else allocation.allocated_on
        if held is not None:
            held.ended_on = start
            ends.append(held)
        moves.append(
            Allocation(
                person_id=person.pk,
                team_id=allocation.team_id,
                practitioner_id=allocation.practitioner_id,
                started_on=start,
                reason=AllocationReason.INITIAL
                if held is None
                else (
                    AllocationReason.TRANSFER
                    if person.team_id != allocation.team_id
                    else AllocationReason.OTHER
                ),
                reason_detail="From nDelius",
            )
        )
        if not same:
            person.team_id, person.pdu_id = allocation.team_id, allocation.pdu_id
            person.practitioner_id = allocation.practitioner_id
            person.version += 1
            person.updated_at = now
            people_moved.append(person)
    Allocation.objects.bulk_update(ends, ["ended_on"], batch_size=500)
    Allocation.objects.bulk_create(moves, batch_size=500)
    Person.objects.bulk_update(
        people_moved, ["team", "pdu", "practitioner", "version", "updated_at"], batch_size=500
    )
    report.allocations_changed = len(moves)

    if not extract.has_registrations:
        return
    case_person_ids = {people[crn].pk for crn in extract.cases}
    existing = {
        r.delius_id: r
        for r in Registration.objects.filter(delius_id__isnull=False)
        if r.delius_id in extract.registrations or r.person_id in case_person_ids
    }
    create, update = [], []
    for delius_id, row in extract.registrations.items():
        person = people[row.crn]
        if person.status == PersonStatus.DIED:
            continue
        values = {
            "person_id": person.pk,
            **{f: getattr(row, f) for f in REGISTRATION_FACTS if f != "person_id"},
        }
        registration = existing.get(delius_id)
        if registration is None:
            create.append(
                Registration(
                    delius_id=delius_id,
                    owner_id=person.practitioner_id or account.pk,
                    registering_team_id=person.team_id,
                    **values,
                )
            )
        elif any(getattr(registration, f) != v for f, v in values.items()):
            for f, v in values.items():
                setattr(registration, f, v)
            registration.version += 1
            update.append(registration)
    Registration.objects.bulk_create(create, batch_size=500)
    Registration.objects.bulk_update(update, [*REGISTRATION_FACTS, "version"], batch_size=500)
    removed = []
    for delius_id, registration in existing.items():
        if (
            delius_id not in extract.registrations
            and registration.status == RegistrationStatus.ACTIVE
            and registration.person_id in case_person_ids
        ):
            registration.status = RegistrationStatus.ENDED
            registration.ended_on = max(today, registration.start_date)
            registration.end_reason = EndReason.ENTERED_IN_ERROR
            registration.end_notes = "Deleted in nDelius"
            registration.next_review_date = None
            registration.version += 1
            removed.append(registration)
    Registration.objects.bulk_update(
        removed,
        ["status", "ended_on", "end_reason", "end_notes", "next_review_date", "version"],
        batch_size=500,
    )
    report.registrations_created, report.registrations_updated = len(create), len(update)
    report.registrations_removed = len(removed)


# ---- PostgreSQL: COPY into staging, then set-based upserts ---------------------------------

STAGING = """
DROP TABLE IF EXISTS stage_case, stage_alloc, stage_reg, moved;
CREATE TEMP TABLE stage_case (
    crn text PRIMARY KEY, first_name text, last_name text, date_of_birth date, sex text,
    ethnicity text, custody_status text, expected_release_date date, sentence_type text,
    supervision_start date
) ON COMMIT DROP;
CREATE TEMP TABLE stage_alloc (
    crn text PRIMARY KEY, team_id bigint, pdu_id bigint, practitioner_id bigint,
    allocated_on date
) ON COMMIT DROP;
CREATE TEMP TABLE stage_reg (
    delius_id text, crn text, register_type_id bigint, status text, start_date date,
    next_review_date date, notes text, ended_on date, end_reason text, end_notes text
) ON COMMIT DROP;
"""


def _person_defaults() -> tuple[list[str], list]:
    """The columns of people_person the extract does not fill, with their defaults."""
    given = {
        "id",
        "crn",
        *PERSON_FACTS,
        "pdu_id",
        "team_id",
        "practitioner_id",
        "sentence_type",
        "supervision_start",
        "version",
        "created_at",
        "updated_at",
    }
    columns, values = [], []
    for f in Person._meta.concrete_fields:
        if f.attname in given:
            continue
        columns.append(f.column)
        values.append(f.get_default())
    return columns, values


def _copy(cursor, table: str, columns: tuple[str, ...], rows) -> None:
    with cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def _load_postgresql(extract: Extract, report: ImportReport, account, today: date) -> None:
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(STAGING)
        _copy(
            cursor,
            "stage_case",
            (
                "crn",
                "first_name",
                "last_name",
                "date_of_birth",
                "sex",
                "ethnicity",
                "custody_status",
                "expected_release_date",
                "sentence_type",
                "supervision_start",
            ),
            (
                (
                    r.crn,
                    r.first_name,
                    r.last_name,
                    r.date_of_birth,
                    r.sex,
                    r.ethnicity,
                    r.custody_status,
                    r.expected_release_date,
                    r.sentence_type,
                    r.supervision_start,
                )
                for r in extract.cases.values()
            ),
        )
        _copy(
            cursor,
            "stage_alloc",
            ("crn", "team_id", "pdu_id", "practitioner_id", "allocated_on"),
            (
                (a.crn, a.team_id, a.pdu_id, a.practitioner_id, a.allocated_on)
                for a in extract.allocations.values()
            ),
        )
        _copy(
            cursor,
            "stage_reg",
            (
                "delius_id",
                "crn",
                "register_type_id",
                "status",
                "start_date",
                "next_review_date",
                "notes",
                "ended_on",
                "end_reason",
                "end_notes",
            ),
            (
                (
                    r.delius_id,
                    r.crn,
                    r.register_type_id,
                    r.status,
                    r.start_date,
                    r.next_review_date,
                    r.notes,
                    r.ended_on,
                    r.end_reason,
                    r.end_notes,
                )
                for r in extract.registrations.values()
            ),
        )
        cursor.execute(
            "CREATE UNIQUE INDEX ON stage_reg (delius_id); CREATE INDEX ON stage_reg (crn); "
            "ANALYZE stage_case; ANALYZE stage_alloc; ANALYZE stage_reg;"
        )

        # 1. People: new ones inserted with their team; existing ones updated where a fact
        # differs (the allocation is step 2). A closed (died) record is left as it stood.
        default_columns, default_values = _person_defaults()
        facts = ", ".join(PERSON_FACTS)
        excluded = ", ".join(f"EXCLUDED.{f}" for f in PERSON_FACTS)
        current = ", ".join(f"people_person.{f}" for f in PERSON_FACTS)
        defaults_sql = ", ".join(["%s"] * len(default_values))
        cursor.execute(
            f"""
            WITH up AS (
                INSERT INTO people_person (
                    crn, {facts}, pdu_id, team_id, practitioner_id, sentence_type,
                    supervision_start, version, created_at, updated_at,
                    {", ".join(default_columns)}
                )
                SELECT c.crn, {", ".join(f"c.{f}" for f in PERSON_FACTS)},
                    COALESCE(a.pdu_id, p.pdu_id), COALESCE(a.team_id, p.team_id),
                    CASE WHEN a.crn IS NULL THEN p.practitioner_id ELSE a.practitioner_id END,
                    COALESCE(c.sentence_type, ''),
                    COALESCE(c.supervision_start, a.allocated_on, %s::date),
                    1, %s, %s, {defaults_sql}
                FROM stage_case c
                LEFT JOIN stage_alloc a ON a.crn = c.crn
                LEFT JOIN people_person p ON p.crn = c.crn
                ON CONFLICT (crn) DO UPDATE SET
                    {", ".join(f"{f} = EXCLUDED.{f}" for f in PERSON_FACTS)},
                    last_released_on = CASE
                        WHEN people_person.custody_status = 'in_custody'
                             AND EXCLUDED.custody_status = 'in_community'
                        THEN GREATEST(COALESCE(people_person.last_released_on, %s::date),
                                      %s::date)
                        ELSE people_person.last_released_on END,
                    version = people_person.version + 1,
                    updated_at = EXCLUDED.updated_at
                WHERE people_person.status <> 'died'
                  AND ({current}) IS DISTINCT FROM ({excluded})
                RETURNING (xmax = 0) AS inserted
            )
            SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM up
            """,  # noqa: S608 - the names in it are this module's constants
            [today, now, now, *default_values, today, today],
        )
        report.cases_created, report.cases_updated = cursor.fetchone()

        # 2. Allocations: a case whose team or officer differs (or that has no current
        # allocation, as a new one) ends its current allocation and starts a new one.
        cursor.execute(
            """
            CREATE TEMP TABLE moved ON COMMIT DROP AS
            SELECT p.id AS person_id, a.team_id, a.pdu_id, a.practitioner_id,
                   GREATEST(a.allocated_on, COALESCE(cur.started_on, a.allocated_on)) AS start,
                   CASE WHEN cur.id IS NULL THEN 'initial'
                        WHEN p.team_id <> a.team_id THEN 'transfer'
                        ELSE 'other' END AS reason,
                   (p.team_id, p.practitioner_id) IS DISTINCT FROM
                       (a.team_id, a.practitioner_id) AS differs
            FROM stage_alloc a
            JOIN people_person p ON p.crn = a.crn
            LEFT JOIN people_allocation cur ON cur.person_id = p.id AND cur.ended_on IS NULL
            WHERE p.status <> 'died'
              AND (cur.id IS NULL
                   OR (p.team_id, p.practitioner_id) IS DISTINCT FROM
                      (a.team_id, a.practitioner_id))
            """
        )
        cursor.execute(
            """
            UPDATE people_allocation x SET ended_on = m.start
            FROM moved m WHERE x.person_id = m.person_id AND x.ended_on IS NULL
            """
        )
        cursor.execute(
            """
            INSERT INTO people_allocation (
                person_id, practitioner_id, team_id, started_on, ended_on, reason, reason_detail
            )
            SELECT person_id, practitioner_id, team_id, start, NULL, reason, 'From nDelius'
            FROM moved
            """
        )
        report.allocations_changed = cursor.rowcount
        cursor.execute(
            """
            UPDATE people_person p
            SET team_id = m.team_id, pdu_id = m.pdu_id, practitioner_id = m.practitioner_id,
                version = p.version + 1, updated_at = %s
            FROM moved m WHERE p.id = m.person_id AND m.differs
            """,
            [now],
        )
        if not extract.has_registrations:
            return

        # 3. Registrations, matched by their nDelius id.
        cols = ", ".join(f for f in REGISTRATION_FACTS)
        cursor.execute(
            f"""
            WITH up AS (
                INSERT INTO registrations_registration (
                    {cols}, owner_id, registering_team_id, level, category, created_at,
                    version, delius_id
                )
                SELECT p.id, r.register_type_id, r.status, r.start_date, r.next_review_date,
                       r.notes, r.ended_on, r.end_reason, r.end_notes,
                       COALESCE(p.practitioner_id, %s), p.team_id, NULL, NULL, %s, 1,
                       r.delius_id
                FROM stage_reg r JOIN people_person p ON p.crn = r.crn
                WHERE p.status <> 'died'
                ON CONFLICT (delius_id) DO UPDATE SET
                    {", ".join(f"{f} = EXCLUDED.{f}" for f in REGISTRATION_FACTS)},
                    version = registrations_registration.version + 1
                WHERE ({", ".join(f"registrations_registration.{f}" for f in REGISTRATION_FACTS)})
                      IS DISTINCT FROM ({", ".join(f"EXCLUDED.{f}" for f in REGISTRATION_FACTS)})
                RETURNING (xmax = 0) AS inserted
            )
            SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM up
            """,  # noqa: S608 - the names in it are this module's constants
            [account.pk, now],
        )
        report.registrations_created, report.registrations_updated = cursor.fetchone()

        # 4. Gone from the extract's cases: ended as entered in error, kept for the record.
        cursor.execute(
            """
            UPDATE registrations_registration g
            SET status = 'ended', ended_on = GREATEST(%s::date, g.start_date),
                end_reason = 'entered_in_error', end_notes = 'Deleted in nDelius',
                next_review_date = NULL, version = g.version + 1
            FROM people_person p, stage_case c
            WHERE g.person_id = p.id AND p.crn = c.crn AND p.status <> 'died'
              AND g.delius_id IS NOT NULL AND g.status = 'active'
              AND NOT EXISTS (SELECT 1 FROM stage_reg r WHERE r.delius_id = g.delius_id)
            """,
            [today],
        )
        report.registrations_removed = cursor.rowcount
