"""Every hygiene rule: a case that triggers it and one that does not."""

import datetime as dt

import pytest
from django.utils import timezone

from safeguard.core.models import Role
from safeguard.registrations import hygiene
from tests.factories import (
    EndedRegistrationFactory,
    OverdueRegistrationFactory,
    PersonFactory,
    RegistrationFactory,
    StaffFactory,
)


def rules_for(person):
    return {p.rule.code for p in hygiene.problems_for_person(person, timezone.localdate())}


@pytest.fixture
def person(db, home_team):
    pp = StaffFactory(role=Role.PRACTITIONER, teams=[home_team])
    return PersonFactory(team=home_team, practitioner=pp, rosh_level="high")


@pytest.mark.django_db
def test_a_clean_set_of_registrations_has_no_problems(person):
    RegistrationFactory(person=person, code="RHRH")
    RegistrationFactory(person=person, code="ALSH")
    RegistrationFactory(person=person, code="RVLN", next_review_date=None)
    assert rules_for(person) == set()


@pytest.mark.django_db
def test_two_active_rosh_levels(person):
    RegistrationFactory(person=person, code="RHRH")
    assert "ROSH_MULTIPLE" not in rules_for(person)
    RegistrationFactory(person=person, code="RMRH")
    assert "ROSH_MULTIPLE" in rules_for(person)


@pytest.mark.django_db
def test_rosh_registration_disagreeing_with_the_recorded_level(person):
    RegistrationFactory(person=person, code="RMRH")
    assert "ROSH_MISMATCH" in rules_for(person)
    person.rosh_level = "medium"
    person.save()
    assert "ROSH_MISMATCH" not in rules_for(person)


@pytest.mark.django_db
def test_vulnerable_ended_while_suicide_risk_is_active(person):
    EndedRegistrationFactory(person=person, code="RVLN")
    assert "RVLN_ENDED_WHILE_AT_RISK" not in rules_for(person)
    RegistrationFactory(person=person, code="ALSH")
    assert "RVLN_ENDED_WHILE_AT_RISK" in rules_for(person)
    RegistrationFactory(person=person, code="RVLN", next_review_date=None)
    assert "RVLN_ENDED_WHILE_AT_RISK" not in rules_for(person)


@pytest.mark.django_db
def test_vulnerable_ended_long_before_the_risk_began_is_not_a_problem(person, home_team):
    """Only an RVLN that ended while the ALSH or RVAD was active counts: one ended years
    before the other began is history, not a contradiction. The caseload query agrees."""
    today = timezone.localdate()
    EndedRegistrationFactory(
        person=person,
        code="RVLN",
        start_date=today - dt.timedelta(days=2000),
        ended_on=today - dt.timedelta(days=1500),
        next_review_date=None,
    )
    alsh = RegistrationFactory(person=person, code="ALSH", start_date=today - dt.timedelta(days=60))
    assert "RVLN_ENDED_WHILE_AT_RISK" not in rules_for(person)
    # Ended the day the RVAD began, or after: the periods overlap.
    overlapping = PersonFactory(team=home_team, practitioner=person.practitioner)
    EndedRegistrationFactory(
        person=overlapping,
        code="RVLN",
        start_date=today - dt.timedelta(days=400),
        ended_on=today - dt.timedelta(days=100),
        next_review_date=None,
    )
    rvad = RegistrationFactory(
        person=overlapping, code="RVAD", start_date=today - dt.timedelta(days=100)
    )
    assert "RVLN_ENDED_WHILE_AT_RISK" in rules_for(overlapping)
    found = {
        (rule, pk)
        for rule, pk, _ in hygiene.violations(
            hygiene.Registration.objects.all(), today, codes={"RVLN_ENDED_WHILE_AT_RISK"}
        ).values_list("rule", "pk", "person_id")
    }
    assert found == {("RVLN_ENDED_WHILE_AT_RISK", rvad.pk)}
    assert alsh.pk not in {pk for _, pk in found}


@pytest.mark.django_db
def test_duplicate_active_registrations(person):
    RegistrationFactory(person=person, code="WEAP")
    EndedRegistrationFactory(person=person, code="WEAP")
    assert "DUPLICATE" not in rules_for(person)
    RegistrationFactory(person=person, code="WEAP")
    assert "DUPLICATE" in rules_for(person)


@pytest.mark.django_db
def test_review_overdue(person):
    RegistrationFactory(person=person, code="AMHL", next_review_date=timezone.localdate())
    assert "REVIEW_OVERDUE" not in rules_for(person)
    OverdueRegistrationFactory(person=person, code="IIOM")
    assert "REVIEW_OVERDUE" in rules_for(person)


@pytest.mark.django_db
def test_owner_no_longer_in_post(person):
    registration = RegistrationFactory(person=person, code="AMHL")
    assert "OWNER_NOT_IN_POST" not in rules_for(person)
    registration.owner.in_post = False
    registration.owner.save()
    assert "OWNER_NOT_IN_POST" in rules_for(person)


@pytest.mark.django_db
def test_domestic_abuse_victim_and_perpetrator_without_a_note(person):
    RegistrationFactory(person=person, code="ADVP", notes="")
    assert "DA_VICTIM_AND_PERPETRATOR" not in rules_for(person)
    victim = RegistrationFactory(person=person, code="ADVV", notes="")
    assert "DA_VICTIM_AND_PERPETRATOR" in rules_for(person)
    person.registrations.update(notes="Mutual abuse in one relationship; see MARAC minutes.")
    del victim
    assert "DA_VICTIM_AND_PERPETRATOR" not in rules_for(person)


@pytest.mark.django_db
def test_every_rule_in_the_data_file_has_a_condition():
    conditions = hygiene._conditions(hygiene.Registration.objects.all(), dt.date.today())
    assert set(hygiene.rules()) == set(conditions)
    for rule in hygiene.rules().values():
        assert rule.severity in {"error", "warning"} and rule.message and rule.fix


@pytest.mark.django_db
def test_the_caseload_report_agrees_with_the_person_view(client, person, home_team):
    other = PersonFactory(team=home_team, practitioner=person.practitioner, rosh_level="low")
    RegistrationFactory(person=person, code="RHRH")
    RegistrationFactory(person=person, code="RMRH")
    OverdueRegistrationFactory(person=other, code="AMHL")
    client.force_login(person.practitioner)
    html = client.get("/registrations/hygiene/").content.decode()
    assert f"/people/{person.crn}/" in html and f"/people/{other.crn}/" in html
    only_rosh = client.get("/registrations/hygiene/?rule=ROSH_MULTIPLE").content.decode()
    assert f"/people/{person.crn}/" in only_rosh and f"/people/{other.crn}/" not in only_rosh


@pytest.mark.django_db
def test_each_person_gets_their_own_problems_from_the_query_compiled_once(person, home_team):
    """The one-person query is compiled once a day and reused: it must answer for whoever asks."""
    other = PersonFactory(team=home_team, practitioner=person.practitioner, rosh_level="high")
    RegistrationFactory(person=person, code="RHRH")
    RegistrationFactory(person=person, code="RMRH")
    RegistrationFactory(person=other, code="RHRH")
    OverdueRegistrationFactory(person=other, code="AMHL")
    assert rules_for(person) == {"ROSH_MULTIPLE", "ROSH_MISMATCH"}
    assert rules_for(other) == {"REVIEW_OVERDUE"}
    assert rules_for(person) == {"ROSH_MULTIPLE", "ROSH_MISMATCH"}
