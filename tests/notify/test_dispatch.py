"""The dispatcher against the fake Notify server over a real socket: sending, retries,
failures, quiet hours, limits, and exactly once after a crash."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from notifications_python_client.notifications import NotificationsAPIClient

from safeguard.core import workitems
from safeguard.core.models import WorkItem
from safeguard.notify import dispatch
from safeguard.notify.dispatch import Dispatcher, lock_unclaimed
from safeguard.notify.models import Message
from safeguard.notify.rules import CONTACT_DETAILS_FAILED
from safeguard.notify.services import message_enqueue
from safeguard.notify.timing import LONDON
from tests.notify.fakes import TEST_API_KEY

FIELDS = {
    "first_name": "Alex",
    "day": "Tuesday 3 March",
    "time": "2:30pm",
    "where": "Place: 1 Test Street.",
    "practitioner": "Sam Tester",
}


def daytime():
    """The last midday that has passed: a moment well outside quiet hours, not in the future."""
    now = timezone.now().astimezone(LONDON)
    noon = now.replace(hour=12, minute=0, second=0, microsecond=0)
    return noon if noon <= now else noon - dt.timedelta(days=1)


def queue(person, *, number=None, channel="sms", send_after=None, send_by=None, **kwargs):
    send_after = send_after or daytime() - dt.timedelta(minutes=1)
    if channel == "sms":
        recipient = number or person.mobile
        template = "appointment_reminder_sms"
    else:
        recipient = number or person.email
        template = "appointment_reminder_email"
    return message_enqueue(
        person=person,
        kind="reminder",
        template_key=template,
        recipient=recipient,
        personalisation=FIELDS,
        send_after=send_after,
        send_by=send_by,
        topic="appointment:1",
        **kwargs,
    )


@pytest.fixture
def person(org):
    person = org["people"]["mine"]
    person.mobile = "07700 900123"
    person.email = "alex@example.com"
    person.save()
    return person


def many(org, n):
    """``n`` people of the practitioner's, each with their own mobile number."""
    from tests.factories import PersonFactory

    return [
        PersonFactory(
            team=org["team"], practitioner=org["staff"]["practitioner"], mobile=f"07700 900{i:03d}"
        )
        for i in range(200, 200 + n)
    ]


def at_noon():
    return daytime()


def dispatcher(**kwargs):
    return Dispatcher(clock=kwargs.pop("clock", at_noon), **kwargs)


@pytest.mark.django_db
def test_due_messages_are_sent_once_and_recorded(fake_notify, person, org):
    messages = [queue(p) for p in many(org, 5)]
    later = queue(person, send_after=daytime() + dt.timedelta(hours=1))
    report = dispatcher().run()
    assert report.sent == 5
    assert dispatcher().run().sent == 0  # nothing twice
    for m in messages:
        m.refresh_from_db()
        assert m.status == "sent" and m.notify_id and m.attempts == 1 and m.sent_at
    later.refresh_from_db()
    assert later.status == "queued"
    refs = fake_notify.state.references()
    assert sorted(refs) == sorted(m.reference for m in messages)
    assert set(refs.values()) == {1}


@pytest.mark.django_db
def test_the_fake_server_renders_what_the_person_reads(fake_notify, person):
    queue(person)
    dispatcher().run()
    client = NotificationsAPIClient(TEST_API_KEY, base_url=fake_notify.url)
    body = client.get_all_notifications()["notifications"][0]["body"]
    assert body.startswith(
        "Hello Alex. This is a reminder of your probation appointment on Tuesday"
    )


@pytest.mark.django_db
def test_without_an_api_key_messages_stay_queued_with_a_reason(no_notify_key, person):
    message = queue(person)
    assert "NOTIFY_API_KEY is not set" in message.status_reason
    report = dispatcher().run()
    assert report.held == 1 and report.sent == 0
    message.refresh_from_db()
    assert message.status == "queued" and "NOTIFY_API_KEY" in message.status_reason


