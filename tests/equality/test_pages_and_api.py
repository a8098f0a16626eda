"""Equal treatment monitoring through its pages, exports and API, on a small fixed data set
whose figures are worked out by hand."""

import csv
import datetime as dt
import io
import math
import zipfile
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from safeguard.core.models import AccessLogEntry
from safeguard.equality.catalogue import decisions
from safeguard.referrals.models import Agency
from tests.factories import PersonFactory, SentReferralFactory, exclude
from tests.helpers import bearer

LONDON = ZoneInfo("Europe/London")
SENT = dt.datetime(2026, 10, 5, 10, tzinfo=LONDON)
PERIOD = "from=2026-10-01&to=2026-10-31"
PAGE_PERIOD = "date_from=01/10/2026&date_to=31/10/2026"
API = "/api/v1/insights/equality"


def _referrals(person, agency, accepted, rejected, *, urgent=0, sent=SENT):
    made = []
    for i in range(accepted + rejected):
        status = "accepted" if i < accepted else "rejected"
        made.append(
            SentReferralFactory(
                person=person,
                agency=agency,
                status=status,
                sent_at=sent,
                due_by=sent.date() + dt.timedelta(days=3),
                decided_at=sent + dt.timedelta(days=2),
                decision_working_days=1 + i % 3,
                rejection_reason="below_threshold" if status == "rejected" else "",
                urgency="urgent" if i % 2 and urgent > i // 2 else "routine",
            )
        )
    return made


@pytest.fixture
def fixed(org):
    """Men: 22 decided s42 referrals, 12 accepted (a white man 10 of 20, an Asian man 2 of 2).
    Women: 15 decided, 9 accepted. Some urgent, so that urgency varies; the three s42 parts
    are indicated on every one, so they do not."""
    kent = Agency.objects.get(name="Kent Adult Social Care")
    man = PersonFactory(team=org["team"], sex="male", ethnicity="W1")
    woman = PersonFactory(team=org["team"], sex="female", ethnicity="W2")
    asian_man = PersonFactory(team=org["team"], sex="male", ethnicity="A3")
    _referrals(man, kent, 10, 10, urgent=4)
    _referrals(woman, kent, 9, 6, urgent=3)
    _referrals(asian_man, kent, 2, 0)
    # Outside the period, and another region's case: never counted here.
    _referrals(man, kent, 5, 5, sent=SENT - dt.timedelta(days=60))
    return {"man": man, "woman": woman, "asian_man": asian_man, "kent": kent}


@pytest.mark.django_db
def test_odds_ratio_by_sex_matches_the_hand_computed_figures(client, org, fixed):
    response = client.get(
        f"{API}?decision=asc_referral_accepted&by=sex&{PERIOD}", **bearer(org["staff"]["national"])
    )
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"decision", "by", "reference_group", "adjusted_for", "rows"}
    assert body["decision"] == "asc_referral_accepted" and body["by"] == "sex"
    assert body["reference_group"] == "male"  # the largest group
    assert body["adjusted_for"] == ["urgency"]  # the s42 parts did not vary: dropped
    rows = {r["group"]: r for r in body["rows"]}
    assert set(rows["male"]) == {
        "group", "n", "events", "rate", "odds_ratio", "ci_low", "ci_high",
        "adjusted_odds_ratio", "adjusted_ci_low", "adjusted_ci_high", "suppressed",
    }  # fmt: skip
    assert (rows["male"]["n"], rows["male"]["events"]) == (22, 12)
    assert (rows["female"]["n"], rows["female"]["events"]) == (15, 9)
    assert rows["female"]["rate"] == 0.6
    # OR = (9/6) / (12/10) = 1.25; se = sqrt(1/9 + 1/6 + 1/12 + 1/10) = 0.679052;
    # 95% CI = exp(ln 1.25 -/+ 1.959964 x 0.679052) = 0.330 to 4.731.
    assert rows["female"]["odds_ratio"] == 1.25
    se = math.sqrt(1 / 9 + 1 / 6 + 1 / 12 + 1 / 10)
    assert rows["female"]["ci_low"] == round(math.exp(math.log(1.25) - 1.959964 * se), 3) == 0.330
    assert rows["female"]["ci_high"] == round(math.exp(math.log(1.25) + 1.959964 * se), 3)
    assert rows["female"]["adjusted_odds_ratio"] is not None
    assert rows["male"]["odds_ratio"] == 1.0 and rows["male"]["ci_low"] is None
    assert not rows["female"]["suppressed"]


@pytest.mark.django_db
def test_small_groups_are_null_and_suppressed_with_the_next_smallest(client, org, fixed):
    response = client.get(
        f"{API}?decision=asc_referral_accepted&by=ethnicity&{PERIOD}",
        **bearer(org["staff"]["national"]),
    )
    rows = {r["group"]: r for r in response.json()["rows"]}
    # Asian: 2 referrals, hidden. White: 35, hidden too, or 37 - 35 would give Asian away.
    for group in ("asian", "white"):
        assert rows[group]["suppressed"] is True
        assert all(rows[group][k] is None for k in ("n", "events", "rate", "odds_ratio", "ci_low"))
    assert response.json()["reference_group"] is None


