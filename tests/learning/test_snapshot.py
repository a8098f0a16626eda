"""The case snapshot taken when a death is recorded: complete, fixed in size of work, and never
changed by later edits to the case."""

import copy
import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from safeguard.core.errors import RecordClosed
from safeguard.core.models import WorkItem
from safeguard.engagement.models import CheckIn, Outcome
from safeguard.learning.models import CaseSnapshot
from safeguard.learning.selectors import case_snapshot
from safeguard.notify.models import Message
from safeguard.people import services as people_services
from safeguard.people.models import Person
from safeguard.referrals.models import Escalation
from safeguard.registrations.models import Registration
from tests.assessments.helpers import record_screen, save_plan
from tests.engagement.factories import AppointmentFactory, CheckInFactory, PastAppointmentFactory
from tests.factories import (
    PersonFactory,
    RegistrationFactory,
    RejectedReferralFactory,
    SentReferralFactory,
)
from tests.learning.helpers import record_death, released


def build_full_case(org):
    """A case with something in every part of the snapshot."""
    person = org["people"]["mine"]
    pp, spo = org["staff"]["practitioner"], org["staff"]["spo"]
    now = timezone.now()
    RegistrationFactory(person=person, code="ALSH", owner=pp)
    RegistrationFactory(person=person, code="RVAD", owner=pp)
    record_screen(person, pp, ssh_thoughts="often", ssh_triggers=["release"])
    save_plan(person, pp)
    rejected = RejectedReferralFactory(person=person)
    Escalation.objects.create(
        referral=rejected,
        level=1,
        reason="All three parts met",
        raised_by=pp,
        raised_at=now,
        holder=spo,
        due_by=timezone.localdate() + dt.timedelta(days=2),
    )
    SentReferralFactory(person=person, kind="adult_social_care_needs_assessment")
    PastAppointmentFactory(
        person=person,
        starts_at=now - dt.timedelta(days=9),
        outcome=Outcome.ATTENDED,
        outcome_recorded_at=now,
    )
    PastAppointmentFactory(
        person=person,
        starts_at=now - dt.timedelta(days=4),
        outcome=Outcome.FAILED_TO_ATTEND,
        outcome_recorded_at=now,
    )
    AppointmentFactory(person=person)  # a future one, still planned
    CheckInFactory(
        person=person,
        completed_at=now - dt.timedelta(days=6),
        feeling=1,
        self_harm="yes",
        call_back=True,
        help_with=["housing"],
        expires_at=now - dt.timedelta(days=5),
    )
    people_services.person_allocate(
        person_id=person.pk,
        practitioner=org["staff"]["colleague"],
        team=org["team"],
        reason="workload",
        actor=spo,
        on=timezone.localdate() - dt.timedelta(days=20),
    )
    released(person, pp, days_ago=5)
    WorkItem.objects.create(
        rule="registration_review_overdue",
        subject_type="registration",
        subject_id=1,
        person=person,
        team=org["team"],
        assigned_to=org["staff"]["colleague"],
        due_on=timezone.localdate(),
    )
    return person


@pytest.mark.django_db
def test_the_snapshot_holds_every_part_of_the_case(org):
    person = build_full_case(org)
    notification = record_death(person, org["staff"]["spo"], days_ago=2)
    snap = notification.snapshot
    data = snap.data

    assert data["person"]["crn"] == person.crn
    assert "first_name" not in data["person"] and "Mine" not in str(data)  # no name kept
    assert data["days_since_release"] == 3 and snap.days_since_release == 3
    assert data["release"]["released_with_no_fixed_abode"] is True
    assert data["accommodation"]["status"] == "settled" == snap.accommodation_status
    assert {r["code"] for r in data["registrations"]} == {"ALSH", "RVAD"}
    assert data["vulnerability_screen"]["risk_to_self"] in ("high", "very_high")
    assert data["safety_plan"]["version"] == 1
    kinds = {r["kind"]: r for r in data["referrals"]}
    assert kinds["adult_social_care_s42"]["status"] == "rejected"
    assert kinds["adult_social_care_s42"]["escalations"][0]["level"] == 1
    assert kinds["adult_social_care_needs_assessment"]["status"] == "sent"
    assert data["contact"]["last_contact"]["kind"] == "office"
    last_missed = dt.date.fromisoformat(data["contact"]["last_missed_appointment"]["on"])
    assert last_missed == timezone.localdate() - dt.timedelta(days=4)
    assert data["practitioners"]["changes_last_12_months"] == 1
    assert len(data["practitioners"]["allocations"]) == 2
    answered = [c for c in data["check_ins"] if c["answered"]]
    assert answered[0]["self_harm"] == "yes" and answered[0]["feeling"] == 1
    assert [w["rule"] for w in data["open_work_items"]] == ["registration_review_overdue"]
    assert snap.sex == "male" and snap.age_at_death == data["person"]["age_at_death"]


