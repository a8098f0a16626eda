"""Reads of people's records. Every read of personal data starts from ``visible_people``."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.core.exceptions import PermissionDenied
from django.db.models import Case, Exists, IntegerField, OuterRef, Q, QuerySet, Value, When
from django.http import Http404

from safeguard.core import registry
from safeguard.core.audit import Action, access_log_record, access_log_refusal
from safeguard.core.models import NATIONAL_ROLES, PDU, Role, Staff, Team
from safeguard.core.statements import Statement, statement
from safeguard.people.models import (
    AccommodationStatus,
    CustodyStatus,
    LimitedAccess,
    Person,
    RoshLevel,
)


def visible_people(user) -> QuerySet[Person]:
    """The one scoping function: the people ``user`` may see, and nobody else.

    Deny by default: an anonymous or inactive user, or a role we do not know, sees nobody.
    Limited-access lists apply to every role, national ones included.
    """
    return Person.objects.filter(visibility(user))


def visibility(user, *, via: str = "") -> Q:
    """The rule behind ``visible_people`` as a condition: on Person, or with ``via`` (the name
    of a foreign key to Person) on a record about a person, so that a report over many records
    filters them in the same pass instead of testing each against the people it may see."""
    nobody = Q(pk__in=[])
    if not (user and user.is_authenticated and user.is_active and user.role):
        return nobody
    prefix = f"{via}__" if via else ""
    person = OuterRef(via or "pk")

    role = user.role
    if role in (Role.PRACTITIONER, Role.SENIOR_PROBATION_OFFICER):
        scope = Q(**{f"{prefix}team__in": Team.objects.filter(members=user).values("pk")})
    elif role == Role.HEAD_OF_PDU:
        if not user.pdu_id:
            return nobody
        scope = Q(**{f"{prefix}pdu_id": user.pdu_id})
    elif role == Role.REGIONAL_LEAD:
        if not user.region_id:
            return nobody
        scope = Q(**{f"{prefix}pdu__in": PDU.objects.filter(region_id=user.region_id).values("pk")})
    elif role in NATIONAL_ROLES:
        scope = Q()
    else:
        return nobody

    restricted = LimitedAccess.objects.filter(person=person, kind=LimitedAccess.Kind.RESTRICTION)
    excluded = LimitedAccess.objects.filter(
        person=person, staff=user, kind=LimitedAccess.Kind.EXCLUSION
    )
    return scope & ~Exists(excluded) & (~Exists(restricted) | Exists(restricted.filter(staff=user)))


def scoped_statement(name: str, user, build, slots=(), text=()) -> Statement:
    """``build(reader, **slots)`` compiled once for each kind of reader (``core.statements``):
    ``reader`` stands in for ``user`` with the same role, state and scope fields set, so the
    statement's scoping is ``visibility``'s own. Run it with ``scoped_values(user)`` and the
    values of ``slots``."""
    active = bool(user and user.is_authenticated and user.is_active)
    role = getattr(user, "role", "") or ""
    has_pdu = bool(getattr(user, "pdu_id", None))
    has_region = bool(getattr(user, "region_id", None))
    scope = [*(["reader_pdu"] * has_pdu), *(["reader_region"] * has_region)]

    def with_reader(reader, reader_pdu=None, reader_region=None, **values):
        stand_in = Staff(
            pk=reader, role=role, is_active=active, pdu_id=reader_pdu, region_id=reader_region
        )
        return build(stand_in, **values)

    key = ("scoped", name, active, role, has_pdu, has_region)
    return statement(key, with_reader, ["reader", *slots, *text], optional=scope, text=text)


def scoped_values(user) -> dict:
    """The reader's values for a ``scoped_statement`` (none for a signed-out visitor)."""
    return {
        "reader": getattr(user, "pk", None),
        "reader_pdu": getattr(user, "pdu_id", None),
        "reader_region": getattr(user, "region_id", None),
    }


def with_limited_access_flag(people: QuerySet[Person]) -> QuerySet[Person]:
    return people.annotate(
        is_limited_access=Exists(LimitedAccess.objects.filter(person=OuterRef("pk")))
    )


