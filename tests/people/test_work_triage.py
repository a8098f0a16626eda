"""Triage of work items: every rule's priority, lists in triage order, urgent items counted and
marked, links to where the work is done, and reassignment by a senior probation officer."""

import dataclasses
import datetime as dt
import importlib
import re

import pytest
from django.apps import apps as django_apps
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from safeguard.core import workitems
from safeguard.core.models import AccessLogEntry, WorkItem, WorkItemPriority
from safeguard.engagement.rules import CHECK_IN_SELF_HARM
from safeguard.people import work
from safeguard.people.services import person_allocate
from safeguard.registrations.rules import HYGIENE_PROBLEM, REVIEW_OVERDUE
from tests.engagement.factories import CheckInFactory
from tests.factories import (
    OverdueRegistrationFactory,
    PersonFactory,
    RegistrationFactory,
    StaffFactory,
    exclude,
)
from tests.helpers import bearer

FOUR = ["urgent", "today", "soon", "routine"]


def today():
    return timezone.localdate()


def item(person, *, priority, due_in=0, rule="registration_review_overdue", assignee=None, **kw):
    return WorkItem.objects.create(
        rule=rule,
        subject_type=kw.pop("subject_type", "registration"),
        subject_id=kw.pop("subject_id", WorkItem.objects.count() + 1),
        person=person,
        team=person.team if person else kw.pop("team"),
        assigned_to=assignee or (person.practitioner if person else None),
        priority=priority,
        due_on=today() + dt.timedelta(days=due_in),
        **kw,
    )


def rows(html: str, marker: str) -> list[str]:
    """The order in which the given CRN-like markers appear in the page."""
    return re.findall(marker, html)


# ---- priorities ------------------------------------------------------------------------------


def test_the_four_priorities_in_triage_order():
    assert WorkItemPriority.values == FOUR


def test_every_registered_rule_declares_one_of_the_four_priorities():
    rules = workitems.all_rules()
    assert len(rules) > 15
    for rule in rules:
        assert rule.priority in FOUR, rule.code


def test_a_rule_without_a_priority_or_with_another_one_is_refused():
    with pytest.raises(TypeError):
        workitems.WorkItemRule(code="x", title="x", subject_type="person", candidates=None)
    with pytest.raises(ValueError, match="priority must be one of"):
        dataclasses.replace(REVIEW_OVERDUE, priority="high-ish")


def test_the_rules_priorities():
    by_code = workitems.rules_by_code()
    assert by_code["check_in_self_harm"].priority == "urgent"
    assert by_code["check_in_self_harm_out_of_hours"].priority == "urgent"
    assert by_code["missed_appointment_welfare"].priority == "urgent"
    assert by_code["release_at_risk_no_accommodation"].priority == "urgent"
    assert by_code["referral_past_target"].priority == "soon"
    assert by_code["registration_hygiene_problem"].priority == "routine"
    assert by_code["mandatory_training_due"].priority == "routine"


@pytest.mark.django_db
def test_the_migration_maps_the_old_priorities(org):
    person = org["people"]["mine"]
    old = {p: item(person, priority="routine") for p in ("urgent", "high", "normal")}
    for value, row in old.items():
        WorkItem.objects.filter(pk=row.pk).update(priority=value)
    migration = importlib.import_module("safeguard.core.migrations.0007_workitem_triage")
    migration._remap(migration.FORWARD)(django_apps, None)
    assert {p: WorkItem.objects.get(pk=r.pk).priority for p, r in old.items()} == {
        "urgent": "urgent",
        "high": "today",
        "normal": "routine",
    }


@pytest.mark.django_db
def test_the_scan_writes_the_rules_priority_and_puts_it_back_on_open_items(org):
    OverdueRegistrationFactory(person=org["people"]["mine"], code="AMHL")
    workitems.scan(REVIEW_OVERDUE, today=today())
    raised = WorkItem.objects.get()
    assert raised.priority == REVIEW_OVERDUE.priority == "soon"
    WorkItem.objects.update(priority="routine")  # as if raised when the rule said routine
    result = workitems.scan(REVIEW_OVERDUE, today=today())
    assert result.reassigned == 1
    raised.refresh_from_db()
    assert (raised.priority, raised.assigned_to) == ("soon", org["staff"]["practitioner"])
    assert workitems.scan(REVIEW_OVERDUE, today=today()).reassigned == 0  # nothing to change


