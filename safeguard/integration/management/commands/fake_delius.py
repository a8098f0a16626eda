"""``python manage.py fake_delius --port 8082 --data DIR``: serve case summaries from files."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from safeguard.integration.fake_delius import make_server


class Command(BaseCommand):
    help = (
        "A local stand-in for the safeguard-and-delius API: GET .../<CRN> answers "
        "DIR/<CRN>.json (the case summary contract in the README), or 404. For development "
        "and tests only."
    )

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8082)
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--data", required=True, help="Directory of <CRN>.json files.")
        parser.add_argument("--token", default="", help="Require this bearer token.")

    def handle(self, *args, port, host, data, token, **options):
        data_dir = Path(data)
        if not data_dir.is_dir():
            raise CommandError(f"{data} is not a directory")
        server = make_server(data_dir, host=host, port=port, token=token)
        self.stdout.write(
            f"fake nDelius on http://{host}:{server.server_address[1]}/case/<CRN> "
            f"serving {data_dir}"
        )
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()
