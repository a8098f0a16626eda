"""The learning page and its exports with dates no one means (issue 13)."""

import pytest


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query",
    ["date_from=01/01/0001&date_to=31/12/9999", "date_to=31/12/9999", "date_from=01/01/0001"],
)
def test_the_learning_page_with_dates_out_of_range_shows_the_error_summary(client, org, query):
    client.force_login(org["staff"]["national"])
    page = client.get(f"/learning/?{query}")
    assert page.status_code == 200
    html = page.content.decode()
    assert "govuk-error-summary" in html and "must be between 1 January 2000" in html
    for url in ("/learning/export/csv/", "/learning/board-pack/"):
        assert client.get(f"{url}?{query}").status_code in (200, 400), url
