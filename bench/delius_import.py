"""The nDelius bulk load at national scale: ``python -m bench.delius_import``.

Generates a deterministic nDelius-shaped extract (``cases.csv``, ``allocations.csv``,
``registrations.csv``: 240,000 cases and 1.5 million registrations by default) against the
configured database's teams, staff and register catalogue, then times ``import_delius`` twice:
the first load, and the same extract again (which must change nothing). The target (issue 16):
240,000 cases and 1.5 million registrations in under 3 minutes on 2 cores, on PostgreSQL.

Teams and practitioners without an nDelius code are given one first (``T<id>``, ``S<id>``),
as ``seed_demo`` does. CRNs start with Z (the demo uses A to X). Run it against a database
of its own (``DATABASE_URL``)::

    python -m bench.delius_import --cases 24000 --registrations 150000
    python -m bench.delius_import            # national scale: a quiet machine, please
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path


def _setup_django():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "safeguard.settings")
    import django

    django.setup()


def ensure_codes() -> tuple[list[str], dict[str, list[str]]]:
    """Team codes, and the staff codes of each team's practitioners (codes given if missing)."""
    from django.db.models import Q

    from safeguard.core.models import Role, Staff, Team

    for team in Team.objects.filter(code=""):
        team.code = f"T{team.pk:05d}"
        team.save(update_fields=["code"])
    for staff in Staff.objects.filter(role=Role.PRACTITIONER, staff_code="").filter(~Q(teams=None)):
        staff.staff_code = f"S{staff.pk:06d}"
        staff.save(update_fields=["staff_code"])
    teams = list(Team.objects.order_by("code").values_list("code", flat=True))
    by_team: dict[str, list[str]] = {code: [] for code in teams}
    for team_code, staff_code in (
        Staff.objects.filter(role=Role.PRACTITIONER, in_post=True)
        .exclude(staff_code="")
        .values_list("teams__code", "staff_code")
        .order_by("staff_code")
    ):
        if team_code in by_team:
            by_team[team_code].append(staff_code)
    return teams, by_team


def generate(directory: Path, cases: int, registrations: int, *, seed: int = 16) -> None:
    from safeguard.registrations.models import RegisterType

    rng = random.Random(seed)
    teams, by_team = ensure_codes()
    codes = list(RegisterType.objects.order_by("code").values_list("code", flat=True))
    today = date.today()  # noqa: DTZ011 - a calendar date for synthetic data
    forenames = ["Alex", "Sam", "Jo", "Robin", "Kim", "Lee", "Pat", "Chris", "Ash", "Jamie"]
    surnames = ["Synthetic", "Example", "Sample", "Testcase", "Fictional", "Madeup"]
    ethnicities = ["W1", "W2", "W5", "A3", "A4", "B1", "B2", "M1", "O2", "NS", "W9", "A9"]
    per_case = registrations / max(cases, 1)
    reg_id = 9_000_000_000
    with (
        (directory / "cases.csv").open("w", newline="") as c_handle,
        (directory / "allocations.csv").open("w", newline="") as a_handle,
        (directory / "registrations.csv").open("w", newline="") as r_handle,
    ):
        c_out, a_out, r_out = csv.writer(c_handle), csv.writer(a_handle), csv.writer(r_handle)
        c_out.writerow(
            [
                "crn",
                "forename",
                "surname",
                "date_of_birth",
                "sex",
                "ethnicity",
                "in_custody",
                "expected_release_date",
            ]
        )
        a_out.writerow(["crn", "team_code", "staff_code", "allocated_on"])
        r_out.writerow(
            [
                "id",
                "crn",
                "type_code",
                "start_date",
                "next_review_date",
                "notes",
                "active",
                "end_date",
            ]
        )
        written = 0
        for n in range(cases):
            crn = f"Z{n:06d}"
            custody = rng.random() < 0.12
            c_out.writerow(
                [
                    crn,
                    rng.choice(forenames),
                    rng.choice(surnames),
                    (today - timedelta(days=rng.randint(18 * 365, 70 * 365))).isoformat(),
                    rng.choice("MMMMFFN"),
                    rng.choice(ethnicities),
                    "Y" if custody else "N",
                    (today + timedelta(days=rng.randint(1, 700))).isoformat() if custody else "",
                ]
            )
            team = rng.choice(teams)
            staff = rng.choice(by_team[team]) if by_team[team] and rng.random() < 0.95 else ""
            allocated = today - timedelta(days=rng.randint(0, 900))
            a_out.writerow([crn, team, staff, allocated.isoformat()])
            # Spread the registrations so the total comes out at the number asked for.
            target = round((n + 1) * per_case)
            for _ in range(target - written):
                reg_id += 1
                start = today - timedelta(days=rng.randint(0, 1500))
                active = rng.random() < 0.6
                end = start + timedelta(days=rng.randint(0, (today - start).days or 1))
                r_out.writerow(
                    [
                        reg_id,
                        crn,
                        rng.choice(codes),
                        start.isoformat(),
                        (start + timedelta(days=182)).isoformat() if active else "",
                        "Synthetic note" if rng.random() < 0.5 else "",
                        "Y" if active else "N",
                        "" if active else min(end, today).isoformat(),
                    ]
                )
            written = target


