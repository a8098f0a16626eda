"""Version 2 of the screen: the suicide and self-harm rules, "not known", and the Care Act
parts. The written cases are in test_vignettes.py; these are the rules that hold for all
answers."""

import pytest
from hypothesis import HealthCheck, given, settings

from safeguard.assessments import scoring
from safeguard.assessments.models import MEDIUM_OR_ABOVE, QuestionnaireVersion
from safeguard.assessments.questionnaires import RISK_TO_SELF_LEVELS
from tests.assessments.helpers import answers, valid_answers_strategy

pytestmark = pytest.mark.django_db
RANK = {level: i for i, level in enumerate(RISK_TO_SELF_LEVELS)}
SUICIDE_QUESTIONS = ("ssh_history", "ssh_thoughts", "ssh_self_harm_now")


def _q(version):
    return QuestionnaireVersion.objects.get(version=version).questionnaire


def _outcome(q, data):
    return scoring.evaluate(q, scoring.validate_answers(q, data))


def test_version_2_never_rates_lower_than_version_1_for_the_same_answers():
    v1, v2 = _q(1), _q(2)

    @settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(data=valid_answers_strategy(v2))
    def check(data):
        old, new = _outcome(v1, data), _outcome(v2, data)
        assert RANK[new.risk_to_self] >= RANK[old.risk_to_self], (data, old, new)
        for domain, level in old.domain_levels.items():
            if domain == "suicide_self_harm":
                assert (
                    scoring._DOMAIN_RANK[new.domain_levels[domain]] >= scoring._DOMAIN_RANK[level]
                )

    check()


def test_a_declined_suicide_question_is_never_rated_low_and_always_followed_up():
    v2 = _q(2)

    @settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(data=valid_answers_strategy(v2))
    def check(data):
        result = _outcome(v2, data)
        declined = any(data.get(q) == "prefer_not_to_say" for q in SUICIDE_QUESTIONS)
        if declined:
            assert result.risk_to_self in MEDIUM_OR_ABOVE
            assert RANK[result.risk_to_self] >= RANK["not_known"]
            codes = {r["code"] for r in result.recommendations}
            assert codes & {"risk_not_known", "ask_again_suicide"}
        if result.risk_to_self == "not_known":
            assert declined

    check()


def test_every_current_indicator_comes_with_an_action():
    """No level stands between a current indicator and an action: for all answers, an attempt
    or self-harm in the last 4 weeks brings an urgent action, and any past attempt a safety plan
    and ALSH."""
    v2 = _q(2)

    @settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(data=valid_answers_strategy(v2))
    def check(data):
        result = _outcome(v2, data)
        codes = {r["code"] for r in result.recommendations}
        recent = data["ssh_history"] == "last_4_weeks" or data["ssh_self_harm_now"] == "yes"
        if recent:
            assert RANK[result.risk_to_self] >= RANK["high"]
            assert "same_day_contact" in codes
        if data["ssh_history"] != "no" and data["ssh_history"] != "prefer_not_to_say":
            assert "complete_safety_plan" in codes and "register_alsh" in codes
        if data["ssh_thoughts"] == "with_plan":
            assert result.risk_to_self == "very_high" and "act_today" in codes
        if result.risk_to_self == "very_high":
            assert any(r["urgent"] for r in result.recommendations)

    check()


def test_the_reasons_say_which_rule_set_the_level():
    result = _outcome(_q(2), answers(ssh_thoughts="often"))
    assert result.risk_to_self == "high"
    assert "Frequent thoughts of ending their life" in result.reasons


def test_not_known_counts_as_at_risk_to_self(org):
    from safeguard.assessments.risk import person_at_risk_to_self
    from tests.assessments.helpers import record_screen

    person, pp = org["people"]["mine"], org["staff"]["practitioner"]
    assert not person_at_risk_to_self(person.pk)
    screen = record_screen(person, pp, ssh_thoughts="prefer_not_to_say")
    assert screen.risk_to_self == "not_known"
    assert person_at_risk_to_self(person.pk)


def test_the_screen_page_says_why_the_level_is_what_it_is(client, org):
    from tests.assessments.helpers import record_screen

    person, pp = org["people"]["mine"], org["staff"]["practitioner"]
    screen = record_screen(person, pp, ssh_history="last_4_weeks")
    client.force_login(pp)
    html = client.get(f"/people/{person.crn}/vulnerability-screens/{screen.pk}/").content.decode()
    assert "An attempt to end their life or self-harm in the last 4 weeks" in html
    assert "Act today: the person has tried to end their life" in html
