"""The work-item engine: raise once, resolve when the condition clears, assign sensibly."""

import threading

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from safeguard.core import workitems
from safeguard.core.models import WorkItem
from safeguard.registrations.rules import HYGIENE_PROBLEM, REVIEW_OVERDUE
from tests.factories import OverdueRegistrationFactory, PersonFactory, RegistrationFactory
from tests.helpers import bearer


@pytest.mark.django_db
def test_overdue_review_raises_one_item_for_the_practitioner_and_is_idempotent(org):
    registration = OverdueRegistrationFactory(person=org["people"]["mine"], code="AMHL")
    today = timezone.localdate()
    first = workitems.scan(REVIEW_OVERDUE, today=today)
    second = workitems.scan(REVIEW_OVERDUE, today=today)
    assert (first.raised, second.raised) == (1, 0)
    item = WorkItem.objects.get()
    assert item.assigned_to == org["staff"]["practitioner"]
    assert item.subject_id == registration.pk and item.due_on == registration.next_review_date
    assert item.status == "open"
    assert item.detail == registration.register_type.description
    assert item.raised_at <= timezone.now() and item.raised_at.tzinfo is not None


@pytest.mark.django_db
def test_an_unallocated_case_goes_to_the_teams_spo(org):
    person = PersonFactory(team=org["team"], practitioner=None)
    OverdueRegistrationFactory(person=person, code="AMHL", owner=org["staff"]["colleague"])
    workitems.scan(REVIEW_OVERDUE, today=timezone.localdate())
    assert WorkItem.objects.get().assigned_to == org["staff"]["spo"]


@pytest.mark.django_db
def test_the_item_resolves_itself_when_the_review_is_done(org):
    from safeguard.registrations import services

    registration = OverdueRegistrationFactory(person=org["people"]["mine"], code="AMHL")
    workitems.scan(REVIEW_OVERDUE, today=timezone.localdate())
    services.registration_review(
        registration_id=registration.pk,
        reviewed_on=timezone.localdate(),
        outcome="continue",
        actor=org["staff"]["practitioner"],
    )
    raised_at = WorkItem.objects.get().raised_at
    result = workitems.scan(REVIEW_OVERDUE, today=timezone.localdate())
    assert result.resolved == 1
    item = WorkItem.objects.get()
    assert item.status == "resolved"
    assert item.status_changed_at > raised_at  # when it was resolved, for "done this week"


@pytest.mark.django_db
def test_a_refresh_for_one_person_resolves_only_that_persons_items(org):
    from safeguard.registrations import services

    mine = OverdueRegistrationFactory(person=org["people"]["mine"], code="AMHL")
    other = OverdueRegistrationFactory(person=PersonFactory(team=org["team"]), code="AMHL")
    today = timezone.localdate()
    workitems.scan(REVIEW_OVERDUE, today=today)
    for registration in (mine, other):  # both reviews done: neither item still holds
        services.registration_review(
            registration_id=registration.pk,
            reviewed_on=today,
            outcome="continue",
            actor=org["staff"]["practitioner"],
        )
    WorkItem.objects.update(status="open")  # as they were before the on-commit refreshes

    result = workitems.scan(REVIEW_OVERDUE, today=today, person_ids=[mine.person_id])
    assert (result.resolved, result.raised) == (1, 0)
    by_person = dict(WorkItem.objects.values_list("person_id", "status"))
    assert by_person == {mine.person_id: "resolved", other.person_id: "open"}
    assert workitems.scan(REVIEW_OVERDUE, today=today, person_ids=[]).resolved == 0


@pytest.mark.django_db
def test_hygiene_problems_raise_one_item_per_person(org):
    person = org["people"]["mine"]
    RegistrationFactory(person=person, code="RHRH")
    RegistrationFactory(person=person, code="RLRH")
    RegistrationFactory(person=person, code="WEAP")
    RegistrationFactory(person=person, code="WEAP")
    assert workitems.scan(HYGIENE_PROBLEM, today=timezone.localdate()).raised == 1
    assert WorkItem.objects.get().person == person


@pytest.mark.django_db
def test_scan_runs_a_fixed_number_of_queries_whatever_the_caseload(org):
    today = timezone.localdate()

    def count():
        WorkItem.objects.all().delete()
        with CaptureQueriesContext(connection) as ctx:
            workitems.scan_all(today=today)
        return len(ctx.captured_queries)

    OverdueRegistrationFactory(person=org["people"]["mine"], code="AMHL")
    small = count()
    for _ in range(15):
        OverdueRegistrationFactory(person=PersonFactory(team=org["team"]), code="AMHL")
    assert count() == small


@pytest.mark.django_db
def test_the_scan_command_prints_counts(org, capsys):
    OverdueRegistrationFactory(person=org["people"]["mine"], code="AMHL")
    call_command("safeguarding_scan")
    out = capsys.readouterr().out
    assert "registration_review_overdue: raised 1, resolved 0" in out
    call_command("safeguarding_scan")
    assert "registration_review_overdue: raised 0, resolved 0" in capsys.readouterr().out


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL concurrency")
@pytest.mark.django_db(transaction=True)
def test_concurrent_scans_never_open_two_items_for_one_subject(org):
    from django.db import connections

    for _ in range(40):
        OverdueRegistrationFactory(person=PersonFactory(team=org["team"]), code="AMHL")
    barrier = threading.Barrier(3)
    errors = []

    def run():
        try:
            barrier.wait()
            workitems.scan(REVIEW_OVERDUE, today=timezone.localdate())
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert WorkItem.objects.filter(status="open").count() == 40


