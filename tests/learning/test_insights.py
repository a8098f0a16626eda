"""The systemic analysis against figures worked out by hand on a small fixed data set, and
small-number suppression in every export (CSV, XLSX, board pack page and file, API)."""

import csv
import datetime as dt
import io
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from safeguard.core.models import AccessLogEntry
from safeguard.learning import insights, services
from safeguard.learning.models import ReviewStatus
from tests.factories import PersonFactory, team_in
from tests.helpers import bearer
from tests.learning.helpers import complete, record_death, released, start

# (key, sex, age at death, ethnicity, accommodation, days since release or None,
#  circumstances, systemic factors and the stage the review reaches)
CASES = [
    ("P1", "male", 30, "W1", "settled", 2, "drug_related", ("SF01", "SF10"), "qa"),
    ("P2", "male", 45, "B2", "no_fixed_abode", 10, "self_inflicted", ("SF01", "SF04"), "qa"),
    ("P3", "female", 22, "W1", "transient", 50, "self_inflicted", ("SF09",), "qa"),
    ("P4", "male", 60, "A3", "settled", 200, "natural_causes", ("SF01",), "in_review"),
    ("P5", "male", 70, "NS", "settled", None, "natural_causes", (), "notified"),
    (
        "P6",
        "female",
        33,
        "M1",
        "no_fixed_abode",
        0,
        "drug_related",
        ("SF01", "SF10", "SF12"),
        "closed",
    ),
    ("P7", "male", 28, "W5", "approved_premises", 3, "awaiting_classification", (), "notified"),
]
NAMES = [f"Surname{key}" for key, *_ in CASES]


@pytest.fixture
def fixed_deaths(org):
    """Seven deaths in Kent, Surrey and Sussex and one in the North East."""
    spo, head = org["staff"]["spo"], org["staff"]["head"]
    reviewer = org["staff"]["colleague"]
    today = timezone.localdate()
    people = {}
    for index, (
        key,
        sex,
        age,
        ethnicity,
        accommodation,
        days,
        circumstances,
        factors,
        stage,
    ) in enumerate(CASES):
        died = today - dt.timedelta(days=10 + index)
        person = PersonFactory(
            crn=f"L00000{index + 1}",
            last_name=f"Surname{key}",
            team=org["team"],
            practitioner=org["staff"]["practitioner"],
            sex=sex,
            ethnicity=ethnicity,
            accommodation_status=accommodation,
            date_of_birth=died.replace(year=died.year - age) - dt.timedelta(days=10),
            sentence_type="community_order" if days is None else "licence",
        )
        if days is not None:
            released(person, spo, days_ago=(today - died).days + days)
        review = record_death(
            person, spo, days_ago=(today - died).days, circumstances=circumstances
        ).review
        if stage in ("qa", "closed"):
            complete(review, reviewer, spo, factors=factors)
            if stage == "closed":
                services.review_transition(review_id=review.pk, to="closed", actor=head)
        elif stage == "in_review":
            start(review, reviewer, spo)
            for code in factors:
                services.review_factor_code(
                    review_id=review.pk, factor=code, evidence="e", actor=reviewer
                )
        people[key] = person
    far = record_death(org["people"]["far"], org["staff"]["far_regional"], days_ago=12)
    return {"people": people, "far": far}


def counts(rows):
    return {r["key"]: r["count"] for r in rows}


