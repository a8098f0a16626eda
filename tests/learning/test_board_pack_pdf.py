"""The board pack as PDF: the same suppressed tables as the page, no names or CRNs (of the
people who died or of the member of staff who printed it), marked OFFICIAL-SENSITIVE, for
those who may see the pack; bad input goes back to the form."""

import datetime as dt
import os
import re
from html import unescape

import pytest
from django.utils import timezone

from safeguard.core.models import AccessLogEntry
from tests.factories import PersonFactory
from tests.helpers import queries_for
from tests.learning.helpers import record_death
from tests.learning.test_insights import NAMES, SMALL, fixed_deaths  # noqa: F401 (a fixture)
from tests.pdfs import pdf_text, require_weasyprint

pytestmark = pytest.mark.django_db


def _query(org, days=365):
    today = timezone.localdate()
    return {
        "region": org["team"].pdu.region_id,
        "date_from": (today - dt.timedelta(days=days)).strftime("%d/%m/%Y"),
        "date_to": today.strftime("%d/%m/%Y"),
    }


def test_the_pdf_carries_the_pages_tables_suppressed(client, org, fixed_deaths):  # noqa: F811
    require_weasyprint()
    regional = org["staff"]["regional"]
    client.force_login(regional)
    page = client.get("/learning/board-pack/", _query(org))
    html = page.content.decode()
    assert "/learning/board-pack/pdf/?" in html and "Download as PDF" in html
    response = client.get("/learning/board-pack/pdf/", _query(org))
    if os.environ.get("SAFEGUARD_KEEP_PDFS"):
        with open(os.path.join(os.environ["SAFEGUARD_KEEP_PDFS"], "board-pack.pdf"), "wb") as f:
            f.write(response.content)
    assert "no-store" in response["Cache-Control"]
    disposition = response["Content-Disposition"]
    assert re.fullmatch(
        r'attachment; filename="board-pack-kss-\d{4}-\d\d-\d\d-\d{4}-\d\d-\d\d\.pdf"', disposition
    ), disposition
    text = pdf_text(response)
    flat = " ".join(text.split())
    assert "OFFICIAL-SENSITIVE" in flat and "Page 1 of" in flat
    assert "Deaths of people under probation supervision" in flat
    assert "Kent, Surrey and Sussex" in flat and "<5" in flat
    # Every table title on the page is in the PDF.
    for title in re.findall(r'<h2 class="govuk-heading-m" id="bp-\d+">([^<]+)</h2>', html):
        assert " ".join(title.split()) in flat, title
    for name in NAMES:
        assert name not in flat
    assert "L000001" not in flat
    assert regional.display_name not in flat  # a pack for boards names nobody, staff included
    # ... and every cell of its tables, suppressed as on the page ("<5"), in the page's order.
    cells = [
        " ".join(unescape(c).split())
        for c in re.findall(r"<t[dh][^>]*>([^<]*)</t[dh]>", html)
        if c.strip()
    ]
    assert cells and "<5" in cells
    assert not any(SMALL.match(c) for c in cells)
    position = 0
    for cell in cells:
        found = flat.find(cell, position)
        assert found >= 0, (cell, flat[position : position + 200])
        position = found + len(cell)
    assert AccessLogEntry.objects.filter(
        actor=regional, detail__startswith="board pack PDF"
    ).exists()


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"region": "", "date_from": "31/02/2026", "date_to": ""},
        {"region": "not-a-number", "date_from": "01/01/2026", "date_to": "02/01/2026"},
    ],
)
def test_bad_or_missing_choices_go_back_to_the_form(client, org, params):
    client.force_login(org["staff"]["regional"])
    response = client.get("/learning/board-pack/pdf/", params)
    assert response.status_code == 302
    assert response["Location"].startswith("/learning/board-pack/?")


def test_a_region_the_user_may_not_choose_gives_no_pdf(client, org):
    client.force_login(org["staff"]["regional"])
    params = {**_query(org), "region": org["people"]["far"].pdu.region_id}
    response = client.get("/learning/board-pack/pdf/", params)
    assert response.status_code == 302  # back to the form, which says "Choose a region"


def test_roles_without_learning_cannot_download_it(client, org):
    for role in ("practitioner", "spo", "no_role"):
        client.force_login(org["staff"][role])
        assert client.get("/learning/board-pack/pdf/", _query(org)).status_code == 403, role


def test_a_fixed_number_of_queries_however_many_deaths(client, org, fixed_deaths):  # noqa: F811
    require_weasyprint()
    client.force_login(org["staff"]["regional"])

    client.get("/learning/board-pack/pdf/", _query(org))
    before = queries_for(client, "/learning/board-pack/pdf/", _query(org))
    for index in range(6):
        person = PersonFactory(team=org["team"], practitioner=org["staff"]["practitioner"])
        record_death(person, org["staff"]["spo"], days_ago=20 + index)
    assert queries_for(client, "/learning/board-pack/pdf/", _query(org)) == before
