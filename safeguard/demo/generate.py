"""Deterministic synthetic demo data at any scale.

``seed_demo(people=N, seed=S)`` builds staff for every team, PDU and region, ``N`` people on
probation spread over every team with their allocation history, their registrations (about six
a person, with reviews and history), referrals to partner agencies (about 200,000 for 240,000
people) and escalations (about 20,000), vulnerability screens and safety plans, pre-release
plans for people due for release in the next 12 weeks, appointments with their outcomes,
reminder preferences and the outbox, and the fixed demo sign-ins; then it runs the work-item
scan so that "My work" is filled. Casework is in ``casework.py``; screens and safety plans in
``screens.py``, release plans in ``release_plans.py``, appointments and reminders in
``appointments.py``, each given every batch of people by casework's per-batch hook.
The same ``N``, ``seed`` and date give the same data: every random choice comes from
``random.Random`` streams seeded from ``seed``, in a fixed order, and every date is relative to
``timezone.localdate()``.

Proportions follow "Numbers for realistic synthetic data" in the domain notes and published
probation caseload statistics; they are gathered in the constants below. Names, street words
and towns are data in ``data/``. Everything is synthetic: names are random combinations of
common names, phone numbers are in Ofcom's drama ranges, e-mail addresses are @example.com,
streets and towns are made up and postcodes use the unallocated area ``ZZ``.

Rows are built in Python as plain dicts and written in batches without a query per row:
``bulk_create`` on SQLite, COPY on PostgreSQL (the same values either way), so that a
national-scale set (240,000 people, 1.5 million registrations) stays within a few minutes on
PostgreSQL.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import re
import secrets
import time
from collections import Counter
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache
from pathlib import Path

from django.conf import settings
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX, make_password
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.utils import timezone

from safeguard.assessments.models import SafetyPlan, VulnerabilityScreen
from safeguard.core.models import (
    PDU,
    AccessLogEntry,
    LocalAuthority,
    Region,
    Role,
    Staff,
    Team,
    WorkItem,
)
from safeguard.demo.alerts import acknowledge_earlier_alerts
from safeguard.demo.appointments import AppointmentsBuilder
from safeguard.demo.casework import CaseworkBuilder, CaseworkCounts
from safeguard.demo.feedback import seed_feedback
from safeguard.demo.pathways import gp_and_recorded_need_rows, offer_rows
from safeguard.demo.release_plans import ReleasePlansBuilder
from safeguard.demo.screens import ScreensBuilder
from safeguard.demo.weighted import Weighted
from safeguard.engagement.models import Appointment, ReminderPreferences
from safeguard.notify.models import Message
from safeguard.pathways.models import GPRegistration, PathwayOffer, RecordedNeed
from safeguard.people.models import (
    AccommodationStatus,
    Allocation,
    AllocationReason,
    CustodyStatus,
    Ethnicity,
    GenderIdentity,
    LimitedAccess,
    Person,
    RoshLevel,
    SentenceType,
    Sex,
)
from safeguard.referrals.models import Escalation, Referral
from safeguard.registrations.models import Registration, RegistrationReview
from safeguard.releases.models import ReleasePlan, ReleasePlanItem

DATA_DIR = Path(__file__).resolve().parent / "data"

DEFAULT_PEOPLE = 5000
BATCH_SIZE = 5000
PARALLEL_FROM = 20_000  # people: from here a worker process makes the casework rows
# CRNs come from a bijection of the index; it stays unique below a million people.
MAX_PEOPLE = 999_000

# Every member of staff the demo creates has a username starting with this, so that --replace
# can find them again without touching anyone else.
DEMO_USERNAME_PREFIX = "demo."
DEMO_REGION_CODE = "KSS"
DEMO_CASELOAD = 40  # demo.practitioner's caseload, whatever the number of people
DEMO_TEAM_OTHERS = 30  # cases for the rest of demo.practitioner's team, at any scale
EXCLUDED_CRN = "X900001"
RESTRICTED_CRN = "X900002"
DEFAULT_DEMO_PASSWORD = "safeguard-demo"
# What demo.practitioner's caseload shows of registrations, referrals, screens, safety plans,
# appointments and release plans, by position in the caseload (see ``demo_caseload_profiles``;
# the features are made in ``casework.py``, ``screens.py``, ``appointments.py`` and
# ``release_plans.py``). Apart from these, the caseload is screened in time, its safety plans
# are reviewed in time and its missed appointments have their welfare checks.
DEMO_CASEWORK = {
    0: ("two_rosh",),  # contradictory registrations: two RoSH levels active
    1: ("overdue",),  # two registration reviews overdue
    2: ("da_both_no_notes",),  # domestic abuse victim and perpetrator, no note
    # RVLN ended while ALSH is active; in custody, released in about 5 weeks with gaps in the
    # release plan (nowhere to stay the first night yet)
    3: ("rvln_ended", "release_gaps"),
    4: ("referral_past_due",),  # an ASC referral past its response date
    5: ("owner_left",),  # registrations owned by a practitioner who has left
    6: ("long_history",),  # 40 registrations: the important ones must not be buried
    7: ("referral_ready_to_send",),  # an ASC needs assessment completed, not sent yet
    9: ("s42_rejected_indicated",),  # ASC rejected an s42 referral meeting all three parts
    12: ("escalated_l1",),  # a rejection escalated to level 1, held by demo.spo
    18: ("safety_plan_overdue",),  # risk to self high; the safety plan's review date has passed
    20: ("screen_due",),  # no vulnerability screen in the last 6 months
    24: ("reminders_tomorrow",),  # an appointment tomorrow with text reminders
    30: ("missed_at_risk",),  # at risk to self, failed to attend: welfare follow-up due
}
# Marks every person of demo.practitioner's caseload for the builders that keep it tidy.
DEMO_CASELOAD_MARK = "demo_caseload"

# ---- proportions ----------------------------------------------------------------------------

FEMALE_SHARE = 0.11
# Age bands (inclusive) and weights: 18-80, most people 20-50.
AGE_BANDS = {
    (18, 19): 4, (20, 29): 28, (30, 39): 32, (40, 49): 20, (50, 59): 11, (60, 69): 4, (70, 80): 1,
}  # fmt: skip
# England and Wales probation caseload, roughly: White British ~72%, Black ~9%, Asian ~7%,
# Mixed ~5%, other White ~5%, other ~1%, not stated ~1%.
ETHNICITY = {
    "W1": 72.0, "W2": 0.8, "W3": 0.7, "W4": 0.3, "W5": 2.7,
    "B1": 3.5, "B2": 3.5, "B3": 2.0,
    "A1": 1.0, "A2": 0.3, "A3": 1.5, "A4": 2.7, "A5": 1.5,
    "M1": 0.8, "M2": 0.7, "M3": 2.5, "M4": 1.0,
    "O1": 0.5, "O2": 0.7,
    "NS": 1.3,
}  # fmt: skip
# "trans" means the identity opposite to the sex registered at birth.
GENDER_IDENTITY = {
    GenderIdentity.SAME_AS_SEX: 92.5,
    "": 4.0,
    "trans": 0.8,
    GenderIdentity.NON_BINARY: 0.5,
    GenderIdentity.OTHER: 0.2,
    GenderIdentity.PREFER_NOT_TO_SAY: 2.0,
}
# Current mental health need: 39% overall, more often among women.
MENTAL_HEALTH = {Sex.MALE: 0.37, Sex.FEMALE: 0.55}
SENTENCE = {
    SentenceType.COMMUNITY_ORDER: 35,
    SentenceType.SUSPENDED_SENTENCE_ORDER: 20,
    SentenceType.LICENCE: 40,
    SentenceType.POST_SENTENCE_SUPERVISION: 5,
}
CUSTODY_SHARE = 0.18
# People in custody are mostly serving the custodial part of a sentence with licence to follow.
CUSTODY_SENTENCE = {
    SentenceType.LICENCE: 85,
    SentenceType.SUSPENDED_SENTENCE_ORDER: 8,
    SentenceType.COMMUNITY_ORDER: 5,
    SentenceType.POST_SENTENCE_SUPERVISION: 2,
}
# In the community: whatever is left so that the overall mix matches SENTENCE.
COMMUNITY_SENTENCE = {
    s: SENTENCE[s] - CUSTODY_SHARE * 100 * w / sum(CUSTODY_SENTENCE.values())
    for s, w in CUSTODY_SENTENCE.items()
}
RELEASE_WITHIN_DAYS = 365
# Approved premises are for people on licence. Overall: settled ~70%, transient ~14%,
# no fixed abode ~10%, approved premises ~6%.
ACCOMMODATION_ON_LICENCE = {
    AccommodationStatus.SETTLED: 60,
    AccommodationStatus.TRANSIENT: 14,
    AccommodationStatus.NO_FIXED_ABODE: 11,
    AccommodationStatus.APPROVED_PREMISES: 15,
}
ACCOMMODATION_OTHER = {
    AccommodationStatus.SETTLED: 76.7,
    AccommodationStatus.TRANSIENT: 14,
    AccommodationStatus.NO_FIXED_ABODE: 9.3,
}
ROSH = {
    RoshLevel.LOW: 25,
    RoshLevel.MEDIUM: 50,
    RoshLevel.HIGH: 20,
    RoshLevel.VERY_HIGH: 3,
    "": 2,
}
# MAPPA by RoSH level, about 8% overall.
MAPPA_SHARE = {
    RoshLevel.LOW: 0.02,
    RoshLevel.MEDIUM: 0.06,
    RoshLevel.HIGH: 0.18,
    RoshLevel.VERY_HIGH: 0.35,
    "": 0.02,
}
MAPPA_CATEGORY = {1: 45, 2: 40, 3: 13, 4: 2}
MAPPA_LEVEL = {1: 88, 2: 10, 3: 2}
NEURODIVERGENCE_SHARE = 0.30
LEARNING_DISABILITY_SHARE = 0.07
LITERACY_SUPPORT_SHARE = 0.20
# Supervision lengths in months.
SUPERVISION_MONTHS = {
    SentenceType.COMMUNITY_ORDER: [6, 12, 12, 12, 18, 18, 24, 24, 36],
    SentenceType.SUSPENDED_SENTENCE_ORDER: [12, 12, 18, 24, 24],
    SentenceType.LICENCE: [6, 9, 12, 12, 18, 24, 36, 48, 60],
    SentenceType.POST_SENTENCE_SUPERVISION: [12],
}
INDETERMINATE_LICENCE_SHARE = 0.03  # life and IPP licences: no end date
UNALLOCATED_SHARE = 0.03
EARLIER_ALLOCATIONS_SHARE = 0.5
EARLIER_ALLOCATIONS = {1: 55, 2: 30, 3: 15}
TRANSFER_SHARE = 0.15
UNALLOCATED_PERIOD_SHARE = 0.08
LEFT_PRACTITIONER_SHARE = 0.3  # of earlier practitioners, when the team has a leaver
CHANGE_REASON = {
    AllocationReason.WORKLOAD: 35,
    AllocationReason.ABSENCE: 15,
    AllocationReason.RISK_OR_NEED: 15,
    AllocationReason.PERSON_REQUEST: 10,
    AllocationReason.OTHER: 5,
}
OTHER_REASON_DETAILS = [
    "Practitioner moved to court duties.",
    "Case moved to a practitioner with specialist training.",
    "Reallocated after a team restructure.",
    "Allocated after a period held by the team.",
]
MOBILE_SHARE = 0.85
LANDLINE_SHARE = 0.15
EMAIL_SHARE = 0.5

# Staff: practitioners per team, and the share of them who have since left.
PRACTITIONERS_PER_TEAM = [4, 5, 5, 5, 6]
LEFT_SHARE = 0.04
STAFF_FEMALE_SHARE = 0.65
NATIONAL_STAFF = {Role.NATIONAL: 4, Role.INSPECTOR: 6, Role.ADMIN: 2}

# The fixed sign-ins: username, role, first name, last name.
DEMO_SIGN_INS = [
    ("demo.practitioner", Role.PRACTITIONER, "Amelia", "Clarke"),
    ("demo.spo", Role.SENIOR_PROBATION_OFFICER, "Daniel", "Mensah"),
    ("demo.head", Role.HEAD_OF_PDU, "Fiona", "Gallagher"),
    ("demo.regional", Role.REGIONAL_LEAD, "Rajesh", "Patel"),
    ("demo.national", Role.NATIONAL, "Catherine", "Moore"),
    ("demo.inspector", Role.INSPECTOR, "Owen", "Pritchard"),
    ("demo.admin", Role.ADMIN, "Sam", "Taylor"),
]


# ---- helpers ----------------------------------------------------------------------------------


AGE = Weighted(AGE_BANDS)
ETHNICITY_PICK = Weighted(ETHNICITY)
GENDER_IDENTITY_PICK = Weighted(GENDER_IDENTITY)
CUSTODY_SENTENCE_PICK = Weighted(CUSTODY_SENTENCE)
COMMUNITY_SENTENCE_PICK = Weighted(COMMUNITY_SENTENCE)
ACCOMMODATION_ON_LICENCE_PICK = Weighted(ACCOMMODATION_ON_LICENCE)
ACCOMMODATION_OTHER_PICK = Weighted(ACCOMMODATION_OTHER)
ROSH_PICK = Weighted(ROSH)
MAPPA_CATEGORY_PICK = Weighted(MAPPA_CATEGORY)
MAPPA_LEVEL_PICK = Weighted(MAPPA_LEVEL)
EARLIER_ALLOCATIONS_PICK = Weighted(EARLIER_ALLOCATIONS)
CHANGE_REASON_PICK = Weighted(CHANGE_REASON)
POSTCODE_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"  # the letters a postcode's inward part may use


@cache
def _data(name: str) -> dict:
    return json.loads((DATA_DIR / name).read_text(encoding="utf-8"))


def crn_for(index: int) -> str:
    """The CRN of the ``index``-th generated person: a letter A-W and six digits.

    7919 is prime and shares no factor with 1,000,000, so the digits alone are a bijection of
    the index below a million; X is left for the hand-made special cases.
    """
    if not 0 <= index < 1_000_000:
        raise ValueError("index out of range")
    return chr(65 + index % 23) + f"{(index * 7919) % 1_000_000:06d}"


def _slug(text: str) -> str:
    return re.sub(r"[^a-z]", "", text.lower())


def _months(n: int) -> timedelta:
    return timedelta(days=round(n * 30.44))


@dataclass
class TeamInfo:
    team: Team
    in_post: list[int] = field(default_factory=list)  # practitioners who may get new cases
    left: list[int] = field(default_factory=list)  # practitioners who have left
    local_authorities: list[int] = field(default_factory=list)
    towns: list[tuple[str, int]] = field(default_factory=list)  # (town, postcode district)


@dataclass
class Summary:
    people: int = 0
    allocations: int = 0
    limited_access: int = 0
    casework: CaseworkCounts = field(default_factory=CaseworkCounts)
    # Rows of the later features (screens, plans, appointments, messages), by plain name.
    more: Counter = field(default_factory=Counter)
    staff: Counter = field(default_factory=Counter)
    seconds: float = 0.0  # everything, the scan included
    scan_seconds: float = 0.0
    work_items_raised: int = 0
    alerts_acknowledged: int = 0  # earlier urgent work, see demo.alerts
    sign_ins: list[tuple[str, str, str]] = field(default_factory=list)
    password_note: str = ""


class Names:
    """Synthetic names from the pools in ``data/names.json``."""

    def __init__(self):
        data = _data("names.json")
        self.pools = data["pools"]
        self.by_ethnicity = data["pool_by_ethnicity"]

    def pick(self, rng: random.Random, sex: str, ethnicity: str = "W1") -> tuple[str, str]:
        pool_name, share = self.by_ethnicity.get(ethnicity, ("general", 0.0))
        pool = self.pools[pool_name] if rng.random() < share else self.pools["general"]
        first = rng.choice(pool["female" if sex == Sex.FEMALE else "male"])
        # Surnames stay with the pool most of the time, but not always.
        surnames = pool["surname"] if rng.random() < 0.9 else self.pools["general"]["surname"]
        return first, rng.choice(surnames)


# ---- the whole run ------------------------------------------------------------------------------


class DemoDataExists(Exception):
    """People exist already and --replace was not given."""


def people_exist() -> bool:
    return Person.objects.exists()


def demo_staff():
    return Staff.objects.filter(username__startswith=DEMO_USERNAME_PREFIX, is_superuser=False)


# The big people-related tables, emptied with one DELETE each by --replace (in this order).
# Other tables that point at people or at demo staff are found from the model relations and
# emptied through the ORM first (see ``_clear_references``); add a table here once a demo
# generator fills it at national scale. Going through the ORM would write a history record for
# every row deleted.
RAW_PEOPLE_TABLES = [
    PathwayOffer.history.model,
    PathwayOffer,
    RecordedNeed.history.model,
    RecordedNeed,
    GPRegistration.history.model,
    GPRegistration,
    Message,
    ReleasePlanItem.history.model,
    ReleasePlanItem,
    ReleasePlan.history.model,
    ReleasePlan,
    ReminderPreferences.history.model,
    ReminderPreferences,
    Appointment.history.model,
    Appointment,
    SafetyPlan.history.model,
    SafetyPlan,
    VulnerabilityScreen,
    Escalation.history.model,
    Escalation,
    Referral.history.model,
    Referral,
    RegistrationReview,
    Registration.history.model,
    Registration,
    AccessLogEntry,
    LimitedAccess,
    Allocation,
    Person.history.model,
]
# Tables written at national scale: loaded without their foreign keys and secondary indexes
# (see ``bulk_load``) and analysed before the scan runs.
BULK_TABLES = [
    Person,
    Allocation,
    Registration,
    RegistrationReview,
    Referral,
    Escalation,
    VulnerabilityScreen,
    SafetyPlan,
    ReleasePlan,
    ReleasePlanItem,
    Appointment,
    ReminderPreferences,
    Message,
]


def purge(*, replace: bool) -> None:
    """Delete what an earlier run left. ``replace`` empties every people-related table.

    The big tables are emptied with plain SQL: the ORM would load each person and write a
    "deleted" history record for it, which at national scale takes minutes and leaves junk.
    """
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        if replace:
            for model in RAW_PEOPLE_TABLES:
                # Anything else pointing at these rows goes first (none today).
                _clear_references(model, model._base_manager.all(), skip=RAW_PEOPLE_TABLES)
                cursor.execute(f"DELETE FROM {quote(model._meta.db_table)}")  # noqa: S608
            _clear_references(Person, Person.objects.all(), skip=RAW_PEOPLE_TABLES)
            cursor.execute(f"DELETE FROM {quote(Person._meta.db_table)}")  # noqa: S608
            # Empty tables start again from id 1, so that ids are repeatable too.
            tables = [*RAW_PEOPLE_TABLES, Person]
            sequences = [{"table": m._meta.db_table, "column": m._meta.pk.column} for m in tables]
            for sql in connection.ops.sequence_reset_by_name_sql(no_style(), sequences):
                cursor.execute(sql)
    staff = demo_staff()
    _clear_references(Staff, staff, skip=[*RAW_PEOPLE_TABLES, Person] if replace else [])
    # Everything that pointed at them is gone (team memberships included), so a plain DELETE.
    ids = list(staff.values_list("pk", flat=True))
    with connection.cursor() as cursor:
        for i in range(0, len(ids), 500):
            chunk = ids[i : i + 500]
            cursor.execute(
                f"DELETE FROM {quote(Staff._meta.db_table)} "  # noqa: S608
                f"WHERE {quote(Staff._meta.pk.column)} IN ({', '.join(['%s'] * len(chunk))})",
                chunk,
            )


def _clear_references(model, rows, *, skip) -> None:
    """Delete, or unlink where the relation says SET_NULL, every row of another model that
    points at ``rows`` of ``model``, so that those rows can go (hidden relations included).
    Models whose table does not exist yet (migrations not made or not run) are passed over."""
    tables = set(connection.introspection.table_names())
    for rel in model._meta.get_fields(include_hidden=True):
        if not (rel.auto_created and not rel.concrete and (rel.one_to_many or rel.one_to_one)):
            continue
        related, fk = rel.related_model, rel.field
        if related in skip or related is model or related._meta.db_table not in tables:
            continue
        refs = related._base_manager.filter(**{f"{fk.name}__in": rows})
        if rel.on_delete is models.SET_NULL:
            refs.update(**{fk.name: None})
        else:
            refs.delete()


def seed_demo(
    *,
    people: int = DEFAULT_PEOPLE,
    seed: int = 1,
    replace: bool = False,
    today: date | None = None,
    progress: Callable[[str], None] | None = None,
    workers: int | None = None,
) -> Summary:
    """Create the demo data in one transaction and return what was made.

    ``workers`` processes make the casework rows while this one writes (by default one, at
    national scale on a machine with more than one core; none for small runs). The data is
    the same either way.

    Raises ``DemoDataExists`` if people exist and ``replace`` is false, and ``ValueError`` for
    a number of people out of range or a database without the organisation loaded.
    """
    if not 0 <= people <= MAX_PEOPLE:
        raise ValueError(f"The number of people must be between 0 and {MAX_PEOPLE}.")
    started = time.monotonic()
    today = today or timezone.localdate()
    if workers is None:
        workers = 1 if people >= PARALLEL_FROM and (os.cpu_count() or 1) > 1 else 0
    with transaction.atomic():
        if people_exist() and not replace:
            raise DemoDataExists("People already exist.")
        with bulk_load(BULK_TABLES):
            purge(replace=replace)
            summary = Summary()
            staff = StaffBuilder(seed, summary).build()
            extras = [
                builder(seed, today, staff.teams, summary.more)
                for builder in (ScreensBuilder, ReleasePlansBuilder, AppointmentsBuilder)
            ]
            casework = CaseworkBuilder(
                seed, today, staff.teams, summary.casework, workers, extras=extras
            )
            try:
                PeopleBuilder(seed, today, staff, summary, progress, casework).build(people)
                casework.finish()
            finally:
                casework.close()
        summary.more.update(seed_feedback(seed, today))
        # After everything else about the people: the needs they were offered pathways for
        # are found by the work-item rule's own statement, planned on fresh statistics.
        gp_registrations, recorded_needs = gp_and_recorded_need_rows(seed=seed, today=today)
        insert_rows(GPRegistration, gp_registrations)
        insert_rows(RecordedNeed, recorded_needs)
        analyze([*BULK_TABLES, GPRegistration, RecordedNeed])
        offers = offer_rows(seed=seed, today=today)
        insert_rows(PathwayOffer, offers)
        summary.more["GP registrations"] = len(gp_registrations)
        summary.more["recorded needs"] = len(recorded_needs)
        summary.more["pathway offers"] = len(offers)
    # Every table, not only those written in bulk: the small ones that migrations load
    # (agencies, limited-access lists) steer the join plans as much as the big ones.
    analyze()
    if progress:
        progress(f"data written in {time.monotonic() - started:.1f} s; running the work-item scan")
    summary.scan_seconds, summary.work_items_raised = run_scan(today)
    summary.alerts_acknowledged = acknowledge_earlier_alerts(keep_team_id=staff.demo_team.team.pk)
    # The scan raised items by the hundred thousand: give the planner their statistics now,
    # rather than whenever autovacuum comes round, so that the next scan plans well.
    analyze([WorkItem])
    summary.seconds = time.monotonic() - started
    return summary


@contextmanager
def bulk_load(models_to_load):
    """PostgreSQL only: empty and load ``models_to_load`` without foreign keys and secondary
    indexes.

    Inside the current transaction, drop the foreign-key constraints from and to the tables and
    the tables' indexes that back no constraint, and put them back (from their own definitions)
    once the block is done: building an index once and checking a foreign key with one query is
    many times faster than doing both row by row, which at national scale (millions of rows
    inserted or deleted, each checked at commit) takes minutes. This is PostgreSQL's own advice
    for populating a database. Putting the constraints back checks every row, so nothing
    dangling can be committed; if anything fails, the rollback restores everything. The tables
    are locked until commit.
    """
    if connection.vendor != "postgresql":
        yield
        return
    quote = connection.ops.quote_name
    saved = []  # ([(table, constraint, definition)], [index definition])
    seen = set()
    with connection.cursor() as cursor:
        _run_pending_checks(cursor)
        cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
        for model in models_to_load:
            table = model._meta.db_table
            # Foreign keys from the table, and from other tables to it (deleting rows that other
            # tables could point at checks each of them too).
            cursor.execute(
                "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) "
                "FROM pg_constraint WHERE contype = 'f' "
                "AND (conrelid = %s::regclass OR confrelid = %s::regclass) "
                "ORDER BY conrelid::regclass::text, conname",
                [table, table],
            )
            constraints = [c for c in cursor.fetchall() if c not in seen]
            seen.update(constraints)
            cursor.execute(
                "SELECT quote_ident(n.nspname) || '.' || quote_ident(i.relname), "
                "pg_get_indexdef(i.oid) FROM pg_index x "
                "JOIN pg_class i ON i.oid = x.indexrelid "
                "JOIN pg_namespace n ON n.oid = i.relnamespace "
                "WHERE x.indrelid = %s::regclass AND NOT x.indisprimary AND NOT x.indisunique "
                "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid) "
                "ORDER BY i.relname",
                [table],
            )
            indexes = cursor.fetchall()
            for owner, name, _ in constraints:
                cursor.execute(f"ALTER TABLE {owner} DROP CONSTRAINT {quote(name)}")
            for name, _ in indexes:
                cursor.execute(f"DROP INDEX {name}")
            saved.append((constraints, [definition for _, definition in indexes]))
    yield
    with connection.cursor() as cursor:
        _run_pending_checks(cursor)
        for _, indexes in saved:
            for definition in indexes:
                cursor.execute(definition)
        for constraints, _ in saved:
            for owner, name, definition in constraints:
                cursor.execute(f"ALTER TABLE {owner} ADD CONSTRAINT {quote(name)} {definition}")


def _run_pending_checks(cursor):
    # A table with deferred checks still to run cannot be altered: run them now.
    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def analyze(models_to_analyze=None) -> None:
    """PostgreSQL only: refresh the planner's statistics of freshly filled tables (every table
    when none are named), so that the scan and the first pages after seeding get good plans
    without waiting for autovacuum."""
    if connection.vendor != "postgresql":
        return
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        if models_to_analyze is None:
            # VACUUM as well where it can run (outside a transaction): it sets the visibility
            # map of the freshly written tables, without which PostgreSQL cannot answer from an
            # index alone (the equal treatment page's per-person screen probe read every screen
            # row from the heap, 6 times slower) until autovacuum comes round, if it is on.
            cursor.execute("VACUUM (ANALYZE)" if not connection.in_atomic_block else "ANALYZE")
            return
        for model in models_to_analyze:
            cursor.execute(f"ANALYZE {quote(model._meta.db_table)}")


def run_scan(today: date) -> tuple[float, int]:
    """Run every work-item rule over the whole database; (seconds, items raised)."""
    from safeguard.core.workitems import scan_all

    started = time.monotonic()
    results = scan_all(today=today)
    return time.monotonic() - started, sum(r.raised for r in results)


# ---- staff ------------------------------------------------------------------------------------


@dataclass
class StaffLayout:
    teams: list[TeamInfo]
    demo_team: TeamInfo
    sign_ins: dict[str, Staff]


class StaffBuilder:
    def __init__(self, seed: int, summary: Summary):
        self.rng = random.Random(f"{seed}:staff")
        self.summary = summary
        self.names = Names()
        self.usernames: Counter = Counter()
        self.rows: list[tuple[Staff, list[int]]] = []  # (staff, team ids)

    def build(self) -> StaffLayout:
        teams = list(Team.objects.select_related("pdu__region").order_by("pdu__code", "name"))
        if not teams:
            raise ValueError("No teams: run the migrations that load the organisation first.")
        pdus = list(PDU.objects.select_related("region").order_by("code"))
        regions = list(Region.objects.order_by("code"))
        demo_team = next(
            (t for t in teams if t.pdu.region.code == DEMO_REGION_CODE), teams[0]
        )  # teams are in PDU-code order, so this is the first team of the region's first PDU
        sign_ins = self._sign_ins(demo_team)

        infos = []
        for team in teams:
            info = TeamInfo(team)
            infos.append(info)
            is_demo = team.pk == demo_team.pk
            if not is_demo:
                self._add(Role.SENIOR_PROBATION_OFFICER, team=team)
            if is_demo:
                # demo.practitioner, four colleagues in post and one who has left.
                count, left = 5, [False, False, False, False, True]
            else:
                count = self.rng.choice(PRACTITIONERS_PER_TEAM)
                left = [self.rng.random() < LEFT_SHARE for _ in range(count)]
                if count - sum(left) < 2:
                    left = [False, False] + left[2:]
            for has_left in left:
                self._add(Role.PRACTITIONER, team=team, in_post=not has_left)
        for pdu in pdus:
            if pdu.pk != demo_team.pdu_id:
                self._add(Role.HEAD_OF_PDU, pdu=pdu)
        for region in regions:
            if region.pk != demo_team.pdu.region_id:
                self._add(Role.REGIONAL_LEAD, region=region)
        for role, count in NATIONAL_STAFF.items():
            for _ in range(count):
                self._add(role)

        created = Staff.objects.bulk_create([s for s, _ in self.rows], batch_size=BATCH_SIZE)
        through = Staff.teams.through
        through.objects.bulk_create(
            [
                through(staff_id=s.pk, team_id=team_id)
                for s, team_ids in self.rows
                for team_id in team_ids
            ],
            batch_size=BATCH_SIZE,
        )
        # Only generated practitioners join the pools that random cases are given to:
        # demo.practitioner holds exactly the demo caseload, whatever the number of people.
        by_team = {info.team.pk: info for info in infos}
        for s, team_ids in self.rows:
            if s.role == Role.PRACTITIONER:
                info = by_team[team_ids[0]]
                (info.in_post if s.in_post else info.left).append(s.pk)
        self.summary.staff.update(s.role for s in created)
        self.summary.staff.update(s.role for s in sign_ins.values())
        _delius_codes(teams, demo_team, sign_ins["demo.practitioner"], created)
        return StaffLayout(infos, by_team[demo_team.pk], sign_ins)

    def _add(self, role, *, team=None, pdu=None, region=None, in_post=True):
        sex = Sex.FEMALE if self.rng.random() < STAFF_FEMALE_SHARE else Sex.MALE
        first, last = self.names.pick(self.rng, sex, ETHNICITY_PICK.pick(self.rng))
        base = f"{_slug(first)}.{_slug(last)}"
        self.usernames[base] += 1
        n = self.usernames[base]
        suffix = "" if n == 1 else str(n)
        if team is not None:
            pdu = team.pdu
        if pdu is not None:
            region = pdu.region
        staff = Staff(
            username=f"{DEMO_USERNAME_PREFIX}{base}{suffix}",
            first_name=first,
            last_name=last,
            email=f"{base}{suffix}@probation.example.com",
            role=role,
            pdu=pdu,
            region=region,
            in_post=in_post,
            is_active=in_post,
            is_staff=role == Role.ADMIN,
        )
        # What set_unusable_password() stores, without 40 calls to secrets.choice() each.
        staff.password = UNUSABLE_PASSWORD_PREFIX + secrets.token_urlsafe(30)
        self.rows.append((staff, [team.pk] if team is not None else []))

    def _sign_ins(self, demo_team: Team) -> dict[str, Staff]:
        password = settings.SAFEGUARD_DEMO_PASSWORD
        password_hash = make_password(password)  # hashed once: Argon2 is slow on purpose
        pdu, region = demo_team.pdu, demo_team.pdu.region
        where = {
            Role.PRACTITIONER: (dict(pdu=pdu, region=region), f"team {demo_team.name}, {pdu}"),
            Role.SENIOR_PROBATION_OFFICER: (
                dict(pdu=pdu, region=region),
                f"team {demo_team.name}, {pdu}",
            ),
            Role.HEAD_OF_PDU: (dict(pdu=pdu, region=region), f"PDU {pdu}"),
            Role.REGIONAL_LEAD: (dict(pdu=None, region=region), f"region {region}"),
        }
        sign_ins = {}
        for username, role, first, last in DEMO_SIGN_INS:
            scope, label = where.get(
                role, (dict(pdu=None, region=None), "all of England and Wales")
            )
            staff = Staff.objects.filter(username=username).first() or Staff(username=username)
            staff.first_name, staff.last_name = first, last
            staff.email = f"{username}@probation.example.com"
            staff.role = role
            staff.pdu, staff.region = scope["pdu"], scope["region"]
            staff.in_post = staff.is_active = True
            staff.is_staff = staff.is_superuser = role == Role.ADMIN
            staff.password = password_hash
            staff.save()
            staff.teams.set(
                [demo_team] if role in (Role.PRACTITIONER, Role.SENIOR_PROBATION_OFFICER) else []
            )
            sign_ins[username] = staff
            self.summary.sign_ins.append((username, role.label, label))
        if password == DEFAULT_DEMO_PASSWORD:
            self.summary.password_note = (
                f"password {DEFAULT_DEMO_PASSWORD!r}, the default: set SAFEGUARD_DEMO_PASSWORD "
                "to change it"
            )
        else:
            self.summary.password_note = "password: the value of SAFEGUARD_DEMO_PASSWORD"
        return sign_ins


DEMO_TEAM_CODE = "N07DEM"
DEMO_STAFF_CODE = "N07DEMP"


def _delius_codes(teams, demo_team, demo_practitioner, created) -> None:
    """nDelius codes, by which integrated mode places a case: demo.practitioner's team is
    N07DEM and demo.practitioner N07DEMP; every other team and generated practitioner gets a
    code of its own (``T`` or ``S`` and its id)."""
    for team in teams:
        code = DEMO_TEAM_CODE if team.pk == demo_team.pk else (team.code or f"T{team.pk:05d}")
        if team.code != code:
            team.code = code
    Team.objects.filter(code=DEMO_TEAM_CODE).exclude(pk=demo_team.pk).update(code="")
    Team.objects.bulk_update(teams, ["code"], batch_size=BATCH_SIZE)
    practitioners = [s for s in created if s.role == Role.PRACTITIONER and s.pk]
    for staff in practitioners:
        staff.staff_code = f"S{staff.pk:06d}"
    Staff.objects.filter(staff_code=DEMO_STAFF_CODE).exclude(pk=demo_practitioner.pk).update(
        staff_code=""
    )
    Staff.objects.bulk_update(practitioners, ["staff_code"], batch_size=BATCH_SIZE)
    Staff.objects.filter(pk=demo_practitioner.pk).update(staff_code=DEMO_STAFF_CODE)


# ---- writing rows -----------------------------------------------------------------------------


def insert_rows(model, rows: list[dict]) -> None:
    """Insert ``rows`` (dicts of attribute names to values; anything left out takes the
    field's default) and set each row's ``id``.

    PostgreSQL with psycopg 3 gets COPY, several times faster than INSERT at national scale;
    every other database gets ``bulk_create``. Both write the same values.
    """
    if not rows:
        return
    if _can_copy():
        _copy_rows(model, rows)
        return
    objects = [model(**row) for row in rows]
    # A value given for an ``auto_now``/``auto_now_add`` field (when a record was made, as the
    # generator decided) is kept, as COPY keeps it: bulk_create would put the time of the run.
    given = [
        f
        for f in model._meta.concrete_fields
        if (getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False))
        and f.attname in rows[0]
    ]
    saved = [(f, f.auto_now, f.auto_now_add) for f in given]
    try:
        for f in given:
            f.auto_now = f.auto_now_add = False
        model.objects.bulk_create(objects, batch_size=BATCH_SIZE)
    finally:
        for f, auto_now, auto_now_add in saved:
            f.auto_now, f.auto_now_add = auto_now, auto_now_add
    for row, obj in zip(rows, objects, strict=True):
        row["id"] = obj.pk


def _can_copy() -> bool:
    if connection.vendor != "postgresql":
        return False
    from django.db.backends.postgresql.psycopg_any import is_psycopg3

    return is_psycopg3


def _copy_rows(model, rows: list[dict]) -> None:
    """PostgreSQL only: take ids from the table's sequence, then COPY the rows in."""
    meta = model._meta
    quote = connection.ops.quote_name
    now = timezone.now()
    columns = []  # (attname, column, fixed default, callable default)
    json_fields = []  # COPY takes JSON as its text
    for f in meta.concrete_fields:
        if f.primary_key:
            continue
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            columns.append((f.attname, f.column, now, None))
        elif f.has_default() and callable(f.default):
            columns.append((f.attname, f.column, None, f.get_default))
        else:
            columns.append((f.attname, f.column, f.get_default(), None))
        if isinstance(f, models.JSONField):
            json_fields.append(len(columns))  # its position in the row, after the id
    names = ", ".join(quote(c) for c in [meta.pk.column, *(c[1] for c in columns)])
    # JSON values shared by many rows are encoded once (each kept, so that its id stays its own).
    texts: dict[int, tuple[object, str]] = {}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [meta.db_table, meta.pk.column, len(rows)],
        )
        ids = sorted(i for (i,) in cursor.fetchall())
        with cursor.cursor.copy(f"COPY {quote(meta.db_table)} ({names}) FROM STDIN") as copy:
            for row, pk in zip(rows, ids, strict=True):
                row["id"] = pk
                values = [pk] + [
                    row[a] if a in row else (make() if make else fixed)
                    for a, _, fixed, make in columns
                ]
                for i in json_fields:
                    value = values[i]
                    known = texts.get(id(value))
                    if known is None:
                        known = texts[id(value)] = (value, json.dumps(value))
                    values[i] = known[1]
                copy.write_row(values)


