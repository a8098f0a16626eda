"""Weekly or fortnightly lists of upcoming appointments, for those who asked."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone

from safeguard.engagement import services
from safeguard.notify.models import Message
from safeguard.notify.timing import in_quiet_hours
from tests.engagement.factories import AppointmentFactory, ReminderPreferencesFactory


@pytest.fixture
def person(org):
    person = org["people"]["mine"]
    person.mobile = "07700 900123"
    person.save()
    return person


@pytest.mark.django_db
def test_a_weekly_summary_lists_the_weeks_appointments_once_a_week(person):
    ReminderPreferencesFactory(person=person, summary="weekly")
    now = timezone.now()
    AppointmentFactory(person=person, starts_at=now + dt.timedelta(days=2))
    AppointmentFactory(person=person, starts_at=now + dt.timedelta(days=5), kind="phone")
    AppointmentFactory(person=person, starts_at=now + dt.timedelta(days=10))
    assert services.summaries_send_due(now=now) == 1
    assert services.summaries_send_due(now=now + dt.timedelta(days=3)) == 0
    message = Message.objects.get(kind="summary")
    lines = message.personalisation["appointments"].splitlines()
    assert len(lines) == 2 and "phone call" in lines[1]
    assert message.personalisation["period"] == "week"
    assert not in_quiet_hours(message.send_after)
    assert services.summaries_send_due(now=now + dt.timedelta(days=7)) == 1


@pytest.mark.django_db
def test_no_summary_without_consent_or_appointments(person):
    ReminderPreferencesFactory(person=person, summary="fortnightly")
    assert services.summaries_send_due() == 0
    assert not Message.objects.exists()


@pytest.mark.django_db
def test_the_sweep_command(person, capsys):
    ReminderPreferencesFactory(person=person, summary="weekly")
    AppointmentFactory(person=person, starts_at=timezone.now() + dt.timedelta(days=1))
    call_command("engagement_sweep")
    assert "summaries queued 1" in capsys.readouterr().out
