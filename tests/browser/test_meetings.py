"""A practitioner records a MARAC, its attendance and an action; the pages pass axe, and a
colleague excluded from the person discussed cannot open the meeting."""

import pytest

from safeguard.core.models import Role
from safeguard.meetings.models import Meeting, MeetingAction
from tests.browser.conftest import assert_accessible, sign_in
from tests.factories import PASSWORD, PersonFactory, StaffFactory, exclude

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_record_a_meeting_its_attendance_and_an_action(page, live_server, home_team):
    pp = StaffFactory(username="mtg.pp", role=Role.PRACTITIONER, teams=[home_team])
    other = StaffFactory(username="mtg.other", role=Role.PRACTITIONER, teams=[home_team])
    person = PersonFactory(crn="G000001", team=home_team, practitioner=pp, last_name="Okafor")
    exclude(person, other)

    sign_in(page, live_server.url, "mtg.pp", PASSWORD)
    page.goto(f"{live_server.url}/meetings/new/?crn=G000001")
    assert_accessible(page)
    page.select_option("#id_meeting_type", "MARAC")
    page.check("input[name=agencies] >> nth=0")  # the date is today's already
    page.click("button:text('Record meeting')")
    page.wait_for_selector("text=Agencies invited")
    assert_accessible(page)
    meeting = Meeting.objects.get()

    page.check("input[name=attended] >> nth=0")
    page.click("button:text('Save attendance')")
    page.wait_for_selector("text=Attendance saved")
    meeting.refresh_from_db()
    assert meeting.version == 2 and meeting.attendance.filter(attended=True).count() == 1

    page.goto(f"{live_server.url}/meetings/")
    assert_accessible(page)
    assert page.locator("text=G000001").count() == 1

    page.context.clear_cookies()
    sign_in(page, live_server.url, "mtg.other", PASSWORD)
    response = page.goto(f"{live_server.url}/meetings/{meeting.pk}/")
    assert response.status == 404
    page.goto(f"{live_server.url}/meetings/")
    assert page.locator("text=G000001").count() == 0
    assert not MeetingAction.objects.exists()
