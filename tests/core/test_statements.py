"""Statements compiled once (``core.statements``) give what the queryset they came from gives,
for every kind of reader: the scoping is ``visibility``'s own."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from safeguard.core import statements
from safeguard.core.models import Role, WorkItem, WorkItemPriority
from safeguard.people import work
from safeguard.people.models import Person
from tests.factories import PersonFactory, StaffFactory, exclude, restrict


def _item(person, assignee, *, priority=WorkItemPriority.URGENT, n=[0]):  # noqa: B006
    n[0] += 1
    return WorkItem.objects.create(
        rule="registration_review_overdue",
        subject_type="registration",
        subject_id=n[0],
        person=person,
        team=person.team if person else None,
        assigned_to=assignee,
        priority=priority,
        due_on=timezone.localdate() + dt.timedelta(days=1),
    )


def _orm_count(user) -> int:
    return work.my_work_items(user=user).filter(priority=WorkItemPriority.URGENT).order_by().count()


@pytest.mark.django_db
def test_the_urgent_count_agrees_with_my_work_for_every_reader(org):
    """Each reader is assigned urgent items about people they may and may not see: about their
    own case, another team's, a far region's, a case they are excluded from, a restricted one,
    a person-less item, a routine one and someone else's. The compiled count and the ORM's
    agree for every role (a reader with no role or no longer active counts nothing)."""
    staff, people = org["staff"], org["people"]
    inactive = StaffFactory(username="gone", role=Role.PRACTITIONER, teams=[org["team"]])
    readers = [*staff.values(), inactive]
    hidden = PersonFactory(team=org["team"])
    restricted = PersonFactory(team=org["team"])
    for reader in readers:
        for person in (*people.values(), hidden, restricted):
            _item(person, reader)
        _item(people["mine"], reader, priority=WorkItemPriority.ROUTINE)
        exclude(hidden, reader)
        _item(None, reader)
    restrict(restricted, staff["spo"])
    _item(people["mine"], staff["colleague"])  # someone else's
    inactive.is_active = False
    inactive.save()
    counts = {}
    for reader in readers:
        counts[reader.username] = work.urgent_work_count(reader)
        assert counts[reader.username] == _orm_count(reader), reader.username
    # Their own case, their colleague's (the same team) and the item about no person...
    assert counts["pp"] == 3
    assert counts["spo"] == 4  # ...and the restricted case, which names them
    assert counts["national"] == 5  # every case but the excluded and the restricted
    assert counts["gone"] == counts["norole"] == 1  # only the item about no person


@pytest.mark.django_db
def test_a_compiled_statement_runs_as_one_query_and_follows_a_change_of_data(org):
    pp = org["staff"]["practitioner"]
    work.urgent_work_count(pp)  # compiled
    with CaptureQueriesContext(connection) as ctx:
        assert work.urgent_work_count(pp) == 0
    assert len(ctx.captured_queries) == 1
    _item(org["people"]["mine"], pp)
    assert work.urgent_work_count(pp) == 1
    exclude(org["people"]["mine"], pp)
    assert work.urgent_work_count(pp) == 0


@pytest.mark.django_db
def test_a_slot_the_sql_does_not_hold_is_refused_not_left_as_a_stand_in():
    with pytest.raises(RuntimeError, match="slots not found"):
        statements.statement(
            ("test", "no slot"), lambda person: Person.objects.filter(pk=1), ["person"]
        )
    found = statements.statement(
        ("test", "slot"), lambda person: Person.objects.filter(pk=person).values("crn"), ["person"]
    )
    assert len(found.slots) == 1
    someone = PersonFactory()
    assert found.fetchall(person=someone.pk) == [(someone.crn,)]
    assert found.fetchall(person=someone.pk + 1000) == []


@pytest.mark.django_db
def test_a_statement_that_holds_for_nobody_gives_nothing():
    empty = statements.statement(
        ("test", "empty"), lambda: Person.objects.filter(pk__in=[]).values("pk"), []
    )
    PersonFactory()
    assert empty.fetchall() == [] and empty.count() == 0 and empty.fetchone() is None


def _as_orm_reads(user, crn):
    from safeguard.people.selectors import visible_people, with_limited_access_flag

    return (
        with_limited_access_flag(visible_people(user))
        .select_related("pdu__region", "team", "practitioner", "local_authority")
        .filter(crn=crn)
        .first()
    )


def _fields(obj) -> dict:
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}


@pytest.mark.django_db
def test_person_get_for_gives_what_the_orm_gives_for_every_reader(org):
    """Every reader, every case placed to test scope (an excluded and a restricted case
    included): found or not found as the ORM's own scoping says, and when found the same
    fields, the same related objects (``select_related``, with no further query) and the same
    limited-access flag."""
    from django.http import Http404

    from safeguard.people.selectors import person_get_for

    staff, people = org["staff"], org["people"]
    hidden = PersonFactory(team=org["team"], practitioner=staff["practitioner"])
    exclude(hidden, staff["practitioner"])
    restricted = PersonFactory(team=org["team"])
    restrict(restricted, staff["spo"])
    crns = [p.crn for p in (*people.values(), hidden, restricted)]
    seen = 0
    for user in staff.values():
        for crn in crns:
            expected = _as_orm_reads(user, crn)
            if expected is None:
                with pytest.raises(Http404):
                    person_get_for(user=user, crn=crn.lower(), channel="web")
                continue
            with CaptureQueriesContext(connection) as ctx:
                person = person_get_for(user=user, crn=f" {crn.lower()} ", channel="web")
                related = (
                    person.pdu.region.name,
                    person.team.name,
                    person.practitioner and person.practitioner.username,
                    person.local_authority and person.local_authority.name,
                )
            assert len(ctx.captured_queries) == 2  # the person, and the access log entry
            assert _fields(person) == _fields(expected)
            assert person.is_limited_access == expected.is_limited_access
            assert related == (
                expected.pdu.region.name,
                expected.team.name,
                expected.practitioner and expected.practitioner.username,
                expected.local_authority and expected.local_authority.name,
            )
            seen += 1
    assert seen >= 12


@pytest.mark.django_db
def test_a_signed_out_visitor_is_found_nobody(org):
    from django.contrib.auth.models import AnonymousUser
    from django.http import Http404

    from safeguard.people.selectors import person_get_for

    with pytest.raises(Http404):
        person_get_for(user=AnonymousUser(), crn=org["people"]["mine"].crn, channel="web")
