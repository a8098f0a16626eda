"""The gate every change to a person passes through (safeguard.people.gate)."""

import pytest
from django.db import transaction
from django.http import Http404

from safeguard.core.audit import audit_vocabulary
from safeguard.core.capabilities import Capability
from safeguard.core.errors import NotPermitted, RecordClosed, StaleEdit
from safeguard.core.models import AccessLogEntry
from safeguard.people.audit import PersonEvent
from safeguard.people.gate import case_record_change, check_version, people_change, person_change
from safeguard.people.models import Allocation, Person
from safeguard.people.services import person_update_details
from tests.factories import exclude, restrict
from tests.learning.helpers import record_death


def _changes(person):
    return AccessLogEntry.objects.filter(person=person, action="change_person")


def test_a_change_is_locked_audited_with_old_and_new_values_and_versioned(org):
    person = org["people"]["mine"]
    person_update_details(
        person_id=person.pk,
        version=person.version,
        changes={"mobile": "07700900123"},
        actor=org["staff"]["practitioner"],
    )
    entry = _changes(person).get()
    assert entry.event == PersonEvent.DETAILS_CHANGED
    assert entry.detail == PersonEvent.DETAILS_CHANGED.label
    assert entry.changes["old"] == {"mobile": person.mobile}
    assert entry.changes["new"] == {"mobile": "07700900123"}
    assert entry.changes["record"] == f"person:{person.pk}"
    person.refresh_from_db()
    assert person.mobile == "07700900123"


@pytest.mark.parametrize("given", [None, "", "x", 0, 7])
def test_a_missing_or_stale_version_is_refused_and_nothing_changes(org, given):
    person = org["people"]["mine"]
    before = person.mobile
    with pytest.raises(StaleEdit):
        person_update_details(
            person_id=person.pk,
            version=given,
            changes={"mobile": "07700900999"},
            actor=org["staff"]["practitioner"],
        )
    person.refresh_from_db()
    assert person.mobile == before and not _changes(person).exists()


def test_check_version_accepts_only_the_current_version():
    check_version(3, 3)
    check_version(3, "3")
    for given in (None, "", 2, 4, "abc"):
        with pytest.raises(StaleEdit):
            check_version(3, given)


@pytest.mark.parametrize("role", ["national", "inspector", "admin", "no_role"])
def test_roles_without_the_capability_are_refused_before_anything_is_read(org, role):
    person = org["people"]["mine"]
    with pytest.raises(NotPermitted), person_change(actor=org["staff"][role], person_id=person.pk):
        pytest.fail("the gate let a reading role through")


@pytest.mark.parametrize("case", ["excluded", "restricted", "other_team", "missing"])
def test_a_person_the_actor_may_not_see_is_a_404_like_a_missing_one(org, case):
    actor = org["staff"]["practitioner"]
    person = org["people"]["mine"]
    if case == "excluded":
        exclude(person, actor)
    elif case == "restricted":
        restrict(person, org["staff"]["colleague"])
    elif case == "other_team":
        person = org["people"]["same_pdu"]
    person_id = -1 if case == "missing" else person.pk
    with pytest.raises(Http404), person_change(actor=actor, person_id=person_id):
        pytest.fail("the gate let an invisible person through")
    assert AccessLogEntry.objects.filter(actor=actor, action="refused").exists()


def test_once_the_person_has_died_every_change_is_refused_but_review_work_may_pass(org):
    person = org["people"]["mine"]
    record_death(person, org["staff"]["spo"])
    person.refresh_from_db()
    assert person.has_died and person.died_on is not None
    with (
        pytest.raises(RecordClosed) as refused,
        person_change(actor=org["staff"]["practitioner"], person_id=person.pk),
    ):
        pytest.fail("the gate let a change to a closed record through")
    assert str(refused.value) == "This record is closed because the person has died"
    with person_change(
        actor=org["staff"]["practitioner"], person_id=person.pk, allow_closed=True
    ) as change:
        assert change.person == person


def test_a_record_about_a_person_is_found_only_among_visible_people(org):
    allocation = Allocation.objects.create(
        person=org["people"]["same_pdu"],
        team=org["people"]["same_pdu"].team,
        started_on="2025-01-01",
        ended_on="2025-06-01",
    )
    with (
        pytest.raises(Http404),
        case_record_change(
            Allocation.objects, pk=allocation.pk, actor=org["staff"]["practitioner"]
        ),
    ):
        pytest.fail("not visible")
    with case_record_change(
        Allocation.objects, pk=allocation.pk, actor=org["staff"]["other_team_pp"]
    ) as (change, record):
        assert record == allocation and change.person == allocation.person


def test_a_change_about_several_people_needs_every_one_visible_and_living(org):
    actor = org["staff"]["practitioner"]
    mine, colleagues = org["people"]["mine"], org["people"]["colleagues"]
    with people_change(actor=actor, person_ids=[mine.pk, colleagues.pk]) as change:
        assert {p.pk for p in change.people} == {mine.pk, colleagues.pk}
    with (
        pytest.raises(Http404),
        people_change(actor=actor, person_ids=[mine.pk, org["people"]["far"].pk]),
    ):
        pytest.fail("one of the people is not visible")
    record_death(colleagues, org["staff"]["spo"])
    with (
        pytest.raises(RecordClosed),
        people_change(actor=actor, person_ids=[mine.pk, colleagues.pk]),
    ):
        pytest.fail("one of the people has died")


@pytest.mark.django_db(transaction=True)
def test_side_effects_run_after_commit_and_never_after_a_rollback(org):
    person = org["people"]["mine"]
    ran = []
    with person_change(actor=org["staff"]["practitioner"], person_id=person.pk) as change:
        change.on_commit(lambda: ran.append("committed"))
        assert ran == []
    assert ran == ["committed"]
    with (
        pytest.raises(RuntimeError),
        transaction.atomic(),
        person_change(actor=org["staff"]["practitioner"], person_id=person.pk) as change,
    ):
        change.on_commit(lambda: ran.append("rolled back"))
        change.record(PersonEvent.DETAILS_CHANGED, record=person)
        raise RuntimeError
    assert ran == ["committed"] and not _changes(person).exists()


def test_an_audit_entry_needs_a_declared_event(org):
    with (
        person_change(actor=org["staff"]["practitioner"], person_id=org["people"]["mine"].pk) as c,
        pytest.raises(TypeError),
    ):
        c.record("free text")


def test_every_event_is_namespaced_by_its_area_and_unique():
    events = audit_vocabulary()
    assert PersonEvent.ALLOCATED in events
    for value in events:
        area, _, what = value.partition(".")
        assert area and what, value


def test_the_death_state_cannot_be_set_in_a_form_or_the_admin():
    assert not Person._meta.get_field("status").editable
    assert not Person._meta.get_field("died_on").editable
    assert Capability.CHANGE_CASES == "change_cases"
