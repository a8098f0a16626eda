import time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from safeguard.core import registry, workitems


class Command(BaseCommand):
    help = (
        "Run every work-item rule across the whole caseload: raise items for new problems and "
        "resolve those whose condition no longer holds. Idempotent; safe to run concurrently."
    )

    def add_arguments(self, parser):
        parser.add_argument("--rule", action="append", help="Run only this rule (repeatable).")
        parser.add_argument("--today", help="Run as if today were this date (YYYY-MM-DD).")

    def handle(self, *args, rule=None, today=None, **options):
        rules = workitems.all_rules()
        if rule:
            known = {r.code for r in rules}
            unknown = set(rule) - known
            if unknown:
                raise CommandError(f"Unknown rule(s): {', '.join(sorted(unknown))}")
            rules = [r for r in rules if r.code in rule]
        try:
            day = timezone.datetime.fromisoformat(today).date() if today else timezone.localdate()
        except ValueError as exc:
            raise CommandError("--today must be a date like 2026-11-27") from exc
        total_raised = total_resolved = 0
        started = time.monotonic()
        if not rule:
            # Sweeps write rows the rules look at (registered by each area), so they run first.
            for sweep in registry.sweeps:
                t0 = time.monotonic()
                written = sweep(day)
                self.stdout.write(f"{sweep.__name__}: {written} ({time.monotonic() - t0:.2f}s)")
        for r in rules:
            t0 = time.monotonic()
            result = workitems.scan(r, today=day)
            total_raised += result.raised
            total_resolved += result.resolved
            self.stdout.write(
                f"{r.code}: raised {result.raised}, resolved {result.resolved} "
                f"({time.monotonic() - t0:.2f}s)"
            )
        # Then what follows new work (registered by each area: alerts about urgent items).
        for hook in registry.after_work_refresh:
            t0 = time.monotonic()
            written = hook(None)
            self.stdout.write(f"{hook.__name__}: {written} ({time.monotonic() - t0:.2f}s)")
        self.stdout.write(
            f"Total: raised {total_raised}, resolved {total_resolved} "
            f"in {time.monotonic() - started:.2f}s"
        )
