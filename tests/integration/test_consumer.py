"""The HMPPS domain events consumer end to end: real SQS messages (boto3 against moto's
server), case summaries from the fake nDelius API, ``consume_events --until-empty``."""

import datetime as dt
import json
import logging

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from safeguard.core.models import AccessLogEntry
from safeguard.integration.events import event_body
from safeguard.integration.models import EventProblem, EventProblemReason
from safeguard.people.models import CustodyStatus, Person, Sex
from safeguard.registrations.models import EndReason, Registration, RegistrationStatus
from tests.integration.conftest import registration, summary
from tests.learning.helpers import record_death

pytestmark = pytest.mark.django_db

CREATED = "probation-case.engagement.created"
ADDED = "probation-case.registration.added"


def consume():
    call_command("consume_events", "--until-empty", verbosity=0)


def send(queue, fake, event_type, data):
    url = fake.put(data)
    return queue.send(event_body(event_type, data["crn"], url))


def test_a_new_case_lands_on_demo_practitioners_caseload(queue, fake_delius, demo_codes):
    send(queue, fake_delius, CREATED, summary(registrations=[registration()]))
    consume()
    person = Person.objects.get(crn="X100001")
    assert person.practitioner == demo_codes["staff"]["practitioner"]
    assert person.team == demo_codes["team"] and person.pdu_id == demo_codes["team"].pdu_id
    assert (person.first_name, person.sex, person.ethnicity) == ("Robin", Sex.FEMALE, "W1")
    assert person.allocations.get().ended_on is None
    reg = person.registrations.get()
    assert (reg.delius_id, reg.register_type.code, reg.status) == ("2500000001", "ALSH", "active")
    assert reg.next_review_date == dt.date(2027, 1, 1)
    entry = AccessLogEntry.objects.get(person=person, action="change_person")
    assert (entry.event, entry.channel) == ("integration.case_created", "delius")
    assert queue.count() == 0  # deleted once committed


def test_duplicates_redeliveries_and_out_of_order_events_leave_the_same_case(
    queue, fake_delius, demo_codes
):
    data = summary(registrations=[registration()])
    for event_type in (ADDED, CREATED, ADDED, "person.community.manager.allocated"):
        send(queue, fake_delius, event_type, data)
    consume()
    person = Person.objects.get(crn="X100001")
    assert Person.objects.filter(crn="X100001").count() == 1
    assert person.registrations.count() == 1 and person.allocations.count() == 1
    assert person.version == 1
    # One change, however many events said so: the others found the case in step.
    assert AccessLogEntry.objects.filter(person=person, action="change_person").count() == 1
    assert queue.count() == 0


def test_registrations_are_updated_deregistered_and_deleted_by_ndelius_id(
    queue, fake_delius, demo_codes
):
    first = registration("2500000001", "ALSH")
    second = registration("2500000002", "RVLN")
    send(queue, fake_delius, CREATED, summary(registrations=[first, second]))
    consume()
    updated = {**first, "notes": "Reviewed in nDelius", "nextReviewDate": "2027-02-01"}
    send(
        queue,
        fake_delius,
        "probation-case.registration.updated",
        summary(registrations=[updated, second]),
    )
    consume()
    reg = Registration.objects.get(delius_id="2500000001")
    assert (reg.notes, reg.next_review_date, reg.version) == (
        "Reviewed in nDelius",
        dt.date(2027, 2, 1),
        2,
    )
    ended = {**updated, "active": False, "endDate": "2026-11-20"}
    send(
        queue,
        fake_delius,
        "probation-case.registration.deregistered",
        summary(registrations=[ended, second]),
    )
    consume()
    reg.refresh_from_db()
    assert (reg.status, reg.ended_on, reg.end_reason) == (
        RegistrationStatus.ENDED,
        dt.date(2026, 11, 20),
        EndReason.NO_LONGER_APPLIES,
    )
    send(queue, fake_delius, "probation-case.registration.deleted", summary(registrations=[ended]))
    consume()
    gone = Registration.objects.get(delius_id="2500000002")
    assert (gone.status, gone.end_reason) == (RegistrationStatus.ENDED, EndReason.ENTERED_IN_ERROR)
    assert Registration.objects.filter(person__crn="X100001").count() == 2  # kept for the record


def test_a_new_manager_is_a_new_allocation(queue, fake_delius, demo_codes):
    send(queue, fake_delius, CREATED, summary())
    consume()
    send(queue, fake_delius, "person.community.manager.allocated", summary(staff="N07COLL"))
    consume()
    person = Person.objects.get(crn="X100001")
    assert person.practitioner == demo_codes["staff"]["colleague"]
    assert person.allocations.count() == 2
    assert (
        person.allocations.filter(ended_on__isnull=True).get().practitioner == person.practitioner
    )
    send(
        queue, fake_delius, "person.community.manager.allocated", summary(team="N07OTH", staff=None)
    )
    consume()
    person.refresh_from_db()
    assert person.practitioner is None and person.team.code == "N07OTH"


def test_a_release_updates_custody(queue, fake_delius, demo_codes):
    inside = {"inCustody": True, "expectedReleaseDate": "2027-01-15"}
    send(queue, fake_delius, CREATED, summary(custody=inside))
    consume()
    person = Person.objects.get(crn="X100001")
    assert (person.custody_status, person.expected_release_date) == (
        CustodyStatus.IN_CUSTODY,
        dt.date(2027, 1, 15),
    )
    send(queue, fake_delius, "prison-offender-events.prisoner.released", summary())
    consume()
    person.refresh_from_db()
    assert person.custody_status == CustodyStatus.IN_COMMUNITY
    assert person.expected_release_date is None and person.last_released_on is not None


