"""A board pack of one death: every breakdown would show "<5" in exactly one category and so
describe the person. Those breakdowns are withheld whole, in the page, the file and the API."""

import datetime as dt
import io

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from safeguard.learning.insights import WITHHELD
from tests.factories import PersonFactory
from tests.helpers import bearer
from tests.learning.helpers import record_death


@pytest.fixture
def one_death(org):
    person = PersonFactory(team=org["team"], sex="female", ethnicity="B1")
    record_death(person, org["staff"]["practitioner"], circumstances="self_inflicted")
    return person


@pytest.mark.django_db
def test_one_death_withholds_every_breakdown(client, org, one_death):
    client.force_login(org["staff"]["regional"])
    today = timezone.localdate()
    query = (
        f"?region={org['team'].pdu.region_id}"
        f"&date_from={(today - dt.timedelta(days=365)).strftime('%d/%m/%Y')}"
        f"&date_to={today.strftime('%d/%m/%Y')}"
    )
    html = client.get("/learning/board-pack/" + query).content.decode()
    assert html.count(WITHHELD) >= 8  # each breakdown
    book = load_workbook(io.BytesIO(client.get("/learning/board-pack/xlsx/" + query).content))
    sheet = book["Deaths by sex"]
    cells = [c for row in sheet.iter_rows(values_only=True) for c in row]
    assert WITHHELD in cells and "Female" not in cells

    body = client.get(
        "/api/v1/insights/deaths?group_by=circumstance", **bearer(org["staff"]["national"])
    ).json()
    assert body["groups"] and all(g["suppressed"] and g["count"] is None for g in body["groups"])
