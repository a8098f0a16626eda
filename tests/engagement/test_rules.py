"""Engagement's work items: welfare after a missed appointment, too many changes by probation,
handover after reallocation."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from safeguard.core import workitems
from safeguard.core.calendar import add_working_days
from safeguard.core.models import WorkItem
from safeguard.engagement import services
from safeguard.engagement.rules import (
    APPOINTMENTS_MOVED_TOO_OFTEN,
    HANDOVER_AFTER_REALLOCATION,
    MISSED_APPOINTMENT_WELFARE,
    working_days_back,
)
from safeguard.people.models import Allocation
from tests.engagement.factories import AppointmentFactory, PastAppointmentFactory
from tests.factories import PersonFactory, RegistrationFactory


def miss(appointment, actor):
    return services.appointment_record_outcome(
        appointment_id=appointment.pk, outcome="failed_to_attend", actor=actor
    )


@pytest.mark.django_db
@pytest.mark.parametrize(("code", "raised"), [("ALSH", 1), ("RVAD", 1), ("AMHL", 0), (None, 0)])
def test_failing_to_attend_while_at_risk_raises_a_same_day_welfare_item(
    org, code, raised, django_capture_on_commit_callbacks
):
    person = org["people"]["mine"]
    if code:
        RegistrationFactory(person=person, code=code)
    appointment = PastAppointmentFactory(person=person)
    with django_capture_on_commit_callbacks(execute=True):
        miss(appointment, org["staff"]["practitioner"])
    items = WorkItem.objects.filter(rule="missed_appointment_welfare", status="open")
    assert items.count() == raised
    if raised:
        item = items.get()
        assert item.due_on == timezone.localdate() and item.priority == "urgent"
        assert (
            item.assigned_to == org["staff"]["practitioner"] and item.subject_id == appointment.pk
        )


@pytest.mark.django_db
def test_an_ended_registration_does_not_count(org):
    from tests.factories import EndedRegistrationFactory

    person = org["people"]["mine"]
    EndedRegistrationFactory(person=person, code="ALSH")
    miss(PastAppointmentFactory(person=person), org["staff"]["practitioner"])
    assert workitems.scan(MISSED_APPOINTMENT_WELFARE, today=timezone.localdate()).raised == 0


@pytest.mark.django_db
def test_a_latest_screen_of_medium_risk_to_self_counts_too(org):
    from safeguard.assessments import models

    person = org["people"]["mine"]
    version = models.QuestionnaireVersion.objects.get(version=1)

    def screen(level, when):
        return models.VulnerabilityScreen.objects.create(
            person=person,
            questionnaire_version=version,
            answers={},
            domain_levels={},
            risk_to_self=level,
            s42_care_and_support_needs=False,
            s42_abuse_or_neglect=False,
            s42_unable_to_protect_self=False,
            s42_indicated=False,
            completed_by=org["staff"]["practitioner"],
            completed_at=when,
        )

    now = timezone.now()
    screen("high", now - dt.timedelta(days=30))
    miss(PastAppointmentFactory(person=person), org["staff"]["practitioner"])
    today = timezone.localdate()
    assert workitems.scan(MISSED_APPOINTMENT_WELFARE, today=today).raised == 1
    # A later screen at low risk: no longer at risk, so the item resolves.
    screen("low", now - dt.timedelta(days=1))
    assert workitems.scan(MISSED_APPOINTMENT_WELFARE, today=today).resolved == 1


@pytest.mark.django_db
def test_recording_the_welfare_check_clears_the_item(org):
    person = org["people"]["mine"]
    RegistrationFactory(person=person, code="ALSH")
    appointment = PastAppointmentFactory(person=person)
    miss(appointment, org["staff"]["practitioner"])
    today = timezone.localdate()
    assert workitems.scan(MISSED_APPOINTMENT_WELFARE, today=today).raised == 1
    services.appointment_welfare_checked(
        appointment_id=appointment.pk, note="Visited, safe", actor=org["staff"]["colleague"]
    )
    assert workitems.scan(MISSED_APPOINTMENT_WELFARE, today=today).resolved == 1


@pytest.mark.django_db
def test_more_than_two_changes_by_probation_in_eight_weeks(org):
    person = org["people"]["mine"]
    pp = org["staff"]["practitioner"]
    today = timezone.localdate()
    appointment = AppointmentFactory(person=person)
    for n in range(2):
        appointment = services.appointment_reschedule(
            appointment_id=appointment.pk,
            starts_at=appointment.starts_at + dt.timedelta(days=1),
            moved_by="probation",
            reason=f"Clash {n}",
            actor=pp,
        )
    # Changes the person asked for do not count.
    appointment = services.appointment_reschedule(
        appointment_id=appointment.pk,
        starts_at=appointment.starts_at + dt.timedelta(days=1),
        moved_by="person",
        reason="Work shift",
        actor=pp,
    )
    assert workitems.scan(APPOINTMENTS_MOVED_TOO_OFTEN, today=today).raised == 0
    services.appointment_cancel(
        appointment_id=appointment.pk, moved_by="probation", reason="Office closed", actor=pp
    )
    assert workitems.scan(APPOINTMENTS_MOVED_TOO_OFTEN, today=today).raised == 1
    # Nine weeks on, they have dropped out of the window.
    assert (
        workitems.scan(APPOINTMENTS_MOVED_TOO_OFTEN, today=today + dt.timedelta(weeks=9)).resolved
        == 1
    )


def reallocate(person, practitioner, team, started_on):
    Allocation.objects.filter(person=person, ended_on__isnull=True).update(ended_on=started_on)
    allocation = Allocation.objects.create(
        person=person,
        practitioner=practitioner,
        team=team,
        started_on=started_on,
        reason="workload",
    )
    person.practitioner = practitioner
    person.save()
    return allocation


@pytest.mark.django_db
def test_reallocating_someone_at_risk_gives_the_new_practitioner_a_handover_item(org):
    from safeguard.people.services import person_allocate

    person = org["people"]["mine"]
    RegistrationFactory(person=person, code="ALSH")
    new_pp = org["staff"]["colleague"]
    allocation = person_allocate(
        person_id=person.pk,
        practitioner=new_pp,
        team=org["team"],
        reason="practitioner_left",
        actor=org["staff"]["spo"],
    )
    today = timezone.localdate()
    assert workitems.scan(HANDOVER_AFTER_REALLOCATION, today=today).raised == 1
    item = WorkItem.objects.get(rule="handover_after_reallocation")
    assert item.assigned_to == new_pp and item.subject_id == allocation.pk
    assert item.due_on == add_working_days(allocation.started_on, 10)
    # Meeting them (an attended appointment with the new practitioner) clears it.
    appointment = PastAppointmentFactory(
        person=person, practitioner=new_pp, starts_at=timezone.now() - dt.timedelta(seconds=10)
    )
    services.appointment_record_outcome(
        appointment_id=appointment.pk, outcome="attended", actor=new_pp
    )
    assert workitems.scan(HANDOVER_AFTER_REALLOCATION, today=today).resolved == 1


@pytest.mark.django_db
def test_no_handover_item_for_people_not_at_risk_first_allocations_or_old_moves(org):
    today = timezone.localdate()
    not_at_risk = PersonFactory(team=org["team"], practitioner=org["staff"]["practitioner"])
    reallocate(not_at_risk, org["staff"]["colleague"], org["team"], today)
    first_only = PersonFactory(
        team=org["team"], practitioner=org["staff"]["practitioner"], supervision_start=today
    )
    RegistrationFactory(person=first_only, code="ALSH")
    long_ago = PersonFactory(team=org["team"], practitioner=org["staff"]["practitioner"])
    RegistrationFactory(person=long_ago, code="RVAD")
    reallocate(long_ago, org["staff"]["colleague"], org["team"], working_days_back(today, 25))
    assert workitems.scan(HANDOVER_AFTER_REALLOCATION, today=today).raised == 0


@pytest.mark.django_db
def test_engagement_rules_run_a_fixed_number_of_queries(org):
    today = timezone.localdate()
    rules = [MISSED_APPOINTMENT_WELFARE, APPOINTMENTS_MOVED_TOO_OFTEN, HANDOVER_AFTER_REALLOCATION]

    def count():
        WorkItem.objects.all().delete()
        with CaptureQueriesContext(connection) as ctx:
            for rule in rules:
                workitems.scan(rule, today=today)
        return len(ctx.captured_queries)

    def at_risk_case():
        person = PersonFactory(team=org["team"], practitioner=org["staff"]["practitioner"])
        RegistrationFactory(person=person, code="ALSH")
        appointment = PastAppointmentFactory(person=person)
        miss(appointment, org["staff"]["practitioner"])
        reallocate(person, org["staff"]["colleague"], org["team"], today)

    at_risk_case()
    small = count()
    for _ in range(10):
        at_risk_case()
    assert count() == small
    assert WorkItem.objects.filter(rule="missed_appointment_welfare").count() == 11


@pytest.mark.django_db
def test_a_recent_self_harm_disclosure_on_a_check_in_counts_as_at_risk(org):
    """Written case: no registration, no screen, but "yes" to thoughts of self-harm on a check-in
    last week. A missed appointment then needs a welfare check; a disclosure five weeks ago
    no longer makes the person at risk by itself."""
    from safeguard.assessments.risk import RECENT_DISCLOSURE_DAYS, person_at_risk_to_self
    from tests.engagement.factories import CheckInFactory

    person = org["people"]["mine"]
    assert not person_at_risk_to_self(person.pk)
    check_in = CheckInFactory(
        person=person,
        self_harm="yes",
        self_harm_reported_at=timezone.now() - dt.timedelta(days=7),
    )
    assert person_at_risk_to_self(person.pk)
    miss(PastAppointmentFactory(person=person), org["staff"]["practitioner"])
    assert workitems.scan(MISSED_APPOINTMENT_WELFARE, today=timezone.localdate()).raised == 1
    check_in.self_harm_reported_at = timezone.now() - dt.timedelta(days=RECENT_DISCLOSURE_DAYS + 7)
    check_in.save()
    assert not person_at_risk_to_self(person.pk)


@pytest.mark.django_db
@pytest.mark.parametrize(("code", "at_risk"), [("ALSH", True), ("RVLN", True), ("RVAD", True)])
def test_registers_the_catalogue_marks_as_risk_to_self_count(org, code, at_risk):
    from safeguard.assessments.risk import person_at_risk_to_self
    from tests.factories import RegistrationFactory

    person = org["people"]["mine"]
    RegistrationFactory(person=person, code=code, owner=org["staff"]["practitioner"])
    assert person_at_risk_to_self(person.pk) is at_risk


@pytest.mark.django_db
def test_other_registers_do_not_make_someone_at_risk_to_self(org):
    from safeguard.assessments.risk import person_at_risk_to_self
    from tests.factories import RegistrationFactory

    person = org["people"]["mine"]
    RegistrationFactory(person=person, code="MAPP", owner=org["staff"]["practitioner"])
    assert not person_at_risk_to_self(person.pk)
