"""Caseload, search and person pages: what a practitioner sees, bad input and query counts."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from safeguard.core.models import AccessLogEntry
from safeguard.people.models import Allocation, AllocationReason, Person
from tests.factories import InCustodyPersonFactory, NoFixedAbodePersonFactory, PersonFactory


@pytest.mark.django_db
def test_practitioner_sees_their_own_caseload_first(client, org):
    client.force_login(org["staff"]["practitioner"])
    response = client.get("/caseload/")
    assert b"My cases" in response.content
    assert b"/people/A000001/" in response.content
    assert b"/people/A000002/" not in response.content  # a colleague's case
    team = client.get("/caseload/?scope=team")
    assert b"/people/A000002/" in team.content


@pytest.mark.django_db
def test_spo_sees_the_team_and_head_of_pdu_the_pdu(client, org):
    client.force_login(org["staff"]["spo"])
    spo_page = client.get("/caseload/").content
    assert b"/people/A000001/" in spo_page and b"/people/A000002/" in spo_page
    assert b"/people/A000003/" not in spo_page
    client.force_login(org["staff"]["head"])
    head_page = client.get("/caseload/").content
    assert b"/people/A000003/" in head_page and b"/people/A000004/" not in head_page


@pytest.mark.django_db
def test_flags_filter_the_caseload(client, org):
    pp = org["staff"]["practitioner"]
    release = InCustodyPersonFactory(team=org["team"], practitioner=pp, crn="B000001")
    nfa = NoFixedAbodePersonFactory(team=org["team"], practitioner=pp, crn="B000002")
    client.force_login(pp)
    page = client.get("/caseload/?flag=release_12_weeks").content
    assert f"/people/{release.crn}/".encode() in page
    assert f"/people/{nfa.crn}/".encode() not in page
    page = client.get("/caseload/?flag=no_fixed_abode").content
    assert f"/people/{nfa.crn}/".encode() in page
    assert b"/people/A000001/" not in page


@pytest.mark.django_db
def test_sorting_by_column_and_ignoring_unknown_parameters(client, org):
    client.force_login(org["staff"]["spo"])
    ascending = client.get("/caseload/?sort=name").content
    descending = client.get("/caseload/?sort=name&order=desc").content
    assert ascending.index(b"Colleague") < ascending.index(b"Mine")
    assert descending.index(b"Mine") < descending.index(b"Colleague")
    assert b'aria-sort="descending"' in descending
    for junk in ("sort=;drop", "team=abc", "team=999999", "flag=nope", "page=-3", "scope=all"):
        assert client.get(f"/caseload/?{junk}").status_code == 200


@pytest.mark.django_db
def test_team_filter_cannot_reach_outside_scope(client, org, far_team):
    client.force_login(org["staff"]["practitioner"])
    page = client.get(f"/caseload/?scope=team&team={far_team.pk}").content
    assert b"/people/A000004/" not in page


@pytest.mark.django_db
def test_search_finds_by_crn_and_by_name_within_scope(client, org):
    client.force_login(org["staff"]["practitioner"])
    by_crn = client.post("/search/", {"q": "a000002"}).content
    assert b"/people/A000002/" in by_crn
    by_name = client.post("/search/", {"q": "alex coll"}).content
    assert b"/people/A000002/" in by_name
    outside = client.post("/search/", {"q": "Faraway"}).content
    assert b"/people/A000004/" not in outside


@pytest.mark.django_db
@pytest.mark.parametrize("query", ["", " ", "a"])
def test_search_with_bad_input_shows_the_error_summary(client, org, query):
    client.force_login(org["staff"]["practitioner"])
    response = client.post("/search/", {"q": query})
    assert response.status_code == 200
    assert b"govuk-error-summary" in response.content
    assert b'href="#id_q"' in response.content
    assert not AccessLogEntry.objects.filter(action="search").exists()


@pytest.mark.django_db
def test_person_page_shows_details_allocation_history_and_risk(client, org):
    pp, colleague = org["staff"]["practitioner"], org["staff"]["colleague"]
    person = org["people"]["mine"]
    Allocation.objects.filter(person=person).update(started_on=dt.date(2025, 9, 1))
    Allocation.objects.create(
        person=person,
        practitioner=colleague,
        team=org["team"],
        started_on=dt.date(2025, 6, 1),
        ended_on=dt.date(2025, 9, 1),
        reason=AllocationReason.PRACTITIONER_LEFT,
    )
    Person.objects.filter(pk=person.pk).update(
        rosh_level="high", mappa_category=2, mappa_level=1, interpreter_language="Polish"
    )
    client.force_login(pp)
    html = client.get(f"/people/{person.crn}/").content.decode()
    for text in (
        "Practitioner left or moved post",
        colleague.display_name,
        "Category 2: violent offender",
        "Level 1: ordinary agency management",
        "Polish",
        "High",
    ):
        assert text in html


@pytest.mark.django_db
def test_person_page_has_an_identity_bar_and_a_link_to_each_section(client, org):
    """The MoJ identity bar names the person and CRN; the sub-navigation links to each
    section's heading, and every link lands on a heading that is on the page."""
    import re

    person = org["people"]["mine"]
    client.force_login(org["staff"]["practitioner"])
    html = client.get(f"/people/{person.crn}/").content.decode()
    bar = html.split('class="moj-identity-bar', 1)[1].split("</h1>", 1)[0]
    assert f"CRN {person.crn}" in bar and person.full_name in bar
    nav = html.split('class="moj-sub-navigation', 1)[1].split("</nav>", 1)[0]
    targets = re.findall(r'href="#([\w-]+)"', nav)
    assert {"registrations-heading", "referrals-heading", "personal-details-heading"} <= set(
        targets
    )
    for target in targets:
        assert f'id="{target}"' in html, target


@pytest.mark.django_db
def test_caseload_page_runs_a_fixed_number_of_queries(client, org):
    spo = org["staff"]["spo"]
    client.force_login(spo)

    def count_queries():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/caseload/").status_code == 200
        return len(ctx.captured_queries)

    client.get("/caseload/")  # warm the session
    small = count_queries()
    for i in range(30):
        PersonFactory(team=org["team"], practitioner=spo if i % 2 else None)
    assert count_queries() == small


@pytest.mark.django_db
def test_person_page_runs_a_fixed_number_of_queries(client, org):
    pp, person = org["staff"]["practitioner"], org["people"]["mine"]
    client.force_login(pp)

    def count_queries():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(f"/people/{person.crn}/").status_code == 200
        return len(ctx.captured_queries)

    client.get(f"/people/{person.crn}/")
    before = count_queries()
    for year in range(2010, 2020):
        Allocation.objects.create(
            person=person,
            practitioner=org["staff"]["colleague"],
            team=org["team"],
            started_on=dt.date(year, 1, 1),
            ended_on=dt.date(year, 12, 31),
            reason=AllocationReason.WORKLOAD,
        )
    assert count_queries() == before
