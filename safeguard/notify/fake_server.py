"""A local stand-in for GOV.UK Notify that speaks its real v2 API, for development and tests.

The official client talks to it over a real socket exactly as it talks to Notify:

- every request must carry a JWT (HS256) signed with the secret half of ``NOTIFY_API_KEY``, with
  the service id as ``iss`` and an ``iat`` within 30 seconds (401 without one, 403 when wrong);
- ``POST /v2/notifications/sms`` and ``/email`` validate the recipient, the template id (the
  catalogue's) and the personalisation, and answer 201 with Notify's response body;
- ``GET /v2/notifications/{id}``, and ``GET /v2/notifications`` filtered by ``reference``,
  ``status`` and ``template_type``, newest first, 250 a page, ``older_than`` for the next page;
- Notify's test numbers and addresses: 07700900002 and perm-fail@simulator.notify end in
  ``permanent-failure``, 07700900003 and temp-fail@simulator.notify in ``temporary-failure``;
  everything else is ``delivered`` (after ``delivery_seconds``);
- more than ``rate_limit`` requests in 60 seconds: 429 ``RateLimitError``;
- optionally, delivery receipts POSTed to a callback URL with a bearer token, as Notify does.

Extras for tests and benchmarks, outside Notify's API: ``GET /_fake/stats`` (counts, and
references received more than once) and ``POST /_fake/fail-next`` (answer the next requests with
a given status). State is kept in memory.
"""

import json
import logging
import re
import threading
import time
import urllib.request
import uuid
from collections import Counter, deque
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import jwt

from safeguard.core.phones import InvalidPhoneNumber, normalise_uk_phone
from safeguard.notify import catalogue
from safeguard.notify.gateway import parse_api_key

logger = logging.getLogger(__name__)

PAGE_SIZE = 250
TOKEN_BOUND_SECONDS = 30
EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
FAILURE_ALIASES = {"failed": {"permanent-failure", "temporary-failure", "technical-failure"}}
FINAL_BY_RECIPIENT = {
    "07700900002": "permanent-failure",
    "07700900003": "temporary-failure",
    "perm-fail@simulator.notify": "permanent-failure",
    "temp-fail@simulator.notify": "temporary-failure",
}


def _iso(ts: float | None) -> str | None:
    if ts is None:
        return None
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _error(status: int, error: str, message: str) -> tuple[int, dict]:
    return status, {"errors": [{"error": error, "message": message}], "status_code": status}


