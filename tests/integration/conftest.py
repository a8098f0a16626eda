"""The local parts: a real SQS endpoint (moto's server, started once) and the fake nDelius
API (``safeguard.integration.fake_delius``) serving case summaries from a directory."""

import json
import socket
import threading
import uuid

import pytest

from safeguard.core.models import Staff, Team
from safeguard.integration.fake_delius import make_server


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def moto_endpoint():
    from moto.server import ThreadedMotoServer

    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def aws_env(monkeypatch, moto_endpoint):
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_endpoint)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-2")
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    return moto_endpoint


class Queue:
    """A queue of its own for each test, with a dead-letter queue after two receipts."""

    def __init__(self, client, visibility_timeout: int):
        name = f"events-{uuid.uuid4().hex[:12]}"
        self.client = client
        self.dlq_url = client.create_queue(QueueName=f"{name}-dlq")["QueueUrl"]
        dlq_arn = client.get_queue_attributes(QueueUrl=self.dlq_url, AttributeNames=["QueueArn"])[
            "Attributes"
        ]["QueueArn"]
        self.url = client.create_queue(
            QueueName=name,
            Attributes={
                "VisibilityTimeout": str(visibility_timeout),
                "RedrivePolicy": json.dumps(
                    {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": "2"}
                ),
            },
        )["QueueUrl"]

    def send(self, body: str) -> str:
        return self.client.send_message(QueueUrl=self.url, MessageBody=body)["MessageId"]

    def count(self, url=None) -> int:
        attributes = self.client.get_queue_attributes(
            QueueUrl=url or self.url,
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        return int(attributes["ApproximateNumberOfMessages"]) + int(
            attributes["ApproximateNumberOfMessagesNotVisible"]
        )

    def dead_letters(self) -> int:
        return self.count(self.dlq_url)


@pytest.fixture
def queue(aws_env, settings):
    import boto3

    q = Queue(boto3.client("sqs"), visibility_timeout=0)
    settings.HMPPS_EVENTS_QUEUE_URL = q.url
    settings.HMPPS_EVENTS_WAIT_SECONDS = 0
    return q


class FakeDelius:
    def __init__(self, directory, token=""):
        self.directory = directory
        self.server = make_server(directory, token=token)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, crn: str) -> str:
        return f"{self.base}/case/{crn}"

    def put(self, summary: dict) -> str:
        (self.directory / f"{summary['crn']}.json").write_text(json.dumps(summary))
        return self.url(summary["crn"])

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def fake_delius(tmp_path, settings):
    settings.DELIUS_API_TOKEN = "delius-test-token"
    fake = FakeDelius(tmp_path, token="delius-test-token")
    yield fake
    fake.stop()


@pytest.fixture
def demo_codes(org):
    """demo.practitioner's codes on the test organisation: team N07DEM, staff N07DEMP."""
    team = org["team"]
    Team.objects.filter(pk=team.pk).update(code="N07DEM")
    Staff.objects.filter(pk=org["staff"]["practitioner"].pk).update(staff_code="N07DEMP")
    Team.objects.filter(pk=org["staff"]["other_team_pp"].teams.get().pk).update(code="N07OTH")
    Staff.objects.filter(pk=org["staff"]["colleague"].pk).update(staff_code="N07COLL")
    return org


def summary(crn="X100001", *, team="N07DEM", staff="N07DEMP", registrations=(), **overrides):
    data = {
        "crn": crn,
        "name": {"forename": "Robin", "surname": "Synthetic"},
        "dateOfBirth": "1988-04-02",
        "sex": "F",
        "ethnicity": "W1",
        "manager": {"teamCode": team, "staffCode": staff},
        "custody": {"inCustody": False, "expectedReleaseDate": None},
        "registrations": list(registrations),
    }
    data.update(overrides)
    return data


def registration(reg_id="2500000001", code="ALSH", *, active=True, **overrides):
    data = {
        "id": reg_id,
        "typeCode": code,
        "startDate": "2026-10-01",
        "nextReviewDate": "2027-01-01" if active else None,
        "notes": "Synthetic note",
        "active": active,
        "endDate": None if active else "2026-11-01",
    }
    data.update(overrides)
    return data
