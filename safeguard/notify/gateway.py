"""The one way out to GOV.UK Notify: the official ``notifications-python-client``.

Nothing else in Safeguard imports the client. Errors come back as three kinds the dispatcher
can act on: ``Retryable`` (429, 5xx, network), ``Rejected`` (400: Notify will never accept this
message as it is) and ``NotConfigured`` (no key, or Notify refused our key).
"""

import re
from dataclasses import dataclass

from django.conf import settings
from notifications_python_client.errors import APIError
from notifications_python_client.notifications import NotificationsAPIClient

from safeguard.notify import sealing

# ``{key name}-{service id}-{secret}``, both ids being UUIDs.
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
API_KEY_PATTERN = re.compile(rf"^(?P<name>.+)-(?P<service_id>{UUID})-(?P<secret>{UUID})$", re.I)

NOT_CONFIGURED_TEXT = (
    "Waiting: NOTIFY_API_KEY is not set, so nothing can be sent. Set it and restart, then run "
    "`manage.py dispatch_messages`."
)


class GatewayError(Exception):
    def __init__(self, message: str, *, status_code: int | None = None):
        super().__init__(message)
        self.status_code = status_code


class NotConfigured(GatewayError):
    pass


class Retryable(GatewayError):
    pass


class Rejected(GatewayError):
    """Notify answered 400: the message can never be sent as it is."""

    @property
    def is_bad_recipient(self) -> bool:
        text = str(self).lower()
        return any(word in text for word in ("phone_number", "email_address", "not a uk mobile"))


def parse_api_key(api_key: str) -> dict | None:
    match = API_KEY_PATTERN.match((api_key or "").strip())
    return match.groupdict() if match else None


def not_configured_reason(key: str | None = None) -> str:
    """Why nothing can be sent, or "" when a well-formed key is set."""
    key = getattr(settings, "NOTIFY_API_KEY", "") if key is None else key
    if not key:
        return NOT_CONFIGURED_TEXT
    if parse_api_key(key) is None:
        return (
            "Waiting: NOTIFY_API_KEY is not a Notify API key (it should look like "
            "name-<service id>-<secret>). Fix it and restart."
        )
    return ""


def _error_text(exc: APIError) -> str:
    message = exc.message
    if isinstance(message, list):
        message = "; ".join(
            f"{e.get('error', '')}: {e.get('message', '')}" if isinstance(e, dict) else str(e)
            for e in message
        )
    return f"{exc.status_code} {message}"[:300]


@dataclass
class Notification:
    id: str
    reference: str
    status: str


class NotifyGateway:
    """One client per dispatcher (the client is not thread-safe)."""

    def __init__(self, *, api_key=None, base_url=None, timeout=None):
        api_key = settings.NOTIFY_API_KEY if api_key is None else api_key
        reason = not_configured_reason(api_key)
        if reason:
            raise NotConfigured(reason)
        self.client = NotificationsAPIClient(
            api_key,
            base_url=base_url or settings.NOTIFY_BASE_URL,
            timeout=timeout or settings.NOTIFY_HTTP_TIMEOUT_SECONDS,
        )

    def _call(self, method, *args, **kwargs):
        try:
            return method(*args, **kwargs)
        except APIError as exc:
            status = exc.status_code
            text = _error_text(exc)
            if status == 429 or status >= 500:
                raise Retryable(text, status_code=status) from exc
            if status in (401, 403):
                raise NotConfigured(
                    f"Waiting: Notify refused the API key ({text}). Check NOTIFY_API_KEY.",
                    status_code=status,
                ) from exc
            raise Rejected(text, status_code=status) from exc

    def send(self, *, channel, recipient, template_id, personalisation, reference) -> str:
        """Send one message; return Notify's id for it. Sealed (secret) personalisation is
        opened here, at the last moment, and never written back."""
        try:
            personalisation = sealing.unseal_fields(personalisation)
        except sealing.Unreadable as exc:
            raise Retryable(str(exc)) from exc
        if channel == "sms":
            response = self._call(
                self.client.send_sms_notification,
                phone_number=recipient,
                template_id=template_id,
                personalisation=personalisation,
                reference=reference,
            )
        else:
            response = self._call(
                self.client.send_email_notification,
                email_address=recipient,
                template_id=template_id,
                personalisation=personalisation,
                reference=reference,
            )
        return response["id"]

    def get(self, notification_id) -> Notification:
        data = self._call(self.client.get_notification_by_id, str(notification_id))
        return Notification(
            id=data["id"], reference=data.get("reference") or "", status=data["status"]
        )

    def find_by_reference(self, reference: str) -> list[Notification]:
        """Every notification Notify holds with this reference, newest first."""
        data = self._call(self.client.get_all_notifications, reference=reference)
        return [
            Notification(id=n["id"], reference=n.get("reference") or "", status=n["status"])
            for n in data.get("notifications", [])
        ]