class FakeNotifyState:
    """Everything the fake server knows. Thread-safe."""

    def __init__(
        self,
        api_key: str,
        *,
        rate_limit: int = 3000,
        delivery_seconds: float = 0.0,
        callback_url: str = "",
        callback_token: str = "",
    ):
        parts = parse_api_key(api_key)
        if parts is None:
            raise ValueError("The fake server needs a Notify-shaped API key")
        self.service_id = parts["service_id"].lower()
        self.secret = parts["secret"]
        self.rate_limit = rate_limit
        self.delivery_seconds = delivery_seconds
        self.callback_url = callback_url
        self.callback_token = callback_token
        self.request_delay = 0.0
        self.callback_retries = 5
        self.callback_retry_seconds = 300.0
        self.lock = threading.Lock()
        self.notifications: list[dict] = []
        self.by_id: dict[str, dict] = {}
        self.by_reference: dict[str, list[dict]] = {}
        self.request_times: deque[float] = deque()
        self.forced: deque[int] = deque()
        self.rejected = Counter()
        self.templates = {t.id: t for t in catalogue.TEMPLATES.values()}

    # ---- test controls -------------------------------------------------------------------

    def fail_next(self, status: int, count: int = 1):
        with self.lock:
            self.forced.extend([status] * count)

    def reset(self):
        with self.lock:
            self.notifications.clear()
            self.by_id.clear()
            self.by_reference.clear()
            self.request_times.clear()
            self.forced.clear()
            self.rejected.clear()

    def stats(self) -> dict:
        with self.lock:
            refs = Counter(n["reference"] for n in self.notifications if n["reference"])
            statuses = Counter(self._status(n) for n in self.notifications)
            return {
                "notifications": len(self.notifications),
                "references": len(refs),
                "duplicate_references": {r: c for r, c in refs.items() if c > 1},
                "statuses": dict(statuses),
                "rejected": dict(self.rejected),
            }

    def references(self) -> Counter:
        with self.lock:
            return Counter(n["reference"] for n in self.notifications)

    # ---- auth and limits -----------------------------------------------------------------

    def authenticate(self, header: str | None) -> tuple[int, dict] | None:
        if not header or not header.startswith("Bearer "):
            return _error(401, "AuthError", "Unauthorized: authentication token must be provided")
        token = header[len("Bearer ") :].strip()
        try:
            claims = jwt.decode(
                token,
                key=self.secret,
                algorithms=["HS256"],
                options={"verify_iat": False, "verify_exp": False},
            )
        except jwt.InvalidTokenError:
            return _error(403, "AuthError", "Invalid token: signature, api token not found")
        if str(claims.get("iss", "")).lower() != self.service_id:
            return _error(403, "AuthError", "Invalid token: service not found")
        iat = claims.get("iat")
        if not isinstance(iat, int | float):
            return _error(403, "AuthError", "Invalid token: iat field not provided")
        if abs(time.time() - iat) > TOKEN_BOUND_SECONDS:
            return _error(
                403, "AuthError", "Error: Your system clock must be accurate to within 30 seconds"
            )
        return None

    def admit(self) -> tuple[int, dict] | None:
        """Forced failures first, then the rate limit (requests in the last 60 seconds)."""
        with self.lock:
            if self.forced:
                status = self.forced.popleft()
                self.rejected[status] += 1
                if status == 429:
                    return _error(429, "RateLimitError", "Exceeded rate limit (forced by a test)")
                return _error(status, "Exception", "Internal server error (forced by a test)")
            now = time.monotonic()
            while self.request_times and self.request_times[0] <= now - 60:
                self.request_times.popleft()
            if len(self.request_times) >= self.rate_limit:
                self.rejected[429] += 1
                return _error(
                    429,
                    "RateLimitError",
                    f"Exceeded rate limit for key type LIVE of {self.rate_limit} requests per "
                    "60 seconds",
                )
            self.request_times.append(now)
        return None

    # ---- the API -------------------------------------------------------------------------

    def _status(self, n: dict) -> str:
        if time.time() < n["created_ts"] + self.delivery_seconds:
            return "created" if n["type"] == "email" else "sending"
        return n["final_status"]

    def create(self, kind: str, payload, base_url: str) -> tuple[int, dict]:
        if not isinstance(payload, dict):
            return _error(400, "BadRequestError", "Invalid JSON supplied in POST data")
        errors = []
        template_id = payload.get("template_id")
        try:
            uuid.UUID(str(template_id))
        except ValueError:
            errors.append("template_id is not a valid UUID")
        if kind == "sms":
            raw = payload.get("phone_number")
            try:
                recipient = normalise_uk_phone(str(raw or ""), mobile_only=True).replace(" ", "")
            except InvalidPhoneNumber:
                recipient = None
                errors.append(
                    f"phone_number {'Not a UK mobile number' if raw else 'is a required property'}"
                )
        else:
            recipient = str(payload.get("email_address") or "")
            if not EMAIL_PATTERN.match(recipient):
                errors.append("email_address Not a valid email address")
        reference = payload.get("reference")
        if reference is not None and (not isinstance(reference, str) or len(reference) > 1000):
            errors.append("reference is not a valid string")
        personalisation = payload.get("personalisation") or {}
        if not isinstance(personalisation, dict):
            errors.append("personalisation is not of type object")
        if errors:
            return 400, {
                "errors": [{"error": "ValidationError", "message": m} for m in errors],
                "status_code": 400,
            }
        template = self.templates.get(str(template_id))
        if template is None or template.channel != kind:
            return _error(400, "BadRequestError", "Template not found")
        missing = [f for f in template.fields if f not in personalisation]
        if missing:
            return _error(400, "BadRequestError", f"Missing personalisation: {', '.join(missing)}")
        subject, body = template.render(personalisation)
        notification_id = str(uuid.uuid4())
        now = time.time()
        n = {
            "id": notification_id,
            "reference": reference,
            "type": kind,
            "recipient": recipient,
            "template_id": str(template_id),
            "body": body,
            "subject": subject if kind == "email" else None,
            "created_ts": now,
            "final_status": FINAL_BY_RECIPIENT.get(recipient.lower(), "delivered"),
        }
        with self.lock:
            n["seq"] = len(self.notifications)
            self.notifications.append(n)
            self.by_id[notification_id] = n
            self.by_reference.setdefault(reference, []).append(n)
        if self.callback_url:
            timer = threading.Timer(self.delivery_seconds, self._send_receipt, args=(n,))
            timer.daemon = True
            timer.start()
        response = {
            "id": notification_id,
            "reference": reference,
            "content": {"body": body, "from_number": "GOVUK"}
            if kind == "sms"
            else {
                "body": body,
                "subject": subject,
                "from_email": "safeguard@notifications.service.gov.uk",
                "one_click_unsubscribe_url": None,
            },
            "uri": f"{base_url}/v2/notifications/{notification_id}",
            "template": {
                "id": str(template_id),
                "version": 1,
                "uri": f"{base_url}/services/{self.service_id}/templates/{template_id}",
            },
            "scheduled_for": None,
        }
        return 201, response

    def as_json(self, n: dict, base_url: str) -> dict:
        status = self._status(n)
        final = status == n["final_status"]
        done_at = n["created_ts"] + self.delivery_seconds
        return {
            "id": n["id"],
            "reference": n["reference"],
            "email_address": n["recipient"] if n["type"] == "email" else None,
            "phone_number": n["recipient"] if n["type"] == "sms" else None,
            "line_1": None,
            "line_2": None,
            "line_3": None,
            "line_4": None,
            "line_5": None,
            "line_6": None,
            "postcode": None,
            "postage": None,
            "type": n["type"],
            "status": status,
            "template": {
                "id": n["template_id"],
                "version": 1,
                "uri": f"{base_url}/services/{self.service_id}/templates/{n['template_id']}",
            },
            "body": n["body"],
            "subject": n["subject"],
            "created_at": _iso(n["created_ts"]),
            "created_by_name": None,
            "sent_at": _iso(n["created_ts"]),
            "completed_at": _iso(done_at) if final else None,
            "scheduled_for": None,
            "one_click_unsubscribe_url": None,
            "is_cost_data_ready": True,
            "cost_in_pounds": 0.0,
            "cost_details": {},
        }

    def get(self, notification_id: str, base_url: str) -> tuple[int, dict]:
        try:
            uuid.UUID(notification_id)
        except ValueError:
            return _error(400, "ValidationError", "notification_id is not a valid UUID")
        with self.lock:
            n = self.by_id.get(notification_id)
        if n is None:
            return _error(404, "NoResultFound", "No result found")
        return 200, self.as_json(n, base_url)

    def list(self, query: dict[str, list[str]], base_url: str) -> tuple[int, dict]:
        statuses = set()
        for value in query.get("status", []):
            statuses |= FAILURE_ALIASES.get(value, {value})
        reference = (query.get("reference") or [None])[0]
        template_type = (query.get("template_type") or [None])[0]
        older_than = (query.get("older_than") or [None])[0]
        with self.lock:
            if reference is not None:
                pool = self.by_reference.get(reference, [])
            else:
                pool = self.notifications
            ordered = list(reversed(pool))
            if older_than:
                anchor = self.by_id.get(older_than)
                ordered = [n for n in ordered if anchor and n["seq"] < anchor["seq"]]
        page = []
        for n in ordered:
            if reference is not None and n["reference"] != reference:
                continue
            if template_type and n["type"] != template_type:
                continue
            if statuses and self._status(n) not in statuses:
                continue
            page.append(n)
            if len(page) == PAGE_SIZE:
                break
        params = "".join(
            f"&{key}={value}"
            for key in ("reference", "template_type", "status")
            for value in query.get(key, [])
        )
        links = {"current": f"{base_url}/v2/notifications?{params.lstrip('&')}"}
        if page:  # as Notify does: a next link whenever the page is not empty
            links["next"] = f"{base_url}/v2/notifications?older_than={page[-1]['id']}{params}"
        return 200, {"notifications": [self.as_json(n, base_url) for n in page], "links": links}

    def _send_receipt(self, n: dict):
        body = {
            "id": n["id"],
            "reference": n["reference"],
            "to": n["recipient"],
            "status": n["final_status"],
            "created_at": _iso(n["created_ts"]),
            "completed_at": _iso(time.time()),
            "sent_at": _iso(n["created_ts"]),
            "notification_type": n["type"],
            "template_id": n["template_id"],
            "template_version": 1,
        }
        request = urllib.request.Request(  # noqa: S310 - the URL is the operator's own setting
            self.callback_url,
            data=json.dumps(body).encode(),
            headers={
                "Content-Type": "application/json",
                "Authorization": f"Bearer {self.callback_token}",
            },
            method="POST",
        )
        # As Notify does: try again (every 5 minutes, up to 5 times) until the service answers.
        for attempt in range(1 + self.callback_retries):
            try:
                urllib.request.urlopen(request, timeout=10).close()  # noqa: S310
                return
            except Exception as exc:  # noqa: BLE001 - any failure means "try again later"
                logger.warning("Fake Notify could not deliver a receipt (%s): %s", attempt, exc)
                time.sleep(self.callback_retry_seconds)


