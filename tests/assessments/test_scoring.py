"""Scoring: levels per domain, the overall risk-to-self rule, Care Act s42, recommendations and
answer validation, on questionnaire version 1."""

import pytest
from django.core.exceptions import ValidationError

from safeguard.assessments import scoring
from tests.assessments.helpers import HIGH, LOWEST, MEDIUM, answers, combined

pytestmark = pytest.mark.django_db


@pytest.fixture
def q():
    # Version 1 keeps scoring as it did: its screens' stored results must stay explicable.
    # Version 2 is in test_scoring_v2.py and the vignettes.
    from safeguard.assessments.models import QuestionnaireVersion

    return QuestionnaireVersion.objects.get(version=1).questionnaire


def outcome(q, data, **kwargs):
    return scoring.evaluate(q, scoring.validate_answers(q, data), **kwargs)


def test_the_lowest_answers_give_no_concerns(q):
    result = outcome(q, LOWEST)
    assert set(result.domain_levels) == {d.id for d in q.domains}
    assert set(result.domain_levels.values()) == {"none"}
    assert result.risk_to_self == "low"
    assert result.care_act_s42 == {
        "care_and_support_needs": False,
        "experiencing_or_at_risk_of_abuse_or_neglect": False,
        "unable_to_protect_self": False,
        "indicated": False,
    }
    assert result.recommendations == []


@pytest.mark.parametrize("domain", sorted(HIGH))
def test_each_domain_can_be_rated_high_on_its_own(q, domain):
    levels = outcome(q, answers(**HIGH[domain])).domain_levels
    assert levels[domain] == "high"
    assert {d: lvl for d, lvl in levels.items() if d != domain and lvl != "none"} == {}


@pytest.mark.parametrize("domain", sorted(MEDIUM))
def test_each_domain_can_be_rated_medium_on_its_own(q, domain):
    levels = outcome(q, answers(**MEDIUM[domain])).domain_levels
    assert levels[domain] == "medium"
    assert [d for d, lvl in levels.items() if lvl != "none"] == [domain]


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        # thresholds low 1, medium 3, high 6
        ({"ssh_triggers": ["court"]}, "low"),
        ({"ssh_triggers": ["court", "recall"]}, "low"),
        ({"ssh_triggers": ["court", "recall", "release"]}, "medium"),
        ({"ssh_history": "more_than_12_months"}, "low"),
        ({"ssh_history": "last_12_months"}, "medium"),
        ({"ssh_thoughts": "often"}, "medium"),
        ({"ssh_thoughts": "often", "ssh_triggers": ["bereavement"]}, "high"),
        # floors: a plan, or an attempt in the last 4 weeks, is high whatever the score
        ({"ssh_thoughts": "with_plan"}, "high"),
        ({"ssh_history": "last_4_weeks"}, "high"),
        # choosing not to say never raises a level
        ({"ssh_thoughts": "prefer_not_to_say", "ssh_history": "prefer_not_to_say"}, "none"),
    ],
)
def test_suicide_and_self_harm_thresholds_and_floors(q, overrides, expected):
    assert outcome(q, answers(**overrides)).domain_levels["suicide_self_harm"] == expected


@pytest.mark.parametrize(
    ("impact", "expected"),
    [(0, "none"), (3, "none"), (4, "low"), (6, "low"), (7, "low"), (9, "medium"), (10, "medium")],
)
def test_a_scale_answer_scores_the_highest_band_it_reaches(q, impact, expected):
    assert outcome(q, answers(mh_impact=impact)).domain_levels["mental_health"] == expected


def test_opioid_use_is_at_least_medium_and_a_recent_overdose_high(q):
    assert outcome(q, answers(su_opioids=True)).domain_levels["substance_use"] == "medium"
    assert (
        outcome(q, answers(su_overdose="last_12_months")).domain_levels["substance_use"] == "high"
    )
    assert outcome(q, answers(su_overdose="witnessed")).domain_levels["substance_use"] == "none"


# ---- the overall rule -------------------------------------------------------------------

OTHERS = [d for d in sorted(HIGH) if d != "suicide_self_harm"]


def _others(level_table, n):
    return [level_table[d] for d in OTHERS[:n]]


