"""seed_demo: sign-ins, the demo caseload, limited access, registrations, referrals,
escalations and work items, determinism and refusals."""

import io
import itertools
import re
from collections import Counter
from datetime import timedelta

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import F
from django.utils import timezone

from safeguard.core.calendar import add_working_days, working_days_between
from safeguard.core.dates import add_months
from safeguard.core.models import Role, Staff, WorkItem, WorkItemStatus
from safeguard.demo import generate
from safeguard.demo.generate import BULK_TABLES, crn_for, fingerprint
from safeguard.people.models import Allocation, LimitedAccess, Person
from safeguard.people.selectors import visible_people
from safeguard.referrals.catalogue import escalation_ladder
from safeguard.referrals.models import (
    AGENCY_KIND_FOR_REFERRAL,
    CARE_ACT_KINDS,
    AbuseCategory,
    Consent,
    Escalation,
    EscalationOutcome,
    EscalationStatus,
    Referral,
    ReferralKind,
    ReferralStatus,
)
from safeguard.referrals.selectors import escalation_holder
from safeguard.referrals.services import _care_act_consent_errors
from safeguard.registrations.hygiene import problems_for_person, violations
from safeguard.registrations.models import (
    EndReason,
    RegisterGroup,
    Registration,
    RegistrationStatus,
)


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


# ---- casework: registrations, referrals, escalations and work items ----------------------------


def _constraints_and_indexes():
    """Every constraint and index of the tables seed_demo bulk-loads, by table."""
    with connection.cursor() as cursor:
        return {
            model._meta.db_table: {
                name: (info["columns"], info["foreign_key"], info["unique"], info["index"])
                for name, info in connection.introspection.get_constraints(
                    cursor, model._meta.db_table
                ).items()
            }
            for model in BULK_TABLES
        }


def _demo_person(k):
    """The k-th person of demo.practitioner's caseload (created first, in order)."""
    return Person.objects.get(crn=crn_for(k))


@pytest.mark.django_db
def test_registrations_follow_the_rules_with_a_sprinkle_of_problems():
    before = _constraints_and_indexes()
    seed()
    # bulk_load (PostgreSQL) dropped foreign keys and indexes for the load: all are back.
    assert _constraints_and_indexes() == before

    today = timezone.localdate()
    people = Person.objects.count()
    registrations = Registration.objects.select_related("register_type", "person")
    assert 4.5 * people <= registrations.count() <= 8 * people
    assert registrations.filter(status=RegistrationStatus.ENDED).count() > people
    assert not registrations.filter(ended_on__lt=F("start_date")).exists()
    assert not registrations.filter(start_date__lt=F("person__date_of_birth")).exists()
    assert not registrations.filter(start_date__gt=today).exists()
    assert not registrations.exclude(registering_team=F("person__team")).exists()

    # One current RoSH registration matching the recorded level for nearly everyone.
    rosh = RegisterGroup.RISK_OF_SERIOUS_HARM
    active_rosh = Registration.objects.filter(
        status=RegistrationStatus.ACTIVE, register_type__group=rosh
    )
    matching = (
        Person.objects.exclude(rosh_level="")
        .filter(
            pk__in=active_rosh.filter(register_type__rosh_level=F("person__rosh_level")).values(
                "person"
            )
        )
        .count()
    )
    assert matching >= 0.95 * Person.objects.exclude(rosh_level="").count()
    # Earlier levels were superseded on the day the next began.
    superseded = registrations.filter(end_reason=EndReason.SUPERSEDED)
    assert superseded.exists()
    for old in superseded:
        assert old.register_type.group == rosh
        code = old.end_notes.removeprefix("Superseded by ")
        assert Registration.objects.filter(
            person=old.person, register_type__code=code, start_date=old.ended_on
        ).exists()

    # MAPP for everyone with a MAPPA category, with their category and level.
    for person in Person.objects.filter(mappa_category__isnull=False):
        assert person.registrations.filter(
            register_type__code="MAPP",
            status=RegistrationStatus.ACTIVE,
            category=person.mappa_category,
            level=person.mappa_level,
        ).exists()

    # Next review dates come from the review period, from the latest review by the owner.
    for registration in registrations.filter(status=RegistrationStatus.ACTIVE).prefetch_related(
        "reviews"
    ):
        months = registration.register_type.review_months
        if not months:
            assert registration.next_review_date is None
            continue
        reviews = list(registration.reviews.all())
        if reviews:
            latest = reviews[0]
            assert latest.reviewer_id == registration.owner_id
            assert latest.next_review_date == registration.next_review_date
            assert registration.next_review_date == add_months(latest.reviewed_on, months)
            assert registration.start_date <= latest.reviewed_on < today
        else:
            assert registration.next_review_date == add_months(registration.start_date, months)

    # A realistic sprinkle of every hygiene problem across the data set...
    found = {row["rule"] for row in violations(Registration.objects.all(), today)}
    assert {
        "ROSH_MULTIPLE",
        "ROSH_MISMATCH",
        "RVLN_ENDED_WHILE_AT_RISK",
        "REVIEW_OVERDUE",
        "OWNER_NOT_IN_POST",
        "DA_VICTIM_AND_PERPETRATOR",
    } <= found
    active = Registration.objects.filter(status=RegistrationStatus.ACTIVE)
    overdue = active.filter(next_review_date__lt=today).count()
    assert 0.01 <= overdue / active.exclude(next_review_date=None).count() <= 0.08

    # ...and on demo.practitioner's caseload, one of each to show.
    def rules_for(k):
        return {p.rule.code for p in problems_for_person(_demo_person(k), today)}

    assert "ROSH_MULTIPLE" in rules_for(0)
    assert (
        _demo_person(1)
        .registrations.filter(status=RegistrationStatus.ACTIVE, next_review_date__lt=today)
        .count()
        >= 2
    )
    assert "DA_VICTIM_AND_PERPETRATOR" in rules_for(2)
    assert "RVLN_ENDED_WHILE_AT_RISK" in rules_for(3)
    assert "OWNER_NOT_IN_POST" in rules_for(5)
    assert _demo_person(6).registrations.count() == 40
    practitioner = Staff.objects.get(username="demo.practitioner")
    assert all(_demo_person(k).practitioner == practitioner for k in (0, 1, 2, 3, 5, 6))