def person_get_for(
    *, user, crn: str, channel: str, action=Action.VIEW_PERSON, for_change=False, detail=""
) -> Person:
    """Fetch one person and check ``user`` may see them, writing the access log either way.

    Missing and not-visible give the same ``Http404`` so that nobody can probe for cases.
    ``for_change`` also requires a role that may change cases (``PermissionDenied`` otherwise).
    ``detail`` says how the record was read where that matters (``"case summary PDF"``).
    """
    crn = (crn or "").strip().upper()
    # Every case page starts here: compiled once for each kind of reader (core.statements).
    found = scoped_statement(
        "person_get_for",
        user,
        lambda reader, crn: (
            with_limited_access_flag(visible_people(reader))
            .select_related("pdu__region", "team", "practitioner", "local_authority")
            .filter(crn=crn)
            .order_by("pk")[:1]
        ),
        text=["crn"],
    ).instances(**scoped_values(user), crn=crn)
    person = found[0] if found else None
    if person is None:
        access_log_refusal(
            actor=user,
            channel=channel,
            person=Person.objects.filter(crn=crn).first(),
            crn=crn,
            detail=f"{action}{f' ({detail})' if detail else ''}: not found or not visible",
        )
        raise Http404("No person with that CRN is visible to you.")
    access_log_record(actor=user, action=action, channel=channel, person=person, detail=detail)
    if for_change and not user.can_change_cases:
        raise PermissionDenied("Your role can read cases but not change them.")
    return person


def case_record_get_for(queryset, *, user, pk: int, channel: str, what: str, for_update=False):
    """One record about a person (a registration, a referral...) from ``queryset``, which must
    already be limited to people the user may see. Missing and not visible give the same
    logged ``Http404``."""
    if for_update:
        queryset = queryset.select_for_update(of=("self",))
    record = queryset.filter(pk=pk).first()
    if record is None:
        access_log_refusal(
            actor=user,
            channel=channel,
            detail=f"{what} {pk}: not found or not visible",
        )
        raise Http404(f"No such {what} is visible to you.")
    return record


def person_allocation_history(*, person: Person):
    return person.allocations.select_related("practitioner", "team__pdu").order_by(
        "-started_on", "-id"
    )


# ---- caseload ---------------------------------------------------------------------------


class CaseloadScope:
    MINE = "mine"
    TEAM = "team"
    ALL = "all"


@dataclass(frozen=True)
class Flag:
    """A caseload filter. Its condition is built only when the filter is chosen: the page
    lists every flag's label, and building the conditions (subqueries of the latest screens)
    cost more than the rest of the page's queries."""

    key: str
    label: str
    build: Callable[[], Q]

    @property
    def condition(self) -> Q:
        return self.build()


def _flags(today):
    release_window = (today, today + timedelta(weeks=12))
    return [
        Flag("in_custody", "In custody", lambda: Q(custody_status=CustodyStatus.IN_CUSTODY)),
        Flag(
            "release_12_weeks",
            "Release due in the next 12 weeks",
            lambda: Q(
                custody_status=CustodyStatus.IN_CUSTODY,
                expected_release_date__range=release_window,
            ),
        ),
        Flag(
            "no_fixed_abode",
            "No fixed abode",
            lambda: Q(accommodation_status=AccommodationStatus.NO_FIXED_ABODE),
        ),
        Flag(
            "high_rosh",
            "High or very high risk of serious harm",
            lambda: Q(rosh_level__in=[RoshLevel.HIGH, RoshLevel.VERY_HIGH]),
        ),
        Flag("mappa", "MAPPA", lambda: Q(mappa_category__isnull=False)),
        Flag("mental_health", "Current mental health need", lambda: Q(mental_health_need=True)),
        Flag(
            "communication_needs",
            "Communication needs",
            lambda: (
                Q(neurodivergence=True)
                | Q(learning_disability=True)
                | Q(literacy_support=True)
                | ~Q(interpreter_language="")
            ),
        ),
        Flag(
            "unallocated",
            "Not allocated to a practitioner",
            lambda: Q(practitioner__isnull=True),
        ),
    ]


