"""Load test: ``python -m bench.load`` (what ``make bench-load`` runs, and ``make bench`` after the
in-process timings).

Against the configured PostgreSQL database (``DATABASE_URL``) holding the national data set
(``python -m bench.run`` builds it), it:

1. picks ``--accounts`` practitioners with cases (demo.practitioner, who holds the long case
   with 40 registrations, the rest of that team, then practitioners of other teams), gives the
   seeded accounts that have no usable password the demo password (``SAFEGUARD_DEMO_PASSWORD``,
   as ``seed_demo`` gives the demo sign-ins), each an API token and an authenticator app (a
   TOTP device: production asks local accounts for a second factor), and writes the plan the
   locustfile reads;
2. starts gunicorn in production mode (``SAFEGUARD_ENV=production``, DEBUG off, its own
   SECRET_KEY and SAFEGUARD_OUTBOX_KEY, whitenoise) with ``--workers`` and ``--threads``;
3. runs locust headless (``bench/locustfile.py``): every simulated user signs in through the
   sign-in form as one of the practitioners and then requests pages back to back; first the mix
   (caseload, person pages, My work, search, the API), then each page with a target on its own
   (``--single``), all at ``--users`` concurrent users;
4. prints and writes (``bench/results/load.md``) requests a second and p50/p95/p99 per
   endpoint, errors, and the load average before and after each run; deletes the tokens.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
BIN = Path(sys.executable).parent

# Targets from issue 13 part 7, at 16 concurrent users: (requests/s at least, p95 under ms).
TARGETS = {
    "person_long_case": (60, 400),
    "caseload": (120, None),
    "my_work": (120, None),
}
SINGLE_NAMES = {
    "person_long_case": "GET /people/<long case>/",
    "caseload": "GET /caseload/",
    "my_work": "GET /my-work/",
}


def _setup_django():
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "safeguard.settings")
    import django

    django.setup()


def _load() -> str:
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


# ---- the plan: who signs in, what they look at ------------------------------------------------


def prepare(n_accounts: int) -> tuple[dict, list[int]]:
    from django.conf import settings
    from django.contrib.auth.hashers import make_password
    from django.db.models import Count
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from bench.run import _long_case
    from safeguard.core.models import ApiToken, Role, Staff
    from safeguard.people.models import Person
    from safeguard.people.selectors import visible_people

    demo = Staff.objects.get(username="demo.practitioner")
    long_case = _long_case(demo)
    demo_teams = list(demo.teams.values_list("pk", flat=True))
    with_cases = (
        Staff.objects.filter(role=Role.PRACTITIONER, is_active=True)
        .annotate(cases=Count("caseload"))
        .filter(cases__gte=10)
    )
    chosen = [demo]
    chosen += list(with_cases.filter(teams__in=demo_teams).exclude(pk=demo.pk).order_by("pk"))
    chosen += list(with_cases.exclude(teams__in=demo_teams).order_by("pk")[: n_accounts * 2])
    chosen = list({s.pk: s for s in chosen}.values())[:n_accounts]

    password = settings.SAFEGUARD_DEMO_PASSWORD
    password_hash = make_password(password)
    # Devices an interrupted run left behind would answer for these accounts first.
    TOTPDevice.objects.filter(name="bench.load").delete()
    accounts, token_ids, device_ids = [], [], []
    for staff in chosen:
        if not staff.has_usable_password() or not staff.check_password(password):
            staff.password = password_hash
            staff.save(update_fields=["password"])
        mine = Person.objects.filter(practitioner=staff).order_by("pk")
        crns = list(mine.values_list("crn", flat=True)[:60])
        surnames = sorted(set(mine.values_list("last_name", flat=True)[:60]))[:20]
        # Production asks a local account for a second factor: each gets an authenticator
        # app whose key only the plan holds (removed again after the run).
        key = secrets.token_hex(20)
        device_ids.append(
            TOTPDevice.objects.create(user=staff, name="bench.load", key=key, confirmed=True).pk
        )
        token = secrets.token_urlsafe(32)
        token_ids.append(
            ApiToken.objects.create(staff=staff, token_hash=ApiToken.hash_token(token)).pk
        )
        accounts.append(
            {
                "username": staff.username,
                "crns": crns,
                "surnames": surnames,
                "token": token,
                "totp_key": key,
                "sees_long_case": visible_people(staff).filter(pk=long_case.pk).exists(),
            }
        )
    plan = {
        "password": password,
        "long_case": {"crn": long_case.crn, "registrations": long_case.n},
        "accounts": accounts,
    }
    return plan, token_ids, device_ids


# ---- gunicorn -------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(
    port: int, workers: int, threads: int, log: Path, extra_env: dict | None = None
) -> subprocess.Popen:
    from cryptography.fernet import Fernet

    env = {
        **os.environ,
        "SAFEGUARD_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SAFEGUARD_OUTBOX_KEY": Fernet.generate_key().decode(),
        "DEBUG": "",
        "PYTHONPATH": str(ROOT),
        **(extra_env or {}),
    }
    command = [
        str(BIN / "gunicorn"),
        "safeguard.wsgi",
        "--config",
        str(ROOT / "gunicorn.conf.py"),
        "--chdir",
        str(ROOT),
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--threads",
        str(threads),
    ]
    out = log.open("w")
    process = subprocess.Popen(  # noqa: S603 - our own command line
        command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode}: see {log}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                if r.status == 200:
                    return process
        except OSError:
            time.sleep(0.5)
    stop(process)
    raise RuntimeError(f"gunicorn did not answer /healthz within 60 s: see {log}")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


# ---- locust ---------------------------------------------------------------------------------


def run_locust(
    port: int, plan_file: Path, tasks: str, users: int, rate: float, seconds: int, prefix: Path
) -> dict:
    env = {**os.environ, "LOAD_PLAN": str(plan_file), "LOAD_TASKS": tasks}
    command = [
        str(BIN / "locust"),
        "-f",
        str(ROOT / "bench" / "locustfile.py"),
        "--headless",
        "-u",
        str(users),
        "-r",
        str(rate),
        "-t",
        f"{seconds}s",
        "--host",
        f"http://127.0.0.1:{port}",
        "--csv",
        str(prefix),
        "--only-summary",
        "--reset-stats",  # the figures cover the run after every user has signed in
        "--exit-code-on-error",
        "0",
    ]
    load_before = _load()
    print(f"locust {tasks}: {users} users for {seconds} s (load average before {load_before})")
    subprocess.run(command, cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)  # noqa: S603
    rows = list(csv.DictReader(Path(f"{prefix}_stats.csv").read_text().splitlines()))
    failures = list(csv.DictReader(Path(f"{prefix}_failures.csv").read_text().splitlines()))
    return {
        "tasks": tasks,
        "users": users,
        "seconds": seconds,
        "load_before": load_before,
        "load_after": _load(),
        "rows": rows,
        "failures": failures,
    }


# ---- the report -----------------------------------------------------------------------------


def _row_md(row: dict) -> str:
    n, f = int(row["Request Count"]), int(row["Failure Count"])
    return (
        f"| {row['Name']} | {n:,} | {float(row['Requests/s']):.1f} | {row['50%']} | "
        f"{row['95%']} | {row['99%']} | {f} |"
    )


def report(runs: list[dict], args, plan: dict) -> str:
    lines = [f"# Safeguard load test, {datetime.now().isoformat(timespec='minutes')}", ""]
    add = lines.append
    add(
        f"- gunicorn `--workers {args.workers} --threads {args.threads}` (gthread), "
        "SAFEGUARD_ENV=production, DEBUG off, whitenoise; locust on the same machine"
    )
    add(
        f"- {len(plan['accounts'])} practitioner accounts signed in through the sign-in form; "
        f"long case {plan['long_case']['crn']} ({plan['long_case']['registrations']} "
        "registrations)"
    )
    add(f"- Machine: {os.cpu_count()} cores; load averages (1, 5, 15 min) given per run")
    for run in runs:
        add("")
        add(
            f"## `{run['tasks']}`: {run['users']} users, {run['seconds']} s "
            f"(load average before {run['load_before']}, after {run['load_after']})"
        )
        add("")
        add("| endpoint | requests | requests/s | p50 ms | p95 ms | p99 ms | errors |")
        add("|---|---|---|---|---|---|---|")
        for row in run["rows"]:
            if row["Name"] == "Aggregated":
                continue
            add(_row_md(row))
        total = next(r for r in run["rows"] if r["Name"] == "Aggregated")
        add(_row_md({**total, "Name": "**all**"}))
        for failure in run["failures"]:
            add(f"- error: {failure['Method']} {failure['Name']}: {failure['Error']} "
                f"({failure['Occurrences']}×)")  # fmt: skip
        if run["tasks"] in TARGETS:
            want_rate, want_p95 = TARGETS[run["tasks"]]
            row = next((r for r in run["rows"] if r["Name"] == SINGLE_NAMES[run["tasks"]]), None)
            if row:
                rate, p95 = float(row["Requests/s"]), float(row["95%"])
                errors = int(total["Failure Count"])
                ok = rate >= want_rate and (want_p95 is None or p95 < want_p95) and errors == 0
                add("")
                add(
                    f"Target ≥ {want_rate}/s"
                    + (f", p95 < {want_p95} ms" if want_p95 else "")
                    + f", zero errors: {rate:.1f}/s, p95 {p95:.0f} ms, {errors} errors: "
                    + ("**met**" if ok else "**missed**")
                )
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.load", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--users", type=int, default=16)
    parser.add_argument("--rate", type=float, default=4, help="users started a second")
    parser.add_argument("--seconds", type=int, default=60, help="the mix")
    parser.add_argument("--single-seconds", type=int, default=30, help="each page on its own")
    parser.add_argument(
        "--single",
        nargs="*",
        default=list(TARGETS),
        help=f"pages to run on their own after the mix (default: {' '.join(TARGETS)})",
    )
    parser.add_argument("--no-mix", action="store_true")
    parser.add_argument("--accounts", type=int, default=16, help="practitioners signed in")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--port", type=int, default=0, help="default: a free one")
    parser.add_argument("--output", type=Path, default=RESULTS / "load.md")
    args = parser.parse_args(argv)

    _setup_django()
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    if connection.vendor != "postgresql":
        print("The load test is meant for PostgreSQL: set DATABASE_URL.", file=sys.stderr)
        return 2
    executor = MigrationExecutor(connection)
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        print("The database has migrations to apply: run `manage.py migrate`.", file=sys.stderr)
        return 2
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from safeguard.core.models import ApiToken

    RESULTS.mkdir(parents=True, exist_ok=True)
    plan, token_ids, device_ids = prepare(args.accounts)
    connection.close()  # not held open through the run
    plan_file = RESULTS / "load_plan.json"
    plan_file.write_text(json.dumps(plan))
    plan_file.chmod(0o600)
    port = args.port or _free_port()
    server = None
    runs = []
    try:
        server = start_gunicorn(port, args.workers, args.threads, RESULTS / "load_gunicorn.log")
        suites = ([] if args.no_mix else [("mix", args.seconds)]) + [
            (name, args.single_seconds) for name in args.single
        ]
        for tasks, seconds in suites:
            # A code is accepted once per device, and an accepted code one step off moves the
            # device's drift: each run starts with devices as new.
            TOTPDevice.objects.filter(pk__in=device_ids).update(
                last_t=-1, drift=0, throttling_failure_count=0, throttling_failure_timestamp=None
            )
            connection.close()
            runs.append(
                run_locust(
                    port,
                    plan_file,
                    tasks,
                    args.users,
                    args.rate,
                    seconds,
                    RESULTS / f"load_{tasks}",
                )
            )
    finally:
        if server is not None:
            stop(server)
        ApiToken.objects.filter(pk__in=token_ids).delete()
        TOTPDevice.objects.filter(pk__in=device_ids).delete()
        plan_file.unlink(missing_ok=True)
    text = report(runs, args, plan)
    args.output.write_text(text)
    print(text)
    print(f"Written to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
