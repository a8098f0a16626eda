"""Work items at 12, 8, 4 and 1 weeks before release; escalation to the SPO for an at-risk
person with no accommodation for the night of release; the first 14 days after release."""

import datetime as dt

import pytest

from safeguard.core.models import WorkItem
from safeguard.core.workitems import scan, scan_all
from safeguard.releases import rules, services
from tests.assessments.helpers import record_screen
from tests.factories import PersonFactory, RegistrationFactory
from tests.releases.helpers import close_everything, in_custody, open_plan, set_item, today

pytestmark = pytest.mark.django_db

CHECKPOINTS = (rules.PLAN_12_WEEKS, rules.PLAN_8_WEEKS, rules.PLAN_4_WEEKS, rules.PLAN_1_WEEK)


def open_items(rule=None, **filters):
    items = WorkItem.objects.filter(status="open", **filters)
    return items.filter(rule=rule.code) if rule else items


def scan_checkpoints(day):
    return [scan(rule, today=day) for rule in CHECKPOINTS]


@pytest.mark.parametrize(
    ("days", "expected"),
    [
        (84, rules.PLAN_12_WEEKS),
        (57, rules.PLAN_12_WEEKS),
        (56, rules.PLAN_8_WEEKS),
        (29, rules.PLAN_8_WEEKS),
        (28, rules.PLAN_4_WEEKS),
        (8, rules.PLAN_4_WEEKS),
        (7, rules.PLAN_1_WEEK),
        (0, rules.PLAN_1_WEEK),
        (-3, rules.PLAN_1_WEEK),  # date passed, release not recorded
    ],
)
def test_one_checkpoint_item_at_a_time(org, days, expected):
    pp = org["staff"]["practitioner"]
    plan = open_plan(in_custody(org["team"], pp, release_in_days=days))
    scan_checkpoints(today())
    items = list(open_items(person=plan.person))
    assert [i.rule for i in items] == [expected.code]
    item = items[0]
    assert (item.subject_type, item.subject_id, item.assigned_to, item.due_on) == (
        "release_plan",
        plan.pk,
        pp,
        today(),
    )
    assert item.detail.startswith("Still open: Night of release accommodation; ")
    assert "Duty to refer (housing)" in item.detail
    assert (
        expected.priority
        == {
            rules.PLAN_12_WEEKS.code: "routine",
            rules.PLAN_8_WEEKS.code: "routine",
            rules.PLAN_4_WEEKS.code: "soon",
            rules.PLAN_1_WEEK.code: "today",
        }[expected.code]
    )


def test_each_checkpoint_replaces_the_last_and_names_what_is_still_open(org):
    pp = org["staff"]["practitioner"]
    release = today() + dt.timedelta(weeks=12)
    plan = open_plan(in_custody(org["team"], pp, release_in_days=84))
    close_everything(plan, pp, except_keys=("gp_registration", "travel_to_first_appointment"))
    for weeks, rule in (
        (12, rules.PLAN_12_WEEKS),
        (8, rules.PLAN_8_WEEKS),
        (4, rules.PLAN_4_WEEKS),
        (1, rules.PLAN_1_WEEK),
    ):
        day = release - dt.timedelta(weeks=weeks)
        scan_checkpoints(day)
        assert [i.rule for i in open_items(person=plan.person)] == [rule.code]
        assert open_items(rule).get().detail == (
            "Still open: GP registration; Travel to first appointment"
        )
    assert WorkItem.objects.filter(status="resolved").count() == 3
    # Running again changes nothing; closing the last items resolves the last checkpoint.
    assert [(r.raised, r.resolved) for r in scan_checkpoints(release - dt.timedelta(days=3))] == [
        (0, 0)
    ] * 4
    set_item(plan, "gp_registration", "done", pp)
    set_item(plan, "travel_to_first_appointment", "not_needed", pp, reason="Lives next door")
    scan_checkpoints(release - dt.timedelta(days=3))
    assert not open_items().exists()


def test_no_checkpoint_item_once_everything_is_closed_or_the_release_recorded(org):
    pp = org["staff"]["practitioner"]
    ready = open_plan(in_custody(org["team"], pp, release_in_days=20))
    close_everything(ready, pp)
    scan_checkpoints(today())
    assert not open_items().exists()

    person = in_custody(org["team"], pp, release_in_days=5)
    open_plan(person)
    scan_checkpoints(today())
    assert open_items(rules.PLAN_1_WEEK).count() == 1
    services.release_record(
        person_id=person.pk,
        released_on=today(),
        accommodation_type="no_fixed_abode",
        actor=pp,
    )  # refreshes the case's items on commit (the test transaction never commits)
    scan_checkpoints(today())
    assert not open_items(rules.PLAN_1_WEEK).exists()