def caseload_flags(today):
    """The caseload's own filters, then those other areas register (``caseload_filters``)."""
    flags = _flags(today)
    for extra in registry.caseload_filters:
        flags.extend(Flag(key, label, build) for key, label, build in extra(today))
    return flags


SORTS = {
    "name": ("last_name", "first_name", "pk"),
    "crn": ("crn",),
    "dob": ("date_of_birth", "pk"),
    "practitioner": ("practitioner__last_name", "practitioner__first_name", "last_name", "pk"),
    "team": ("team__name", "last_name", "pk"),
    "release": ("expected_release_date", "last_name", "pk"),
    "rosh": ("rosh_rank", "last_name", "pk"),
}


CASELOAD_COLUMNS = (
    "crn",
    "first_name",
    "last_name",
    "date_of_birth",
    "rosh_level",
    "custody_status",
    "expected_release_date",
    "team__name",
    "practitioner__first_name",
    "practitioner__last_name",
    "practitioner__username",
)


def caseload_for(*, user, scope: str, team_ids=(), flags=(), sort="name", descending=False, today):
    """The caseload table: people in scope, filtered and sorted in SQL."""
    people = visible_people(user)
    if scope == CaseloadScope.MINE:
        people = people.filter(practitioner=user)
    elif scope == CaseloadScope.TEAM:
        people = people.filter(team__in=Team.objects.filter(members=user).values("pk"))
    if team_ids:
        people = people.filter(team_id__in=list(team_ids))
    for flag in flags:  # the chosen ``caseload_flags``, built once by the caller
        people = people.filter(flag.condition)
    # Only what the table shows: 40 columns of the person and 16 of the practitioner made
    # into objects for each of 50 rows cost more than the statement.
    people = (
        with_limited_access_flag(people)
        .select_related("team", "practitioner")
        .only(*CASELOAD_COLUMNS)
    )
    if sort == "rosh":
        people = people.annotate(
            rosh_rank=Case(
                When(rosh_level=RoshLevel.VERY_HIGH, then=Value(4)),
                When(rosh_level=RoshLevel.HIGH, then=Value(3)),
                When(rosh_level=RoshLevel.MEDIUM, then=Value(2)),
                When(rosh_level=RoshLevel.LOW, then=Value(1)),
                default=Value(0),
                output_field=IntegerField(),
            )
        )
    for column in registry.caseload_columns:
        people = column.annotate(people, today)
    order = SORTS.get(sort, SORTS["name"])
    if descending:
        order = tuple(o if o == "pk" else f"-{o}" for o in order)
    return people.order_by(*order)


def search_people(*, user, query: str) -> QuerySet[Person]:
    """Search by CRN (exact) or by name (each word starts a first or last name)."""
    query = " ".join((query or "").split())[:100]
    people = visible_people(user)
    if not query:
        return people.none()
    upper = query.upper()
    if len(upper) == 7 and upper[0].isalpha() and upper[1:].isdigit():
        return people.filter(crn=upper)
    condition = Q()
    for word in query.split()[:4]:
        condition &= Q(last_name__istartswith=word) | Q(first_name__istartswith=word)
    return people.filter(condition).order_by("last_name", "first_name", "pk")


def teams_visible_to(user) -> QuerySet[Team]:
    """Teams offered in the caseload filter: those holding people the user may see."""
    teams = Team.objects.select_related("pdu")
    role = getattr(user, "role", "")
    if role in (Role.PRACTITIONER, Role.SENIOR_PROBATION_OFFICER):
        return teams.filter(members=user)
    if role == Role.HEAD_OF_PDU:
        return teams.filter(pdu_id=user.pdu_id)
    if role == Role.REGIONAL_LEAD:
        return teams.filter(pdu__region_id=user.region_id)
    if role in NATIONAL_ROLES:
        return teams
    return teams.none()
