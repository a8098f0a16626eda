"""Secret fields (a check-in or safety-plan link) are sealed at rest in the outbox, opened only
as the gateway sends, and erased once Notify has accepted the message."""

import datetime as dt

import pytest
from cryptography.fernet import Fernet
from django.db import connection
from notifications_python_client.notifications import NotificationsAPIClient

from safeguard.engagement import checkins
from safeguard.notify import sealing
from safeguard.notify.dispatch import Dispatcher, reconcile
from safeguard.notify.models import Message, MessageStatus
from safeguard.notify.services import SCRUBBED, apply_notify_status
from tests.notify.fakes import TEST_API_KEY

pytestmark = pytest.mark.django_db


@pytest.fixture
def person(org):
    person = org["people"]["mine"]
    type(person).objects.filter(pk=person.pk).update(mobile="07700900123", email="alex@example.com")
    person.refresh_from_db()
    return person


def issue(person, org, channel="sms"):
    check_in = checkins.check_in_create(
        person_id=person.pk, channel=channel, actor=org["staff"]["practitioner"]
    )
    return check_in, Message.objects.get(pk=check_in.message_id)


def raw_row(message_id) -> str:
    """The row as the database holds it, every column as text."""
    table = Message._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table} WHERE id = %s", [message_id])  # noqa: S608
        return " ".join(str(v) for v in cursor.fetchone())


def after(message):
    return lambda: message.send_after + dt.timedelta(seconds=1)


def test_a_queued_message_holds_no_plain_token(person, org):
    check_in, message = issue(person, org)
    assert message.status == MessageStatus.QUEUED
    row = raw_row(message.pk)
    assert check_in.token not in row and "/check-in/" not in row
    assert sealing.is_sealed(message.personalisation["link"])
    # Only the secret field is sealed: the rest stays readable for the admin and the fake.
    assert message.personalisation["first_name"] == person.first_name
    assert sealing.unseal(message.personalisation["link"]).endswith(f"/check-in/{check_in.token}")


def test_notify_gets_the_plain_link_and_the_outbox_erases_it_once_accepted(
    person, org, fake_notify
):
    check_in, message = issue(person, org)
    report = Dispatcher(clock=after(message)).run()
    assert report.sent == 1
    sent = NotificationsAPIClient(TEST_API_KEY, base_url=fake_notify.url).get_all_notifications()
    body = sent["notifications"][0]["body"]
    assert f"/check-in/{check_in.token}" in body and "sealed:" not in body
    message.refresh_from_db()
    # Accepted, not yet delivered: the link is gone already.
    assert message.status == MessageStatus.SENT
    assert message.personalisation["link"] == SCRUBBED
    assert check_in.token not in raw_row(message.pk)
    assert message.personalisation["first_name"] == person.first_name


def test_erased_after_acceptance_found_by_a_recovery_sweep_too(person, org, fake_notify):
    """A dispatcher that died between Notify's answer and its own: the sweep adopts the send
    and erases the link then."""
    check_in, message = issue(person, org)
    d = Dispatcher(clock=after(message))
    claimed, _ = d.claim(limit=10)
    assert d._send_http(claimed[0], d.gateway)  # sent, but never recorded
    Message.objects.filter(pk=message.pk).update(
        claimed_at=message.send_after - dt.timedelta(hours=1)
    )
    sweeper = Dispatcher(clock=after(message))
    report = sweeper.run()
    assert report.adopted == 1
    message.refresh_from_db()
    assert message.status in (MessageStatus.SENT, MessageStatus.DELIVERED)
    assert message.personalisation["link"] == SCRUBBED


def test_a_temporary_failure_after_acceptance_fails_rather_than_sending_no_link(person, org):
    _, message = issue(person, org)
    Message.objects.filter(pk=message.pk).update(status=MessageStatus.SENT)
    message.refresh_from_db()
    apply_notify_status(message, "sending")
    message.refresh_from_db()
    assert message.personalisation["link"] == SCRUBBED
    apply_notify_status(message, "temporary-failure")
    message.refresh_from_db()
    assert message.status == MessageStatus.FAILED
    assert "cannot be sent again" in message.status_reason


def test_reconciliation_of_a_temporary_failure_end_to_end(settings, person, org):
    from tests.notify.fakes import run_fake_notify

    fake = run_fake_notify(settings)
    try:
        type(person).objects.filter(pk=person.pk).update(mobile="07700900003")  # temp-fail
        _, message = issue(person, org)
        Dispatcher(clock=after(message)).run()
        message.refresh_from_db()
        assert message.personalisation["link"] == SCRUBBED
        reconcile(older_than_minutes=0, now=message.send_after + dt.timedelta(minutes=20))
        message.refresh_from_db()
        assert message.status == MessageStatus.FAILED
        assert fake.state.stats()["notifications"] == 1  # never sent again, linkless
    finally:
        fake.server.shutdown()
        fake.server.server_close()


def test_a_message_the_keys_cannot_open_is_not_sent(settings, person, org, fake_notify):
    _, message = issue(person, org)
    settings.SAFEGUARD_OUTBOX_KEYS = [Fernet.generate_key().decode()]  # the old key is lost
    report = Dispatcher(clock=after(message)).run()
    assert report.sent == 0 and report.retrying == 1
    message.refresh_from_db()
    assert message.status == MessageStatus.QUEUED
    assert "SAFEGUARD_OUTBOX_KEYS" in message.last_error
    assert fake_notify.state.stats()["notifications"] == 0


def test_keys_rotate_new_first_old_kept(settings):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.SAFEGUARD_OUTBOX_KEYS = [old]
    sealed_with_old = sealing.seal("https://example/check-in/abc")
    settings.SAFEGUARD_OUTBOX_KEYS = [new, old]
    assert sealing.unseal(sealed_with_old) == "https://example/check-in/abc"
    sealed_with_new = sealing.seal("x")
    settings.SAFEGUARD_OUTBOX_KEYS = [new]
    assert sealing.unseal(sealed_with_new) == "x"
    with pytest.raises(sealing.Unreadable):
        sealing.unseal(sealed_with_old)


def test_reminders_are_not_sealed(person, org):
    from django.utils import timezone

    from safeguard.notify.services import message_enqueue

    message = message_enqueue(
        person=person,
        kind="reminder",
        template_key="appointment_reminder_sms",
        recipient="07700900123",
        personalisation={
            "first_name": "A",
            "day": "d",
            "time": "t",
            "where": "w",
            "practitioner": "p",
        },
        send_after=timezone.now(),
    )
    assert not any(sealing.is_sealed(v) for v in message.personalisation.values())
