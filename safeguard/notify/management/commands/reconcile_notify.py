from django.core.management.base import BaseCommand

from safeguard.notify.dispatch import reconcile
from safeguard.notify.gateway import not_configured_reason


class Command(BaseCommand):
    help = "Ask GOV.UK Notify for the status of messages it accepted but never sent a receipt for."

    def add_arguments(self, parser):
        parser.add_argument("--older-than-minutes", type=int, default=10)
        parser.add_argument("--limit", type=int, default=2000)

    def handle(self, *args, older_than_minutes=10, limit=2000, **options):
        reason = not_configured_reason()
        if reason:
            self.stderr.write(reason)
            return
        report = reconcile(older_than_minutes=older_than_minutes, limit=limit)
        self.stdout.write(f"checked {report.checked}, updated {report.updated}")
        for error in report.errors[:20]:
            self.stderr.write(error)
