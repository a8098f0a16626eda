"""Equal treatment monitoring in a browser: the chart beside its table, the notes, the filter
form's errors in a summary and the funnel plots; all passing axe-core."""

import pytest

from safeguard.core.models import Role
from safeguard.referrals.models import Agency
from tests.browser.conftest import assert_accessible, sign_in
from tests.factories import PASSWORD, PersonFactory, SentReferralFactory, StaffFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_regional_lead_compares_groups_and_local_authorities(page, live_server, home_team):
    StaffFactory(username="eq.region", role=Role.REGIONAL_LEAD, region=home_team.pdu.region)
    agency = Agency.objects.get(name="Kent Adult Social Care")
    for sex, accepted, rejected in (("male", 12, 10), ("female", 9, 6)):
        person = PersonFactory(team=home_team, sex=sex)
        for i in range(accepted + rejected):
            SentReferralFactory(
                person=person,
                agency=agency,
                status="accepted" if i < accepted else "rejected",
                decision_working_days=1 + i % 4,
                rejection_reason="" if i < accepted else "below_threshold",
            )

    sign_in(page, live_server.url, "eq.region", PASSWORD)
    page.goto(f"{live_server.url}/insights/equality/?decision=asc_referral_accepted&by=sex")
    chart = page.locator("img[src^='data:image/svg+xml']")
    assert chart.count() == 1
    assert chart.first.get_attribute("alt").endswith("The figures are in the table.")
    assert page.locator("table").count() == 2  # the groups, and the trend by quarter
    assert page.locator("text=How to read these figures").count() == 1
    assert page.locator("a[href*='export.zip']").count() == 1
    assert_accessible(page)

    page.fill("#id_date_from", "31/10/2026")
    page.fill("#id_date_to", "01/10/2026")
    page.click("button:text('Apply filters')")
    page.wait_for_selector(".govuk-error-summary")
    assert_accessible(page)

    page.goto(f"{live_server.url}/insights/equality/local-authorities/")
    assert page.locator("img[src^='data:image/svg+xml']").count() == 2
    assert page.locator("text=accepted ÷ decided").count() >= 1
    assert_accessible(page)
    page.set_viewport_size({"width": 320, "height": 800})
    assert_accessible(page)
