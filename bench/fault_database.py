"""Fault test: the database goes away under load and comes back.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/safeguard \\
        .venv/bin/python -m bench.fault_database --mode proxy

gunicorn (production settings, as in ``bench.load``) serves the API and ``/healthz`` while
``--threads`` clients request ``GET /api/v1/work-items`` back to back (with a bearer token) and a
probe asks ``/healthz`` every 0.2 s. After ``--before`` seconds the database goes away for
``--down`` seconds, then the run goes on for ``--after`` seconds. The service itself is never
restarted. Two ways of taking the database away:

- ``--mode proxy`` (the default): gunicorn reaches PostgreSQL through a TCP relay in this script;
  "down" closes every connection through it and refuses new ones, as a stopped server does,
  and "up" accepts them again. Only this gunicorn is affected, so it is safe on a machine whose
  PostgreSQL others are using at the same time (a real ``pg_ctlcluster ... restart`` is not).
- ``--mode terminate``: ``pg_terminate_backend`` for every connection to the database (what a
  PostgreSQL restart or failover does to established connections); the server stays up.

It prints, for each phase, the status codes seen by the clients and by the health probe, and
how long after the database came back the first 200s arrived; exit status 0 when /healthz
answered 503 (never hung, never 200) while the database was down and everything answered 200
in the last ``--settle``-second stretch after it came back.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import os
import secrets
import select
import socket
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlparse

from bench.load import RESULTS, _free_port, _load, _setup_django, start_gunicorn, stop


class Relay:
    """A TCP relay to the database that can refuse and drop connections on demand."""

    def __init__(self, target_host: str, target_port: int):
        self.target = (target_host, target_port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.up = True
        self.pairs: list[tuple[socket.socket, socket.socket]] = []
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            client, _ = self.listener.accept()
            if not self.up:
                client.close()  # as a stopped server: the connection is refused at once
                continue
            try:
                server = socket.create_connection(self.target)
            except OSError:
                client.close()
                continue
            with self.lock:
                self.pairs.append((client, server))
            threading.Thread(target=self._pump, args=(client, server), daemon=True).start()

    def _pump(self, a, b):
        try:
            while True:
                ready, _, _ = select.select([a, b], [], [], 1.0)
                for s in ready:
                    data = s.recv(65536)
                    if not data:
                        raise OSError
                    (b if s is a else a).sendall(data)
        except OSError:
            pass
        finally:
            for s in (a, b):
                with contextlib.suppress(OSError):
                    s.close()

    def go_down(self):
        self.up = False
        with self.lock:
            pairs, self.pairs = self.pairs, []
        for pair in pairs:
            for s in pair:
                try:
                    s.shutdown(socket.SHUT_RDWR)
                    s.close()
                except OSError:
                    pass

    def come_up(self):
        self.up = True


def _terminate_backends(database_url: str) -> int:
    import psycopg

    with psycopg.connect(database_url, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchall()
    return len(rows)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.fault_database")
    parser.add_argument("--mode", choices=["proxy", "terminate"], default="proxy")
    parser.add_argument("--threads", type=int, default=4, help="API clients")
    parser.add_argument("--before", type=float, default=10)
    parser.add_argument("--down", type=float, default=10, help="proxy mode: seconds down")
    parser.add_argument("--after", type=float, default=20)
    parser.add_argument("--settle", type=float, default=10)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--gunicorn-threads", type=int, default=4)
    args = parser.parse_args(argv)

    _setup_django()
    from django.conf import settings
    from django.db import connection

    from safeguard.core.models import ApiToken, Staff

    database_url = os.environ["DATABASE_URL"]
    token = secrets.token_urlsafe(32)
    staff = Staff.objects.get(username="demo.practitioner")
    token_row = ApiToken.objects.create(staff=staff, token_hash=ApiToken.hash_token(token))
    connection.close()
    del settings

    relay = None
    server_env = {}
    if args.mode == "proxy":
        parsed = urlparse(database_url)
        relay = Relay(parsed.hostname or "127.0.0.1", parsed.port or 5432)
        server_env["DATABASE_URL"] = parsed._replace(
            netloc=parsed.netloc.rsplit(":", 1)[0] + f":{relay.port}"
            if parsed.port
            else f"{parsed.netloc}:{relay.port}"
        ).geturl()
    port = _free_port()
    RESULTS.mkdir(parents=True, exist_ok=True)
    log = RESULTS / f"fault_database_{args.mode}_gunicorn.log"
    print(f"load average before {_load()}", flush=True)
    gunicorn = start_gunicorn(port, args.workers, args.gunicorn_threads, log, server_env)
    events: list[tuple[float, str, int]] = []  # (time, what, status); status 0: no answer
    events_lock = threading.Lock()
    probe_times: list[tuple[float, float]] = []
    stop_at = [float("inf")]

    def request(conn_holder, path, headers):
        try:
            if conn_holder[0] is None:
                conn_holder[0] = http.client.HTTPConnection("127.0.0.1", port, timeout=35)
            conn_holder[0].request("GET", path, headers=headers)
            response = conn_holder[0].getresponse()
            response.read()
            return response.status
        except (OSError, http.client.HTTPException):
            conn_holder[0] = None
            return 0

    def client():
        holder = [None]
        headers = {"X-Forwarded-Proto": "https", "Authorization": f"Bearer {token}"}
        while time.monotonic() < stop_at[0]:
            status = request(holder, "/api/v1/work-items?limit=20", headers)
            with events_lock:
                events.append((time.monotonic(), "api", status))
            if status == 0:
                time.sleep(0.05)

    def probe():
        holder = [None]
        while time.monotonic() < stop_at[0]:
            started = time.monotonic()
            status = request(holder, "/healthz", {})
            with events_lock:
                events.append((started, "healthz", status))
                probe_times.append((started, time.monotonic() - started))
            time.sleep(max(0, 0.2 - (time.monotonic() - started)))

    try:
        start = time.monotonic()
        stop_at[0] = start + args.before + args.down + args.after
        threads = [threading.Thread(target=client) for _ in range(args.threads)]
        threads.append(threading.Thread(target=probe))
        for t in threads:
            t.start()
        time.sleep(args.before)
        down_at = time.monotonic()
        if relay:
            relay.go_down()
            print(f"database down (relay refusing) at t={down_at - start:.1f} s", flush=True)
            time.sleep(args.down)
            relay.come_up()
            up_at = time.monotonic()
        else:
            n = _terminate_backends(database_url)
            up_at = time.monotonic()
            print(f"terminated {n} backends at t={down_at - start:.1f} s", flush=True)
        print(f"database back at t={up_at - start:.1f} s", flush=True)
        for t in threads:
            t.join()
        end = time.monotonic()
    finally:
        stop(gunicorn)
        ApiToken.objects.filter(pk=token_row.pk).delete()
    print(f"load average after {_load()}")

    def phase(lo, hi):
        out = {}
        for what in ("api", "healthz"):
            out[what] = Counter(s for t, w, s in events if w == what and lo <= t < hi)
        return out

    phases = [
        ("before", start, down_at),
        (
            "down" if relay else "at the termination (first 2 s)",
            down_at,
            up_at if relay else up_at + 2,
        ),
        ("after, first 2 s", up_at if relay else up_at + 2, up_at + (4 if not relay else 2)),
        (f"after, last {args.settle:.0f} s", end - args.settle, end + 1),
    ]
    print()
    print("| phase | API statuses | /healthz statuses |")
    print("|---|---|---|")
    for name, lo, hi in phases:
        p = phase(lo, hi)
        fmt = lambda c: ", ".join(f"{k or 'no answer'}: {v}" for k, v in sorted(c.items())) or "-"  # noqa: E731
        print(f"| {name} | {fmt(p['api'])} | {fmt(p['healthz'])} |")
    first_ok = {
        what: min((t for t, w, s in events if w == what and s == 200 and t >= up_at), default=None)
        for what in ("api", "healthz")
    }
    for what, t in first_ok.items():
        print(f"- first {what} 200 after the database came back: "
              + (f"{t - up_at:.2f} s" if t is not None else "never"))  # fmt: skip
    last = phase(end - args.settle, end + 1)
    settled = set(last["api"]) == {200} and set(last["healthz"]) == {200}
    ok = settled
    if relay:
        down = phase(down_at + 0.5, up_at)["healthz"]
        ok = ok and set(down) == {503}
        print(f"- /healthz while down (after the first 0.5 s): {dict(down)}")
    if probe_times:
        worst = max(d for t, d in probe_times if down_at <= t < up_at + 2) if relay else None
        if worst is not None:
            print(f"- slowest /healthz answer while down: {worst * 1000:.0f} ms")
    print(f"- recovered without restarting gunicorn: {'yes' if settled else 'NO'}")
    print(f"gunicorn log: {log}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    sys.exit(main())
