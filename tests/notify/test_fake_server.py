"""The fake Notify server, driven by the official client over a real socket."""

import time
import uuid

import jwt
import pytest
import requests
from notifications_python_client.errors import HTTPError
from notifications_python_client.notifications import NotificationsAPIClient

from safeguard.notify.catalogue import template
from tests.notify.fakes import OTHER_KEY, SECRET, SERVICE_ID, TEST_API_KEY

REMINDER = template("appointment_reminder_sms")
FIELDS = {
    "first_name": "Alex",
    "day": "Tuesday 3 March",
    "time": "2:30pm",
    "where": "Place: 1 Test Street.",
    "practitioner": "Sam Tester",
}


@pytest.fixture
def client(fake_notify):
    return NotificationsAPIClient(TEST_API_KEY, base_url=fake_notify.url)


def send(client, number="07700 900123", reference="rem-1"):
    return client.send_sms_notification(
        phone_number=number, template_id=REMINDER.id, personalisation=FIELDS, reference=reference
    )


def test_sms_is_accepted_rendered_and_can_be_read_back(client):
    response = send(client)
    assert uuid.UUID(response["id"])
    assert response["reference"] == "rem-1"
    assert "Tuesday 3 March at 2:30pm" in response["content"]["body"]
    notification = client.get_notification_by_id(response["id"])
    assert notification["status"] == "delivered"
    assert notification["phone_number"] == "07700900123"
    assert notification["type"] == "sms"


def test_email_is_accepted(client):
    email = template("appointment_reminder_email")
    response = client.send_email_notification(
        email_address="alex@example.com", template_id=email.id, personalisation=FIELDS
    )
    assert response["content"]["subject"] == "Your probation appointment on Tuesday 3 March"


@pytest.mark.parametrize(
    ("number", "status"),
    [("07700900002", "permanent-failure"), ("07700900003", "temporary-failure")],
)
def test_notify_test_numbers_fail_as_in_notify(client, number, status):
    notification_id = send(client, number=number)["id"]
    assert client.get_notification_by_id(notification_id)["status"] == status


def test_a_key_for_another_secret_is_refused_with_403(fake_notify):
    other = NotificationsAPIClient(OTHER_KEY, base_url=fake_notify.url)
    with pytest.raises(HTTPError) as error:
        send(other)
    assert error.value.status_code == 403
    assert fake_notify.state.stats()["notifications"] == 0


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer not-a-jwt"},
        {"Authorization": "Basic abc"},
    ],
)
def test_requests_without_a_valid_jwt_are_refused(fake_notify, headers):
    response = requests.get(f"{fake_notify.url}/v2/notifications", headers=headers, timeout=5)
    assert response.status_code in (401, 403)
    assert response.json()["errors"][0]["error"] == "AuthError"


def test_an_old_token_or_the_wrong_service_is_refused(fake_notify):
    old = jwt.encode({"iss": SERVICE_ID, "iat": int(time.time()) - 120}, SECRET, "HS256")
    wrong_iss = jwt.encode({"iss": str(uuid.uuid4()), "iat": int(time.time())}, SECRET, "HS256")
    for token in (old, wrong_iss):
        response = requests.get(
            f"{fake_notify.url}/v2/notifications",
            headers={"Authorization": f"Bearer {token}"},
            timeout=5,
        )
        assert response.status_code == 403


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"phone_number": "01632 960 001"}, "Not a UK mobile number"),
        ({"template_id": "not-a-uuid"}, "template_id is not a valid UUID"),
        ({"template_id": str(uuid.uuid4())}, "Template not found"),
        ({"personalisation": {"first_name": "Alex"}}, "Missing personalisation"),
    ],
)
def test_bad_requests_get_notifys_400s(client, kwargs, message):
    args = {
        "phone_number": "07700900123",
        "template_id": REMINDER.id,
        "personalisation": FIELDS,
        **kwargs,
    }
    with pytest.raises(HTTPError) as error:
        client.send_sms_notification(**args)
    assert error.value.status_code == 400
    assert message in str(error.value.message)


def test_listing_filters_by_reference_and_status_and_pages_by_250(client, fake_notify):
    for n in range(260):
        send(client, reference=f"rem-{n}")
    send(client, number="07700900002", reference="rem-bad")
    assert [
        n["reference"] for n in client.get_all_notifications(reference="rem-7")["notifications"]
    ] == ["rem-7"]
    failed = client.get_all_notifications(status="failed")["notifications"]
    assert [n["reference"] for n in failed] == ["rem-bad"]
    first = client.get_all_notifications()
    assert len(first["notifications"]) == 250
    assert first["notifications"][0]["reference"] == "rem-bad"  # newest first
    assert "next" in first["links"]
    everything = list(client.get_all_notifications_iterator())
    assert len(everything) == 261
    assert len({n["id"] for n in everything}) == 261


def test_unknown_notification_is_404(client):
    with pytest.raises(HTTPError) as error:
        client.get_notification_by_id(str(uuid.uuid4()))
    assert error.value.status_code == 404


def test_more_than_the_rate_limit_in_a_minute_gets_429(fake_notify, client):
    fake_notify.state.rate_limit = 5
    for n in range(5):
        send(client, reference=f"rem-{n}")
    with pytest.raises(HTTPError) as error:
        send(client, reference="rem-6")
    assert error.value.status_code == 429
    assert "RateLimitError" in str(error.value.message)


def test_status_stays_sending_until_delivery(fake_notify, client):
    fake_notify.state.delivery_seconds = 60
    notification_id = send(client)["id"]
    assert client.get_notification_by_id(notification_id)["status"] == "sending"
