"""Agenda templates as data (issue 19): MAPPA level 2 and 3 meetings carry a standing
vulnerability item (the MAPPA effective-practice guide's Basingstoke example), and the meeting
page shows the agenda."""

import datetime as dt

import pytest
from django.utils import timezone

from safeguard.meetings import catalogue
from safeguard.meetings.models import Meeting, MeetingType

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("code", ["MAPPA_L2", "MAPPA_L3"])
def test_mappa_level_2_and_3_have_a_standing_vulnerability_item(code):
    agenda = MeetingType.objects.get(code=code).agenda
    item = next(i for i in agenda if i["key"] == "vulnerability")
    assert item["standing"] is True
    assert "risk to self" in item["description"].lower()
    assert "safeguarding" in item["description"].lower()


def test_every_meeting_type_has_an_agenda_loaded_from_the_data_file():
    data = {t["code"]: t for t in catalogue.meeting_types()}
    for meeting_type in MeetingType.objects.all():
        assert meeting_type.agenda == data[meeting_type.code]["agenda"]
        assert meeting_type.agenda, meeting_type.code


def test_the_loader_is_re_runnable_and_puts_back_a_changed_agenda():
    MeetingType.objects.filter(code="MAPPA_L2").update(agenda=[])
    catalogue.load_agendas()
    catalogue.load_agendas()
    assert any(i["key"] == "vulnerability" for i in MeetingType.objects.get(code="MAPPA_L2").agenda)


def test_the_meeting_page_shows_the_agenda_with_the_vulnerability_item(client, org):
    meeting = Meeting.objects.create(
        meeting_type=MeetingType.objects.get(code="MAPPA_L2"),
        held_on=timezone.localdate() - dt.timedelta(days=2),
        pdu=org["team"].pdu,
        created_by=org["staff"]["practitioner"],
    )
    meeting.people.add(org["people"]["mine"])
    client.force_login(org["staff"]["practitioner"])
    html = client.get(f"/meetings/{meeting.pk}/").content.decode()
    assert "Agenda" in html
    assert "Vulnerability and risks to the person" in html
    assert "(standing item)" in html
