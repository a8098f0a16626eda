"""What the nDelius integration keeps: messages it could not take (no personal data) and the
runs of the bulk load."""

from django.db import models


class EventProblemReason(models.TextChoices):
    UNPARSEABLE = "unparseable", "The message is not an HMPPS domain event Safeguard can read"
    NO_DETAIL_URL = "no_detail_url", "The event has no detailUrl"
    DETAIL_URL_REFUSED = "detail_url_refused", "The detailUrl is not under DELIUS_API_URL"
    FETCH_FAILED = "fetch_failed", "The case summary could not be fetched"
    BAD_SUMMARY = "bad_summary", "The case summary does not follow the contract"
    UNKNOWN_TEAM = "unknown_team", "No team has the summary's nDelius team code"
    ERROR = "error", "Safeguard failed while bringing the case into step"


class EventProblem(models.Model):
    """A message the consumer left on the queue for its dead-letter redrive: one row per SQS
    message id, counting how often it was received. Never the CRN, names or the detailUrl."""

    message_id = models.CharField(max_length=100, unique=True)
    event_type = models.CharField(max_length=100, blank=True)
    reason = models.CharField(max_length=24, choices=EventProblemReason.choices)
    detail = models.CharField(
        max_length=200, blank=True, help_text="Such as an HTTP status; never personal data."
    )
    times_received = models.PositiveIntegerField(default=1)
    first_seen = models.DateTimeField(auto_now_add=True)
    last_seen = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-last_seen"]
        indexes = [models.Index(fields=["reason", "-last_seen"], name="eventproblem_reason")]

    def __str__(self):
        return f"{self.event_type or 'message'} {self.message_id}: {self.reason}"


class ImportRun(models.Model):
    """One run of ``import_delius``: the counts, never the rows."""

    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    cases = models.PositiveIntegerField(default=0)
    allocations = models.PositiveIntegerField(default=0)
    registrations = models.PositiveIntegerField(default=0)
    bad_rows = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-started_at"]

    def __str__(self):
        return f"nDelius import {self.started_at:%Y-%m-%d %H:%M}"
