"""Work-item rules: SCREEN_DUE and SAFETY_PLAN_REVIEW_OVERDUE raised, idempotent, resolved."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from safeguard.assessments import rules
from safeguard.assessments.models import VulnerabilityScreen
from safeguard.core.models import WorkItem
from safeguard.core.workitems import scan
from tests.assessments.helpers import record_screen, save_plan
from tests.factories import InCustodyPersonFactory, PersonFactory

pytestmark = pytest.mark.django_db


def open_items(rule):
    return WorkItem.objects.filter(rule=rule.code, status="open")


def test_screen_due_is_raised_once_and_resolved_by_a_screen(org):
    today = timezone.localdate()
    pp, spo = org["staff"]["practitioner"], org["staff"]["spo"]
    mine = org["people"]["mine"]
    unallocated = PersonFactory(team=org["team"], practitioner=None)
    people = set(open_items(rules.SCREEN_DUE).values_list("person_id", flat=True))
    assert people == set()

    first = scan(rules.SCREEN_DUE, today=today)
    assert first.raised == 5  # the four people of the fixture and the unallocated one
    item = open_items(rules.SCREEN_DUE).get(person=mine)
    assert (item.subject_type, item.subject_id, item.assigned_to) == ("person", mine.pk, pp)
    assert item.team_id == mine.team_id
    assert item.due_on == mine.supervision_start + dt.timedelta(days=28)
    assert item.detail == "No vulnerability screen recorded"
    assert open_items(rules.SCREEN_DUE).get(person=unallocated).assigned_to == spo

    again = scan(rules.SCREEN_DUE, today=today)
    assert (again.raised, again.resolved) == (0, 0)

    record_screen(mine, pp)
    cleared = scan(rules.SCREEN_DUE, today=today)
    assert (cleared.raised, cleared.resolved) == (0, 1)
    assert not open_items(rules.SCREEN_DUE).filter(person=mine).exists()
    assert WorkItem.objects.get(rule="SCREEN_DUE", person=mine).status == "resolved"


def test_a_screen_falls_due_again_after_6_months(org):
    today = timezone.localdate()
    mine, pp = org["people"]["mine"], org["staff"]["practitioner"]
    screen = record_screen(mine, pp)
    scan(rules.SCREEN_DUE, today=today)
    assert not open_items(rules.SCREEN_DUE).filter(person=mine).exists()
    later = today + dt.timedelta(days=200)
    assert scan(rules.SCREEN_DUE, today=later).raised >= 1
    item = open_items(rules.SCREEN_DUE).get(person=mine)
    assert (item.due_on, item.detail) == (later, "No vulnerability screen in the last 6 months")
    VulnerabilityScreen.objects.filter(pk=screen.pk).update(completed_at=timezone.now())
    assert scan(rules.SCREEN_DUE, today=today).resolved >= 1


def test_release_within_4_weeks_needs_a_recent_screen(org):
    today = timezone.localdate()
    pp = org["staff"]["practitioner"]
    person = InCustodyPersonFactory(
        team=org["team"], practitioner=pp, expected_release_date=today + dt.timedelta(days=20)
    )
    screen = record_screen(person, pp)
    VulnerabilityScreen.objects.filter(pk=screen.pk).update(
        completed_at=timezone.now() - dt.timedelta(days=40)
    )
    scan(rules.SCREEN_DUE, today=today)
    item = open_items(rules.SCREEN_DUE).get(person=person)
    assert item.due_on == today + dt.timedelta(days=13)
    assert item.detail.startswith("Release expected within 4 weeks")

    record_screen(person, pp)
    scan(rules.SCREEN_DUE, today=today)
    assert not open_items(rules.SCREEN_DUE).filter(person=person).exists()


def test_safety_plan_review_overdue_is_raised_once_and_resolved_by_a_new_plan(org):
    mine, pp = org["people"]["mine"], org["staff"]["practitioner"]
    today = timezone.localdate()
    plan = save_plan(mine, pp, review_date=today + dt.timedelta(days=5))
    rule = rules.SAFETY_PLAN_REVIEW_OVERDUE

    assert scan(rule, today=today).raised == 0
    assert scan(rule, today=today + dt.timedelta(days=5)).raised == 0  # due that day, not overdue
    later = today + dt.timedelta(days=6)
    assert scan(rule, today=later).raised == 1
    item = open_items(rule).get()
    assert (item.subject_type, item.subject_id, item.person, item.assigned_to) == (
        "safety_plan",
        plan.pk,
        mine,
        pp,
    )
    assert (item.due_on, item.priority) == (plan.review_date, "today")
    assert scan(rule, today=later).raised == 0

    save_plan(mine, pp, expected_version=1, review_date=today + dt.timedelta(days=60))
    result = scan(rule, today=later)
    assert (result.raised, result.resolved) == (0, 1)
    assert not open_items(rule).exists()


def test_people_no_longer_supervised_are_left_out(org):
    today = timezone.localdate()
    mine, pp = org["people"]["mine"], org["staff"]["practitioner"]
    save_plan(mine, pp, review_date=today + dt.timedelta(days=1))
    type(mine).objects.filter(pk=mine.pk).update(supervision_end=today)
    assert scan(rules.SAFETY_PLAN_REVIEW_OVERDUE, today=today + dt.timedelta(days=2)).raised == 0
    scan(rules.SCREEN_DUE, today=today + dt.timedelta(days=2))
    assert not open_items(rules.SCREEN_DUE).filter(person=mine).exists()


@pytest.mark.parametrize("rule", [rules.SCREEN_DUE, rules.SAFETY_PLAN_REVIEW_OVERDUE])
def test_rules_are_set_based(org, rule):
    """The number of queries a scan runs does not grow with the caseload."""
    today = timezone.localdate()
    pp = org["staff"]["practitioner"]

    def count():
        WorkItem.objects.all().delete()
        with CaptureQueriesContext(connection) as ctx:
            scan(rule, today=today + dt.timedelta(days=30))
        return len(ctx.captured_queries)

    save_plan(org["people"]["mine"], pp, review_date=today + dt.timedelta(days=1))
    few = count()
    for _ in range(12):
        person = PersonFactory(team=org["team"], practitioner=pp)
        save_plan(person, pp, review_date=today + dt.timedelta(days=1))
    assert count() == few


def test_recording_a_screen_refreshes_the_persons_work_items_on_commit(
    org, registries, django_capture_on_commit_callbacks
):
    registries.work_item_rules.replace(rules.SCREEN_DUE, rules.SAFETY_PLAN_REVIEW_OVERDUE)
    today = timezone.localdate()
    mine, pp = org["people"]["mine"], org["staff"]["practitioner"]
    scan(rules.SCREEN_DUE, today=today)
    assert open_items(rules.SCREEN_DUE).filter(person=mine).exists()
    with django_capture_on_commit_callbacks(execute=True):
        record_screen(mine, pp)
    assert not open_items(rules.SCREEN_DUE).filter(person=mine).exists()
    # other people's items are left alone
    assert open_items(rules.SCREEN_DUE).filter(person=org["people"]["colleagues"]).exists()
