"""The survey as data: pinned by hash, one question a page, plain answers."""

import json

import pytest

from safeguard.feedback import surveys
from safeguard.feedback.models import SurveyVersion

ISSUE_QUESTIONS = [
    "happy_with_support",
    "sees_self_as_vulnerable",
    "neurodivergent",
    "vulnerability_linked_to_offence",
    "induction_understood_vulnerabilities",
    "feels_safe_at_office",
    "helped_to_access_services",
    "received_additional_support",
    "good_relationship_with_practitioner",
    "had_multiple_practitioners",
]


def test_the_first_survey_has_the_questions_of_the_issue():
    survey = surveys.current("people_on_probation")
    assert [q.id for q in survey.choice_questions] == ISSUE_QUESTIONS
    assert [q.id for q in survey.text_questions] == ["biggest_issue", "what_would_help"]
    assert all(q.values == ("yes", "no", "not_sure") for q in survey.choice_questions)
    assert survey.pages[-1].id == "contact_me"


def test_every_published_file_matches_its_pinned_hash():
    for code, version in surveys.available():
        assert (code, version) in surveys.PUBLISHED, "pin every published version"
        definition = surveys.read_definition(code, version)
        assert surveys.content_hash(definition) == surveys.PUBLISHED[(code, version)]


def test_a_changed_file_is_refused(tmp_path, monkeypatch):
    original = surveys.definition_path("people_on_probation", 1)
    changed = json.loads(original.read_text())
    changed["questions"][0]["text"] = "Something else?"
    (tmp_path / original.name).write_text(json.dumps(changed))
    monkeypatch.setattr(surveys, "DATA_DIR", tmp_path)
    with pytest.raises(surveys.DefinitionError):
        surveys.read_definition("people_on_probation", 1)


@pytest.mark.django_db
def test_the_migration_stored_the_survey_with_its_hash():
    row = SurveyVersion.objects.get(code="people_on_probation", version=1)
    assert row.content_hash == surveys.PUBLISHED[("people_on_probation", 1)]


def test_questions_are_plain_and_short():
    for question in surveys.current("people_on_probation").pages:
        assert len(question.text.split()) <= 20, question.id
        assert question.text.endswith("?")
