"""The pathway catalogue as data, single-sex eligibility as each service states it, and the
equal-treatment property: the same needs give the same suggestions whatever the person's sex,
gender identity, ethnicity or age, single-sex services aside."""

import datetime as dt
import inspect
import json

import pytest
from django.core.exceptions import ImproperlyConfigured
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from safeguard.pathways import catalogue as cat
from safeguard.pathways import needs as needs_module
from safeguard.pathways.catalogue import SingleSex, catalogue, single_sex_eligible
from safeguard.pathways.selectors import person_pathways
from safeguard.pathways.suggestions import suggest
from safeguard.people.models import Ethnicity, GenderIdentity, Person, Sex
from tests.assessments.helpers import HIGH, MEDIUM, record_screen
from tests.factories import PersonFactory, RegistrationFactory

ISSUE_PATHWAYS = {
    "womens_centre",
    "young_adults",
    "trauma_support",
    "peer_mentoring",
    "health_check_bbv",
    "gp_registration",
    "nhs_reconnect",
    "substance_misuse_naloxone",
    "neurodiversity_support",
    "marm_complex_lives",
}


def test_the_catalogue_has_the_ten_pathways_the_issue_lists():
    pathways = catalogue().pathways
    assert set(pathways) >= ISSUE_PATHWAYS
    for p in pathways.values():
        assert p.needs and p.providers and p.offered in catalogue().offered_how
        assert p.providers_in("KSS") and p.providers_in("NE")  # every area has a provider


def test_only_the_womens_centre_is_single_sex_and_trauma_support_is_for_everyone():
    single = {k for k, p in catalogue().pathways.items() if p.single_sex}
    assert single == {"womens_centre"}
    assert catalogue().pathways["trauma_support"].single_sex is None


def test_providers_are_per_area_with_a_fallback():
    wc = catalogue().pathways["womens_centre"]
    assert "Kent women's centre (synthetic)" in wc.providers_in("KSS")
    assert wc.providers_in("NE") == ("Local women's centre",)


def test_no_need_source_reads_a_protected_characteristic():
    data = (cat.DATA / "needs.json").read_text()
    for word in ("sex", "gender", "ethnicity", "date_of_birth", "age"):
        assert f'"{word}"' not in data
    assert not {"sex", "gender_identity", "ethnicity", "date_of_birth", "age"} & set(
        inspect.signature(needs_module.need_condition).parameters
    )


def test_a_broken_catalogue_stops_start_up(tmp_path, monkeypatch):
    (tmp_path / "needs.json").write_text((cat.DATA / "needs.json").read_text())
    data = json.loads((cat.DATA / "pathways.json").read_text())
    data["pathways"][0]["needs"].append("no_such_need")
    (tmp_path / "pathways.json").write_text(json.dumps(data))
    monkeypatch.setattr(cat, "DATA", tmp_path)
    cat.catalogue.cache_clear()
    try:
        with pytest.raises(ImproperlyConfigured, match="unknown need"):
            cat.catalogue()
    finally:
        monkeypatch.undo()
        cat.catalogue.cache_clear()


@pytest.mark.parametrize(
    ("rule", "sex", "gender", "eligible"),
    [
        (SingleSex("women", "gender_identity"), "female", "", True),
        (SingleSex("women", "gender_identity"), "female", "same_as_sex", True),
        (SingleSex("women", "gender_identity"), "male", "woman", True),
        (SingleSex("women", "gender_identity"), "female", "man", False),
        (SingleSex("women", "gender_identity"), "male", "same_as_sex", False),
        (SingleSex("women", "gender_identity"), "female", "non_binary", False),
        (SingleSex("women", "sex"), "male", "woman", False),
        (SingleSex("women", "sex"), "female", "man", True),
        (SingleSex("men", "sex"), "male", "", True),
        (SingleSex("men", "gender_identity"), "female", "man", True),
        (None, "male", "", True),
    ],
)
def test_single_sex_eligibility_follows_the_rule_the_service_states(rule, sex, gender, eligible):
    assert single_sex_eligible(rule, sex=sex, gender_identity=gender) is eligible


def test_suggestions_follow_needs():
    keys = [s.pathway.key for s in suggest(["trauma"], sex="male", gender_identity="")]
    assert keys == ["trauma_support"]
    keys = [s.pathway.key for s in suggest(["trauma"], sex="female", gender_identity="")]
    assert keys == ["womens_centre", "trauma_support"]
    keys = {s.pathway.key for s in suggest(["leaving_custody"], sex="male", gender_identity="")}
    assert keys == {"peer_mentoring", "health_check_bbv", "nhs_reconnect"}
    assert suggest([], sex="female", gender_identity="") == []


NEEDS = sorted(catalogue().needs)


@settings(max_examples=300, deadline=None)
@given(
    needs=st.sets(st.sampled_from(NEEDS)),
    first=st.tuples(st.sampled_from(Sex.values), st.sampled_from(["", *GenderIdentity.values])),
    second=st.tuples(st.sampled_from(Sex.values), st.sampled_from(["", *GenderIdentity.values])),
)
def test_same_needs_same_suggestions_single_sex_aside(needs, first, second):
    def keys(sex, gender):
        return [
            s.pathway.key
            for s in suggest(needs, sex=sex, gender_identity=gender)
            if s.pathway.single_sex is None
        ]

    assert keys(*first) == keys(*second)


characteristics = st.fixed_dictionaries(
    {
        "sex": st.sampled_from(Sex.values),
        "gender_identity": st.sampled_from(["", *GenderIdentity.values]),
        "ethnicity": st.sampled_from(Ethnicity.values),
        "date_of_birth": st.dates(min_value=dt.date(1940, 1, 1), max_value=dt.date(2007, 12, 31)),
    }
)


@pytest.mark.django_db
def test_through_the_database_protected_characteristics_never_change_the_suggestions(org):
    """The whole path (screen, registrations, release plan, the needs' SQL, the catalogue): two
    people with the same records and different sex, gender identity, ethnicity and age get
    the same needs, and the same suggestions apart from single-sex services."""
    pp = org["staff"]["practitioner"]
    person = PersonFactory(team=org["team"], practitioner=pp)
    domains = sorted(HIGH)

    @settings(
        max_examples=25,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(
        chosen=st.lists(st.sampled_from(domains), max_size=4, unique=True),
        medium=st.lists(st.sampled_from(sorted(MEDIUM)), max_size=2, unique=True),
        register=st.sampled_from(["", "MSV", "ADVV", "AMHL", "ALSH"]),
        first=characteristics,
        second=characteristics,
    )
    def check(chosen, medium, register, first, second):
        answers = {}
        for domain in medium:
            answers.update(MEDIUM[domain])
        for domain in chosen:
            answers.update(HIGH[domain])
        record_screen(person, pp, **answers)
        if register:
            RegistrationFactory(person=person, code=register, owner=pp)
        results = []
        for values in (first, second):
            Person.objects.filter(pk=person.pk).update(**values)
            person.refresh_from_db()
            found = person_pathways(person, today=dt.date.today())
            results.append(
                (
                    [n.key for n in found.needs],
                    [s.pathway.key for s in found.suggestions if s.pathway.single_sex is None],
                )
            )
        person.registrations.all().delete()
        assert results[0] == results[1]

    check()