# ---- triage order ----------------------------------------------------------------------------


@pytest.fixture
def mixed(org):
    """Four items for the practitioner, due in the opposite order to their priority."""
    pp = org["staff"]["practitioner"]
    people = {
        p: PersonFactory(crn=f"T00000{n}", team=org["team"], practitioner=pp)
        for n, p in enumerate(FOUR, start=1)
    }
    for n, p in enumerate(FOUR):
        item(people[p], priority=p, due_in=10 - 4 * n)  # urgent +10 ... routine -2
    return ["T000001", "T000002", "T000003", "T000004"]


@pytest.mark.django_db
def test_my_work_is_in_triage_order(client, org, mixed):
    client.force_login(org["staff"]["practitioner"])
    html = client.get("/my-work/").content.decode()
    assert rows(html, r"\((T00000\d)\)") == mixed


@pytest.mark.django_db
def test_team_work_is_in_triage_order(client, org, mixed):
    client.force_login(org["staff"]["spo"])
    html = client.get("/team-work/").content.decode()
    assert rows(html, r"\((T00000\d)\)") == mixed


@pytest.mark.django_db
@pytest.mark.parametrize(("who", "scope"), [("practitioner", "me"), ("spo", "team")])
def test_the_api_is_in_triage_order(client, org, mixed, who, scope):
    body = client.get(f"/api/v1/work-items?assigned_to={scope}", **bearer(org["staff"][who])).json()
    assert [i["crn"] for i in body["items"]] == mixed
    assert [i["priority"] for i in body["items"]] == FOUR
    assert body["count"] == 4
    first = body["items"][0]
    assert set(first) == {
        "id",
        "rule",
        "subject_type",
        "subject_id",
        "crn",
        "assigned_to",
        "status",
        "priority",
        "due_on",
        "detail",
        "raised_at",
    }


@pytest.mark.django_db
def test_a_self_harm_yes_comes_first_however_much_else_is_due_earlier(client, org):
    person = org["people"]["mine"]
    for code in ("AMHL", "ALSH", "RMDO"):
        OverdueRegistrationFactory(person=person, code=code)  # due ten days ago
    RegistrationFactory(person=person, code="RHRH")
    RegistrationFactory(person=person, code="RLRH")  # a contradiction to tidy, due today
    check_in = CheckInFactory(person=person, self_harm="yes", completed_at=timezone.now())
    workitems.scan_all(today=today())
    items = list(work.my_work_items(user=org["staff"]["practitioner"]))
    assert items[0].rule == CHECK_IN_SELF_HARM.code and items[0].subject_id == check_in.pk
    assert {i.rule for i in items[1:]} >= {REVIEW_OVERDUE.code, HYGIENE_PROBLEM.code}


# ---- urgent items marked and counted ---------------------------------------------------------


@pytest.mark.django_db
def test_urgent_items_are_tagged_and_counted_in_the_navigation(client, org, mixed):
    pp = org["staff"]["practitioner"]
    extra = item(org["people"]["mine"], priority="urgent")
    resolved = item(org["people"]["mine"], priority="urgent")
    WorkItem.objects.filter(pk=resolved.pk).update(status="resolved")
    item(org["people"]["colleagues"], priority="urgent")  # someone else's
    client.force_login(pp)
    html = client.get("/people/A000001/").content.decode()  # any page: the count is in the menu
    assert 'My work <strong class="app-urgent-count">(2 urgent)</strong>' in html
    mine = client.get("/my-work/").content.decode()
    assert mine.count('class="govuk-table__row app-work-row--urgent"') == 2
    assert mine.count('<strong class="govuk-tag govuk-tag--red">Urgent</strong>') == 2
    WorkItem.objects.filter(priority="urgent").exclude(pk=extra.pk).update(status="done")
    WorkItem.objects.filter(pk=extra.pk).update(priority="today")
    assert "urgent)" not in client.get("/my-work/").content.decode()


@pytest.mark.django_db
def test_the_urgent_count_is_one_query(org):
    from safeguard.people.work import urgent_work_count

    item(org["people"]["mine"], priority="urgent")
    with CaptureQueriesContext(connection) as ctx:
        assert urgent_work_count(org["staff"]["practitioner"]) == 1
    assert len(ctx.captured_queries) == 1


