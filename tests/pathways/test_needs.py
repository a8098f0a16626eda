"""Needs from the screen, registrations, release plans, the GP status, recorded needs and
rejected referrals, and the pathways each one suggests."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from safeguard.core.errors import IllegalTransition
from safeguard.core.models import AccessLogEntry
from safeguard.pathways import services
from safeguard.pathways.needs import person_needs
from safeguard.pathways.selectors import person_pathways
from safeguard.people.models import Sex
from safeguard.referrals.models import ReferralStatus
from tests.assessments.helpers import HIGH, MEDIUM, record_screen
from tests.factories import PersonFactory, RegistrationFactory, RejectedReferralFactory
from tests.pathways.helpers import today
from tests.releases.helpers import in_custody, open_plan

pytestmark = pytest.mark.django_db


def suggested(person):
    return [s.pathway.key for s in person_pathways(person, today=today()).suggestions]


@pytest.fixture
def person(org):
    return org["people"]["mine"]


def test_nobody_with_no_needs_gets_no_suggestions(person):
    assert person_needs(person.pk, today=today()) == []
    assert suggested(person) == []


@pytest.mark.parametrize(
    ("answers", "need"),
    [
        (HIGH["trauma"], "trauma"),
        (MEDIUM["trauma"] if "trauma" in MEDIUM else HIGH["trauma"], "trauma"),
        (HIGH["domestic_abuse_victimisation"], "domestic_abuse"),
        (HIGH["mental_health"], "mental_health"),
        (HIGH["learning_disability_neurodivergence"], "neurodivergence"),
        ({"su_opioids": True}, "opioid_use"),
        ({"su_overdose": "witnessed"}, "opioid_use"),
        ({"ph_gp": "no"}, "no_gp"),
        ({"ph_gp": "not_sure"}, "no_gp"),
        (HIGH["bereavement_loss"], "isolation"),
    ],
)
def test_needs_from_the_latest_screen(person, org, answers, need):
    record_screen(person, org["staff"]["practitioner"], **answers)
    assert need in person_needs(person.pk, today=today())


def test_only_the_latest_screen_counts(person, org):
    pp = org["staff"]["practitioner"]
    record_screen(person, pp, when=timezone.now() - dt.timedelta(days=60), **HIGH["trauma"])
    record_screen(person, pp)
    assert "trauma" not in person_needs(person.pk, today=today())


@pytest.mark.parametrize(
    ("code", "need"), [("MSV", "trauma"), ("ADVV", "domestic_abuse"), ("AMHL", "mental_health")]
)
def test_needs_from_registrations(person, code, need):
    registration = RegistrationFactory(person=person, code=code)
    assert need in person_needs(person.pk, today=today())
    registration.status = "ended"
    registration.ended_on = today()
    registration.end_reason = "no_longer_applies"
    registration.save()
    assert need not in person_needs(person.pk, today=today())


def test_needs_from_the_persons_record(person):
    person.neurodivergence = True
    person.save()
    assert "neurodivergence" in person_needs(person.pk, today=today())
    assert "neurodiversity_support" in suggested(person)


def test_an_open_release_plan_points_to_reconnect_health_checks_and_peer_mentors(org):
    person = in_custody(org["team"], org["staff"]["practitioner"], release_in_days=30)
    open_plan(person)
    assert person_needs(person.pk, today=today()) == ["leaving_custody"]
    assert set(suggested(person)) == {"peer_mentoring", "health_check_bbv", "nhs_reconnect"}


def test_gp_status_not_registered_points_to_gp_registration(person, org):
    services.gp_registration_record(
        person_id=person.pk, status="not_registered", version=0, actor=org["staff"]["practitioner"]
    )
    assert suggested(person) == ["gp_registration"]


def test_s42_rejected_below_threshold_suggests_a_marm_or_complex_lives_panel(person):
    RejectedReferralFactory(person=person, rejection_reason="below_threshold")
    assert person_needs(person.pk, today=today()) == ["complex_below_threshold"]
    assert suggested(person) == ["marm_complex_lives"]


@pytest.mark.parametrize(
    ("changes", "suggests"),
    [
        ({"rejection_reason": "not_ordinarily_resident"}, False),
        ({"kind": "adult_social_care_needs_assessment"}, False),
        ({"decided_at": timezone.now() - dt.timedelta(days=200)}, False),
        ({"status": ReferralStatus.ACCEPTED, "rejection_reason": ""}, False),
        ({}, True),
    ],
)
def test_only_an_s42_rejected_below_threshold_recently_suggests_the_panel(
    person, changes, suggests
):
    RejectedReferralFactory(person=person, **changes)
    assert ("marm_complex_lives" in suggested(person)) is suggests


def test_a_recorded_need_suggests_and_ends(person, org):
    pp = org["staff"]["practitioner"]
    need = services.pathway_need_record(person_id=person.pk, need="maturity", note="", actor=pp)
    assert suggested(person) == ["young_adults"]
    assert AccessLogEntry.objects.filter(event="pathway_need.recorded", person=person).exists()
    with pytest.raises(IllegalTransition):
        services.pathway_need_record(person_id=person.pk, need="maturity", actor=pp)
    services.pathway_need_end(need_id=need.pk, version=need.version, actor=pp)
    assert suggested(person) == []


def test_only_recordable_needs_can_be_recorded(person, org):
    with pytest.raises(ValidationError) as refused:
        services.pathway_need_record(
            person_id=person.pk, need="trauma", actor=org["staff"]["practitioner"]
        )
    assert "need" in refused.value.message_dict


def test_the_womens_centre_is_suggested_to_women_only_and_trauma_support_to_both(org):
    pp = org["staff"]["practitioner"]
    man = PersonFactory(team=org["team"], practitioner=pp, sex=Sex.MALE)
    woman = PersonFactory(team=org["team"], practitioner=pp, sex=Sex.FEMALE)
    trans_woman = PersonFactory(
        team=org["team"], practitioner=pp, sex=Sex.MALE, gender_identity="woman"
    )
    for p in (man, woman, trans_woman):
        record_screen(p, pp, **HIGH["trauma"])
    assert suggested(man) == ["trauma_support"]
    assert suggested(woman) == ["womens_centre", "trauma_support"]
    # The women's centre goes by gender identity, as its entry in the catalogue states.
    assert suggested(trans_woman) == ["womens_centre", "trauma_support"]


def test_suggestions_name_the_providers_in_the_persons_area(person, org):
    record_screen(person, org["staff"]["practitioner"], **HIGH["trauma"])
    found = person_pathways(person, today=today())
    assert found.suggestions[0].providers == ("Kent and Medway trauma service (synthetic)",)


def test_suggestions_for_a_person_take_a_fixed_number_of_queries(
    person, org, django_assert_max_num_queries
):
    pp = org["staff"]["practitioner"]
    record_screen(person, pp, **HIGH["trauma"], **HIGH["substance_use"])
    for code in ("MSV", "ADVV", "AMHL"):
        RegistrationFactory(person=person, code=code)
    person = type(person).objects.select_related("pdu__region").get(pk=person.pk)
    with django_assert_max_num_queries(3):
        person_pathways(person, today=today())


def test_one_persons_needs_agree_with_the_caseload_statement(person, org):
    # The person page runs a statement compiled once a day; it must give what the set-based
    # statement (the work item and the measures) gives for each person.
    from safeguard.pathways.catalogue import catalogue
    from safeguard.pathways.needs import annotate_needs
    from safeguard.people.models import Person

    pp = org["staff"]["practitioner"]
    record_screen(person, pp, **HIGH["trauma"], su_opioids=True)
    RegistrationFactory(person=org["people"]["colleagues"], code="AMHL")
    keys = list(catalogue().needs)
    rows = annotate_needs(Person.objects.all(), today=today()).values(
        "pk", *[f"need_{k}" for k in keys]
    )
    checked = 0
    for row in rows:
        expected = [k for k in keys if row[f"need_{k}"]]
        assert person_needs(row["pk"], today=today()) == expected
        checked += bool(expected)
    assert checked >= 2
    assert person_needs(-1, today=today()) == []


def test_any_need_across_the_caseload_is_any_of_the_needs_person_by_person(person, org):
    # The measures count "any need" in one pass of the latest screens; it must be the same
    # people as OR-ing each need's own condition.
    from safeguard.pathways.needs import any_need_condition
    from safeguard.pathways.rules import prompted_needs
    from safeguard.people.models import Person

    pp = org["staff"]["practitioner"]
    record_screen(person, pp, when=timezone.now() - dt.timedelta(days=60), **HIGH["trauma"])
    record_screen(person, pp)  # the latest screen shows no need: an older one does not count
    record_screen(org["people"]["same_pdu"], org["staff"]["other_team_pp"], ph_gp="no")
    RegistrationFactory(person=org["people"]["colleagues"], code="MSV")
    keys = prompted_needs()
    expected = {
        p.pk for p in Person.objects.all() if set(person_needs(p.pk, today=today())) & set(keys)
    }
    found = set(
        Person.objects.filter(any_need_condition(keys, today=today())).values_list("pk", flat=True)
    )
    assert found == expected
    assert org["people"]["colleagues"].pk in found and person.pk not in found
