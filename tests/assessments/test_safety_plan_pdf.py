"""The safety plan as PDF: the practitioner's record (marked OFFICIAL-SENSITIVE, any version)
and the person's own plain-English copy (theirs to keep: no marking, no "probation", no
practitioner or CRN). Scoped and logged like the pages; filenames name nobody."""

import os

import pytest

from safeguard.core.models import AccessLogEntry
from tests.assessments.helpers import save_plan
from tests.factories import exclude, restrict
from tests.helpers import queries_for
from tests.pdfs import pdf_text, require_weasyprint

pytestmark = pytest.mark.django_db

STEPS = {
    "reasons_for_living": "Seeing my grandson on Sundays",
    "warning_signs": "Pacing at night and not eating",
    "coping_strategies": "Walk the dog along the river",
    "people_and_places": "My sister Jo, the library",
    "professional_contacts": "Crisis team 01632 960000",
    "reducing_access_to_means": "Tablets kept by my sister",
}


@pytest.fixture
def planned(org):
    person, pp = org["people"]["mine"], org["staff"]["practitioner"]
    save_plan(person, pp, **STEPS)
    return person


def _keep(response, name):
    if os.environ.get("SAFEGUARD_KEEP_PDFS"):
        with open(os.path.join(os.environ["SAFEGUARD_KEEP_PDFS"], name), "wb") as f:
            f.write(response.content)


def _flat(response):
    return " ".join(pdf_text(response).split())


def test_the_practitioners_pdf_carries_the_plan_and_its_marking(client, org, planned):
    require_weasyprint()
    client.force_login(org["staff"]["practitioner"])
    page = client.get(f"/people/{planned.crn}/safety-plan/").content.decode()
    assert f'href="/people/{planned.crn}/safety-plan/pdf/"' in page
    response = client.get(f"/people/{planned.crn}/safety-plan/pdf/")
    _keep(response, "safety-plan.pdf")
    assert response["Content-Disposition"] == 'attachment; filename="safety-plan.pdf"'
    assert "no-store" in response["Cache-Control"]
    text = _flat(response)
    assert "OFFICIAL-SENSITIVE" in text and "Page 1 of 1" in text
    assert f"CRN {planned.crn}" in text and planned.full_name in text
    for step in STEPS.values():
        assert step in text, step
    assert "Samaritans" in text
    assert "Sam" in text or org["staff"]["practitioner"].display_name in text  # written by


def test_an_earlier_version_downloads_as_that_version(client, org, planned):
    require_weasyprint()
    pp = org["staff"]["practitioner"]
    save_plan(planned, pp, expected_version=1, warning_signs="Drinking alone again")
    client.force_login(pp)
    old = client.get(f"/people/{planned.crn}/safety-plan/pdf/", {"version": "1"})
    assert old["Content-Disposition"] == 'attachment; filename="safety-plan-version-1.pdf"'
    text = _flat(old)
    assert "Pacing at night and not eating" in text and "replaced" in text
    current = _flat(client.get(f"/people/{planned.crn}/safety-plan/pdf/"))
    assert "Drinking alone again" in current and "Pacing at night" not in current


@pytest.mark.parametrize("version", ["9", "0", "-1", "abc", "1 OR 1=1", "１"])
def test_a_version_that_is_not_theirs_is_not_found(client, org, planned, version):
    client.force_login(org["staff"]["practitioner"])
    response = client.get(f"/people/{planned.crn}/safety-plan/pdf/", {"version": version})
    assert response.status_code == 404


def test_the_persons_copy_is_in_plain_english_and_names_no_service(client, org, planned):
    require_weasyprint()
    client.force_login(org["staff"]["practitioner"])
    page = client.get(f"/people/{planned.crn}/safety-plan/print/").content.decode()
    assert f'href="/people/{planned.crn}/safety-plan/print/pdf/"' in page
    assert "Download as PDF" in page
    response = client.get(f"/people/{planned.crn}/safety-plan/print/pdf/")
    _keep(response, "my-safety-plan.pdf")
    assert response["Content-Disposition"] == 'attachment; filename="my-safety-plan.pdf"'
    text = _flat(response)
    assert "My safety plan" in text
    for heading in (
        "What keeps me going",
        "Signs that things are getting hard for me",
        "Things I can do on my own to feel better",
        "If I need help now",
    ):
        assert heading in text, heading
    for step in STEPS.values():
        assert step in text, step
    assert "116 123" in text and "999" in text
    assert planned.first_name in text
    for absent in (
        "OFFICIAL-SENSITIVE",
        "probation",
        planned.crn,
        planned.last_name,
        org["staff"]["practitioner"].last_name,
    ):
        assert absent.lower() not in text.lower(), absent


@pytest.mark.parametrize("route", ["safety-plan/pdf/", "safety-plan/print/pdf/"])
def test_filenames_name_nobody(client, org, planned, route):
    require_weasyprint()
    client.force_login(org["staff"]["practitioner"])
    disposition = client.get(f"/people/{planned.crn}/{route}")["Content-Disposition"]
    for personal in (planned.crn, planned.first_name, planned.last_name):
        assert personal.lower() not in disposition.lower()


@pytest.mark.parametrize("route", ["safety-plan/pdf/", "safety-plan/print/pdf/"])
def test_no_plan_no_pdf(client, org, route):
    client.force_login(org["staff"]["practitioner"])
    assert client.get(f"/people/{org['people']['colleagues'].crn}/{route}").status_code == 404


@pytest.mark.parametrize("route", ["safety-plan/pdf/", "safety-plan/print/pdf/"])
def test_anyone_who_may_not_see_the_case_gets_not_found(client, org, planned, route):
    url = f"/people/{planned.crn}/{route}"
    for who in ("far_regional", "other_team_pp"):
        client.force_login(org["staff"][who])
        assert client.get(url).status_code == 404, who
    exclude(planned, org["staff"]["spo"])
    client.force_login(org["staff"]["spo"])
    assert client.get(url).status_code == 404
    restrict(planned, org["staff"]["colleague"])
    client.force_login(org["staff"]["practitioner"])
    assert client.get(url).status_code == 404
    assert AccessLogEntry.objects.filter(person=planned, action="refused").count() == 4
    assert client.post(url).status_code == 405


def test_each_download_is_logged(client, org, planned):
    require_weasyprint()
    pp = org["staff"]["practitioner"]
    client.force_login(pp)
    for route in ("safety-plan/pdf/", "safety-plan/print/", "safety-plan/print/pdf/"):
        assert client.get(f"/people/{planned.crn}/{route}").status_code == 200
    details = list(
        AccessLogEntry.objects.filter(person=planned, actor=pp, action="view_person")
        .order_by("pk")
        .values_list("detail", flat=True)
    )
    assert details == [
        "safety plan PDF",
        "safety plan: the person's copy",
        "safety plan: the person's copy, PDF",
    ]


@pytest.mark.parametrize("route", ["safety-plan/pdf/", "safety-plan/print/pdf/"])
def test_a_fixed_number_of_queries_however_many_versions(client, org, planned, route):
    require_weasyprint()
    pp = org["staff"]["practitioner"]
    client.force_login(pp)
    url = f"/people/{planned.crn}/{route}"

    client.get(url)
    before = queries_for(client, url)
    for version in range(1, 6):
        save_plan(planned, pp, expected_version=version)
    assert queries_for(client, url) == before
