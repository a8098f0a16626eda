"""Delivery receipts from Notify: bearer token checked, status recorded, nothing else accepted."""

import uuid

import pytest
from django.utils import timezone

from safeguard.notify.models import Message
from safeguard.notify.services import message_enqueue

URL = "/notify/callbacks/delivery-status"
TOKEN = "callback-token-for-tests-0123456789"


@pytest.fixture
def token(settings):
    settings.NOTIFY_CALLBACK_TOKEN = TOKEN


@pytest.fixture
def sent(org):
    message = message_enqueue(
        person=org["people"]["mine"],
        kind="reminder",
        template_key="appointment_reminder_sms",
        recipient="07700 900123",
        personalisation={
            "first_name": "A",
            "day": "d",
            "time": "t",
            "where": "w",
            "practitioner": "p",
        },
        send_after=timezone.now(),
    )
    Message.objects.filter(pk=message.pk).update(
        status="sent", notify_id=uuid.uuid4(), sent_at=timezone.now(), notify_status="created"
    )
    message.refresh_from_db()
    return message


def receipt(message, status="delivered", **extra):
    return {
        "id": str(message.notify_id),
        "reference": message.reference,
        "to": message.recipient,
        "status": status,
        "created_at": "2026-03-09T12:00:00.000000Z",
        "completed_at": "2026-03-09T12:00:05.000000Z",
        "sent_at": "2026-03-09T12:00:01.000000Z",
        "notification_type": "sms",
        **extra,
    }


def post(client, body, token=TOKEN):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token is not None else {}
    return client.post(URL, body, content_type="application/json", **headers)


@pytest.mark.django_db
def test_a_delivery_receipt_with_the_right_token_is_recorded(client, token, sent):
    response = post(client, receipt(sent))
    assert response.status_code == 200 and response.json() == {"result": "recorded"}
    sent.refresh_from_db()
    assert sent.status == "delivered" and sent.notify_status == "delivered" and sent.completed_at


@pytest.mark.django_db
@pytest.mark.parametrize("bad", [None, "", "wrong-token", TOKEN + "x", "Basic " + TOKEN])
def test_bad_tokens_are_refused_with_401_and_change_nothing(client, token, sent, bad):
    if bad and bad.startswith("Basic"):
        response = client.post(
            URL, receipt(sent), content_type="application/json", HTTP_AUTHORIZATION=bad
        )
    else:
        response = post(client, receipt(sent), token=bad)
    assert response.status_code == 401
    assert "Bearer" in response["WWW-Authenticate"]
    sent.refresh_from_db()
    assert sent.status == "sent"


@pytest.mark.django_db
def test_with_no_token_configured_every_callback_is_refused(client, settings, sent):
    settings.NOTIFY_CALLBACK_TOKEN = ""
    assert post(client, receipt(sent), token="").status_code == 401
    assert post(client, receipt(sent), token="anything").status_code == 401


@pytest.mark.django_db
def test_no_sign_in_or_csrf_needed_but_only_post(client, token, sent):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    assert post(strict, receipt(sent)).status_code == 200
    assert client.get(URL, HTTP_AUTHORIZATION=f"Bearer {TOKEN}").status_code == 405


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body", ["{not json", '{"status": "delivered"}', '{"id": "nope", "status": "x"}', "[]"]
)
def test_malformed_receipts_are_400(client, token, body):
    assert post(client, body).status_code == 400


@pytest.mark.django_db
def test_an_unknown_receipt_is_acknowledged_and_ignored(client, token, sent):
    body = receipt(sent)
    body["id"] = str(uuid.uuid4())
    body["reference"] = "rem-unknown"
    response = post(client, body)
    assert response.status_code == 200 and response.json() == {"result": "ignored"}


@pytest.mark.django_db
def test_a_receipt_for_a_send_we_never_recorded_is_matched_on_reference(client, token, sent):
    # A dispatcher stopped after Notify accepted the message but before recording its id.
    Message.objects.filter(pk=sent.pk).update(status="sending", notify_id=None)
    body = receipt(sent)
    body["id"] = str(uuid.uuid4())
    assert post(client, body).json() == {"result": "recorded"}
    sent.refresh_from_db()
    assert str(sent.notify_id) == body["id"] and sent.status == "delivered"


@pytest.mark.django_db
def test_late_receipts_do_not_undo_a_final_status(client, token, sent):
    post(client, receipt(sent, status="delivered"))
    post(client, receipt(sent, status="sending"))
    sent.refresh_from_db()
    assert sent.status == "delivered" and sent.notify_status == "delivered"


@pytest.mark.django_db
def test_permanent_failure_receipt(client, token, sent, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        post(client, receipt(sent, status="permanent-failure"))
    sent.refresh_from_db()
    assert sent.status == "permanent_failure"
