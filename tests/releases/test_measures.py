"""Release measures against figures worked out by hand on a small fixed data set; the page,
its charts and tables, and the CSV and XLSX exports read back.

The data set, released 1 January to 30 June 2025 (one more release in December 2024 is outside
the period, and one in the period is a limited-access case nobody here may see):

PDU A (home team)                    PDU B (far team, another region)
 1 NFA, at risk, opioid, naloxone     5 approved premises, at risk, met, GP,
   done, met, GP, 12 weeks NFA,         12 weeks AP, first appointment moved
   first appointment attended           and the next one attended
 2 settled, at risk, met,             6 NFA, at risk, opioid, naloxone done,
   12 weeks settled, first              12 weeks NFA
   appointment missed
 3 temporary, opioid, naloxone
   declined, GP, 12 weeks unknown
 4 NFA, opioid, naloxone in
   progress, met declined,
   12 weeks transient

Overall: 6 releases; NFA 3 (50%); at risk 4, of whom NFA 2 (50%); known at 12 weeks 5, housed 3
(60%); met 3 (50%); GP 3 (50%); opioid use indicated 4, naloxone offered 3 (75%); first
appointment attended 2 (33.3%).
PDU A: 4; NFA 2 (50%); at risk 2, NFA 1 (50%); 12 weeks 2 of 3 (66.7%); met 2 (50%); GP 2 (50%);
naloxone 2 of 3 (66.7%); attended 1 (25%).
PDU B: 2; NFA 1 (50%); at risk 2, NFA 1 (50%); 12 weeks 1 of 2 (50%); met 1 (50%); GP 1 (50%);
naloxone 1 of 1 (100%); attended 1 (50%).
"""

import csv
import datetime as dt
import io

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from safeguard.core.models import AccessLogEntry

# First appointments come from the engagement area.
from safeguard.engagement.models import Appointment  # noqa: E402
from safeguard.releases import insights
from tests.factories import PersonFactory, restrict
from tests.helpers import bearer
from tests.releases.helpers import released

pytestmark = pytest.mark.django_db
PERIOD = {"from": "2025-01-01", "to": "2025-06-30"}


def at(day, hour=10):
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


@pytest.fixture
def fixed_releases(org, far_team):
    pp = org["staff"]["practitioner"]
    a, b = org["team"], far_team

    def person(team):
        return PersonFactory(team=team, practitioner=pp if team == a else None)

    def appointment(plan, day, outcome, **kwargs):
        return Appointment.objects.create(
            person=plan.person,
            kind="office",
            starts_at=at(day),
            outcome=outcome,
            created_by=pp,
            **kwargs,
        )

    d = dt.date
    one = released(
        person(a),
        d(2025, 1, 10),
        "no_fixed_abode",
        pp,
        at_risk=True,
        opioid=True,
        at_12_weeks="no_fixed_abode",
        items={"naloxone_offered": "done", "met_before_release": "done", "gp_registration": "done"},
    )
    appointment(one, d(2025, 1, 10), "attended")
    two = released(
        person(a),
        d(2025, 2, 3),
        "settled",
        pp,
        at_risk=True,
        at_12_weeks="settled",
        items={"met_before_release": "done"},
    )
    appointment(two, d(2025, 2, 4), "failed_to_attend")
    appointment(two, d(2025, 2, 11), "attended")  # not the first
    appointment(two, d(2025, 1, 20), "attended")  # before release: not counted
    released(
        person(a),
        d(2025, 3, 5),
        "temporary",
        pp,
        opioid=True,
        items={"naloxone_offered": "declined", "gp_registration": "done"},
    )
    released(
        person(a),
        d(2025, 4, 7),
        "no_fixed_abode",
        pp,
        opioid=True,
        at_12_weeks="transient",
        items={"naloxone_offered": "in_progress", "met_before_release": "declined"},
    )
    five = released(
        person(b),
        d(2025, 5, 6),
        "approved_premises",
        pp,
        at_risk=True,
        at_12_weeks="approved_premises",
        items={"met_before_release": "done", "gp_registration": "done"},
    )
    appointment(five, d(2025, 5, 6), "rescheduled", moved_by="probation")
    appointment(five, d(2025, 5, 7), "attended")
    released(
        person(b),
        d(2025, 6, 30),
        "no_fixed_abode",
        pp,
        at_risk=True,
        opioid=True,
        at_12_weeks="no_fixed_abode",
        items={"naloxone_offered": "done"},
    )
    # Outside the period, and a case nobody in the org fixture may see.
    released(person(a), d(2024, 12, 31), "no_fixed_abode", pp, at_risk=True)
    hidden = released(person(a), d(2025, 3, 1), "no_fixed_abode", pp, at_risk=True)
    restrict(hidden.person, org["staff"]["colleague"])


