"""Staff pages: scoping, audit, bad input and query counts."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from safeguard.core.models import AccessLogEntry
from safeguard.engagement.models import Appointment, CheckIn, ReminderPreferences
from safeguard.notify.models import Message
from safeguard.notify.sealing import unseal
from tests.engagement.factories import (
    AppointmentFactory,
    CheckInFactory,
    PastAppointmentFactory,
    ReminderPreferencesFactory,
)
from tests.factories import exclude

FUTURE = timezone.localdate() + dt.timedelta(days=10)
DATE = FUTURE.strftime("%d/%m/%Y")


def person_urls(person, appointment):
    base = f"/people/{person.crn}"
    return [
        f"{base}/appointments/",
        f"{base}/messages/",
        f"{base}/check-ins/",
        f"{base}/travel-support/",
    ], [
        f"{base}/appointments/add/",
        f"{base}/reminders/",
        f"{base}/appointments/{appointment.pk}/move/",
        f"{base}/appointments/{appointment.pk}/cancel/",
        f"{base}/appointments/{appointment.pk}/outcome/",
    ]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("staff_key", "read", "change"),
    [
        ("practitioner", 200, 200),
        ("spo", 200, 200),
        ("head", 200, 200),
        ("national", 200, 403),
        ("other_team_pp", 404, 404),
        ("far_regional", 404, 404),
        ("no_role", 403, 403),  # no role, no capabilities: refused before any case is looked up
    ],
)
def test_pages_are_scoped_like_the_person(client, org, staff_key, read, change):
    person = org["people"]["mine"]
    appointment = AppointmentFactory(person=person)
    client.force_login(org["staff"][staff_key])
    reads, changes = person_urls(person, appointment)
    for url in reads:
        assert client.get(url).status_code == read, url
    for url in changes:
        assert client.get(url).status_code == change, url


@pytest.mark.django_db
def test_an_excluded_practitioner_gets_404_everywhere(client, org):
    person = org["people"]["colleagues"]
    appointment = AppointmentFactory(person=person)
    exclude(person, org["staff"]["practitioner"])
    client.force_login(org["staff"]["practitioner"])
    reads, changes = person_urls(person, appointment)
    for url in reads + changes:
        assert client.get(url).status_code == 404, url
    assert AccessLogEntry.objects.filter(action="refused", crn=person.crn).exists()


@pytest.mark.django_db
def test_an_appointment_of_another_case_is_not_found_through_this_one(client, org):
    mine = org["people"]["mine"]
    far = AppointmentFactory(person=org["people"]["far"])
    colleague_appointment = AppointmentFactory(person=org["people"]["colleagues"])
    client.force_login(org["staff"]["practitioner"])
    assert client.get(f"/people/{mine.crn}/appointments/{far.pk}/move/").status_code == 404
    assert (
        client.get(f"/people/{mine.crn}/appointments/{colleague_appointment.pk}/move/").status_code
        == 404
    )


@pytest.mark.django_db
def test_viewing_appointments_is_audited(client, org):
    person = org["people"]["mine"]
    client.force_login(org["staff"]["practitioner"])
    client.get(f"/people/{person.crn}/appointments/")
    assert AccessLogEntry.objects.filter(
        person=person, action="view_person", actor=org["staff"]["practitioner"], channel="web"
    ).exists()


@pytest.mark.django_db
def test_booking_through_the_page(client, org):
    person = org["people"]["mine"]
    person.mobile = "07700 900123"
    person.save()
    ReminderPreferencesFactory(person=person)
    client.force_login(org["staff"]["practitioner"])
    response = client.post(
        f"/people/{person.crn}/appointments/add/",
        {
            "kind": "office",
            "date": DATE,
            "time": "2:30pm",
            "duration_minutes": "45",
            "location": "1 High St",
        },
    )
    assert response.status_code == 302
    appointment = Appointment.objects.get()
    local = timezone.localtime(appointment.starts_at)
    assert (local.date(), local.hour, local.minute) == (FUTURE, 14, 30)
    assert Message.objects.filter(topic=f"appointment:{appointment.pk}").count() == 2
    page = client.get(f"/people/{person.crn}/appointments/").content.decode()
    assert "1 High St" in page and "Text message reminders" in page
    assert AccessLogEntry.objects.filter(person=person, action="change_person").exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"kind": "", "date": DATE, "time": "10:00"}, "Choose the kind of appointment"),
        ({"kind": "office", "date": "31/02/2027", "time": "10:00"}, "Enter a real date"),
        ({"kind": "office", "date": DATE, "time": "25:00"}, "Enter a real time"),
        ({"kind": "office", "date": DATE, "time": "10:00", "location": ""}, "Enter where"),
        ({"kind": "phone", "date": "01/01/2020", "time": "10:00"}, "must be in the future"),
        (
            {"kind": "phone", "date": DATE, "time": "10:00", "duration_minutes": "0"},
            "between 5 and 480",
        ),
    ],
)
def test_bad_bookings_show_the_error_summary_and_save_nothing(client, org, data, message):
    person = org["people"]["mine"]
    client.force_login(org["staff"]["practitioner"])
    data = {"duration_minutes": "60", "location": "Office", **data}
    response = client.post(f"/people/{person.crn}/appointments/add/", data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "govuk-error-summary" in html and message in html
    assert "<title>Error:" in html
    assert not Appointment.objects.exists()


@pytest.mark.django_db
def test_move_cancel_and_outcome_pages(client, org):
    person = org["people"]["mine"]
    pp = org["staff"]["practitioner"]
    client.force_login(pp)
    appointment = AppointmentFactory(person=person)
    url = f"/people/{person.crn}/appointments/{appointment.pk}"
    bad = client.post(f"{url}/move/", {"date": DATE, "time": "11:00", "moved_by": "", "reason": ""})
    assert bad.status_code == 200 and b"Say who asked" in bad.content
    moved = client.post(
        f"{url}/move/", {"date": DATE, "time": "11:00", "moved_by": "probation", "reason": "Court"}
    )
    assert moved.status_code == 302
    new = appointment.rescheduled_to if hasattr(appointment, "rescheduled_to") else None
    appointment.refresh_from_db()
    new = Appointment.objects.get(rescheduled_from=appointment)
    cancelled = client.post(
        f"/people/{person.crn}/appointments/{new.pk}/cancel/",
        {"moved_by": "person", "reason": "Hospital appointment"},
    )
    assert cancelled.status_code == 302
    new.refresh_from_db()
    assert new.outcome == "cancelled_by_person"
    past = PastAppointmentFactory(person=person)
    assert (
        client.post(
            f"/people/{person.crn}/appointments/{past.pk}/outcome/",
            {"outcome": "acceptable_absence", "reason": ""},
        ).status_code
        == 200
    )
    assert (
        client.post(
            f"/people/{person.crn}/appointments/{past.pk}/outcome/", {"outcome": "failed_to_attend"}
        ).status_code
        == 302
    )
    welfare = client.post(
        f"/people/{person.crn}/appointments/{past.pk}/welfare-check/",
        {"note": "Phoned, they were unwell, safe"},
    )
    assert welfare.status_code == 302
    past.refresh_from_db()
    assert past.welfare_checked_by == pp


@pytest.mark.django_db
def test_reminder_preferences_page_records_consent_and_refuses_bad_numbers(client, org):
    person = org["people"]["mine"]
    client.force_login(org["staff"]["practitioner"])
    url = f"/people/{person.crn}/reminders/"
    form = client.get(url).content.decode()
    assert 'value="48" checked' in form  # 2 days and 2 hours before, by default
    bad = client.post(
        url,
        {
            "channel": "sms",
            "lead_times_hours": ["48"],
            "summary": "none",
            "mobile": "01632 960 001",
            "consent": "on",
        },
    )
    assert bad.status_code == 200 and b"Enter a UK mobile number" in bad.content
    no_consent = client.post(
        url,
        {
            "channel": "sms",
            "lead_times_hours": ["48"],
            "summary": "none",
            "mobile": "07700 900 123",
        },
    )
    assert b"must agree" in no_consent.content
    assert not ReminderPreferences.objects.exists()
    ok = client.post(
        url,
        {
            "channel": "sms",
            "lead_times_hours": ["48", "2"],
            "summary": "weekly",
            "mobile": "07700900123",
            "consent": "on",
            "version": "0",
            "person_version": str(person.version),
        },
    )
    assert ok.status_code == 302
    preferences = ReminderPreferences.objects.get()
    assert preferences.consent and preferences.lead_times_hours == [48, 2]
    person.refresh_from_db()
    assert person.mobile == "07700 900123"


@pytest.mark.django_db
def test_person_page_shows_engagement_with_a_fixed_number_of_queries(client, org):
    person = org["people"]["mine"]
    client.force_login(org["staff"]["practitioner"])

    def count():
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(f"/people/{person.crn}/")
        assert response.status_code == 200
        return len(ctx.captured_queries), response.content.decode()

    AppointmentFactory(person=person)
    before, _ = count()
    for days in range(1, 12):
        AppointmentFactory(person=person, starts_at=timezone.now() + dt.timedelta(days=days))
        PastAppointmentFactory(person=person, starts_at=timezone.now() - dt.timedelta(days=days))
        CheckInFactory(person=person)
    after, html = count()
    assert after == before
    assert "Appointments and contact" in html


@pytest.mark.django_db
def test_appointments_page_query_count_does_not_grow(client, org):
    person = org["people"]["mine"]
    client.force_login(org["staff"]["practitioner"])

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(f"/people/{person.crn}/appointments/").status_code == 200
        return len(ctx.captured_queries)

    AppointmentFactory(person=person)
    before = count()
    for days in range(1, 15):
        AppointmentFactory(person=person, starts_at=timezone.now() + dt.timedelta(days=days))
        PastAppointmentFactory(person=person, starts_at=timezone.now() - dt.timedelta(days=days))
    assert count() == before


@pytest.mark.django_db
def test_overview_lists_people_probation_moved_too_often(client, org):
    from safeguard.engagement import services

    person = org["people"]["mine"]
    pp = org["staff"]["practitioner"]
    appointment = AppointmentFactory(person=person)
    for n in range(3):
        appointment = services.appointment_reschedule(
            appointment_id=appointment.pk,
            starts_at=appointment.starts_at + dt.timedelta(days=1),
            moved_by="probation",
            reason=f"Clash {n}",
            actor=pp,
        )
    client.force_login(pp)
    html = client.get("/appointments/").content.decode()
    assert "Mine, Alex" in html
    assert AccessLogEntry.objects.filter(detail__startswith="appointments overview").exists()
    # A practitioner in another team does not see them.
    client.force_login(org["staff"]["other_team_pp"])
    assert "Mine, Alex" not in client.get("/appointments/?scope=team").content.decode()


@pytest.mark.django_db
def test_continuity_counts_practitioner_changes(client, org):
    from safeguard.people.models import Allocation

    person = org["people"]["mine"]
    today = timezone.localdate()
    Allocation.objects.filter(person=person).update(ended_on=today - dt.timedelta(days=40))
    Allocation.objects.create(
        person=person,
        practitioner=org["staff"]["colleague"],
        team=org["team"],
        started_on=today - dt.timedelta(days=40),
        ended_on=today - dt.timedelta(days=10),
        reason="workload",
    )
    Allocation.objects.create(
        person=person,
        practitioner=org["staff"]["practitioner"],
        team=org["team"],
        started_on=today - dt.timedelta(days=10),
        reason="practitioner_left",
    )
    client.force_login(org["staff"]["spo"])
    html = client.get("/continuity/?scope=team").content.decode()
    row = html[html.index("Mine, Alex") :]
    assert row[: row.index("</tr>")].rstrip().endswith('numeric">2</td>')


@pytest.mark.django_db
def test_check_in_pages_for_staff(client, org, settings):
    person = org["people"]["mine"]
    person.mobile = "07700 900123"
    person.save()
    client.force_login(org["staff"]["practitioner"])
    url = f"/people/{person.crn}/check-ins/"
    assert b"Choose text message or email" in client.post(url, {"channel": ""}).content
    assert client.post(url, {"channel": "sms", "frequency": "weekly"}).status_code == 302
    check_in = CheckIn.objects.get()
    assert check_in.schedule and check_in.schedule.frequency == "weekly"
    message = Message.objects.get(kind="check_in")
    link = unseal(message.personalisation["link"])
    assert link.startswith(f"{settings.SAFEGUARD_PUBLIC_URL}/check-in/")
    detail = client.get(f"{url}{check_in.pk}/")
    assert detail.status_code == 200
    assert client.post(f"{url}{check_in.pk}/", {"note": ""}).status_code == 200
    assert client.post(f"{url}{check_in.pk}/", {"note": "Called them"}).status_code == 302
    check_in.refresh_from_db()
    assert check_in.followed_up_at
    # The link was not sent yet (no worker ran): following up withdraws it.
    message.refresh_from_db()
    assert message.status == "withdrawn"
    assert client.post(url, {"stop_schedule": "1"}).status_code == 302
    check_in.schedule.refresh_from_db()
    assert not check_in.schedule.active


@pytest.mark.django_db
def test_a_check_in_needs_contact_details(client, org):
    person = org["people"]["mine"]
    client.force_login(org["staff"]["practitioner"])
    response = client.post(f"/people/{person.crn}/check-ins/", {"channel": "email"})
    assert (
        response.status_code == 200
        and b"Record the person&#x27;s email address first" in response.content
    )
    assert not CheckIn.objects.exists()


@pytest.mark.django_db
def test_messages_page_lists_and_filters(client, org):
    from safeguard.notify.services import message_enqueue

    person = org["people"]["mine"]
    for status in ("queued", "delivered"):
        m = message_enqueue(
            person=person,
            kind="reminder",
            template_key="appointment_reminder_sms",
            recipient="07700 900123",
            personalisation={
                "first_name": "A",
                "day": "d",
                "time": "t",
                "where": "w",
                "practitioner": "p",
            },
            send_after=timezone.now(),
        )
        Message.objects.filter(pk=m.pk).update(status=status)
    client.force_login(org["staff"]["practitioner"])
    html = client.get(f"/people/{person.crn}/messages/?status=delivered").content.decode()
    assert html.count("rem-") == 1
    assert "07700" not in html  # numbers stay off the list
