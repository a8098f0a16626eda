"""Messages to people on probation in the wording their circumstances need: easy read where
their communication needs ask for it, discreet (no "probation", no practitioner's name) for a
domestic abuse victim (ADVV) or on request. Every style is declared in safeguard.notify."""

import datetime as dt

import pytest
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from safeguard.engagement import appointments, wording
from safeguard.engagement.models import AppointmentKind, ReminderPreferences
from safeguard.notify import catalogue
from safeguard.notify.models import Message
from tests.engagement.factories import ReminderPreferencesFactory
from tests.factories import RegistrationFactory, StaffFactory

PERSON_PURPOSES = (
    "appointment_reminder",
    "appointment_moved",
    "appointment_cancelled",
    "appointments_summary",
    "check_in_link",
    "safety_plan_link",
)


@pytest.mark.parametrize("purpose", PERSON_PURPOSES)
@pytest.mark.parametrize("channel", [catalogue.SMS, catalogue.EMAIL])
def test_every_message_to_a_person_has_a_discreet_version(purpose, channel):
    key = catalogue.styled_key(purpose, channel, catalogue.DISCREET)
    assert key.endswith("_discreet")
    template = catalogue.template(key)
    assert "practitioner" not in template.fields
    for word in catalogue.DISCREET_WORDS_NEVER_USED:
        assert word not in (template.subject + template.body).lower(), (key, word)


def test_a_style_without_its_own_version_falls_back_to_the_standard_wording():
    assert catalogue.styled_key("check_in_link", "sms", catalogue.EASY_READ) == "check_in_link_sms"
    assert catalogue.styled_key("appointment_reminder", "sms", "standard") == (
        "appointment_reminder_sms"
    )


class _Appointment:
    def __init__(self, kind, location, starts_at):
        self.kind, self.location, self.starts_at = kind, location, starts_at
        self.practitioner = None


class _Person:
    first_name = "Sam"


@given(
    kind=st.sampled_from(list(AppointmentKind)),
    location=st.one_of(
        st.just("Probation office, 1 Test Street"),
        st.just("PROBATION Hub"),
        st.text(max_size=60),
    ),
    starts_at=st.datetimes(
        min_value=dt.datetime(2026, 1, 1),
        max_value=dt.datetime(2030, 1, 1),
        timezones=st.just(dt.UTC),
    ),
    purpose=st.sampled_from(["appointment_reminder", "appointment_moved", "appointment_cancelled"]),
    channel=st.sampled_from([catalogue.SMS, catalogue.EMAIL]),
)
def test_a_discreet_reminder_never_says_probation_whatever_the_appointment(
    kind, location, starts_at, purpose, channel
):
    appointment = _Appointment(kind, location, starts_at)
    personalisation = wording.appointment_personalisation(appointment, _Person(), "discreet")
    if purpose == "appointment_cancelled":
        personalisation.pop("where")
    template = catalogue.template(catalogue.styled_key(purpose, channel, catalogue.DISCREET))
    subject, body = template.render(personalisation)
    assert "probation" not in (subject + body).lower()
    assert "practitioner" not in (subject + body).lower()


@pytest.mark.django_db
def test_a_domestic_abuse_victim_gets_discreet_reminders_without_the_practitioners_name(org):
    person = org["people"]["mine"]
    pp = org["staff"]["practitioner"]
    person.mobile = "07700 900123"
    person.save()
    RegistrationFactory(person=person, code="ADVV")
    ReminderPreferencesFactory(person=person, recorded_by=pp)
    appointments.appointment_create(
        person_id=person.pk,
        kind="office",
        starts_at=timezone.now() + dt.timedelta(days=7),
        location="Probation office, 1 Test Street",
        actor=pp,
    )
    messages = list(Message.objects.filter(person=person))
    assert messages and all(m.template.endswith("_discreet") for m in messages)
    for message in messages:
        subject, body = catalogue.template(message.template).render(message.personalisation)
        assert "probation" not in (subject + body).lower()
        assert pp.last_name not in body and pp.first_name not in body


@pytest.mark.django_db
def test_communication_needs_ask_for_easy_read_and_a_choice_overrides_the_record(org):
    person = org["people"]["mine"]
    pp = org["staff"]["practitioner"]
    person.learning_disability = True
    preferences = ReminderPreferencesFactory(person=person, recorded_by=pp)
    assert wording.message_style(person, preferences) == catalogue.EASY_READ
    RegistrationFactory(person=person, code="ADVV")
    assert wording.message_style(person, preferences) == catalogue.DISCREET
    preferences.wording = "standard"
    assert wording.message_style(person, preferences) == catalogue.STANDARD
    preferences.wording = "discreet"
    person.learning_disability = False
    assert wording.message_style(person, preferences) == catalogue.DISCREET
    assert wording.message_style(person, None) == catalogue.DISCREET  # ADVV, no preferences


@pytest.mark.django_db
def test_the_reminders_page_records_a_request_for_discreet_messages_and_audits_it(client, org):
    from safeguard.core.models import AccessLogEntry

    person = org["people"]["mine"]
    client.force_login(org["staff"]["practitioner"])
    response = client.post(
        f"/people/{person.crn}/reminders/",
        {
            "channel": "sms",
            "lead_times_hours": ["48"],
            "summary": "none",
            "wording": "discreet",
            "mobile": "07700 900123",
            "email": "",
            "consent": "on",
            "version": "0",
            "person_version": str(person.version),
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert ReminderPreferences.objects.get(person=person).wording == "discreet"
    entry = AccessLogEntry.objects.filter(person=person, event__startswith="reminder").last()
    assert entry is not None and "discreet" in str(entry.changes)
    bad = client.post(f"/people/{person.crn}/reminders/", {"channel": "sms", "wording": "loud"})
    assert bad.status_code == 200 and b"govuk-error-summary" in bad.content


def test_the_discreet_where_never_repeats_a_place_that_names_probation():
    appointment = _Appointment(AppointmentKind.OFFICE, "Probation office, Leeds", timezone.now())
    assert wording.discreet_where_text(appointment) == "Place: the office you usually go to."
    appointment.location = "12 High Street, Leeds"
    assert wording.discreet_where_text(appointment) == "Place: 12 High Street, Leeds."
    assert StaffFactory  # factories import for the database tests above
