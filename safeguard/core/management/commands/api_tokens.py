"""API bearer tokens: list, create and revoke them.

    manage.py api_tokens list [--username U] [--all] [--expiring DAYS]
    manage.py api_tokens create USERNAME --name "Caseload export" [--days 90] [--read-only]
    manage.py api_tokens revoke ID [ID ...]
    manage.py api_tokens revoke --username U      (every active token of that account)

``create`` prints the token alone on standard output (shown only once: only its hash is kept)
and what it is on standard error, so that a script can capture just the token.
"""

from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from safeguard.core.models import ApiToken, Staff
from safeguard.core.tokens import api_token_issue, api_token_revoke


def _when(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else "never"


class Command(BaseCommand):
    help = "List, create and revoke API bearer tokens."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)

        listing = actions.add_parser("list", help="List tokens (active ones unless --all).")
        listing.add_argument("--username", help="Only this account's tokens.")
        listing.add_argument("--all", action="store_true", help="Include revoked and expired.")
        listing.add_argument(
            "--expiring", type=int, metavar="DAYS", help="Only tokens expiring within DAYS."
        )

        create = actions.add_parser("create", help="Create a token and print it (once).")
        create.add_argument("username")
        create.add_argument("--name", required=True, help="What it is for.")
        create.add_argument(
            "--days",
            type=int,
            default=None,
            help=f"How long it works (default {settings.SAFEGUARD_API_TOKEN_DAYS}).",
        )
        create.add_argument(
            "--read-only", action="store_true", help="It can read (GET) but change nothing."
        )

        revoke = actions.add_parser("revoke", help="Stop tokens working.")
        revoke.add_argument("ids", nargs="*", type=int, help="Token ids (from list).")
        revoke.add_argument("--username", help="Every active token of this account.")

    def handle(self, *args, action, **options):
        getattr(self, f"_{action}")(**options)

    # ---- list ------------------------------------------------------------------------------

    def _list(self, *, username=None, all=False, expiring=None, **_):  # noqa: A002
        now = timezone.now()
        tokens = ApiToken.objects.select_related("staff").order_by("expires_at", "id")
        if username:
            tokens = tokens.filter(staff__username=username)
        if not all:
            tokens = tokens.filter(is_active=True, expires_at__gt=now)
        if expiring is not None:
            tokens = tokens.filter(expires_at__lte=now + timedelta(days=expiring))
        rows = [
            (
                str(t.pk),
                t.staff.get_username(),
                t.name or "-",
                "read only" if t.read_only else "read and write",
                _when(t.created_at),
                _when(t.expires_at),
                _when(t.last_used_at),
                t.state(now),
            )
            for t in tokens
        ]
        if not rows:
            self.stdout.write("No tokens.")
            return
        header = ("id", "username", "name", "scope", "created", "expires", "last used", "state")
        widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
        for row in [header, *rows]:
            self.stdout.write("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)))

    # ---- create ----------------------------------------------------------------------------

    def _create(self, *, username, name, days=None, read_only=False, **_):
        staff = Staff.objects.filter(username=username, is_active=True).first()
        if staff is None:
            raise CommandError(f"No active member of staff is called {username!r}.")
        if not name.strip():
            raise CommandError("Give the token a --name saying what it is for.")
        if days is not None and not 1 <= days <= 366:
            raise CommandError("--days must be between 1 and 366.")
        # A command has no signed-in actor: the access log records its channel, "command line".
        row, token = api_token_issue(
            staff=staff, name=name.strip(), days=days, read_only=read_only, actor=None
        )
        self.stdout.write(token)
        scope = "read only" if read_only else "read and write"
        self.stderr.write(
            f"Token {row.pk} for {username} ({row.name}, {scope}), works until "
            f"{_when(row.expires_at)}. It is shown only this once."
        )

    # ---- revoke ----------------------------------------------------------------------------

    def _revoke(self, *, ids=(), username=None, **_):
        if not ids and not username:
            raise CommandError("Say which tokens: their ids, or --username.")
        tokens = ApiToken.objects.select_related("staff")
        if ids:
            tokens = tokens.filter(pk__in=ids)
            missing = set(ids) - set(tokens.values_list("pk", flat=True))
            if missing:
                raise CommandError(f"No token with id {', '.join(map(str, sorted(missing)))}.")
        if username:
            tokens = tokens.filter(staff__username=username, is_active=True)
        revoked = 0
        for token in tokens:
            if api_token_revoke(token=token, actor=None):
                revoked += 1
                self.stdout.write(
                    f"Revoked token {token.pk} ({token.name or '-'}) of {token.staff}"
                )
            else:
                self.stdout.write(f"Token {token.pk} was already revoked")
        self.stdout.write(f"{revoked} revoked.")
