"""The duty rota pages: SPOs and heads of PDU list, add and remove entries; bad input is shown
in the GOV.UK error summary; another team's rota is not found; every change is audited."""

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from safeguard.alerts.models import DutyRotaEntry
from safeguard.alerts.policy import LONDON
from safeguard.core.models import AccessLogEntry

pytestmark = pytest.mark.django_db


def day(n=1):
    return timezone.localdate() + dt.timedelta(days=n)


def form(staff, *, start=None, end=None, starts_time="17:00", ends_time="09:00"):
    start = start or day(1)
    end = end or start + dt.timedelta(days=1)
    return {
        "staff": staff.pk,
        "starts_on": start.strftime("%d/%m/%Y"),
        "starts_time": starts_time,
        "ends_on": end.strftime("%d/%m/%Y"),
        "ends_time": ends_time,
    }


@pytest.fixture
def spo_client(staff):
    client = Client()
    client.force_login(staff["spo"])
    return client


def test_an_spo_adds_someone_and_sees_the_rota(spo_client, staff, org):
    url = f"/duty-rota/teams/{org['team'].pk}/"
    assert spo_client.get("/duty-rota/")["Location"] == url  # one team: straight to it
    response = spo_client.post(url, form(staff["colleague"]))
    assert response.status_code == 302 and response["Location"] == url
    entry = DutyRotaEntry.objects.get()
    assert entry.team == org["team"] and entry.staff == staff["colleague"]
    assert timezone.localtime(entry.starts_at).hour == 17
    assert entry.starts_at.tzinfo is not None
    assert entry.starts_at == dt.datetime.combine(day(1), dt.time(17), tzinfo=LONDON)
    audit = AccessLogEntry.objects.get(event="duty_rota.entry_added")
    assert audit.actor == staff["spo"] and audit.person is None
    assert audit.changes["new"]["staff"] == staff["colleague"].pk
    page = spo_client.get(url).content.decode()
    assert staff["colleague"].display_name in page and "Remove" in page
    assert 'href="/duty-rota/"' in page  # the navigation link


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"starts_on": "31/02/2027"}, "Enter a real date"),
        ({"starts_time": "25:00"}, "Enter a real time, like 14:30 or 2:30pm"),
        ({"ends_on": ""}, "Enter the end date"),
        ({"staff": ""}, "Choose who is on duty"),
        ({"staff": "999999"}, "Choose someone from the list"),
    ],
)
def test_bad_input_is_shown_in_the_error_summary(spo_client, staff, org, change, message):
    data = {**form(staff["colleague"]), **change}
    response = spo_client.post(f"/duty-rota/teams/{org['team'].pk}/", data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "There is a problem" in page and "govuk-error-summary" in page
    assert message in page
    assert not DutyRotaEntry.objects.exists()
    assert not AccessLogEntry.objects.filter(event__startswith="duty_rota").exists()


def test_the_end_must_come_after_the_start(spo_client, staff, org):
    data = form(staff["colleague"], start=day(2), end=day(2), starts_time="17:00", ends_time="9am")
    response = spo_client.post(f"/duty-rota/teams/{org['team'].pk}/", data)
    assert b"The end must be after the start" in response.content
    assert b'href="#id_ends_on"' in response.content
    assert not DutyRotaEntry.objects.exists()


def test_someone_outside_the_team_is_refused(spo_client, staff, org):
    from safeguard.alerts import services

    with pytest.raises(Exception, match="works in this team"):
        services.duty_rota_entry_add(
            staff_id=staff["other_team_pp"].pk,
            starts_at=dt.datetime.combine(day(1), dt.time(17), tzinfo=LONDON),
            ends_at=dt.datetime.combine(day(2), dt.time(9), tzinfo=LONDON),
            team_id=org["team"].pk,
            actor=staff["spo"],
        )
    # On the page they are not offered at all.
    page = spo_client.get(f"/duty-rota/teams/{org['team'].pk}/").content.decode()
    assert staff["other_team_pp"].display_name not in page


def test_overlapping_entries_are_refused(spo_client, staff, org):
    url = f"/duty-rota/teams/{org['team'].pk}/"
    spo_client.post(url, form(staff["colleague"], start=day(1), end=day(3)))
    clash = spo_client.post(url, form(staff["practitioner"], start=day(2), end=day(4)))
    assert clash.status_code == 200
    assert b"is already on duty from" in clash.content and b"cannot overlap" in clash.content
    assert DutyRotaEntry.objects.count() == 1
    # Back to back is fine: one ends at 09:00 as the next starts.
    after = spo_client.post(
        url, form(staff["practitioner"], start=day(3), end=day(4), starts_time="09:00")
    )
    assert after.status_code == 302 and DutyRotaEntry.objects.count() == 2


def test_removing_an_entry_is_a_post_with_csrf_and_is_audited(staff, org, spo_client):
    url = f"/duty-rota/teams/{org['team'].pk}/"
    spo_client.post(url, form(staff["colleague"]))
    entry = DutyRotaEntry.objects.get()
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(staff["spo"])
    assert strict.post(f"/duty-rota/entries/{entry.pk}/remove/").status_code == 403
    assert spo_client.get(f"/duty-rota/entries/{entry.pk}/remove/").status_code == 405
    response = spo_client.post(f"/duty-rota/entries/{entry.pk}/remove/")
    assert response.status_code == 302 and response["Location"] == url
    assert not DutyRotaEntry.objects.exists()
    audit = AccessLogEntry.objects.get(event="duty_rota.entry_removed")
    assert audit.actor == staff["spo"] and audit.changes["old"]["staff"] == staff["colleague"].pk


def test_another_teams_rota_is_not_found(staff, org):
    other_team = org["people"]["same_pdu"].team
    other_spo_client = Client()
    from safeguard.core.models import Role
    from tests.factories import StaffFactory

    other_spo = StaffFactory(role=Role.SENIOR_PROBATION_OFFICER, teams=[other_team])
    other_spo_client.force_login(other_spo)
    assert other_spo_client.get(f"/duty-rota/teams/{org['team'].pk}/").status_code == 404
    assert (
        other_spo_client.post(
            f"/duty-rota/teams/{org['team'].pk}/", form(staff["colleague"])
        ).status_code
        == 404
    )
    assert other_spo_client.get(f"/duty-rota/pdus/{org['team'].pdu_id}/").status_code == 404
    # Nor may they remove an entry on it.
    spo = Client()
    spo.force_login(staff["spo"])
    spo.post(f"/duty-rota/teams/{org['team'].pk}/", form(staff["colleague"]))
    entry = DutyRotaEntry.objects.get()
    assert other_spo_client.post(f"/duty-rota/entries/{entry.pk}/remove/").status_code == 404
    assert DutyRotaEntry.objects.exists()
    # A practitioner has no rota to manage at all.
    pp = Client()
    pp.force_login(staff["practitioner"])
    assert pp.get("/duty-rota/").status_code == 403
    assert b'href="/duty-rota/"' not in pp.get("/my-work/").content


def test_a_head_of_pdu_manages_the_pdu_rota_and_its_teams(staff, org):
    head = Client()
    head.force_login(staff["head"])
    index = head.get("/duty-rota/").content.decode()
    assert f"/duty-rota/pdus/{org['team'].pdu_id}/" in index
    assert f"/duty-rota/teams/{org['team'].pk}/" in index
    response = head.post(f"/duty-rota/pdus/{org['team'].pdu_id}/", form(staff["head"]))
    assert response.status_code == 302
    assert DutyRotaEntry.objects.get().pdu_id == org["team"].pdu_id


def test_the_page_warns_when_nobody_is_on_duty(spo_client, staff, org, monkeypatch):
    saturday_night = dt.datetime(2026, 3, 14, 23, 30, tzinfo=LONDON)
    monkeypatch.setattr(timezone, "now", lambda: saturday_night)
    page = spo_client.get(f"/duty-rota/teams/{org['team'].pk}/").content.decode()
    assert "Nobody is on duty now" in page
    assert "stretch" in page and "outside office hours in the next 7 days" in page
    DutyRotaEntry.objects.create(
        team=org["team"],
        staff=staff["colleague"],
        starts_at=saturday_night - dt.timedelta(hours=1),
        ends_at=saturday_night + dt.timedelta(hours=1),
        added_by=staff["spo"],
    )
    page = spo_client.get(f"/duty-rota/teams/{org['team'].pk}/").content.decode()
    assert "Nobody is on duty now" not in page
    assert staff["colleague"].display_name in page


def test_the_rota_page_costs_the_same_queries_however_long_the_rota(spo_client, staff, org):
    url = f"/duty-rota/teams/{org['team'].pk}/"

    def queries():
        with CaptureQueriesContext(connection) as ctx:
            assert spo_client.get(url).status_code == 200
        return len(ctx.captured_queries)

    spo_client.get(url)  # warm up (session, content types)
    spo_client.post(url, form(staff["colleague"], start=day(1), end=day(2)))
    few = queries()
    for n in range(3, 12, 2):
        spo_client.post(url, form(staff["practitioner"], start=day(n), end=day(n + 1)))
    assert DutyRotaEntry.objects.count() == 6
    assert queries() == few
    assert few <= 12
