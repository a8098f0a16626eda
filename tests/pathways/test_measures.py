"""Pathway measures against figures worked out by hand, with the small-number rule; scope,
capability, bad input and the access log."""

import datetime as dt

import pytest

from safeguard.core.models import AccessLogEntry
from safeguard.pathways.models import HospitalAttendance, PathwayOffer
from safeguard.people.models import Sex
from tests.assessments.helpers import HIGH, record_screen
from tests.factories import PersonFactory
from tests.helpers import bearer
from tests.pathways.helpers import today

pytestmark = pytest.mark.django_db


def _offer(person, actor, pathway, status, **dates):
    return PathwayOffer.objects.create(
        person=person,
        pathway=pathway,
        status=status,
        offered_on=dates.pop("offered_on", today() - dt.timedelta(days=20)),
        created_by=actor,
        **dates,
    )


def _ed(person, actor, days_ago=10, kind="emergency_department"):
    return HospitalAttendance.objects.create(
        person=person,
        kind=kind,
        attended_on=today() - dt.timedelta(days=days_ago),
        source="nhs",
        reason="overdose",
        recorded_by=actor,
    )


@pytest.fixture
def caseload(org, far_team):
    """In the head of PDU's PDU: the three men of ``org`` with no needs; six men and six women
    whose screens rate trauma high. Five of the men were offered (and accepted) trauma
    support; the six women were offered the women's centre: five completed, one accepted.
    Five men and one woman attended an emergency department in the period; someone far away
    and offers or attendances before the period are not counted."""
    pp = org["staff"]["practitioner"]
    men = [PersonFactory(team=org["team"], practitioner=pp, sex=Sex.MALE) for _ in range(6)]
    women = [PersonFactory(team=org["team"], practitioner=pp, sex=Sex.FEMALE) for _ in range(6)]
    for p in men + women:
        record_screen(p, pp, **HIGH["trauma"])
    for p in men[:5]:
        _offer(p, pp, "trauma_support", "accepted", accepted_on=today())
        _ed(p, pp)
    for p in women[:5]:
        _offer(p, pp, "womens_centre", "completed", completed_on=today())
    _offer(women[5], pp, "womens_centre", "accepted", accepted_on=today())
    _ed(women[0], pp)
    # Not counted: before the period, and a case in another region.
    _offer(men[5], pp, "trauma_support", "offered", offered_on=today() - dt.timedelta(days=400))
    _ed(men[5], pp, days_ago=400)
    far = PersonFactory(team=far_team, sex=Sex.MALE)
    record_screen(far, org["staff"]["far_regional"], **HIGH["trauma"])
    _offer(far, pp, "trauma_support", "completed", completed_on=today())
    return men, women


def get(client, staff, query=""):
    return client.get(f"/api/v1/insights/pathways{query}", **bearer(staff))


def test_by_sex_against_hand_worked_figures(client, org, caseload):
    response = get(client, org["staff"]["head"], "?by=sex")
    assert response.status_code == 200, response.content
    body = response.json()
    rows = {r["group"]: r for r in body["rows"]}
    counts = ("people", "with_need", "offered", "taken_up", "completed", "attended_ed", "admitted")
    assert [rows["female"][c] for c in counts] == [6, 6, 6, 6, 5, "<5", 0]
    # The men's 5 attendances are hidden too: with the total, they would give the women's 1.
    assert [rows["male"][c] for c in counts] == [9, 6, 5, 5, 0, "<5", 0]
    assert [body["total"][c] for c in counts] == [15, 12, 11, 11, 5, 6, 0]
    assert rows["female"]["offered_rate"] == 100.0 and rows["male"]["offered_rate"] == 83.3
    assert rows["male"]["attended_ed_rate"] is None  # hidden, so no share
    assert body["total"]["attended_ed_rate"] == 40.0 and body["total"]["offered_rate"] == 91.7
    assert rows["female"]["label"] == "Female"
    assert AccessLogEntry.objects.filter(
        actor=org["staff"]["head"], detail="pathway measures by sex"
    ).exists()


def test_trauma_support_for_men_and_women_with_the_same_trauma_level(client, org, caseload):
    body = get(client, org["staff"]["head"], "?by=pdu").json()
    trauma = {(r["sex"], r["level"]): r for r in body["trauma_by_sex"]}
    assert trauma[("male", "high")]["people"] == 6
    assert trauma[("male", "high")]["offered_trauma_support"] == 5
    assert trauma[("male", "high")]["offered_trauma_support_rate"] == 83.3
    assert trauma[("female", "high")]["people"] == 6
    assert trauma[("female", "high")]["offered_trauma_support"] == 0
    assert trauma[("female", "high")]["offered_any_trauma_pathway"] == 6
    assert trauma[("male", "medium")]["people"] == 0


def test_by_pdu_region_ethnicity_and_age_band(client, org, caseload):
    head = org["staff"]["head"]
    [pdu] = get(client, head, "?by=pdu").json()["rows"]
    assert pdu["label"] == org["team"].pdu.name and pdu["people"] == 15
    national = get(client, org["staff"]["national"], "?by=region").json()
    # North East has 2 people: hidden, and Kent, Surrey and Sussex with it (secondary), since
    # the total of 17 is published.
    assert {r["label"]: r["people"] for r in national["rows"]} == {
        "Kent, Surrey and Sussex": "<5",
        "North East": "<5",
    }
    assert national["total"]["people"] == 17
    [band] = get(client, head, "?by=age_band").json()["rows"]  # born 1985: all 35 to 49
    assert band["group"] == "35-49" and band["people"] == 15
    [ethnic] = get(client, head, "?by=ethnicity").json()["rows"]
    assert ethnic["group"] == "NS" and ethnic["label"] == "Not stated"


def test_the_period_limits_offers_and_attendances(client, org, caseload):
    old = (today() - dt.timedelta(days=420)).isoformat()
    to = (today() - dt.timedelta(days=300)).isoformat()
    body = get(client, org["staff"]["head"], f"?by=pdu&from={old}&to={to}").json()
    assert body["total"]["offered"] == "<5" and body["total"]["attended_ed"] == "<5"


def test_who_may_see_the_measures_and_bad_input(client, org):
    assert get(client, org["staff"]["practitioner"]).status_code == 403
    assert get(client, org["staff"]["spo"]).status_code == 403
    assert get(client, org["staff"]["inspector"]).status_code == 200
    response = get(client, org["staff"]["head"], "?by=shoe_size")
    assert response.status_code == 422 and response["Content-Type"] == "application/problem+json"
    response = get(client, org["staff"]["head"], "?from=2026-05-01&to=2026-04-01")
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "to"
    assert get(client, org["staff"]["head"], "?from=1800-01-01").status_code == 422


def test_the_measures_take_a_fixed_number_of_queries(
    client, org, caseload, django_assert_max_num_queries
):
    with django_assert_max_num_queries(12):
        assert get(client, org["staff"]["head"], "?by=sex").status_code == 200


def test_the_measures_page(client, org, caseload):
    client.force_login(org["staff"]["practitioner"])
    assert client.get("/insights/pathways/").status_code == 403
    client.force_login(org["staff"]["head"])
    html = client.get("/insights/pathways/?by=sex").content.decode()
    assert "By sex" in html and "Female" in html and "&lt;5" in html
    assert "Trauma-informed support by sex" in html and "83.3%" in html
    html = client.get(
        "/insights/pathways/?date_from=01/05/2026&date_to=01/04/2026"
    ).content.decode()
    assert "govuk-error-summary" in html and "on or after its start" in html
    assert AccessLogEntry.objects.filter(channel="web", detail="pathway measures by sex").exists()