# ---- people -----------------------------------------------------------------------------------


class PeopleBuilder:
    def __init__(self, seed, today, staff: StaffLayout, summary, progress=None, casework=None):
        self.casework = casework  # a CaseworkBuilder, given each batch of people once written
        self.rng = random.Random(f"{seed}:people")
        self.today = today
        self.staff = staff
        self.summary = summary
        self.progress = progress
        self.names = Names()
        self.places = _data("places.json")
        self.communication = _data("communication.json")
        self.index = 0  # the next generated CRN
        self.pending: list[tuple[dict, list[dict]]] = []  # person rows and their allocations
        self.teams_by_pdu: dict[int, list[TeamInfo]] = {}
        for info in staff.teams:
            self.teams_by_pdu.setdefault(info.team.pdu_id, []).append(info)
        self._places_for_teams()

    # -- set-up

    def _places_for_teams(self):
        rng = self.rng
        towns = self.places["towns"]
        districts = {town: i + 1 for i, town in enumerate(towns)}
        authorities = {}
        for la in LocalAuthority.objects.order_by("name"):
            authorities.setdefault(la.pdu_id, []).append(la.pk)
        for info in self.staff.teams:
            info.local_authorities = authorities.get(info.team.pdu_id, [])
            info.towns = [(t, districts[t]) for t in rng.sample(towns, 3)]

    # -- the run

    def build(self, people: int):
        demo = self.staff.demo_team
        practitioner = self.staff.sign_ins["demo.practitioner"]
        spo = self.staff.sign_ins["demo.spo"]
        others = demo.in_post

        for profile in demo_caseload_profiles(DEMO_CASELOAD):
            person = self._person(demo, practitioner.pk, profile)
            if self.casework:
                self.casework.mark(person, (*profile.get("casework", ()), DEMO_CASELOAD_MARK))
        for k in range(DEMO_TEAM_OTHERS):
            holder = None if k == DEMO_TEAM_OTHERS - 1 else others[k % len(others)]
            self._person(demo, holder)
        excluded = self._person(demo, others[0], crn=EXCLUDED_CRN)
        restricted_holder = others[1 % len(others)]
        restricted = self._person(demo, restricted_holder, crn=RESTRICTED_CRN)
        self._flush()

        entries = [
            LimitedAccess(
                person_id=excluded["id"],
                staff=practitioner,
                kind=LimitedAccess.Kind.EXCLUSION,
                reason="Demo practitioner is a relative of a victim in this case.",
            ),
            LimitedAccess(
                person_id=restricted["id"],
                staff=spo,
                kind=LimitedAccess.Kind.RESTRICTION,
                reason="Public figure: access restricted to the case holder and manager.",
            ),
            LimitedAccess(
                person_id=restricted["id"],
                staff_id=restricted_holder,
                kind=LimitedAccess.Kind.RESTRICTION,
                reason="Public figure: access restricted to the case holder and manager.",
            ),
        ]
        LimitedAccess.objects.bulk_create(entries)
        self.summary.limited_access += len(entries)

        rest = max(0, people - self.summary.people)
        weights = Weighted({i: self.rng.uniform(0.5, 1.5) for i in range(len(self.staff.teams))})
        for n in range(rest):
            info = self.staff.teams[weights.pick(self.rng)]
            holder = None
            if self.rng.random() >= UNALLOCATED_SHARE and info.in_post:
                holder = self.rng.choice(info.in_post)
            self._person(info, holder)
            if len(self.pending) >= BATCH_SIZE:
                self._flush()
                if self.progress and (n + 1) % 50_000 < BATCH_SIZE:
                    work = self.summary.casework
                    self.progress(
                        f"{self.summary.people} people so far ({work.registrations} "
                        f"registrations, {work.referrals} referrals)"
                    )
        self._flush()

    def _flush(self):
        if not self.pending:
            return
        insert_rows(Person, [person for person, _ in self.pending])
        allocations = []
        for person, rows in self.pending:
            for allocation in rows:
                allocation["person_id"] = person["id"]
                allocations.append(allocation)
        insert_rows(Allocation, allocations)
        if self.casework:
            self.casework.add(
                [person for person, _ in self.pending], [rows for _, rows in self.pending]
            )
        self.summary.people += len(self.pending)
        self.summary.allocations += len(allocations)
        self.pending = []

    # -- one person

    def _person(self, info: TeamInfo, practitioner_id, profile=None, crn=None) -> dict:
        rng, today = self.rng, self.today
        profile = profile or {}
        if crn is None:
            crn = crn_for(self.index)
            self.index += 1

        sex = profile.get("sex") or (Sex.FEMALE if rng.random() < FEMALE_SHARE else Sex.MALE)
        lo, hi = AGE.pick(rng)
        age = rng.randint(lo, hi)
        born = today - timedelta(
            days=rng.randint(int(age * 365.25) + 1, int((age + 1) * 365.25) - 1)
        )
        ethnicity = profile.get("ethnicity") or ETHNICITY_PICK.pick(rng)
        identity = GENDER_IDENTITY_PICK.pick(rng)
        if identity == "trans":
            identity = GenderIdentity.WOMAN if sex == Sex.MALE else GenderIdentity.MAN
        first, last = self.names.pick(rng, sex, ethnicity)

        # Sentence and custody
        release_in = profile.get("release_in_days")
        if release_in is None and profile.get("custody", True) and rng.random() < CUSTODY_SHARE:
            release_in = rng.randint(1, RELEASE_WITHIN_DAYS)
        in_custody = release_in is not None
        sentence = profile.get("sentence") or (
            CUSTODY_SENTENCE_PICK if in_custody else COMMUNITY_SENTENCE_PICK
        ).pick(rng)
        length = _months(rng.choice(SUPERVISION_MONTHS[sentence]))
        if in_custody:
            release = today + timedelta(days=release_in)
            start = today - timedelta(days=rng.randint(14, 900))
            end = max(start + length, release + timedelta(days=30))
            if sentence in (SentenceType.LICENCE, SentenceType.POST_SENTENCE_SUPERVISION):
                end = release + length
        else:
            release = None
            start = today - timedelta(days=rng.randint(0, length.days - 7))
            end = start + length
        if sentence == SentenceType.LICENCE and rng.random() < INDETERMINATE_LICENCE_SHARE:
            end = None

        accommodation = profile.get("accommodation") or (
            ACCOMMODATION_ON_LICENCE_PICK
            if sentence in (SentenceType.LICENCE, SentenceType.POST_SENTENCE_SUPERVISION)
            else ACCOMMODATION_OTHER_PICK
        ).pick(rng)

        # Risk
        rosh = ROSH_PICK.pick(rng)
        mappa_category = mappa_level = None
        if "mappa" in profile:
            if profile["mappa"]:
                mappa_category, mappa_level = profile["mappa"]
        elif rng.random() < MAPPA_SHARE[rosh]:
            mappa_category, mappa_level = MAPPA_CATEGORY_PICK.pick(rng), MAPPA_LEVEL_PICK.pick(rng)
        if mappa_level and mappa_level > 1 and rosh in (RoshLevel.LOW, ""):
            rosh = RoshLevel.HIGH

        # Needs
        mental_health = profile.get("mental_health")
        if mental_health is None:
            mental_health = rng.random() < MENTAL_HEALTH[sex]
        needs = profile.get("needs", ())
        neuro = "neurodivergence" in needs or rng.random() < NEURODIVERGENCE_SHARE
        ld = "learning_disability" in needs or rng.random() < LEARNING_DISABILITY_SHARE
        literacy = "literacy_support" in needs or rng.random() < LITERACY_SUPPORT_SHARE
        interpreter = profile.get("interpreter", "")
        share, languages = self.communication["interpreter"].get(ethnicity, (0.0, []))
        if not interpreter and languages and rng.random() < share:
            interpreter = rng.choice(languages)
        notes = []
        for flag, key in (
            (neuro, "neurodivergence"),
            (ld, "learning_disability"),
            (literacy, "literacy_support"),
            (interpreter, "interpreter"),
        ):
            if flag and rng.random() < 0.5:
                notes.append(rng.choice(self.communication["notes"][key]))

        # Contact details and address
        town, district = rng.choice(info.towns)
        mobile = phone = email = address = postcode = ""
        if rng.random() < MOBILE_SHARE:
            mobile = f"07700 900{rng.randint(0, 999):03d}"
        if profile.get("mobile") and not mobile:
            mobile = "07700 900982"  # the demo's text reminders need a number (no random draw)
        if rng.random() < LANDLINE_SHARE:
            phone = f"01632 960{rng.randint(0, 999):03d}"
        if rng.random() < EMAIL_SHARE:
            email = f"{_slug(first)}.{_slug(last)}{rng.randint(1, 99)}@example.com"
        if accommodation != AccommodationStatus.NO_FIXED_ABODE:
            street = (
                f"{rng.randint(1, 180)} {rng.choice(self.places['street_words'])} "
                f"{rng.choice(self.places['street_types'])}"
            )
            if accommodation == AccommodationStatus.APPROVED_PREMISES:
                address = f"Approved premises, {street}"
            elif rng.random() < self.places["flat_share"]:
                address = f"Flat {rng.randint(1, 24)}, {street}"
            else:
                address = street
            postcode = (
                f"ZZ{district} {rng.randint(0, 9)}"
                f"{rng.choice(POSTCODE_LETTERS)}{rng.choice(POSTCODE_LETTERS)}"
            )
        local_authority = rng.choice(info.local_authorities) if info.local_authorities else None

        person = dict(
            crn=crn,
            first_name=first,
            last_name=last,
            date_of_birth=born,
            sex=sex,
            gender_identity=identity,
            ethnicity=ethnicity,
            pdu_id=info.team.pdu_id,
            team_id=info.team.pk,
            practitioner_id=practitioner_id,
            local_authority_id=local_authority,
            sentence_type=sentence,
            supervision_start=start,
            supervision_end=end,
            custody_status=CustodyStatus.IN_CUSTODY if in_custody else CustodyStatus.IN_COMMUNITY,
            expected_release_date=release,
            accommodation_status=accommodation,
            mobile=mobile,
            phone=phone,
            email=email,
            address_line=address,
            town=town,
            postcode=postcode,
            neurodivergence=neuro,
            learning_disability=ld,
            literacy_support=literacy,
            interpreter_language=interpreter,
            communication_notes=" ".join(notes),
            mental_health_need=mental_health,
            rosh_level=rosh,
            mappa_category=mappa_category,
            mappa_level=mappa_level,
        )
        self.pending.append((person, self._allocations(info, practitioner_id, start)))
        return person

    def _allocations(self, info: TeamInfo, practitioner_id, start: date) -> list[dict]:
        """Earlier allocations (for about half the people) and the current one, oldest first."""
        rng = self.rng
        days = (self.today - start).days
        earlier = 0
        if rng.random() < EARLIER_ALLOCATIONS_SHARE and days >= 2:
            earlier = min(EARLIER_ALLOCATIONS_PICK.pick(rng), days - 1)
        starts = [start] + [
            start + timedelta(days=d) for d in sorted(rng.sample(range(1, days), earlier))
        ]
        # Holders, newest first: each differs from the one after it.
        holders = [(info, practitioner_id)]
        for _ in range(earlier):
            later_info, later_holder = holders[-1]
            holders.append(self._earlier_holder(later_info, later_holder))
        holders.reverse()

        rows = []
        for j, (holder_info, holder) in enumerate(holders):
            reason, detail = AllocationReason.INITIAL, ""
            if j > 0:
                before_info, before = holders[j - 1]
                if before_info is not holder_info:
                    reason = AllocationReason.TRANSFER
                elif before is not None and before in before_info.left:
                    reason = AllocationReason.PRACTITIONER_LEFT
                elif holder is None:
                    reason = AllocationReason.ABSENCE  # held by the team meanwhile
                else:
                    reason = CHANGE_REASON_PICK.pick(rng)
                    if reason == AllocationReason.OTHER or before is None:
                        reason = AllocationReason.OTHER
                        detail = (
                            OTHER_REASON_DETAILS[-1]
                            if before is None
                            else rng.choice(OTHER_REASON_DETAILS[:-1])
                        )
            rows.append(
                dict(
                    practitioner_id=holder,
                    team_id=holder_info.team.pk,
                    started_on=starts[j],
                    ended_on=starts[j + 1] if j + 1 < len(starts) else None,
                    reason=reason,
                    reason_detail=detail,
                )
            )
        return rows

    def _earlier_holder(self, later_info: TeamInfo, later_holder):
        rng = self.rng
        roll = rng.random()
        if roll < TRANSFER_SHARE:
            siblings = [t for t in self.teams_by_pdu[later_info.team.pdu_id] if t is not later_info]
            if siblings:
                other = rng.choice(siblings)
                return other, rng.choice(other.in_post) if other.in_post else None
        if roll < TRANSFER_SHARE + UNALLOCATED_PERIOD_SHARE and later_holder is not None:
            return later_info, None
        if later_info.left and rng.random() < LEFT_PRACTITIONER_SHARE:
            return later_info, rng.choice(later_info.left)
        choices = [p for p in later_info.in_post if p != later_holder]
        return later_info, rng.choice(choices) if choices else None