@pytest.mark.django_db
def test_scoped_to_the_cases_the_caller_may_see(client, org, fixed):
    def groups(staff):
        response = client.get(
            f"{API}?decision=asc_referral_accepted&by=sex&{PERIOD}", **bearer(staff)
        )
        assert response.status_code == 200
        return {r["group"]: r["n"] for r in response.json()["rows"]}

    assert groups(org["staff"]["head"]) == {"male": 22, "female": 15}
    assert groups(org["staff"]["far_regional"]) == {}
    exclude(fixed["woman"], org["staff"]["national"])
    assert groups(org["staff"]["national"]) == {"male": 22}
    refused = client.get(
        f"{API}?decision=asc_referral_accepted", **bearer(org["staff"]["practitioner"])
    )
    assert refused.status_code == 403


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("decision=nope", "decision"),
        ("decision=asc_referral_accepted&by=shoe_size", "by"),
        ("decision=asc_referral_accepted&from=2026-10-31&to=2026-10-01", "from"),
        ("decision=asc_referral_accepted&reference=martian", "reference"),
        ("decision=asc_referral_accepted&from=31/10/2026", "from"),
    ],
)
def test_bad_input_is_422_problem_json(client, org, fixed, query, field):
    response = client.get(f"{API}?{query}", **bearer(org["staff"]["national"]))
    assert response.status_code == 422
    assert response["Content-Type"].startswith("application/problem+json")
    assert field in response.content.decode()
    bad = client.get(
        f"{API}/local-authorities?decision=screened_when_due", **bearer(org["staff"]["national"])
    )
    assert bad.status_code == 422


@pytest.mark.django_db
def test_every_decision_and_grouping_answers(client, org, fixed):
    headers = bearer(org["staff"]["national"])
    for code in decisions():
        for by in ("sex", "ethnicity", "age_band", "local_authority"):
            response = client.get(f"{API}?decision={code}&by={by}", **headers)
            assert response.status_code == 200, (code, by)
    client.force_login(org["staff"]["national"])
    for code in decisions():
        assert client.get(f"/insights/equality/?decision={code}&by=age_band").status_code == 200


@pytest.mark.django_db
def test_api_and_pages_write_the_access_log(client, org, fixed):
    client.get(f"{API}?decision=asc_referral_accepted", **bearer(org["staff"]["national"]))
    client.get(f"{API}/local-authorities", **bearer(org["staff"]["national"]))
    client.force_login(org["staff"]["regional"])
    assert client.get("/insights/equality/").status_code == 200
    assert client.get("/insights/equality/local-authorities/").status_code == 200
    assert client.get("/insights/equality/export.xlsx").status_code == 200
    entries = AccessLogEntry.objects.filter(detail__startswith="equal treatment monitoring")
    assert {(e.actor.username, e.channel) for e in entries} == {
        ("national", "api"),
        ("regional", "web"),
    }
    assert entries.count() == 5


@pytest.mark.django_db
def test_page_shows_chart_table_trend_and_notes(client, org, fixed):
    client.force_login(org["staff"]["national"])
    response = client.get(
        f"/insights/equality/?decision=asc_referral_accepted&by=sex&{PAGE_PERIOD}"
    )
    html = response.content.decode()
    assert 'src="data:image/svg+xml;base64,' in html and "The figures are in the table." in html
    assert "1.25 (0.33 to 4.73)" in html
    assert "60.0%" in html  # women's rate, as in the exports
    assert "2026 Q4" in html  # the trend by quarter
    assert "What an odds ratio" in html or "Odds ratio</strong> compares" in html
    assert "left out because it did not vary" in html
    bad = client.get("/insights/equality/?date_from=31/10/2026&date_to=01/10/2026")
    assert bad.status_code == 200 and b"govuk-error-summary" in bad.content
    refused = client.get("/insights/equality/?decision=nope")
    assert refused.status_code == 200 and b"govuk-error-summary" in refused.content


