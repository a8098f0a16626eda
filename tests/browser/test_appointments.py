"""A practitioner books, moves and records appointments and sets reminders, in a real browser
with axe-core checks."""

import datetime as dt

import pytest
from django.utils import timezone

from safeguard.core.models import Role
from safeguard.engagement.models import Appointment, ReminderPreferences
from safeguard.notify.models import Message
from tests.browser.conftest import assert_accessible, fill_date, sign_in
from tests.factories import PASSWORD, PersonFactory, StaffFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _only_engagement_rules(registries):
    registries.work_item_rules.limit_to("engagement")


def test_book_remind_move_and_record(page, live_server, home_team):
    pp = StaffFactory(username="appt.pp", role=Role.PRACTITIONER, teams=[home_team])
    PersonFactory(crn="F000001", team=home_team, practitioner=pp, last_name="Okoye")
    sign_in(page, live_server.url, "appt.pp", PASSWORD)
    page.goto(f"{live_server.url}/people/F000001/")
    page.click("text=Appointments, reminders and travel support")
    page.wait_for_selector("h1:text('Appointments')")
    assert_accessible(page)

    page.click("text=Reminder preferences")
    page.select_option("#id_channel", "sms")
    page.fill("#id_mobile", "07700 900 456")
    page.click("button:text('Save preferences')")  # no consent yet
    page.wait_for_selector(".govuk-error-summary")
    assert_accessible(page)
    page.check("#id_consent")
    page.click("button:text('Save preferences')")
    page.wait_for_selector("#reminder-summary")
    assert ReminderPreferences.objects.get().consent

    day = (timezone.localdate() + dt.timedelta(days=6)).strftime("%d/%m/%Y")
    page.click("text=Book an appointment")
    page.select_option("#id_kind", "office")
    fill_date(page, "date", day)
    page.fill("#id_time", "2:30pm")
    page.click("button:text('Book appointment')")  # no place for an office appointment
    page.wait_for_selector(".govuk-error-summary")
    assert_accessible(page)
    page.fill("#id_location", "Probation office, 1 Test Street")
    page.click("button:text('Book appointment')")
    page.wait_for_selector("text=Appointment booked")
    assert_accessible(page)
    appointment = Appointment.objects.get()
    assert (
        Message.objects.filter(topic=f"appointment:{appointment.pk}", status="queued").count() == 2
    )

    page.click("a:text('Move')")
    fill_date(page, "date", day)
    page.fill("#id_time", "10:00")
    page.select_option("#id_moved_by", "person")
    page.fill("#id_reason", "Hospital appointment that afternoon")
    assert_accessible(page)
    page.click("button:text('Move appointment')")
    page.wait_for_selector("text=Appointment moved")
    assert Appointment.objects.filter(outcome="rescheduled").count() == 1
    assert Message.objects.filter(kind="change", template="appointment_moved_sms").exists()

    page.goto(f"{live_server.url}/appointments/")
    page.wait_for_selector("h1:text('Appointments')")
    assert "Okoye" in page.inner_text("main")
    assert_accessible(page)