def demo_caseload_profiles(n: int = DEMO_CASELOAD) -> list[dict]:
    """Fixed features of demo.practitioner's caseload, so that every page has something to
    show: men and women, releases in the next 12 weeks (some with nowhere to live), mental
    health needs, no fixed abode, MAPPA and communication needs, and the registration and
    referral problems of ``DEMO_CASEWORK``. Other features are random."""
    releases = {0: 5, 1: 12, 2: 20, 3: 33, 4: 47, 5: 70, 6: 150, 7: 240}
    accommodation = {
        1: AccommodationStatus.NO_FIXED_ABODE,
        4: AccommodationStatus.NO_FIXED_ABODE,
        9: AccommodationStatus.NO_FIXED_ABODE,
        10: AccommodationStatus.NO_FIXED_ABODE,
        11: AccommodationStatus.NO_FIXED_ABODE,
        12: AccommodationStatus.APPROVED_PREMISES,
        13: AccommodationStatus.TRANSIENT,
        14: AccommodationStatus.TRANSIENT,
    }
    mappa = {3: (2, 1), 12: (1, 2), 17: (3, 1), 26: (2, 1)}
    needs = {
        6: ("neurodivergence",),
        15: ("neurodivergence", "literacy_support"),
        16: ("learning_disability",),
        18: ("literacy_support",),
        24: ("neurodivergence",),
    }
    profiles = []
    for k in range(n):
        p: dict = {"sex": Sex.FEMALE if k % 5 == 2 else Sex.MALE}
        p["mental_health"] = k % 3 == 0
        if k in releases:
            p["release_in_days"] = releases[k]
            p["sentence"] = SentenceType.LICENCE
        else:
            p["custody"] = False
        if k in accommodation:
            p["accommodation"] = accommodation[k]
            if accommodation[k] == AccommodationStatus.APPROVED_PREMISES:
                p["sentence"] = SentenceType.LICENCE
        p["mappa"] = mappa.get(k)
        if k in needs:
            p["needs"] = needs[k]
        if k == 21:
            p["ethnicity"], p["interpreter"] = Ethnicity.WHITE_OTHER, "Polish"
        if k in DEMO_CASEWORK:
            p["casework"] = DEMO_CASEWORK[k]
            if "reminders_tomorrow" in DEMO_CASEWORK[k]:
                p["mobile"] = True
        profiles.append(p)
    return profiles


