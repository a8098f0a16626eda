"""A meeting in year 1, an action due in 9999 and text with control or bidi characters are
refused in the GOV.UK error summary, and nothing is written (issue 13)."""

import datetime as dt

import pytest

from safeguard.meetings.models import MeetingAction
from tests.meetings.test_meetings import TODAY, agencies, create, d, nothing_written

__all__ = ["agencies"]


def meeting_data(org, agencies, **changes):
    data = {
        "meeting_type": "MARAC",
        "held_on": d(TODAY),
        "pdu": org["team"].pdu_id,
        "people": "A000001",
        "agencies": [agencies["police"].pk],
    }
    data.update(changes)
    return data


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"held_on": "01/01/0001"}, "Date of the meeting must be between 1 January 2000"),
        ({"held_on": "31/12/9999"}, "Date of the meeting must be between 1 January 2000"),
        ({"held_on": "31/12/1999"}, "Date of the meeting must be between 1 January 2000"),
        ({"notes": "Notes \u202eesrever"}, "U+202E"),
        ({"chair": "Chair\x00"}, "U+0000"),
        ({"notes": "\u2067isolated\u2069"}, "U+2067"),
    ],
)
def test_a_meeting_out_of_range_or_with_unsafe_text_is_refused(
    client, org, agencies, changes, message
):
    client.force_login(org["staff"]["practitioner"])
    response = client.post("/meetings/new/", meeting_data(org, agencies, **changes))
    assert response.status_code == 200
    html = response.content.decode()
    assert "govuk-error-summary" in html and message in html
    assert nothing_written()


@pytest.mark.django_db
def test_notes_with_newlines_and_tabs_are_kept(client, org, agencies):
    client.force_login(org["staff"]["practitioner"])
    response = client.post("/meetings/new/", meeting_data(org, agencies, notes="One\r\nTwo\tthree"))
    assert response.status_code == 302


@pytest.mark.django_db
@pytest.mark.parametrize("due_on", ["31/12/9999", "01/01/0001"])
def test_an_action_due_in_9999_is_refused(client, org, agencies, due_on):
    meeting = create(org, agencies)
    client.force_login(org["staff"]["practitioner"])
    response = client.post(
        f"/meetings/{meeting.pk}/actions/",
        {
            "owner_agency": agencies["police"].pk,
            "description": "Visit",
            "due_on": due_on,
        },
    )
    assert response.status_code == 200
    assert "Due date must be between 1 January 2000" in response.content.decode()
    assert not MeetingAction.objects.exists()


def test_the_event_window_reaches_three_years_ahead():
    from safeguard.core import bounds

    window = bounds.window("event", dt.date(2028, 2, 29))
    assert window.latest == dt.date(2031, 2, 28) and window.earliest == dt.date(2000, 1, 1)
