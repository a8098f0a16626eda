"""Benchmark: dispatch N due reminders from the outbox to the fake Notify server.

    .venv/bin/python bench/notify_dispatch.py --n 10000
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/safeguard_bench \\
        .venv/bin/python bench/notify_dispatch.py --n 100000 --workers 2

What it does, all through the real code paths and a real socket:

1. starts the fake Notify server in a thread, with Notify's limit of 3,000 requests a minute;
2. writes N due messages to the outbox (in bulk: the write path is not what is measured);
3. prints EXPLAIN for the dispatcher's claim query (it must use the partial index
   ``message_due``, with ``FOR UPDATE SKIP LOCKED`` on PostgreSQL);
4. runs ``--workers`` dispatchers at once (threads, each with its own database connection and
   Notify client, sharing the per-key rate between them) until nothing is due;
5. counts on the fake server: notifications received, duplicates (a reference received more
   than once), losses (a message never received), 429s, and the most requests in any 60
   seconds; and reports messages a minute.

Emails are used so that quiet hours and the per-number hourly text limit (which are tested
elsewhere) do not hold messages back during the run. Messages are tagged ``topic=bench`` and
deleted afterwards unless ``--keep``. Migrates the database it is pointed at.
"""

import argparse
import json
import os
import sys
import threading
import time
import uuid
from bisect import bisect_left
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "safeguard.settings")

BENCH_KEY = f"bench-{uuid.UUID(int=1)}-{uuid.UUID(int=2)}"
FIELDS = {
    "first_name": "Alex",
    "day": "Tuesday 3 March",
    "time": "2:30pm",
    "where": "Place: 1 Test Street.",
    "practitioner": "Sam Tester",
}


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=10_000, help="messages to dispatch")
    parser.add_argument("--workers", type=int, default=1, help="dispatchers running at once")
    parser.add_argument(
        "--processes",
        type=int,
        default=0,
        help="instead of threads, this many separate `manage.py dispatch_messages` processes, "
        "each told the whole rate: the shared budget must keep their total under it",
    )
    parser.add_argument(
        "--rate",
        type=int,
        default=None,
        help="total sends a minute across workers (default NOTIFY_RATE_PER_MINUTE)",
    )
    parser.add_argument("--notify-limit", type=int, default=3000, help="fake Notify's limit")
    parser.add_argument("--keep", action="store_true", help="keep the bench messages")
    parser.add_argument("--json", action="store_true", help="print the result as JSON too")
    return parser.parse_args()


def max_in_window(times, seconds=60.0) -> int:
    times = sorted(times)
    best = 0
    for i, t in enumerate(times):
        j = bisect_left(times, t + seconds)
        best = max(best, j - i)
    return best


