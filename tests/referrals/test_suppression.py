"""Referral monitoring publishes no count of 1 to 4 (safeguard.insights.suppression): a group
of one person's referral is hidden, with the next smallest group, in the API, page and
exports."""

import csv
import io

import pytest
from openpyxl import load_workbook

from safeguard.insights.suppression import SUPPRESSED
from tests.factories import PersonFactory, SentReferralFactory
from tests.helpers import bearer
from tests.referrals.test_api import fixed_referrals  # noqa: F401 - shared fixed data set

QUERY = "date_from=01/10/2026&date_to=31/10/2026"


@pytest.fixture
def one_of_a_kind(org, fixed_referrals):  # noqa: F811
    """One referral of a person of an ethnicity no one else in the data set has."""
    person = PersonFactory(team=org["team"], ethnicity="A2")
    kent = fixed_referrals["kent"]
    SentReferralFactory(person=person, agency=kent, sent_at=kent_sent(), status="accepted")
    return person


def kent_sent():
    import datetime as dt
    from zoneinfo import ZoneInfo

    return dt.datetime(2026, 10, 6, 10, tzinfo=ZoneInfo("Europe/London"))


@pytest.mark.django_db
def test_a_group_of_one_is_hidden_in_the_api_with_the_next_smallest(client, org, one_of_a_kind):
    body = client.get(
        "/api/v1/insights/referrals?group_by=ethnicity&from=2026-10-01&to=2026-10-31",
        **bearer(org["staff"]["national"]),
    ).json()
    groups = {g["key"]: g for g in body["groups"]}
    assert groups["A2"]["suppressed"] is True and groups["A2"]["referrals"] is None
    assert groups["A2"]["acceptance_rate"] is None
    # The only other group: shown, 31 - 30 would give the hidden one away, so hidden too.
    others = [g for k, g in groups.items() if k != "A2"]
    assert all(g["suppressed"] for g in others)
    assert all(g["referrals"] is None for g in others)


@pytest.mark.django_db
def test_the_page_and_exports_show_less_than_5(client, org, one_of_a_kind):
    client.force_login(org["staff"]["national"])
    html = client.get(f"/insights/referrals/?{QUERY}").content.decode()
    ethnicity = html[html.index('id="h-ethnicity"') :]
    ethnicity = ethnicity[: ethnicity.index("</section>")]
    assert "Hidden: small numbers" in ethnicity and "&lt;5" in ethnicity
    assert "Asian or Asian British: Chinese" in ethnicity

    rows = list(
        csv.reader(
            io.StringIO(client.get(f"/insights/referrals/export.csv?{QUERY}").content.decode())
        )
    )
    start = rows.index(["By ethnicity"])
    chinese = next(r for r in rows[start:] if r and r[0].endswith("Chinese"))
    assert chinese[1] == SUPPRESSED
    book = load_workbook(io.BytesIO(client.get(f"/insights/referrals/export.xlsx?{QUERY}").content))
    values = {r[0]: r for r in book["By ethnicity"].iter_rows(min_row=2, values_only=True)}
    assert values["Asian or Asian British: Chinese"][1] == SUPPRESSED


@pytest.mark.django_db
def test_rejection_reasons_and_escalations_hide_small_counts(client, org, fixed_referrals):  # noqa: F811
    body = client.get(
        "/api/v1/insights/referrals?group_by=kind&from=2026-10-01&to=2026-10-31",
        **bearer(org["staff"]["national"]),
    ).json()
    for reason in body["rejection_reasons"]:
        assert reason["count"] is None or not 0 < reason["count"] < 5
    for level in body["escalations"]:
        assert all(
            v is None or not 0 < v < 5 for k, v in level.items() if k not in ("level", "suppressed")
        )
