"""My work: a need identified at least 4 weeks ago with no pathway offered for it."""

import datetime as dt

import pytest

from safeguard.core.models import WorkItem, WorkItemStatus
from safeguard.core.workitems import scan
from safeguard.pathways import rules, services
from safeguard.people.models import Sex
from tests.assessments.helpers import HIGH, record_screen
from tests.factories import PersonFactory, RegistrationFactory, RejectedReferralFactory
from tests.pathways.helpers import days_ago, offer, today

pytestmark = pytest.mark.django_db


def items():
    return list(WorkItem.objects.filter(rule=rules.NEED_NO_OFFER.code, status=WorkItemStatus.OPEN))


def test_a_need_identified_4_weeks_ago_with_no_offer_raises_an_item(org):
    pp = org["staff"]["practitioner"]
    person = org["people"]["mine"]
    record_screen(person, pp, when=days_ago(29), **HIGH["trauma"])
    scan(rules.NEED_NO_OFFER, today=today())
    [item] = items()
    assert item.person == person and item.assigned_to == pp
    assert item.detail == "No pathway offered for: Trauma"
    # An offer of a pathway that meets it resolves the item, even once declined.
    offer(person, pp, status="declined", reason="Not ready to talk about it")
    scan(rules.NEED_NO_OFFER, today=today())
    assert items() == []


def test_a_need_identified_less_than_4_weeks_ago_waits(org):
    person = org["people"]["mine"]
    record_screen(person, org["staff"]["practitioner"], when=days_ago(20), **HIGH["trauma"])
    scan(rules.NEED_NO_OFFER, today=today())
    assert items() == []
    scan(rules.NEED_NO_OFFER, today=today() + dt.timedelta(days=9))
    assert len(items()) == 1


def test_the_detail_names_every_need_without_an_offer(org):
    pp = org["staff"]["practitioner"]
    person = org["people"]["mine"]
    record_screen(person, pp, when=days_ago(40), **HIGH["trauma"], ph_gp="no")
    RegistrationFactory(person=person, code="ADVV", start_date=today() - dt.timedelta(days=60))
    scan(rules.NEED_NO_OFFER, today=today())
    [item] = items()
    assert item.detail == (
        "No pathway offered for: Trauma; Domestic abuse (victim); Not registered with a GP"
    )
    # GP registration offered: trauma and domestic abuse are still unmet, so the item stays.
    offer(person, pp, pathway="gp_registration")
    scan(rules.NEED_NO_OFFER, today=today())
    assert len(items()) == 1
    # Trauma support meets both; with it offered nothing is left.
    offer(person, pp, pathway="trauma_support")
    scan(rules.NEED_NO_OFFER, today=today())
    assert items() == []


def test_a_need_only_a_single_sex_service_meets_does_not_prompt(org):
    assert "mental_health" not in rules.prompted_needs()
    assert "trauma" in rules.prompted_needs()


def test_a_rejected_s42_below_threshold_prompts_the_panel_after_4_weeks(org):
    person = org["people"]["mine"]
    RejectedReferralFactory(person=person, decided_at=days_ago(30))
    scan(rules.NEED_NO_OFFER, today=today())
    [item] = items()
    assert "Complex needs below the s42 threshold" in item.detail
    services.pathway_offer_record(
        person_id=person.pk, pathway="marm_complex_lives", actor=org["staff"]["practitioner"]
    )
    scan(rules.NEED_NO_OFFER, today=today())
    assert items() == []


def test_the_same_needs_prompt_the_same_for_a_man_and_a_woman(org):
    pp = org["staff"]["practitioner"]
    man = PersonFactory(team=org["team"], practitioner=pp, sex=Sex.MALE)
    woman = PersonFactory(team=org["team"], practitioner=pp, sex=Sex.FEMALE, ethnicity="B2")
    for p in (man, woman):
        record_screen(p, pp, when=days_ago(35), **HIGH["trauma"])
    scan(rules.NEED_NO_OFFER, today=today())
    assert sorted(i.detail for i in items()) == ["No pathway offered for: Trauma"] * 2


def test_the_rule_is_set_based(org, django_assert_max_num_queries):
    pp = org["staff"]["practitioner"]
    for _ in range(5):
        p = PersonFactory(team=org["team"], practitioner=pp)
        record_screen(p, pp, when=days_ago(35), **HIGH["trauma"])
    # Candidates into a temporary table (drop, create, delete those with no unmet need, index,
    # analyse on PostgreSQL), resolve, re-home, raise, drop, in a savepoint: the same few
    # statements whatever the caseload.
    with django_assert_max_num_queries(11):
        scan(rules.NEED_NO_OFFER, today=today())
    assert len(items()) == 5
