"""Add, review and end: review dates, RoSH supersession, history, audit and bad input."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from safeguard.core.dates import add_months
from safeguard.core.models import AccessLogEntry
from safeguard.registrations import services
from safeguard.registrations.models import Registration, RegistrationStatus
from tests.factories import RegistrationFactory


@given(st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2090, 1, 1)), st.integers(0, 36))
def test_add_months_lands_in_the_right_month_and_never_overshoots(start, months):
    result = add_months(start, months)
    assert (result.year * 12 + result.month) - (start.year * 12 + start.month) == months
    assert result.day <= start.day
    assert (
        result.day == start.day
        or result.day
        == (
            dt.date(result.year + result.month // 12, result.month % 12 + 1, 1)
            - dt.timedelta(days=1)
        ).day
    )


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (dt.date(2026, 1, 31), 1, dt.date(2026, 2, 28)),
        (dt.date(2024, 8, 31), 6, dt.date(2025, 2, 28)),
        (dt.date(2023, 8, 31), 6, dt.date(2024, 2, 29)),
        (dt.date(2026, 11, 27), 3, dt.date(2027, 2, 27)),
    ],
)
def test_review_date_examples(start, months, expected):
    assert add_months(start, months) == expected


@pytest.mark.django_db
def test_adding_a_registration_sets_the_review_date_and_is_audited(org):
    pp, person = org["staff"]["practitioner"], org["people"]["mine"]
    start = timezone.localdate() - dt.timedelta(days=10)
    registration = services.registration_add(
        person_id=person.pk, code="alsh", start_date=start, notes="Recent attempt", actor=pp
    )
    assert registration.next_review_date == add_months(start, 6)
    assert registration.owner == pp
    assert AccessLogEntry.objects.filter(
        person=person, action="change_person", detail="registered ALSH"
    ).exists()


@pytest.mark.django_db
def test_a_register_with_no_set_review_has_no_review_date(org):
    registration = services.registration_add(
        person_id=org["people"]["mine"].pk,
        code="RVLN",
        start_date=timezone.localdate(),
        actor=org["staff"]["practitioner"],
    )
    assert registration.next_review_date is None


@pytest.mark.django_db
def test_a_new_rosh_level_supersedes_the_old_one(org):
    pp, person = org["staff"]["practitioner"], org["people"]["mine"]
    old = RegistrationFactory(person=person, code="RMRH")
    new = services.registration_add(
        person_id=person.pk, code="RHRH", start_date=timezone.localdate(), actor=pp
    )
    old.refresh_from_db()
    assert old.status == RegistrationStatus.ENDED
    assert old.end_reason == "superseded"
    assert new.status == RegistrationStatus.ACTIVE
    active_rosh = Registration.objects.filter(
        person=person, status="active", register_type__group="risk_of_serious_harm"
    )
    assert list(active_rosh) == [new]
    assert old.history.first().history_change_reason == "Ended: superseded"


@pytest.mark.django_db
def test_review_continues_with_a_new_date_and_owner(org):
    pp, colleague = org["staff"]["practitioner"], org["staff"]["colleague"]
    registration = RegistrationFactory(person=org["people"]["mine"], code="ADVP", owner=colleague)
    today = timezone.localdate()
    review = services.registration_review(
        registration_id=registration.pk, reviewed_on=today, outcome="continue", actor=pp
    )
    registration.refresh_from_db()
    assert review.next_review_date == registration.next_review_date == add_months(today, 3)
    assert registration.owner == pp


@pytest.mark.django_db
def test_review_can_end_the_registration(org):
    registration = RegistrationFactory(person=org["people"]["mine"], code="AMHL")
    services.registration_review(
        registration_id=registration.pk,
        reviewed_on=timezone.localdate(),
        outcome="end",
        actor=org["staff"]["practitioner"],
    )
    registration.refresh_from_db()
    assert registration.status == "ended" and registration.end_reason == "no_longer_applies"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"code": "NOPE"}, "code"),
        ({"code": "MAPP"}, "category"),
        ({"code": "MAPP", "category": 5, "level": 1}, "category"),
        ({"code": "MAPP", "category": 1, "level": 4}, "level"),
        ({"code": "ALSH", "level": 1}, "level"),
        ({"code": "ALSH", "start_date": dt.date(2099, 1, 1)}, "start_date"),
        ({"code": "ALSH", "start_date": dt.date(1900, 1, 1)}, "start_date"),
    ],
)
def test_bad_registrations_are_refused_naming_the_field(org, kwargs, field):
    params = {"start_date": timezone.localdate(), **kwargs}
    with pytest.raises(ValidationError) as info:
        services.registration_add(
            person_id=org["people"]["mine"].pk, actor=org["staff"]["practitioner"], **params
        )
    assert field in info.value.message_dict
    assert not Registration.objects.exists()


@pytest.mark.django_db
def test_an_ended_registration_cannot_be_ended_or_reviewed_again(org):
    pp = org["staff"]["practitioner"]
    registration = RegistrationFactory(person=org["people"]["mine"], code="AMHL")
    today = timezone.localdate()
    services.registration_end(
        registration_id=registration.pk, ended_on=today, reason="other", actor=pp
    )
    with pytest.raises(ValidationError):
        services.registration_end(
            registration_id=registration.pk, ended_on=today, reason="other", actor=pp
        )
    with pytest.raises(ValidationError):
        services.registration_review(
            registration_id=registration.pk, reviewed_on=today, outcome="continue", actor=pp
        )


def _active_rosh(person):
    return list(
        Registration.objects.filter(
            person=person, status="active", register_type__group="risk_of_serious_harm"
        )
    )


@pytest.mark.django_db
def test_a_back_dated_rosh_level_is_history_and_the_current_level_stays(org):
    """The most recent start date wins: a level added with an earlier start than the current
    one is recorded as history, ended as superseded at the start of the current one."""
    pp, person = org["staff"]["practitioner"], org["people"]["mine"]
    today = timezone.localdate()
    current = RegistrationFactory(
        person=person, code="RHRH", start_date=today - dt.timedelta(days=30)
    )
    older = services.registration_add(
        person_id=person.pk, code="RMRH", start_date=today - dt.timedelta(days=200), actor=pp
    )
    current.refresh_from_db()
    assert current.status == RegistrationStatus.ACTIVE and current.ended_on is None
    assert older.status == RegistrationStatus.ENDED
    assert older.end_reason == "superseded"
    assert older.ended_on == current.start_date
    assert older.next_review_date is None
    assert _active_rosh(person) == [current]
    entry = AccessLogEntry.objects.filter(person=person, action="change_person").latest("pk")
    assert "RMRH" in entry.detail and "history" in entry.detail


@pytest.mark.django_db
def test_a_newer_rosh_level_ends_the_current_one_at_its_own_start(org):
    pp, person = org["staff"]["practitioner"], org["people"]["mine"]
    today = timezone.localdate()
    old = RegistrationFactory(person=person, code="RMRH", start_date=today - dt.timedelta(days=200))
    new = services.registration_add(
        person_id=person.pk, code="RHRH", start_date=today - dt.timedelta(days=30), actor=pp
    )
    old.refresh_from_db()
    assert old.status == RegistrationStatus.ENDED and old.ended_on == new.start_date
    assert _active_rosh(person) == [new]
    # And a level older than both goes into history before the one it preceded.
    oldest = services.registration_add(
        person_id=person.pk, code="RLRH", start_date=today - dt.timedelta(days=300), actor=pp
    )
    assert oldest.status == RegistrationStatus.ENDED
    assert oldest.ended_on == old.start_date
    assert _active_rosh(person) == [new]