def test_an_unallocated_case_goes_to_the_team_spo(org):
    plan = open_plan(in_custody(org["team"], None, release_in_days=20))
    scan_checkpoints(today())
    assert open_items(person=plan.person).get().assigned_to == org["staff"]["spo"]


# ---- escalation ----------------------------------------------------------------------------------


def test_at_risk_with_no_accommodation_for_the_night_escalates_to_the_spo(org):
    pp, spo = org["staff"]["practitioner"], org["staff"]["spo"]
    registered = in_custody(org["team"], pp, release_in_days=28)
    RegistrationFactory(person=registered, code="ALSH")
    screened = in_custody(org["team"], pp, release_in_days=10)
    record_screen(screened, pp, ssh_thoughts="sometimes")  # risk to self medium
    housed = in_custody(org["team"], pp, release_in_days=10)
    RegistrationFactory(person=housed, code="RVAD")
    too_early = in_custody(org["team"], pp, release_in_days=29)
    RegistrationFactory(person=too_early, code="RVLN")
    not_at_risk = in_custody(org["team"], pp, release_in_days=10)
    plans = {p: open_plan(p) for p in (registered, screened, housed, too_early, not_at_risk)}
    set_item(plans[housed], "accommodation_night_of_release", "done", pp, evidence="AP")

    result = scan(rules.AT_RISK_NO_ACCOMMODATION, today=today())
    assert result.raised == 2
    items = open_items(rules.AT_RISK_NO_ACCOMMODATION)
    assert set(items.values_list("person_id", flat=True)) == {registered.pk, screened.pk}
    assert set(items.values_list("assigned_to", flat=True)) == {spo.pk}
    assert set(items.values_list("priority", flat=True)) == {"urgent"}

    # Declined accommodation is still no accommodation; secured resolves the escalation.
    set_item(plans[registered], "accommodation_night_of_release", "declined", pp)
    assert scan(rules.AT_RISK_NO_ACCOMMODATION, today=today()).resolved == 0
    set_item(plans[registered], "accommodation_night_of_release", "done", pp, evidence="Hostel")
    assert scan(rules.AT_RISK_NO_ACCOMMODATION, today=today()).resolved == 1
    # The one 29 days out is escalated the next day.
    assert scan(rules.AT_RISK_NO_ACCOMMODATION, today=today() + dt.timedelta(days=1)).raised == 1


def test_the_escalation_goes_to_the_practitioner_where_the_team_has_no_spo(org, far_team):
    from tests.factories import StaffFactory

    far_pp = StaffFactory(role="practitioner", teams=[far_team])
    person = in_custody(far_team, far_pp, release_in_days=5)
    RegistrationFactory(person=person, code="ALSH", owner=far_pp)
    open_plan(person)
    scan(rules.AT_RISK_NO_ACCOMMODATION, today=today())
    assert open_items(rules.AT_RISK_NO_ACCOMMODATION).get().assigned_to == far_pp


# ---- the first 14 days after release -----------------------------------------------------------------


def test_first_14_days_item_from_release_to_day_14(org):
    pp = org["staff"]["practitioner"]
    person = in_custody(org["team"], pp, release_in_days=0)
    open_plan(person)
    released_on = today() - dt.timedelta(days=2)
    plan = services.release_record(
        person_id=person.pk,
        released_on=released_on,
        accommodation_type="no_fixed_abode",
        actor=pp,
    )
    scan_all(today=today(), person_ids=[person.pk])
    item = open_items(rules.FIRST_14_DAYS).get()
    assert (item.subject_id, item.assigned_to, item.due_on, item.detail) == (
        plan.pk,
        pp,
        released_on + dt.timedelta(days=13),
        "Released to no fixed abode",
    )
    assert not open_items(rules.PLAN_1_WEEK).exists()
    # Still open on day 14, resolved on day 15.
    assert scan(rules.FIRST_14_DAYS, today=released_on + dt.timedelta(days=13)).resolved == 0
    assert scan(rules.FIRST_14_DAYS, today=released_on + dt.timedelta(days=14)).resolved == 1


def test_first_14_days_is_not_raised_for_old_releases(org):
    from tests.releases.helpers import released

    pp = org["staff"]["practitioner"]
    released(
        PersonFactory(team=org["team"], practitioner=pp),
        today() - dt.timedelta(days=14),
        "settled",
        pp,
    )
    assert scan(rules.FIRST_14_DAYS, today=today()).raised == 0
