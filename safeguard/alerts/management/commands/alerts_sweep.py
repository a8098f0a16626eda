import time

from django.core.management.base import BaseCommand

from safeguard.alerts import sweeps


class Command(BaseCommand):
    help = (
        "Alert any open urgent work item not yet alerted, and escalate alerts nobody has "
        "acknowledged in time. Idempotent; run it every minute or so."
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
            line = f"alerts written {sweeps.alert_and_escalate(None)}"
            if dispatcher:
                line += "; " + dispatcher.run().summary()
            if verbosity:
                self.stdout.write(line)
            if not every:
                return
            time.sleep(every)