@pytest.mark.django_db
def test_the_urgent_count_leaves_out_a_case_the_user_may_no_longer_see(client, org):
    pp = org["staff"]["practitioner"]
    item(org["people"]["mine"], priority="urgent")
    hidden = org["people"]["colleagues"]
    item(hidden, priority="urgent", assignee=pp)
    client.force_login(pp)
    assert "(2 urgent)" in client.get("/my-work/").content.decode()
    exclude(hidden, pp)
    page = client.get("/my-work/").content.decode()
    assert "(1 urgent)" in page and "(2 urgent)" not in page


# ---- links -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_each_item_links_to_where_its_work_is_done(client, org):
    person = org["people"]["mine"]
    pp = org["staff"]["practitioner"]
    check_in = CheckInFactory(person=person, self_harm="yes", completed_at=timezone.now())
    registration = OverdueRegistrationFactory(person=person, code="AMHL")
    workitems.scan(CHECK_IN_SELF_HARM, today=today())
    workitems.scan(REVIEW_OVERDUE, today=today())
    referral = item(person, priority="soon", rule="referral_past_target", subject_type="referral")
    plan = item(person, priority="today", rule="release_plan_1_week", subject_type="release_plan")
    welfare = item(
        person, priority="urgent", rule="missed_appointment_welfare", subject_type="appointment"
    )
    training = item(
        None, priority="routine", rule="mandatory_training_due", subject_type="staff",
        subject_id=pp.pk, assignee=pp, team=org["team"],
    )  # fmt: skip
    unknown = item(person, priority="routine", rule="no_such_rule")
    rules = workitems.rules_by_code()
    links = {
        i.rule: i.link for i in work.with_links(work.my_work_items(user=pp).order_by("id"), rules)
    }
    assert links == {
        "check_in_self_harm": f"/people/A000001/check-ins/{check_in.pk}/",
        "registration_review_overdue": f"/people/A000001/registrations/{registration.pk}/review/",
        "referral_past_target": f"/people/A000001/referrals/{referral.subject_id}/",
        "release_plan_1_week": "/people/A000001/release-plan/",
        "missed_appointment_welfare": (
            f"/people/A000001/appointments/{welfare.subject_id}/welfare-check/"
        ),
        "mandatory_training_due": "/training/",
        "no_such_rule": "/people/A000001/",  # no rule, no link: the person's page
    }
    assert training.pk and unknown.pk and plan.pk
    client.force_login(pp)
    html = client.get("/my-work/").content.decode()
    assert f'href="/people/A000001/check-ins/{check_in.pk}/"' in html


@pytest.mark.django_db
def test_a_rule_without_a_link_links_to_the_person(org, registries):
    plain = dataclasses.replace(REVIEW_OVERDUE, link=None)
    person = org["people"]["mine"]
    assert work.item_link(item(person, priority="soon"), plain) == "/people/A000001/"


@pytest.mark.django_db
def test_my_work_with_links_keeps_a_fixed_number_of_queries(client, org):
    pp = org["staff"]["practitioner"]
    client.force_login(pp)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/my-work/").status_code == 200
        return len(ctx.captured_queries)

    CheckInFactory(person=org["people"]["mine"], self_harm="yes", completed_at=timezone.now())
    workitems.scan_all(today=today())
    before = count()
    for _ in range(8):
        person = PersonFactory(team=org["team"], practitioner=pp)
        CheckInFactory(person=person, self_harm="yes", completed_at=timezone.now())
        OverdueRegistrationFactory(person=person, code="AMHL")
    workitems.scan_all(today=today())
    assert count() == before


# ---- team work: counts, filters, pages -------------------------------------------------------