@pytest.mark.django_db
def test_a_malformed_key_is_explained_too(settings, person):
    settings.NOTIFY_API_KEY = "not-a-notify-key"
    message = queue(person)
    dispatcher().run()
    message.refresh_from_db()
    assert message.status == "queued" and "not a Notify API key" in message.status_reason


@pytest.mark.django_db
@pytest.mark.parametrize("status", [429, 500, 503])
def test_rate_limits_and_server_errors_retry_with_backoff(fake_notify, person, status):
    message = queue(person)
    fake_notify.state.fail_next(status)
    report = dispatcher().run()
    assert report.retrying == 1 and report.sent == 0
    message.refresh_from_db()
    assert message.status == "queued" and message.attempts == 1
    assert str(status) in message.last_error
    wait = message.send_after - at_noon()
    assert dt.timedelta(seconds=60) <= wait <= dt.timedelta(seconds=70)
    # Later, it goes.
    report = dispatcher(clock=lambda: at_noon() + dt.timedelta(minutes=5)).run()
    message.refresh_from_db()
    assert report.sent == 1 and message.status == "sent" and message.attempts == 2
    assert fake_notify.state.references()[message.reference] == 1


@pytest.mark.django_db
def test_retries_stop_at_the_limit_with_an_explicit_failure(fake_notify, settings, person):
    settings.NOTIFY_MAX_ATTEMPTS = 3
    message = queue(person)
    fake_notify.state.fail_next(500, count=10)
    clock = at_noon()
    for _ in range(3):
        dispatcher(clock=lambda c=clock: c).run()
        clock += dt.timedelta(hours=2)
    message.refresh_from_db()
    assert message.status == "failed" and message.attempts == 3
    assert "gave up after 3 attempts" in message.status_reason
    assert fake_notify.state.stats()["notifications"] == 0


@pytest.mark.django_db
def test_the_network_being_down_is_a_retry_not_a_loss(settings, person):
    settings.NOTIFY_API_KEY = TEST_API_KEY
    settings.NOTIFY_BASE_URL = "http://127.0.0.1:9"  # nothing listens there
    settings.NOTIFY_HTTP_TIMEOUT_SECONDS = 2
    message = queue(person)
    report = dispatcher().run()
    message.refresh_from_db()
    assert report.retrying == 1 and message.status == "queued"


@pytest.mark.django_db
def test_permanent_failure_stops_and_raises_a_work_item_until_details_change(
    fake_notify, person, org, django_capture_on_commit_callbacks
):
    person.mobile = "07700 900002"  # Notify's permanent-failure number
    person.save()
    message = queue(person)
    with django_capture_on_commit_callbacks(execute=True):
        dispatcher().run()
    from safeguard.notify.dispatch import reconcile

    with django_capture_on_commit_callbacks(execute=True):
        reconcile(older_than_minutes=0, now=timezone.now() + dt.timedelta(days=1))
    message.refresh_from_db()
    assert message.status == "permanent_failure"
    assert "may be wrong" in message.status_reason
    item = WorkItem.objects.get(rule="contact_details_failed")
    assert item.person == person and item.assigned_to == org["staff"]["practitioner"]
    # No more attempts, whatever runs next.
    dispatcher().run()
    assert fake_notify.state.references()[message.reference] == 1
    # Updating the number clears the item.
    person.mobile = "07700 900124"
    person.save()
    assert workitems.scan(CONTACT_DETAILS_FAILED, today=timezone.localdate()).resolved == 1


@pytest.mark.django_db
def test_temporary_failure_is_tried_again_later_then_gives_up(fake_notify, settings, person):
    settings.NOTIFY_MAX_ATTEMPTS = 2
    person.mobile = "07700 900003"  # Notify's temporary-failure number
    person.save()
    message = queue(person)
    dispatcher().run()
    from safeguard.notify.dispatch import reconcile

    reconcile(older_than_minutes=0, now=timezone.now() + dt.timedelta(days=1))
    message.refresh_from_db()
    assert message.status == "queued" and message.notify_id is None
    assert len(message.previous_notify_ids) == 1
    assert "trying again" in message.status_reason
    retry_at = message.send_after
    dispatcher(clock=lambda: retry_at + dt.timedelta(minutes=1)).run()
    reconcile(older_than_minutes=0, now=timezone.now() + dt.timedelta(days=1))
    message.refresh_from_db()
    assert message.status == "failed"
    assert fake_notify.state.references()[message.reference] == 2  # two honest attempts