@pytest.mark.django_db
def test_my_work_and_team_work_pages(client, org):
    OverdueRegistrationFactory(person=org["people"]["mine"], code="AMHL")
    OverdueRegistrationFactory(person=org["people"]["colleagues"], code="ALSH")
    workitems.scan_all(today=timezone.localdate())

    client.force_login(org["staff"]["practitioner"])
    mine = client.get("/my-work/").content.decode()
    assert "/people/A000001/" in mine and "/people/A000002/" not in mine
    assert client.get("/team-work/").status_code == 403  # only SPOs may see team work

    client.force_login(org["staff"]["spo"])
    team = client.get("/team-work/").content.decode()
    assert "/people/A000001/" in team and "/people/A000002/" in team
    filtered = client.get(f"/team-work/?assignee={org['staff']['colleague'].pk}").content.decode()
    assert "/people/A000001/" not in filtered and "/people/A000002/" in filtered
    for junk in ("rule=nope", "assignee=abc", "assignee=999999", "page=x"):
        assert client.get(f"/team-work/?{junk}").status_code == 200


@pytest.mark.django_db
def test_work_items_for_an_excluded_case_are_hidden(client, org):
    from tests.factories import exclude

    OverdueRegistrationFactory(person=org["people"]["mine"], code="AMHL")
    workitems.scan_all(today=timezone.localdate())
    exclude(org["people"]["mine"], org["staff"]["practitioner"])
    client.force_login(org["staff"]["practitioner"])
    assert "/people/A000001/" not in client.get("/my-work/").content.decode()
    body = client.get(
        "/api/v1/work-items?rule=registration_review_overdue",
        **bearer(org["staff"]["practitioner"]),
    ).json()
    assert body["count"] == 0


@pytest.mark.django_db
def test_my_work_query_count_is_fixed(client, org):
    pp = org["staff"]["practitioner"]
    client.force_login(pp)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/my-work/").status_code == 200
        return len(ctx.captured_queries)

    OverdueRegistrationFactory(person=org["people"]["mine"], code="AMHL")
    workitems.scan_all(today=timezone.localdate())
    client.get("/my-work/")
    before = count()
    for _ in range(10):
        OverdueRegistrationFactory(
            person=PersonFactory(team=org["team"], practitioner=pp), code="AMHL"
        )
    workitems.scan_all(today=timezone.localdate())
    assert count() == before


@pytest.mark.django_db
def test_work_items_api(client, org):
    OverdueRegistrationFactory(person=org["people"]["mine"], code="AMHL")
    workitems.scan_all(today=timezone.localdate())
    headers = bearer(org["staff"]["practitioner"])
    url = "/api/v1/work-items?assigned_to=me&status=open&rule=registration_review_overdue"
    body = client.get(url, **headers).json()
    assert body["count"] == 1 and body["items"][0]["crn"] == "A000001"
    assert body["items"][0]["rule"] == "registration_review_overdue"
    bad = client.get("/api/v1/work-items?status=whatever", **headers)
    assert bad.status_code == 422 and bad["Content-Type"] == "application/problem+json"


@pytest.mark.django_db
def test_after_reallocation_the_new_practitioner_has_the_cases_work_at_once(
    org, django_capture_on_commit_callbacks
):
    from safeguard.engagement.rules import HANDOVER_AFTER_REALLOCATION
    from safeguard.people.services import person_allocate

    person = org["people"]["mine"]
    RegistrationFactory(person=person, code="ALSH")
    OverdueRegistrationFactory(person=person, code="AMHL")
    today = timezone.localdate()
    workitems.scan(REVIEW_OVERDUE, today=today)
    review = WorkItem.objects.get(rule=REVIEW_OVERDUE.code)
    assert review.assigned_to == org["staff"]["practitioner"]

    new_pp = org["staff"]["colleague"]
    with django_capture_on_commit_callbacks(execute=True):
        person_allocate(
            person_id=person.pk,
            practitioner=new_pp,
            team=org["team"],
            reason="practitioner_left",
            actor=org["staff"]["spo"],
        )
    review.refresh_from_db()
    assert review.status == "open" and review.assigned_to == new_pp  # the same item, moved
    handover = WorkItem.objects.get(rule=HANDOVER_AFTER_REALLOCATION.code, status="open")
    assert handover.assigned_to == new_pp
    assert not WorkItem.objects.filter(
        status="open", person=person, assigned_to=org["staff"]["practitioner"]
    ).exists()


@pytest.mark.django_db
def test_a_scan_that_fails_part_way_leaves_nothing_behind_and_the_next_one_works(org, monkeypatch):
    """The caseload's candidates go into a temporary table: a failure after it was filled
    raises the failure itself (not an error about the aborted transaction), writes nothing,
    and the next scan starts afresh."""
    OverdueRegistrationFactory(person=org["people"]["mine"], code="AMHL")
    today = timezone.localdate()

    def broken(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(workitems, "_raise_new", broken)
    with pytest.raises(RuntimeError, match="went away"):
        workitems.scan(REVIEW_OVERDUE, today=today)
    assert not WorkItem.objects.exists()
    monkeypatch.undo()
    assert workitems.scan(REVIEW_OVERDUE, today=today).raised == 1
