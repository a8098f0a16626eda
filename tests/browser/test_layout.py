"""Reflow (WCAG 1.4.10) and the navigation, in a real browser: for every role, signing in lands
on My work; at 1280 px the navigation is one row; at 1280 px and at 320 px no page reached from
the navigation, the Reports page or a person's page scrolls sideways, and each passes axe with
no serious or critical violations."""

import pytest
from django.utils import timezone

from safeguard.core.models import Role
from safeguard.core.workitems import scan_all
from tests.assessments.helpers import record_screen
from tests.browser.conftest import assert_accessible, sign_in
from tests.factories import (
    PASSWORD,
    OverdueReferralFactory,
    OverdueRegistrationFactory,
    PersonFactory,
    RejectedReferralFactory,
    StaffFactory,
    pdu_of,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ROLES = {
    "practitioner": Role.PRACTITIONER,
    "spo": Role.SENIOR_PROBATION_OFFICER,
    "head": Role.HEAD_OF_PDU,
    "regional": Role.REGIONAL_LEAD,
    "national": Role.NATIONAL,
    "inspector": Role.INSPECTOR,
    "admin": Role.ADMIN,
}


@pytest.fixture
def world(home_team):
    pdu = pdu_of(home_team)
    staff = {}
    for key, role in ROLES.items():
        extra = {}
        if role in (Role.PRACTITIONER, Role.SENIOR_PROBATION_OFFICER):
            extra["teams"] = [home_team]
        elif role == Role.HEAD_OF_PDU:
            extra["pdu"] = pdu
        elif role == Role.REGIONAL_LEAD:
            extra["region"] = pdu.region
        staff[key] = StaffFactory(username=f"layout.{key}", role=role, **extra)
    pp = staff["practitioner"]
    # A person whose page has every kind of wide table: registrations, referrals, screens.
    person = PersonFactory(
        crn="W000001",
        team=home_team,
        practitioner=pp,
        first_name="Maximiliana-Josephine",
        last_name="Featherstonehaugh-Wolstenholme",
    )
    OverdueRegistrationFactory(person=person)
    OverdueReferralFactory(person=person, created_by=pp)
    RejectedReferralFactory(person=person, created_by=pp)
    record_screen(person, pp, ssh_thoughts="often")
    for index in range(3):
        PersonFactory(crn=f"W00001{index}", team=home_team, practitioner=pp)
    scan_all(today=timezone.localdate())
    return staff


def _no_sideways_scroll(page, where):
    widths = page.evaluate(
        "[document.scrollingElement.scrollWidth, document.scrollingElement.clientWidth]"
    )
    assert widths[0] <= widths[1], f"{where} scrolls sideways: {widths}"


def _links(page, selector):
    return page.eval_on_selector_all(selector, "els => els.map(e => e.getAttribute('href'))")


@pytest.mark.parametrize("role", list(ROLES))
def test_every_page_reached_reflows_and_passes_axe(page, live_server, world, role):
    base = live_server.url
    sign_in(page, base, f"layout.{role}", PASSWORD)
    page.wait_for_url(f"{base}/my-work/")
    tops = page.eval_on_selector_all(
        ".govuk-service-navigation__item", "els => els.map(e => e.offsetTop)"
    )
    assert len(set(tops)) == 1, f"the navigation wraps for {role}: {tops}"
    pages = _links(page, ".govuk-service-navigation__link")
    page.goto(f"{base}/reports/")
    pages += _links(page, "#reports a")
    pages.append("/people/W000001/")
    pages = list(dict.fromkeys(pages))
    for width in (1280, 320):
        page.set_viewport_size({"width": width, "height": 900})
        for href in pages:
            response = page.goto(f"{base}{href}")
            assert response.status == 200, href
            _no_sideways_scroll(page, f"{href} at {width} px")
            assert_accessible(page)


def test_a_wide_table_scrolls_in_its_own_focusable_region(page, live_server, world):
    base = live_server.url
    sign_in(page, base, "layout.practitioner", PASSWORD)
    page.wait_for_url(f"{base}/my-work/")
    page.set_viewport_size({"width": 320, "height": 900})
    for href in ("/people/W000001/", "/caseload/"):
        page.goto(f"{base}{href}")
        regions = page.locator(".app-table-scroll")
        assert regions.count() >= 1
        for index in range(regions.count()):
            region = regions.nth(index)
            assert region.get_attribute("tabindex") == "0"
            assert region.get_attribute("role") == "region"
            assert region.get_attribute("aria-label")
        # every table on the page is inside one
        loose = page.evaluate(
            "[...document.querySelectorAll('main table')]"
            ".filter(t => !t.closest('.app-table-scroll')).length"
        )
        assert loose == 0, href
        _no_sideways_scroll(page, href)


def test_the_pages_people_on_probation_open_reflow_and_pass_axe(page, live_server, world):
    from django.core.cache import cache

    from safeguard.engagement.checkins import check_in_create
    from tests.factories import PersonFactory

    cache.clear()
    pp = world["practitioner"]
    person = PersonFactory(
        crn="W000099", team=pp.teams.first(), practitioner=pp, mobile="07700 900123"
    )
    token = check_in_create(person_id=person.pk, channel="sms", actor=pp).token
    base = live_server.url
    for width in (320, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        for href in (f"/check-in/{token}", "/check-in/privacy", "/check-in/accessibility"):
            assert page.goto(f"{base}{href}").status == 200
            _no_sideways_scroll(page, f"{href} at {width} px")
            assert_accessible(page)
    page.goto(f"{base}/check-in/{token}")
    assert "Who to contact" in page.inner_text("#your-contact")


def test_records_print_without_the_service_around_them(page, live_server, world):
    base = live_server.url
    sign_in(page, base, "layout.practitioner", PASSWORD)
    page.wait_for_url(f"{base}/my-work/")
    page.emulate_media(media="print")
    for href in ("/people/W000001/", "/people/W000001/vulnerability-screens/"):
        page.goto(f"{base}{href}")
        assert not page.locator(".govuk-service-navigation").is_visible()
        assert not page.locator(".govuk-footer").is_visible()
        assert page.locator("main h1").is_visible()
        hidden = page.evaluate(
            "[...document.querySelectorAll('.app-table-scroll')]"
            ".every(e => getComputedStyle(e).overflowX === 'visible')"
        )
        assert hidden, href
