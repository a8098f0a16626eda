"""Role × page/endpoint: who sees which case, on the pages and in the API alike."""

import re

import pytest

from safeguard.core.models import AccessLogEntry
from tests.factories import PersonFactory, exclude, restrict
from tests.helpers import bearer

VISIBLE = {
    # staff key: people keys they may see
    "practitioner": {"mine", "colleagues"},
    "colleague": {"mine", "colleagues"},
    "spo": {"mine", "colleagues"},
    "other_team_pp": {"same_pdu"},
    "head": {"mine", "colleagues", "same_pdu"},
    "regional": {"mine", "colleagues", "same_pdu"},
    "far_regional": {"far"},
    "national": {"mine", "colleagues", "same_pdu", "far"},
    "inspector": {"mine", "colleagues", "same_pdu", "far"},
    "admin": {"mine", "colleagues", "same_pdu", "far"},
    "no_role": set(),
}
CASES = [(s, p) for s in VISIBLE for p in ("mine", "colleagues", "same_pdu", "far")]


@pytest.mark.django_db
@pytest.mark.parametrize(("staff_key", "person_key"), CASES)
def test_person_page_and_api_agree_on_scope(client, org, staff_key, person_key):
    staff = org["staff"][staff_key]
    person = org["people"][person_key]
    expected = 200 if person_key in VISIBLE[staff_key] else 404
    if staff_key == "no_role":
        expected = 403  # no role holds no capability: refused before any case is looked up

    client.force_login(staff)
    assert client.get(f"/people/{person.crn}/").status_code == expected
    assert client.get(f"/api/v1/people/{person.crn}", **bearer(staff)).status_code == expected


@pytest.mark.django_db
@pytest.mark.parametrize("staff_key", list(VISIBLE))
def test_api_list_returns_exactly_the_visible_people(client, org, staff_key):
    staff = org["staff"][staff_key]
    response = client.get("/api/v1/people?limit=500", **bearer(staff))
    if staff_key == "no_role":
        assert response.status_code == 403
        return
    assert response.status_code == 200
    crns = {item["crn"] for item in response.json()["items"]}
    assert crns == {org["people"][k].crn for k in VISIBLE[staff_key]}
    assert response.json()["count"] == len(VISIBLE[staff_key])


@pytest.mark.django_db
def test_exclusion_hides_a_case_from_the_excluded_practitioner_only(client, org):
    team = org["team"]
    pp, spo, national = (org["staff"][k] for k in ("practitioner", "spo", "national"))
    case = PersonFactory(crn="X900001", team=team, practitioner=org["staff"]["colleague"])
    exclude(case, pp)

    for staff, expected in ((pp, 404), (spo, 200), (national, 200)):
        client.force_login(staff)
        assert client.get("/people/X900001/").status_code == expected
        assert client.get("/api/v1/people/X900001", **bearer(staff)).status_code == expected

    client.force_login(pp)
    page = client.get("/caseload/?scope=team")
    assert b"/people/X900001/" not in page.content
    assert b"/people/A000002/" in page.content
    search = client.post("/search/", {"q": "X900001"})
    assert b"/people/X900001/" not in search.content
    assert b"0 results" in search.content


@pytest.mark.django_db
def test_restriction_list_admits_only_listed_staff_whatever_their_role(client, org):
    team = org["team"]
    case = PersonFactory(crn="X900002", team=team, practitioner=org["staff"]["colleague"])
    restrict(case, org["staff"]["spo"], org["staff"]["colleague"])

    expectations = {
        "spo": 200,
        "colleague": 200,
        "practitioner": 404,
        "head": 404,
        "national": 404,
        "admin": 404,
    }
    for key, expected in expectations.items():
        staff = org["staff"][key]
        client.force_login(staff)
        assert client.get("/people/X900002/").status_code == expected, key
        api = client.get("/api/v1/people/X900002", **bearer(staff))
        assert api.status_code == expected, key

    response = client.get("/api/v1/people?limit=500", **bearer(org["staff"]["spo"]))
    flagged = {i["crn"]: i["limited_access"] for i in response.json()["items"]}
    assert flagged["X900002"] is True
    assert flagged["A000001"] is False


@pytest.mark.django_db
def test_missing_and_hidden_cases_answer_the_same(client, org):
    client.force_login(org["staff"]["practitioner"])
    hidden = client.get(f"/people/{org['people']['far'].crn}/")
    missing = client.get("/people/Z999999/")
    assert hidden.status_code == missing.status_code == 404
    nonce = re.compile(rb'(nonce|value)="[^"]*"')
    assert nonce.sub(b"", hidden.content) == nonce.sub(b"", missing.content)


@pytest.mark.django_db
def test_signed_out_visitors_are_sent_to_sign_in(client, org):
    response = client.get(f"/people/{org['people']['mine'].crn}/")
    assert response.status_code == 302
    assert response["Location"].startswith("/sign-in/")
    assert not AccessLogEntry.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("staff_key", "expected"),
    [("admin", 200), ("national", 200), ("practitioner", 404), ("spo", 404), ("inspector", 404)],
)
def test_access_log_is_for_admin_and_national_only(client, org, staff_key, expected):
    staff = org["staff"][staff_key]
    crn = org["people"]["mine"].crn
    client.force_login(staff)
    assert client.get(f"/people/{crn}/access-log/").status_code == expected
    assert client.get(f"/api/v1/people/{crn}/access-log", **bearer(staff)).status_code == expected
