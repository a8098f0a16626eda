"""seed_demo's screens, safety plans, appointments, reminders and release plans: what a user of
the demo would notice, and that the rows obey the rules the services enforce."""

import io
import re
from collections import Counter, defaultdict
from datetime import date, datetime, time, timedelta

import pytest
from django.core.management import call_command
from django.db.models import Q
from django.utils import timezone

from safeguard.assessments import policy, scoring
from safeguard.assessments.models import (
    MEDIUM_OR_ABOVE,
    RiskToSelf,
    SafetyPlan,
    SafetyPlanStatus,
    VulnerabilityScreen,
)
from safeguard.assessments.selectors import risk_summary
from safeguard.core.bounds import months_after, years_before
from safeguard.core.models import Staff, WorkItem, WorkItemStatus
from safeguard.demo.generate import DEMO_CASEWORK, crn_for, fingerprint, seed_demo
from safeguard.engagement.models import (
    ATTENDANCE_OUTCOMES,
    Appointment,
    Outcome,
    ReminderChannel,
    ReminderPreferences,
)
from safeguard.engagement.services import clean_lead_times, plan_reminder_times, summaries_send_due
from safeguard.notify.models import Message, MessageKind, MessageStatus
from safeguard.pathways import catalogue as pathways_catalogue
from safeguard.pathways.models import (
    GPRegistration,
    GPStatus,
    OfferStatus,
    PathwayOffer,
    RecordedNeed,
)
from safeguard.pathways.rules import NEED_NO_OFFER
from safeguard.people.models import CustodyStatus, Person
from safeguard.registrations.models import Registration
from safeguard.releases import catalogue
from safeguard.releases.catalogue import checklist
from safeguard.releases.models import (
    CLOSED_STATUSES,
    SECURED_STATUSES,
    ItemStatus,
    PlanStatus,
    ReleasePlan,
    ReleasePlanItem,
)
from safeguard.releases.selectors import PLAN_OPENS_WEEKS, with_readiness
from safeguard.releases.sweeps import open_due_release_plans

MOBILE = re.compile(r"^07700 900\d{3}$")
EMAIL = re.compile(r"^[a-z0-9.]+@example\.com$")


def seed(*args):
    call_command("seed_demo", "--people", "300", "--seed", "1", *args, stdout=io.StringIO())


def demo_person(feature):
    """The person of demo.practitioner's caseload that shows ``feature``."""
    k = next(k for k, features in DEMO_CASEWORK.items() if feature in features)
    return Person.objects.get(crn=crn_for(k))


def open_items(**filters):
    return WorkItem.objects.filter(status=WorkItemStatus.OPEN, **filters)


def start_of(day):
    return timezone.make_aware(datetime.combine(day, time.min))


