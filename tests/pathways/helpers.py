"""Builders for the pathway tests."""

import datetime as dt

from django.utils import timezone

from safeguard.pathways import services
from safeguard.pathways.models import PathwayOffer


def today():
    return timezone.localdate()


def days_ago(n: int) -> dt.datetime:
    return timezone.now() - dt.timedelta(days=n)


def offer(person, actor, pathway="trauma_support", **kwargs) -> PathwayOffer:
    return services.pathway_offer_record(
        person_id=person.pk, pathway=pathway, actor=actor, **kwargs
    )


def post(client, url, payload, staff):
    from tests.helpers import bearer

    return client.post(url, payload, content_type="application/json", **bearer(staff))
