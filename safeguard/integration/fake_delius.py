"""A stand-in for the safeguard-and-delius API, for development and tests (as ``fake_notify``
is for Notify): ``GET <anything>/<CRN>`` answers the file ``<DIR>/<CRN>.json``, or 404.

Give it a token and it answers 401 to a request without ``Authorization: Bearer <token>``.
It logs nothing about the requests (their paths hold CRNs).
"""

import re
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

CRN_AT_END = re.compile(r"/([A-Za-z][0-9]{6})/?$")


def make_server(data_dir: Path | str, *, host="127.0.0.1", port=0, token="") -> ThreadingHTTPServer:
    data_dir = Path(data_dir)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - the standard library's name
            if token and self.headers.get("Authorization", "") != f"Bearer {token}":
                return self._answer(401, b'{"status": 401, "userMessage": "Unauthorised"}')
            match = CRN_AT_END.search(self.path.split("?", 1)[0])
            if not match:
                return self._answer(404, b'{"status": 404}')
            file = data_dir / f"{match.group(1).upper()}.json"
            if not file.is_file():
                return self._answer(404, b'{"status": 404}')
            return self._answer(200, file.read_bytes())

        def _answer(self, status: int, body: bytes):
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format, *args):  # noqa: A002 - the standard library's name
            return

    server = ThreadingHTTPServer((host, port), Handler)
    server.daemon_threads = True
    return server