@pytest.mark.django_db
def test_most_people_are_screened_and_outcomes_are_the_scoring_functions():
    seed()
    today = timezone.localdate()
    people = list(Person.objects.all())
    screens = list(VulnerabilityScreen.objects.select_related("questionnaire_version"))
    latest = {}
    for screen in sorted(screens, key=lambda s: (s.completed_at, s.pk)):
        latest[screen.person_id] = screen

    # Most people are not due a screen; a realistic minority are, for each reason.
    due = {
        p.pk: policy.screen_due(
            person=p,
            last_screen_at=latest[p.pk].completed_at if p.pk in latest else None,
            last_screen_level=latest[p.pk].risk_to_self if p.pk in latest else None,
            today=today,
        )
        for p in people
    }
    due_people = [pk for pk, d in due.items() if d is not None]
    assert 0.03 * len(people) <= len(due_people) <= 0.2 * len(people)
    reasons = Counter(d.reason for d in due.values() if d is not None)
    assert reasons[policy.ScreenDueReason.NEVER_SCREENED] and reasons[policy.ScreenDueReason.LAPSED]
    # The work-item rule agrees with the policy, person by person.
    assert set(open_items(rule="SCREEN_DUE").values_list("person_id", flat=True)) == set(due_people)

    # Every stored outcome is what the scoring code gives for the stored answers, with the
    # registrations active that day and whether a safety plan was current at that moment.
    registrations = defaultdict(list)
    for person_id, code, start, ended in Registration.objects.values_list(
        "person_id", "register_type__code", "start_date", "ended_on"
    ):
        registrations[person_id].append((code, start, ended))
    plans = defaultdict(list)
    for plan in SafetyPlan.objects.all():
        plans[plan.person_id].append(plan)
    for screen in screens:
        questionnaire = screen.questionnaire
        assert scoring.validate_answers(questionnaire, screen.answers) == screen.answers
        day = timezone.localtime(screen.completed_at).date()
        codes = {
            code
            for code, start, ended in registrations[screen.person_id]
            if start <= day and (ended is None or ended > day)
        }
        had_plan = any(
            p.created_at <= screen.completed_at
            and (p.replaced_at is None or p.replaced_at > screen.completed_at)
            for p in plans[screen.person_id]
        )
        outcome = scoring.evaluate(
            questionnaire,
            screen.answers,
            active_registration_codes=codes,
            has_current_safety_plan=had_plan,
        )
        assert screen.domain_levels == outcome.domain_levels
        assert screen.risk_to_self == outcome.risk_to_self
        assert screen.care_act_s42 == outcome.care_act_s42
        assert screen.recommendations == outcome.recommendations
        assert screen.completed_at < start_of(today)
        assert screen.completed_by.role in ("practitioner", "senior_probation_officer")

    # Every level appears, and people registered ALSH or RVAD are more often at risk to self.
    levels = Counter(s.risk_to_self for s in latest.values())
    assert {"low", "medium", "high", "very_high"} <= set(levels) <= set(RiskToSelf.values)
    assert levels["low"] > levels["high"] + levels["very_high"]
    at_risk_registered = set(
        Registration.objects.filter(
            status="active", register_type__code__in=["ALSH", "RVAD"]
        ).values_list("person_id", flat=True)
    )

    def high_share(group):
        group = [latest[pk] for pk in group if pk in latest]
        return sum(s.risk_to_self in ("high", "very_high") for s in group) / len(group)

    others = set(latest) - at_risk_registered
    assert high_share(at_risk_registered) > 2 * high_share(others)


@pytest.mark.django_db
def test_safety_plans_follow_the_service_rules():
    seed()
    today = timezone.localdate()
    plans = list(SafetyPlan.objects.order_by("person_id", "version"))
    assert plans
    by_person = defaultdict(list)
    for plan in plans:
        by_person[plan.person_id].append(plan)
        written = timezone.localtime(plan.created_at).date()
        assert (
            written
            <= plan.review_date
            <= months_after(written, policy.SAFETY_PLAN_MAX_REVIEW_MONTHS)
        )
        assert plan.created_at < start_of(today)
        assert plan.warning_signs and plan.coping_strategies and plan.crisis_lines
    for person_plans in by_person.values():
        assert [p.version for p in person_plans] == list(range(1, len(person_plans) + 1))
        *replaced, current = person_plans
        assert current.status == SafetyPlanStatus.ACTIVE and current.replaced_at is None
        for old, new in zip(replaced, person_plans[1:], strict=True):
            assert old.status == SafetyPlanStatus.REPLACED and old.replaced_at == new.created_at

    # Plans are for people whose risk to self is raised, a few of them overdue for review.
    latest = {}
    for person_id, risk in VulnerabilityScreen.objects.order_by("completed_at").values_list(
        "person_id", "risk_to_self"
    ):
        latest[person_id] = risk
    high = [pk for pk, risk in latest.items() if risk in ("high", "very_high")]
    assert sum(pk in by_person for pk in high) >= 0.6 * len(high)
    current = [ps[-1] for ps in by_person.values()]
    overdue = [p for p in current if p.review_date < today]
    assert 0 < len(overdue) <= 0.25 * len(current)
    assert open_items(rule="SAFETY_PLAN_REVIEW_OVERDUE").count() == len(overdue)


