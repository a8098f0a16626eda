"""The questionnaire as data: loading, checking, versioning, and its wording."""

import copy
import re

import pytest

from safeguard.assessments import questionnaires, selectors
from safeguard.assessments.models import QuestionnaireVersion
from safeguard.assessments.questionnaires import (
    PUBLISHED,
    DefinitionError,
    content_hash,
    load_versions,
    parse,
    read_definition,
)
from tests.assessments.helpers import LOWEST, answers, record_screen
from tests.helpers import bearer

pytestmark = pytest.mark.django_db

REQUIRED_DOMAINS = {
    "suicide_self_harm",
    "mental_health",
    "substance_use",
    "physical_health_disability",
    "learning_disability_neurodivergence",
    "exploitation_coercion",
    "domestic_abuse_victimisation",
    "homelessness",
    "care_and_support_needs",
    "bereavement_loss",
    "trauma",
    "debt",
}


@pytest.fixture
def v1():
    return read_definition(1)


def test_version_1_is_loaded_by_the_migration_unchanged(v1):
    stored = QuestionnaireVersion.objects.get(version=1)
    assert stored.definition == v1
    assert stored.content_hash == content_hash(v1) == PUBLISHED[1]


def test_new_screens_are_answered_on_version_2():
    stored = QuestionnaireVersion.objects.get(version=2)
    assert stored.content_hash == PUBLISHED[2]
    assert selectors.questionnaire_current() == stored


def test_every_published_file_matches_its_pinned_hash():
    for version in questionnaires.available_versions():
        assert version in PUBLISHED, f"pin v{version}.json's hash in PUBLISHED"
        assert content_hash(read_definition(version)) == PUBLISHED[version]


def test_the_domains_and_the_questions_the_inspection_asks_for(v1):
    q = parse(v1)
    assert {d.id for d in q.domains} == REQUIRED_DOMAINS
    by_id = q.by_id
    assert set(by_id["ssh_triggers"].allowed_answers) == {
        "release",
        "bereavement",
        "court",
        "recall",
        "relationship_breakdown",
        "none",
    }
    assert set(by_id["ex_types"].allowed_answers) >= {
        "county_lines",
        "cuckooing",
        "modern_slavery",
        "financial",
        "sexual",
    }
    assert by_id["su_opioids"].type == "boolean"
    assert "overdose" in by_id["su_overdose"].text
    assert {q.type for q in q.questions} == {"single", "multiple", "boolean", "scale", "text"}


def test_trauma_questions_are_trauma_informed(v1):
    q = parse(v1)
    trauma = [question for question in q.questions if question.domain == "trauma"]
    assert trauma
    for question in trauma:
        # the person may always decline: an option to, or the question is optional
        assert not question.required or "prefer_not_to_say" in question.allowed_answers
    for question in q.questions:
        assert not re.search(r"\bwhy\b", question.text, re.I), question.id
    intro = next(d.intro for d in q.domains if d.id == "trauma")
    assert "do not have to tell me what happened" in intro


def test_the_same_questions_are_asked_of_everyone(v1):
    text = " ".join(q["text"] for q in v1["questions"]).lower()
    for word in ("women", "woman", " men ", "male", "female", "gender", "ethnic", "your age"):
        assert word not in text
    for question in v1["questions"]:
        assert set(question) <= {
            "id", "domain", "type", "required", "short", "text", "hint",
            "allowed_answers", "min", "max", "points_from", "points_if_yes",
        }  # fmt: skip


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["questions"].append(dict(d["questions"][0])), "unique"),
        (lambda d: d["questions"][0].update(type="slider"), "type must be"),
        (lambda d: d["questions"][0].update(domain="astrology"), "unknown domain"),
        (lambda d: d["questions"][5].update(min=10, max=0), "min below max"),
        (
            lambda d: d["scoring"]["care_act_s42"].update(
                unable_to_protect_self={"registered": "RVAD"}
            ),
            "may not be used here",
        ),
        (
            lambda d: d["scoring"]["domains"]["debt"]["floors"].append(
                {"level": "high", "when": {"has_safety_plan": True}}
            ),
            "may not be used here",
        ),
        (
            lambda d: d["scoring"]["overall"].update(acute={"overall_at_least": "high"}),
            "may not be used here",
        ),
        (
            lambda d: d["scoring"]["recommendations"][0].update(
                when={"answer": "nope", "in": ["x"]}
            ),
            "unknown question",
        ),
        (
            lambda d: d["scoring"]["recommendations"][0].update(
                when={"answer": "ssh_history", "in": ["maybe"]}
            ),
            "has no answer",
        ),
        (lambda d: d["scoring"]["domains"].pop("debt"), "every domain"),
        (
            lambda d: d["scoring"]["domains"]["debt"].update(
                thresholds={"low": 3, "medium": 2, "high": 4}
            ),
            "rise",
        ),
    ],
)
def test_a_broken_definition_is_refused(v1, change, message):
    broken = copy.deepcopy(v1)
    change(broken)
    with pytest.raises(DefinitionError, match=message):
        parse(broken)


