import time

from django.core.management.base import BaseCommand

from safeguard.notify.dispatch import Dispatcher


class Command(BaseCommand):
    help = (
        "Send every message that is due now through GOV.UK Notify, then exit. Safe to run "
        "beside the task worker and other dispatchers: each message is sent once."
    )

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=None, help="Send at most this many.")
        parser.add_argument(
            "--every",
            type=int,
            default=0,
            metavar="SECONDS",
            help="Keep running, dispatching every SECONDS (a scheduler of its own).",
        )
        parser.add_argument("--worker-id", default=None)

    def handle(self, *args, limit=None, every=0, worker_id=None, verbosity=1, **options):
        dispatcher = Dispatcher(worker_id=worker_id)
        while True:
            report = dispatcher.run(limit=limit)
            if verbosity:
                self.stdout.write(report.summary())
                for error in report.errors[:20]:
                    self.stderr.write(error)
            if not every:
                return
            time.sleep(every)