@pytest.mark.django_db
def test_the_analysis_matches_the_figures_worked_out_by_hand(org, fixed_deaths):
    regional = org["staff"]["regional"]
    figures = insights.death_figures(insights.filtered_deaths(user=regional))
    assert figures["total"] == 7
    assert figures["reviewed"] == 4  # P1, P2, P3 quality-assured; P6 closed
    assert counts(figures["by_circumstance"]) == {
        "natural_causes": 2,
        "self_inflicted": 2,
        "drug_related": 2,
        "homicide": 0,
        "accidental": 0,
        "other": 0,
        "awaiting_classification": 1,
    }
    assert counts(figures["by_days_since_release"]) == {
        "0-4": 3,  # P1 (2 days), P6 (0), P7 (3)
        "5-14": 1,
        "15-90": 1,
        "later": 1,
        "none": 1,
    }
    assert counts(figures["by_sex"]) == {"male": 5, "female": 2, "unknown": 0}
    assert counts(figures["by_age_band"]) == {
        "18-24": 1,
        "25-34": 3,
        "35-49": 1,
        "50-64": 1,
        "65+": 1,
        "not_known": 0,
    }
    assert counts(figures["by_ethnic_group"]) == {"A": 1, "B": 1, "M": 1, "W": 3, "O": 0, "N": 1}
    assert counts(figures["by_accommodation"]) == {
        "settled": 3,
        "transient": 1,
        "no_fixed_abode": 2,
        "approved_premises": 1,
    }
    assert counts(figures["by_supervision_type"]) == {"court_order": 1, "post_release": 6}
    assert counts(figures["reviews_by_status"]) == {
        "notified": 2,
        "in_review": 1,
        "quality_assured": 3,
        "closed": 1,
    }
    factors = {f["key"]: (f["count"], f["share"]) for f in figures["factors"]}
    # P4's SF01 is still in review, so it is not counted.
    assert factors["SF01"] == (3, 0.75)
    assert factors["SF10"] == (2, 0.5)
    assert factors["SF04"] == factors["SF09"] == factors["SF12"] == (1, 0.25)
    assert factors["SF02"] == (0, 0.0)
    trend = {r["key"]: r for r in figures["factor_trend"]["rows"]}
    assert sum(trend["SF01"]["by_quarter"]) == 3 and sum(trend["SF10"]["by_quarter"]) == 2

    national = insights.death_figures(insights.filtered_deaths(user=org["staff"]["national"]))
    assert national["total"] == 8
    assert counts(national["by_region"]) == {"Kent, Surrey and Sussex": 7, "North East": 1}
    head = insights.death_figures(insights.filtered_deaths(user=org["staff"]["head"]))
    assert head["total"] == 7
    spo = insights.death_figures(insights.filtered_deaths(user=org["staff"]["other_team_pp"]))
    assert spo["total"] == 0


@pytest.mark.django_db
def test_filters_by_period_and_pdu(org, fixed_deaths):
    regional = org["staff"]["regional"]
    today = timezone.localdate()
    recent = insights.filtered_deaths(
        user=regional, date_from=today - dt.timedelta(days=12), date_to=today
    )
    assert recent.count() == 3  # P1, P2, P3 died 10, 11 and 12 days ago
    other_pdu = team_in("KSS", 0).pdu.region.pdus.exclude(pk=org["team"].pdu_id).first()
    assert insights.filtered_deaths(user=regional, pdu_id=other_pdu.pk).count() == 0


def test_suppression_and_secondary_suppression():
    assert insights.suppress_values([10, 3, 8, 0], secondary=True) == [10, "<5", "<5", 0]
    assert insights.suppress_values([10, 3, 8, 0], secondary=False) == [10, "<5", 8, 0]
    assert insights.suppress_values([3, 2, 9], secondary=True) == ["<5", "<5", 9]
    assert insights.suppress_values([10, 7, 5, 0], secondary=True) == [10, 7, 5, 0]
    assert insights.suppress_values([4], secondary=True) == ["<5"]
    assert insights.suppress_one(0) == 0 and insights.suppress_one(5) == 5


SMALL = re.compile(r"^[1-4]$")


def assert_no_small_counts(cells):
    for cell in cells:
        text = "" if cell is None else str(cell)
        assert not SMALL.match(text), f"unsuppressed small count {text!r}"


@pytest.mark.django_db
def test_exports_suppress_small_numbers_and_hold_no_names(client, org, fixed_deaths):
    client.force_login(org["staff"]["regional"])
    page = client.get("/learning/").content.decode()
    assert 'id="total-deaths">7<' in page  # the page itself shows every count

    csv_text = client.get("/learning/export/csv/").content.decode()
    rows = list(csv.reader(io.StringIO(csv_text)))
    assert_no_small_counts(cell for row in rows for cell in row)
    assert ["Self-inflicted", "<5"] in rows and ["Total", "7"] in rows
    factor_rows = [r for r in rows if r and r[0] == "SF01"]
    assert factor_rows[0][3:] == ["<5", "<5"]  # the share of a hidden count is hidden too

    workbook = load_workbook(io.BytesIO(client.get("/learning/export/xlsx/").content))
    cells = [c for sheet in workbook for row in sheet.iter_rows(values_only=True) for c in row]
    assert_no_small_counts(cells)
    assert "<5" in cells

    for content in (csv_text, str(cells)):
        for name in NAMES:
            assert name not in content
        assert "L000001" not in content and "A000004" not in content


