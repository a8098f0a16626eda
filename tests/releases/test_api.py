"""The release API: the plan, item updates, recording the release, measures; problem+json
errors naming the field; scoping and the access log."""

import datetime as dt

import pytest

from safeguard.core.models import AccessLogEntry
from safeguard.releases.models import ReleasePlan, ReleasePlanItem
from tests.factories import RegistrationFactory, exclude
from tests.helpers import bearer
from tests.releases.helpers import in_custody, open_plan, released, set_item, today

pytestmark = pytest.mark.django_db
PROBLEM = "application/problem+json"


def patch(client, url, payload, staff):
    return client.patch(url, payload, content_type="application/json", **bearer(staff))


def post(client, url, payload, staff):
    return client.post(url, payload, content_type="application/json", **bearer(staff))


def fields(response):
    assert response["Content-Type"] == PROBLEM, response.content
    return [e["field"] for e in response.json()["errors"]]


def test_get_the_release_plan(client, org):
    pp = org["staff"]["practitioner"]
    person = in_custody(org["team"], pp, release_in_days=40)
    RegistrationFactory(person=person, code="ALSH")
    plan = open_plan(person)
    set_item(plan, "mental_health_handover", "not_needed", pp, reason="No need")
    response = client.get(f"/api/v1/people/{person.crn}/release-plan", **bearer(pp))
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == plan.pk and body["release_date"] == plan.release_date.isoformat()
    assert body["status"] == "open" and body["at_risk"] is True
    assert body["duty_to_refer_prompt"] == {
        "late": True,
        "refer_by": (plan.release_date - dt.timedelta(days=56)).isoformat(),
    }
    items = {i["key"]: i for i in body["items"]}
    assert len(items) == 15
    assert (
        items["accommodation_night_of_release"]["label"] == "Accommodation for the night of release"
    )
    assert items["mental_health_handover"] | {"updated_at": None} == {
        "key": "mental_health_handover",
        "label": "Mental health handover to community services",
        "status": "not_needed",
        "evidence": "",
        "reason": "No need",
        "applies": True,
        "open": False,
        "hint": items["mental_health_handover"]["hint"],
        "version": 1,
        "updated_at": None,
    }
    assert items["naloxone_offered"]["applies"] is False
    assert items["safety_plan"]["open"] is True
    assert (body["readiness"], body["open_count"]) == (7, 13)
    assert AccessLogEntry.objects.filter(
        person=person, actor=pp, action="view_person", channel="api"
    ).exists()


def test_no_plan_and_not_visible_are_404_problems(client, org):
    pp = org["staff"]["practitioner"]
    response = client.get(f"/api/v1/people/{org['people']['mine'].crn}/release-plan", **bearer(pp))
    assert response.status_code == 404 and response["Content-Type"] == PROBLEM
    person = in_custody(org["team"], pp)
    open_plan(person)
    other = org["staff"]["other_team_pp"]
    assert (
        client.get(f"/api/v1/people/{person.crn}/release-plan", **bearer(other)).status_code == 404
    )
    exclude(person, org["staff"]["colleague"])
    colleague = org["staff"]["colleague"]
    assert (
        client.get(f"/api/v1/people/{person.crn}/release-plan", **bearer(colleague)).status_code
        == 404
    )
    assert AccessLogEntry.objects.filter(actor=colleague, action="refused", crn=person.crn).exists()


def test_patch_an_item(client, org):
    pp = org["staff"]["practitioner"]
    plan = open_plan(in_custody(org["team"], pp))
    url = f"/api/v1/release-plans/{plan.pk}/items/accommodation_night_of_release"
    response = patch(
        client,
        url,
        {"status": "done", "evidence": "Approved premises, 1 Elm Road", "version": 0},
        pp,
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["evidence"], body["version"], body["open"]) == (
        "done",
        "Approved premises, 1 Elm Road",
        1,
        False,
    )
    # Only the status: the evidence stays.
    again = patch(client, url, {"status": "in_progress", "version": 1}, pp).json()
    assert (again["status"], again["evidence"], again["version"]) == (
        "in_progress",
        "Approved premises, 1 Elm Road",
        2,
    )
    assert (
        AccessLogEntry.objects.filter(
            channel="api", action="change_person", detail__contains="accommodation_night_of_release"
        ).count()
        == 2
    )


