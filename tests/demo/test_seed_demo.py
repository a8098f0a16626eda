"""seed_demo: sign-ins, the demo caseload, limited access, determinism and refusals."""

import io
import re

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db.models import F

from safeguard.core.models import Role, Staff
from safeguard.demo.generate import crn_for, fingerprint
from safeguard.people.models import Allocation, LimitedAccess, Person
from safeguard.people.selectors import visible_people


def seed(*args):
    out = io.StringIO()
    call_command("seed_demo", "--people", "300", "--seed", "1", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_sign_ins_caseload_and_limited_access():
    output = seed()
    assert "demo.practitioner" in output

    staff = {s.username: s for s in Staff.objects.filter(username__startswith="demo.")}
    practitioner, spo = staff["demo.practitioner"], staff["demo.spo"]
    head, regional, admin = staff["demo.head"], staff["demo.regional"], staff["demo.admin"]
    expected_roles = {
        "demo.practitioner": Role.PRACTITIONER,
        "demo.spo": Role.SENIOR_PROBATION_OFFICER,
        "demo.head": Role.HEAD_OF_PDU,
        "demo.regional": Role.REGIONAL_LEAD,
        "demo.national": Role.NATIONAL,
        "demo.inspector": Role.INSPECTOR,
        "demo.admin": Role.ADMIN,
    }
    for username, role in expected_roles.items():
        assert staff[username].role == role
    # Every sign-in shares one hash (Argon2 is slow on purpose, so check two).
    assert len({staff[username].password for username in expected_roles}) == 1
    assert practitioner.check_password(settings.SAFEGUARD_DEMO_PASSWORD)
    assert admin.is_staff and admin.is_superuser

    team = practitioner.teams.get()
    assert list(spo.teams.all()) == [team]
    assert team.pdu.region.code == "KSS"
    assert head.pdu == team.pdu
    assert regional.region == team.pdu.region

    # Generated staff cannot sign in; every team has an SPO and practitioners.
    generated = Staff.objects.filter(username__startswith="demo.").exclude(
        pk__in=[s.pk for s in staff.values() if s.username in expected_roles]
    )
    assert not any(s.has_usable_password() for s in generated[:50])
    assert Staff.objects.filter(role=Role.PRACTITIONER, in_post=False).exists()

    assert Person.objects.count() == 300
    assert 35 <= Person.objects.filter(practitioner=practitioner).count() <= 45
    assert Person.objects.filter(team=team).exclude(practitioner=practitioner).count() >= 20
    assert all(
        re.fullmatch(r"[A-Z][0-9]{6}", crn) for crn in Person.objects.values_list("crn", flat=True)
    )
    # Each person has one current allocation, which matches the person's team and practitioner.
    current = Allocation.objects.filter(ended_on__isnull=True)
    assert current.count() == 300
    assert not current.exclude(team=F("person__team")).exists()
    assert (
        not current.filter(person__practitioner__isnull=False)
        .exclude(practitioner=F("person__practitioner"))
        .exists()
    )
    assert not Allocation.objects.filter(ended_on__lt=F("started_on")).exists()
    assert not Person.objects.exclude(pdu=F("team__pdu")).exists()

    excluded = Person.objects.get(crn="X900001")
    assert excluded.team == team and excluded.practitioner not in (None, practitioner)
    assert LimitedAccess.objects.filter(
        person=excluded, staff=practitioner, kind=LimitedAccess.Kind.EXCLUSION
    ).exists()
    assert not visible_people(practitioner).filter(crn="X900001").exists()
    assert visible_people(spo).filter(crn="X900001").exists()

    restricted = Person.objects.get(crn="X900002")
    assert set(
        restricted.limited_access.filter(kind=LimitedAccess.Kind.RESTRICTION).values_list(
            "staff", flat=True
        )
    ) == {spo.pk, restricted.practitioner_id}
    assert not visible_people(practitioner).filter(crn="X900002").exists()
    assert visible_people(spo).filter(crn="X900002").exists()


@pytest.mark.django_db
def test_same_seed_gives_the_same_data():
    seed()
    first = fingerprint()
    seed("--replace")
    assert fingerprint() == first
    assert Person.objects.count() == 300
    call_command("seed_demo", "--people", "300", "--seed", "2", "--replace", stdout=io.StringIO())
    assert fingerprint() != first


@pytest.mark.django_db
def test_refuses_when_people_exist_unless_replace_or_if_empty():
    seed()
    with pytest.raises(CommandError, match="already exist"):
        seed()
    assert "Demo data already present" in seed("--if-empty")
    assert Person.objects.count() == 300


@pytest.mark.django_db
def test_refuses_in_production(settings):
    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="production"):
        seed()
    assert not Person.objects.exists()


def test_crns_are_unique_and_leave_x_free():
    crns = [crn_for(i) for i in range(240_000)]
    assert len(set(crns)) == len(crns)
    assert all(re.fullmatch(r"[A-W][0-9]{6}", crn) for crn in crns)
