"""``python manage.py seed_demo``: fill the database with deterministic synthetic demo data."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from safeguard.demo import generate


class Command(BaseCommand):
    help = (
        "Create synthetic staff, people on probation with their allocation history, "
        "registrations, referrals and escalations, vulnerability screens and safety plans, "
        "release plans, appointments and reminders for demonstrations and load tests, then run "
        "the work-item scan. The same --people, --seed and date always give the same data. "
        "Never runs in production."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--people",
            type=int,
            default=generate.DEFAULT_PEOPLE,
            help=f"How many people on probation (default {generate.DEFAULT_PEOPLE}; the demo "
            f"caseloads need at least {generate.DEMO_CASELOAD + generate.DEMO_TEAM_OTHERS + 2}, "
            "which are created whatever the number).",
        )
        parser.add_argument("--seed", type=int, default=1, help="Random seed (default 1).")
        group = parser.add_mutually_exclusive_group()
        group.add_argument(
            "--replace",
            action="store_true",
            help="Delete existing people, their allocations, registrations, referrals, "
            "screens, safety plans, release plans, appointments, reminder preferences and "
            "messages, limited-access entries, work items, history and access log, and the "
            "staff an earlier run created, then seed again.",
        )
        group.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing (and succeed) if any person exists already.",
        )

    def handle(self, *args, people, seed, replace, if_empty, verbosity, **options):
        if getattr(settings, "PRODUCTION", False):
            raise CommandError(
                "seed_demo refuses to run in production (SAFEGUARD_ENV=production): "
                "it creates synthetic people and can delete real records."
            )
        if not 0 <= people <= generate.MAX_PEOPLE:
            raise CommandError(f"--people must be between 0 and {generate.MAX_PEOPLE}.")
        if if_empty and generate.people_exist():
            if verbosity:
                self.stdout.write("Demo data already present")
            return

        def progress(message):
            if verbosity:
                self.stdout.write(f"  {message}")

        try:
            summary = generate.seed_demo(
                people=people, seed=seed, replace=replace, progress=progress
            )
        except generate.DemoDataExists:
            raise CommandError(
                "People already exist in this database. Use --replace to delete them (and "
                "the demo staff) and seed again, or --if-empty to leave them alone."
            ) from None
        except ValueError as error:
            raise CommandError(str(error)) from error
        if verbosity:
            self._report(summary, people, seed)

    def _report(self, summary, people, seed):
        write = self.stdout.write
        staff_total = sum(summary.staff.values())
        work = summary.casework
        write(
            self.style.SUCCESS(
                f"Seeded demo data (seed {seed}) in {summary.seconds:.1f} s: "
                f"{summary.people} people, {summary.allocations} allocations, "
                f"{summary.limited_access} limited-access entries, {staff_total} staff, "
                f"{work.registrations} registrations ({work.reviews} reviews), "
                f"{work.referrals} referrals, {work.escalations} escalations."
            )
        )
        if summary.more:
            write("  Also: " + ", ".join(f"{n} {name}" for name, n in summary.more.items()) + ".")
        write(
            f"  Work-item scan: {summary.work_items_raised} items raised in "
            f"{summary.scan_seconds:.1f} s (included above); {summary.alerts_acknowledged} "
            "earlier urgent items recorded as alerted and acknowledged (the demo team's are "
            "left for the first alert sweep)."
        )
        if summary.people > people:
            write(f"  ({summary.people - people} more people than asked: the demo caseloads.)")
        roles = ", ".join(f"{count} {role}" for role, count in sorted(summary.staff.items()))
        write(f"  Staff by role: {roles}")
        write(f"Demo sign-ins ({summary.password_note}):")
        width = max(len(username) for username, _, _ in summary.sign_ins)
        for username, role, where in summary.sign_ins:
            write(f"  {username:<{width}}  {role}, {where}")