@pytest.mark.parametrize(
    ("parts", "expected"),
    [
        ([], "low"),
        ([{"ssh_triggers": ["court"]}], "low"),  # suicide low
        ([MEDIUM["suicide_self_harm"]], "medium"),
        ([HIGH["suicide_self_harm"]], "high"),
        # acute: thoughts with a plan
        ([{"ssh_thoughts": "with_plan"}], "very_high"),
        # acute: an attempt in the last 4 weeks with current thoughts
        ([{"ssh_history": "last_4_weeks", "ssh_thoughts": "sometimes"}], "very_high"),
        # not acute: an attempt in the last 4 weeks without current thoughts is high
        ([{"ssh_history": "last_4_weeks"}], "high"),
        # acute: harming now and thinking of suicide often
        ([{"ssh_self_harm_now": "yes", "ssh_thoughts": "often"}], "very_high"),
        # primary high plus 3 other domains high
        ([HIGH["suicide_self_harm"], *_others(HIGH, 3)], "very_high"),
        ([HIGH["suicide_self_harm"], *_others(HIGH, 2)], "high"),
        # primary medium plus 2 other domains high
        ([MEDIUM["suicide_self_harm"], *_others(HIGH, 2)], "high"),
        ([MEDIUM["suicide_self_harm"], *_others(HIGH, 1)], "medium"),
        # no suicide concern: one other domain high is medium
        (_others(HIGH, 1), "medium"),
        (_others(HIGH, 5), "medium"),
        # three other domains medium is medium; two is low
        (_others(MEDIUM, 3), "medium"),
        (_others(MEDIUM, 2), "low"),
    ],
)
def test_overall_risk_to_self_rule(q, parts, expected):
    assert outcome(q, combined(*parts)).risk_to_self == expected


def test_every_overall_level_is_reachable_and_only_the_four_levels_exist(q):
    seen = {
        outcome(q, combined(*parts)).risk_to_self
        for parts in ([], [MEDIUM["suicide_self_harm"]], [HIGH["suicide_self_harm"]])
    }
    seen.add(outcome(q, answers(ssh_thoughts="with_plan")).risk_to_self)
    assert seen == {"low", "medium", "high", "very_high"}


# ---- Care Act s42 -----------------------------------------------------------------------


S42_ALL = {"cs_daily_help": "yes", "da_now": "yes", "cs_protect_self": "no"}


def test_s42_is_indicated_only_when_all_three_parts_are(q):
    result = outcome(q, answers(**S42_ALL))
    assert result.care_act_s42 == {
        "care_and_support_needs": True,
        "experiencing_or_at_risk_of_abuse_or_neglect": True,
        "unable_to_protect_self": True,
        "indicated": True,
    }
    for missing in S42_ALL:
        partial = dict(S42_ALL)
        partial[missing] = LOWEST[missing]
        parts = outcome(q, answers(**partial)).care_act_s42
        assert parts["indicated"] is False
        assert sum(parts[k] for k in parts if k != "indicated") == 2


@pytest.mark.parametrize(
    ("overrides", "part"),
    [
        ({"cs_daily_help": "sometimes"}, "care_and_support_needs"),
        ({"cs_self_care": "yes"}, "care_and_support_needs"),
        (HIGH["learning_disability_neurodivergence"], "care_and_support_needs"),
        (HIGH["mental_health"], "care_and_support_needs"),
        ({"ex_types": ["cuckooing"]}, "experiencing_or_at_risk_of_abuse_or_neglect"),
        ({"ex_ongoing": "not_sure"}, "experiencing_or_at_risk_of_abuse_or_neglect"),
        ({"db_threats": "yes"}, "experiencing_or_at_risk_of_abuse_or_neglect"),
        (
            {"cs_daily_help": "yes", "cs_getting_help": "no"},
            "experiencing_or_at_risk_of_abuse_or_neglect",
        ),
        ({"cs_protect_self": "not_sure"}, "unable_to_protect_self"),
    ],
)
def test_each_s42_part_has_its_own_evidence(q, overrides, part):
    assert outcome(q, answers(**overrides)).care_act_s42[part] is True


def test_declining_to_answer_is_not_evidence_for_s42(q):
    parts = outcome(
        q, answers(cs_protect_self="prefer_not_to_say", ex_types=["prefer_not_to_say"])
    ).care_act_s42
    assert not any(parts.values())


# ---- recommendations --------------------------------------------------------------------


def codes(result):
    return [r["code"] for r in result.recommendations]


def test_s42_recommends_an_asc_referral_and_rvad(q):
    result = outcome(q, answers(**S42_ALL))
    assert "asc_referral" in codes(result)
    assert "asc_needs_assessment" not in codes(result)
    rvad = next(r for r in result.recommendations if r["code"] == "register_rvad")
    assert rvad["register"] == "RVAD"
    assert "all three parts of the Care Act section 42 test are indicated" in next(
        r["text"] for r in result.recommendations if r["code"] == "asc_referral"
    )
    registered = outcome(q, answers(**S42_ALL), active_registration_codes={"RVAD"})
    assert "register_rvad" not in codes(registered)
    assert "asc_referral" in codes(registered)


def test_care_needs_alone_recommend_a_needs_assessment(q):
    result = outcome(q, answers(cs_daily_help="yes"))
    assert "asc_needs_assessment" in codes(result)
    assert "asc_referral" not in codes(result)


