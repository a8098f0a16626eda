import secrets
import uuid

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from safeguard.notify.fake_server import FakeNotifyServer, FakeNotifyState
from safeguard.notify.gateway import parse_api_key


class Command(BaseCommand):
    help = (
        "Run a local fake GOV.UK Notify that speaks the real v2 API and checks each request's "
        "JWT against NOTIFY_API_KEY. Point NOTIFY_BASE_URL at it."
    )

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8765)
        parser.add_argument("--rate-limit", type=int, default=3000, help="Requests a minute.")
        parser.add_argument(
            "--delivery-seconds",
            type=float,
            default=2.0,
            help="How long a message stays 'sending' before its final status.",
        )
        parser.add_argument(
            "--callback-url",
            default="",
            help="POST delivery receipts here, e.g. "
            "http://127.0.0.1:8000/notify/callbacks/delivery-status",
        )

    def handle(self, *args, host, port, rate_limit, delivery_seconds, callback_url, **options):
        api_key = settings.NOTIFY_API_KEY
        if not api_key:
            api_key = f"fake-notify-{uuid.uuid4()}-{uuid.uuid4()}"
            self.stdout.write(
                "NOTIFY_API_KEY is not set. For this run the fake server accepts:\n"
                f"  export NOTIFY_API_KEY={api_key}\n"
                f"  export NOTIFY_BASE_URL=http://{host}:{port}"
            )
        elif parse_api_key(api_key) is None:
            raise CommandError("NOTIFY_API_KEY is not shaped like a Notify key")
        token = settings.NOTIFY_CALLBACK_TOKEN
        if callback_url and not token:
            token = secrets.token_urlsafe(24)
            self.stdout.write(f"Receipts will carry a new token: NOTIFY_CALLBACK_TOKEN={token}")
        state = FakeNotifyState(
            api_key,
            rate_limit=rate_limit,
            delivery_seconds=delivery_seconds,
            callback_url=callback_url,
            callback_token=token,
        )
        server = FakeNotifyServer((host, port), state)
        self.stdout.write(f"Fake GOV.UK Notify on {server.url} (Ctrl+C stops it)")
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()
