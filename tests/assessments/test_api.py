"""The assessments API: questionnaire, screens and risk summary."""

import pytest

from safeguard.assessments.models import VulnerabilityScreen
from safeguard.core.models import AccessLogEntry
from tests.assessments.helpers import LOWEST, answers, record_screen, register, save_plan
from tests.factories import PersonFactory, exclude
from tests.helpers import bearer

pytestmark = pytest.mark.django_db
PROBLEM = "application/problem+json"


def post_screen(client, staff, crn, body):
    return client.post(
        f"/api/v1/people/{crn}/vulnerability-screens",
        body,
        content_type="application/json",
        **bearer(staff),
    )


def test_the_questionnaire_lists_every_question_with_its_answers(client, org):
    response = client.get(
        "/api/v1/questionnaires/vulnerability", **bearer(org["staff"]["national"])
    )
    assert response.status_code == 200
    body = response.json()
    assert body["version"] == 2
    by_id = {q["id"]: q for q in body["questions"]}
    # A client can tell which answer excludes the others, and so build valid answers.
    triggers = {a["value"]: a["exclusive"] for a in by_id["ssh_triggers"]["answers"]}
    assert triggers["none"] is True
    assert not any(v for k, v in triggers.items() if k != "none")
    assert by_id["mh_crisis"]["answers"] is None
    assert by_id["ssh_history"]["type"] == "single"
    assert "prefer_not_to_say" in by_id["ssh_history"]["allowed_answers"]
    assert by_id["ssh_triggers"]["allowed_answers"] == [
        "release",
        "bereavement",
        "court",
        "recall",
        "relationship_breakdown",
        "none",
    ]
    assert (by_id["mh_impact"]["min"], by_id["mh_impact"]["max"]) == (0, 10)
    assert by_id["mh_crisis"]["type"] == "boolean"
    assert by_id["mh_crisis"]["allowed_answers"] is None
    assert by_id["tr_feel_safe"]["type"] == "text"
    for q in body["questions"]:
        assert set(q) >= {"id", "domain", "text", "type", "allowed_answers", "min", "max"}
    assert len({q["domain"] for q in body["questions"]}) == 12


def test_posting_a_screen_returns_the_outcome(client, org):
    person, pp = org["people"]["mine"], org["staff"]["practitioner"]
    data = answers(cs_daily_help="yes", da_now="yes", cs_protect_self="no", su_opioids=True)
    response = post_screen(client, pp, person.crn, {"version": 1, "answers": data})
    assert response.status_code == 201
    body = response.json()
    screen = VulnerabilityScreen.objects.get(person=person)
    assert body["id"] == screen.pk
    assert body["risk_to_self"] == "medium"
    assert body["domains"]["domestic_abuse_victimisation"] == "high"
    assert body["care_act_s42"] == {
        "care_and_support_needs": True,
        "experiencing_or_at_risk_of_abuse_or_neglect": True,
        "unable_to_protect_self": True,
        "indicated": True,
    }
    recs = {r["code"]: r for r in body["recommendations"]}
    assert recs["register_rvad"]["href"] == f"/people/{person.crn}/registrations/add/?code=RVAD"
    assert recs["register_rvad"]["register_code"] == "RVAD"
    assert "offer_naloxone" in recs and recs["offer_naloxone"]["href"] is None
    entry = AccessLogEntry.objects.get(person=person, action="change_person")
    assert (entry.channel, entry.actor) == ("api", pp)

    again = client.get(
        f"/api/v1/people/{person.crn}/vulnerability-screens/{screen.pk}", **bearer(pp)
    )
    assert again.status_code == 200
    assert again.json()["care_act_s42"] == body["care_act_s42"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"version": 1, "answers": {k: v for k, v in LOWEST.items() if k != "da_now"}}, "da_now"),
        ({"version": 1, "answers": answers(ssh_history="sometimes")}, "ssh_history"),
        ({"version": 1, "answers": answers(ssh_triggers=["none", "court"])}, "ssh_triggers"),
        ({"version": 1, "answers": answers(mh_impact=12)}, "mh_impact"),
        ({"version": 1, "answers": answers(mh_crisis="no")}, "mh_crisis"),
        ({"version": 1, "answers": answers(shoe_size=9)}, "shoe_size"),
        ({"version": 7, "answers": LOWEST}, "version"),
        ({"version": "one", "answers": LOWEST}, "version"),
        ({"answers": LOWEST}, "version"),
        ({"version": 1}, "answers"),
        ({"version": 1, "answers": ["no"]}, "answers"),
    ],
)
def test_bad_screens_get_422_naming_the_question(client, org, body, field):
    person = org["people"]["mine"]
    response = post_screen(client, org["staff"]["practitioner"], person.crn, body)
    assert response.status_code == 422
    assert response["Content-Type"] == PROBLEM
    assert field in [e["field"] for e in response.json()["errors"]]
    assert not VulnerabilityScreen.objects.exists()


