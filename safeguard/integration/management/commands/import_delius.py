"""``python manage.py import_delius DIR``: load an nDelius extract (cases, allocations,
registrations as CSV; the columns are in the README)."""

import time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from safeguard.integration.importer import ExtractError, import_extract


class Command(BaseCommand):
    help = (
        "Load DIR/cases.csv, DIR/allocations.csv and DIR/registrations.csv (an nDelius-shaped "
        "extract). Every bad row is reported with its file, line and reason and left out; the "
        "good ones are loaded. Running it again with the same files changes nothing. Then "
        "the work-item scan runs (skip it with --no-scan)."
    )

    def add_arguments(self, parser):
        parser.add_argument("directory")
        parser.add_argument("--no-scan", action="store_true", help="Do not run the work-item scan.")

    def handle(self, *args, directory, no_scan, verbosity, **options):
        started = time.monotonic()
        try:
            report = import_extract(directory, on_bad_row=lambda row: self.stderr.write(str(row)))
        except (ExtractError, OSError) as exc:
            raise CommandError(str(exc)) from None
        loaded = time.monotonic() - started
        if not no_scan:
            from safeguard.core.workitems import scan_all

            scan_all(today=timezone.localdate())
        if verbosity:
            self.stdout.write(f"{report} (loaded in {loaded:.1f}s)")