@pytest.mark.django_db
def test_exports_are_clean(client, org, fixed):
    client.force_login(org["staff"]["national"])
    query = f"decision=asc_referral_accepted&by=sex&{PAGE_PERIOD}"
    single = client.get(f"/insights/equality/export.csv?{query}")
    rows = list(csv.reader(io.StringIO(single.content.decode())))
    assert rows[0][:4] == ["Sex", "Number", "Events", "Rate (events ÷ number)"]
    female = next(r for r in rows if r[0] == "Female")
    assert female[1:8] == ["15", "9", "60.0%", "1.25", "0.33", "4.73", female[7]]
    assert all(len(cell.split(".")[-1]) <= 2 for cell in female[4:10] if cell)  # no float noise

    archive = zipfile.ZipFile(
        io.BytesIO(client.get(f"/insights/equality/export.zip?{query}").content)
    )
    assert len(archive.namelist()) == 3 and all(n.endswith(".csv") for n in archive.namelist())

    book = load_workbook(io.BytesIO(client.get(f"/insights/equality/export.xlsx?{query}").content))
    assert book.sheetnames == ["By sex", "By quarter", "About these figures"]
    sheet = book["By sex"]
    values = {row[0].value: row for row in sheet.iter_rows(min_row=2)}
    assert values["Female"][3].value == 0.6 and values["Female"][3].number_format == "0.0%"
    assert values["Female"][4].value == 1.25 and values["Female"][4].number_format == "0.00"
    assert client.get(f"/insights/equality/export.pdf?{query}").status_code == 404


@pytest.mark.django_db
def test_local_authorities_funnel_figures(client, org, fixed):
    response = client.get(f"{API}/local-authorities?{PERIOD}", **bearer(org["staff"]["national"]))
    assert response.status_code == 200
    body = response.json()
    assert body["decision"] == "asc_referral_accepted"
    kent = next(r for r in body["rows"] if r["local_authority"] == "Kent")
    # Every referral went to Kent: 37 decided, 21 accepted; its rate is the overall rate.
    assert (kent["n"], kent["events"], kent["rate"]) == (37, 21, round(21 / 37, 3))
    p0 = 21 / 37
    assert kent["upper_95"] == round(p0 + 1.959964 * math.sqrt(p0 * (1 - p0) / 37), 3)
    assert kent["lower_998"] == round(p0 - 3.090232 * math.sqrt(p0 * (1 - p0) / 37), 3)
    assert kent["suppressed"] is False

    client.force_login(org["staff"]["national"])
    page = client.get(f"/insights/equality/local-authorities/?{PAGE_PERIOD}")
    html = page.content.decode()
    assert html.count('src="data:image/svg+xml;base64,') == 2
    assert "accepted ÷ decided" in html
    book = load_workbook(
        io.BytesIO(
            client.get(f"/insights/equality/local-authorities/export.xlsx?{PAGE_PERIOD}").content
        )
    )
    assert book.sheetnames == ["Acceptance by authority", "Time to decision by authority"]
    headers = [c.value for c in book["Acceptance by authority"][1]]
    assert headers[1:6] == [
        "Decided", "Accepted", "Rejected", "Awaiting a decision",
        "Acceptance rate (accepted ÷ decided)",
    ]  # fmt: skip


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    [
        "/insights/equality/?decision=asc_referral_accepted&by=local_authority",
        "/insights/equality/?decision=registered_when_indicated&by=ethnicity",
        "/insights/equality/local-authorities/",
    ],
)
def test_query_count_does_not_grow_with_the_data(client, org, fixed, url):
    client.force_login(org["staff"]["national"])

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    before = count()
    for sex in ("male", "female", "female"):
        person = PersonFactory(team=org["team"], sex=sex, ethnicity="B1")
        _referrals(person, fixed["kent"], 6, 5, sent=dt.datetime.now(LONDON) - dt.timedelta(days=3))
    assert count() == before
    assert before <= 12


@pytest.mark.django_db
def test_a_pathway_offered_for_trauma_counts_as_trauma_support(org):
    """Recommendation 3 made measurable: a trauma-informed pathway offered within 4 weeks of the
    screen is trauma support, as a mental health referral is; an offer after 6 weeks, or for
    another need, is not."""
    from safeguard.equality.decisions import facts
    from safeguard.pathways.models import OfferStatus, PathwayOffer
    from tests.assessments.helpers import HIGH, record_screen

    screened = dt.datetime(2026, 9, 1, 10, tzinfo=LONDON)
    staff = org["staff"]["practitioner"]
    offered, late, other_need, none = (
        PersonFactory(team=org["team"], practitioner=staff, sex="male") for _ in range(4)
    )
    for person in (offered, late, other_need, none):
        record_screen(person, staff, when=screened, **HIGH["trauma"])
    for person, need, days in (
        (offered, "trauma", 14),
        (late, "trauma", 42),
        (other_need, "housing", 7),
    ):
        PathwayOffer.objects.create(
            person=person,
            pathway="trauma_support",
            need=need,
            status=OfferStatus.OFFERED,
            offered_on=screened.date() + dt.timedelta(days=days),
            created_by=staff,
        )
    rows = facts(
        decisions()["trauma_support_offered"],
        user=org["staff"]["national"],
        date_from=dt.date(2026, 8, 1),
        date_to=dt.date(2026, 9, 30),
        today=dt.date(2026, 12, 1),
    )
    assert sorted(row["unit_outcome"] for row in rows) == [0, 0, 0, 1]
