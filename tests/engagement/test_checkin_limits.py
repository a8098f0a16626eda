"""Limits on the public link pages (check-ins and safety plans): only failed lookups count, per
client address (read through a trusted proxy only when one is configured) and per token, in
fixed windows whose Retry-After is the real time left; a genuine link always opens."""

import pytest
from django.core.cache import cache
from django.test import Client

from safeguard.core.clients import client_address, limit_key
from safeguard.core.ratelimit import Window
from safeguard.engagement import checkins, plan_links
from safeguard.engagement.checkin_views import MAX_FAILURES, MAX_TOKEN_FAILURES
from tests.assessments.helpers import save_plan

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def person(org):
    person = org["people"]["mine"]
    type(person).objects.filter(pk=person.pk).update(mobile="07700900123", email="alex@example.com")
    person.refresh_from_db()
    return person


@pytest.fixture
def token(person, org):
    check_in = checkins.check_in_create(
        person_id=person.pk, channel="sms", actor=org["staff"]["practitioner"]
    )
    return check_in.token


def guesses(client, n, **extra):
    return [client.get(f"/check-in/guess-{i:04d}-guess", **extra).status_code for i in range(n)]


def test_a_genuine_link_opens_after_50_failures_from_the_same_address(token):
    client = Client()
    codes = guesses(client, 50)
    assert codes[:MAX_FAILURES] == [404] * MAX_FAILURES
    assert set(codes[MAX_FAILURES:]) == {429}
    start = client.get(f"/check-in/{token}")
    assert start.status_code == 200 and b"Hello" in start.content
    # ...and can be answered, including the self-harm question, from the same address.
    answered = client.post(f"/check-in/{token}/self_harm", {"self_harm": "yes"})
    assert answered.status_code == 302 and answered["Location"].endswith("/support")


def test_a_genuine_safety_plan_link_opens_after_50_failures(person, org):
    pp = org["staff"]["practitioner"]
    save_plan(person, pp, reasons_for_living="Seeing my grandson")
    link = plan_links.safety_plan_link_send(person_id=person.pk, channel="sms", actor=pp)
    client = Client()
    codes = [client.post(f"/safety-plan/guess-{i:04d}").status_code for i in range(50)]
    assert codes.count(404) == MAX_FAILURES and codes.count(429) == 50 - MAX_FAILURES
    assert client.get(f"/safety-plan/{link.token}").status_code == 200
    opened = client.post(f"/safety-plan/{link.token}")
    assert opened.status_code == 200 and b"Seeing my grandson" in opened.content
    # Used up: it now fails like any other, and counts as a failure.
    assert client.post(f"/safety-plan/{link.token}").status_code == 429


def test_guesses_from_one_address_do_not_stop_another_address(token):
    attacker, other = Client(REMOTE_ADDR="203.0.113.7"), Client(REMOTE_ADDR="198.51.100.20")
    guesses(attacker, MAX_FAILURES + 5)
    assert attacker.get("/check-in/another-guess").status_code == 429
    assert other.get("/check-in/a-mistyped-link").status_code == 404


def test_one_token_is_limited_however_many_addresses_try_it(token):
    used = "a-used-link-that-someone-keeps-opening"
    codes = [
        Client(REMOTE_ADDR=f"198.51.100.{i}").get(f"/check-in/{used}").status_code
        for i in range(1, MAX_TOKEN_FAILURES + 3)
    ]
    assert codes[:MAX_TOKEN_FAILURES] == [404] * MAX_TOKEN_FAILURES
    assert codes[MAX_TOKEN_FAILURES:] == [429, 429]
    # Other links from those addresses are not refused because of it.
    assert Client(REMOTE_ADDR="198.51.100.1").get("/check-in/other").status_code == 404
    assert Client(REMOTE_ADDR="198.51.100.1").get(f"/check-in/{token}").status_code == 200


def test_retry_after_is_the_time_left_in_a_fixed_window(monkeypatch):
    start = 1_800_000_000 - (1_800_000_000 % 600)  # the start of a window
    now = [start + 100.0]
    monkeypatch.setattr(Window, "clock", staticmethod(lambda: now[0]))
    client = Client()
    guesses(client, MAX_FAILURES)
    refused = client.get("/check-in/one-more")
    assert refused.status_code == 429
    assert refused["Retry-After"] == "500"
    assert b"Wait 9 minutes" in refused.content
    # More tries do not push the window on (it is not sliding)...
    now[0] = start + 590.5
    again = client.get("/check-in/and-another")
    assert again.status_code == 429 and again["Retry-After"] == "10"
    # ...and when it ends, the count starts again.
    now[0] = start + 600.0
    assert client.get("/check-in/new-window").status_code == 404


