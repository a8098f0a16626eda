"""Exactly once under real concurrency: two dispatchers at once, and a dispatcher process
killed with SIGKILL mid-batch and started again. Counted on the fake Notify server."""

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.db import connection, connections
from django.utils import timezone

from safeguard.notify.dispatch import Dispatcher
from safeguard.notify.models import Message
from safeguard.notify.services import message_enqueue
from tests.notify.fakes import TEST_API_KEY

ROOT = Path(__file__).resolve().parents[2]
FIELDS = {
    "first_name": "Alex",
    "day": "Tuesday 3 March",
    "time": "2:30pm",
    "where": "Place: 1 Test Street.",
    "practitioner": "Sam Tester",
}

pytestmark = pytest.mark.django_db(transaction=True)


def queue_emails(n):
    """Emails (no quiet hours, no hourly limit per number), each to its own address."""
    now = timezone.now()
    return [
        message_enqueue(
            person=None,
            kind="reminder",
            template_key="appointment_reminder_email",
            recipient=f"person{i}@example.com",
            personalisation=FIELDS,
            send_after=now,
        )
        for i in range(n)
    ]


def require_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip(
            "Needs PostgreSQL: SQLite has no row locks (SKIP LOCKED), and the in-memory test "
            "database cannot be shared with another process. Run with DATABASE_URL=postgres://..."
        )


def test_two_dispatchers_at_once_never_send_the_same_message(fake_notify):
    require_postgresql()
    messages = queue_emails(150)
    fake_notify.state.request_delay = 0.003  # interleave the two dispatchers' sends
    reports = {}

    def run(name):
        try:
            reports[name] = Dispatcher(worker_id=name).run()
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(f"worker-{i}",)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    refs = fake_notify.state.references()
    assert len(refs) == 150
    assert set(refs.values()) == {1}, {r: c for r, c in refs.items() if c != 1}
    assert sum(r.sent for r in reports.values()) == 150
    assert all(r.sent > 0 for r in reports.values()), "both dispatchers should have worked"
    assert Message.objects.filter(status__in=["sent", "delivered"]).count() == len(messages)


def _database_url():
    s = connection.settings_dict
    auth = s["USER"] or ""
    if s.get("PASSWORD"):
        auth += f":{s['PASSWORD']}"
    host = s.get("HOST") or "127.0.0.1"
    port = s.get("PORT") or 5432
    return f"postgres://{auth}@{host}:{port}/{s['NAME']}"


def _dispatcher_process(fake_notify, *, timeout_seconds):
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "NOTIFY_API_KEY": TEST_API_KEY,
        "NOTIFY_BASE_URL": fake_notify.url,
        "NOTIFY_RATE_PER_MINUTE": "0",
        "NOTIFY_SENDING_TIMEOUT_SECONDS": str(timeout_seconds),
        "SAFEGUARD_ENV": "development",
    }
    return subprocess.Popen(  # noqa: S603 - our own manage.py
        [sys.executable, "manage.py", "dispatch_messages", "--worker-id", f"proc-{time.time()}"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def test_a_dispatcher_killed_mid_batch_then_restarted_sends_each_reminder_once(fake_notify):
    require_postgresql()
    messages = queue_emails(120)
    fake_notify.state.request_delay = 0.03
    process = _dispatcher_process(fake_notify, timeout_seconds=120)
    deadline = time.monotonic() + 60
    while fake_notify.state.stats()["notifications"] < 25 and time.monotonic() < deadline:
        time.sleep(0.01)
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=10)
    assert process.returncode == -signal.SIGKILL
    sent_before = fake_notify.state.stats()["notifications"]
    assert 0 < sent_before < 120, "the kill must land mid-batch"
    assert Message.objects.filter(status="sending").exists(), "rows were left mid-send"

    # Restart. Rows left "sending" count as abandoned at once here (timeout 0).
    fake_notify.state.request_delay = 0
    restarted = _dispatcher_process(fake_notify, timeout_seconds=0)
    out, err = restarted.communicate(timeout=120)
    assert restarted.returncode == 0, err.decode()
    refs = fake_notify.state.references()
    assert len(refs) == len(messages) == 120
    assert set(refs.values()) == {1}, {r: c for r, c in refs.items() if c != 1}
    assert not Message.objects.exclude(status__in=["sent", "delivered"]).exists()
    assert b"recovered" in out
