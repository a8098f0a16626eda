"""Sweeps run by ``safeguarding_scan`` before the work-item rules (``settings.SAFEGUARD_SWEEPS``).

Each takes ``today`` and returns how many rows it wrote. Both are set-based and idempotent, and
safe to run concurrently: the plan table allows one open plan per person and one plan per
person and release date, and the inserts ignore conflicts.
"""

import datetime as dt

from django.db import transaction
from django.db.models import Exists, F, OuterRef, Subquery

from safeguard.people.models import AccommodationStatus, CustodyStatus, Person
from safeguard.releases.models import PlanStatus, ReleasePlan
from safeguard.releases.selectors import PLAN_OPENS_WEEKS

ACCOMMODATION_CHECK_AFTER = dt.timedelta(weeks=12)
# The 12-week snapshot is taken from the person's record as it is when the sweep runs, so it is
# only taken within this many days of the 12 weeks running out; older releases stay unknown.
ACCOMMODATION_CHECK_GRACE = dt.timedelta(days=28)


def _keep_dates_in_line() -> int:
    """An open plan follows the person's expected release date when it moves (its checklist
    stays), unless the person already has another plan for the new date."""
    expected = Person.objects.filter(pk=OuterRef("person_id")).values("expected_release_date")[:1]
    clash = ReleasePlan.objects.filter(
        person_id=OuterRef("person_id"), release_date=OuterRef("person__expected_release_date")
    ).exclude(pk=OuterRef("pk"))
    moved = (
        ReleasePlan.objects.filter(
            status=PlanStatus.OPEN,
            person__custody_status=CustodyStatus.IN_CUSTODY,
            person__expected_release_date__isnull=False,
        )
        .exclude(release_date=F("person__expected_release_date"))
        .exclude(Exists(clash))
    )
    return moved.update(release_date=Subquery(expected), version=F("version") + 1)


def open_due_release_plans(today: dt.date) -> int:
    """Open a release plan for everyone in custody whose expected release date is in the next
    12 weeks and who has no open plan and no plan for that date. Returns the number of plans
    it tried to open (a concurrent run may have opened some of them first)."""
    _keep_dates_in_line()
    horizon = today + dt.timedelta(weeks=PLAN_OPENS_WEEKS)
    due = (
        Person.objects.filter(
            custody_status=CustodyStatus.IN_CUSTODY,
            expected_release_date__gte=today,
            expected_release_date__lte=horizon,
        )
        .filter(
            ~Exists(ReleasePlan.objects.filter(person_id=OuterRef("pk"), status=PlanStatus.OPEN)),
            ~Exists(
                ReleasePlan.objects.filter(
                    person_id=OuterRef("pk"), release_date=OuterRef("expected_release_date")
                )
            ),
        )
        .order_by()
        .values_list("pk", "expected_release_date")
    )
    plans = [
        ReleasePlan(person_id=person_id, release_date=release_date)
        for person_id, release_date in due.iterator(chunk_size=5000)
    ]
    with transaction.atomic():
        ReleasePlan.objects.bulk_create(plans, batch_size=2000, ignore_conflicts=True)
    return len(plans)


def record_accommodation_at_12_weeks(today: dt.date) -> int:
    """Keep, on each release, the person's accommodation status once 12 weeks have passed."""
    due_by = today - ACCOMMODATION_CHECK_AFTER
    status = Person.objects.filter(pk=OuterRef("person_id")).values("accommodation_status")[:1]
    return ReleasePlan.objects.filter(
        status=PlanStatus.RELEASED,
        released_on__lte=due_by,
        released_on__gte=due_by - ACCOMMODATION_CHECK_GRACE,
        accommodation_at_12_weeks="",
        person__accommodation_status__in=AccommodationStatus.values,
    ).update(accommodation_at_12_weeks=Subquery(status))