@pytest.mark.django_db
def test_no_texts_in_quiet_hours_they_wait_until_eight(fake_notify, person):
    message = queue(person, send_after=daytime() - dt.timedelta(hours=3))
    email = queue(person, channel="email", send_after=daytime() - dt.timedelta(hours=3))
    night = daytime().replace(hour=22, minute=30)
    report = dispatcher(clock=lambda: night).run()
    assert report.deferred == 1 and report.sent == 1  # the email goes
    message.refresh_from_db()
    email.refresh_from_db()
    assert email.status == "sent"
    assert message.status == "queued" and "Quiet hours" in message.status_reason
    assert message.send_after == (night + dt.timedelta(days=1)).replace(hour=8, minute=0)
    assert fake_notify.state.references()[message.reference] == 0


@pytest.mark.django_db
def test_at_most_a_few_texts_an_hour_to_one_number(fake_notify, settings, person):
    settings.NOTIFY_TEXTS_PER_HOUR_PER_NUMBER = 2
    messages = [queue(person) for _ in range(3)]
    report = dispatcher().run()
    assert report.sent == 2 and report.deferred == 1
    waiting = Message.objects.get(status="queued")
    assert "texts an hour" in waiting.status_reason
    assert waiting.send_after > at_noon() + dt.timedelta(minutes=59)
    assert len(messages) == 3


@pytest.mark.django_db
def test_too_late_to_be_useful_is_skipped(fake_notify, person):
    message = queue(person, send_by=at_noon() - dt.timedelta(minutes=5))
    report = dispatcher().run()
    message.refresh_from_db()
    assert report.skipped == 1 and message.status == "skipped"


@pytest.mark.django_db
def test_it_goes_to_the_current_number_not_the_one_queued(fake_notify, person):
    message = queue(person)
    person.mobile = "07700 900999"
    person.save()
    dispatcher().run()
    message.refresh_from_db()
    assert message.recipient == "07700 900999"
    client = NotificationsAPIClient(TEST_API_KEY, base_url=fake_notify.url)
    assert client.get_notification_by_id(str(message.notify_id))["phone_number"] == "07700900999"


@pytest.mark.django_db
def test_a_number_removed_since_is_not_texted(fake_notify, person):
    message = queue(person)
    person.mobile = ""
    person.save()
    dispatcher().run()
    message.refresh_from_db()
    assert message.status == "skipped" and "no mobile number" in message.status_reason


@pytest.mark.django_db
def test_notify_refusing_our_key_holds_the_batch(fake_notify, settings, person):
    from tests.notify.fakes import OTHER_KEY

    settings.NOTIFY_API_KEY = OTHER_KEY
    messages = [queue(person) for _ in range(2)]
    report = dispatcher().run()
    assert report.held == 2 and report.sent == 0
    for m in messages:
        m.refresh_from_db()
        assert m.status == "queued" and m.attempts == 0
        assert "refused the API key" in m.status_reason


# ---- exactly once after a crash -------------------------------------------------------------


def crash_mid_send(message, *, reached_notify: bool, fake_notify):
    """What a dispatcher killed mid-send leaves behind: the row claimed and 'sending', and
    perhaps a notification at Notify that the row never heard about."""
    Message.objects.filter(pk=message.pk).update(
        status="sending",
        claimed_by="dead-worker",
        claimed_at=at_noon() - dt.timedelta(minutes=10),
        attempts=1,
    )
    if reached_notify:
        client = NotificationsAPIClient(TEST_API_KEY, base_url=fake_notify.url)
        client.send_sms_notification(
            phone_number=message.recipient,
            template_id="6f1c1f5e-2d0a-4b8e-9a53-0c3a1d6e7b01",
            personalisation=message.personalisation,
            reference=message.reference,
        )