@pytest.mark.django_db
def test_later_edits_to_the_case_never_change_the_snapshot(org):
    person = build_full_case(org)
    notification = record_death(person, org["staff"]["spo"], days_ago=2)
    before = copy.deepcopy(CaseSnapshot.objects.get(notification=notification).data)

    # Edits made directly in the database, as an administrator or a bug might make them.
    Person.objects.filter(pk=person.pk).update(
        accommodation_status="no_fixed_abode", first_name="Changed"
    )
    Registration.objects.filter(person=person).update(status="ended", ended_on=timezone.localdate())
    with pytest.raises(RecordClosed):  # the record is read-only for day-to-day work now
        record_screen(person, org["staff"]["spo"])
    person.referrals.update(status="accepted")
    person.appointments.update(outcome=Outcome.ATTENDED)
    CheckIn.objects.filter(person=person).update(feeling=5, self_harm="no")
    RegistrationFactory(person=person, code="AMHL", owner=org["staff"]["spo"])

    after = CaseSnapshot.objects.get(notification=notification)
    assert after.data == before
    assert after.accommodation_status == "settled"


@pytest.mark.django_db
def test_a_snapshot_cannot_be_changed_or_deleted(org):
    notification = record_death(org["people"]["mine"], org["staff"]["spo"])
    snap = notification.snapshot
    snap.data = {"tampered": True}
    with pytest.raises(ValueError, match="cannot be changed"):
        snap.save()
    with pytest.raises(ValueError, match="cannot be changed"):
        CaseSnapshot.objects.filter(pk=snap.pk).update(data={})
    with pytest.raises(ValueError, match="cannot be deleted"):
        snap.delete()
    with pytest.raises(ValueError, match="cannot be deleted"):
        CaseSnapshot.objects.filter(pk=snap.pk).delete()
    assert CaseSnapshot.objects.get(pk=snap.pk).data["person"]["crn"] == "A000001"


@pytest.mark.django_db
def test_the_snapshot_takes_the_same_number_of_queries_for_a_big_case(org):
    small = PersonFactory(team=org["team"], practitioner=org["staff"]["practitioner"])
    big = build_full_case(org)
    for _ in range(5):
        RegistrationFactory(person=big, code="AMHL", owner=org["staff"]["practitioner"])
        SentReferralFactory(person=big)
        PastAppointmentFactory(person=big, outcome=Outcome.ATTENDED)
        CheckInFactory(person=big)
    released(small, org["staff"]["practitioner"], days_ago=40)
    SentReferralFactory(person=small)  # one of each kind of row, against many
    day = timezone.localdate()
    counts = []
    for person in (small, big):
        with CaptureQueriesContext(connection) as ctx:
            case_snapshot(person_id=person.pk, date_of_death=day)
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1] <= 13


@pytest.mark.django_db
def test_a_person_never_released_has_no_days_since_release(org):
    notification = record_death(org["people"]["colleagues"], org["staff"]["spo"])
    assert notification.snapshot.days_since_release is None
    assert notification.snapshot.data["release"] is None
    assert notification.snapshot.data["contact"]["last_contact"] is None
    assert Message.objects.count() == 0


@pytest.mark.django_db
def test_a_release_without_a_plan_comes_from_the_custody_record(org):
    """Released with no release plan in Safeguard: the person's recorded release date gives
    the days since release, so the death is not counted as 'no release recorded'."""
    person = org["people"]["colleagues"]
    today = timezone.localdate()
    Person.objects.filter(pk=person.pk).update(last_released_on=today - dt.timedelta(days=10))
    notification = record_death(person, org["staff"]["spo"], days_ago=3)
    snapshot = notification.snapshot
    assert snapshot.days_since_release == 7
    assert snapshot.data["days_since_release"] == 7
    assert snapshot.data["release"]["source"] == "custody_record"
    assert snapshot.data["release"]["released_on"] == (today - dt.timedelta(days=10)).isoformat()
    assert snapshot.data["release"]["accommodation_on_release"] is None


@pytest.mark.django_db
def test_a_release_plan_wins_and_a_custody_date_after_the_death_is_ignored(org):
    pp, person = org["staff"]["practitioner"], org["people"]["mine"]
    today = timezone.localdate()
    released(person, pp, days_ago=20)
    Person.objects.filter(pk=person.pk).update(last_released_on=today - dt.timedelta(days=20))
    snapshot = record_death(person, pp, days_ago=3).snapshot
    assert snapshot.days_since_release == 17
    assert snapshot.data["release"]["source"] == "release_plan"
    other = org["people"]["colleagues"]
    Person.objects.filter(pk=other.pk).update(last_released_on=today - dt.timedelta(days=1))
    assert record_death(other, pp, days_ago=3).snapshot.days_since_release is None


@pytest.mark.django_db
def test_recording_a_release_keeps_the_date_on_the_person(org):
    from safeguard.releases import services as releases
    from tests.releases.helpers import in_custody, open_plan

    pp = org["staff"]["practitioner"]
    person = in_custody(org["team"], pp, release_in_days=-1)
    open_plan(person)
    day = timezone.localdate() - dt.timedelta(days=1)
    releases.release_record(
        person_id=person.pk,
        released_on=day,
        accommodation_type="settled",
        address="1 Example Road",
        actor=pp,
    )
    person.refresh_from_db()
    assert person.last_released_on == day
