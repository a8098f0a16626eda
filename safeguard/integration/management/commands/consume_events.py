"""``python manage.py consume_events [--until-empty]``: take HMPPS domain events from SQS."""

import signal
import threading

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from safeguard.integration.consumer import Consumer


class Command(BaseCommand):
    help = (
        "Read HMPPS domain events from the SQS queue HMPPS_EVENTS_QUEUE_URL (boto3: "
        "AWS_ENDPOINT_URL, AWS_REGION and the usual credentials), fetch each case's summary at "
        "the event's detailUrl and bring the case into step. Runs until stopped (SIGTERM or "
        "Ctrl-C finish the current batch), or with --until-empty until the queue is empty."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--until-empty", action="store_true", help="Stop when the queue is empty."
        )
        parser.add_argument("--queue-url", default="", help="Instead of HMPPS_EVENTS_QUEUE_URL.")
        parser.add_argument(
            "--wait-seconds",
            type=int,
            default=None,
            help="Long-poll wait (default HMPPS_EVENTS_WAIT_SECONDS, 20).",
        )

    def handle(self, *args, until_empty, queue_url, wait_seconds, verbosity, **options):
        queue_url = queue_url or settings.HMPPS_EVENTS_QUEUE_URL
        if not queue_url:
            raise CommandError("Set HMPPS_EVENTS_QUEUE_URL (or give --queue-url).")
        if wait_seconds is not None and not 0 <= wait_seconds <= 20:
            raise CommandError("--wait-seconds must be between 0 and 20.")
        stop = threading.Event()
        saved = {}
        if threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGTERM, signal.SIGINT):
                saved[sig] = signal.signal(sig, lambda *_: stop.set())
        try:
            consumer = Consumer(queue_url=queue_url, wait_seconds=wait_seconds)
            tally = consumer.run(until_empty=until_empty, stop=stop)
        finally:
            for sig, handler in saved.items():
                signal.signal(sig, handler)
        if verbosity:
            self.stdout.write(str(tally))
