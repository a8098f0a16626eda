"""Where the person page's Python time goes: ``python -m bench.profile_person``.

Profiles ``--requests`` requests of the person page of the long case (40 registrations, see
``bench.run._long_case``) as demo.practitioner, in-process with Django's test client, after
warm-up requests, with cProfile; prints the functions with the most time of their own and the
most time including what they call, in the project's code and in Django's.

Before that (``--breakdown``, the default) it times each part of the page without a profiler:
for each section builder, the lookup of the person and the template rendering, the Python CPU
time (``time.thread_time``, which the database server's work and other processes do not
inflate), the SQL time (wall time inside the database driver) and the number of queries.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import sys
import time
from collections import defaultdict
from contextlib import contextmanager


class Breakdown:
    """Python CPU, SQL time and queries per part of the page, summed over requests."""

    def __init__(self):
        self.cpu = defaultdict(float)
        self.sql = defaultdict(float)
        self.queries = defaultdict(int)
        self.stack = []

    def sql_wrapper(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            if self.stack:
                self.sql[self.stack[-1]] += time.perf_counter() - started
                self.queries[self.stack[-1]] += 1

    @contextmanager
    def part(self, name):
        # CPU of a part excludes the parts inside it (the stack).
        if self.stack:
            self.cpu[self.stack[-1]] += time.thread_time() - self._mark
        self.stack.append(name)
        self._mark = time.thread_time()
        try:
            yield
        finally:
            self.cpu[name] += time.thread_time() - self._mark
            self.stack.pop()
            self._mark = time.thread_time()

    def wrap(self, name, function):
        def wrapped(*args, **kwargs):
            with self.part(name):
                return function(*args, **kwargs)

        return wrapped


def breakdown(client, url, requests: int) -> None:
    from django.db import connection

    from safeguard.core import registry
    from safeguard.people import sections as sections_module
    from safeguard.people import views

    b = Breakdown()
    builders = list(registry.person_sections)
    named = [(f"section {f.__module__.split('.')[1]}.{f.__name__}", f) for f in builders]

    def timed_sections(request, person, today):
        by_position = {"top": [], "main": []}
        for name, build in named:
            with b.part(name):
                section = build(request, person, today)
            if section is not None:
                by_position.setdefault(section.position, []).append(section)
        return by_position

    originals = (views.person_sections, views.render, views.selectors.person_get_for)
    views.person_sections = timed_sections
    views.render = b.wrap("template rendering (and the queries it runs)", views.render)
    views.selectors.person_get_for = b.wrap("person_get_for", views.selectors.person_get_for)
    try:
        with connection.execute_wrapper(b.sql_wrapper):
            for _ in range(requests):
                with b.part("request: middleware, session, auth, audit, other"):
                    client.get(url)
    finally:
        views.person_sections, views.render, views.selectors.person_get_for = originals
    del sections_module
    total_cpu = sum(b.cpu.values()) / requests
    total_sql = sum(b.sql.values()) / requests
    print(
        f"Breakdown over {requests} requests: Python CPU {total_cpu * 1000:.1f} ms, SQL "
        f"{total_sql * 1000:.1f} ms, {sum(b.queries.values()) / requests:.0f} queries a request"
    )
    print()
    print("| part | Python CPU ms | SQL ms | queries |")
    print("|---|---|---|---|")
    for name in sorted(b.cpu, key=lambda n: -b.cpu[n]):
        print(
            f"| {name} | {b.cpu[name] / requests * 1000:.1f} | {b.sql[name] / requests * 1000:.1f} "
            f"| {b.queries[name] / requests:.0f} |"
        )
    print()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.profile_person")
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--crn", default="", help="default: the long case")
    parser.add_argument("--output", default="", help="also write the pstats file here")
    parser.add_argument("--no-breakdown", action="store_true")
    args = parser.parse_args(argv)

    from bench.run import _long_case, _setup_django

    _setup_django()
    from django.test import Client

    from safeguard.core.models import Staff

    practitioner = Staff.objects.get(username="demo.practitioner")
    crn = args.crn or _long_case(practitioner).crn
    client = Client()
    client.force_login(practitioner)
    url = f"/people/{crn}/"
    for _ in range(3):
        assert client.get(url).status_code == 200
    if not args.no_breakdown:
        breakdown(client, url, args.requests)
    cpu = time.process_time()
    profile = cProfile.Profile()
    profile.enable()
    for _ in range(args.requests):
        client.get(url)
    profile.disable()
    cpu = (time.process_time() - cpu) / args.requests
    print(f"{url}: {args.requests} requests, {cpu * 1000:.1f} ms CPU each under cProfile")
    if args.output:
        profile.dump_stats(args.output)
    for order in ("tottime", "cumulative"):
        out = io.StringIO()
        stats = pstats.Stats(profile, stream=out).strip_dirs().sort_stats(order)
        stats.print_stats(args.top)
        print(out.getvalue())
    return 0


if __name__ == "__main__":
    sys.exit(main())
