"""Statements compiled once and run many times with other values.

Building and compiling a queryset with subqueries (the scoping rule has three) costs a few
milliseconds of Python on every request, often more than running it. For a statement of fixed
shape, ``statement`` compiles the queryset once, with stand-in values in its slots, and keeps
the SQL; each run puts the real values into the slots' parameters.

The key must name everything that changes the statement's shape (a role, a day). Stand-ins are
negative integers no row has, within every integer column's range (Django returns no rows for a
lookup outside it, without asking the database), so a slot is found by its value among the
compiled parameters. A slot named but not found raises, rather than leaving a stand-in in the
SQL, which would quietly match nothing.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import QuerySet

_FIRST_STAND_IN = -1_999_999_000
_MAX_KEPT = 512

_kept: dict[tuple, "Statement"] = {}
_NOTHING = "SELECT 1 WHERE 1 = 0"


@dataclass(frozen=True)
class Statement:
    sql: str
    params: tuple
    slots: tuple[tuple[int, str], ...]  # (parameter index, slot name)

    def bind(self, values: dict) -> list:
        """The parameters with ``values`` in the slots (a value given for a slot the statement
        does not have is ignored: a reader's region, say, where the role has none)."""
        params = list(self.params)
        for index, name in self.slots:
            params[index] = values[name]
        return params

    def fetchone(self, **values):
        with connection.cursor() as cursor:
            cursor.execute(self.sql, self.bind(values))
            return cursor.fetchone()

    def count(self, **values) -> int:
        """How many rows the statement gives."""
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT COUNT(*) FROM ({self.sql}) AS counted", self.bind(values))  # noqa: S608
            return cursor.fetchone()[0]

    def fetchall(self, **values) -> list:
        with connection.cursor() as cursor:
            cursor.execute(self.sql, self.bind(values))
            return cursor.fetchall()


def stand_ins(names: Iterable[str]) -> dict[str, int]:
    return {name: _FIRST_STAND_IN - i for i, name in enumerate(names)}


def statement(
    key: tuple, build: Callable[..., QuerySet], slots: Iterable[str], optional: Iterable[str] = ()
) -> Statement:
    """The compiled ``build(**stand_ins)``, kept under ``key`` (and the database vendor). Each
    of ``slots`` must appear in the SQL; ``optional`` ones may not (a reader's PDU, which only
    some roles' scoping reads)."""
    optional = tuple(optional)
    slots = (*slots, *optional)
    full_key = (connection.vendor, *key, slots)
    kept = _kept.get(full_key)
    if kept is not None:
        return kept
    values = stand_ins(slots)
    try:
        sql, params = build(**values).query.sql_with_params()
    except EmptyResultSet:  # a condition that holds for nothing (a reader who sees nobody)
        kept = _kept[full_key] = Statement(_NOTHING, (), ())
        return kept
    by_value = {value: name for name, value in values.items()}
    found = tuple(
        (i, by_value[p])
        for i, p in enumerate(params)
        if type(p) is int and p in by_value  # noqa: E721 (not a bool, not a subclass)
    )
    missing = set(slots) - set(optional) - {name for _, name in found}
    if missing:
        raise RuntimeError(f"statement {key!r}: slots not found in the SQL: {sorted(missing)}")
    kept = Statement(sql, tuple(params), found)
    if len(_kept) >= _MAX_KEPT:  # keys are few (roles, days); never grow without bound
        _kept.clear()
    _kept[full_key] = kept
    return kept
