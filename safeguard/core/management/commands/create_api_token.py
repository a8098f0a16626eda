import secrets

from django.core.management.base import BaseCommand, CommandError

from safeguard.core.models import ApiToken, Staff


class Command(BaseCommand):
    help = "Create an API bearer token for a member of staff and print it (shown only once)."

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username, **options):
        staff = Staff.objects.filter(username=username, is_active=True).first()
        if staff is None:
            raise CommandError(f"No active member of staff is called {username!r}.")
        token = secrets.token_urlsafe(32)
        ApiToken.objects.create(staff=staff, token_hash=ApiToken.hash_token(token))
        self.stdout.write(token)
