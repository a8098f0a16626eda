"""Pathways in the demo: GP registrations, needs practitioners recorded, and the pathways they
offered for the needs they found.

GP registration is known for about ``GP_KNOWN_SHARE`` of people (most registered, about one in
eight not: people in prison and without a home often are not). Practitioners recorded
"maturity" for about ``MATURITY_SHARE`` of 18 to 24 year olds (the young adults pathway) and
"few people to turn to" for about ``ISOLATION_SHARE`` of everyone.

Without offers every need held for four weeks is "a need with no pathway offered" (the rule in
``pathways.rules``): at national scale 146,000 work items, half of demo.practitioner's list.
Here about ``OFFERED_SHARE`` of the people with such a need were offered a pathway for each of
them, in the catalogue's terms (a pathway open to everyone that meets the need, one of its
providers in the person's region), by their practitioner; the rest are left for the rule to
prompt, so the demo still shows the item. Offers are spread over the statuses the service
records, declines with a reason. The needs are found by the rule's own statement
(``unmet_needs``), after everything else about the people is written.

The choices depend only on the seed, the person's CRN and the day, so the same run gives the
same rows on SQLite and PostgreSQL alike.
"""

import datetime as dt
import random

from django.utils import timezone

from safeguard.core.bounds import years_before
from safeguard.demo.weighted import Weighted
from safeguard.pathways.catalogue import catalogue
from safeguard.pathways.models import GPStatus, OfferStatus
from safeguard.pathways.rules import prompted_needs, unmet_needs
from safeguard.people.models import Person, PersonStatus

GP_KNOWN_SHARE = 0.6
GP_STATUSES = Weighted(
    {GPStatus.REGISTERED: 0.85, GPStatus.NOT_REGISTERED: 0.12, GPStatus.NOT_KNOWN: 0.03}
)
PRACTICES = ("Riverside Surgery", "High Street Medical Centre", "Park View Health Centre")
MATURITY_SHARE = 0.3
ISOLATION_SHARE = 0.05
RECORDED_NOTES = {
    "maturity": "Finds it hard to plan ahead and to keep to appointments; new to adult services.",
    "isolation": "Says there is nobody they could call if things went wrong.",
}
OFFERED_SHARE = 0.7
# (status, share): where offers made some weeks ago have got to.
STATUSES = Weighted(
    {
        OfferStatus.OFFERED: 0.15,
        OfferStatus.ACCEPTED: 0.2,
        OfferStatus.STARTED: 0.25,
        OfferStatus.COMPLETED: 0.2,
        OfferStatus.DECLINED: 0.2,
    }
)
DECLINE_REASONS = (
    "They said they did not want it at the moment.",
    "They already get support from another service.",
    "The sessions clash with their work.",
    "They did not feel ready to talk about it yet.",
)
OFFERED_WEEKS_AGO = (1, 26)


def _people():
    return Person.objects.filter(
        status=PersonStatus.SUPERVISED, practitioner__isnull=False
    ).order_by("crn")


def gp_and_recorded_need_rows(*, seed: int, today: dt.date) -> tuple[list[dict], list[dict]]:
    """GP registrations and recorded needs, as rows for ``insert_rows``, people in CRN order."""
    gp_rows, need_rows = [], []
    people = _people().values_list("pk", "crn", "practitioner_id", "date_of_birth")
    for person_id, crn, practitioner_id, born in people:
        rng = random.Random(f"pathways-{seed}-{crn}-{today.isoformat()}")
        if rng.random() < GP_KNOWN_SHARE:
            status = GP_STATUSES.pick(rng)
            gp_rows.append(
                {
                    "person_id": person_id,
                    "status": status,
                    "practice": rng.choice(PRACTICES) if status == GPStatus.REGISTERED else "",
                    "checked_on": today - dt.timedelta(days=rng.randint(35, 365)),
                    "updated_by_id": practitioner_id,
                }
            )
        young = born is not None and born > years_before(today, 25)
        for need, share in (
            ("maturity", MATURITY_SHARE if young else 0),
            ("isolation", ISOLATION_SHARE),
        ):
            if rng.random() < share:
                need_rows.append(
                    {
                        "person_id": person_id,
                        "need": need,
                        "note": RECORDED_NOTES[need],
                        "recorded_on": today - dt.timedelta(days=rng.randint(35, 300)),
                        "recorded_by_id": practitioner_id,
                    }
                )
    return gp_rows, need_rows


def _dates(rng: random.Random, status: str, today: dt.date) -> dict:
    offered = today - dt.timedelta(
        days=rng.randint(7 * OFFERED_WEEKS_AGO[0], 7 * OFFERED_WEEKS_AGO[1])
    )
    dates = {"offered_on": offered}
    decided = min(today, offered + dt.timedelta(days=rng.randint(0, 14)))
    if status == OfferStatus.DECLINED:
        dates["declined_on"] = decided
    elif status in (OfferStatus.ACCEPTED, OfferStatus.STARTED, OfferStatus.COMPLETED):
        dates["accepted_on"] = decided
        if status in (OfferStatus.STARTED, OfferStatus.COMPLETED):
            dates["started_on"] = min(today, decided + dt.timedelta(days=rng.randint(3, 21)))
        if status == OfferStatus.COMPLETED:
            dates["completed_on"] = min(today, dates["started_on"] + dt.timedelta(weeks=8))
    return dates


def offer_rows(*, seed: int, today: dt.date) -> list[dict]:
    """The offers, as rows for ``insert_rows``; people in CRN order, needs in catalogue order."""
    cat = catalogue()
    keys = prompted_needs()
    people = unmet_needs(_people(), today=today).values_list(
        "pk", "crn", "practitioner_id", "pdu__region__code", *[f"unmet_{k}" for k in keys]
    )
    rows = []
    for person_id, crn, practitioner_id, region, *unmet in people:
        if not any(unmet):
            continue
        rng = random.Random(f"pathway-offers-{seed}-{crn}-{today.isoformat()}")
        for key, held in zip(keys, unmet, strict=True):
            if not held or rng.random() >= OFFERED_SHARE:
                continue
            pathway = rng.choice([p for p in cat.pathways_for(key) if p.single_sex is None])
            status = STATUSES.pick(rng)
            dates = _dates(rng, status, today)
            # Recorded on the day it was offered, last changed on its latest date.
            made_at = timezone.make_aware(dt.datetime.combine(dates["offered_on"], dt.time(10)))
            changed_at = timezone.make_aware(dt.datetime.combine(max(dates.values()), dt.time(10)))
            rows.append(
                {
                    "person_id": person_id,
                    "pathway": pathway.key,
                    "need": key,
                    "provider": rng.choice(pathway.providers_in(region or "") or ("",)),
                    "status": status,
                    "reason": rng.choice(DECLINE_REASONS) if status == OfferStatus.DECLINED else "",
                    "created_by_id": practitioner_id,
                    "created_at": made_at,
                    "updated_at": changed_at,
                    **dates,
                }
            )
    return rows