def test_the_proxy_header_is_ignored_unless_configured(settings, token):
    settings.SAFEGUARD_TRUSTED_PROXY_HEADER = ""
    client = Client(REMOTE_ADDR="10.0.0.1")
    # Someone sending their own X-Forwarded-For cannot dodge the limit by changing it.
    codes = [
        client.get(f"/check-in/guess-{i}", HTTP_X_FORWARDED_FOR=f"192.0.2.{i}").status_code
        for i in range(MAX_FAILURES + 2)
    ]
    assert codes[-2:] == [429, 429]


def test_behind_the_load_balancer_each_client_is_limited_on_its_own(settings, token):
    settings.SAFEGUARD_TRUSTED_PROXY_HEADER = "X-Forwarded-For"
    settings.SAFEGUARD_TRUSTED_PROXY_COUNT = 1
    balancer = Client(REMOTE_ADDR="10.0.0.1")  # every request arrives from the balancer
    for i in range(MAX_FAILURES + 2):
        balancer.get(f"/check-in/guess-{i}", HTTP_X_FORWARDED_FOR="203.0.113.7")
    assert balancer.get("/check-in/again", HTTP_X_FORWARDED_FOR="203.0.113.7").status_code == 429
    # A forged left-hand entry does not help: the balancer's own entry (rightmost) counts.
    assert (
        balancer.get("/check-in/again", HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.7").status_code
        == 429
    )
    # Someone else behind the same balancer is not affected.
    assert (
        balancer.get("/check-in/mistyped", HTTP_X_FORWARDED_FOR="198.51.100.20").status_code == 404
    )


class _Request:
    def __init__(self, **meta):
        self.META = meta


@pytest.mark.parametrize(
    ("header", "count", "meta", "expected"),
    [
        ("", 1, {"REMOTE_ADDR": "10.0.0.1", "HTTP_X_FORWARDED_FOR": "203.0.113.7"}, "10.0.0.1"),
        (
            "X-Forwarded-For",
            1,
            {"REMOTE_ADDR": "10.0.0.1", "HTTP_X_FORWARDED_FOR": "203.0.113.7"},
            "203.0.113.7",
        ),
        (
            "X-Forwarded-For",
            1,
            {"REMOTE_ADDR": "10.0.0.1", "HTTP_X_FORWARDED_FOR": "6.6.6.6, 203.0.113.7"},
            "203.0.113.7",
        ),
        (
            "X-Forwarded-For",
            2,
            {"REMOTE_ADDR": "10.0.0.1", "HTTP_X_FORWARDED_FOR": "6.6.6.6, 203.0.113.7, 10.0.0.9"},
            "203.0.113.7",
        ),
        # Fewer entries than proxies, or nonsense where the proxy's entry should be.
        (
            "X-Forwarded-For",
            2,
            {"REMOTE_ADDR": "10.0.0.1", "HTTP_X_FORWARDED_FOR": "203.0.113.7"},
            "10.0.0.1",
        ),
        (
            "X-Forwarded-For",
            1,
            {"REMOTE_ADDR": "10.0.0.1", "HTTP_X_FORWARDED_FOR": "not-an-ip"},
            "10.0.0.1",
        ),
        ("X-Forwarded-For", 1, {"REMOTE_ADDR": "10.0.0.1"}, "10.0.0.1"),
        (
            "X-Real-IP",
            1,
            {"REMOTE_ADDR": "10.0.0.1", "HTTP_X_REAL_IP": "2001:db8::7"},
            "2001:db8::7",
        ),
        (
            "X-Forwarded-For",
            1,
            {"REMOTE_ADDR": "10.0.0.1", "HTTP_X_FORWARDED_FOR": "203.0.113.7:51234"},
            "203.0.113.7",
        ),
        ("", 1, {}, None),
    ],
)
def test_client_address(settings, header, count, meta, expected):
    settings.SAFEGUARD_TRUSTED_PROXY_HEADER = header
    settings.SAFEGUARD_TRUSTED_PROXY_COUNT = count
    assert client_address(_Request(**meta)) == expected


def test_ipv6_clients_are_counted_by_their_64():
    assert limit_key("2001:db8:1:2:aaaa::1") == limit_key("2001:db8:1:2:bbbb::2")
    assert limit_key("2001:db8:1:3::1") != limit_key("2001:db8:1:2::1")
    assert limit_key("::ffff:192.0.2.1") == "192.0.2.1"
    assert limit_key(None) == "unknown"
