"""CSV and XLSX exports of report tables: ``tables`` is a list of (title, headers, rows)."""

import csv
import io
import re
import zipfile
from dataclasses import dataclass

from django.http import HttpResponse
from openpyxl import Workbook

Table = tuple[str, list[str], list[list]]


def _safe_cell(value):
    # Spreadsheet formula injection: text starting with =, +, - or @ is kept as text.
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


def csv_response(tables: list[Table], filename: str) -> HttpResponse:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for index, (title, headers, rows) in enumerate(tables):
        if index:
            writer.writerow([])
        writer.writerow([title])
        writer.writerow(headers)
        for row in rows:
            writer.writerow([_safe_cell(v) for v in row])
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response


def xlsx_response(tables: list[Table], filename: str) -> HttpResponse:
    workbook = Workbook()
    workbook.remove(workbook.active)
    used = set()
    for title, headers, rows in tables:
        name = "".join(c for c in title if c not in "[]:*?/\\")[:31] or "Sheet"
        while name in used:
            name = name[:28] + f"_{len(used)}"
        used.add(name)
        sheet = workbook.create_sheet(name)
        sheet.append(headers)
        for row in rows:
            sheet.append([_safe_cell(v) for v in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(
        buffer.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}.xlsx"'
    return response


# ---- clean exports: one table per CSV (a ZIP for several), one per sheet ---------------------

COUNT, PERCENT, RATIO, DAYS, DATE, TEXT = "count", "percent", "ratio", "days", "date", "text"
XLSX_FORMATS = {COUNT: "#,##0", PERCENT: "0.0%", RATIO: "0.00", DAYS: "0.0", DATE: "d mmmm yyyy"}
SHEET_NAME_LIMIT = 31  # Excel's


@dataclass(frozen=True)
class Sheet:
    """A table with a kind per column, so that each export shows figures as the page does:
    rates as percentages to one place, ratios to two, days to one, dates as "7 December 2026".
    The title is the sheet's full name (so at most 31 characters) and the CSV file's name."""

    title: str
    columns: list[tuple[str, str]]
    rows: list[list]

    def __post_init__(self):
        if len(self.title) > SHEET_NAME_LIMIT or any(c in self.title for c in "[]:*?/\\"):
            raise ValueError(f"Sheet title {self.title!r} cannot be a full sheet name")


def _shown(value, kind):
    """A value as the page shows it (text for CSV)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return _safe_cell(value)
    if kind == PERCENT:
        return f"{value * 100:.1f}%"
    if kind == RATIO:
        return f"{value:.2f}"
    if kind == DAYS:
        return f"{value:.1f}"
    if kind == DATE:
        return f"{value.day} {value:%B %Y}"
    return value


def _stored(value, kind):
    """A value for a spreadsheet cell: a number rounded as shown, formatted by the cell."""
    if value is None or isinstance(value, str):
        return _safe_cell(value)
    if kind == PERCENT:
        return round(value, 3)
    if kind == RATIO:
        return round(value, 2)
    if kind == DAYS:
        return round(value, 1)
    return value


def _csv_text(sheet: Sheet) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([header for header, _ in sheet.columns])
    for row in sheet.rows:
        writer.writerow([_shown(v, kind) for v, (_, kind) in zip(row, sheet.columns, strict=True)])
    return buffer.getvalue()


def _slug(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")


def sheets_csv_response(sheets: list[Sheet], filename: str) -> HttpResponse:
    """One table: a CSV file. Several: a ZIP of one CSV each, named after their tables."""
    if len(sheets) == 1:
        response = HttpResponse(_csv_text(sheets[0]), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
        return response
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for index, sheet in enumerate(sheets, start=1):
            archive.writestr(f"{index:02d}-{_slug(sheet.title)}.csv", _csv_text(sheet))
    response = HttpResponse(buffer.getvalue(), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{filename}.zip"'
    return response


def sheets_xlsx_response(sheets: list[Sheet], filename: str) -> HttpResponse:
    workbook = Workbook()
    workbook.remove(workbook.active)
    for sheet in sheets:
        ws = workbook.create_sheet(sheet.title)
        ws.append([header for header, _ in sheet.columns])
        for row in sheet.rows:
            ws.append([_stored(v, kind) for v, (_, kind) in zip(row, sheet.columns, strict=True)])
        for col, (header, kind) in enumerate(sheet.columns, start=1):
            letter = ws.cell(row=1, column=col).column_letter
            ws.column_dimensions[letter].width = max(12, min(len(header) + 2, 48))
            if kind in XLSX_FORMATS:
                for (cell,) in ws.iter_rows(min_row=2, min_col=col, max_col=col):
                    cell.number_format = XLSX_FORMATS[kind]
        ws.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(
        buffer.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}.xlsx"'
    return response