@pytest.mark.parametrize(
    ("key", "payload", "field"),
    [
        ("gp_registration", {"status": "not_needed"}, "reason"),
        ("gp_registration", {"status": "not_needed", "reason": ""}, "reason"),
        ("gp_registration", {"status": "finished"}, "status"),
        ("gp_registration", {}, "status"),
        ("gp_registration", {"status": 7}, "status"),
        ("gp_registration", {"status": "done", "evidence": "x" * 4001}, "evidence"),
        ("gp_registration", {"status": "done", "version": -2}, "version"),
        ("gp_registration", {"status": "done", "version": "one"}, "version"),
        ("accommodation_night_of_release", {"status": "done"}, "evidence"),
        ("moon_landing", {"status": "done"}, "key"),
    ],
)
def test_bad_item_patches_are_422_naming_the_field(client, org, key, payload, field):
    pp = org["staff"]["practitioner"]
    plan = open_plan(in_custody(org["team"], pp))
    payload = {"version": 0, **payload}
    response = patch(client, f"/api/v1/release-plans/{plan.pk}/items/{key}", payload, pp)
    assert response.status_code == 422, response.content
    assert field in fields(response)
    assert not ReleasePlanItem.objects.exists()


def test_item_patch_conflicts_scope_and_roles(client, org):
    pp = org["staff"]["practitioner"]
    plan = open_plan(in_custody(org["team"], pp))
    url = f"/api/v1/release-plans/{plan.pk}/items/gp_registration"
    assert patch(client, url, {"status": "done", "version": 0}, pp).status_code == 200
    stale = patch(client, url, {"status": "in_progress", "version": 0}, pp)
    assert stale.status_code == 409 and stale["Content-Type"] == PROBLEM
    current = {"status": "done", "version": 1}
    assert patch(client, url, current, org["staff"]["inspector"]).status_code == 403
    assert patch(client, url, current, org["staff"]["other_team_pp"]).status_code == 404
    # Without a version the change could overwrite anything: refused, naming the field.
    unversioned = patch(client, url, {"status": "in_progress"}, pp)
    assert unversioned.status_code == 422 and "version" in fields(unversioned)
    assert ReleasePlanItem.objects.get(plan=plan).status == "done"
    missing = patch(client, "/api/v1/release-plans/999999/items/gp_registration", current, pp)
    assert missing.status_code == 404 and missing["Content-Type"] == PROBLEM
    assert client.patch(url, {"status": "done"}, content_type="application/json").status_code == 401
    frozen = released(in_custody(org["team"], pp), today(), "settled", pp)
    response = patch(
        client,
        f"/api/v1/release-plans/{frozen.pk}/items/gp_registration",
        {"status": "done", "version": 0},
        pp,
    )
    assert response.status_code == 409


