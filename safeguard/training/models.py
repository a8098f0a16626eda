"""Suicide-prevention and other mandatory training: the courses and who completed them when.
The tables were created by the learning app, where training began, and keep their names."""

from django.conf import settings
from django.db import models


class TrainingCourse(models.Model):
    """One course from ``data/training_courses.json``, loaded by a migration."""

    code = models.CharField(max_length=24, unique=True)
    title = models.CharField(max_length=160)
    description = models.TextField(blank=True)
    mandatory_for = models.JSONField(
        default=list, blank=True, help_text="Roles for whom the course is mandatory."
    )
    renewal_months = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Empty when a completion never lapses."
    )
    active = models.BooleanField(default=True)

    class Meta:
        db_table = "learning_trainingcourse"
        ordering = ["code"]

    def __str__(self):
        return self.title

    @property
    def is_mandatory(self):
        return bool(self.mandatory_for)


class TrainingSource(models.TextChoices):
    IMPORT = "import", "CSV import"
    ENTERED = "entered", "Entered by hand"
    API = "api", "API"


class TrainingRecord(models.Model):
    """A member of staff completed a course on a day. Re-importing the same completion finds
    the existing row (unique staff, course and date) and adds nothing."""

    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="training_records"
    )
    course = models.ForeignKey(TrainingCourse, on_delete=models.PROTECT, related_name="records")
    completed_on = models.DateField()
    expires_on = models.DateField(null=True, blank=True)
    source = models.CharField(max_length=8, choices=TrainingSource.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "learning_trainingrecord"
        ordering = ["-completed_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["staff", "course", "completed_on"], name="trainingrecord_once_per_day"
            ),
            models.CheckConstraint(
                condition=models.Q(expires_on__isnull=True)
                | models.Q(expires_on__gt=models.F("completed_on")),
                name="trainingrecord_expires_after_completion",
            ),
        ]
        indexes = [
            models.Index(fields=["staff", "course", "-completed_on"], name="training_latest"),
        ]

    def __str__(self):
        return f"{self.course_id} by {self.staff_id} on {self.completed_on}"
