"""Aggregates that differ between databases, kept behind one small function each."""

import math
from collections import defaultdict

from django.db import connection
from django.db.models import Aggregate, FloatField, QuerySet


class PercentileCont(Aggregate):
    """PostgreSQL's percentile_cont(p) WITHIN GROUP (ORDER BY expr)."""

    function = "percentile_cont"
    template = "%(function)s(%(p)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()

    def __init__(self, expression, p: float, **extra):
        super().__init__(expression, p=float(p), **extra)


def _interpolate(values: list[float], p: float) -> float | None:
    """The same continuous percentile as PostgreSQL's percentile_cont."""
    if not values:
        return None
    values = sorted(values)
    position = p * (len(values) - 1)
    lower, upper = math.floor(position), math.ceil(position)
    return values[lower] + (values[upper] - values[lower]) * (position - lower)


def percentiles_by_group(
    qs: QuerySet, group: str, field: str, ps=(0.5, 0.9)
) -> dict[object, list[float | None]]:
    """``{group value: [percentile for each p]}`` of ``field`` over ``qs``, nulls ignored."""
    qs = qs.filter(**{f"{field}__isnull": False}).order_by()
    if connection.vendor == "postgresql":
        aggregates = {f"p{i}": PercentileCont(field, p) for i, p in enumerate(ps)}
        rows = qs.values(group).annotate(**aggregates)
        return {row[group]: [row[f"p{i}"] for i in range(len(ps))] for row in rows}
    grouped = defaultdict(list)
    for key, value in qs.values_list(group, field).iterator(chunk_size=10000):
        grouped[key].append(value)
    return {key: [_interpolate(values, p) for p in ps] for key, values in grouped.items()}