def test_other_event_types_are_ignored_politely(queue, fake_delius, demo_codes):
    send(queue, fake_delius, "probation-case.address.created", summary())
    consume()
    assert not Person.objects.filter(crn="X100001").exists()
    assert queue.count() == 0 and not EventProblem.objects.exists()


def test_bad_messages_are_left_for_the_dead_letter_queue_and_counted_without_personal_data(
    queue, fake_delius, demo_codes, caplog
):
    caplog.set_level(logging.INFO)
    queue.send("this is not json")
    queue.send(event_body(CREATED, "X100009", fake_delius.url("X100009")))  # 404: no summary
    send(queue, fake_delius, CREATED, summary("X100008", team="NOPE01"))  # unknown team
    broken = summary("X100007")
    del broken["name"]
    send(queue, fake_delius, CREATED, broken)  # breaks the contract
    send(queue, fake_delius, CREATED, summary("X100001"))  # a good one among them
    consume()
    assert Person.objects.filter(crn="X100001").exists()  # the bad ones stopped nothing
    assert not Person.objects.filter(crn__in=["X100007", "X100008", "X100009"]).exists()
    assert queue.count() == 0 and queue.dead_letters() == 4  # never deleted: redriven
    reasons = sorted(EventProblem.objects.values_list("reason", flat=True))
    assert reasons == sorted(
        [
            EventProblemReason.UNPARSEABLE,
            EventProblemReason.FETCH_FAILED,
            EventProblemReason.UNKNOWN_TEAM,
            EventProblemReason.BAD_SUMMARY,
        ]
    )
    assert all(p.times_received >= 2 for p in EventProblem.objects.all())
    assert EventProblem.objects.get(reason="fetch_failed").detail == "HTTP 404"
    logged = caplog.text
    for personal in ("X100009", "X100008", "X100007", "X100001", "Robin", "Synthetic", "/case/"):
        assert personal not in logged
    for problem in EventProblem.objects.all():
        assert "X1000" not in f"{problem.detail} {problem.message_id} {problem.event_type}"


def test_the_bearer_token_is_sent(queue, fake_delius, demo_codes, settings):
    settings.DELIUS_API_TOKEN = ""
    send(queue, fake_delius, CREATED, summary())
    consume()
    assert EventProblem.objects.get().detail == "HTTP 401"
    assert not Person.objects.exists() or not Person.objects.filter(crn="X100001").exists()


def test_a_detail_url_outside_the_delius_api_is_refused(queue, fake_delius, demo_codes, settings):
    settings.DELIUS_API_URL = "https://delius.example.gov.uk/"
    send(queue, fake_delius, CREATED, summary())
    consume()
    assert EventProblem.objects.get().reason == EventProblemReason.DETAIL_URL_REFUSED


def test_a_summary_about_another_crn_is_refused(queue, fake_delius, demo_codes):
    fake_delius.put(summary("X100002"))
    (fake_delius.directory / "X100001.json").write_text(json.dumps(summary("X100002")))
    queue.send(event_body(CREATED, "X100001", fake_delius.url("X100001")))
    consume()
    assert EventProblem.objects.get().reason == EventProblemReason.BAD_SUMMARY
    assert not Person.objects.filter(crn__in=["X100001", "X100002"]).exists()


def test_the_consumer_keeps_ndelius_facts_in_step_in_integrated_mode(
    queue, fake_delius, demo_codes, settings
):
    settings.SAFEGUARD_CASE_SOURCE = "delius"
    send(queue, fake_delius, CREATED, summary(registrations=[registration()]))
    consume()
    assert Registration.objects.filter(delius_id="2500000001").exists()


def test_a_dead_persons_record_stands_as_it_was(queue, fake_delius, demo_codes):
    send(queue, fake_delius, CREATED, summary())
    consume()
    person = Person.objects.get(crn="X100001")
    record_death(person, demo_codes["staff"]["spo"])
    send(queue, fake_delius, ADDED, summary(registrations=[registration()]))
    consume()
    assert not person.registrations.exists() and queue.count() == 0


def test_the_admin_page_counts_the_problems(queue, fake_delius, demo_codes, client):
    queue.send("{}")
    consume()
    admin = demo_codes["staff"]["admin"]
    admin.is_superuser = True
    admin.save(update_fields=["is_superuser"])
    client.force_login(admin)
    page = client.get("/admin/integration/eventproblem/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "not an HMPPS domain event Safeguard can read: 1 messages" in html, html[-3000:]


def test_the_command_needs_a_queue(settings):
    settings.HMPPS_EVENTS_QUEUE_URL = ""
    with pytest.raises(CommandError):
        call_command("consume_events", "--until-empty")


def test_an_event_that_changes_nothing_costs_a_few_queries_however_long_the_case(
    demo_codes, django_assert_max_num_queries
):
    from safeguard.integration.reconcile import reconcile_case
    from safeguard.integration.summary import parse_case_summary

    many = [registration(f"47{n:08d}", "ALSH" if n % 2 else "RVLN") for n in range(30)]
    parsed = parse_case_summary(summary(registrations=many))
    first = reconcile_case(parsed)
    assert first.created and first.registrations_added == 30
    with django_assert_max_num_queries(10):
        again = reconcile_case(parsed)
    assert not again.anything
