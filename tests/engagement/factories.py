"""Factories per state for engagement records."""

import datetime as dt

import factory
from django.utils import timezone

from safeguard.engagement.models import (
    Appointment,
    AppointmentKind,
    CheckIn,
    ReminderPreferences,
)
from tests.factories import PersonFactory, StaffFactory


def at(days=0, hours=0, hour=None, minute=0):
    """An aware moment ``days`` from now (at a local clock time if ``hour`` is given)."""
    moment = timezone.localtime() + dt.timedelta(days=days, hours=hours)
    if hour is not None:
        moment = moment.replace(hour=hour, minute=minute, second=0, microsecond=0)
    return moment


class AppointmentFactory(factory.django.DjangoModelFactory):
    """A future office appointment with no outcome."""

    class Meta:
        model = Appointment

    person = factory.SubFactory(PersonFactory)
    kind = AppointmentKind.OFFICE
    location = "Probation office, 1 Test Street"
    starts_at = factory.LazyFunction(lambda: at(days=7, hour=10))
    duration_minutes = 60
    practitioner = factory.LazyAttribute(lambda o: o.person.practitioner)
    created_by = factory.LazyAttribute(lambda o: o.person.practitioner or StaffFactory())


class PastAppointmentFactory(AppointmentFactory):
    starts_at = factory.LazyFunction(lambda: at(days=-1, hour=10))


class ReminderPreferencesFactory(factory.django.DjangoModelFactory):
    """Texts 2 days and 2 hours before, with consent."""

    class Meta:
        model = ReminderPreferences

    person = factory.SubFactory(PersonFactory, mobile="07700 900123")
    channel = "sms"
    lead_times_hours = factory.LazyFunction(lambda: [48, 2])
    summary = "none"
    consent = True
    consent_recorded_at = factory.LazyFunction(timezone.now)
    recorded_by = factory.LazyAttribute(lambda o: o.person.practitioner or StaffFactory())


class CheckInFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CheckIn

    person = factory.SubFactory(PersonFactory)
    token_hash = factory.Sequence(lambda n: f"{n:064x}")
    channel = "sms"
    created_by = factory.LazyAttribute(lambda o: o.person.practitioner or StaffFactory())
    expires_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(hours=72))
