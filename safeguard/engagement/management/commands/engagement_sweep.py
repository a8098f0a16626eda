import time

from django.core.management.base import BaseCommand

from safeguard.engagement.checkins import check_ins_send_due
from safeguard.engagement.services import summaries_send_due


class Command(BaseCommand):
    help = (
        "Queue the check-ins that regular schedules have made due, and the weekly or "
        "fortnightly appointment summaries. Idempotent; run it every few minutes."
    )

    def add_arguments(self, parser):
        parser.add_argument("--every", type=int, default=0, metavar="SECONDS", help="Keep running.")
        parser.add_argument(
            "--dispatch",
            action="store_true",
            help="Also send everything due now (as dispatch_messages), each round.",
        )

    def handle(self, *args, every=0, dispatch=False, verbosity=1, **options):
        from safeguard.notify.dispatch import Dispatcher

        dispatcher = Dispatcher() if dispatch else None
        while True:
            check_ins = check_ins_send_due()
            summaries = summaries_send_due()
            line = f"check-ins queued {check_ins}, summaries queued {summaries}"
            if dispatcher:
                line += "; " + dispatcher.run().summary()
            if verbosity:
                self.stdout.write(line)
            if not every:
                return
            time.sleep(every)