def test_levels_and_s42_may_only_look_at_answers():
    """Structural half of equal treatment: the parts of the scoring that produce levels and
    the Care Act indication cannot even name registrations, plans or anything but answers."""
    assert questionnaires.FLOOR_CONDITIONS <= questionnaires.ANSWER_CONDITIONS
    assert not questionnaires.ANSWER_CONDITIONS & {"registered", "has_safety_plan"}


def test_a_changed_published_version_is_refused_on_load(v1):
    QuestionnaireVersion.objects.filter(version=1).update(content_hash="0" * 64)
    with pytest.raises(DefinitionError, match="changed after it was published"):
        load_versions(QuestionnaireVersion, versions=[1])
    QuestionnaireVersion.objects.filter(version=1).update(content_hash=content_hash(v1))
    load_versions(QuestionnaireVersion, versions=[1])  # unchanged: nothing to do
    assert QuestionnaireVersion.objects.count() == len(PUBLISHED)


def make_v3():
    v3 = copy.deepcopy(read_definition(2))
    v3["version"] = 3
    for question in v3["questions"]:
        if question["id"] == "ssh_thoughts":
            question["text"] = "Over the last fortnight, have you thought about ending your life?"
    v3["questions"] = [q for q in v3["questions"] if q["id"] != "db_income"]
    return QuestionnaireVersion.objects.create(
        version=3, definition=v3, content_hash=content_hash(v3)
    )


def test_a_new_version_leaves_old_screens_readable_with_their_own_questions(client, org, v1):
    person, pp = org["people"]["mine"], org["staff"]["practitioner"]
    old = record_screen(person, pp, ssh_thoughts="sometimes")
    make_v3()
    assert selectors.questionnaire_current().version == 3
    client.force_login(pp)

    old_page = client.get(f"/people/{person.crn}/vulnerability-screens/{old.pk}/").content.decode()
    assert "In the last 2 weeks, have you had thoughts of ending your life?" in old_page
    assert "Do you have money coming in for food and bills" in old_page
    assert "Over the last fortnight" not in old_page

    form = client.get(f"/people/{person.crn}/vulnerability-screen/").content.decode()
    assert '<input type="hidden" name="version" value="3">' in form
    assert "Over the last fortnight" in form
    assert 'name="db_income"' not in form

    api = client.get("/api/v1/questionnaires/vulnerability", **bearer(pp)).json()
    assert api["version"] == 3
    assert "db_income" not in {q["id"] for q in api["questions"]}

    v3_answers = {k: v for k, v in LOWEST.items() if k != "db_income"}
    new = client.post(
        f"/api/v1/people/{person.crn}/vulnerability-screens",
        {"version": 3, "answers": v3_answers},
        content_type="application/json",
        **bearer(pp),
    )
    assert new.status_code == 201
    refused = client.post(
        f"/api/v1/people/{person.crn}/vulnerability-screens",
        {"version": 3, "answers": answers()},
        content_type="application/json",
        **bearer(pp),
    )
    assert refused.status_code == 422
    assert [e["field"] for e in refused.json()["errors"]] == ["db_income"]

    old.refresh_from_db()
    assert old.questionnaire_version.version == 2
    assert old.questionnaire.by_id["db_income"]


def _reverse_keys(value):
    if isinstance(value, dict):
        return {k: _reverse_keys(value[k]) for k in reversed(list(value))}
    if isinstance(value, list):
        return [_reverse_keys(v) for v in value]
    return value


def test_key_order_does_not_matter(v1):
    """PostgreSQL's jsonb does not keep key order: conditions must not depend on it."""
    from safeguard.assessments import scoring

    original, reordered = parse(v1), parse(_reverse_keys(v1))
    data = answers(ssh_history="last_4_weeks", ssh_thoughts="sometimes", cs_daily_help="yes")
    assert scoring.evaluate(original, data) == scoring.evaluate(reordered, data)
