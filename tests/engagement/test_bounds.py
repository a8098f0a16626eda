"""Travel support totals with dates no one means (issue 13)."""

import pytest


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query", ["start=01/01/0001&end=31/12/9999", "end=31/12/9999", "start=01/01/0001"]
)
def test_travel_totals_with_dates_out_of_range_show_the_error_summary(client, org, query):
    client.force_login(org["staff"]["spo"])
    page = client.get(f"/travel-support/?{query}")
    assert page.status_code == 200
    html = page.content.decode()
    assert "govuk-error-summary" in html and "must be between 1 January 2000" in html
