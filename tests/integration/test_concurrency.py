"""Several consumers at once on PostgreSQL: the same events taken by two consumers at the
same moment still leave one case, one allocation and one row per nDelius registration."""

import threading

import pytest
from django.db import connection, connections

from safeguard.integration.consumer import Consumer
from safeguard.integration.events import event_body
from safeguard.integration.models import EventProblem
from safeguard.people.models import Person
from safeguard.registrations.models import Registration
from tests.integration.conftest import registration, summary

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL"),
]


def test_two_consumers_on_the_same_events_leave_one_case(queue, fake_delius, demo_codes):
    crns = [f"X5{n:05d}" for n in range(4)]
    for n, crn in enumerate(crns):
        url = fake_delius.put(
            summary(
                crn, registrations=[registration(f"45{n:08d}"), registration(f"46{n:08d}", "RVLN")]
            )
        )
        for event_type in (
            "probation-case.engagement.created",
            "probation-case.registration.added",
        ) * 3:
            queue.send(event_body(event_type, crn, url))
    errors = []

    def run():
        try:
            Consumer(queue_url=queue.url, wait_seconds=0, max_messages=3).run(until_empty=True)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors
    assert Person.objects.filter(crn__in=crns).count() == 4
    for crn in crns:
        person = Person.objects.get(crn=crn)
        assert person.allocations.count() == 1 and person.registrations.count() == 2
    assert Registration.objects.filter(delius_id__startswith="4").count() == 8
    assert not EventProblem.objects.exists()
    assert queue.count() == 0
