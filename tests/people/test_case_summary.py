"""The printable case summary and its PDF: what the person page shows, for the people the user
may see (404 for anyone else, as the page), logged, with a filename that names nobody and a
fixed number of queries."""

import os

import pytest

from safeguard.core.models import AccessLogEntry
from safeguard.registrations.models import RegisterType
from tests.assessments.helpers import record_screen, save_plan
from tests.factories import (
    RegistrationFactory,
    RejectedReferralFactory,
    SentReferralFactory,
    exclude,
    restrict,
)
from tests.helpers import queries_for
from tests.pdfs import pdf_text, require_weasyprint
from tests.releases.helpers import in_custody, open_plan

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(org):
    """A person in custody with a screen, a safety plan, registrations, referrals and a
    release plan."""
    pp = org["staff"]["practitioner"]
    person = in_custody(org["team"], pp, crn="C123456", last_name="Summarised")
    record_screen(person, pp, ssh_thoughts="often", ssh_triggers=["release"])
    save_plan(person, pp, warning_signs="Pacing at night and not eating")
    RegistrationFactory(person=person, owner=pp, code="ALSH")
    RegistrationFactory(person=person, owner=pp, code="RVLN")
    RejectedReferralFactory(person=person, created_by=pp)
    open_plan(person)
    return person


def _titles(*codes):
    return [RegisterType.objects.get(code=c).description for c in codes]


def test_the_summary_page_shows_the_record_and_links_to_its_pdf(client, org, case):
    client.force_login(org["staff"]["practitioner"])
    person_page = client.get(f"/people/{case.crn}/").content.decode()
    assert f'href="/people/{case.crn}/case-summary/"' in person_page
    response = client.get(f"/people/{case.crn}/case-summary/")
    assert response.status_code == 200
    html = response.content.decode()
    assert f"Case summary: {case.full_name}" in html
    assert f'href="/people/{case.crn}/case-summary/pdf/"' in html and "Download as PDF" in html
    for title in _titles("ALSH", "RVLN"):
        assert title in html
    assert "Safety plan" in html and "Referrals" in html and "Release" in html
    assert "Change contact details" not in html  # its actions are left off
    assert response["Cache-Control"].startswith("no-store")


def test_the_pdf_carries_what_the_page_shows(client, org, case):
    require_weasyprint()
    client.force_login(org["staff"]["practitioner"])
    response = client.get(f"/people/{case.crn}/case-summary/pdf/")
    assert response["Content-Disposition"] == 'attachment; filename="case-summary.pdf"'
    assert "no-store" in response["Cache-Control"]
    if os.environ.get("SAFEGUARD_KEEP_PDFS"):  # to look at one: SAFEGUARD_KEEP_PDFS=/tmp
        with open(os.path.join(os.environ["SAFEGUARD_KEEP_PDFS"], "case-summary.pdf"), "wb") as f:
            f.write(response.content)
    text = pdf_text(response)
    flat = " ".join(text.split())
    assert "OFFICIAL-SENSITIVE" in text and "Page 1 of" in text
    assert f"Case summary: {case.full_name}" in flat
    assert f"CRN {case.crn}" in flat
    for title in _titles("ALSH", "RVLN"):
        assert title in flat, title
    assert "Risk to self" in flat
    assert "Safety plan" in flat
    assert "Referrals" in flat
    assert "Release" in flat


def test_the_filename_names_nobody(client, org, case):
    require_weasyprint()
    client.force_login(org["staff"]["practitioner"])
    disposition = client.get(f"/people/{case.crn}/case-summary/pdf/")["Content-Disposition"]
    for personal in (case.crn, case.crn.lower(), case.first_name, case.last_name):
        assert personal.lower() not in disposition.lower()


@pytest.mark.parametrize("suffix", ["", "pdf/"])
def test_anyone_who_may_not_see_the_case_gets_not_found(client, org, case, suffix):
    url = f"/people/{case.crn}/case-summary/{suffix}"
    client.force_login(org["staff"]["far_regional"])  # another region
    assert client.get(url).status_code == 404
    client.force_login(org["staff"]["other_team_pp"])  # another team in the same PDU
    assert client.get(url).status_code == 404
    exclude(case, org["staff"]["spo"])  # limited access: on the exclusion list
    client.force_login(org["staff"]["spo"])
    assert client.get(url).status_code == 404
    restrict(case, org["staff"]["colleague"])  # restricted to someone else
    client.force_login(org["staff"]["practitioner"])
    assert client.get(url).status_code == 404
    # ... exactly as for a CRN that does not exist, or is not a CRN at all
    assert client.get(f"/people/Z999999/case-summary/{suffix}").status_code == 404
    assert client.get(f"/people/%20%3Cscript%3E/case-summary/{suffix}").status_code == 404
    refused = AccessLogEntry.objects.filter(person=case, action="refused")
    assert refused.count() == 4


def test_reading_the_summary_and_its_pdf_is_logged(client, org, case):
    require_weasyprint()
    pp = org["staff"]["practitioner"]
    client.force_login(pp)
    client.get(f"/people/{case.crn}/case-summary/")
    client.get(f"/people/{case.crn}/case-summary/pdf/")
    details = list(
        AccessLogEntry.objects.filter(person=case, actor=pp, action="view_person")
        .order_by("pk")
        .values_list("detail", flat=True)
    )
    assert details == ["case summary", "case summary PDF"]


def test_only_get_is_allowed(client, org, case):
    client.force_login(org["staff"]["practitioner"])
    assert client.post(f"/people/{case.crn}/case-summary/").status_code == 405
    assert client.post(f"/people/{case.crn}/case-summary/pdf/").status_code == 405


@pytest.mark.parametrize("suffix", ["", "pdf/"])
def test_the_summary_runs_a_fixed_number_of_queries(client, org, case, suffix):
    if suffix:
        require_weasyprint()
    pp = org["staff"]["practitioner"]
    client.force_login(pp)
    url = f"/people/{case.crn}/case-summary/{suffix}"

    client.get(url)
    before = queries_for(client, url)
    for code in ("RVAD", "CUCK", "REG30"):
        RegistrationFactory(person=case, owner=pp, code=code)
    for _ in range(3):
        SentReferralFactory(person=case, created_by=pp)
    record_screen(case, pp)
    assert queries_for(client, url) == before