@pytest.mark.django_db
def test_appointments_reminders_and_the_outbox():
    seed()
    now = timezone.now()
    today = timezone.localdate()
    tomorrow_start = start_of(today + timedelta(days=1))
    appointments = list(Appointment.objects.select_related("person", "practitioner"))
    in_community = Person.objects.filter(custody_status=CustodyStatus.IN_COMMUNITY)
    with_appointments = {a.person_id for a in appointments}
    assert len(with_appointments) >= 0.9 * in_community.count()

    outcomes = Counter(a.outcome for a in appointments)
    past = sum(n for outcome, n in outcomes.items() if outcome)
    assert outcomes[Outcome.ATTENDED] >= 0.7 * past
    for outcome in Outcome.values:
        assert outcomes[outcome], outcome
    for a in appointments:
        day = timezone.localtime(a.starts_at).date()
        assert day != today  # nothing on the seed's date: see appointments.py
        assert a.created_at <= a.starts_at
        if day < today:
            assert a.outcome, "every past appointment has an outcome"
        if a.outcome in ATTENDANCE_OUTCOMES:
            assert a.starts_at <= a.outcome_recorded_at < start_of(today)
        elif a.outcome:
            assert a.moved_by and a.outcome_reason and a.outcome_recorded_at < a.starts_at
        else:
            assert a.starts_at > now and a.practitioner.is_active
        if a.outcome == Outcome.ACCEPTABLE_ABSENCE:
            assert a.outcome_reason
        if a.welfare_checked_at:
            assert a.outcome == Outcome.FAILED_TO_ATTEND and a.welfare_note
        if a.rescheduled_from_id:
            assert a.rescheduled_from.outcome == Outcome.RESCHEDULED
            assert a.created_at == a.rescheduled_from.outcome_recorded_at
        if a.kind == "office":
            assert a.location

    # Reminder preferences: consent for anything sent, lead times the service accepts.
    preferences = list(ReminderPreferences.objects.select_related("person"))
    assert preferences
    for p in preferences:
        if p.channel != ReminderChannel.NONE or p.summary != "none":
            assert p.consent and p.consent_recorded_at
            assert clean_lead_times(p.lead_times_hours) == p.lead_times_hours
        else:
            assert not p.consent and p.lead_times_hours == []
        if p.channel in ("sms", "both"):
            assert MOBILE.match(p.person.mobile)
        if p.channel in ("email", "both"):
            assert EMAIL.match(p.person.email)
    # No summary falls due as the demo starts.
    assert summaries_send_due(now=now) == 0

    # The outbox: nothing due in the past, only test numbers and example addresses, and each
    # upcoming appointment's queued reminders are those the service plans for it.
    messages = list(Message.objects.all())
    assert messages
    assert not Message.objects.filter(status=MessageStatus.QUEUED, send_after__lte=now).exists()
    assert not Message.objects.filter(
        status=MessageStatus.QUEUED, send_after__lt=tomorrow_start
    ).exists()
    by_id = {a.pk: a for a in appointments}
    prefs = {p.person_id: p for p in preferences}
    queued = defaultdict(list)
    for m in messages:
        assert MOBILE.match(m.recipient) if m.channel == "sms" else EMAIL.match(m.recipient)
        appointment = by_id[int(m.topic.removeprefix("appointment:"))]
        assert m.person_id == appointment.person_id and m.send_by == appointment.starts_at
        assert m.channel in prefs[m.person_id].channels
        assert m.recipient == (
            appointment.person.mobile if m.channel == "sms" else appointment.person.email
        )
        if m.status == MessageStatus.QUEUED:
            assert m.kind == MessageKind.REMINDER and not appointment.outcome
            queued[(appointment.pk, m.channel)].append(m.send_after)
        elif m.status == MessageStatus.DELIVERED:
            assert m.sent_at < start_of(today) and m.notify_id
    for (appointment_id, channel), times in queued.items():
        appointment = by_id[appointment_id]
        planned = plan_reminder_times(
            starts_at=appointment.starts_at,
            lead_times_hours=prefs[appointment.person_id].lead_times_hours,
            channel=channel,
            now=max(appointment.created_at, prefs[appointment.person_id].consent_recorded_at),
            told_at=None,
        )
        assert sorted(times) == [t for t in planned if t >= tomorrow_start]


