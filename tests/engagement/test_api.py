"""The engagement API: scoping, audit, problem+json for bad input, query counts."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from safeguard.core.models import AccessLogEntry
from safeguard.engagement.models import Appointment, CheckIn, ReminderPreferences
from safeguard.notify.models import Message
from tests.engagement.factories import AppointmentFactory, PastAppointmentFactory
from tests.factories import exclude
from tests.helpers import bearer

PROBLEM = "application/problem+json"


def soon(days=3, hour=14):
    return (timezone.localtime() + dt.timedelta(days=days)).replace(
        hour=hour, minute=0, second=0, microsecond=0
    )


@pytest.fixture
def person(org):
    person = org["people"]["mine"]
    person.mobile = "07700 900123"
    person.save()
    return person


def post(client, url, body, staff):
    return client.post(url, body, content_type="application/json", **bearer(staff))


@pytest.mark.django_db
def test_appointment_lifecycle_through_the_api(client, org, person):
    pp = org["staff"]["practitioner"]
    headers = bearer(pp)
    put = client.put(
        f"/api/v1/people/{person.crn}/reminder-preferences",
        {
            "channel": "sms",
            "lead_times_hours": [48, 2],
            "summary": "none",
            "consent": True,
            "version": 0,
        },
        content_type="application/json",
        **headers,
    )
    assert put.status_code == 200, put.content
    assert put.json()["mobile"] == "07700 900123" and put.json()["consent_recorded_at"]

    created = client.post(
        f"/api/v1/people/{person.crn}/appointments",
        {"starts_at": soon().isoformat(), "duration_minutes": 30, "kind": "phone"},
        content_type="application/json",
        **headers,
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["kind"] == "phone" and body["outcome"] == "" and body["crn"] == person.crn
    messages = client.get(f"/api/v1/people/{person.crn}/messages", **headers).json()
    assert len(messages) == 2
    assert {m["status"] for m in messages} == {"queued"}
    assert all(m["reference"].startswith("rem-") for m in messages)
    assert set(messages[0]) >= {
        "status",
        "channel",
        "template",
        "reference",
        "scheduled_for",
        "sent_at",
    }

    moved = client.post(
        f"/api/v1/appointments/{body['id']}/reschedule",
        {"starts_at": soon(days=5).isoformat(), "reason": "Clash", "requested_by": "person"},
        content_type="application/json",
        **headers,
    )
    assert moved.status_code == 201 and moved.json()["rescheduled_from_id"] == body["id"]
    filtered = client.get(
        f"/api/v1/people/{person.crn}/messages?status=withdrawn", **headers
    ).json()
    assert len(filtered) == 2

    cancelled = client.post(
        f"/api/v1/appointments/{moved.json()['id']}/cancel",
        {"reason": "Unwell", "cancelled_by": "person"},
        content_type="application/json",
        **headers,
    )
    assert cancelled.status_code == 200 and cancelled.json()["outcome"] == "cancelled_by_person"
    listing = client.get(f"/api/v1/people/{person.crn}/appointments", **headers).json()
    assert [a["outcome"] for a in listing] == ["cancelled_by_person", "rescheduled"]
    assert (
        AccessLogEntry.objects.filter(person=person, channel="api", action="change_person").count()
        >= 4
    )


@pytest.mark.django_db
def test_recording_an_outcome(client, org, person):
    past = PastAppointmentFactory(person=person)
    response = post(
        client,
        f"/api/v1/appointments/{past.pk}/outcome",
        {"outcome": "failed_to_attend"},
        org["staff"]["practitioner"],
    )
    assert response.status_code == 200 and response.json()["outcome"] == "failed_to_attend"
    again = post(
        client,
        f"/api/v1/appointments/{past.pk}/outcome",
        {"outcome": "attended"},
        org["staff"]["practitioner"],
    )
    assert again.status_code == 422 and again["Content-Type"] == PROBLEM


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"starts_at": "tomorrow", "kind": "phone"}, "starts_at"),
        ({"starts_at": soon().isoformat(), "kind": "seance"}, "kind"),
        ({"starts_at": soon().isoformat(), "kind": "office"}, "location"),
        (
            {"starts_at": soon().isoformat(), "kind": "phone", "duration_minutes": 9999},
            "duration_minutes",
        ),
        ({"starts_at": "2020-01-01T10:00:00+00:00", "kind": "phone"}, "starts_at"),
        ({"kind": "phone"}, "starts_at"),
    ],
)
def test_bad_appointments_are_422_naming_the_field(client, org, person, payload, field):
    response = post(
        client, f"/api/v1/people/{person.crn}/appointments", payload, org["staff"]["practitioner"]
    )
    assert response.status_code == 422
    assert response["Content-Type"] == PROBLEM
    assert field in [e["field"] for e in response.json()["errors"]]
    assert not Appointment.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("payload", "field"),
    [
        (
            {
                "channel": "sms",
                "mobile": "01632 960 001",
                "lead_times_hours": [48],
                "consent": True,
            },
            "mobile",
        ),
        (
            {"channel": "sms", "mobile": "not a number", "lead_times_hours": [48], "consent": True},
            "mobile",
        ),
        (
            {
                "channel": "email",
                "email": "nobody-at-example",
                "lead_times_hours": [48],
                "consent": True,
            },
            "email",
        ),
        ({"channel": "sms", "lead_times_hours": [48], "consent": False}, "consent"),
        ({"channel": "sms", "lead_times_hours": [0], "consent": True}, "lead_times_hours"),
        ({"channel": "sms", "lead_times_hours": [], "consent": True}, "lead_times_hours"),
        ({"channel": "fax", "lead_times_hours": [48], "consent": True}, "channel"),
        (
            {"channel": "sms", "lead_times_hours": [48], "summary": "daily", "consent": True},
            "summary",
        ),
    ],
)
def test_bad_preferences_are_422_naming_the_field(client, org, person, payload, field):
    response = client.put(
        f"/api/v1/people/{person.crn}/reminder-preferences",
        {**payload, "version": 0},
        content_type="application/json",
        **bearer(org["staff"]["practitioner"]),
    )
    assert response.status_code == 422, response.content
    assert response["Content-Type"] == PROBLEM
    assert field in [e["field"] for e in response.json()["errors"]]
    assert not ReminderPreferences.objects.exists()
    person.refresh_from_db()
    assert person.mobile == "07700 900123"


@pytest.mark.django_db
def test_check_ins_through_the_api_never_reveal_the_link(client, org, person):
    headers = bearer(org["staff"]["practitioner"])
    created = client.post(
        f"/api/v1/people/{person.crn}/check-ins",
        {"channel": "sms"},
        content_type="application/json",
        **headers,
    )
    assert created.status_code == 201
    body = created.json()
    assert set(body) >= {"id", "expires_at"}
    assert "token" not in created.content.decode() and "/check-in/" not in created.content.decode()
    listing = client.get(f"/api/v1/people/{person.crn}/check-ins", **headers).json()
    assert [c["id"] for c in listing] == [body["id"]]
    assert listing[0]["message_status"] == "queued"
    bad = client.post(
        f"/api/v1/people/{person.crn}/check-ins",
        {"channel": "pigeon"},
        content_type="application/json",
        **headers,
    )
    assert bad.status_code == 422 and bad["Content-Type"] == PROBLEM


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("staff_key", "read", "write"),
    [
        ("practitioner", 200, 201),
        ("spo", 200, 201),
        ("national", 200, 403),
        ("inspector", 200, 403),
        ("other_team_pp", 404, 404),
        ("far_regional", 404, 404),
    ],
)
def test_the_api_is_scoped_like_the_pages(client, org, person, staff_key, read, write):
    staff = org["staff"][staff_key]
    headers = bearer(staff)
    for path in ("appointments", "reminder-preferences", "messages", "check-ins"):
        response = client.get(f"/api/v1/people/{person.crn}/{path}", **headers)
        assert response.status_code == read, path
    created = client.post(
        f"/api/v1/people/{person.crn}/appointments",
        {"starts_at": soon().isoformat(), "kind": "phone"},
        content_type="application/json",
        **headers,
    )
    assert created.status_code == write
    if write != 201:
        assert created["Content-Type"] == PROBLEM


@pytest.mark.django_db
def test_appointment_ids_outside_scope_are_404(client, org):
    far = AppointmentFactory(person=org["people"]["far"])
    mine = AppointmentFactory(person=org["people"]["colleagues"])
    exclude(org["people"]["colleagues"], org["staff"]["practitioner"])
    for appointment in (far, mine):
        for action, body in (
            ("cancel", {"reason": "x"}),
            ("reschedule", {"starts_at": soon().isoformat(), "reason": "x"}),
            ("outcome", {"outcome": "attended"}),
        ):
            response = post(
                client,
                f"/api/v1/appointments/{appointment.pk}/{action}",
                body,
                org["staff"]["practitioner"],
            )
            assert response.status_code == 404, (appointment, action)
            assert response["Content-Type"] == PROBLEM
    assert AccessLogEntry.objects.filter(
        action="refused", detail__startswith="appointment"
    ).exists()


@pytest.mark.django_db
def test_no_token_is_401(client, org, person):
    assert client.get(f"/api/v1/people/{person.crn}/appointments").status_code == 401


@pytest.mark.django_db
def test_listing_appointments_runs_a_fixed_number_of_queries(client, org, person):
    headers = bearer(org["staff"]["practitioner"])

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert (
                client.get(f"/api/v1/people/{person.crn}/appointments", **headers).status_code
                == 200
            )
        return len(ctx.captured_queries)

    AppointmentFactory(person=person)
    before = count()
    for days in range(1, 20):
        AppointmentFactory(person=person, starts_at=timezone.now() + dt.timedelta(days=days))
    assert count() == before


@pytest.mark.django_db
def test_openapi_documents_the_engagement_routes(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    for path in (
        "/api/v1/people/{crn}/appointments",
        "/api/v1/appointments/{appointment_id}/reschedule",
        "/api/v1/people/{crn}/reminder-preferences",
        "/api/v1/people/{crn}/messages",
        "/api/v1/people/{crn}/check-ins",
    ):
        assert path in paths


@pytest.mark.django_db
def test_messages_and_check_ins_lists_are_what_they_say(client, org, person):
    CheckIn.objects.all().delete()
    Message.objects.all().delete()
    headers = bearer(org["staff"]["practitioner"])
    assert client.get(f"/api/v1/people/{person.crn}/messages", **headers).json() == []
    assert client.get(f"/api/v1/people/{person.crn}/check-ins", **headers).json() == []
    bad = client.get(f"/api/v1/people/{person.crn}/messages?limit=0", **headers)
    assert bad.status_code == 422 and "limit" in [e["field"] for e in bad.json()["errors"]]


@pytest.mark.django_db
def test_after_a_death_the_api_books_nothing_and_sends_no_check_in(client, org, person):
    """The issue's first finding: after a death the API booked an appointment and sent a
    check-in link to the dead person's phone. Both are refused now, and nothing is queued."""
    from tests.learning.helpers import record_death

    pp = org["staff"]["practitioner"]
    record_death(person, org["staff"]["spo"])
    queued_before = Message.objects.filter(status="queued").count()
    booked = post(
        client,
        f"/api/v1/people/{person.crn}/appointments",
        {"kind": "phone", "starts_at": soon().isoformat(), "duration_minutes": 30},
        pp,
    )
    assert booked.status_code == 409, booked.content
    assert booked["Content-Type"] == PROBLEM
    assert "died" in booked.json()["detail"]
    check_in = post(client, f"/api/v1/people/{person.crn}/check-ins", {"channel": "sms"}, pp)
    assert check_in.status_code == 409, check_in.content
    preferences = client.put(
        f"/api/v1/people/{person.crn}/reminder-preferences",
        {"channel": "sms", "lead_times_hours": [48], "consent": True, "version": 0},
        content_type="application/json",
        **bearer(pp),
    )
    assert preferences.status_code == 409
    assert not Appointment.objects.filter(person=person).exists()
    assert not CheckIn.objects.filter(person=person).exists()
    assert Message.objects.filter(status="queued").count() == queued_before


