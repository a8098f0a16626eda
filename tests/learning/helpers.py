"""Deaths, reviews and training records for the learning tests."""

import datetime as dt

from django.utils import timezone

from safeguard.learning import services
from safeguard.learning.models import DeathReview, ReviewStatus
from safeguard.releases.models import PlanStatus, ReleasePlan
from safeguard.training.models import TrainingCourse, TrainingRecord
from safeguard.training.services import expiry_for

TODAY = None


def today():
    return timezone.localdate()


def record_death(person, actor, *, days_ago=3, circumstances="self_inflicted", **overrides):
    data = {
        "person_id": person.pk,
        "date_of_death": today() - dt.timedelta(days=days_ago),
        "date_notified": today() - dt.timedelta(days=max(days_ago - 1, 0)),
        "how_notified": "police",
        "circumstances": circumstances,
        "place": "Home address",
        "actor": actor,
    }
    data.update(overrides)
    return services.death_notification_record(**data)


def released(person, actor, *, days_ago, accommodation="no_fixed_abode"):
    """A release from custody ``days_ago`` days ago (a released plan, as the releases area
    records it)."""
    day = today() - dt.timedelta(days=days_ago)
    return ReleasePlan.objects.create(
        person=person,
        release_date=day,
        status=PlanStatus.RELEASED,
        released_on=day,
        accommodation_type=accommodation,
        released_recorded_by=actor,
        released_recorded_at=timezone.now(),
    )


def start(review: DeathReview, reviewer, actor=None):
    return services.review_transition(
        review_id=review.pk, to=ReviewStatus.IN_REVIEW, reviewer=reviewer, actor=actor or reviewer
    )


def complete(review: DeathReview, reviewer, manager, *, factors=("SF01",)):
    """Take a review from notified to quality assured, coding ``factors``."""
    start(review, reviewer, manager)
    for code in factors:
        services.review_factor_code(
            review_id=review.pk, factor=code, evidence=f"Evidence for {code}", actor=reviewer
        )
    review.refresh_from_db()
    services.review_findings_update(
        review_id=review.pk,
        version=review.version,
        summary="What happened",
        learning="What the system should change",
        actor=reviewer,
    )
    return services.review_transition(
        review_id=review.pk, to=ReviewStatus.QUALITY_ASSURED, actor=manager
    )


def suicide_prevention():
    return TrainingCourse.objects.get(code="SP-CORE")


def trained(staff, *, days_ago, course=None, recorded_by=None):
    course = course or suicide_prevention()
    completed = today() - dt.timedelta(days=days_ago)
    return TrainingRecord.objects.create(
        staff=staff,
        course=course,
        completed_on=completed,
        expires_on=expiry_for(course, completed),
        source="entered",
        recorded_by=recorded_by or staff,
    )