@pytest.mark.django_db
def test_a_row_left_sending_that_reached_notify_is_adopted_not_resent(fake_notify, person):
    message = queue(person)
    crash_mid_send(message, reached_notify=True, fake_notify=fake_notify)
    report = dispatcher().run()
    assert report.recovered == 1 and report.adopted == 1 and report.sent == 0
    message.refresh_from_db()
    assert message.status == "delivered" and message.notify_id
    assert fake_notify.state.references()[message.reference] == 1


@pytest.mark.django_db
def test_a_row_left_sending_that_never_reached_notify_is_sent_once(fake_notify, person):
    message = queue(person)
    crash_mid_send(message, reached_notify=False, fake_notify=fake_notify)
    report = dispatcher().run()
    assert report.recovered == 1 and report.adopted == 0 and report.sent == 1
    assert fake_notify.state.references()[message.reference] == 1


@pytest.mark.django_db
def test_a_recent_claim_is_left_alone(fake_notify, person):
    message = queue(person)
    Message.objects.filter(pk=message.pk).update(
        status="sending", claimed_by="busy-worker", claimed_at=at_noon()
    )
    report = dispatcher().run()
    assert report.recovered == 0 and report.sent == 0


@pytest.mark.django_db
def test_if_notify_cannot_be_asked_the_row_waits(fake_notify, person):
    message = queue(person)
    crash_mid_send(message, reached_notify=False, fake_notify=fake_notify)
    fake_notify.state.fail_next(503, count=1)
    report = dispatcher().run()
    message.refresh_from_db()
    assert message.status == "sending" and report.sent == 0 and report.errors


@pytest.mark.django_db
def test_a_crashed_batch_is_recovered_exactly_once_per_reminder(fake_notify, org):
    messages = [queue(p) for p in many(org, 20)]
    # A dispatcher claims a batch, sends 7, and dies while sending the 8th.
    dead = dispatcher(worker_id="dead-worker")
    batch, _ = dead.claim(limit=20)
    report = dispatch.DispatchReport()
    for m in batch[:7]:
        dead.send(m, report)
    client = NotificationsAPIClient(TEST_API_KEY, base_url=fake_notify.url)
    client.send_sms_notification(
        phone_number=batch[7].recipient,
        template_id="6f1c1f5e-2d0a-4b8e-9a53-0c3a1d6e7b01",
        personalisation=batch[7].personalisation,
        reference=batch[7].reference,
    )
    Message.objects.filter(status="sending").update(claimed_at=at_noon() - dt.timedelta(minutes=10))
    # Restarted.
    dispatcher().run()
    refs = fake_notify.state.references()
    assert all(refs[m.reference] == 1 for m in messages), refs
    assert Message.objects.filter(status__in=["sent", "delivered"]).count() == 20


# ---- the database side ----------------------------------------------------------------------


@pytest.mark.django_db
def test_claiming_locks_rows_on_both_databases(fake_notify, org):
    """The one vendor-specific function: FOR UPDATE SKIP LOCKED on PostgreSQL, plain
    (IMMEDIATE transactions) on SQLite. Either way a claim marks the rows 'sending'."""
    for p in many(org, 3):
        queue(p)
    qs = lock_unclaimed(Message.objects.filter(status="queued").order_by("send_after", "id"))
    sql = str(qs.query)
    if connection.vendor == "postgresql":
        assert qs.query.select_for_update and qs.query.select_for_update_skip_locked
    else:
        assert not qs.query.select_for_update
    assert "send_after" in sql
    batch, _ = dispatcher(worker_id="w1").claim(limit=2)
    assert len(batch) == 2
    assert Message.objects.filter(status="sending", claimed_by="w1").count() == 2
    # A second dispatcher takes what is left, never the same rows.
    other, _ = dispatcher(worker_id="w2").claim(limit=5)
    assert len(other) == 1 and other[0].pk not in {m.pk for m in batch}


