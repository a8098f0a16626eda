"""The probation reset safeguard: reducing contact needs an SPO's recorded decision where ALSH
or RVAD is active, an s42 referral is open, risk to self is high, very high or not known, or
the person is within 12 weeks of release; such a request raises the SPO's work item until it
is decided."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from safeguard.core.errors import IllegalTransition, NotPermitted, StaleEdit
from safeguard.core.models import AccessLogEntry, WorkItem, WorkItemStatus
from safeguard.core.workitems import scan
from safeguard.pathways import rules, services
from safeguard.pathways.models import ContactReduction, ReductionStatus
from safeguard.pathways.safeguard_rules import safeguard_reasons
from tests.assessments.helpers import record_screen
from tests.factories import RegistrationFactory, SentReferralFactory
from tests.pathways.helpers import today
from tests.releases.helpers import in_custody

pytestmark = pytest.mark.django_db


@pytest.fixture
def pp(org):
    return org["staff"]["practitioner"]


@pytest.fixture
def person(org):
    return org["people"]["mine"]


def reduce(person, pp, kind="probation_reset"):
    return services.contact_reduction_request(person_id=person.pk, kind=kind, actor=pp)


def test_with_no_condition_contact_is_reduced_at_once(person, pp):
    assert safeguard_reasons(person.pk, today=today()) == []
    r = reduce(person, pp)
    assert r.status == ReductionStatus.REDUCED and r.reduced_at and r.reasons == []
    assert AccessLogEntry.objects.filter(event="contact_reduction.reduced", person=person).exists()


def _alsh(person, pp):
    RegistrationFactory(person=person, code="ALSH")


def _rvad(person, pp):
    RegistrationFactory(person=person, code="RVAD")


def _s42_sent(person, pp):
    SentReferralFactory(person=person)


def _s42_accepted_no_outcome(person, pp):
    SentReferralFactory(person=person, status="accepted", decided_at=timezone.now())


def _high(person, pp):
    record_screen(person, pp, ssh_thoughts="often")


def _very_high(person, pp):
    record_screen(person, pp, ssh_thoughts="with_plan")


def _not_known(person, pp):
    record_screen(person, pp, ssh_thoughts="prefer_not_to_say")


def _released_recently(person, pp):
    person.last_released_on = today() - dt.timedelta(weeks=11)
    person.save()


CONDITIONS = [
    (_alsh, "alsh_active"),
    (_rvad, "rvad_active"),
    (_s42_sent, "s42_open"),
    (_s42_accepted_no_outcome, "s42_open"),
    (_high, "risk_to_self"),
    (_very_high, "risk_to_self"),
    (_not_known, "risk_to_self"),
    (_released_recently, "near_release"),
]


@pytest.mark.parametrize(("make", "reason"), CONDITIONS)
def test_each_condition_stops_the_reduction_until_an_spo_decides(
    org, person, pp, make, reason, django_capture_on_commit_callbacks
):
    make(person, pp)
    assert reason in safeguard_reasons(person.pk, today=today())
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(services.SpoDecisionNeeded) as refused,
    ):
        reduce(person, pp)
    assert reason in refused.value.reasons
    request = ContactReduction.objects.get(person=person)
    assert request.status == ReductionStatus.AWAITING_DECISION and reason in request.reasons
    # The SPO's work item is raised (by the gate's refresh after commit) ...
    item = WorkItem.objects.get(rule="contact_reduction_awaiting_decision", subject_id=request.pk)
    assert item.assigned_to == org["staff"]["spo"] and item.status == WorkItemStatus.OPEN
    # ... asking again does not reduce it or make a second request ...
    with pytest.raises(services.SpoDecisionNeeded):
        reduce(person, pp)
    assert ContactReduction.objects.filter(person=person).count() == 1
    # ... the SPO approves, the item resolves, and asking again reduces contact.
    with django_capture_on_commit_callbacks(execute=True):
        services.contact_reduction_decide(
            reduction_id=request.pk,
            approve=True,
            note="Stable, safety plan current",
            version=request.version,
            actor=org["staff"]["spo"],
        )
    item.refresh_from_db()
    assert item.status == WorkItemStatus.RESOLVED
    assert reduce(person, pp).status == ReductionStatus.REDUCED


def test_medium_risk_to_self_alone_does_not_need_a_decision(person, pp):
    record_screen(person, pp, ssh_thoughts="sometimes")
    assert "risk_to_self" not in safeguard_reasons(person.pk, today=today())


def test_not_known_followed_up_with_no_concerns_no_longer_counts(person, pp):
    screen = record_screen(person, pp, ssh_thoughts="prefer_not_to_say")
    screen.follow_up_outcome = "no_current_concerns"
    screen.save()
    assert safeguard_reasons(person.pk, today=today()) == []


@pytest.mark.parametrize(("days", "applies"), [(83, True), (85, False)])
def test_due_for_release_within_12_weeks(org, pp, days, applies):
    person = in_custody(org["team"], pp, release_in_days=days)
    assert ("near_release" in safeguard_reasons(person.pk, today=today())) is applies


def test_an_s42_with_its_outcome_recorded_is_not_open(person, pp):
    SentReferralFactory(person=person, status="accepted", decided_at=timezone.now(), outcome="Done")
    assert safeguard_reasons(person.pk, today=today()) == []


def test_not_approved_ends_the_request_and_a_new_one_starts(org, person, pp):
    _alsh(person, pp)
    with pytest.raises(services.SpoDecisionNeeded):
        reduce(person, pp)
    request = ContactReduction.objects.get()
    services.contact_reduction_decide(
        reduction_id=request.pk,
        approve=False,
        note="Too soon",
        version=1,
        actor=org["staff"]["spo"],
    )
    request.refresh_from_db()
    assert request.status == ReductionStatus.NOT_APPROVED
    with pytest.raises(services.SpoDecisionNeeded):
        reduce(person, pp)
    assert ContactReduction.objects.filter(status="awaiting_decision").count() == 1


def test_only_an_spo_or_head_of_pdu_decides_with_reasons_and_version(org, person, pp):
    _alsh(person, pp)
    with pytest.raises(services.SpoDecisionNeeded):
        reduce(person, pp)
    request = ContactReduction.objects.get()
    with pytest.raises(NotPermitted):
        services.contact_reduction_decide(
            reduction_id=request.pk, approve=True, note="Fine", version=1, actor=pp
        )
    with pytest.raises(ValidationError):
        services.contact_reduction_decide(
            reduction_id=request.pk, approve=True, note=" ", version=1, actor=org["staff"]["spo"]
        )
    with pytest.raises(StaleEdit):
        services.contact_reduction_decide(
            reduction_id=request.pk, approve=True, note="Ok", version=7, actor=org["staff"]["spo"]
        )
    services.contact_reduction_decide(
        reduction_id=request.pk, approve=True, note="Ok", version=1, actor=org["staff"]["head"]
    )
    with pytest.raises(IllegalTransition):
        services.contact_reduction_decide(
            reduction_id=request.pk, approve=True, note="Ok", version=2, actor=org["staff"]["head"]
        )
    assert AccessLogEntry.objects.filter(event="contact_reduction.decided").count() == 1


def test_a_bad_kind_is_refused(person, pp):
    with pytest.raises(ValidationError):
        reduce(person, pp, kind="stop_everything")


def test_the_rule_across_the_caseload(org, person, pp):
    _alsh(person, pp)
    with pytest.raises(services.SpoDecisionNeeded):
        reduce(person, pp)
    WorkItem.objects.all().delete()
    result = scan(rules.CONTACT_REDUCTION_AWAITING, today=today())
    assert result.raised == 1
    assert scan(rules.CONTACT_REDUCTION_AWAITING, today=today()).raised == 0
