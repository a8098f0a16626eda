"""Patterns and words staff read: times as GOV.UK writes them, role names as people say them,
escalations by who holds them, honest message statuses and no developer text on their pages."""

import datetime as dt
import re
import zoneinfo

import pytest
from django.template import Context, Template
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from safeguard.core.dates import govuk_time
from safeguard.engagement.models import Appointment
from safeguard.notify import gateway
from safeguard.notify.models import FOR_ADMINISTRATORS, Message, MessageStatus, staff_reason
from safeguard.notify.services import message_enqueue
from tests.engagement.factories import AppointmentFactory

LONDON = zoneinfo.ZoneInfo("Europe/London")


def render(source: str, **context) -> str:
    return Template(source).render(Context(context))


@pytest.mark.parametrize(
    ("hour", "minute", "text"),
    [
        (14, 22, "2:22pm"),
        (10, 0, "10am"),
        (12, 0, "midday"),
        (0, 0, "midnight"),
        (0, 5, "12:05am"),
        (12, 30, "12:30pm"),
        (9, 7, "9:07am"),
        (23, 59, "11:59pm"),
    ],
)
def test_times_are_written_the_govuk_way(hour, minute, text):
    moment = dt.datetime(2026, 12, 7, hour, minute, tzinfo=LONDON)
    assert govuk_time(moment) == text
    assert render("{{ t|govuk_time }}", t=moment) == text


@given(st.datetimes(timezones=st.just(dt.UTC)))
def test_a_time_never_has_full_stops_spaces_or_24_hour_figures(moment):
    text = govuk_time(moment)
    assert re.fullmatch(r"midday|midnight|(1[0-2]|[1-9])(:[0-5][0-9])?(am|pm)", text), text


def test_the_filter_uses_uk_time_and_is_empty_for_nothing():
    summer = dt.datetime(2026, 7, 1, 13, 22, tzinfo=dt.UTC)  # 2:22pm in London (BST)
    assert render("{{ t|govuk_time }}", t=summer) == "2:22pm"
    assert render("{{ t|govuk_time }}", t=None) == ""


def test_no_template_writes_a_time_any_other_way():
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "safeguard" / "templates"
    offenders = []
    for path in root.rglob("*.html"):
        if "referrals" in path.parts:  # the referral form and page are being redone (issue 17.1)
            continue
        text = path.read_text()
        if re.search(r'\|(date|time):"[^"]*(H:i|g:i|[^\\]a"|P")', text):
            offenders.append(path.name)
    assert not offenders


@pytest.mark.parametrize(
    ("label", "text"),
    [
        ("Head of PDU", "head of PDU"),
        ("Senior probation officer", "senior probation officer"),
        ("MAPPA meeting", "MAPPA meeting"),
        ("", ""),
    ],
)
def test_role_names_keep_their_acronyms_mid_sentence(label, text):
    assert render("{{ v|lower_first }}", v=label) == text


def test_escalations_are_named_by_who_holds_them():
    source = "{% load escalations %}{{ 1|escalation_holder }}/{{ 2|escalation_holder }}/{{ 9|escalation_holder }}"
    assert render(source) == "Senior probation officer/Head of PDU/Not known"


def test_developer_reasons_become_plain_words_for_staff():
    assert staff_reason(gateway.NOT_CONFIGURED_TEXT) == FOR_ADMINISTRATORS
    assert "NOTIFY" not in FOR_ADMINISTRATORS and "manage.py" not in FOR_ADMINISTRATORS
    assert staff_reason("Withdrawn: the appointment was moved") == (
        "Withdrawn: the appointment was moved"
    )
    assert staff_reason("") == ""


@pytest.mark.django_db
def test_the_messages_page_and_api_say_queued_and_never_name_a_setting(client, org, settings):
    from tests.helpers import bearer

    person = org["people"]["mine"]
    message = message_enqueue(
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
    Message.objects.filter(pk=message.pk).update(status_reason=gateway.NOT_CONFIGURED_TEXT)
    client.force_login(org["staff"]["practitioner"])
    html = client.get(f"/people/{person.crn}/messages/").content.decode()
    assert ">Queued</strong>" in html
    assert "NOTIFY_API_KEY" not in html and "manage.py" not in html
    assert FOR_ADMINISTRATORS in html
    api = client.get(
        f"/api/v1/people/{person.crn}/messages", **bearer(org["staff"]["practitioner"])
    )
    assert api.status_code == 200
    assert "NOTIFY_API_KEY" not in api.content.decode()
    Message.objects.filter(pk=message.pk).update(status=MessageStatus.SENT, status_reason="")
    assert ">Sent</strong>" in client.get(f"/people/{person.crn}/messages/").content.decode()
    Message.objects.filter(pk=message.pk).update(status=MessageStatus.DELIVERED)
    assert ">Delivered</strong>" in client.get(f"/people/{person.crn}/messages/").content.decode()


@pytest.mark.django_db
def test_a_cancelled_appointment_says_who_cancelled_it_once(client, org):
    person = org["people"]["mine"]
    client.force_login(org["staff"]["practitioner"])
    appointment = AppointmentFactory(person=person)
    response = client.post(
        f"/people/{person.crn}/appointments/{appointment.pk}/cancel/",
        {"moved_by": "person", "reason": "Hospital appointment"},
    )
    assert response.status_code == 302
    assert Appointment.objects.get(pk=appointment.pk).outcome == "cancelled_by_person"
    html = client.get(f"/people/{person.crn}/appointments/").content.decode()
    assert "Cancelled by the person" in html
    assert "by the person by the person" not in re.sub(r"<[^>]+>|\s+", " ", html).replace("  ", " ")
