"""Registrations: nDelius-style flags on a case, with reviews, an end and a full history."""

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords


class RegisterGroup(models.TextChoices):
    RISK_TO_SELF = "risk_to_self", "Risk to self"
    ADULT_AT_RISK = "adult_at_risk", "Adult at risk"
    PUBLIC_PROTECTION = "public_protection", "Public protection"
    RISK_OF_SERIOUS_HARM = "risk_of_serious_harm", "Risk of serious harm"
    MENTAL_HEALTH = "mental_health", "Mental health"
    DOMESTIC_ABUSE = "domestic_abuse", "Domestic abuse"
    CHILDREN = "children", "Children"
    EXPLOITATION = "exploitation", "Exploitation"
    OTHER = "other", "Other"


class Colour(models.TextChoices):
    RED = "red", "Red"
    AMBER = "amber", "Amber"
    GREEN = "green", "Green"


class RegisterType(models.Model):
    """One entry of the register catalogue (data file ``data/register_types.json``)."""

    code = models.CharField(max_length=8, unique=True)
    description = models.CharField(max_length=120)
    group = models.CharField(max_length=32, choices=RegisterGroup.choices)
    colour = models.CharField(max_length=8, choices=Colour.choices)
    review_months = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Empty where the register has no set review period."
    )
    # What matters first on the person's page: 1 risk to self and adult at risk, 2 public
    # protection and RoSH, 3 the rest of the risk groups, 4 other.
    priority = models.PositiveSmallIntegerField(default=3)
    has_level = models.BooleanField(default=False)
    has_category = models.BooleanField(default=False)
    rosh_level = models.CharField(
        max_length=16, blank=True, help_text="For RoSH registers: the OASys level it records."
    )

    class Meta:
        ordering = ["priority", "code"]

    def __str__(self):
        return f"{self.code} {self.description}"


class RegistrationStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    ENDED = "ended", "Ended"


class EndReason(models.TextChoices):
    NO_LONGER_APPLIES = "no_longer_applies", "Risk or need no longer applies"
    SUPERSEDED = "superseded", "Superseded"
    ENTERED_IN_ERROR = "entered_in_error", "Entered in error"
    SUPERVISION_ENDED = "supervision_ended", "Supervision ended"
    OTHER = "other", "Other"


class Registration(models.Model):
    person = models.ForeignKey(
        "people.Person", on_delete=models.CASCADE, related_name="registrations"
    )
    register_type = models.ForeignKey(
        RegisterType, on_delete=models.PROTECT, related_name="registrations"
    )
    status = models.CharField(
        max_length=8, choices=RegistrationStatus.choices, default=RegistrationStatus.ACTIVE
    )
    start_date = models.DateField()
    next_review_date = models.DateField(null=True, blank=True)
    notes = models.TextField(blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="registrations_owned"
    )
    registering_team = models.ForeignKey(
        "core.Team", on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    level = models.PositiveSmallIntegerField(null=True, blank=True)
    category = models.PositiveSmallIntegerField(null=True, blank=True)
    ended_on = models.DateField(null=True, blank=True)
    end_reason = models.CharField(max_length=24, choices=EndReason.choices, blank=True)
    end_notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1)
    # The registration's id in nDelius (integrated mode): how events and the bulk load match it.
    delius_id = models.CharField(
        "nDelius id", max_length=20, null=True, blank=True, unique=True, editable=False
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["register_type__priority", "-start_date"]
        indexes = [
            models.Index(fields=["person", "status"], name="registration_person_status"),
            models.Index(fields=["status", "next_review_date"], name="registration_review_due"),
            models.Index(fields=["register_type", "status"], name="registration_type_status"),
            models.Index(fields=["owner", "status"], name="registration_owner_status"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status="active", ended_on__isnull=True)
                | models.Q(status="ended", ended_on__isnull=False),
                name="registration_end_matches_status",
            ),
            models.CheckConstraint(
                condition=models.Q(category__isnull=True)
                | models.Q(category__gte=1, category__lte=4),
                name="registration_category_range",
            ),
            models.CheckConstraint(
                condition=models.Q(level__isnull=True) | models.Q(level__gte=1, level__lte=3),
                name="registration_level_range",
            ),
        ]

    def __str__(self):
        return f"{self.register_type.code} on person {self.person_id} ({self.status})"

    @property
    def is_active(self):
        return self.status == RegistrationStatus.ACTIVE


class ReviewOutcome(models.TextChoices):
    CONTINUE = "continue", "Continue the registration"
    CONTINUE_CHANGED = "continue_changed", "Continue with changes to the plan"
    END = "end", "End the registration"


class RegistrationReview(models.Model):
    registration = models.ForeignKey(Registration, on_delete=models.CASCADE, related_name="reviews")
    reviewed_on = models.DateField()
    outcome = models.CharField(max_length=24, choices=ReviewOutcome.choices)
    notes = models.TextField(blank=True)
    next_review_date = models.DateField(null=True, blank=True)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-reviewed_on", "-id"]

    def __str__(self):
        return f"Review of registration {self.registration_id} on {self.reviewed_on}"
