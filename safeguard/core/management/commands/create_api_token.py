from django.core.management.base import BaseCommand, CommandError

from safeguard.core.models import Staff
from safeguard.core.tokens import api_token_issue


class Command(BaseCommand):
    help = (
        "Create an API bearer token for a member of staff and print it (shown only once). "
        "`api_tokens create` does the same, and `api_tokens list|revoke` manage them."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="", help="What it is for.")
        parser.add_argument("--days", type=int, default=None, help="How long it works.")
        parser.add_argument("--read-only", action="store_true", help="It can only read.")

    def handle(self, *args, username, name, days, read_only, **options):
        staff = Staff.objects.filter(username=username, is_active=True).first()
        if staff is None:
            raise CommandError(f"No active member of staff is called {username!r}.")
        if days is not None and not 1 <= days <= 366:
            raise CommandError("--days must be between 1 and 366.")
        _, token = api_token_issue(
            staff=staff, name=name, days=days, read_only=read_only, actor=None
        )
        self.stdout.write(token)
