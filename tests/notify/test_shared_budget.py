"""One Notify budget for every sender: however many dispatchers run, in however many
processes, their sends are spaced to stay under the key's limit."""

import datetime as dt
import threading

import pytest
from django.db import connection, connections
from django.utils import timezone

from safeguard.notify.dispatch import SharedBudget
from safeguard.notify.models import SendBudget


@pytest.mark.django_db
def test_two_senders_get_disjoint_evenly_spaced_slots():
    now = timezone.now()
    first, second = SharedBudget(600), SharedBudget(600)  # 10 a second in total
    a = first.reserve(3, now=now)
    b = second.reserve(2, now=now)
    slots = a + b
    assert len(set(slots)) == 5
    gaps = [later - earlier for earlier, later in zip(slots, slots[1:], strict=False)]
    assert set(gaps) == {dt.timedelta(milliseconds=100)}
    assert SendBudget.objects.get().next_at == now + dt.timedelta(milliseconds=500)


@pytest.mark.django_db
def test_an_idle_budget_starts_from_now_not_from_the_past():
    past = timezone.now() - dt.timedelta(hours=1)
    SendBudget.objects.create(key="notify", next_at=past)
    now = timezone.now()
    assert SharedBudget(60).reserve(1, now=now) == [now]


@pytest.mark.django_db
def test_unlimited_sends_at_once_and_writes_nothing():
    now = timezone.now()
    assert SharedBudget(0).reserve(4, now=now) == [now] * 4
    assert not SendBudget.objects.exists()


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL concurrency (the in-memory SQLite test database is one connection)",
)
@pytest.mark.django_db(transaction=True)
def test_concurrent_senders_on_their_own_connections_never_share_a_slot():
    """Threads stand for processes: each has its own database connection and its own
    SharedBudget, as separate dispatcher processes would."""
    now = timezone.now()
    SendBudget.objects.create(key="notify", next_at=now)
    taken, errors = [], []

    def sender():
        try:
            for _ in range(5):
                taken.extend(SharedBudget(6000).reserve(4, now=now))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=sender) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert len(taken) == 80 and len(set(taken)) == 80
    assert max(taken) - min(taken) == dt.timedelta(milliseconds=10) * 79
