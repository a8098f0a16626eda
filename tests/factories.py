"""Factories per state, built on the real organisation the migrations load."""

import datetime as dt
import itertools

import factory
from django.contrib.auth.hashers import make_password
from django.utils import timezone

from safeguard.core.models import PDU, Role, Staff, Team
from safeguard.people.models import (
    AccommodationStatus,
    Allocation,
    AllocationReason,
    CustodyStatus,
    LimitedAccess,
    Person,
    SentenceType,
    Sex,
)

PASSWORD = "correct-horse-battery"
_PASSWORD_HASH = None
_crn_numbers = itertools.count(100001)


def password_hash():
    global _PASSWORD_HASH
    if _PASSWORD_HASH is None:
        _PASSWORD_HASH = make_password(PASSWORD)
    return _PASSWORD_HASH


def team_in(region_code: str, index: int = 0) -> Team:
    return Team.objects.filter(pdu__region__code=region_code).order_by("pdu__code", "name")[index]


class StaffFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Staff
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"staff{n}")
    first_name = "Sam"
    last_name = factory.Sequence(lambda n: f"Tester{n}")
    role = Role.PRACTITIONER
    password = factory.LazyFunction(password_hash)

    @factory.post_generation
    def teams(self, create, extracted, **kwargs):
        if create and extracted:
            self.teams.set(extracted)


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person
        skip_postgeneration_save = True

    crn = factory.LazyFunction(lambda: f"T{next(_crn_numbers):06d}")
    first_name = "Alex"
    last_name = factory.Sequence(lambda n: f"Example{n}")
    date_of_birth = dt.date(1985, 3, 14)
    sex = Sex.MALE
    team = factory.LazyFunction(lambda: team_in("KSS"))
    pdu = factory.LazyAttribute(lambda o: o.team.pdu)
    practitioner = None
    sentence_type = SentenceType.COMMUNITY_ORDER
    supervision_start = dt.date(2025, 6, 1)
    custody_status = CustodyStatus.IN_COMMUNITY
    accommodation_status = AccommodationStatus.SETTLED

    @factory.post_generation
    def allocation(self, create, extracted, **kwargs):
        if create:
            Allocation.objects.create(
                person=self,
                practitioner=self.practitioner,
                team=self.team,
                started_on=self.supervision_start,
                reason=AllocationReason.INITIAL,
            )


class InCustodyPersonFactory(PersonFactory):
    sentence_type = SentenceType.LICENCE
    custody_status = CustodyStatus.IN_CUSTODY
    expected_release_date = factory.LazyFunction(lambda: dt.date.today() + dt.timedelta(weeks=6))


class NoFixedAbodePersonFactory(PersonFactory):
    accommodation_status = AccommodationStatus.NO_FIXED_ABODE


def exclude(person, staff):
    return LimitedAccess.objects.create(
        person=person, staff=staff, kind=LimitedAccess.Kind.EXCLUSION, reason="test"
    )


def restrict(person, *staff):
    for member in staff:
        LimitedAccess.objects.create(
            person=person, staff=member, kind=LimitedAccess.Kind.RESTRICTION, reason="test"
        )


def pdu_of(team) -> PDU:
    return team.pdu


# ---- registrations ------------------------------------------------------------------------

from safeguard.registrations.models import (  # noqa: E402
    EndReason,
    RegisterType,
    Registration,
    RegistrationStatus,
)


class RegistrationFactory(factory.django.DjangoModelFactory):
    """An active registration, review not yet due."""

    class Meta:
        model = Registration

    person = factory.SubFactory(PersonFactory)
    register_type = factory.LazyAttribute(lambda o: RegisterType.objects.get(code=o.code))
    status = RegistrationStatus.ACTIVE
    start_date = factory.LazyFunction(lambda: dt.date.today() - dt.timedelta(days=30))
    next_review_date = factory.LazyFunction(lambda: dt.date.today() + dt.timedelta(days=150))
    owner = factory.LazyAttribute(lambda o: o.person.practitioner or StaffFactory())
    notes = ""

    class Params:
        code = "ALSH"


class OverdueRegistrationFactory(RegistrationFactory):
    start_date = factory.LazyFunction(lambda: dt.date.today() - dt.timedelta(days=400))
    next_review_date = factory.LazyFunction(lambda: dt.date.today() - dt.timedelta(days=10))


class EndedRegistrationFactory(RegistrationFactory):
    status = RegistrationStatus.ENDED
    ended_on = factory.LazyFunction(lambda: dt.date.today() - dt.timedelta(days=5))
    end_reason = EndReason.NO_LONGER_APPLIES


# ---- referrals ----------------------------------------------------------------------------

from safeguard.referrals.models import Agency, Referral, ReferralStatus  # noqa: E402


def asc_agency(region_code="KSS", name=None) -> Agency:
    qs = Agency.objects.filter(kind="adult_social_care", region__code=region_code)
    return qs.get(name=name) if name else qs.order_by("name").first()


S42_ALL_MET = {
    "care_and_support_needs": {
        "indicated": True,
        "evidence": "Learning disability; support worker",
    },
    "experiencing_or_at_risk_of_abuse_or_neglect": {
        "indicated": True,
        "evidence": "Cuckooing reported by neighbours",
    },
    "unable_to_protect_self": {"indicated": True, "evidence": "Cannot refuse entry to the flat"},
}


class DraftReferralFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Referral

    person = factory.SubFactory(PersonFactory)
    kind = "adult_social_care_s42"
    agency = factory.LazyFunction(asc_agency)
    status = ReferralStatus.DRAFT
    s42_care_and_support_needs = True
    s42_care_and_support_needs_evidence = "Learning disability"
    s42_abuse_or_neglect = True
    s42_abuse_or_neglect_evidence = "Cuckooing"
    s42_unable_to_protect_self = True
    s42_unable_to_protect_self_evidence = "Cannot refuse entry"
    abuse_categories = factory.LazyFunction(lambda: ["financial_or_material"])
    consent = "given"
    created_by = factory.LazyAttribute(lambda o: o.person.practitioner or StaffFactory())


class SentReferralFactory(DraftReferralFactory):
    status = ReferralStatus.SENT
    sent_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(days=1))
    due_by = factory.LazyFunction(lambda: dt.date.today() + dt.timedelta(days=1))


class OverdueReferralFactory(SentReferralFactory):
    sent_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(days=20))
    due_by = factory.LazyFunction(lambda: dt.date.today() - dt.timedelta(days=10))


class RejectedReferralFactory(SentReferralFactory):
    status = ReferralStatus.REJECTED
    decided_at = factory.LazyFunction(timezone.now)
    decision_working_days = 1
    rejection_reason = "below_threshold"