# ---- checking ---------------------------------------------------------------------------------


def _fields_except(model, *names) -> list[str]:
    """The model's own columns, less ``names``, ids and relations (named explicitly instead)."""
    return [
        f.name
        for f in model._meta.concrete_fields
        if f.name not in {"id", *names} and not f.is_relation
    ]


def _canonical(value):
    """JSON values in one form whatever the database (PostgreSQL's jsonb reorders keys)."""
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True)
    return value


def fingerprint() -> str:
    """A hash of the demo data in a fixed order, without ids or the time of the run: equal for
    two runs with the same number of people, seed and date, on SQLite and PostgreSQL alike."""
    digest = hashlib.sha256()
    skip = {"id", "created_at", "updated_at", "pdu", "team", "practitioner", "local_authority"}
    fields = [f.name for f in Person._meta.concrete_fields if f.name not in skip]
    queries = [
        Person.objects.order_by("crn").values_list(
            *fields,
            "pdu__code",
            "team__name",
            "practitioner__username",
            "local_authority__name",
        ),
        Allocation.objects.order_by("person__crn", "started_on").values_list(
            "person__crn",
            "team__pdu__code",
            "team__name",
            "practitioner__username",
            "started_on",
            "ended_on",
            "reason",
            "reason_detail",
        ),
        LimitedAccess.objects.order_by("person__crn", "staff__username", "kind").values_list(
            "person__crn", "staff__username", "kind", "reason"
        ),
        Registration.objects.order_by(
            "person__crn", "register_type__code", "start_date", "status", "ended_on", "pk"
        ).values_list(
            "person__crn",
            "register_type__code",
            "status",
            "start_date",
            "next_review_date",
            "notes",
            "owner__username",
            "registering_team__name",
            "level",
            "category",
            "ended_on",
            "end_reason",
            "end_notes",
        ),
        RegistrationReview.objects.order_by(
            "registration__person__crn",
            "registration__register_type__code",
            "registration__start_date",
            "reviewed_on",
            "pk",
        ).values_list(
            "registration__person__crn",
            "registration__register_type__code",
            "reviewed_on",
            "outcome",
            "notes",
            "next_review_date",
            "reviewer__username",
        ),
        Referral.objects.order_by("person__crn", "sent_at", "kind", "pk").values_list(
            *[
                f.name
                for f in Referral._meta.concrete_fields
                if f.name not in {"id", "person", "agency", "created_by", "created_at"}
                and not f.is_relation
            ],
            "person__crn",
            "agency__name",
            "created_by__username",
            "chosen_housing_authority__name",
        ),
        Escalation.objects.order_by(
            "referral__person__crn", "referral__sent_at", "level", "pk"
        ).values_list(
            "referral__person__crn",
            "referral__kind",
            "level",
            "status",
            "reason",
            "raised_by__username",
            "raised_at",
            "holder__username",
            "due_by",
            "response",
            "outcome",
            "resolved_at",
            "resolved_by__username",
        ),
        VulnerabilityScreen.objects.order_by("person__crn", "completed_at", "pk").values_list(
            "person__crn",
            "questionnaire_version__version",
            "completed_by__username",
            *_fields_except(VulnerabilityScreen),
        ),
        SafetyPlan.objects.order_by("person__crn", "version").values_list(
            "person__crn", "created_by__username", *_fields_except(SafetyPlan)
        ),
        ReleasePlan.objects.order_by("person__crn", "release_date").values_list(
            "person__crn",
            "release_pdu__code",
            "released_recorded_by__username",
            "accommodation_confirmed_by__username",
            *_fields_except(ReleasePlan),
        ),
        ReleasePlanItem.objects.order_by(
            "plan__person__crn", "plan__release_date", "key"
        ).values_list(
            "plan__person__crn",
            "plan__release_date",
            "updated_by__username",
            *_fields_except(ReleasePlanItem, "plan"),
        ),
        Appointment.objects.order_by("person__crn", "starts_at", "created_at", "pk").values_list(
            "person__crn",
            "practitioner__username",
            "outcome_recorded_by__username",
            "rescheduled_from__starts_at",
            "welfare_checked_by__username",
            "created_by__username",
            *_fields_except(Appointment),
        ),
        ReminderPreferences.objects.order_by("person__crn").values_list(
            "person__crn", "recorded_by__username", *_fields_except(ReminderPreferences)
        ),
        # The topic names an appointment by id: its person and start stand for it instead.
        Message.objects.order_by(
            "person__crn", "scheduled_for", "channel", "kind", "reference"
        ).values_list("person__crn", *_fields_except(Message, "topic")),
        PathwayOffer.objects.order_by("person__crn", "need", "pathway", "pk").values_list(
            "person__crn", "created_by__username", *_fields_except(PathwayOffer)
        ),
        GPRegistration.objects.order_by("person__crn").values_list(
            "person__crn", "updated_by__username", *_fields_except(GPRegistration)
        ),
        RecordedNeed.objects.order_by("person__crn", "need", "pk").values_list(
            "person__crn", "recorded_by__username", *_fields_except(RecordedNeed)
        ),
        Staff.objects.filter(username__startswith=DEMO_USERNAME_PREFIX)
        .order_by("username", "teams__pdu__code", "teams__name")
        .values_list(
            "username",
            "first_name",
            "last_name",
            "email",
            "role",
            "pdu__code",
            "region__code",
            "in_post",
            "is_active",
            "is_superuser",
            "teams__pdu__code",
            "teams__name",
        ),
    ]
    for query in queries:
        for row in query.iterator(chunk_size=5000):
            digest.update(repr(tuple(_canonical(value) for value in row)).encode())
    return digest.hexdigest()