@pytest.mark.django_db
def test_team_work_counts_by_kind_and_filters(client, org):
    mine, theirs = org["people"]["mine"], org["people"]["colleagues"]
    item(mine, priority="urgent", rule="check_in_self_harm", subject_type="check_in")
    item(theirs, priority="urgent", rule="check_in_self_harm", subject_type="check_in")
    item(theirs, priority="soon")
    counts = work.work_counts_by_rule(work.team_work_items(user=org["staff"]["spo"]))
    assert counts == [
        {"rule": "check_in_self_harm", "total": 2, "urgent": 2},
        {"rule": "registration_review_overdue", "total": 1, "urgent": 0},
    ]
    client.force_login(org["staff"]["spo"])
    html = client.get("/team-work/").content.decode()
    assert "Open work by kind" in html and "2 urgent" in html
    colleague = org["staff"]["colleague"].pk
    filtered = client.get(f"/team-work/?rule=check_in_self_harm&assignee={colleague}")
    body = filtered.content.decode()
    assert "A000002" in body and "(A000001)" not in body
    assert filtered.context["page"].paginator.count == 1


@pytest.mark.django_db
def test_team_work_pages_fifty_at_a_time(client, org):
    for n in range(55):
        item(org["people"]["mine"], priority="routine", due_in=n)
    client.force_login(org["staff"]["spo"])
    first = client.get("/team-work/")
    assert len(first.context["page"].object_list) == 50
    assert 'class="govuk-pagination"' in first.content.decode()
    second = client.get("/team-work/?page=2")
    assert len(second.context["page"].object_list) == 5


@pytest.mark.django_db
def test_team_work_query_count_does_not_grow_with_items(client, org):
    spo = org["staff"]["spo"]
    client.force_login(spo)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/team-work/").status_code == 200
        return len(ctx.captured_queries)

    item(org["people"]["mine"], priority="urgent", rule="check_in_self_harm")
    before = count()
    for n, p in enumerate(FOUR * 5):
        person = PersonFactory(
            team=org["team"],
            practitioner=org["staff"]["colleague" if n % 2 else "practitioner"],
        )
        rule = ["check_in_self_harm", "referral_past_target", "release_plan_1_week"][n % 3]
        item(person, priority=p, rule=rule)
    assert count() == before


# ---- reassigning -----------------------------------------------------------------------------


def reassign_url(work_item):
    return f"/team-work/{work_item.pk}/reassign/"


@pytest.fixture
def review_item(org):
    OverdueRegistrationFactory(person=org["people"]["mine"], code="AMHL")
    workitems.scan(REVIEW_OVERDUE, today=today())
    return WorkItem.objects.get(rule=REVIEW_OVERDUE.code)


@pytest.mark.django_db
def test_an_spo_reassigns_an_item_to_a_practitioner_of_the_team(client, org, review_item):
    spo, pp, colleague = (org["staff"][k] for k in ("spo", "practitioner", "colleague"))
    client.force_login(spo)
    page = client.get(reassign_url(review_item)).content.decode()
    assert "Reassign work" in page and f'<option value="{colleague.pk}">' in page
    assert f'<option value="{pp.pk}">' not in page  # already has it
    assert f'<option value="{org["staff"]["other_team_pp"].pk}">' not in page
    team = client.get("/team-work/").content.decode()
    assert f'href="{reassign_url(review_item)}"' in team

    response = client.post(reassign_url(review_item), {"assignee": colleague.pk, "current": pp.pk})
    assert response.status_code == 302 and response["Location"] == "/team-work/"
    review_item.refresh_from_db()
    assert review_item.assigned_to == colleague and review_item.reassigned_by == spo
    assert review_item.reassigned_at is not None
    entry = AccessLogEntry.objects.get(event="work.item_reassigned")
    assert entry.actor == spo and entry.person == org["people"]["mine"]
    assert entry.changes["old"] == {"assigned_to": pp.pk}
    assert entry.changes["new"]["assigned_to"] == colleague.pk
    assert entry.changes["record"] == f"workitem:{review_item.pk}"


@pytest.mark.django_db
def test_a_practitioner_may_not_reassign(client, org, review_item):
    client.force_login(org["staff"]["practitioner"])
    assert client.get(reassign_url(review_item)).status_code == 403
    colleague = org["staff"]["colleague"].pk
    assert client.post(reassign_url(review_item), {"assignee": colleague}).status_code == 403
    review_item.refresh_from_db()
    assert review_item.assigned_to == org["staff"]["practitioner"]
    assert "Reassign" not in client.get("/my-work/").content.decode()