@pytest.mark.django_db
def test_release_plans_only_for_people_in_custody_near_release():
    seed()
    today = timezone.localdate()
    horizon = today + timedelta(weeks=PLAN_OPENS_WEEKS)
    due = Person.objects.filter(
        custody_status=CustodyStatus.IN_CUSTODY,
        expected_release_date__gte=today,
        expected_release_date__lte=horizon,
    )
    plans = ReleasePlan.objects.select_related("person")
    assert plans.exists()
    assert set(plans.values_list("person_id", flat=True)) == set(due.values_list("pk", flat=True))
    for plan in plans:
        assert plan.status == PlanStatus.OPEN
        assert plan.release_date == plan.person.expected_release_date
        assert plan.opened_at < timezone.now()
    # The sweep that opens plans finds nothing left to open.
    assert open_due_release_plans(today) == 0
    assert ReleasePlan.objects.count() == due.count()

    keys = {item.key: item for item in checklist().items}
    items = list(ReleasePlanItem.objects.all())
    statuses = Counter(i.status for i in items)
    assert statuses[ItemStatus.DONE] and statuses[ItemStatus.IN_PROGRESS]
    assert statuses[ItemStatus.NOT_NEEDED]
    for item in items:
        assert item.key in keys
        if item.status in (ItemStatus.NOT_NEEDED, ItemStatus.DECLINED):
            assert item.reason
        if item.status == ItemStatus.DONE and keys[item.key].evidence_required_when_done:
            assert item.evidence
    # Progress: the closer the release, the more is closed on average, but gaps remain.
    readiness = list(with_readiness(ReleasePlan.objects.all()).values("readiness", "open_count"))
    assert any(r["open_count"] for r in readiness)
    assert any(r["readiness"] >= 50 for r in readiness)
    # The checkpoint rules have something to show.
    raised = set(open_items(rule__startswith="release_plan_").values_list("rule", flat=True))
    assert len(raised) >= 3
    # A first appointment is booked where the plan says so.
    for plan in ReleasePlan.objects.filter(
        items__key=catalogue.FIRST_APPOINTMENT, items__status=ItemStatus.DONE
    ):
        assert Appointment.objects.filter(
            person=plan.person_id, starts_at__gte=start_of(plan.release_date), outcome=""
        ).exists()


@pytest.mark.django_db
def test_demo_practitioners_caseload_shows_each_case():
    seed()
    today = timezone.localdate()
    practitioner = Staff.objects.get(username="demo.practitioner")
    mine = open_items(assigned_to=practitioner)

    # One person due a screen (and only one: the rest of the caseload is screened in time).
    screen_due = demo_person("screen_due")
    assert list(mine.filter(rule="SCREEN_DUE").values_list("person_id", flat=True)) == [
        screen_due.pk
    ]
    summary = risk_summary(person=screen_due, today=today)
    assert summary.screen_due is not None

    # One safety plan overdue for review, for someone whose risk to self is high.
    overdue = demo_person("safety_plan_overdue")
    summary = risk_summary(person=overdue, today=today)
    assert summary.risk_to_self in ("high", "very_high")
    assert summary.safety_plan_review_overdue and summary.screen_due is None
    assert list(
        mine.filter(rule="SAFETY_PLAN_REVIEW_OVERDUE").values_list("person_id", flat=True)
    ) == [overdue.pk]

    # An appointment tomorrow with text reminders: one sent, one waiting.
    person = demo_person("reminders_tomorrow")
    preferences = ReminderPreferences.objects.get(person=person)
    assert preferences.consent and "sms" in preferences.channels
    tomorrow = Appointment.objects.get(
        person=person,
        outcome="",
        starts_at__gte=start_of(today + timedelta(days=1)),
        starts_at__lt=start_of(today + timedelta(days=2)),
    )
    reminders = Message.objects.filter(topic=f"appointment:{tomorrow.pk}", channel="sms")
    assert reminders.filter(status=MessageStatus.QUEUED).exists()
    assert reminders.filter(status=MessageStatus.DELIVERED).exists()

    # Failed to attend while at risk to themselves: a welfare follow-up (only this one).
    missed = demo_person("missed_at_risk")
    latest = VulnerabilityScreen.objects.filter(person=missed).order_by("-completed_at").first()
    assert latest.risk_to_self in MEDIUM_OR_ABOVE
    assert list(
        mine.filter(rule="missed_appointment_welfare").values_list("person_id", flat=True)
    ) == [missed.pk]

    # In custody, released in about 5 weeks, with gaps in the plan.
    releasing = demo_person("release_gaps")
    plan = with_readiness(ReleasePlan.objects.filter(person=releasing)).get()
    assert plan.status == PlanStatus.OPEN
    assert 28 < (plan.release_date - today).days <= 42
    assert plan.open_count > 0 and not plan.night_secured
    assert not plan.items.filter(
        key=catalogue.NIGHT_OF_RELEASE, status__in=SECURED_STATUSES
    ).exists()
    assert plan.items.filter(status__in=CLOSED_STATUSES).exists()
    assert mine.filter(rule="release_plan_8_weeks", person=releasing).exists()


