"""Every change to training records: one entered by hand, a CSV import."""

import datetime as dt
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from safeguard.core.audit import Action, Channel, access_log_record
from safeguard.core.capabilities import Capability, has_capability
from safeguard.core.dates import add_months
from safeguard.core.forms import DATE_INPUT_FORMATS
from safeguard.training.models import TrainingCourse, TrainingRecord, TrainingSource
from safeguard.training.selectors import staff_in_scope

EARLIEST_DATE = dt.date(2000, 1, 1)


def may_record_training(user) -> bool:
    return has_capability(user, Capability.RECORD_TRAINING)


def expiry_for(course: TrainingCourse, completed_on: dt.date) -> dt.date | None:
    return add_months(completed_on, course.renewal_months) if course.renewal_months else None


@dataclass
class RowError:
    line: int
    field: str
    message: str


@dataclass
class ImportReport:
    created: int = 0
    already_recorded: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def rows_loaded(self):
        return self.created + self.already_recorded


def _parse_date(raw: str) -> dt.date | None:
    raw = (raw or "").strip()
    for fmt in DATE_INPUT_FORMATS:
        try:
            return dt.datetime.strptime(raw, fmt).date()  # noqa: DTZ007 - a date, not a time
        except ValueError:
            continue
    return None


def training_records_import(
    *, rows, actor, source: str = TrainingSource.IMPORT, channel: str = Channel.WEB
) -> ImportReport:
    """Load training completions. ``rows`` is a list of ``(line, {"username", "course",
    "completed_on"})``. Every bad row is reported with its line and reason; the good rows are
    loaded in one transaction; a completion already recorded (same person, course and day) is
    counted, not added again, so an import can be run twice."""
    if not may_record_training(actor):
        raise PermissionDenied("Your role cannot record training.")
    rows = list(rows)
    report = ImportReport()
    usernames = {(r.get("username") or "").strip() for _, r in rows}
    staff_by_name = {
        s.username: s
        for s in staff_in_scope(actor).filter(username__in=[u for u in usernames if u])
    }
    courses = {c.code: c for c in TrainingCourse.objects.filter(active=True)}
    today = timezone.localdate()
    good: dict[tuple[int, int, dt.date], TrainingRecord] = {}
    for line, row in rows:
        username = (row.get("username") or "").strip()
        code = (row.get("course") or "").strip().upper()
        raw_date = (row.get("completed_on") or "").strip()
        staff = staff_by_name.get(username)
        course = courses.get(code)
        completed_on = _parse_date(raw_date)
        problem = None
        if not username:
            problem = ("username", "The username is missing")
        elif staff is None:
            problem = ("username", f"No member of staff in your area has the username {username!r}")
        elif not code:
            problem = ("course", "The course code is missing")
        elif course is None:
            problem = ("course", f"{code!r} is not a training course")
        elif not raw_date:
            problem = ("completed_on", "The completion date is missing")
        elif completed_on is None:
            problem = ("completed_on", f"{raw_date!r} is not a date like 2026-01-31 or 31/01/2026")
        elif completed_on > today:
            problem = ("completed_on", "The completion date is in the future")
        elif completed_on < EARLIEST_DATE:
            problem = ("completed_on", "The completion date is before 2000")
        if problem:
            report.errors.append(RowError(line=line, field=problem[0], message=problem[1]))
            continue
        key = (staff.pk, course.pk, completed_on)
        if key in good:
            report.already_recorded += 1
            continue
        good[key] = TrainingRecord(
            staff=staff,
            course=course,
            completed_on=completed_on,
            expires_on=expiry_for(course, completed_on),
            source=source,
            recorded_by=actor,
        )
    with transaction.atomic():
        if good:
            existing = set(
                TrainingRecord.objects.filter(
                    staff_id__in={k[0] for k in good}, course_id__in={k[1] for k in good}
                ).values_list("staff_id", "course_id", "completed_on")
            )
            new = [record for key, record in good.items() if key not in existing]
            report.already_recorded += len(good) - len(new)
            TrainingRecord.objects.bulk_create(new, ignore_conflicts=True)
            report.created = len(new)
        access_log_record(
            actor=actor,
            action=Action.CHANGE_PERSON,
            channel=channel,
            detail=f"training records: {report.created} added, {report.already_recorded} "
            f"already recorded, {len(report.errors)} rejected",
        )
    return report


def training_record_add(
    *, username: str, course: str, completed_on, actor, channel: str = Channel.WEB
) -> ImportReport:
    """One completion entered by hand: the import's rules, with errors named by field."""
    report = training_records_import(
        rows=[
            (
                1,
                {
                    "username": username,
                    "course": course,
                    "completed_on": completed_on.isoformat()
                    if isinstance(completed_on, dt.date)
                    else (completed_on or ""),
                },
            )
        ],
        actor=actor,
        source=TrainingSource.ENTERED if channel == Channel.WEB else TrainingSource.API,
        channel=channel,
    )
    if report.errors:
        raise ValidationError({e.field: [e.message] for e in report.errors})
    return report


MAX_IMPORT_ROWS = 10000
HEADER_ALIASES = {
    "username": "username",
    "staff": "username",
    "staff_username": "username",
    "course": "course",
    "course_code": "course",
    "completed_on": "completed_on",
    "completed": "completed_on",
    "date_completed": "completed_on",
}
REQUIRED_HEADERS = ("username", "course", "completed_on")


def parse_training_csv(raw: bytes) -> tuple[list[tuple[int, dict]], list[RowError]]:
    """Read an uploaded CSV (``username,course,completed_on``) into rows with their line
    numbers. Problems with the file as a whole are reported against line 1."""
    import csv
    import io

    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return [], [RowError(1, "file", "The file is not a CSV file saved as UTF-8 text")]
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        return [], [RowError(1, "file", "The file is empty")]
    except csv.Error as exc:
        return [], [RowError(1, "file", f"The file could not be read as CSV: {exc}")]
    columns = [HEADER_ALIASES.get(h.strip().lower().replace(" ", "_"), "") for h in header]
    missing = [name for name in REQUIRED_HEADERS if name not in columns]
    if missing:
        return [], [
            RowError(
                1,
                "file",
                "The first line must name the columns username, course and completed_on "
                f"(missing: {', '.join(missing)})",
            )
        ]
    rows, errors = [], []
    try:
        for values in reader:
            line = reader.line_num
            if not any(v.strip() for v in values):
                continue
            if len(rows) >= MAX_IMPORT_ROWS:
                errors.append(
                    RowError(line, "file", f"Only {MAX_IMPORT_ROWS} rows can be loaded at once")
                )
                break
            row = {name: value for name, value in zip(columns, values, strict=False) if name}
            rows.append((line, row))
    except csv.Error as exc:
        errors.append(RowError(reader.line_num, "file", f"The line could not be read: {exc}"))
    return rows, errors
