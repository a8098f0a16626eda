"""Engagement's hooks into other areas: sweeps run by `safeguarding_scan`, and what happens to
reminders and check-ins when a person's death is recorded."""

import datetime as dt

import pytest
from django.utils import timezone

from safeguard.engagement import checkins, sweeps
from safeguard.engagement.models import CheckIn, CheckInSchedule
from safeguard.engagement.on_death import withdraw_reminders_and_check_ins
from safeguard.notify.models import Message
from tests.engagement.factories import AppointmentFactory, ReminderPreferencesFactory


@pytest.fixture
def person(org):
    person = org["people"]["mine"]
    person.mobile = "07700 900123"
    person.save()
    return person


@pytest.mark.django_db
def test_sweeps_send_due_check_ins_and_summaries(person, org):
    from safeguard.core.registry import sweeps as registered

    assert sweeps.send_due_check_ins in registered
    checkins.check_in_create(
        person_id=person.pk, channel="sms", frequency="weekly", actor=org["staff"]["practitioner"]
    )
    CheckInSchedule.objects.update(next_due_at=timezone.now() - dt.timedelta(minutes=1))
    assert sweeps.send_due_check_ins(timezone.localdate()) == 1
    ReminderPreferencesFactory(person=person, summary="weekly")
    AppointmentFactory(person=person, starts_at=timezone.now() + dt.timedelta(days=2))
    assert sweeps.send_due_summaries(timezone.localdate()) == 1


@pytest.mark.django_db
def test_a_death_withdraws_queued_messages_and_stops_check_ins(person, org):
    pp = org["staff"]["practitioner"]
    ReminderPreferencesFactory(person=person)
    from safeguard.engagement import services

    services.appointment_create(
        person_id=person.pk,
        kind="phone",
        starts_at=timezone.now() + dt.timedelta(days=5),
        actor=pp,
    )
    check_in = checkins.check_in_create(
        person_id=person.pk, channel="sms", frequency="weekly", actor=pp
    )
    withdraw_reminders_and_check_ins(person.pk, pp)
    assert set(Message.objects.values_list("status", flat=True)) == {"withdrawn"}
    assert not CheckInSchedule.objects.filter(active=True).exists()
    check_in.refresh_from_db()
    assert check_in.expires_at <= timezone.now() and check_in.followed_up_at
    assert checkins.check_in_by_token(check_in.token) is None
    assert CheckIn.objects.count() == 1
