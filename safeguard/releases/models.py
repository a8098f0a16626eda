"""Pre-release plans, their checklist items, and the record of the release itself."""

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from safeguard.people.models import AccommodationStatus


class PlanStatus(models.TextChoices):
    OPEN = "open", "Open"
    RELEASED = "released", "Released"
    CLOSED = "closed", "Closed"


class ItemStatus(models.TextChoices):
    NOT_STARTED = "not_started", "Not started"
    IN_PROGRESS = "in_progress", "In progress"
    DONE = "done", "Done"
    NOT_NEEDED = "not_needed", "Not needed"
    DECLINED = "declined", "Declined by the person"


# Nothing more to do about an item in one of these states.
CLOSED_STATUSES = (ItemStatus.DONE, ItemStatus.NOT_NEEDED, ItemStatus.DECLINED)
# Accommodation counts as secured when it is done, or not needed (with a reason); a person who
# declined the accommodation offered still has nowhere to go.
SECURED_STATUSES = (ItemStatus.DONE, ItemStatus.NOT_NEEDED)


class ReleaseAccommodation(models.TextChoices):
    """Where the person went on the night of release."""

    SETTLED = "settled", "Settled"
    TEMPORARY = "temporary", "Temporary"
    APPROVED_PREMISES = "approved_premises", "Approved premises"
    NO_FIXED_ABODE = "no_fixed_abode", "No fixed abode"


# What recording the release does to the person's accommodation status.
ACCOMMODATION_STATUS_FOR = {
    ReleaseAccommodation.SETTLED: AccommodationStatus.SETTLED,
    ReleaseAccommodation.TEMPORARY: AccommodationStatus.TRANSIENT,
    ReleaseAccommodation.APPROVED_PREMISES: AccommodationStatus.APPROVED_PREMISES,
    ReleaseAccommodation.NO_FIXED_ABODE: AccommodationStatus.NO_FIXED_ABODE,
}


class ReleasePlan(models.Model):
    """One release from custody. Opened by the scan 12 weeks before the expected release date;
    owned by whoever holds the case (``person.practitioner``). Recording the release freezes
    the checklist and keeps the facts the measures need, as they were on the day."""

    person = models.ForeignKey(
        "people.Person", on_delete=models.CASCADE, related_name="release_plans"
    )
    release_date = models.DateField(
        help_text="The expected release date; the actual one once released."
    )
    status = models.CharField(max_length=12, choices=PlanStatus.choices, default=PlanStatus.OPEN)
    opened_at = models.DateTimeField(auto_now_add=True)

    # The release, once recorded
    released_on = models.DateField(null=True, blank=True)
    accommodation_type = models.CharField(
        "Accommodation on the night of release",
        max_length=24,
        choices=ReleaseAccommodation.choices,
        blank=True,
    )
    release_address = models.CharField(max_length=300, blank=True)
    release_pdu = models.ForeignKey(
        "core.PDU", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    at_risk_at_release = models.BooleanField(null=True)
    opioid_use_indicated_at_release = models.BooleanField(null=True)
    released_recorded_at = models.DateTimeField(null=True, blank=True)
    released_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # The first 14 days after release
    accommodation_confirmed_at = models.DateTimeField(null=True, blank=True)
    accommodation_confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # The person's accommodation status 12 weeks after release, kept by the scan's sweep.
    accommodation_at_12_weeks = models.CharField(
        max_length=24, choices=AccommodationStatus.choices, blank=True
    )
    closed_reason = models.CharField(max_length=200, blank=True)
    version = models.PositiveIntegerField(default=1)

    history = HistoricalRecords()

    class Meta:
        ordering = ["release_date", "id"]
        indexes = [
            models.Index(fields=["status", "release_date"], name="releaseplan_status_date"),
            models.Index(fields=["status", "released_on"], name="releaseplan_released_on"),
            models.Index(fields=["person", "status"], name="releaseplan_person_status"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "release_date"], name="releaseplan_one_per_release_date"
            ),
            models.UniqueConstraint(
                fields=["person"],
                condition=models.Q(status="open"),
                name="releaseplan_one_open_per_person",
            ),
            models.CheckConstraint(
                condition=models.Q(status="released", released_on__isnull=False)
                | (~models.Q(status="released") & models.Q(released_on__isnull=True)),
                name="releaseplan_released_on_matches_status",
            ),
            models.CheckConstraint(
                condition=models.Q(accommodation_type="")
                | models.Q(accommodation_type__in=ReleaseAccommodation.values),
                name="releaseplan_accommodation_type_valid",
            ),
        ]

    def __str__(self):
        return f"Release plan {self.pk} of person {self.person_id} for {self.release_date}"

    @property
    def is_open(self):
        return self.status == PlanStatus.OPEN

    @property
    def is_released(self):
        return self.status == PlanStatus.RELEASED


class ReleasePlanItem(models.Model):
    """The state of one checklist item on one plan. No row means "not started"."""

    plan = models.ForeignKey(ReleasePlan, on_delete=models.CASCADE, related_name="items")
    key = models.CharField(max_length=48)
    status = models.CharField(
        max_length=16, choices=ItemStatus.choices, default=ItemStatus.NOT_STARTED
    )
    evidence = models.TextField(blank=True)
    reason = models.TextField(blank=True, help_text="Why it is not needed, or why it was declined.")
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    history = HistoricalRecords()

    class Meta:
        ordering = ["plan", "key"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "key"], name="releaseplanitem_one_per_key"),
            models.CheckConstraint(
                condition=models.Q(status__in=ItemStatus.values),
                name="releaseplanitem_status_valid",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="not_needed") | ~models.Q(reason=""),
                name="releaseplanitem_not_needed_has_reason",
            ),
        ]
        indexes = [models.Index(fields=["key", "status"], name="releaseplanitem_key_status")]

    def __str__(self):
        return f"{self.key} on release plan {self.plan_id}: {self.status}"
