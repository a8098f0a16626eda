"""The register catalogue against the MoJ reference data (issue 19): what each register means
and how often it is reviewed, and the data migration that brings existing registrations into
line without rewriting their history."""

import datetime as dt

import pytest
from django.utils import timezone

from safeguard.registrations import catalogue, hygiene
from safeguard.registrations.models import RegisterType, Registration
from safeguard.registrations.rules import REVIEW_OVERDUE
from tests.factories import EndedRegistrationFactory, OverdueRegistrationFactory

pytestmark = pytest.mark.django_db


def test_risk_to_an_adult_at_risk_is_public_protection_not_risk_to_self():
    """REG22 is a risk the person poses to an adult at risk, not a risk to them."""
    reg22 = RegisterType.objects.get(code="REG22")
    assert reg22.group == "public_protection"
    assert RegisterType.objects.get(code="RVAD").group == "adult_at_risk"
    assert "REG22" not in catalogue.risk_to_self_registers()
    assert "RVAD" in catalogue.risk_to_self_registers()


def test_domestic_abuse_history_has_no_set_review():
    assert RegisterType.objects.get(code="REG30").review_months is None


def test_existing_domestic_abuse_history_stops_being_overdue_and_keeps_its_history(org):
    person = org["people"]["mine"]
    today = timezone.localdate()
    overdue = OverdueRegistrationFactory(person=person, code="REG30")
    old_date = overdue.next_review_date
    ended = EndedRegistrationFactory(person=person, code="REG30", next_review_date=old_date)
    other = OverdueRegistrationFactory(person=person, code="AMHL")

    catalogue.clear_reviews_without_a_set_period()

    overdue.refresh_from_db()
    assert overdue.next_review_date is None
    assert overdue.version == 2
    history = list(overdue.history.order_by("history_date", "history_id"))
    assert [h.next_review_date for h in history] == [old_date, None]
    assert "no set review" in history[-1].history_change_reason
    ended.refresh_from_db()
    assert ended.next_review_date == old_date  # an ended registration is history as it stood
    other.refresh_from_db()
    assert other.next_review_date < today  # a register with a review period is untouched
    problems = {p.rule.code: p.registration_ids for p in hygiene.problems_for_person(person, today)}
    assert problems["REVIEW_OVERDUE"] == [other.pk]
    subjects = set(REVIEW_OVERDUE.candidates(today).values_list("wi_subject_id", flat=True))
    assert subjects == {other.pk}
    catalogue.clear_reviews_without_a_set_period()  # re-runnable
    assert overdue.history.count() == 2
    assert Registration.objects.filter(person=person).count() == 3


def test_a_new_domestic_abuse_history_registration_has_no_review_date(org):
    from safeguard.registrations import services

    registration = services.registration_add(
        person_id=org["people"]["mine"].pk,
        code="REG30",
        start_date=timezone.localdate() - dt.timedelta(days=400),
        actor=org["staff"]["practitioner"],
    )
    assert registration.next_review_date is None