@pytest.mark.django_db
def test_referrals_escalations_and_my_work():
    output = seed()
    assert "Work-item scan" in output
    today = timezone.localdate()
    people = Person.objects.count()
    referrals = Referral.objects.select_related(
        "agency__region", "person__pdu__region", "chosen_housing_authority"
    )
    # About 200,000 for 240,000 people, scaled down (the demo caseload adds a few).
    expected = people * 200_000 / 240_000
    assert 0.6 * expected <= referrals.count() <= 1.4 * expected
    assert len({r.kind for r in referrals}) >= 6
    statuses = Counter(r.status for r in referrals)
    decided = statuses[ReferralStatus.ACCEPTED] + statuses[ReferralStatus.REJECTED]
    assert decided >= 0.75 * referrals.count()
    assert statuses[ReferralStatus.SENT] + statuses[ReferralStatus.ACKNOWLEDGED] > 0
    assert statuses[ReferralStatus.CLOSED_NO_RESPONSE] > 0
    assert not statuses[ReferralStatus.DRAFT]

    # One referral of demo.practitioner's caseload is completed and waiting to be sent.
    ready = referrals.get(status=ReferralStatus.READY_TO_SEND)
    assert ready.person == _demo_person(7) and ready.sent_at is None and ready.due_by is None
    assert ready.ready_at < timezone.now() and ready.send_by >= today

    earliest = today - timedelta(days=19 * 31)
    for r in referrals.exclude(pk=ready.pk):
        assert r.agency.kind == AGENCY_KIND_FOR_REFERRAL[r.kind]
        sent_on = timezone.localtime(r.sent_at).date()
        assert earliest <= sent_on < today
        assert r.due_by == add_working_days(sent_on, r.agency.response_target_working_days)
        if r.status in (ReferralStatus.ACCEPTED, ReferralStatus.REJECTED):
            assert r.sent_at <= r.decided_at < timezone.now()
            assert r.decision_working_days == working_days_between(
                sent_on, timezone.localtime(r.decided_at).date()
            )
            assert bool(r.rejection_reason) == (r.status == ReferralStatus.REJECTED)
        else:
            assert r.decided_at is None and r.decision_working_days is None
        if r.kind == ReferralKind.ASC_S42:
            assert None not in (
                r.s42_care_and_support_needs,
                r.s42_abuse_or_neglect,
                r.s42_unable_to_protect_self,
            )
            assert r.s42_care_and_support_needs_evidence and r.s42_abuse_or_neglect_evidence
            assert r.abuse_categories and set(r.abuse_categories) <= set(AbuseCategory.values)
            assert r.consent
        if r.consent and r.consent != Consent.GIVEN:
            assert r.reason_without_consent
        if r.kind == ReferralKind.HOUSING_DUTY_TO_REFER:
            assert r.consent == Consent.GIVEN and r.consent_to_share_contact_details is True
            assert r.chosen_housing_authority.region.code != "WA"
            assert r.agency.local_authority_id == r.chosen_housing_authority_id
            assert r.reason and r.person.pdu.region.code != "WA"
        if r.kind in CARE_ACT_KINDS:
            # The Care Act's consent and capacity rules, as the service applies them.
            assert r.consent and r.mental_capacity
            assert not _care_act_consent_errors(
                r.kind,
                r.consent,
                r.mental_capacity,
                r.capacity_assessment,
                r.ground_without_consent,
            )

    # Escalations climb the ladder one level at a time, held as escalation_holder says.
    escalations = Escalation.objects.select_related("referral__person__pdu")
    assert escalations.exists()
    by_referral = {}
    for e in escalations:
        by_referral.setdefault(e.referral_id, []).append(e)
        assert e.holder == escalation_holder(person=e.referral.person, level=e.level)
        assert e.due_by == add_working_days(
            timezone.localtime(e.raised_at).date(),
            escalation_ladder()[e.level]["target_working_days"],
        )
        if e.status == EscalationStatus.RESOLVED:
            assert e.outcome and e.resolved_at >= e.raised_at and e.resolved_by == e.holder
    for chain in by_referral.values():
        chain.sort(key=lambda e: e.level)
        referral = chain[0].referral
        assert [e.level for e in chain] == list(range(1, len(chain) + 1))
        assert referral.status in (
            ReferralStatus.REJECTED,
            ReferralStatus.CLOSED_NO_RESPONSE,
        ) or (referral.due_by < timezone.localtime(chain[0].raised_at).date())
        for lower, higher in itertools.pairwise(chain):
            assert lower.status == EscalationStatus.RESOLVED
            assert lower.outcome in (
                EscalationOutcome.DECISION_UPHELD,
                EscalationOutcome.ALTERNATIVE_AGREED,
            )
            assert higher.raised_at >= lower.resolved_at
    levels = Counter(e.level for e in escalations)
    assert levels[1] >= levels[2] >= levels[3] >= levels[4]

    # demo.practitioner's caseload: an s42 rejection meeting all three parts, not escalated;
    # a referral past its response date; a rejection escalated to level 1, held by demo.spo.
    practitioner = Staff.objects.get(username="demo.practitioner")
    spo = Staff.objects.get(username="demo.spo")
    rejected = Referral.objects.get(
        person=_demo_person(9),
        kind=ReferralKind.ASC_S42,
        status=ReferralStatus.REJECTED,
        escalations__isnull=True,
        s42_care_and_support_needs=True,
        s42_abuse_or_neglect=True,
        s42_unable_to_protect_self=True,
    )
    assert Referral.objects.filter(
        person=_demo_person(4),
        status__in=[ReferralStatus.SENT, ReferralStatus.ACKNOWLEDGED],
        due_by__lt=today,
    ).exists()
    escalated = Escalation.objects.get(
        referral__person=_demo_person(12), level=1, status=EscalationStatus.OPEN
    )
    assert escalated.holder == spo and escalated.due_by >= today

    # The scan after seeding filled "My work".
    open_items = WorkItem.objects.filter(status=WorkItemStatus.OPEN)
    mine = open_items.filter(assigned_to=practitioner)
    assert mine.filter(rule="registration_review_overdue").count() >= 2
    assert mine.filter(rule="registration_hygiene_problem").exists()
    assert mine.filter(rule="asc_rejected_s42_indicated", subject_id=rejected.pk).exists()
    assert mine.filter(rule="referral_past_target", person=_demo_person(4)).exists()
    assert mine.filter(rule="referral_ready_to_send", subject_id=ready.pk).exists()
    assert open_items.filter(
        rule="escalation_to_answer", subject_id=escalated.pk, assigned_to=spo
    ).exists()


