"""The written cases for version 2 of the screen, run through the real scoring.

The table is data (``safeguard/assessments/data/vulnerability/v2_vignettes.json``), written
from published guidance; each case states the least acceptable level and the actions that must
be recommended. A failing case means a rule would leave someone less protected than the
guidance asks: change the rules, not the case, and only with the clinical lead."""

import json

import pytest

from safeguard.assessments import scoring
from safeguard.assessments.models import QuestionnaireVersion
from safeguard.assessments.questionnaires import DATA_DIR, RISK_TO_SELF_LEVELS
from tests.assessments.helpers import answers

pytestmark = pytest.mark.django_db

TABLE = json.loads((DATA_DIR / "v2_vignettes.json").read_text(encoding="utf-8"))
RANK = {level: i for i, level in enumerate(RISK_TO_SELF_LEVELS)}
VIGNETTES = TABLE["vignettes"]


def test_the_table_has_at_least_40_cases_each_with_its_source():
    assert TABLE["version"] == 2
    assert len(VIGNETTES) >= 40
    assert len({v["id"] for v in VIGNETTES}) == len(VIGNETTES)
    assert all(v["source"] and v["summary"] for v in VIGNETTES)
    assert TABLE["levels_in_rank_order"] == list(RISK_TO_SELF_LEVELS)


@pytest.mark.parametrize("case", VIGNETTES, ids=[v["id"] for v in VIGNETTES])
def test_vignette(case):
    questionnaire = QuestionnaireVersion.objects.get(version=TABLE["version"]).questionnaire
    context = case.get("context", {})
    outcome = scoring.evaluate(
        questionnaire,
        scoring.validate_answers(questionnaire, answers(**case["answers"])),
        active_registration_codes=set(context.get("registered", ())),
        has_current_safety_plan=context.get("has_safety_plan", False),
    )
    level = outcome.risk_to_self
    assert RANK[level] >= RANK[case["at_least"]], (
        f"{case['id']}: rated {level}, the least acceptable is {case['at_least']}"
    )
    if "at_most" in case:
        assert RANK[level] <= RANK[case["at_most"]], f"{case['id']}: rated {level}"
    made = {r["code"]: r for r in outcome.recommendations}
    missing = set(case["must_recommend"]) - set(made)
    assert not missing, f"{case['id']}: {sorted(missing)} not recommended"
    wrong = set(case.get("must_not_recommend", ())) & set(made)
    assert not wrong, f"{case['id']}: {sorted(wrong)} recommended"
    for part, expected in case.get("care_act_s42", {}).items():
        assert outcome.care_act_s42[part] is expected, f"{case['id']}: s42 {part}"
    # An urgent level always comes with an urgent action to take today.
    if RANK[level] >= RANK["very_high"] or case["answers"].get("ssh_history") == "last_4_weeks":
        assert any(r["urgent"] for r in outcome.recommendations), case["id"]
