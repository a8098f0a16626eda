"""Answers and records for the assessment tests."""

import datetime as dt

from django.utils import timezone
from hypothesis import strategies as st

from safeguard.assessments import services
from safeguard.assessments.models import QuestionnaireVersion
from safeguard.registrations.models import RegisterType, Registration

# The answer to every question that indicates the least need.
LOWEST = {
    "ssh_history": "no",
    "ssh_thoughts": "no",
    "ssh_self_harm_now": "no",
    "ssh_triggers": ["none"],
    "mh_impact": 0,
    "mh_condition": "no",
    "mh_support": "not_needed",
    "mh_crisis": False,
    "su_alcohol": "no",
    "su_drugs": "no",
    "su_opioids": False,
    "su_overdose": "no",
    "su_support": "not_needed",
    "ph_condition": "no",
    "ph_daily_impact": "no",
    "ph_gp": "yes",
    "ph_medication": False,
    "ld_condition": "no",
    "ld_reading": "no",
    "ld_understanding": "no",
    "ex_types": ["none"],
    "ex_ongoing": "no",
    "da_now": "no",
    "da_safe": "yes",
    "hm_tonight": "settled",
    "hm_at_risk": "no",
    "cs_daily_help": "no",
    "cs_getting_help": "not_needed",
    "cs_self_care": "no",
    "cs_protect_self": "yes",
    "bl_recent": "no",
    "bl_suicide": "no",
    "bl_support": "no",
    "tr_experiences": "no",
    "tr_reactions": "no",
    "db_struggling": "no",
    "db_threats": "no",
    "db_income": "yes",
}

# Answers that make each domain high on its own.
HIGH = {
    "suicide_self_harm": {"ssh_thoughts": "often", "ssh_triggers": ["release"]},
    "mental_health": {"mh_impact": 9, "mh_support": "no"},
    "substance_use": {"su_overdose": "last_12_months"},
    "physical_health_disability": {
        "ph_daily_impact": "a_lot",
        "ph_condition": "yes",
        "ph_gp": "no",
    },
    "learning_disability_neurodivergence": {
        "ld_condition": "yes",
        "ld_reading": "yes",
        "ld_understanding": "often",
    },
    "exploitation_coercion": {"ex_ongoing": "yes"},
    "domestic_abuse_victimisation": {"da_now": "yes"},
    "homelessness": {"hm_tonight": "rough_sleeping"},
    "care_and_support_needs": {"cs_daily_help": "yes", "cs_getting_help": "no"},
    "bereavement_loss": {"bl_recent": "both", "bl_support": "yes"},
    "trauma": {"tr_experiences": "yes", "tr_reactions": "often"},
    "debt": {"db_threats": "yes"},
}

# Answers that make each domain medium (not high) on its own.
MEDIUM = {
    "suicide_self_harm": {"ssh_thoughts": "sometimes"},
    "mental_health": {"mh_impact": 7, "mh_condition": "yes"},
    "substance_use": {"su_opioids": True},
    "physical_health_disability": {"ph_daily_impact": "a_lot"},
    "learning_disability_neurodivergence": {"ld_reading": "yes", "ld_understanding": "sometimes"},
    "exploitation_coercion": {"ex_types": ["financial"]},
    "domestic_abuse_victimisation": {"da_safe": "no"},
    "homelessness": {"hm_at_risk": "yes"},
    "care_and_support_needs": {"cs_self_care": "yes"},
    "bereavement_loss": {"bl_recent": "died"},
    "trauma": {"tr_reactions": "often"},
    "debt": {"db_struggling": "struggling"},
}


def answers(**overrides) -> dict:
    result = dict(LOWEST)
    result.update(overrides)
    return result


def combined(*parts: dict) -> dict:
    result = dict(LOWEST)
    for part in parts:
        result.update(part)
    return result


# The version new screens are answered on (the highest published).
CURRENT_VERSION = 2


def record_screen(person, actor, when=None, version=CURRENT_VERSION, **overrides):
    screen = services.screen_record(
        person_id=person.pk, version=version, answers=answers(**overrides), actor=actor
    )
    if when is not None:
        screen.completed_at = when
        screen.save(update_fields=["completed_at"])
    return screen


def save_plan(person, actor, *, expected_version=0, review_date=None, **fields):
    data = {
        "warning_signs": "Not sleeping, staying in my room",
        "coping_strategies": "Walk the dog, music",
        "review_date": review_date or timezone.localdate() + dt.timedelta(days=30),
    }
    data.update(fields)
    return services.safety_plan_save(
        person_id=person.pk, data=data, expected_version=expected_version, actor=actor
    )


def register(person, code, owner, *, next_review_date=None, status="active"):
    return Registration.objects.create(
        person=person,
        register_type=RegisterType.objects.get(code=code),
        status=status,
        start_date=dt.date(2025, 1, 1),
        next_review_date=next_review_date,
        owner=owner,
        ended_on=None if status == "active" else dt.date(2025, 6, 1),
    )


def valid_answers_strategy(questionnaire):
    """Any valid set of answers to ``questionnaire``: every required question answered, optional
    ones sometimes, multiple choice as one exclusive option or any set of the others."""

    def for_question(q):
        if q.type == "single":
            return st.sampled_from(q.allowed_answers)
        if q.type == "multiple":
            exclusive = [o.value for o in q.options if o.exclusive]
            others = [o.value for o in q.options if not o.exclusive]
            choices = st.lists(st.sampled_from(others), min_size=1, unique=True)
            if exclusive:
                choices = st.one_of(choices, st.sampled_from(exclusive).map(lambda v: [v]))
            return choices
        if q.type == "boolean":
            return st.booleans()
        if q.type == "scale":
            return st.integers(min_value=q.min, max_value=q.max)
        return st.text(
            alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=40
        ).filter(str.strip)

    required = {q.id: for_question(q) for q in questionnaire.questions if q.required}
    optional = {q.id: for_question(q) for q in questionnaire.questions if not q.required}
    return st.fixed_dictionaries(required, optional=optional)


def current_questionnaire():
    return QuestionnaireVersion.objects.get(version=CURRENT_VERSION).questionnaire