@pytest.mark.parametrize("staff_key", ["national", "inspector", "admin"])
def test_read_only_roles_get_403(client, org, staff_key):
    person = org["people"]["mine"]
    response = post_screen(
        client, org["staff"][staff_key], person.crn, {"version": 1, "answers": LOWEST}
    )
    assert response.status_code == 403
    assert response["Content-Type"] == PROBLEM
    assert not VulnerabilityScreen.objects.exists()


@pytest.mark.parametrize(
    ("staff_key", "expected_get", "expected_post"),
    [
        ("practitioner", 200, 201),
        ("spo", 200, 201),
        ("other_team_pp", 404, 404),
        ("far_regional", 404, 404),
        ("no_role", 403, 403),  # no role, no capabilities: refused before any case is looked up
    ],
)
def test_endpoints_are_scoped_like_the_person(client, org, staff_key, expected_get, expected_post):
    person = org["people"]["mine"]
    staff = org["staff"][staff_key]
    screen = record_screen(person, org["staff"]["practitioner"])
    headers = bearer(staff)
    assert client.get(f"/api/v1/people/{person.crn}/risk-summary", **headers).status_code == (
        expected_get
    )
    assert (
        client.get(
            f"/api/v1/people/{person.crn}/vulnerability-screens/{screen.pk}", **headers
        ).status_code
        == expected_get
    )
    assert post_screen(
        client, staff, person.crn, {"version": 1, "answers": LOWEST}
    ).status_code == (expected_post)


def test_an_excluded_practitioner_gets_404_everywhere(client, org):
    colleague, pp = org["staff"]["colleague"], org["staff"]["practitioner"]
    person = PersonFactory(crn="X930001", team=org["team"], practitioner=colleague)
    exclude(person, pp)
    assert client.get("/api/v1/people/X930001/risk-summary", **bearer(pp)).status_code == 404
    assert post_screen(client, pp, "X930001", {"version": 1, "answers": LOWEST}).status_code == 404
    assert client.get("/api/v1/people/X930001/risk-summary", **bearer(colleague)).status_code == 200


def test_the_risk_summary_sets_risk_to_others_beside_risk_to_self(client, org):
    person, pp = org["people"]["mine"], org["staff"]["practitioner"]
    type(person).objects.filter(pk=person.pk).update(
        rosh_level="high", mappa_category=2, mappa_level=1
    )
    register(person, "ALSH", pp)
    record_screen(person, pp, ssh_thoughts="often", ssh_triggers=["release"], hm_at_risk="yes")
    plan = save_plan(person, pp)
    body = client.get(f"/api/v1/people/{person.crn}/risk-summary", **bearer(pp)).json()
    assert body["crn"] == person.crn
    assert body["risk_of_serious_harm"] == {"level": "high", "mappa_category": 2, "mappa_level": 1}
    rts = body["risk_to_self"]
    assert rts["level"] == "high"
    assert rts["questionnaire_version"] == 2
    assert rts["registrations"] == {"ALSH": True, "RVLN": False, "RVAD": False}
    assert [d["domain"] for d in rts["domains_medium_or_above"]] == [
        "suicide_self_harm",
        "homelessness",
    ]
    assert body["safety_plan"] == {
        "version": 1,
        "review_date": plan.review_date.isoformat(),
        "review_overdue": False,
    }
    assert body["safety_plan_needed"] is False
    assert body["due_and_overdue"] == []
    assert AccessLogEntry.objects.filter(
        person=person, action="view_person", channel="api"
    ).exists()


def test_the_risk_summary_of_an_unscreened_person(client, org):
    person = org["people"]["mine"]
    body = client.get(
        f"/api/v1/people/{person.crn}/risk-summary", **bearer(org["staff"]["practitioner"])
    ).json()
    assert body["risk_to_self"]["level"] is None
    assert body["safety_plan"] is None
    assert [item["kind"] for item in body["due_and_overdue"]] == ["screen_due"]


def test_the_openapi_document_describes_the_endpoints(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert "/api/v1/questionnaires/vulnerability" in paths
    assert "/api/v1/people/{crn}/vulnerability-screens" in paths
    assert "/api/v1/people/{crn}/risk-summary" in paths
