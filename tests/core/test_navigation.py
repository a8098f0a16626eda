"""The service navigation: grouped so it fits one row, with the reports behind one item."""

import re

import pytest
from django.urls import reverse

from safeguard.core.capabilities import has_capability
from safeguard.core.context_processors import NAVIGATION, REPORTS

ROLES = ("practitioner", "spo", "head", "regional", "national", "inspector", "admin")


def _nav_items(html: str) -> list[str]:
    nav = html.split('id="navigation"', 1)[1].split("</ul>", 1)[0]
    return [re.sub(r"<[^>]+>", "", m).strip() for m in re.findall(r"<a [^>]*>(.*?)</a>", nav)]


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_every_role_has_at_most_nine_navigation_items_and_every_report_it_may_open(
    client, org, role
):
    staff = org["staff"][role]
    client.force_login(staff)
    page = client.get("/reports/")
    assert page.status_code == 200
    html = page.content.decode()
    items = _nav_items(html)
    assert 5 <= len(items) <= 9, items
    assert "Reports" in items
    assert 'aria-current="page"' in html.split('id="navigation"', 1)[1].split("</ul>", 1)[0]
    for text, name, capability, _ in REPORTS:
        allowed = capability is None or has_capability(staff, capability)
        assert (f'href="{reverse(name)}"' in html) is allowed, (role, text)
        if allowed:
            assert client.get(reverse(name)).status_code == 200, (role, text)


@pytest.mark.django_db
def test_a_report_page_marks_reports_as_the_current_item(client, org):
    client.force_login(org["staff"]["national"])
    html = client.get("/insights/referrals/").content.decode()
    nav = html.split('id="navigation"', 1)[1].split("</ul>", 1)[0]
    current = re.search(r'<a [^>]*aria-current="page"[^>]*>(.*?)</a>', nav).group(1)
    assert "Reports" in current


@pytest.mark.django_db
def test_a_person_page_marks_caseload_as_the_current_item(client, org):
    client.force_login(org["staff"]["practitioner"])
    html = client.get("/people/A000001/").content.decode()
    nav = html.split('id="navigation"', 1)[1].split("</ul>", 1)[0]
    current = re.search(r'<a [^>]*aria-current="page"[^>]*>(.*?)</a>', nav).group(1)
    assert "Caseload" in current


def test_navigation_names_are_short_enough_for_one_row():
    # 9 items of at most 12 characters (plus "(N urgent)") fit in 1,200 px at 19px GOV.UK font;
    # the browser tests measure the real row at 1280 px.
    assert all(len(text) <= 12 for text, *_ in NAVIGATION)


@pytest.mark.django_db
def test_reports_runs_a_fixed_number_of_queries(client, org, django_assert_max_num_queries):
    client.force_login(org["staff"]["national"])
    client.get("/reports/")
    with django_assert_max_num_queries(6):
        assert client.get("/reports/").status_code == 200


@pytest.mark.django_db
def test_reports_needs_a_role(client, org):
    client.force_login(org["staff"]["no_role"])
    assert client.get("/reports/").status_code == 403
    assert client.post("/reports/").status_code == 405
