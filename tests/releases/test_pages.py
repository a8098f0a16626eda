"""Release pages: the board (scope, sort, gaps, query count), the plan page, updating an item,
recording the release, the person-page section; GOV.UK error summaries; the access log."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from safeguard.core.models import AccessLogEntry
from safeguard.releases.models import ReleasePlan, ReleasePlanItem
from tests.factories import RegistrationFactory, SentReferralFactory, exclude, restrict
from tests.releases.helpers import close_everything, in_custody, open_plan, set_item, today

pytestmark = pytest.mark.django_db


def board_rows(html):
    """The CRNs on the board, in the order shown."""
    import re

    return re.findall(r'href="/people/([A-Z]\d{6})/release-plan/"', html)


@pytest.fixture
def board(org, far_team):
    pp, colleague = org["staff"]["practitioner"], org["staff"]["colleague"]
    people = {
        "soon": in_custody(org["team"], pp, release_in_days=10, last_name="Soon", crn="R000001"),
        "later": in_custody(
            org["team"], colleague, release_in_days=60, last_name="Later", crn="R000002"
        ),
        "ready": in_custody(org["team"], pp, release_in_days=30, last_name="Ready", crn="R000003"),
        "far": in_custody(far_team, None, release_in_days=20, last_name="Far", crn="R000004"),
        "beyond": in_custody(org["team"], pp, release_in_days=100, crn="R000005"),
    }
    plans = {key: open_plan(p) for key, p in people.items()}
    close_everything(plans["ready"], pp)
    set_item(plans["later"], "gp_registration", "done", colleague)
    RegistrationFactory(person=people["soon"], code="ALSH")
    return people, plans


def test_the_board_lists_releases_due_with_readiness_and_gaps(client, org, board):
    people, plans = board
    client.force_login(org["staff"]["spo"])
    response = client.get("/releases/board/")
    assert response.status_code == 200
    html = response.content.decode()
    assert board_rows(html) == ["R000001", "R000003", "R000002"]  # by date; not far, not beyond
    assert "Night of release accommodation" in html and "Duty to refer (housing)" in html
    assert "At risk to self" in html
    assert "No accommodation for the night of release" in html  # soon: at risk, within 4 weeks
    assert "Ready" in html and "100%" in html
    assert "3 releases due" in html
    assert AccessLogEntry.objects.filter(
        actor=org["staff"]["spo"], action="list_people", detail__startswith="release board"
    ).exists()


def test_the_board_sorts_by_readiness_and_name_without_javascript(client, org, board):
    client.force_login(org["staff"]["spo"])
    html = client.get("/releases/board/?sort=readiness&order=asc").content.decode()
    assert board_rows(html) == ["R000001", "R000002", "R000003"]
    assert 'aria-sort="ascending"' in html and "sort=readiness&amp;order=desc" in html
    html = client.get("/releases/board/?sort=readiness&order=desc").content.decode()
    assert board_rows(html) == ["R000003", "R000002", "R000001"]
    html = client.get("/releases/board/?sort=name").content.decode()
    assert board_rows(html) == ["R000002", "R000003", "R000001"]
    html = client.get("/releases/board/?sort=date&order=desc").content.decode()
    assert board_rows(html) == ["R000002", "R000003", "R000001"]


def test_the_board_filters(client, org, board):
    client.force_login(org["staff"]["spo"])
    assert board_rows(client.get("/releases/board/?at_risk=1").content.decode()) == ["R000001"]
    html = client.get("/releases/board/?no_night_accommodation=1").content.decode()
    assert board_rows(html) == ["R000001", "R000002"]
    for junk in ("sort=nope", "order=sideways", "team=abc", "team=999999", "page=x", "at_risk=yes"):
        assert client.get(f"/releases/board/?{junk}").status_code == 200


@pytest.mark.parametrize(
    ("staff_key", "expected"),
    [
        ("spo", ["R000001", "R000003", "R000002"]),
        ("head", ["R000001", "R000003", "R000002"]),
        ("regional", ["R000001", "R000003", "R000002"]),
        ("far_regional", ["R000004"]),
        ("national", ["R000001", "R000004", "R000003", "R000002"]),
        ("inspector", ["R000001", "R000004", "R000003", "R000002"]),
    ],
)
def test_the_board_is_scoped(client, org, board, staff_key, expected):
    client.force_login(org["staff"][staff_key])
    assert board_rows(client.get("/releases/board/").content.decode()) == expected


def test_practitioners_and_no_role_do_not_get_the_board(client, org, board):
    for key in ("practitioner", "no_role"):
        client.force_login(org["staff"][key])
        assert client.get("/releases/board/").status_code == 403


def test_limited_access_cases_are_left_off_the_board(client, org, board):
    people, _ = board
    exclude(people["soon"], org["staff"]["national"])
    restrict(people["later"], org["staff"]["colleague"])
    client.force_login(org["staff"]["national"])
    assert board_rows(client.get("/releases/board/").content.decode()) == ["R000004", "R000003"]


def test_the_board_query_count_does_not_grow_with_rows(client, org, board):
    client.force_login(org["staff"]["national"])

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/releases/board/").status_code == 200
        return len(ctx.captured_queries)

    client.get("/releases/board/")
    before = count()
    pp = org["staff"]["practitioner"]
    for i in range(12):
        plan = open_plan(in_custody(org["team"], pp, release_in_days=5 + i))
        set_item(plan, "gp_registration", "done", pp)
        RegistrationFactory(person=plan.person, code="RVLN")
    assert count() == before


def test_the_release_board_is_in_the_navigation_for_spos_and_heads(client, org):
    client.force_login(org["staff"]["spo"])
    assert 'href="/releases/board/"' in client.get("/my-work/").content.decode()
    client.force_login(org["staff"]["head"])
    assert 'href="/releases/board/"' in client.get("/my-work/").content.decode()
    client.force_login(org["staff"]["practitioner"])
    assert 'href="/releases/board/"' not in client.get("/my-work/").content.decode()


# ---- one person's plan -----------------------------------------------------------------------------


def test_the_plan_page_shows_the_checklist_facts_and_prompts(client, org):
    pp = org["staff"]["practitioner"]
    person = in_custody(org["team"], pp, release_in_days=40)
    plan = open_plan(person)
    set_item(plan, "met_before_release", "done", pp, evidence="Video call 3 March")
    set_item(plan, "mental_health_handover", "not_needed", pp, reason="No mental health need")
    SentReferralFactory(person=person)  # an ASC referral: not shown against any item
    client.force_login(pp)
    response = client.get(f"/people/{person.crn}/release-plan/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Release plan" in html and "2 of 13 items closed (15%)" in html
    assert "Video call 3 March" in html and "No mental health need" in html
    assert "Accommodation for the night of release" in html
    assert 'id="duty-to-refer-prompt"' in html and "should have been made by" in html
    assert f"/people/{person.crn}/referrals/new/?kind=housing_duty_to_refer" in html
    assert "No vulnerability screen recorded." in html
    assert "No mobile number recorded." in html
    assert f"/people/{person.crn}/release-plan/items/gp_registration/" in html
    assert AccessLogEntry.objects.filter(person=person, actor=pp, action="view_person").exists()


def test_the_plan_page_query_count_does_not_grow_with_items(client, org):
    pp = org["staff"]["practitioner"]
    person = in_custody(org["team"], pp, release_in_days=40)
    plan = open_plan(person)
    client.force_login(pp)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(f"/people/{person.crn}/release-plan/").status_code == 200
        return len(ctx.captured_queries)

    client.get(f"/people/{person.crn}/release-plan/")
    before = count()
    close_everything(plan, pp, except_keys=("gp_registration",))
    SentReferralFactory(person=person)
    assert count() == before


def test_the_person_page_section_and_its_query_count(client, org):
    pp = org["staff"]["practitioner"]
    person = in_custody(org["team"], pp, release_in_days=20)
    RegistrationFactory(person=person, code="ALSH")
    client.force_login(pp)
    html = client.get(f"/people/{person.crn}/").content.decode()
    assert "The release plan opens automatically on" in html
    plan = open_plan(person)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            page = client.get(f"/people/{person.crn}/")
        return len(ctx.captured_queries), page.content.decode()

    before, html = count()
    assert "Release from custody" in html and "0 of 14 items closed" in html
    assert "no accommodation for the night of release" in html
    close_everything(plan, pp, except_keys=("travel_to_first_appointment",))
    after, html = count()
    assert after == before
    assert "Still open" in html and "Travel to first appointment" in html


@pytest.mark.parametrize(
    ("staff_key", "expected"),
    [
        ("practitioner", 200),
        ("spo", 200),
        ("other_team_pp", 404),
        ("far_regional", 404),
        ("national", 200),
    ],
)
def test_the_plan_page_is_scoped(client, org, staff_key, expected):
    person = in_custody(org["team"], org["staff"]["practitioner"])
    open_plan(person)
    client.force_login(org["staff"][staff_key])
    assert client.get(f"/people/{person.crn}/release-plan/").status_code == expected
    if expected == 404:
        assert AccessLogEntry.objects.filter(
            actor=org["staff"][staff_key], action="refused", crn=person.crn
        ).exists()


def test_excluded_staff_cannot_open_or_change_the_plan(client, org):
    person = in_custody(org["team"], org["staff"]["practitioner"])
    open_plan(person)
    exclude(person, org["staff"]["colleague"])
    client.force_login(org["staff"]["colleague"])
    assert client.get(f"/people/{person.crn}/release-plan/").status_code == 404
    base = f"/people/{person.crn}/release-plan/items/gp_registration/"
    assert client.post(base, {"status": "done", "version": 0}).status_code == 404
    assert client.post(f"/people/{person.crn}/release/", {}).status_code == 404
    assert not ReleasePlanItem.objects.exists()


# ---- updating an item and recording the release through the pages -----------------------------------


def test_update_an_item_through_the_page(client, org):
    pp = org["staff"]["practitioner"]
    person = in_custody(org["team"], pp)
    plan = open_plan(person)
    client.force_login(pp)
    url = f"/people/{person.crn}/release-plan/items/gp_registration/"
    page = client.get(url)
    assert page.status_code == 200 and b"Registered with a GP" in page.content
    response = client.post(url, {"status": "done", "evidence": "Park Surgery", "version": "0"})
    assert response.status_code == 302
    assert response["Location"].endswith("/release-plan/#item-gp_registration")
    assert plan.items.get().evidence == "Park Surgery"
    # The same form again from the old version is refused as stale.
    stale = client.post(url, {"status": "in_progress", "version": "0"})
    assert stale.status_code == 200 and b"Someone else changed this item" in stale.content


@pytest.mark.parametrize(
    ("key", "data", "anchor", "message"),
    [
        (
            "gp_registration",
            {"status": "not_needed"},
            "id_reason",
            "Say why this item is not needed",
        ),
        ("gp_registration", {}, "id_status", "Choose the status of this item"),
        ("gp_registration", {"status": "finished"}, "id_status", "Choose the status of this item"),
        (
            "accommodation_night_of_release",
            {"status": "done"},
            "id_evidence",
            "Give the address for the night of release",
        ),
        ("gp_registration", {"status": "done", "evidence": "x" * 4001}, "id_evidence", "4,000"),
    ],
)
def test_bad_item_input_shows_the_error_summary(client, org, key, data, anchor, message):
    pp = org["staff"]["practitioner"]
    person = in_custody(org["team"], pp)
    open_plan(person)
    client.force_login(pp)
    response = client.post(
        f"/people/{person.crn}/release-plan/items/{key}/", {"version": 0, **data}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "govuk-error-summary" in html and message in html
    assert f'href="#{anchor}"' in html
    assert html.startswith("<!DOCTYPE html>") and "<title>Error:" in html
    assert not ReleasePlanItem.objects.exists()


def test_items_of_unknown_keys_closed_plans_and_read_only_roles(client, org):
    pp = org["staff"]["practitioner"]
    person = in_custody(org["team"], pp)
    client.force_login(pp)
    assert (
        client.get(f"/people/{person.crn}/release-plan/items/gp_registration/").status_code == 404
    )
    open_plan(person)
    assert client.get(f"/people/{person.crn}/release-plan/items/moon/").status_code == 404
    client.force_login(org["staff"]["inspector"])
    assert (
        client.get(f"/people/{person.crn}/release-plan/items/gp_registration/").status_code == 403
    )
    assert client.get(f"/people/{person.crn}/release/").status_code == 403


def test_record_the_release_through_the_page(client, org):
    pp = org["staff"]["practitioner"]
    person = in_custody(org["team"], pp, release_in_days=0)
    open_plan(person)
    client.force_login(pp)
    page = client.get(f"/people/{person.crn}/release/").content.decode()
    assert "Record the release" in page and "still open" in page
    response = client.post(
        f"/people/{person.crn}/release/",
        {
            "released_on": today().strftime("%d/%m/%Y"),
            "accommodation_type": "temporary",
            "address": "Room 4, Station Road",
        },
    )
    assert response.status_code == 302 and response["Location"] == f"/people/{person.crn}/"
    person.refresh_from_db()
    assert (person.custody_status, person.accommodation_status) == ("in_community", "transient")
    html = client.get(f"/people/{person.crn}/").content.decode()
    assert "First 14 days after release: day 1 of 14" in html
    assert "Release on" in html and "recorded: temporary" in html
    # The released plan is read-only now.
    plan_html = client.get(f"/people/{person.crn}/release-plan/").content.decode()
    assert "as it was on the day" in plan_html and "/items/" not in plan_html
    again = client.get(f"/people/{person.crn}/release/").content.decode()
    assert "there is no release to record" in again


@pytest.mark.parametrize(
    ("data", "anchor", "message"),
    [
        (
            {"accommodation_type": "settled", "address": "1 High St"},
            "id_released_on",
            "Enter the date of release",
        ),
        (
            {"released_on": "31/02/2026", "accommodation_type": "settled", "address": "1 High St"},
            "id_released_on",
            "Enter a real date",
        ),
        (
            {"released_on": "TOMORROW", "accommodation_type": "settled"},
            "id_released_on",
            "Enter a real date",
        ),
        (
            {
                "released_on": (dt.date.today() + dt.timedelta(days=31)).strftime("%d/%m/%Y"),
                "accommodation_type": "settled",
                "address": "1 High St",
            },
            "id_released_on",
            "today or in the past",
        ),
        ({"released_on": "TODAY"}, "id_accommodation_type", "Choose where the person went"),
        (
            {"released_on": "TODAY", "accommodation_type": "settled"},
            "id_address",
            "Enter the address",
        ),
        (
            {"released_on": "TODAY", "accommodation_type": "tent"},
            "id_accommodation_type",
            "Choose where the person went",
        ),
    ],
)
def test_bad_release_input_shows_the_error_summary(client, org, data, anchor, message):
    pp = org["staff"]["practitioner"]
    person = in_custody(org["team"], pp)
    open_plan(person)
    client.force_login(pp)
    if data.get("released_on") == "TODAY":
        data = {**data, "released_on": today().strftime("%d/%m/%Y")}
    if data.get("released_on") == "TOMORROW":
        data = {**data, "released_on": "tomorrow"}
    response = client.post(f"/people/{person.crn}/release/", data)
    html = response.content.decode()
    assert response.status_code == 200
    assert "govuk-error-summary" in html and message in html
    assert f'href="#{anchor}"' in html
    assert ReleasePlan.objects.get(person=person).status == "open"


def test_the_plan_page_for_someone_without_a_plan(client, org):
    pp = org["staff"]["practitioner"]
    person = in_custody(org["team"], pp, release_in_days=120)
    client.force_login(pp)
    html = client.get(f"/people/{person.crn}/release-plan/").content.decode()
    expected = (person.expected_release_date - dt.timedelta(weeks=12)).strftime("%-d %B %Y")
    assert f"It opens automatically on {expected}" in html
    html = client.get(f"/people/{org['people']['mine'].crn}/release-plan/").content.decode()
    assert "is not in custody and has no release plan" in html