@pytest.mark.django_db
def test_most_needs_held_four_weeks_were_offered_a_pathway_and_the_rest_are_prompted():
    seed()
    today = timezone.localdate()
    offers = list(PathwayOffer.objects.select_related("person"))
    assert len(offers) > 100
    cat = pathways_catalogue.catalogue()
    for offer in offers:
        pathway = pathways_catalogue.pathway(offer.pathway)
        # As the service records them: a pathway for the need, open to this person, by their
        # practitioner, with dates in order and a reason for a decline.
        assert offer.need in pathway.needs and pathway.single_sex is None
        assert offer.created_by_id == offer.person.practitioner_id
        assert offer.offered_on <= today
        dates = [offer.offered_on, offer.accepted_on, offer.started_on, offer.completed_on]
        given = [d for d in dates if d is not None]
        assert given == sorted(given) and given[-1] <= today
        if offer.status == OfferStatus.DECLINED:
            assert offer.reason and offer.declined_on >= offer.offered_on
        else:
            assert not offer.reason and offer.declined_on is None
    assert {o.status for o in offers} == set(OfferStatus.values)
    # The needs no screen or register shows were recorded too, and offered for: maturity only
    # for young adults (the young adults pathway), GP registration known for most people.
    recorded = list(RecordedNeed.objects.select_related("person"))
    assert {r.need for r in recorded} == {"maturity", "isolation"}
    for need in recorded:
        assert need.recorded_on <= today and need.ended_on is None
        assert need.recorded_by_id == need.person.practitioner_id
        if need.need == "maturity":
            assert need.person.date_of_birth > years_before(today, 25)
    assert any(o.pathway == "young_adults" for o in offers)
    statuses = Counter(GPRegistration.objects.values_list("status", flat=True))
    assert statuses[GPStatus.REGISTERED] > statuses[GPStatus.NOT_REGISTERED] > 0
    assert not GPRegistration.objects.filter(status=GPStatus.REGISTERED, practice="").exists()
    # Some needs are still waiting for an offer, so the demo shows the prompt, but far fewer
    # than the people with needs.
    prompted = open_items(rule=NEED_NO_OFFER.code).count()
    assert 0 < prompted < len({o.person_id for o in offers})
    offered = {(o.person_id, o.need) for o in offers}
    for item in open_items(rule=NEED_NO_OFFER.code)[:50]:
        named = item.detail.removeprefix("No pathway offered for: ").split("; ")
        by_label = {need.label: key for key, need in cat.needs.items()}
        assert all((item.person_id, by_label[label]) not in offered for label in named)