OVERALL = {
    "released": 6,
    "no_fixed_abode": 3,
    "released_no_fixed_abode_share": 50.0,
    "at_risk_released": 4,
    "at_risk_no_fixed_abode": 2,
    "at_risk_released_no_fixed_abode_share": 50.0,
    "known_at_12_weeks": 5,
    "housed_at_12_weeks": 3,
    "accommodation_at_12_weeks_share": 60.0,
    "met_before_release": 3,
    "met_before_release_share": 50.0,
    "gp_registered": 3,
    "gp_registration_share": 50.0,
    "naloxone_indicated": 4,
    "naloxone_offered": 3,
    "naloxone_offered_share": 75.0,
    "first_appointment_attended": 2,
    "first_appointment_attended_share": 33.3,
}
PDU_A = {
    "released": 4,
    "released_no_fixed_abode_share": 50.0,
    "at_risk_released": 2,
    "at_risk_released_no_fixed_abode_share": 50.0,
    "known_at_12_weeks": 3,
    "housed_at_12_weeks": 2,
    "accommodation_at_12_weeks_share": 66.7,
    "met_before_release_share": 50.0,
    "gp_registration_share": 50.0,
    "naloxone_indicated": 3,
    "naloxone_offered_share": 66.7,
    "first_appointment_attended_share": 25.0,
}
PDU_B = {
    "released": 2,
    "released_no_fixed_abode_share": 50.0,
    "at_risk_no_fixed_abode": 1,
    "accommodation_at_12_weeks_share": 50.0,
    "met_before_release_share": 50.0,
    "gp_registration_share": 50.0,
    "naloxone_offered_share": 100.0,
    "first_appointment_attended_share": 50.0,
}


def subset(actual, expected):
    return {k: actual[k] for k in expected}


def test_measures_match_the_hand_worked_figures(fixed_releases, org, home_team, far_team):
    figures = insights.release_figures(
        user=org["staff"]["national"],
        group_by="pdu",
        date_from=dt.date(2025, 1, 1),
        date_to=dt.date(2025, 6, 30),
        suppress_small=False,  # the arithmetic; what is published is suppressed (below)
    )
    assert subset(figures["overall"], OVERALL) == OVERALL
    groups = {g["label"]: g for g in figures["groups"]}
    assert set(groups) == {home_team.pdu.name, far_team.pdu.name}
    assert subset(groups[home_team.pdu.name], PDU_A) == PDU_A
    assert subset(groups[far_team.pdu.name], PDU_B) == PDU_B
    assert figures["left_out"] == []

    by_region = insights.release_figures(
        user=org["staff"]["national"],
        group_by="region",
        date_from=dt.date(2025, 1, 1),
        date_to=dt.date(2025, 6, 30),
        suppress_small=False,
    )
    regions = {g["label"]: g["released"] for g in by_region["groups"]}
    assert regions == {home_team.pdu.region.name: 4, far_team.pdu.region.name: 2}


def test_measures_are_scoped(fixed_releases, org, home_team):
    head = insights.release_figures(
        user=org["staff"]["head"],
        date_from=dt.date(2025, 1, 1),
        date_to=dt.date(2025, 6, 30),
        suppress_small=False,
    )
    assert [g["label"] for g in head["groups"]] == [home_team.pdu.name]
    assert subset(head["overall"], PDU_A) == PDU_A
    # The restricted case is counted for the one member of staff allowed to see it only.
    everything = insights.release_figures(
        user=org["staff"]["national"],
        date_from=dt.date(2024, 1, 1),
        date_to=dt.date(2025, 12, 31),
        suppress_small=False,
    )
    assert everything["overall"]["released"] == 7


