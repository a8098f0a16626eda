"""What operators see and run: the outbox in the admin, the fake server command, the
template catalogue command."""

import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from django.core.management import call_command
from django.utils import timezone

from safeguard.core.models import Role
from safeguard.notify.models import Message
from safeguard.notify.services import message_enqueue
from tests.factories import StaffFactory
from tests.notify.fakes import TEST_API_KEY

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_the_admin_shows_why_a_message_is_waiting_but_not_its_content(client, no_notify_key, org):
    message_enqueue(
        person=org["people"]["mine"],
        kind="reminder",
        template_key="appointment_reminder_sms",
        recipient="07700 900123",
        personalisation={
            "first_name": "Zebedee",
            "day": "d",
            "time": "t",
            "where": "w",
            "practitioner": "p",
        },
        send_after=timezone.now(),
    )
    admin = StaffFactory(username="root", role=Role.ADMIN, is_staff=True, is_superuser=True)
    client.force_login(admin)
    listing = client.get("/admin/notify/message/").content.decode()
    assert "NOTIFY_API_KEY is not set" in listing
    detail = client.get(
        f"/admin/notify/message/{Message.objects.get().pk}/change/"
    ).content.decode()
    assert "Zebedee" not in detail and "07700 900123" not in detail


@pytest.mark.django_db
def test_queue_again_from_the_admin(client, org):
    message = message_enqueue(
        person=org["people"]["mine"],
        kind="reminder",
        template_key="appointment_reminder_sms",
        recipient="07700 900123",
        personalisation={
            "first_name": "A",
            "day": "d",
            "time": "t",
            "where": "w",
            "practitioner": "p",
        },
        send_after=timezone.now(),
    )
    Message.objects.filter(pk=message.pk).update(status="failed", attempts=5)
    admin = StaffFactory(username="root", role=Role.ADMIN, is_staff=True, is_superuser=True)
    client.force_login(admin)
    client.post(
        "/admin/notify/message/", {"action": "queue_again", "_selected_action": [message.pk]}
    )
    message.refresh_from_db()
    assert message.status == "queued" and message.attempts == 0


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_the_fake_notify_command_serves_the_api(tmp_path):
    port = free_port()
    env = {
        "NOTIFY_API_KEY": TEST_API_KEY,
        "PATH": "/usr/bin:/bin",
        "SAFEGUARD_VAR_DIR": str(tmp_path),
    }
    process = subprocess.Popen(  # noqa: S603
        [sys.executable, "manage.py", "fake_notify", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if requests.get(f"http://127.0.0.1:{port}/_status", timeout=1).ok:
                    break
            except requests.ConnectionError:
                time.sleep(0.2)
        from notifications_python_client.notifications import NotificationsAPIClient

        client = NotificationsAPIClient(TEST_API_KEY, base_url=f"http://127.0.0.1:{port}")
        assert client.get_all_notifications()["notifications"] == []
        assert (
            requests.get(f"http://127.0.0.1:{port}/v2/notifications", timeout=5).status_code == 401
        )
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_notify_templates_prints_the_catalogue(capsys):
    call_command("notify_templates")
    out = capsys.readouterr().out
    assert "appointment_reminder_sms" not in out  # names, not keys
    assert "Appointment reminder (text)" in out and "personalisation: first_name" in out
