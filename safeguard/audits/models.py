"""Case audits in the inspectorate's way: an exercise draws a reproducible sample of cases
(criteria, stratified by PDU, a seed), keeps a read-only snapshot of each case as it stood
when the sample was drawn, and auditors answer an audit tool held as data. A second auditor
moderates a share of the cases; every disagreement is resolved and the resolution kept."""

from django.conf import settings
from django.db import models


class AuditToolVersion(models.Model):
    code = models.CharField(max_length=40)
    version = models.PositiveSmallIntegerField()
    content_hash = models.CharField(max_length=64)
    definition = models.JSONField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="audit_tool_version_unique")
        ]

    def __str__(self):
        return f"{self.code} v{self.version}"


class AuditExercise(models.Model):
    title = models.CharField(max_length=200)
    tool = models.ForeignKey(AuditToolVersion, on_delete=models.PROTECT, related_name="+")
    # What was asked for, exactly, so that the same sample can be drawn again:
    # {"registers": [...], "pdus": [...], "per_pdu": N, "seed": S, "moderation_percent": P}
    criteria = models.JSONField()
    seed = models.BigIntegerField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.title


class AuditCaseStatus(models.TextChoices):
    TO_AUDIT = "to_audit", "To audit"
    AUDITED = "audited", "Audited"
    AWAITING_MODERATION = "awaiting_moderation", "Waiting for moderation"
    DISAGREEMENT = "disagreement", "Disagreement to resolve"
    COMPLETE = "complete", "Complete"


class AuditCase(models.Model):
    exercise = models.ForeignKey(AuditExercise, on_delete=models.CASCADE, related_name="cases")
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    pdu = models.ForeignKey("core.PDU", on_delete=models.PROTECT, related_name="+")
    # The case as it stood when the sample was drawn: never changed afterwards.
    snapshot = models.JSONField()
    snapshot_taken_at = models.DateTimeField()
    auditor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    moderated = models.BooleanField(default=False)
    moderator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    status = models.CharField(
        max_length=24, choices=AuditCaseStatus.choices, default=AuditCaseStatus.TO_AUDIT
    )

    class Meta:
        ordering = ["pdu__name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["exercise", "person"], name="audit_case_once"),
            models.CheckConstraint(
                condition=models.Q(moderator__isnull=True)
                | ~models.Q(moderator=models.F("auditor")),
                name="audit_moderator_not_auditor",
            ),
        ]

    def __str__(self):
        return f"Audit case {self.pk}"


class AuditRole(models.TextChoices):
    AUDITOR = "auditor", "Auditor"
    MODERATOR = "moderator", "Moderator"


class AuditAnswer(models.Model):
    case = models.ForeignKey(AuditCase, on_delete=models.CASCADE, related_name="answers")
    role = models.CharField(max_length=12, choices=AuditRole.choices)
    question = models.CharField(max_length=64)
    answer = models.CharField(max_length=16)
    rationale = models.TextField()
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    answered_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["case", "role", "question"], name="audit_answer_once")
        ]


class AuditResolution(models.Model):
    """How a disagreement between the auditor and the moderator was settled."""

    case = models.ForeignKey(AuditCase, on_delete=models.CASCADE, related_name="resolutions")
    question = models.CharField(max_length=64)
    auditor_answer = models.CharField(max_length=16)
    moderator_answer = models.CharField(max_length=16)
    final_answer = models.CharField(max_length=16)
    note = models.TextField()
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    resolved_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["case", "question"], name="audit_resolution_once")
        ]
