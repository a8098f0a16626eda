"""Delivery receipts from GOV.UK Notify.

Notify POSTs one JSON receipt per message to the callback URL set for the service, with the
bearer token set there (``NOTIFY_CALLBACK_TOKEN``). Anything else is refused with 401.
"""

import json
import secrets
import uuid

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from safeguard.core.capabilities import public
from safeguard.notify.services import receipt_apply

MAX_BODY = 16 * 1024


def _authorised(request) -> bool:
    expected = settings.NOTIFY_CALLBACK_TOKEN
    header = request.headers.get("Authorization", "")
    if not expected or not header.startswith("Bearer "):
        return False
    return secrets.compare_digest(header[len("Bearer ") :].strip().encode(), expected.encode())


@csrf_exempt  # called by Notify, not by a browser; authenticated by its bearer token
@login_not_required
@require_POST
@public
def delivery_status(request):
    if not _authorised(request):
        response = JsonResponse({"error": "unauthorised"}, status=401)
        response["WWW-Authenticate"] = 'Bearer realm="notify-callbacks"'
        return response
    if len(request.body) > MAX_BODY:
        return JsonResponse({"error": "too large"}, status=413)
    try:
        payload = json.loads(request.body)
        notify_id = str(uuid.UUID(str(payload["id"])))
        status = str(payload["status"])[:32]
        reference = str(payload.get("reference") or "")[:64]
    except (ValueError, KeyError, TypeError):
        return JsonResponse({"error": "a receipt needs an id and a status"}, status=400)
    message = receipt_apply(notify_id=notify_id, reference=reference, status=status)
    # Unknown receipts get 200 too: Notify would otherwise retry a receipt we can never use.
    return JsonResponse({"result": "recorded" if message else "ignored"})