def clean() -> None:
    """Remove what an earlier run loaded (cases whose CRN starts with Z), so that the first
    load is a first load."""
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        for table in ("registrations_registration", "people_allocation"):
            cursor.execute(
                f"DELETE FROM {table} WHERE person_id IN "  # noqa: S608 - constant names
                "(SELECT id FROM people_person WHERE crn LIKE 'Z%%')"
            )
        cursor.execute("DELETE FROM people_person WHERE crn LIKE 'Z%%'")


def _backend_cpu() -> float | None:
    """CPU seconds the database backend serving this connection has used (PostgreSQL on this
    machine only): with the process's own CPU time, a figure a busy machine cannot inflate."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=240_000)
    parser.add_argument("--registrations", type=int, default=1_500_000)
    parser.add_argument(
        "--dir", default="", help="Where to write the extract (default: a temp dir)."
    )
    parser.add_argument(
        "--keep", action="store_true", help="Keep what an earlier run loaded (no first load)."
    )
    args = parser.parse_args(argv)
    _setup_django()
    from django.db import connection

    from safeguard.integration.importer import import_extract

    if not args.keep:
        clean()
    with tempfile.TemporaryDirectory() as scratch:
        directory = Path(args.dir or scratch)
        directory.mkdir(parents=True, exist_ok=True)
        started = time.monotonic()
        generate(directory, args.cases, args.registrations)
        generated = time.monotonic() - started
        print(
            f"Extract of {args.cases} cases, {args.registrations} registrations: {generated:.1f}s"
        )
        rows = []
        for label in ("first load", "same extract again"):
            started, cpu, db_cpu = time.monotonic(), time.process_time(), _backend_cpu()
            report = import_extract(directory, on_bad_row=lambda row: None)
            took = time.monotonic() - started
            cpu = time.process_time() - cpu
            db_cpu = None if db_cpu is None else (_backend_cpu() or 0) - db_cpu
            rows.append((label, took, report))
            print(
                f"{label}: {took:.1f}s wall, {cpu:.1f}s Python CPU"
                + ("" if db_cpu is None else f", {db_cpu:.1f}s database CPU")
                + f" ({report}); load average {os.getloadavg()[0]:.1f}"
            )
    print()
    print(f"| import_delius ({connection.vendor}, {os.cpu_count()} cores) | seconds | result |")
    print("|---|---|---|")
    for label, took, report in rows:
        print(
            f"| {args.cases} cases, {args.registrations} registrations: {label} | {took:.1f} | "
            f"{report.cases_created} created, {report.cases_updated} updated, "
            f"{report.registrations_created} registrations created, "
            f"{report.registrations_updated} updated, {len(report.bad_rows)} bad rows |"
        )
    target = 180.0 * args.cases / 240_000
    print(
        f"\nTarget (issue 16): 240,000 cases and 1.5M registrations under 180 s "
        f"(pro rata for {args.cases}: {target:.0f} s)."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
