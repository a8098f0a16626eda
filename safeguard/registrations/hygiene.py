"""Registration hygiene rules.

The rules' codes, severities and plain-English messages are data (``data/hygiene_rules.json``);
here each code has one SQL condition over registrations. The same condition answers for one
person (the person's page) and for the whole caseload (the hygiene report and work items).
"""

import json
from dataclasses import dataclass
from datetime import date
from functools import cache, lru_cache
from pathlib import Path

from django.db import connection
from django.db.models import Exists, F, OuterRef, Q, QuerySet, Value
from django.db.models.fields import CharField

from safeguard.registrations.models import RegisterGroup, Registration, RegistrationStatus

DATA_FILE = Path(__file__).resolve().parent / "data" / "hygiene_rules.json"
ACTIVE = RegistrationStatus.ACTIVE


@dataclass(frozen=True)
class HygieneRule:
    code: str
    severity: str
    message: str
    fix: str


@cache
def rules() -> dict[str, HygieneRule]:
    return {r["code"]: HygieneRule(**r) for r in json.loads(DATA_FILE.read_text())}


def _active(qs):
    return qs.filter(status=ACTIVE)


def _others(**conditions):
    return Registration.objects.filter(person=OuterRef("person"), **conditions).exclude(
        pk=OuterRef("pk")
    )


def _conditions(base: QuerySet[Registration], today: date) -> dict[str, QuerySet]:
    active = _active(base)
    rosh = RegisterGroup.RISK_OF_SERIOUS_HARM
    return {
        "ROSH_MULTIPLE": active.filter(register_type__group=rosh).filter(
            Exists(_others(status=ACTIVE, register_type__group=rosh))
        ),
        "ROSH_MISMATCH": active.filter(register_type__group=rosh)
        .exclude(person__rosh_level="")
        .exclude(register_type__rosh_level=F("person__rosh_level")),
        "RVLN_ENDED_WHILE_AT_RISK": active.filter(register_type__code__in=["ALSH", "RVAD"])
        .filter(
            Exists(
                # Ended while this ALSH or RVAD was active (it still is): on or after its start.
                Registration.objects.filter(
                    person=OuterRef("person"),
                    register_type__code="RVLN",
                    status=RegistrationStatus.ENDED,
                    ended_on__gte=OuterRef("start_date"),
                )
            )
        )
        .exclude(
            Exists(
                Registration.objects.filter(
                    person=OuterRef("person"), register_type__code="RVLN", status=ACTIVE
                )
            )
        ),
        "DUPLICATE": active.filter(
            Exists(_others(status=ACTIVE, register_type=OuterRef("register_type")))
        ),
        "REVIEW_OVERDUE": active.filter(next_review_date__lt=today),
        "OWNER_NOT_IN_POST": active.filter(Q(owner__in_post=False) | Q(owner__is_active=False)),
        "DA_VICTIM_AND_PERPETRATOR": active.filter(
            register_type__code__in=["ADVP", "ADVV"], notes=""
        ).filter(
            Exists(
                Registration.objects.filter(
                    person=OuterRef("person"),
                    status=ACTIVE,
                    register_type__code__in=["ADVP", "ADVV"],
                ).exclude(register_type=OuterRef("register_type"))
            )
        ),
    }


def violations(base: QuerySet[Registration], today: date, *, codes=None) -> QuerySet:
    """One query: rows of (rule, registration id, person id) for every problem in ``base``."""
    parts = [
        qs.order_by()
        .annotate(rule=Value(code, output_field=CharField()))
        .values("rule", "pk", "person_id")
        for code, qs in _conditions(base, today).items()
        if codes is None or code in codes
    ]
    first, *rest = parts
    return first.union(*rest, all=True) if rest else first


def person_problem_conditions(today: date, *, codes=None) -> dict[str, Exists]:
    """For each rule, a condition on Person: the rule finds a problem on their registrations."""
    return {
        code: Exists(qs.filter(person=OuterRef("pk")).order_by())
        for code, qs in _conditions(Registration.objects.all(), today).items()
        if codes is None or code in codes
    }


def person_has_problem(today: date, *, codes=None):
    """A condition on Person: at least one of the rules finds a problem on their registrations."""
    condition = None
    for code, qs in _conditions(Registration.objects.all(), today).items():
        if codes is not None and code not in codes:
            continue
        clause = Exists(qs.filter(person=OuterRef("pk")).order_by())
        condition = clause if condition is None else condition | clause
    return condition


@dataclass
class Problem:
    rule: HygieneRule
    registration_ids: list[int]


# An id no person has: the one-person query is compiled once a day with it in place of the
# person's id, which is then swapped into the parameters (building the seven-part UNION took
# longer than running it, on every person page).
_ANY_PERSON = -(2**62)


@lru_cache(maxsize=8)
def _one_person_sql(vendor: str, today: date) -> tuple[str, tuple, tuple[int, ...]]:
    query = violations(Registration.objects.filter(person_id=_ANY_PERSON), today).query
    sql, params = query.sql_with_params()
    return sql, tuple(params), tuple(i for i, p in enumerate(params) if p == _ANY_PERSON)


def problems_for_person(person, today: date) -> list[Problem]:
    """The hygiene problems on one person's registrations, most severe first."""
    sql, params, positions = _one_person_sql(connection.vendor, today)
    params = list(params)
    for i in positions:
        params[i] = person.pk
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    found: dict[str, list[int]] = {}
    for rule, pk, _person_id in rows:
        found.setdefault(rule, []).append(pk)
    catalogue = rules()
    ordered = sorted(
        found, key=lambda c: (catalogue[c].severity != "error", list(catalogue).index(c))
    )
    return [Problem(rule=catalogue[c], registration_ids=sorted(found[c])) for c in ordered]
