"""Equal treatment (inspection recommendations 3 and 5): the outcome of a screen depends on the
answers, never on the person's sex, gender identity, ethnicity or age.

The property is tested through the whole service (validation, the person's row, the case's
registrations and safety plan, scoring and storage), with the person's protected
characteristics changed between two screens given the same answers.
"""

import datetime as dt
import inspect

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from safeguard.assessments import scoring, services
from safeguard.assessments.models import QuestionnaireVersion
from safeguard.people.models import Ethnicity, GenderIdentity, Person, Sex
from tests.assessments.helpers import current_questionnaire, valid_answers_strategy
from tests.factories import PersonFactory

PROTECTED = ("sex", "gender_identity", "ethnicity", "date_of_birth")

characteristics = st.fixed_dictionaries(
    {
        "sex": st.sampled_from(Sex.values),
        "gender_identity": st.sampled_from(["", *GenderIdentity.values]),
        "ethnicity": st.sampled_from(Ethnicity.values),
        "date_of_birth": st.dates(min_value=dt.date(1930, 1, 1), max_value=dt.date(2007, 12, 31)),
    }
)


def _outcome(screen):
    return (
        screen.domain_levels,
        screen.risk_to_self,
        screen.care_act_s42,
        screen.recommendations,
    )


def test_scoring_takes_no_personal_characteristics():
    for function in (scoring.evaluate, scoring.assess, scoring.recommend):
        parameters = set(inspect.signature(function).parameters)
        assert not parameters & {"person", *PROTECTED, "age", "gender"}, function


@pytest.mark.django_db
@pytest.mark.parametrize("version", [1, 2])
def test_changing_protected_characteristics_never_changes_the_outcome(org, version):
    questionnaire = QuestionnaireVersion.objects.get(version=version).questionnaire
    practitioner = org["staff"]["practitioner"]
    person = PersonFactory(team=org["team"], practitioner=practitioner)

    @settings(
        max_examples=60,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(
        answers=valid_answers_strategy(questionnaire),
        first=characteristics,
        second=characteristics,
    )
    def check(answers, first, second):
        outcomes = []
        for values in (first, second):
            Person.objects.filter(pk=person.pk).update(**values)
            screen = services.screen_record(
                person_id=person.pk, version=version, answers=answers, actor=practitioner
            )
            outcomes.append(_outcome(screen))
        assert outcomes[0] == outcomes[1]

    check()


@pytest.mark.django_db
def test_same_answers_for_a_man_and_a_woman_on_different_cases_give_the_same_outcome(org):
    """Two people who differ only in protected characteristics, both on the same footing
    (no registrations, no plan), get the same outcome for a high-need set of answers."""
    practitioner = org["staff"]["practitioner"]
    man = PersonFactory(
        team=org["team"],
        practitioner=practitioner,
        sex=Sex.MALE,
        gender_identity=GenderIdentity.SAME_AS_SEX,
        ethnicity="B2",
        date_of_birth=dt.date(1999, 1, 1),
    )
    woman = PersonFactory(
        team=org["team"],
        practitioner=practitioner,
        sex=Sex.FEMALE,
        gender_identity=GenderIdentity.SAME_AS_SEX,
        ethnicity="W1",
        date_of_birth=dt.date(1960, 1, 1),
    )
    from tests.assessments.helpers import answers

    data = answers(
        tr_experiences="yes",
        tr_reactions="often",
        da_now="yes",
        ssh_thoughts="sometimes",
        cs_daily_help="yes",
        mh_condition="yes",
        cs_protect_self="no",
    )
    screens = [
        services.screen_record(
            person_id=p.pk,
            version=current_questionnaire().version,
            answers=data,
            actor=practitioner,
        )
        for p in (man, woman)
    ]
    assert _outcome(screens[0]) == _outcome(screens[1])
    assert screens[0].risk_to_self in ("medium", "high", "very_high")
    assert screens[0].s42_indicated is True