class FakeNotifyHandler(BaseHTTPRequestHandler):
    server_version = "FakeNotify/1"
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes: without this, Nagle's algorithm and delayed
    # ACKs add ~40 ms to every keep-alive request.
    disable_nagle_algorithm = True

    @property
    def state(self) -> FakeNotifyState:
        return self.server.state

    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        logger.debug("fake notify: " + format, *args)

    def _base_url(self):
        host, port = self.server.server_address[:2]
        return f"http://{self.headers.get('Host') or f'{host}:{port}'}"

    def _reply(self, status: int, body: dict):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _read_json(self):
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            return json.loads(raw or b"null")
        except ValueError:
            return None

    def _guarded(self):
        """Auth, forced failures and the rate limit; None when the request may go on."""
        if self.state.request_delay:
            time.sleep(self.state.request_delay)
        return self.state.authenticate(self.headers.get("Authorization")) or self.state.admit()

    def do_POST(self):  # noqa: N802 - http.server's name
        path = urlsplit(self.path).path.rstrip("/")
        if path == "/_fake/fail-next":
            payload = self._read_json() or {}
            self.state.fail_next(int(payload.get("status", 500)), int(payload.get("count", 1)))
            return self._reply(200, {"ok": True})
        if path == "/_fake/reset":
            self._read_json()
            self.state.reset()
            return self._reply(200, {"ok": True})
        payload = self._read_json()
        if path not in ("/v2/notifications/sms", "/v2/notifications/email"):
            return self._reply(*_error(404, "NotFound", "Not found"))
        refused = self._guarded()
        if refused:
            return self._reply(*refused)
        kind = path.rsplit("/", 1)[1]
        return self._reply(*self.state.create(kind, payload, self._base_url()))

    def do_GET(self):  # noqa: N802
        parts = urlsplit(self.path)
        path = parts.path.rstrip("/")
        if path == "/_fake/stats":
            return self._reply(200, self.state.stats())
        if path == "/_status":
            return self._reply(200, {"status": "ok"})
        if not path.startswith("/v2/notifications"):
            return self._reply(*_error(404, "NotFound", "Not found"))
        refused = self._guarded()
        if refused:
            return self._reply(*refused)
        if path == "/v2/notifications":
            return self._reply(*self.state.list(parse_qs(parts.query), self._base_url()))
        notification_id = path.rsplit("/", 1)[1]
        return self._reply(*self.state.get(notification_id, self._base_url()))


class FakeNotifyServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address, state: FakeNotifyState):
        super().__init__(address, FakeNotifyHandler)
        self.state = state

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"


def start_in_thread(state: FakeNotifyState, host="127.0.0.1", port=0) -> FakeNotifyServer:
    """Start a server on a real socket in a daemon thread (port 0: any free port)."""
    server = FakeNotifyServer((host, port), state)
    thread = threading.Thread(target=server.serve_forever, name="fake-notify", daemon=True)
    thread.start()
    return server
