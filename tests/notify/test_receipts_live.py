"""End to end: the fake Notify server POSTs delivery receipts to Safeguard's callback endpoint,
as Notify does, and the outbox records them."""

import time

import pytest
from django.utils import timezone

from safeguard.notify.dispatch import Dispatcher
from safeguard.notify.models import Message
from safeguard.notify.services import message_enqueue
from tests.notify.fakes import run_fake_notify

pytestmark = pytest.mark.django_db(transaction=True)
TOKEN = "receipts-token-0123456789abcdef"


def test_receipts_arrive_through_the_callback(settings, live_server):
    settings.NOTIFY_CALLBACK_TOKEN = TOKEN
    fake = run_fake_notify(
        settings,
        callback_url=f"{live_server.url}/notify/callbacks/delivery-status",
        callback_token=TOKEN,
    )
    fake.state.callback_retry_seconds = 0.5
    # Receipts come a moment after sending, as from Notify. (With SQLite's in-memory test
    # database the live server shares this thread's connection, so they must not overlap.)
    fake.state.delivery_seconds = 1.0
    try:
        good, bad = (
            message_enqueue(
                person=None,
                kind="reminder",
                template_key="appointment_reminder_email",
                recipient=address,
                personalisation={
                    "first_name": "A",
                    "day": "d",
                    "time": "t",
                    "where": "w",
                    "practitioner": "p",
                },
                send_after=timezone.now(),
            )
            for address in ("alex@example.com", "perm-fail@simulator.notify")
        )
        assert Dispatcher().run().sent == 2
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            statuses = set(Message.objects.values_list("status", flat=True))
            if statuses == {"delivered", "permanent_failure"}:
                break
            time.sleep(0.1)
        good.refresh_from_db()
        bad.refresh_from_db()
        assert good.status == "delivered" and bad.status == "permanent_failure"
    finally:
        fake.server.shutdown()
        fake.server.server_close()


def test_a_receipt_with_a_wrong_token_changes_nothing(settings, live_server):
    settings.NOTIFY_CALLBACK_TOKEN = TOKEN
    fake = run_fake_notify(
        settings,
        callback_url=f"{live_server.url}/notify/callbacks/delivery-status",
        callback_token="not-the-token",
    )
    fake.state.callback_retries = 0
    try:
        message = message_enqueue(
            person=None,
            kind="reminder",
            template_key="appointment_reminder_email",
            recipient="alex@example.com",
            personalisation={
                "first_name": "A",
                "day": "d",
                "time": "t",
                "where": "w",
                "practitioner": "p",
            },
            send_after=timezone.now(),
        )
        Dispatcher().run()
        time.sleep(1.5)
        message.refresh_from_db()
        assert message.status == "sent"
    finally:
        fake.server.shutdown()
        fake.server.server_close()