def test_suicide_concern_recommends_alsh_and_a_safety_plan_unless_already_there(q):
    result = outcome(q, answers(**MEDIUM["suicide_self_harm"]))
    assert {"register_alsh", "complete_safety_plan", "register_rvln"} <= set(codes(result))
    alsh = next(r for r in result.recommendations if r["code"] == "register_alsh")
    assert alsh["register"] == "ALSH"

    covered = outcome(
        q,
        answers(**MEDIUM["suicide_self_harm"]),
        active_registration_codes={"ALSH", "RVLN"},
        has_current_safety_plan=True,
    )
    assert "register_alsh" not in codes(covered)
    assert "register_rvln" not in codes(covered)
    assert "complete_safety_plan" not in codes(covered)
    assert "review_safety_plan" in codes(covered)


def test_very_high_puts_an_urgent_action_first(q):
    result = outcome(q, answers(ssh_thoughts="with_plan"))
    assert result.recommendations[0]["code"] == "act_today"
    assert result.recommendations[0]["urgent"] is True


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"su_opioids": True}, True),
        ({"su_overdose": "more_than_12_months"}, True),
        ({"su_overdose": "last_12_months"}, True),
        ({"su_overdose": "witnessed"}, True),
        ({"su_drugs": "yes"}, False),
        ({"su_overdose": "prefer_not_to_say"}, False),
    ],
)
def test_naloxone_is_offered_for_opioid_use_or_overdose(q, overrides, expected):
    assert ("offer_naloxone" in codes(outcome(q, answers(**overrides)))) is expected


def test_declining_suicide_questions_recommends_asking_again_without_raising_levels(q):
    result = outcome(q, answers(ssh_thoughts="prefer_not_to_say"))
    assert codes(result) == ["ask_again_suicide"]
    assert result.risk_to_self == "low"


def test_other_recommendations(q):
    result = outcome(
        q,
        answers(
            hm_tonight="rough_sleeping",
            da_now="yes",
            ex_types=["cuckooing", "modern_slavery"],
            ph_gp="no",
            db_struggling="struggling",
            su_support="would_like",
            tr_reactions="often",
            ld_reading="yes",
            ld_understanding="often",
            bl_suicide="yes",
        ),
    )
    assert {
        "housing_duty_to_refer",
        "domestic_abuse_support",
        "register_advv",
        "exploitation_response",
        "register_cuck",
        "register_msv",
        "gp_registration",
        "debt_advice",
        "substance_use_referral",
        "trauma_informed",
        "reasonable_adjustments",
        "bereavement_support",
    } <= set(codes(result))


# ---- validation -------------------------------------------------------------------------


def errors_for(q, data):
    with pytest.raises(ValidationError) as exc:
        scoring.validate_answers(q, data)
    return exc.value.message_dict


def test_every_missing_required_answer_is_named(q):
    errors = errors_for(q, {})
    required = [question.id for question in q.questions if question.required]
    assert list(errors) == required
    assert errors["ssh_history"] == [
        "Select an answer about past attempts to end your life or self-harm"
    ]
    assert "None of these" in errors["ssh_triggers"][0]
    assert errors["mh_impact"][0].startswith("Select a number between 0 and 10")


def test_optional_questions_may_be_left_out(q):
    cleaned = scoring.validate_answers(q, answers(ssh_what_helps="  My sister  "))
    assert cleaned["ssh_what_helps"] == "My sister"
    assert "tr_feel_safe" not in cleaned


@pytest.mark.parametrize(
    ("question", "value", "message_part"),
    [
        ("ssh_history", "maybe", "Select one of the answers given"),
        ("ssh_history", 3, "Select one of the answers given"),
        ("ssh_triggers", ["none", "court"], "cannot be selected with other answers"),
        ("ex_types", ["prefer_not_to_say", "none"], "cannot be selected with other answers"),
        ("ssh_triggers", ["holiday"], "Select only the answers given"),
        ("ssh_triggers", {"a": 1}, "Select only the answers given"),
        ("mh_impact", 11, "between 0 and 10"),
        ("mh_impact", -1, "between 0 and 10"),
        ("mh_impact", "5", "whole number"),
        ("mh_impact", True, "whole number"),
        ("mh_impact", 4.5, "whole number"),
        ("mh_crisis", "yes", "Answer yes or no"),
        ("mh_crisis", 1, "Answer yes or no"),
        ("tr_feel_safe", "x" * 2001, "2000 characters or fewer"),
        ("tr_feel_safe", 12, "as text"),
        ("tr_feel_safe", "a\x00b", "not allowed"),
    ],
)
def test_an_invalid_answer_names_its_question(q, question, value, message_part):
    errors = errors_for(q, answers(**{question: value}))
    assert list(errors) == [question]
    assert message_part in errors[question][0]


def test_unknown_questions_are_refused_by_name(q):
    errors = errors_for(q, answers(favourite_colour="blue"))
    assert list(errors) == ["favourite_colour"]


def test_answers_must_be_an_object(q):
    assert list(errors_for(q, ["no"])) == ["answers"]


def test_multiple_choice_answers_are_kept_in_question_order_without_repeats(q):
    cleaned = scoring.validate_answers(q, answers(ssh_triggers=["recall", "court", "recall"]))
    assert cleaned["ssh_triggers"] == ["court", "recall"]
