"""While the database cannot be reached, pages and the API say so with a 503 and Retry-After
(never a bare 500), and the first request after it is back is served normally."""

import pytest
from django.db import OperationalError
from django.db.backends.utils import CursorWrapper
from django.test import Client

from safeguard.core.models import Role
from tests.factories import StaffFactory, team_in
from tests.helpers import bearer


@pytest.fixture
def practitioner(db):
    return StaffFactory(username="pp", role=Role.PRACTITIONER, teams=[team_in("KSS", 0)])


@pytest.fixture
def database_down(monkeypatch):
    """Every statement fails as it does while PostgreSQL restarts (the fault tests in bench/
    restart the real server; here the driver's failure is injected at the cursor)."""

    def refuse(self, *args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    def switch(down: bool):
        if down:
            monkeypatch.setattr(CursorWrapper, "execute", refuse)
        else:
            monkeypatch.undo()

    return switch


def test_a_page_says_the_service_is_unavailable_and_recovers(practitioner, database_down):
    client = Client(raise_request_exception=False)
    client.force_login(practitioner)
    database_down(True)
    response = client.get("/my-work/")
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert response["Cache-Control"] == "no-store"
    assert "Sorry, the service is unavailable" in response.content.decode()
    database_down(False)
    assert client.get("/my-work/").status_code == 200


def test_the_api_answers_503_problem_json_and_recovers(practitioner, database_down):
    client = Client(raise_request_exception=False)
    headers = bearer(practitioner)
    database_down(True)
    response = client.get("/api/v1/people", **headers)
    assert response.status_code == 503
    assert response["Content-Type"] == "application/problem+json"
    assert response["Retry-After"] == "30"
    body = response.json()
    assert body["status"] == 503 and body["title"] == "Service unavailable"
    assert "server closed" not in response.content.decode()
    database_down(False)
    assert client.get("/api/v1/people", **headers).status_code == 200


def test_any_other_failure_is_still_a_500(practitioner, monkeypatch):
    client = Client(raise_request_exception=False)
    client.force_login(practitioner)

    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr("safeguard.people.work.my_work_items", broken)
    response = client.get("/my-work/")
    assert response.status_code == 500
    assert "Retry-After" not in response
