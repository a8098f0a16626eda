"""Feeling safe: a person's wish not to be seen at the office, why, and the alternatives;
shown with the screen's adjustments when an appointment is booked; counted by office."""

import pytest
from django.core.exceptions import ValidationError

from safeguard.core.errors import StaleEdit
from safeguard.core.models import AccessLogEntry
from safeguard.pathways import services
from safeguard.pathways.insights import feeling_safe_by_office
from safeguard.pathways.models import OfficeWish
from tests.assessments.helpers import record_screen
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


def wish(person, actor, version=0, **kwargs):
    values = {"not_at_office": True, "reasons": ["safety"], "alternatives": ["phone"]} | kwargs
    return services.office_wish_record(person_id=person.pk, version=version, actor=actor, **values)


def test_record_and_change_the_wish(org):
    pp = org["staff"]["practitioner"]
    person = org["people"]["mine"]
    w = wish(person, pp, note="Someone who harmed them reports there")
    assert (w.not_at_office, w.reasons, w.alternatives, w.version) == (
        True,
        ["safety"],
        ["phone"],
        1,
    )
    with pytest.raises(StaleEdit):
        wish(person, pp, version=0)
    w = wish(person, pp, version=1, not_at_office=False)
    assert w.reasons == [] and w.alternatives == [] and w.history.count() == 2
    entry = AccessLogEntry.objects.filter(event="office_wish.recorded").order_by("pk").last()
    assert entry.changes["old"]["not_at_office"] is True
    assert entry.changes["new"]["not_at_office"] is False


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"reasons": []}, "reasons"),
        ({"reasons": ["boredom"]}, "reasons"),
        ({"alternatives": ["teleport"]}, "alternatives"),
        ({"note": "x" * 400}, "note"),
        ({"not_at_office": "yes"}, "not_at_office"),
    ],
)
def test_bad_input(org, kwargs, field):
    with pytest.raises(ValidationError) as refused:
        wish(org["people"]["mine"], org["staff"]["practitioner"], **kwargs)
    assert field in refused.value.message_dict
    assert not OfficeWish.objects.exists()


def test_booking_shows_the_wish_the_alternatives_and_the_screens_adjustments(client, org):
    pp = org["staff"]["practitioner"]
    person = org["people"]["mine"]
    client.force_login(pp)
    url = f"/people/{person.crn}/appointments/add/"
    assert 'id="feeling-safe"' not in client.get(url).content.decode()
    record_screen(person, pp, ld_adjustments="Text me the day before; a quiet room")
    wish(person, pp, reasons=["safety", "travel"], alternatives=["home_visit", "video"])
    html = client.get(url).content.decode()
    assert "does not want to be seen at the office" in html
    assert "safety, travel" in html and "Home visit" in html and "Video call" in html
    assert "Text me the day before; a quiet room" in html


def test_the_page_records_the_wish(client, org):
    pp = org["staff"]["practitioner"]
    person = org["people"]["mine"]
    client.force_login(pp)
    url = f"/people/{person.crn}/feeling-safe/"
    html = client.post(url, {"not_at_office": "yes", "version": "0"}).content.decode()
    assert "Say why the person does not want to be seen at the office" in html
    response = client.post(
        url,
        {"not_at_office": "yes", "reasons": ["health"], "alternatives": ["phone"], "version": "0"},
    )
    assert response.status_code == 302
    assert OfficeWish.objects.get().reasons == ["health"]
    html = client.get(f"/people/{person.crn}/pathways/").content.decode()
    assert "does not want to be seen at the office: health" in html


def test_counted_by_office(org, other_team_same_pdu):
    pp = org["staff"]["practitioner"]
    people = [PersonFactory(team=org["team"], practitioner=pp) for _ in range(8)]
    for _ in range(5):
        PersonFactory(team=other_team_same_pdu)
    for p in people[:5]:
        wish(p, pp, reasons=["safety", "health"])
    wish(people[5], pp, not_at_office=False)
    rows = {r["office"]: r for r in feeling_safe_by_office(user=org["staff"]["head"])}
    home = rows[org["team"].name]
    # 10 people in the team (8 here and 2 from org), 5 not wanting the office, all for safety
    # and health; travel is 0. The other team in the PDU has 6 people, none of them.
    assert home["people"] == 10 and home["not_at_office"] == 5 and home["because_safety"] == 5
    assert home["because_travel"] == 0 and home["not_at_office_rate"] == 50.0
    [other] = [r for name, r in rows.items() if name != org["team"].name]
    assert other["people"] == 6 and other["not_at_office"] == 0