@pytest.mark.django_db
def test_an_item_of_another_team_is_not_found(client, org):
    other = item(org["people"]["same_pdu"], priority="soon")
    client.force_login(org["staff"]["spo"])
    assert client.get(reassign_url(other)).status_code == 404
    response = client.post(
        reassign_url(other),
        {"assignee": org["staff"]["colleague"].pk, "current": other.assigned_to_id},
    )
    assert response.status_code == 404
    other.refresh_from_db()
    assert other.assigned_to == org["staff"]["other_team_pp"] and other.reassigned_by is None
    assert client.get("/team-work/999999/reassign/").status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["other_team_pp", "far", "junk", "nobody"])
def test_a_bad_assignee_shows_the_error_summary(client, org, review_item, who):
    value = {
        "other_team_pp": org["staff"]["other_team_pp"].pk,
        "far": org["staff"]["far_regional"].pk,
        "junk": "abc",
        "nobody": "",
    }[who]
    client.force_login(org["staff"]["spo"])
    response = client.post(
        reassign_url(review_item), {"assignee": value, "current": review_item.assigned_to_id}
    )
    html = response.content.decode()
    assert response.status_code == 200 and "There is a problem" in html
    assert "govuk-error-summary" in html and 'href="#id_assignee"' in html
    review_item.refresh_from_db()
    assert review_item.assigned_to == org["staff"]["practitioner"]
    assert not AccessLogEntry.objects.filter(event="work.item_reassigned").exists()


@pytest.mark.django_db
def test_a_stale_reassignment_is_refused(client, org, review_item):
    spo, pp, colleague = (org["staff"][k] for k in ("spo", "practitioner", "colleague"))
    client.force_login(spo)
    # Someone else moved it since the page was shown.
    WorkItem.objects.filter(pk=review_item.pk).update(assigned_to=org["staff"]["spo"])
    response = client.post(reassign_url(review_item), {"assignee": colleague.pk, "current": pp.pk})
    assert response.status_code == 200 and "Someone else reassigned this item" in (
        response.content.decode()
    )
    # The item closed (the review was done) since the page was shown.
    WorkItem.objects.filter(pk=review_item.pk).update(assigned_to=pp, status="resolved")
    response = client.post(reassign_url(review_item), {"assignee": colleague.pk, "current": pp.pk})
    html = response.content.decode()
    assert response.status_code == 200 and "There is a problem" in html
    assert "This item is no longer open" in html
    review_item.refresh_from_db()
    assert review_item.assigned_to == pp and review_item.reassigned_by is None
    assert not AccessLogEntry.objects.filter(event="work.item_reassigned").exists()


@pytest.mark.django_db
def test_a_head_of_pdu_may_reassign_in_their_pdu(org):
    other = item(org["people"]["same_pdu"], priority="soon")
    second = StaffFactory(username="pp4", role="practitioner", teams=[other.team])
    done = work.work_item_reassign(
        item_id=other.pk,
        to_id=second.pk,
        expected_assignee_id=other.assigned_to_id,
        actor=org["staff"]["head"],
    )
    assert done.assigned_to == second


@pytest.mark.django_db
def test_the_scan_keeps_a_manual_reassignment(org, review_item, other_team_same_pdu):
    spo, colleague = org["staff"]["spo"], org["staff"]["colleague"]
    work.work_item_reassign(
        item_id=review_item.pk,
        to_id=colleague.pk,
        expected_assignee_id=org["staff"]["practitioner"].pk,
        actor=spo,
    )
    workitems.scan_all(today=today())
    workitems.scan(REVIEW_OVERDUE, today=today(), person_ids=[org["people"]["mine"].pk])
    review_item.refresh_from_db()
    assert review_item.status == "open" and review_item.assigned_to == colleague
    assert review_item.reassigned_by == spo

    # A move to another team is a new home: the rule's assignee takes over again.
    person_allocate(
        person_id=org["people"]["mine"].pk,
        practitioner=org["staff"]["other_team_pp"],
        team=other_team_same_pdu,
        reason="practitioner_left",
        actor=org["staff"]["head"],
    )
    workitems.scan(REVIEW_OVERDUE, today=today())
    review_item.refresh_from_db()
    assert review_item.assigned_to == org["staff"]["other_team_pp"]
    assert review_item.team == other_team_same_pdu and review_item.reassigned_by is None
