"""Dates no one means (01/01/0001, 31/12/9999) on referral monitoring and its exports are a
GOV.UK error summary, not a 500 (issue 13)."""

import pytest

from safeguard.referrals.models import Referral
from tests.factories import asc_agency


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query",
    [
        "date_from=01/01/0001&date_to=31/12/9999",
        "date_from=31/12/9999",
        "date_to=31/12/9999",
        "date_from=01/01/0001",
        "date_from=31/12/1999",
    ],
)
def test_monitoring_with_dates_out_of_range_shows_the_error_summary(client, org, query):
    client.force_login(org["staff"]["national"])
    page = client.get(f"/insights/referrals/?{query}")
    assert page.status_code == 200
    html = page.content.decode()
    assert "govuk-error-summary" in html and "must be between 1 January 2000" in html
    for fmt in ("csv", "xlsx"):
        export = client.get(f"/insights/referrals/export.{fmt}?{query}")
        assert export.status_code in (200, 400), (fmt, export.status_code)


@pytest.mark.django_db
def test_a_referral_form_with_a_bidi_override_is_refused_and_nothing_written(client, org):
    person = org["people"]["mine"]
    client.force_login(org["staff"]["practitioner"])
    response = client.post(
        f"/people/{person.crn}/referrals/new/adult_social_care_s42/",
        {
            "agency": asc_agency(name="Kent Adult Social Care").pk,
            "reason": "Self-neglect \u202egnidaer",
            "urgency": "routine",
            "action": "continue",
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "govuk-error-summary" in html and "U+202E" in html
    assert not Referral.objects.exists()