@pytest.mark.django_db
def test_claiming_runs_a_fixed_number_of_queries_per_batch(fake_notify, org):
    people = many(org, 40)

    def count(n):
        Message.objects.all().delete()
        for p in people[:n]:
            queue(p)
        with CaptureQueriesContext(connection) as ctx:
            dispatcher(worker_id="w").claim(limit=50)
        return len(ctx.captured_queries)

    assert count(2) == count(40)


@pytest.mark.django_db
def test_the_outbox_query_uses_the_partial_index(person):
    for _ in range(5):
        queue(person)
    qs = Message.objects.filter(status="queued", send_after__lte=timezone.now()).order_by(
        "send_after", "id"
    )[:50]
    plan = qs.explain()
    if connection.vendor == "sqlite":
        assert "message_due" in plan
    else:
        # A tiny table may be scanned; force the planner's hand to prove the index serves.
        with connection.cursor() as cursor:
            cursor.execute("SET enable_seqscan = off")
            plan = qs.explain()
            cursor.execute("SET enable_seqscan = on")
        assert "message_due" in plan


@pytest.mark.django_db
def test_the_command_sends_everything_due(fake_notify, org, capsys):
    for p in many(org, 3):
        queue(p)
    call_command("dispatch_messages", worker_id="cmd")
    assert "sent" in capsys.readouterr().out
    assert Message.objects.exclude(status__in=["sent", "delivered", "queued"]).count() == 0


@pytest.mark.django_db
def test_reconcile_asks_notify_about_messages_with_no_receipt(fake_notify, person):
    message = queue(person)
    dispatcher().run()
    Message.objects.filter(pk=message.pk).update(sent_at=timezone.now() - dt.timedelta(hours=1))
    call_command("reconcile_notify")
    message.refresh_from_db()
    assert message.status == "delivered" and message.notify_status == "delivered"


@pytest.mark.django_db
def test_the_worker_task_sends_through_django_tasks(
    fake_notify, person, django_capture_on_commit_callbacks, monkeypatch
):
    # The worker closes stale connections between tasks; inside a test's transaction that
    # would close the test's own connection.
    monkeypatch.setattr(
        "django_tasks_db.management.commands.db_worker.close_old_connections", lambda: None
    )
    with django_capture_on_commit_callbacks(execute=True):
        message = queue(person, send_after=timezone.now() - dt.timedelta(seconds=1))
    call_command("db_worker", batch=True, startup_delay=False, reload=False, verbosity=0)
    message.refresh_from_db()
    if timezone.localtime().hour >= 21 or timezone.localtime().hour < 8:
        assert message.status == "queued" and "Quiet hours" in message.status_reason
    else:
        assert message.status == "sent"
        assert fake_notify.state.references()[message.reference] == 1


@pytest.mark.django_db
def test_no_send_starts_late_in_a_claims_life(fake_notify, org, settings):
    """Recovery treats old claims as abandoned, so a slow batch stops sending at half the
    timeout and puts the rest back, rather than racing a recovery sweep."""
    settings.NOTIFY_SENDING_TIMEOUT_SECONDS = 120
    settings.NOTIFY_SEND_CONCURRENCY = 1
    messages = [queue(p) for p in many(org, 3)]
    clock = iter([0.0, 1.0, 10.0, 100.0])  # claimed at 0; the third send would start at 100
    d = dispatcher(worker_id="slow")
    d.monotonic = lambda: next(clock, 100.0)
    batch, _ = d.claim(limit=3)
    report = dispatch.DispatchReport()
    d._record(d._send_all(batch), report)
    assert report.sent == 2 and report.deferred == 1
    statuses = sorted(Message.objects.values_list("status", flat=True))
    assert statuses == ["queued", "sent", "sent"]
    assert fake_notify.state.stats()["notifications"] == 2
    assert len(messages) == 3
