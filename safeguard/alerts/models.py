"""The duty rota, and alerts about urgent work items: who was emailed, why, and what happened.

An alert's state is its ``status`` (named constants below), never read from which timestamps
happen to be set.
"""

from django.db import models
from django.db.models import Q


class DutyRotaEntry(models.Model):
    """One member of staff on duty for a team or for a whole PDU over a period (the duty
    officer out of office hours). Entries of one rota may not overlap
    (``services.duty_rota_entry_add``), so who is on duty is never in doubt."""

    team = models.ForeignKey(
        "core.Team", on_delete=models.CASCADE, null=True, blank=True, related_name="duty_rota"
    )
    pdu = models.ForeignKey(
        "core.PDU", on_delete=models.CASCADE, null=True, blank=True, related_name="duty_rota"
    )
    staff = models.ForeignKey(
        "core.Staff", on_delete=models.PROTECT, related_name="duty_rota_entries"
    )
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    added_by = models.ForeignKey("core.Staff", on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["starts_at", "id"]
        verbose_name_plural = "duty rota entries"
        indexes = [
            models.Index(fields=["team", "ends_at"], name="dutyrota_team_ends"),
            models.Index(fields=["pdu", "ends_at"], name="dutyrota_pdu_ends"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(Q(team__isnull=False) & Q(pdu__isnull=True))
                | (Q(team__isnull=True) & Q(pdu__isnull=False)),
                name="dutyrota_team_or_pdu",
            ),
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="dutyrota_ends_after_start"
            ),
        ]

    def __str__(self):
        return f"{self.staff} on duty {self.starts_at:%Y-%m-%d %H:%M} to {self.ends_at:%H:%M}"


class AlertStatus(models.TextChoices):
    SENT = "sent", "Sent"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    ESCALATED = "escalated", "Escalated to the senior probation officers"
    FAILED = "failed", "Failed: nobody could be emailed, or the email did not arrive"


# States an alert can still be acknowledged from.
OPEN_STATUSES = (AlertStatus.SENT, AlertStatus.ESCALATED, AlertStatus.FAILED)


class Alert(models.Model):
    """The alert about one urgent work item: at most one per item, ever (so a sweep that runs
    twice sends once)."""

    work_item = models.OneToOneField(
        "core.WorkItem", on_delete=models.CASCADE, related_name="alert"
    )
    # The item's person and team when it was alerted, so that reads are scoped like any
    # record about a person (``visibility(user, via="person")``).
    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="alerts")
    team = models.ForeignKey("core.Team", on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=16, choices=AlertStatus.choices, default=AlertStatus.SENT)
    status_reason = models.CharField(max_length=200, blank=True)
    out_of_hours = models.BooleanField(default=False)
    # Out of hours with nobody on the team's or the PDU's rota: it went to the team's SPOs.
    nobody_on_duty = models.BooleanField(default=False)
    raised_at = models.DateTimeField()
    escalate_after = models.DateTimeField()
    escalated_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        "core.Staff", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    status_changed_at = models.DateTimeField()

    class Meta:
        ordering = ["-raised_at", "-id"]
        indexes = [
            models.Index(
                fields=["escalate_after"],
                condition=Q(status__in=["sent", "failed"]),
                name="alert_to_escalate",
            ),
            models.Index(fields=["person", "-raised_at"], name="alert_person"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=AlertStatus.values), name="alert_status_valid"
            ),
            models.CheckConstraint(
                condition=~Q(status="acknowledged")
                | (Q(acknowledged_by__isnull=False) & Q(acknowledged_at__isnull=False)),
                name="alert_acknowledged_says_by_whom",
            ),
        ]

    def __str__(self):
        return f"alert on work item {self.work_item_id} ({self.status})"

    @property
    def can_be_acknowledged(self) -> bool:
        return self.status in OPEN_STATUSES


class EmailReason(models.TextChoices):
    PRACTITIONER = "practitioner", "The case's practitioner (office hours)"
    ASSIGNEE = "assignee", "The item's assignee (the case has no practitioner)"
    DUTY_OFFICER = "duty_officer", "The duty officer on the rota (out of hours)"
    NOBODY_ON_DUTY = (
        "nobody_on_duty",
        "A senior officer (SPO, else head of PDU): nobody else could be told",
    )
    SPO_AT_ONCE = "spo_at_once", "A senior officer, told at once for this kind of item"
    ESCALATION = "escalation", "Escalation: not acknowledged in time"


class AlertEmail(models.Model):
    """One member of staff emailed about an alert, and why. The email itself is in the
    outbox (``notify.Message``), with no personal data in it."""

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="emails")
    staff = models.ForeignKey("core.Staff", on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(max_length=16, choices=EmailReason.choices)
    message = models.ForeignKey(
        "notify.Message", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["alert", "staff", "reason"], name="alertemail_once_per_reason"
            )
        ]

    @property
    def is_escalation(self) -> bool:
        return self.reason == EmailReason.ESCALATION
