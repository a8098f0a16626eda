"""CSV and XLSX exports of report tables: ``tables`` is a list of (title, headers, rows)."""

import csv
import io

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
