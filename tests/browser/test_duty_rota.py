"""An SPO opens the duty rota from the navigation, is shown the error summary for an end
before the start, adds a colleague, then removes them; an urgent alert's page is acknowledged.
Every page passes axe-core."""

import datetime as dt

import pytest
from django.utils import timezone

from safeguard.alerts import services
from safeguard.alerts.models import Alert, AlertStatus, DutyRotaEntry
from safeguard.core.models import Role
from tests.alerts.helpers import urgent_item
from tests.browser.conftest import assert_accessible, fill_date, sign_in
from tests.factories import PASSWORD, PersonFactory, StaffFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_duty_rota_and_an_alert_pass_axe(page, live_server, home_team):
    base = live_server.url
    spo = StaffFactory(
        username="rota.spo",
        role=Role.SENIOR_PROBATION_OFFICER,
        teams=[home_team],
        email="rota.spo@justice.example",
    )
    StaffFactory(
        username="rota.pp",
        first_name="Robin",
        last_name="Duty",
        role=Role.PRACTITIONER,
        teams=[home_team],
    )
    sign_in(page, base, "rota.spo", PASSWORD)
    page.wait_for_url(f"{base}/my-work/")
    page.click("nav >> text=Duty rota")
    page.wait_for_url(f"{base}/duty-rota/teams/{home_team.pk}/")
    assert_accessible(page)

    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    page.select_option("#id_staff", label="Robin Duty (Probation practitioner)")
    fill_date(page, "starts_on", tomorrow)
    page.fill("#id_starts_time", "17:00")
    fill_date(page, "ends_on", tomorrow)
    page.fill("#id_ends_time", "9am")
    page.click("button:text('Add to rota')")
    page.wait_for_selector(".govuk-error-summary")
    assert "The end must be after the start" in page.inner_text(".govuk-error-summary")
    assert_accessible(page)

    fill_date(page, "ends_on", tomorrow + dt.timedelta(days=1))
    page.click("button:text('Add to rota')")
    page.wait_for_selector("text=Robin Duty added to the duty rota")
    assert DutyRotaEntry.objects.count() == 1
    assert_accessible(page)
    page.click("button:text('Remove')")
    page.wait_for_selector("text=Robin Duty removed from the duty rota")
    assert not DutyRotaEntry.objects.exists()

    # The page an alert email links to: an unallocated case's urgent item goes to the SPO.
    person = PersonFactory(crn="R000001", team=home_team, practitioner=None)
    item = urgent_item(person, assigned_to=spo)
    services.alerts_raise()
    page.goto(f"{base}/alerts/items/{item.pk}/")
    assert "Who was emailed" in page.content()
    assert_accessible(page)
    page.click("button:text('Acknowledge')")
    page.wait_for_selector("text=Alert acknowledged")
    assert Alert.objects.get().status == AlertStatus.ACKNOWLEDGED
    assert_accessible(page)