def main():
    args = parse_args()
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection, connections
    from django.utils import timezone

    from safeguard.notify.catalogue import template
    from safeguard.notify.dispatch import Dispatcher, lock_unclaimed
    from safeguard.notify.fake_server import FakeNotifyState, start_in_thread
    from safeguard.notify.models import Message, MessageStatus

    call_command("migrate", verbosity=0)
    settings.NOTIFY_API_KEY = BENCH_KEY
    state = FakeNotifyState(BENCH_KEY, rate_limit=args.notify_limit)
    server = start_in_thread(state)
    settings.NOTIFY_BASE_URL = server.url
    total_rate = args.rate if args.rate is not None else settings.NOTIFY_RATE_PER_MINUTE

    Message.objects.filter(topic="bench").delete()
    now = timezone.now()
    email = template("appointment_reminder_email")
    print(f"database: {connection.vendor}; writing {args.n} due messages...", flush=True)
    started = time.perf_counter()
    batch = []
    for i in range(args.n):
        batch.append(
            Message(
                reference=f"rem-{uuid.uuid4()}",
                topic="bench",
                kind="reminder",
                channel="email",
                template=email.key,
                recipient=f"bench{i}@example.com",
                personalisation=FIELDS,
                scheduled_for=now,
                send_after=now,
            )
        )
        if len(batch) == 5000:
            Message.objects.bulk_create(batch)
            batch = []
    Message.objects.bulk_create(batch)
    print(f"written in {time.perf_counter() - started:.1f}s", flush=True)
    with connection.cursor() as cursor:
        # What autovacuum would have done by the time a real outbox is this size.
        cursor.execute("ANALYZE notify_message")

    claim = lock_unclaimed(
        Message.objects.filter(
            status=MessageStatus.QUEUED, send_after__lte=timezone.now()
        ).order_by("send_after", "id")
    )[:50]
    if connection.vendor == "postgresql":
        # EXPLAIN of the SELECT ... FOR UPDATE SKIP LOCKED the dispatcher runs, inside a
        # transaction as the dispatcher does.
        from django.db import transaction

        with transaction.atomic():
            sql, params = claim.query.sql_with_params()
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN " + sql, params)
                plan = "\n".join(row[0] for row in cursor.fetchall())
        query_text = sql % tuple(repr(p) for p in params)
    else:
        plan = claim.explain()
        query_text = str(claim.query)
    print("\nOutbox claim query:\n" + query_text)
    print("\nEXPLAIN:\n" + plan + "\n", flush=True)

    reports = {}

    def run(name):
        try:
            # Every worker is told the whole rate: the one budget in the database
            # (dispatch.SharedBudget) keeps the total under it.
            reports[name] = Dispatcher(worker_id=name, rate_per_minute=total_rate).run().summary()
        finally:
            connections.close_all()

    senders = args.processes or args.workers
    kind = "process(es)" if args.processes else "thread(s)"
    print(
        f"dispatching with {senders} {kind} at {total_rate or 'unlimited'} a minute in total...",
        flush=True,
    )
    from safeguard.notify.models import SendBudget

    SendBudget.objects.all().delete()
    connections.close_all()
    started = time.perf_counter()
    if args.processes:
        import subprocess

        env = {
            **os.environ,
            "NOTIFY_API_KEY": BENCH_KEY,
            "NOTIFY_BASE_URL": server.url,
            "NOTIFY_RATE_PER_MINUTE": str(total_rate),
        }
        children = [
            subprocess.Popen(  # noqa: S603 (our own manage.py, no outside input)
                [sys.executable, str(ROOT / "manage.py"), "dispatch_messages"],
                env=env,
                cwd=ROOT,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
            for _ in range(args.processes)
        ]
        for i, child in enumerate(children):
            out, _ = child.communicate()
            reports[f"process-{i}"] = out.strip()[-200:]
    else:
        threads = [threading.Thread(target=run, args=(f"bench-{i}",)) for i in range(senders)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    elapsed = time.perf_counter() - started

    bench_refs = set(Message.objects.filter(topic="bench").values_list("reference", flat=True))
    received = state.references()
    duplicates = {r: c for r, c in received.items() if c > 1}
    lost = [r for r in bench_refs if received.get(r, 0) == 0]
    with state.lock:
        times = [n["created_ts"] for n in state.notifications]
    statuses = dict(
        Message.objects.filter(topic="bench")
        .values_list("status")
        .annotate(n=django.db.models.Count("id"))
        .values_list("status", "n")
    )
    result = {
        "database": connection.vendor,
        "messages": args.n,
        "senders": f"{senders} {kind}",
        "rate_limit_per_minute": total_rate,
        "seconds": round(elapsed, 1),
        "messages_per_minute": round(len(times) / elapsed * 60, 1) if elapsed else None,
        "received_by_notify": len(times),
        "duplicates": len(duplicates),
        "lost": len(lost),
        "rejected_by_notify": state.stats()["rejected"],
        "most_in_any_60_seconds": max_in_window([t for t in times]),
        "outbox_statuses": statuses,
        "dispatch_reports": reports,
    }
    print("\nResult:")
    for key, value in result.items():
        print(f"  {key}: {value}")
    if args.json:
        print(json.dumps(result, default=str))
    if not args.keep:
        Message.objects.filter(topic="bench").delete()
    server.shutdown()
    ok = not duplicates and not lost and result["most_in_any_60_seconds"] <= args.notify_limit
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
