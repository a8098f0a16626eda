"""The escalation ladder moves by itself (issue 19): when a level passes its target with no
response, the next level is raised (audited, "no response within target"), its holder is asked
to take it up, and the holder of the level that passed its target has an urgent item."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone

from safeguard.core import workitems
from safeguard.core.calendar import add_working_days
from safeguard.core.models import AccessLogEntry, WorkItem
from safeguard.people.models import PersonStatus
from safeguard.referrals import services
from safeguard.referrals.models import Escalation
from safeguard.referrals.rules import ESCALATION_OVERDUE, ESCALATION_TO_ANSWER
from safeguard.referrals.sweeps import REASON, escalate_past_target
from tests.factories import PersonFactory, RejectedReferralFactory, SentReferralFactory

TODAY = dt.date(2026, 11, 25)  # a Wednesday


def escalated(org, *, level=1, due_by=dt.date(2025, 7, 15), person=None, referral=None, **extra):
    """An escalation at ``level`` (a level-1 escalation from July 2025, by default)."""
    referral = referral or RejectedReferralFactory(person=person or org["people"]["mine"])
    holder = {1: "spo", 2: "head", 3: "regional", 4: "national"}[level]
    return Escalation.objects.create(
        referral=referral,
        level=level,
        reason="Meets all three parts of s42",
        raised_by=org["staff"]["practitioner"],
        raised_at=timezone.now() - dt.timedelta(days=500),
        holder=org["staff"][holder],
        due_by=due_by,
        **extra,
    )


@pytest.mark.django_db
def test_a_level_past_its_target_raises_the_next_level(org):
    first = escalated(org)
    assert escalate_past_target(TODAY) == 1
    second = Escalation.objects.get(referral=first.referral, level=2)
    assert second.automatic and second.raised_by is None
    assert second.reason == REASON == "No response within target"
    assert second.holder == org["staff"]["head"]
    assert second.status == "open"
    assert second.due_by == add_working_days(TODAY, 3)  # the head of PDU's target
    # The level that passed its target stays open for its holder to answer.
    first.refresh_from_db()
    assert first.status == "open"
    # Audited: who (the system), what, about whom, why.
    entry = AccessLogEntry.objects.get(event="referral.escalated_automatically")
    assert entry.actor is None and entry.channel == "command"
    assert entry.person == org["people"]["mine"]
    assert entry.changes["record"] == f"escalation:{second.pk}"
    assert entry.changes["new"]["level"] == 2
    assert entry.changes["new"]["reason"] == REASON
    assert "no response within target" in entry.detail.lower()
    assert second.history.get().history_change_reason == REASON


@pytest.mark.django_db
def test_running_it_again_raises_nothing_more(org):
    escalated(org)
    assert escalate_past_target(TODAY) == 1
    assert escalate_past_target(TODAY) == 0
    assert Escalation.objects.count() == 2
    assert AccessLogEntry.objects.filter(event="referral.escalated_automatically").count() == 1


@pytest.mark.django_db
def test_the_july_2025_escalation_climbs_one_level_each_time_a_target_passes(org):
    first = escalated(org)
    day, holders = TODAY, []
    for _ in range(5):
        escalate_past_target(day)
        top = Escalation.objects.filter(referral=first.referral).order_by("-level").first()
        holders.append((top.level, top.holder))
        day = top.due_by + dt.timedelta(days=1)
    staff = org["staff"]
    assert holders == [
        (2, staff["head"]),
        (3, staff["regional"]),
        (4, staff["national"]),
        (4, staff["national"]),  # the top of the ladder: nowhere further to go
        (4, staff["national"]),
    ]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "case",
    [
        "in_time",
        "due_today",
        "resolved",
        "top_level",
        "next_level_exists",
        "referral_accepted_since",
        "person_died",
        "awaiting_and_in_time",
    ],
)
def test_what_does_not_move(org, case):
    person = org["people"]["mine"]
    if case == "in_time":
        escalated(org, due_by=TODAY + dt.timedelta(days=1))
    elif case == "due_today":
        escalated(org, due_by=TODAY)
    elif case == "resolved":
        escalated(org, status="resolved", outcome="decision_upheld", response="No change")
    elif case == "top_level":
        escalated(org, level=4)
    elif case == "next_level_exists":
        first = escalated(org)
        escalated(org, level=2, referral=first.referral, due_by=TODAY + dt.timedelta(days=2))
    elif case == "referral_accepted_since":
        escalated(org, referral=SentReferralFactory(person=person, status="accepted"))
    elif case == "person_died":
        dead = PersonFactory(team=org["team"], practitioner=org["staff"]["practitioner"])
        escalated(org, person=dead)
        dead.status = PersonStatus.DIED
        dead.died_on = TODAY - dt.timedelta(days=3)
        dead.save()
    elif case == "awaiting_and_in_time":
        referral = SentReferralFactory(person=person, due_by=TODAY + dt.timedelta(days=5))
        escalated(org, referral=referral)
    before = Escalation.objects.count()
    assert escalate_past_target(TODAY) == 0
    assert Escalation.objects.count() == before
    assert not AccessLogEntry.objects.filter(event="referral.escalated_automatically").exists()


@pytest.mark.django_db
def test_an_unanswered_referral_past_its_date_moves_too(org):
    referral = SentReferralFactory(person=org["people"]["mine"], due_by=TODAY - dt.timedelta(9))
    escalated(org, referral=referral)
    assert escalate_past_target(TODAY) == 1


@pytest.mark.django_db
def test_the_sweep_is_set_based(org, django_assert_max_num_queries):
    for _ in range(3):
        escalated(org)
    with django_assert_max_num_queries(10) as few:
        assert escalate_past_target(TODAY) == 3
    Escalation.objects.filter(level=2).delete()
    AccessLogEntry.objects.all().delete()
    for _ in range(20):
        escalated(org)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert escalate_past_target(TODAY) == 23


@pytest.mark.django_db
def test_work_items_the_holder_urgent_and_the_next_holder_asked(org):
    spo, head = org["staff"]["spo"], org["staff"]["head"]
    first = escalated(org)
    for rule in (ESCALATION_TO_ANSWER, ESCALATION_OVERDUE):
        workitems.scan(rule, today=TODAY)
    # Before the sweep: the SPO's item is urgent.
    item = WorkItem.objects.get(rule="escalation_past_target", subject_id=first.pk)
    assert (item.assigned_to, item.priority) == (spo, "urgent")
    assert not WorkItem.objects.filter(rule="escalation_to_answer", status="open").exists()

    escalate_past_target(TODAY)
    for rule in (ESCALATION_TO_ANSWER, ESCALATION_OVERDUE):
        workitems.scan(rule, today=TODAY)
    second = Escalation.objects.get(level=2)
    asked = WorkItem.objects.get(rule="escalation_to_answer", status="open")
    assert (asked.subject_id, asked.assigned_to) == (second.pk, head)
    assert WorkItem.objects.get(rule="escalation_past_target", status="open").assigned_to == spo

    # The head of PDU answers: the escalation went on without level 1, whose item closes.
    services.escalation_resolve(
        escalation_id=second.pk,
        response="ASC will re-assess",
        outcome="decision_changed",
        actor=head,
    )
    for rule in (ESCALATION_TO_ANSWER, ESCALATION_OVERDUE):
        workitems.scan(rule, today=TODAY)
    assert not WorkItem.objects.filter(
        rule__in=["escalation_to_answer", "escalation_past_target"], status="open"
    ).exists()


@pytest.mark.django_db
def test_the_scan_command_moves_the_ladder_and_raises_the_items(org, capsys):
    first = escalated(org, due_by=timezone.localdate() - dt.timedelta(days=30))
    call_command("safeguarding_scan")
    out = capsys.readouterr().out
    assert "escalate_past_target: 1" in out
    second = Escalation.objects.get(referral=first.referral, level=2)
    assert WorkItem.objects.filter(
        rule="escalation_to_answer", subject_id=second.pk, assigned_to=org["staff"]["head"]
    ).exists()
    assert WorkItem.objects.filter(
        rule="escalation_past_target", subject_id=first.pk, priority="urgent"
    ).exists()
    call_command("safeguarding_scan")
    assert "escalate_past_target: 0" in capsys.readouterr().out


@pytest.mark.django_db
def test_the_referral_page_says_the_level_was_raised_automatically(client, org):
    first = escalated(org)
    escalate_past_target(TODAY)
    client.force_login(org["staff"]["practitioner"])
    person = org["people"]["mine"]
    page = client.get(f"/people/{person.crn}/referrals/{first.referral_id}/").content.decode()
    assert "automatically" in page and REASON in page


@pytest.mark.django_db
def test_the_api_shows_which_levels_were_raised_automatically(client, org):
    from tests.helpers import bearer

    escalated(org)
    escalate_past_target(TODAY)
    person = org["people"]["mine"]
    body = client.get(
        f"/api/v1/people/{person.crn}/referrals", **bearer(org["staff"]["practitioner"])
    ).json()
    levels = {e["level"]: e["automatic"] for e in body[0]["escalations"]}
    assert levels == {1: False, 2: True}


@pytest.mark.django_db
def test_a_concurrent_run_that_got_there_first_is_not_duplicated_or_audited_twice(org, monkeypatch):
    """Between finding the escalations and inserting, another run raised one of them: the
    insert skips it, and this run audits only what it inserted itself."""
    from safeguard.referrals import sweeps

    first, other = escalated(org), escalated(org)
    real = sweeps.EscalationHolders

    def holders_while_another_run_inserts(**kwargs):
        Escalation.objects.create(
            referral=first.referral,
            level=2,
            reason=REASON,
            automatic=True,
            raised_at=timezone.now() - dt.timedelta(seconds=1),
            holder=org["staff"]["head"],
            due_by=TODAY,
        )
        return real(**kwargs)

    monkeypatch.setattr(sweeps, "EscalationHolders", holders_while_another_run_inserts)
    assert escalate_past_target(TODAY) == 1
    assert Escalation.objects.filter(referral=first.referral, level=2).count() == 1
    entries = AccessLogEntry.objects.filter(event="referral.escalated_automatically")
    mine = Escalation.objects.get(referral=other.referral, level=2)
    assert [e.changes["record"] for e in entries] == [f"escalation:{mine.pk}"]