def test_post_the_release(client, org):
    pp = org["staff"]["practitioner"]
    person = in_custody(org["team"], pp, release_in_days=0)
    RegistrationFactory(person=person, code="RVAD")
    plan = open_plan(person)
    response = post(
        client,
        f"/api/v1/people/{person.crn}/release",
        {
            "released_on": today().isoformat(),
            "accommodation_type": "temporary",
            "address": "Room 4",
        },
        pp,
    )
    assert response.status_code == 201, response.content
    assert response.json() == {
        "plan_id": plan.pk,
        "crn": person.crn,
        "released_on": today().isoformat(),
        "accommodation_type": "temporary",
        "address": "Room 4",
        "custody_status": "in_community",
        "accommodation_status": "transient",
        "at_risk_at_release": True,
        "first_14_days_end": (today() + dt.timedelta(days=13)).isoformat(),
    }
    assert AccessLogEntry.objects.filter(
        person=person, channel="api", detail__startswith="release recorded"
    ).exists()
    again = post(
        client,
        f"/api/v1/people/{person.crn}/release",
        {"released_on": today().isoformat(), "accommodation_type": "settled", "address": "x"},
        pp,
    )
    assert again.status_code == 409 and again["Content-Type"] == PROBLEM


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"accommodation_type": "settled", "address": "1 High St"}, "released_on"),
        (
            {"released_on": "yesterday", "accommodation_type": "settled", "address": "x"},
            "released_on",
        ),
        (
            {"released_on": "2099-01-01", "accommodation_type": "settled", "address": "x"},
            "released_on",
        ),
        (
            {"released_on": "TODAY", "accommodation_type": "tent", "address": "x"},
            "accommodation_type",
        ),
        ({"released_on": "TODAY"}, "accommodation_type"),
        ({"released_on": "TODAY", "accommodation_type": "settled"}, "address"),
        (
            {"released_on": "TODAY", "accommodation_type": "settled", "address": "x" * 201},
            "address",
        ),
    ],
)
def test_bad_releases_are_422_naming_the_field(client, org, payload, field):
    pp = org["staff"]["practitioner"]
    person = in_custody(org["team"], pp)
    open_plan(person)
    if payload.get("released_on") == "TODAY":
        payload = {**payload, "released_on": today().isoformat()}
    response = post(client, f"/api/v1/people/{person.crn}/release", payload, pp)
    assert response.status_code == 422, response.content
    assert field in fields(response)
    assert ReleasePlan.objects.get(person=person).status == "open"


def test_release_post_scope_and_roles(client, org):
    pp = org["staff"]["practitioner"]
    person = in_custody(org["team"], pp)
    body = {"released_on": today().isoformat(), "accommodation_type": "no_fixed_abode"}
    url = f"/api/v1/people/{person.crn}/release"
    assert post(client, url, body, org["staff"]["far_regional"]).status_code == 404
    assert post(client, url, body, org["staff"]["national"]).status_code == 403
    exclude(person, org["staff"]["colleague"])
    assert post(client, url, body, org["staff"]["colleague"]).status_code == 404
    person.refresh_from_db()
    assert person.custody_status == "in_custody"
    assert post(client, url, body, pp).status_code == 201


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("group_by=team", "group_by"),
        ("from=notadate", "from"),
        ("from=2025-06-01&to=2025-01-01", "to"),
    ],
)
def test_bad_insights_queries_are_422(client, org, query, field):
    response = client.get(f"/api/v1/insights/releases?{query}", **bearer(org["staff"]["national"]))
    assert response.status_code == 422
    assert field in fields(response)


def test_insights_are_for_heads_and_above(client, org):
    for key, expected in (("practitioner", 403), ("spo", 403), ("head", 200), ("national", 200)):
        response = client.get("/api/v1/insights/releases", **bearer(org["staff"][key]))
        assert response.status_code == expected
    assert AccessLogEntry.objects.filter(
        channel="api", detail="release measures by pdu", actor=org["staff"]["head"]
    ).exists()


def test_the_release_endpoints_are_in_the_openapi_document(client, org):
    response = client.get("/api/v1/openapi.json", **bearer(org["staff"]["national"]))
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert "get" in paths["/api/v1/people/{crn}/release-plan"]
    assert "patch" in paths["/api/v1/release-plans/{plan_id}/items/{key}"]
    assert "post" in paths["/api/v1/people/{crn}/release"]
    parameters = paths["/api/v1/insights/releases"]["get"]["parameters"]
    assert {p["name"] for p in parameters} == {"group_by", "from", "to"}
