"""Printable records in a real browser: the case summary and the person's copy of their safety
plan reflow at 320 px and pass axe at 320 and 1280 px, print without the service's navigation,
and their "Download as PDF" links download a PDF named without personal data, with JavaScript
and without it."""

import pytest

from safeguard.core.models import Role
from tests.assessments.helpers import record_screen, save_plan
from tests.browser.conftest import assert_accessible, sign_in
from tests.factories import (
    PASSWORD,
    PersonFactory,
    RegistrationFactory,
    RejectedReferralFactory,
    StaffFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def practitioner(home_team):
    pp = StaffFactory(
        username="print.pp", first_name="Robin", last_name="Ashdown",
        role=Role.PRACTITIONER, teams=[home_team],
    )  # fmt: skip
    person = PersonFactory(
        crn="P000001",
        team=home_team,
        practitioner=pp,
        first_name="Maximiliana-Josephine",
        last_name="Featherstonehaugh-Wolstenholme",
    )
    RegistrationFactory(person=person, owner=pp, code="ALSH")
    RejectedReferralFactory(person=person, created_by=pp)
    record_screen(person, pp, ssh_thoughts="often")
    save_plan(person, pp, warning_signs="Pacing at night and not eating")
    return pp


def _no_sideways_scroll(page, where):
    widths = page.evaluate(
        "[document.scrollingElement.scrollWidth, document.scrollingElement.clientWidth]"
    )
    assert widths[0] <= widths[1], f"{where} scrolls sideways: {widths}"


def _download(page, link_text):
    with page.expect_download() as info:
        page.click(f"a:text('{link_text}')")
    download = info.value
    with open(download.path(), "rb") as handle:
        assert handle.read(5) == b"%PDF-"
    return download.suggested_filename


def test_the_case_summary_reflows_passes_axe_prints_and_downloads(page, live_server, practitioner):
    base = live_server.url
    sign_in(page, base, "print.pp", PASSWORD)
    page.wait_for_url(f"{base}/my-work/")
    page.goto(f"{base}/people/P000001/")
    page.click("text=Case summary to print or download as PDF")
    page.wait_for_url(f"{base}/people/P000001/case-summary/")
    assert "Case summary: Maximiliana-Josephine" in page.locator("h1").inner_text()
    for width in (1280, 320):
        page.set_viewport_size({"width": width, "height": 900})
        _no_sideways_scroll(page, f"case summary at {width} px")
        assert_accessible(page)
    page.emulate_media(media="print")
    assert not page.locator(".govuk-service-navigation").is_visible()
    assert not page.locator("a:text('Download as PDF')").is_visible()
    assert page.locator("h1").is_visible()
    page.emulate_media(media="screen")
    assert _download(page, "Download as PDF") == "case-summary.pdf"

    page.goto(f"{base}/people/P000001/safety-plan/print/")
    for width in (1280, 320):
        page.set_viewport_size({"width": width, "height": 900})
        _no_sideways_scroll(page, f"the person's copy at {width} px")
        assert_accessible(page)
    assert page.locator("h1").inner_text() == "My safety plan"
    assert _download(page, "Download as PDF") == "my-safety-plan.pdf"


def test_the_downloads_work_without_javascript(chromium, live_server, practitioner):
    context = chromium.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        sign_in(page, live_server.url, "print.pp", PASSWORD)
        page.wait_for_url(f"{live_server.url}/my-work/")
        page.goto(f"{live_server.url}/people/P000001/case-summary/")
        assert _download(page, "Download as PDF") == "case-summary.pdf"
        page.goto(f"{live_server.url}/people/P000001/safety-plan/")
        assert _download(page, "Download this plan as PDF") == "safety-plan.pdf"
    finally:
        context.close()
