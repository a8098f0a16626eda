"""Appointments write, move and withdraw their reminders in the same transaction."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django_tasks_db.models import DBTaskResult
from hypothesis import given
from hypothesis import strategies as st

from safeguard.core.models import AccessLogEntry
from safeguard.engagement import services
from safeguard.engagement.models import Appointment, ReminderPreferences
from safeguard.notify.models import Message
from safeguard.notify.timing import LONDON, in_quiet_hours
from tests.engagement.factories import AppointmentFactory, ReminderPreferencesFactory


def local(day: dt.date, hour, minute=0):
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=LONDON)


NOW = local(dt.date(2026, 3, 9), 12)  # a Monday, midday


@pytest.fixture
def person(org):
    person = org["people"]["mine"]
    person.mobile = "07700 900123"
    person.email = "alex@example.com"
    person.save()
    ReminderPreferencesFactory(person=person, channel="sms", lead_times_hours=[48, 2])
    return person


def book(person, actor, starts_at, **kwargs):
    return services.appointment_create(
        person_id=person.pk,
        kind=kwargs.pop("kind", "office"),
        location=kwargs.pop("location", "1 Test Street"),
        starts_at=starts_at,
        actor=actor,
        now=kwargs.pop("now", NOW),
        **kwargs,
    )


@pytest.mark.django_db
def test_booking_writes_one_reminder_per_lead_time_with_a_reference_free_of_personal_data(
    org, person, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        appointment = book(
            person, org["staff"]["practitioner"], local(dt.date(2026, 3, 12), 14, 30)
        )
    reminders = list(Message.objects.order_by("send_after"))
    assert [m.send_after for m in reminders] == [
        local(dt.date(2026, 3, 10), 14, 30),
        local(dt.date(2026, 3, 12), 12, 30),
    ]
    for m in reminders:
        assert m.status == "queued" and m.kind == "reminder" and m.channel == "sms"
        assert m.reference.startswith("rem-") and len(m.reference) == 40
        assert person.crn not in m.reference and "alex" not in m.reference.lower()
        assert m.topic == f"appointment:{appointment.pk}"
        assert m.send_by == appointment.starts_at
        assert m.personalisation["day"] == "Thursday 12 March"
        assert m.personalisation["time"] == "2:30pm"
    # Each message's send task was enqueued to run when it is due.
    assert DBTaskResult.objects.count() == 2


@pytest.mark.django_db
def test_a_rolled_back_booking_leaves_no_message_and_no_task(
    org, person, django_capture_on_commit_callbacks
):
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        book(person, org["staff"]["practitioner"], local(dt.date(2026, 3, 12), 14, 30))
        raise RuntimeError("something later in the same request failed")
    assert not Appointment.objects.exists()
    assert not Message.objects.exists()
    assert not DBTaskResult.objects.exists()


@pytest.mark.django_db
def test_no_consent_or_no_reminders_means_no_messages(org, person):
    person.reminder_preferences.delete()
    book(person, org["staff"]["practitioner"], local(dt.date(2026, 3, 12), 14))
    assert not Message.objects.exists()


@pytest.mark.django_db
def test_short_notice_appointment_gets_one_reminder_at_once_while_still_ahead(org, person):
    # Booked at midday for 17:00 the same day: the 48-hour reminder is already past, so it
    # goes now; the 2-hour one goes at 15:00.
    book(person, org["staff"]["practitioner"], local(dt.date(2026, 3, 9), 17))
    assert [m.send_after for m in Message.objects.order_by("send_after")] == [
        NOW,
        local(dt.date(2026, 3, 9), 15),
    ]


@pytest.mark.django_db
def test_reminders_that_would_land_together_collapse_into_one(org, person):
    # Booked at midday for 13:30: both lead times have passed or nearly: one reminder, now.
    book(person, org["staff"]["practitioner"], local(dt.date(2026, 3, 9), 13, 30))
    assert [m.send_after for m in Message.objects.all()] == [NOW]


@pytest.mark.django_db
def test_texts_never_planned_in_quiet_hours(org, person):
    # 2 hours before a 09:00 appointment is 07:00, in quiet hours: moved to 08:00.
    book(person, org["staff"]["practitioner"], local(dt.date(2026, 3, 12), 9))
    times = [m.send_after for m in Message.objects.order_by("send_after")]
    assert local(dt.date(2026, 3, 12), 8) in times
    assert not any(in_quiet_hours(t) for t in times)


@pytest.mark.django_db
def test_email_and_text_both(org, person):
    person.reminder_preferences.channel = "both"
    person.reminder_preferences.save()
    book(person, org["staff"]["practitioner"], local(dt.date(2026, 3, 12), 14))
    assert sorted(Message.objects.values_list("channel", "template")) == [
        ("email", "appointment_reminder_email"),
        ("email", "appointment_reminder_email"),
        ("sms", "appointment_reminder_sms"),
        ("sms", "appointment_reminder_sms"),
    ]
    assert set(Message.objects.filter(channel="email").values_list("recipient", flat=True)) == {
        "alex@example.com"
    }


@pytest.mark.django_db
def test_rescheduling_withdraws_old_reminders_tells_the_person_and_keeps_the_chain(org, person):
    pp = org["staff"]["practitioner"]
    old = book(person, pp, local(dt.date(2026, 3, 12), 14))
    new = services.appointment_reschedule(
        appointment_id=old.pk,
        starts_at=local(dt.date(2026, 3, 19), 10),
        moved_by="probation",
        reason="Practitioner on training",
        actor=pp,
        now=NOW,
    )
    old.refresh_from_db()
    assert old.outcome == "rescheduled" and old.moved_by == "probation"
    assert new.rescheduled_from == old and old.rescheduled_to == new
    assert set(
        Message.objects.filter(topic=f"appointment:{old.pk}").values_list("status", flat=True)
    ) == {"withdrawn"}
    new_messages = Message.objects.filter(topic=f"appointment:{new.pk}")
    assert sorted(new_messages.values_list("kind", flat=True)) == ["change", "reminder", "reminder"]
    notice = new_messages.get(kind="change")
    assert notice.template == "appointment_moved_sms" and notice.send_after == NOW
    assert notice.personalisation["day"] == "Thursday 19 March"
    assert AccessLogEntry.objects.filter(
        person=person, detail__startswith="moved appointment"
    ).exists()


@pytest.mark.django_db
def test_cancelling_withdraws_reminders_and_sends_a_cancellation(org, person):
    pp = org["staff"]["practitioner"]
    appointment = book(person, pp, local(dt.date(2026, 3, 12), 14))
    services.appointment_cancel(
        appointment_id=appointment.pk, moved_by="person", reason="Unwell", actor=pp, now=NOW
    )
    statuses = dict(Message.objects.values_list("kind", "status").order_by("kind"))
    assert set(Message.objects.filter(kind="reminder").values_list("status", flat=True)) == {
        "withdrawn"
    }
    assert statuses["change"] == "queued"
    appointment.refresh_from_db()
    assert appointment.outcome == "cancelled_by_person"


@pytest.mark.django_db
def test_a_reminder_already_sent_is_not_withdrawn(org, person):
    pp = org["staff"]["practitioner"]
    appointment = book(person, pp, local(dt.date(2026, 3, 12), 14))
    first = Message.objects.order_by("send_after").first()
    Message.objects.filter(pk=first.pk).update(status="sent")
    services.appointment_cancel(
        appointment_id=appointment.pk,
        moved_by="probation",
        reason="Office closed",
        actor=pp,
        now=NOW,
    )
    first.refresh_from_db()
    assert first.status == "sent"


@pytest.mark.django_db
def test_changing_preferences_rebuilds_queued_reminders(org, person):
    pp = org["staff"]["practitioner"]
    book(person, pp, local(dt.date(2026, 3, 12), 14))
    services.reminder_preferences_save(
        person_id=person.pk,
        channel="email",
        lead_times_hours=[24],
        summary="none",
        consent=True,
        version=ReminderPreferences.objects.get(person=person).version,
        actor=pp,
        now=NOW,
    )
    queued = Message.objects.filter(status="queued")
    assert list(queued.values_list("channel", "send_after")) == [
        ("email", local(dt.date(2026, 3, 11), 14))
    ]
    services.reminder_preferences_save(
        person_id=person.pk,
        channel="none",
        lead_times_hours=[],
        summary="none",
        consent=False,
        version=ReminderPreferences.objects.get(person=person).version,
        actor=pp,
        now=NOW,
    )
    assert not Message.objects.filter(status="queued").exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"kind": "séance"}, "kind"),
        ({"kind": "office", "location": ""}, "location"),
        ({"duration_minutes": 0}, "duration_minutes"),
        ({"starts_at": NOW - dt.timedelta(hours=1)}, "starts_at"),
        ({"starts_at": NOW + dt.timedelta(days=400)}, "starts_at"),
    ],
)
def test_bad_bookings_are_refused_naming_the_field(org, person, changes, field):
    args = {
        "person_id": person.pk,
        "kind": "office",
        "location": "1 Test Street",
        "starts_at": NOW + dt.timedelta(days=2),
        "duration_minutes": 60,
        "actor": org["staff"]["practitioner"],
        "now": NOW,
        **changes,
    }
    with pytest.raises(ValidationError) as error:
        services.appointment_create(**args)
    assert field in error.value.message_dict
    assert not Appointment.objects.exists() and not Message.objects.exists()


@pytest.mark.django_db
def test_read_only_roles_and_other_teams_cannot_book(org, person):
    with pytest.raises(PermissionDenied):
        book(person, org["staff"]["national"], NOW + dt.timedelta(days=2))
    # Another team's case is not visible: the same 404 as a case that does not exist.
    with pytest.raises(Http404):
        book(person, org["staff"]["other_team_pp"], NOW + dt.timedelta(days=2))
    assert not Appointment.objects.exists()


@pytest.mark.django_db
def test_outcomes_only_after_the_start_and_only_once(org, person):
    pp = org["staff"]["practitioner"]
    appointment = book(person, pp, local(dt.date(2026, 3, 12), 14))
    with pytest.raises(ValidationError):
        services.appointment_record_outcome(
            appointment_id=appointment.pk, outcome="attended", actor=pp, now=NOW
        )
    later = local(dt.date(2026, 3, 12), 15)
    services.appointment_record_outcome(
        appointment_id=appointment.pk, outcome="attended", actor=pp, now=later
    )
    with pytest.raises(ValidationError):
        services.appointment_record_outcome(
            appointment_id=appointment.pk, outcome="failed_to_attend", actor=pp, now=later
        )
    with pytest.raises(ValidationError):
        services.appointment_reschedule(
            appointment_id=appointment.pk,
            starts_at=later + dt.timedelta(days=2),
            moved_by="probation",
            reason="x",
            actor=pp,
            now=later,
        )


@pytest.mark.django_db
def test_factory_appointments_are_consistent(org):
    appointment = AppointmentFactory(person=org["people"]["mine"])
    assert appointment.is_open and appointment.ends_at > appointment.starts_at


@given(
    starts_at=st.datetimes(
        min_value=dt.datetime(2026, 1, 1),
        max_value=dt.datetime(2027, 12, 31),
        timezones=st.just(LONDON),
    ),
    ahead=st.timedeltas(min_value=dt.timedelta(minutes=1), max_value=dt.timedelta(days=20)),
    leads=st.lists(st.integers(min_value=1, max_value=336), min_size=1, max_size=4),
)
def test_reminder_times_hold_their_rules_for_every_appointment(starts_at, ahead, leads):
    now = starts_at - ahead
    times = services.plan_reminder_times(
        starts_at=starts_at, lead_times_hours=leads, channel="sms", now=now
    )
    assert len(times) <= len(set(leads))
    for when in times:
        assert not in_quiet_hours(when)
        assert now <= when < starts_at
    for earlier, later in zip(times, times[1:], strict=False):
        assert later - earlier >= dt.timedelta(minutes=60)