@pytest.mark.django_db
@pytest.mark.parametrize("day", [date(2026, 12, 8), date(2028, 2, 29)])
def test_each_screen_knew_whether_a_safety_plan_was_current(day):
    """A screen repeated at a shorter interval came, on some days, before the plan its first
    screen led to (8 December 2026 was one): it said "review the safety plan" when none was
    current yet. Seeded on fixed days, so the check does not depend on the day it runs."""
    seed_demo(people=300, seed=1, today=day)
    plans = defaultdict(list)
    for plan in SafetyPlan.objects.all():
        plans[plan.person_id].append(plan)
    screens = list(VulnerabilityScreen.objects.all())
    assert screens and plans
    for screen in screens:
        codes = {r["code"] for r in screen.recommendations}
        current = any(
            p.created_at <= screen.completed_at
            and (p.replaced_at is None or p.replaced_at > screen.completed_at)
            for p in plans[screen.person_id]
        )
        assert not ("review_safety_plan" in codes and not current), screen.pk
        assert not ("complete_safety_plan" in codes and current), screen.pk


@pytest.mark.django_db
def test_the_fingerprint_covers_the_later_features():
    seed()
    first = fingerprint()
    seed("--replace")
    assert fingerprint() == first
    changes = [
        lambda: VulnerabilityScreen.objects.filter(
            pk=VulnerabilityScreen.objects.exclude(risk_to_self="very_high")
            .order_by("pk")
            .values("pk")[:1]
        ).update(risk_to_self="very_high"),
        lambda: SafetyPlan.objects.filter(
            pk=SafetyPlan.objects.order_by("pk").values("pk")[:1]
        ).update(review_date=timezone.localdate() + timedelta(days=400)),
        lambda: Appointment.objects.filter(
            pk=Appointment.objects.order_by("pk").values("pk")[:1]
        ).update(duration_minutes=7),
        lambda: ReminderPreferences.objects.filter(
            pk=ReminderPreferences.objects.order_by("pk").values("pk")[:1]
        ).update(lead_times_hours=[5]),
        lambda: Message.objects.filter(pk=Message.objects.order_by("pk").values("pk")[:1]).update(
            recipient="changed@example.com"
        ),
        lambda: ReleasePlanItem.objects.filter(
            pk=ReleasePlanItem.objects.order_by("pk").values("pk")[:1]
        ).update(evidence="changed"),
        lambda: ReleasePlan.objects.filter(
            pk=ReleasePlan.objects.filter(~Q(version=9)).order_by("pk").values("pk")[:1]
        ).update(version=9),
        lambda: PathwayOffer.objects.filter(
            pk=PathwayOffer.objects.order_by("pk").values("pk")[:1]
        ).update(provider="changed"),
        lambda: GPRegistration.objects.filter(
            pk=GPRegistration.objects.order_by("pk").values("pk")[:1]
        ).update(practice="changed"),
        lambda: RecordedNeed.objects.filter(
            pk=RecordedNeed.objects.order_by("pk").values("pk")[:1]
        ).update(note="changed"),
    ]
    previous = first
    for change in changes:
        assert change() == 1
        changed = fingerprint()
        assert changed != previous
        previous = changed


@pytest.mark.django_db
def test_the_demo_region_has_feedback_to_read(client):
    """A lead opening the feedback pages of the demo sees the survey's figures, in about the
    proportions User Voice found, and the public page shows what was done."""
    from safeguard.feedback.models import FeedbackAnswer, FeedbackResponse, Office, YouSaidWeDid

    seed()
    responses = FeedbackResponse.objects.all()
    assert responses.count() == 242
    assert not responses.exclude(person=None).exists()  # anonymous, as imported ones are
    happy = FeedbackAnswer.objects.filter(question="happy_with_support", answer="yes").count()
    assert 0.55 < happy / 242 < 0.75
    # Each office is a place where the region's appointments are booked.
    for office in Office.objects.all():
        assert Appointment.objects.filter(location=office.location).exists()
    regional = Staff.objects.get(username="demo.regional")
    assert set(responses.values_list("pdu__region", flat=True)) == {regional.region_id}
    client.force_login(regional)
    page = client.get("/feedback/").content.decode()
    assert "Happy with support" in page and "242" in page
    assert YouSaidWeDid.objects.count() == 2
    public = client.get("/you-said-we-did/").content.decode()
    assert "Appointments can now be held at the library" in public
