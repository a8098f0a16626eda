"""Fault test: a Notify sender process killed mid-batch, then another started.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/safeguard_notifybench \\
        .venv/bin/python bench/fault_sender.py --n 3000

1. starts the fake Notify server in a thread and writes N due emails to the outbox;
2. starts ``manage.py dispatch_messages --worker-id killed`` and, once Notify has received
   ``--kill-after`` of them, kills it with SIGKILL (no chance to tidy up), and counts the
   messages it left ``sending`` (claimed, some perhaps already accepted by Notify);
3. waits out ``NOTIFY_SENDING_TIMEOUT_SECONDS`` (lowered for the run, ``--timeout``) and starts
   ``dispatch_messages --worker-id restarted``: its recovery sweep asks Notify about each stale
   message (adopting those Notify already has, queueing the others again) and sends the rest;
4. counts on the fake server: every message received exactly once (no duplicate, no loss)
   and every outbox row ``sent`` (or ``delivered``). Exit status 0 only then. Migrates the database it is pointed
   at; deletes its messages afterwards.
"""

import argparse
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "safeguard.settings")
BENCH_KEY = f"bench-{uuid.UUID(int=1)}-{uuid.UUID(int=2)}"
TOPIC = "bench-fault"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=3000)
    parser.add_argument("--kill-after", type=int, default=1000, help="received by Notify")
    parser.add_argument("--rate", type=int, default=20000, help="messages a minute")
    parser.add_argument("--timeout", type=int, default=10, help="NOTIFY_SENDING_TIMEOUT_SECONDS")
    args = parser.parse_args()

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connections
    from django.db.models import Count
    from django.utils import timezone

    from safeguard.notify.catalogue import template
    from safeguard.notify.fake_server import FakeNotifyState, start_in_thread
    from safeguard.notify.models import Message, MessageStatus, SendBudget

    call_command("migrate", verbosity=0)
    state = FakeNotifyState(BENCH_KEY, rate_limit=args.rate * 2)
    server = start_in_thread(state)
    Message.objects.filter(topic=TOPIC).delete()
    SendBudget.objects.all().delete()
    now = timezone.now()
    email = template("appointment_reminder_email")
    Message.objects.bulk_create(
        Message(
            reference=f"fault-{uuid.uuid4()}",
            topic=TOPIC,
            kind="reminder",
            channel="email",
            template=email.key,
            recipient=f"fault{i}@example.com",
            personalisation={
                "first_name": "Alex",
                "day": "Tuesday 3 March",
                "time": "2:30pm",
                "where": "Place: 1 Test Street.",
                "practitioner": "Sam Tester",
            },
            scheduled_for=now,
            send_after=now,
        )
        for i in range(args.n)
    )
    connections.close_all()
    env = {
        **os.environ,
        "NOTIFY_API_KEY": BENCH_KEY,
        "NOTIFY_BASE_URL": server.url,
        "NOTIFY_RATE_PER_MINUTE": str(args.rate),
        "NOTIFY_SENDING_TIMEOUT_SECONDS": str(args.timeout),
    }

    def sender(worker_id):
        return subprocess.Popen(  # noqa: S603 - our own manage.py
            [
                sys.executable,
                str(ROOT / "manage.py"),
                "dispatch_messages",
                "--worker-id",
                worker_id,
            ],
            env=env,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )

    print(f"{args.n} due messages; sender 'killed' started", flush=True)
    first = sender("killed")
    while len(state.references()) < args.kill_after and first.poll() is None:
        time.sleep(0.01)
    first.send_signal(signal.SIGKILL)
    first.wait()
    killed_at = time.monotonic()
    received_before = sum(state.references().values())
    left = dict(
        Message.objects.filter(topic=TOPIC)
        .values_list("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    sending = Message.objects.filter(topic=TOPIC, status=MessageStatus.SENDING)
    sending_refs = set(sending.values_list("reference", flat=True))
    already_at_notify = sum(1 for r in sending_refs if state.references().get(r))
    print(
        f"killed (SIGKILL) after Notify received {received_before}; outbox then: {left}; "
        f"{len(sending_refs)} left 'sending', {already_at_notify} of them already at Notify",
        flush=True,
    )
    connections.close_all()
    wait = args.timeout + 1 - (time.monotonic() - killed_at)
    if wait > 0:
        time.sleep(wait)
    second = sender("restarted")
    out, _ = second.communicate(timeout=600)
    print(f"sender 'restarted': {out.strip()[-300:]}", flush=True)

    received = state.references()
    refs = set(Message.objects.filter(topic=TOPIC).values_list("reference", flat=True))
    duplicates = {r: c for r, c in received.items() if c > 1}
    lost = [r for r in refs if not received.get(r)]
    statuses = dict(
        Message.objects.filter(topic=TOPIC)
        .values_list("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    print(
        f"Result: {args.n} messages, Notify received {sum(received.values())} "
        f"({len(received)} distinct); duplicates {len(duplicates)}, lost {len(lost)}; "
        f"outbox {statuses}; {len(sending_refs)} were mid-batch when killed "
        f"({already_at_notify} already accepted by Notify, adopted, not resent)"
    )
    Message.objects.filter(topic=TOPIC).delete()
    server.shutdown()
    # Adopted messages take Notify's status ("delivered" from the fake server) at once.
    done = {MessageStatus.SENT, MessageStatus.DELIVERED}
    ok = not duplicates and not lost and set(statuses) <= done and sum(statuses.values()) == args.n
    return 0 if ok and sending_refs else 1


if __name__ == "__main__":
    sys.exit(main())