@pytest.mark.django_db
def test_the_same_data_with_a_worker_process():
    """At national scale a worker process makes the casework rows: the data is the same."""
    generate.seed_demo(people=300, seed=3, workers=0)
    alone = fingerprint()
    generate.seed_demo(people=300, seed=3, replace=True, workers=1)
    assert fingerprint() == alone


@pytest.mark.django_db
def test_earlier_urgent_work_is_already_alerted_except_the_demo_teams():
    """The seed's scan raises every urgent item of the demo's history at once: they start as
    alerted and acknowledged by their assignee, so the first sweep does not email a backlog;
    the demo team's are left for that sweep, which alerts them as new work."""
    from safeguard.alerts.models import Alert, AlertEmail, AlertStatus
    from safeguard.alerts.services import alerts_raise, urgent_items_to_alert
    from safeguard.core.models import WorkItemPriority

    seed()
    demo_team = Staff.objects.get(username="demo.practitioner").teams.get()
    urgent = WorkItem.objects.filter(
        status=WorkItemStatus.OPEN, priority=WorkItemPriority.URGENT, person__isnull=False
    )
    elsewhere = urgent.exclude(person__team=demo_team)
    assert elsewhere.exists()
    for item in elsewhere.select_related("alert"):
        assert item.alert.status == AlertStatus.ACKNOWLEDGED
        assert item.alert.acknowledged_by_id == item.assigned_to_id
    assert not AlertEmail.objects.exists()
    waiting = set(urgent_items_to_alert().values_list("pk", flat=True))
    assert waiting == set(urgent.filter(person__team=demo_team).values_list("pk", flat=True))
    assert waiting, "the demo team has urgent work for the first sweep to alert"
    assert alerts_raise() == len(waiting)
    assert Alert.objects.filter(status=AlertStatus.SENT).count() == len(waiting)
    assert not urgent_items_to_alert().exists()