@pytest.mark.django_db
def test_the_board_pack_is_suppressed_and_anonymous(client, org, fixed_deaths):
    regional = org["staff"]["regional"]
    in_review = fixed_deaths["people"]["P4"].death_notification.review
    services.review_action_add(
        review_id=in_review.pk,
        agency_type="adult_social_care",
        agency="Named worker Jo Bloggs",  # typed text never reaches the board pack
        owner="Head of service",
        description="Agree an escalation route",
        due_on=timezone.localdate() + dt.timedelta(days=30),
        actor=org["staff"]["colleague"],
    )
    client.force_login(regional)
    form = client.get("/learning/board-pack/")
    assert form.status_code == 200 and "Make the board pack" in form.content.decode()
    today = timezone.localdate()
    query = (
        f"?region={org['team'].pdu.region_id}"
        f"&date_from={(today - dt.timedelta(days=365)).strftime('%d/%m/%Y')}"
        f"&date_to={today.strftime('%d/%m/%Y')}"
    )
    html = client.get("/learning/board-pack/" + query).content.decode()
    assert "Kent, Surrey and Sussex" in html and "&lt;5" in html
    cells = re.findall(r"<t[dh][^>]*>([^<]*)</t[dh]>", html)
    assert_no_small_counts(c.strip() for c in cells)
    for name in NAMES:
        assert name not in html
    assert "L000001" not in html and "What the system should change" not in html
    assert "Adult social care" in html and "Jo Bloggs" not in html

    book = load_workbook(io.BytesIO(client.get("/learning/board-pack/xlsx/" + query).content))
    values = [c for sheet in book for row in sheet.iter_rows(values_only=True) for c in row]
    assert_no_small_counts(values)
    assert "Kent, Surrey and Sussex" in values
    for name in [*NAMES, "Jo Bloggs"]:
        assert name not in str(values)

    bad = client.get("/learning/board-pack/?region=&date_from=31/02/2026&date_to=")
    text = bad.content.decode()
    assert "Choose a region" in text and "Enter a real date" in text
    backwards = client.get(
        f"/learning/board-pack/?region={org['team'].pdu.region_id}&date_from=01/02/2026&date_to=01/01/2026"
    )
    assert "The end of the period must be after its start" in backwards.content.decode()
    far_region = org["people"]["far"].pdu.region_id
    other = client.get(
        f"/learning/board-pack/?region={far_region}&date_from=01/01/2026&date_to=02/01/2026"
    )
    assert "Choose a region" in other.content.decode()  # not a region this lead may choose
    assert AccessLogEntry.objects.filter(actor=regional, detail__startswith="board pack").exists()


@pytest.mark.django_db
def test_the_insights_api_is_suppressed(client, org, fixed_deaths):
    regional = bearer(org["staff"]["regional"])
    body = client.get("/api/v1/insights/deaths?group_by=circumstance", **regional).json()
    assert body["total"] == 7 and body["total_suppressed"] is False
    groups = {g["key"]: g for g in body["groups"]}
    assert groups["self_inflicted"] == {
        "key": "self_inflicted",
        "label": "Self-inflicted",
        "count": None,
        "suppressed": True,
    }
    assert groups["homicide"]["count"] == 0 and groups["homicide"]["suppressed"] is False
    factors = client.get("/api/v1/insights/deaths?group_by=factor", **regional).json()
    sf01 = next(g for g in factors["groups"] if g["key"] == "SF01")
    assert sf01["count"] is None and sf01["share_of_reviews"] is None
    national = bearer(org["staff"]["national"])
    regions = client.get("/api/v1/insights/deaths?group_by=region", **national).json()
    # The total (8) is published, so hiding the North East's 1 hides Kent's 7 as well.
    assert regions["total"] == 8
    assert {g["label"]: g["count"] for g in regions["groups"]} == {
        "Kent, Surrey and Sussex": None,
        "North East": None,
    }
    bands = client.get("/api/v1/insights/deaths?group_by=days_since_release&region=KSS", **national)
    assert [g["key"] for g in bands.json()["groups"]] == ["0-4", "5-14", "15-90", "later", "none"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("group_by=person", "group_by"),
        ("from=yesterday", "from"),
        ("from=2026-02-01&to=2026-01-01", "to"),
        ("region=Atlantis", "region"),
    ],
)
def test_bad_insights_queries_are_422(client, org, query, field):
    response = client.get(f"/api/v1/insights/deaths?{query}", **bearer(org["staff"]["national"]))
    assert response.status_code == 422
    assert field in [e["field"] for e in response.json()["errors"]]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("staff_key", "expected"),
    [
        ("practitioner", 403),
        ("spo", 403),
        ("head", 200),
        ("regional", 200),
        ("national", 200),
        ("inspector", 200),
        ("admin", 200),
        ("no_role", 403),
    ],
)
def test_the_learning_pages_and_api_are_for_heads_of_pdu_regional_and_national_roles(
    client, org, staff_key, expected
):
    staff = org["staff"][staff_key]
    client.force_login(staff)
    for url in ("/learning/", "/learning/export/csv/", "/learning/board-pack/"):
        assert client.get(url).status_code == expected, url
    assert client.get("/api/v1/insights/deaths", **bearer(staff)).status_code == expected
    if expected == 200:
        assert AccessLogEntry.objects.filter(actor=staff, detail="learning page").exists()
        nav = client.get("/learning/").content.decode()
        assert "Learning from deaths" in nav


