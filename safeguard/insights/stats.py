"""Aggregates that differ between databases, kept behind one small function each."""

import math
from collections import defaultdict

from django.db import connection, transaction
from django.db.models import Count, QuerySet, Sum

REPORT_WORK_MEM = "64MB"


def percentile_of_counts(counts: dict[int, int], p: float) -> float | None:
    """The continuous percentile (as PostgreSQL's percentile_cont) of the values that
    ``counts`` holds, ``{value: how many times it occurs}``, without listing them out."""
    total = sum(counts.values())
    if not total:
        return None
    position = p * (total - 1)
    lower, upper = math.floor(position), math.ceil(position)
    found: dict[int, float] = {}
    seen = 0
    for value in sorted(counts):
        seen += counts[value]
        for index in (lower, upper):
            if index not in found and index < seen:
                found[index] = value
        if upper in found:
            break
    return found[lower] + (found[upper] - found[lower]) * (position - lower)


def _counts_by_each_key(qs: QuerySet, keys: list[str], sums: list[str], field: str):
    """Rows of (key, key value, field value, rows, *sums), grouped by each key and ``field``:
    one pass (GROUPING SETS) on PostgreSQL, one grouped query per key elsewhere."""
    if connection.vendor != "postgresql":
        for key in keys:
            rows = (
                qs.order_by()
                .values_list(key, field)
                .annotate(n=Count("*"), **{s: Sum(s) for s in sums})
            )
            for key_value, value, *totals in rows:
                yield key, key_value, value, *totals
        return
    inner, params = qs.order_by().query.sql_with_params()
    quote = connection.ops.quote_name
    select = [f"GROUPING({quote(k)})" for k in keys] + [quote(k) for k in keys]
    select += [quote(field), "COUNT(*)"] + [f"SUM({quote(s)})" for s in sums]
    sets = ", ".join(f"({quote(k)}, {quote(field)})" for k in keys)
    # Only quoted column names are formatted in; every value is a parameter.
    sql = f"SELECT {', '.join(select)} FROM ({inner}) AS facts GROUP BY GROUPING SETS ({sets})"  # noqa: S608
    with transaction.atomic(), connection.cursor() as cursor:
        # Room to hash every grouping at once rather than sort the rows for some of them
        # (about a third faster on the national set); for this statement only.
        cursor.execute(f"SET LOCAL work_mem = '{REPORT_WORK_MEM}'")
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    n_keys = len(keys)
    for row in rows:
        position = row[:n_keys].index(0)  # GROUPING(k) is 0 for the key this row is grouped by
        yield keys[position], row[n_keys + position], *row[n_keys * 2 :]


def totals_by_each_key(
    qs: QuerySet, keys: list[str], sums: list[str], field: str, ps=(0.5, 0.9)
) -> dict[str, dict[object, dict]]:
    """For each column in ``keys`` separately, group ``qs`` by it and give each group its row
    count (``n``), the SUM of each column in ``sums`` and the percentiles ``ps`` of ``field``
    (nulls ignored) as ``p``: ``{key: {value: {"n": .., <sum>: .., "p": [..]}}}``.

    ``qs`` is a ``values()`` queryset whose columns are annotations named as given, and
    ``field`` holds whole numbers (such as working days). The database only counts, by key and
    by value of ``field``; the percentiles are exact from those counts. So there is no sort of
    the rows per key, and on PostgreSQL the whole national set is read once."""
    result: dict[str, dict[object, dict]] = {key: {} for key in keys}
    if not keys:
        return result
    histograms: dict[tuple, dict[int, int]] = defaultdict(dict)
    for key, key_value, value, n, *totals in _counts_by_each_key(qs, keys, sums, field):
        group = result[key].setdefault(key_value, {"n": 0, **{s: 0 for s in sums}})
        group["n"] += n
        for name, total in zip(sums, totals, strict=True):
            group[name] += total or 0
        if value is not None:
            histograms[key, key_value][value] = n
    for key, groups in result.items():
        for key_value, group in groups.items():
            counts = histograms.get((key, key_value), {})
            group["p"] = [percentile_of_counts(counts, p) for p in ps]
    return result