def test_the_measures_api(client, fixed_releases, org, far_team):
    response = client.get(
        "/api/v1/insights/releases?group_by=region&from=2025-01-01&to=2025-06-30",
        **bearer(org["staff"]["national"]),
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["group_by"], body["from"], body["to"]) == ("region", "2025-01-01", "2025-06-30")
    # Published, small numbers are null and named: 6 releases, 3 with no fixed abode (<5).
    overall = body["overall"]
    assert overall["released"] == 6
    assert overall["no_fixed_abode"] is None and "no_fixed_abode" in overall["suppressed"]
    assert overall["released_no_fixed_abode_share"] is None
    assert all(v is None or not 0 < v < 5 for k, v in overall.items() if isinstance(v, int))
    far = next(g for g in body["groups"] if g["label"] == far_team.pdu.region.name)
    assert far["released"] is None and "released" in far["suppressed"]
    assert {m["key"] for m in body["measures"]} >= {
        "released_no_fixed_abode",
        "at_risk_released_no_fixed_abode",
        "accommodation_at_12_weeks",
        "met_before_release",
        "gp_registration",
        "naloxone_offered",
        "first_appointment_attended",
    }


def test_the_measures_page_has_charts_tables_and_filters(client, fixed_releases, org, home_team):
    client.force_login(org["staff"]["national"])
    response = client.get("/insights/releases/?date_from=01/01/2025&date_to=30/06/2025")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('src="data:image/svg+xml;base64,') == 3  # overall, by PDU, by region
    assert (
        'alt="Release measures, all releases in the period. The figures are in the table."' in html
    )
    assert "All releases in the period (6)" in html
    assert "&lt;5 of &lt;5" in html  # PDU A and B: every count is 1 to 4, so hidden
    assert "2 of 4" not in html and "50.0%" not in html
    assert home_team.pdu.name in html
    assert AccessLogEntry.objects.filter(detail="release measures").exists()
    # Filtered to a PDU.
    html = client.get(
        f"/insights/releases/?date_from=01/01/2025&date_to=30/06/2025&pdu={home_team.pdu_id}"
    ).content.decode()
    assert "All releases in the period (&lt;5)" in html  # 4 releases: hidden


@pytest.mark.parametrize(
    ("query", "anchor", "message"),
    [
        ("date_from=31/02/2025", "id_date_from", "Enter a real date"),
        ("date_from=01/06/2025&date_to=01/01/2025", "id_date_to", "on or after its start"),
        ("pdu=999999", "id_pdu", "Choose a PDU from the list"),
    ],
)
def test_bad_measure_filters_show_the_error_summary(client, org, query, anchor, message):
    client.force_login(org["staff"]["national"])
    response = client.get(f"/insights/releases/?{query}")
    html = response.content.decode()
    assert response.status_code == 200
    assert "govuk-error-summary" in html and message in html and f'href="#{anchor}"' in html


def test_measures_pages_are_for_heads_and_above(client, org):
    for key, expected in (("practitioner", 403), ("spo", 403), ("head", 200), ("regional", 200)):
        client.force_login(org["staff"][key])
        assert client.get("/insights/releases/").status_code == expected
        assert client.get("/insights/releases/export.csv").status_code == expected
    assert client.get("/insights/releases/export.pdf").status_code == 404


def test_the_exports_read_back(client, fixed_releases, org, home_team, far_team):
    client.force_login(org["staff"]["national"])
    query = "date_from=01/01/2025&date_to=30/06/2025"
    response = client.get(f"/insights/releases/export.csv?{query}")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert "release-measures-2025-01-01-2025-06-30.csv" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["Overall"]
    headers = rows[1]
    overall = dict(zip(headers, rows[2], strict=True))
    assert overall["Group"] == "All releases" and overall["Releases"] == "6"
    assert overall["Released with no fixed abode: count"] == "<5"
    assert overall["Released with no fixed abode: %"] == "<5"
    assert overall["Naloxone offered where opioid use was indicated: out of"] == "<5"
    by_pdu = rows.index(["By PDU"])
    pdu_rows = {r[0]: dict(zip(headers, r, strict=True)) for r in rows[by_pdu + 2 : by_pdu + 4]}
    assert pdu_rows[home_team.pdu.name]["In accommodation 12 weeks after release: %"] == "<5"
    assert pdu_rows[far_team.pdu.name]["Releases"] == "<5"

    response = client.get(f"/insights/releases/export.xlsx?{query}")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["Overall", "By PDU", "By region"]
    sheet = book["Overall"]
    values = dict(zip([c.value for c in sheet[1]], [c.value for c in sheet[2]], strict=True))
    assert values["Releases"] == 6
    assert values["Met by the practitioner before release: %"] == "<5"
    region_rows = {r[0].value: r[1].value for r in book["By region"].iter_rows(min_row=2)}
    assert region_rows == {home_team.pdu.region.name: "<5", far_team.pdu.region.name: "<5"}
    assert AccessLogEntry.objects.filter(detail="release measures export xlsx").exists()