@pytest.mark.django_db
def test_reminder_preferences_from_a_stale_read_are_refused(client, org, person):
    """Two people edit the reminders at once: the second, starting from the old version, is
    refused with 409 and the first one's mobile stays."""
    pp = org["staff"]["practitioner"]
    headers = bearer(pp)
    url = f"/api/v1/people/{person.crn}/reminder-preferences"
    start = client.get(url, **headers).json()
    first = client.put(
        url,
        {
            "channel": "sms",
            "lead_times_hours": [48],
            "consent": True,
            "mobile": "07700 900456",
            "version": start["version"],
            "person_version": start["person_version"],
        },
        content_type="application/json",
        **headers,
    )
    assert first.status_code == 200, first.content
    assert first.json()["version"] == start["version"] + 1
    stale = client.put(
        url,
        {
            "channel": "sms",
            "lead_times_hours": [2],
            "consent": True,
            "mobile": "07700 900123",
            "version": start["version"],
            "person_version": start["person_version"],
        },
        content_type="application/json",
        **headers,
    )
    assert stale.status_code == 409 and stale["Content-Type"] == PROBLEM
    person.refresh_from_db()
    assert person.mobile == "07700 900456"
    assert ReminderPreferences.objects.get(person=person).lead_times_hours == [48]
    missing = client.put(
        url,
        {"channel": "sms", "lead_times_hours": [2], "consent": True},
        content_type="application/json",
        **headers,
    )
    assert missing.status_code == 422
    assert "version" in [e["field"] for e in missing.json()["errors"]]
