"""Statements compiled once and run many times with other values.

Building and compiling a queryset with subqueries (the scoping rule has three) costs a few
milliseconds of Python on every request, often more than running it. For a statement of fixed
shape, ``statement`` compiles the queryset once, with stand-in values in its slots, and keeps
the SQL; each run puts the real values into the slots' parameters. A queryset of model
instances (``select_related`` included) gives instances back, made as Django's own iterator
makes them.

The key must name everything that changes the statement's shape (a role, a day). A slot is
found by its stand-in's value among the compiled parameters: negative integers no row has,
within every integer column's range (Django returns no rows for a lookup outside it, without
asking the database), or for a ``text`` slot a string no one would type. A slot named but not
found raises, rather than leaving a stand-in in the SQL, which would quietly match nothing.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import QuerySet
from django.db.models.query import ModelIterable, get_related_populators

_FIRST_STAND_IN = -1_999_999_000
_MAX_KEPT = 512

_kept: dict[tuple, "Statement"] = {}
_NOTHING = "SELECT 1 WHERE 1 = 0"


@dataclass(frozen=True)
class _Instances:
    """What Django's compiler worked out about the columns, to make instances from rows."""

    query: object
    select: tuple
    klass_info: dict
    annotation_col_map: dict
    col_count: int


@dataclass(frozen=True)
class Statement:
    sql: str
    params: tuple
    slots: tuple[tuple[int, str], ...]  # (parameter index, slot name)
    instances_of: _Instances | None = None

    def bind(self, values: dict) -> list:
        """The parameters with ``values`` in the slots (a value given for a slot the statement
        does not have is ignored: a reader's region, say, where the role has none)."""
        params = list(self.params)
        for index, name in self.slots:
            params[index] = values[name]
        return params

    def fetchall(self, **values) -> list:
        with connection.cursor() as cursor:
            cursor.execute(self.sql, self.bind(values))
            return cursor.fetchall()

    def fetchone(self, **values):
        rows = self.fetchall(**values)
        return rows[0] if rows else None

    def count(self, **values) -> int:
        """How many rows the statement gives."""
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT COUNT(*) FROM ({self.sql}) AS counted", self.bind(values))  # noqa: S608
            return cursor.fetchone()[0]

    def instances(self, **values) -> list:
        """Model instances, with their ``select_related`` objects and annotations."""
        rows = self.fetchall(**values)
        shape = self.instances_of
        if not rows or shape is None:
            return []
        compiler = shape.query.get_compiler(connection=connection)
        converters = compiler.get_converters([s[0] for s in shape.select[: shape.col_count]])
        if converters:
            rows = list(compiler.apply_converters(rows, converters))
        info = shape.klass_info
        model, fields = info["model"], info["select_fields"]
        start, end = fields[0], fields[-1] + 1
        names = [column[0].target.attname for column in shape.select[start:end]]
        populators = get_related_populators(info, list(shape.select), connection.alias)
        found = []
        for row in rows:
            obj = model.from_db(connection.alias, names, row[start:end])
            for populator in populators:
                populator.populate(row, obj)
            for attribute, position in shape.annotation_col_map.items():
                setattr(obj, attribute, row[position])
            found.append(obj)
        return found


def stand_ins(names: Iterable[str], text: Iterable[str] = ()) -> dict[str, int | str]:
    text = set(text)
    return {
        name: f"\ufdd0{name}\ufdd0" if name in text else _FIRST_STAND_IN - i
        for i, name in enumerate(names)
    }


def _is_stand_in(param, by_value) -> bool:
    # Exactly int or str: True == 1 must not pass for a slot.
    return type(param) in (int, str) and param in by_value


def statement(
    key: tuple,
    build: Callable[..., QuerySet],
    slots: Iterable[str],
    optional: Iterable[str] = (),
    text: Iterable[str] = (),
) -> Statement:
    """The compiled ``build(**stand_ins)``, kept under ``key`` (and the database vendor). Each
    of ``slots`` must appear in the SQL; ``optional`` ones may not (a reader's PDU, which only
    some roles' scoping reads). Slots named in ``text`` hold strings, the others integers."""
    optional = tuple(optional)
    slots = (*slots, *optional)
    full_key = (connection.vendor, *key, slots)
    kept = _kept.get(full_key)
    if kept is not None:
        return kept
    values = stand_ins(slots, text)
    queryset = build(**values)
    try:
        compiler = queryset.query.get_compiler(connection=connection)
        sql, params = compiler.as_sql()
    except EmptyResultSet:  # a condition that holds for nothing (a reader who sees nobody)
        kept = _kept[full_key] = Statement(_NOTHING, (), ())
        return kept
    by_value = {value: name for name, value in values.items()}
    found = tuple((i, by_value[p]) for i, p in enumerate(params) if _is_stand_in(p, by_value))
    missing = set(slots) - set(optional) - {name for _, name in found}
    if missing:
        raise RuntimeError(f"statement {key!r}: slots not found in the SQL: {sorted(missing)}")
    instances_of = None
    if queryset._iterable_class is ModelIterable:
        instances_of = _Instances(
            query=queryset.query,
            select=tuple(compiler.select),
            klass_info=compiler.klass_info,
            annotation_col_map=dict(compiler.annotation_col_map or {}),
            col_count=compiler.col_count,
        )
    kept = Statement(sql, tuple(params), found, instances_of)
    if len(_kept) >= _MAX_KEPT:  # keys are few (roles, days); never grow without bound
        _kept.clear()
    _kept[full_key] = kept
    return kept