@pytest.mark.django_db
def test_the_learning_page_filters_and_rejects_bad_input(client, org, fixed_deaths):
    client.force_login(org["staff"]["national"])
    kss = org["team"].pdu.region_id
    page = client.get(f"/learning/?region={kss}").content.decode()
    assert 'id="total-deaths">7<' in page
    bad = client.get("/learning/?date_from=31/13/2026").content.decode()
    assert "govuk-error-summary" in bad and "Enter a real date" in bad
    assert client.get("/learning/export/pdf/").status_code == 404


@pytest.mark.django_db
def test_the_learning_page_runs_a_fixed_number_of_queries(client, org, fixed_deaths):
    client.force_login(org["staff"]["national"])
    with CaptureQueriesContext(connection) as few:
        client.get("/learning/")
    for index in range(6):
        person = PersonFactory(team=org["team"], crn=f"M00000{index}")
        review = record_death(person, org["staff"]["spo"], circumstances="homicide").review
        complete(review, org["staff"]["colleague"], org["staff"]["spo"], factors=("SF03", "SF05"))
    with CaptureQueriesContext(connection) as many:
        response = client.get("/learning/")
    assert 'id="total-deaths">14<' in response.content.decode()
    assert len(few.captured_queries) == len(many.captured_queries)
    assert ReviewStatus.CLOSED == "closed"


@pytest.mark.django_db
def test_an_age_outside_every_band_is_not_known_not_18_to_24(org):
    """An age no band holds (a date of birth recorded wrongly, giving 12) is "not known"."""
    died = timezone.localdate() - dt.timedelta(days=3)
    person = PersonFactory(
        team=org["team"],
        practitioner=org["staff"]["practitioner"],
        date_of_birth=died.replace(year=died.year - 12) - dt.timedelta(days=10),
    )
    record_death(person, org["staff"]["practitioner"], days_ago=3)
    figures = insights.death_figures(insights.filtered_deaths(user=org["staff"]["regional"]))
    by_age = {r["key"]: (r["label"], r["count"]) for r in figures["by_age_band"]}
    assert by_age["18-24"] == ("18 to 24", 0)
    assert by_age["not_known"] == ("Not known", 1)


@pytest.mark.django_db
def test_a_head_of_pdu_sees_the_learning_page_for_their_own_pdu_only(client, org, fixed_deaths):
    """Heads of PDU sit on local boards: they see the deaths in their own PDU, never those of
    another PDU of the region, whatever the filters say."""
    home_pdu = org["team"].pdu
    other_team = (
        type(org["team"])
        .objects.filter(pdu__region=home_pdu.region)
        .exclude(pdu=home_pdu)
        .order_by("pdu__code", "name")
        .first()
    )
    elsewhere = PersonFactory(team=other_team, practitioner=None, last_name="SurnameElsewhere")
    record_death(elsewhere, org["staff"]["regional"], days_ago=5)
    head, regional = org["staff"]["head"], org["staff"]["regional"]
    assert insights.filtered_deaths(user=regional).count() == 8
    assert insights.filtered_deaths(user=head).count() == 7
    assert set(insights.filtered_deaths(user=head).values_list("pdu", flat=True)) == {home_pdu.pk}

    client.force_login(head)
    page = client.get("/learning/").content.decode()
    assert 'id="total-deaths">7<' in page
    assert other_team.pdu.name not in page  # not offered as a filter, not in the tables
    forced = client.get(f"/learning/?pdu={other_team.pdu_id}").content.decode()
    assert 'id="total-deaths">8<' not in forced and 'id="total-deaths">1<' not in forced
    pack = client.get(
        "/learning/board-pack/",
        {
            "region": home_pdu.region_id,
            "date_from": (timezone.localdate() - dt.timedelta(days=60)).strftime("%d/%m/%Y"),
            "date_to": timezone.localdate().strftime("%d/%m/%Y"),
        },
    ).content.decode()
    assert home_pdu.name in pack and "only" in pack
    assert client.get("/api/v1/insights/deaths", **bearer(head)).json()["total"] == 7
    assert client.get("/api/v1/insights/deaths", **bearer(regional)).json()["total"] == 8
