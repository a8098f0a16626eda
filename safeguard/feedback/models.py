"""Feedback from people on probation: survey versions, offices, links and tablet sessions that
collect answers, the (anonymous) responses, and "you said, we did" actions.

A response carries no person unless the person asked to be contacted: the link or tablet
session that collected it is kept apart from it, and the response holds only the day it was
answered, never the time."""

from django.conf import settings
from django.db import models


class SurveyVersion(models.Model):
    """A published survey version, exactly as its data file held it (pinned by hash)."""

    code = models.CharField(max_length=40)
    version = models.PositiveSmallIntegerField()
    content_hash = models.CharField(max_length=64)
    definition = models.JSONField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="survey_version_unique")
        ]
        ordering = ["code", "-version"]

    def __str__(self):
        return f"{self.code} v{self.version}"


class Office(models.Model):
    """A probation office. Appointments in the office whose location is ``location`` are the
    appointments "held there"."""

    code = models.CharField(max_length=16, unique=True)
    name = models.CharField(max_length=120)
    pdu = models.ForeignKey("core.PDU", on_delete=models.PROTECT, related_name="offices")
    location = models.CharField(
        max_length=200, help_text="The location appointments at this office are booked with."
    )

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Source(models.TextChoices):
    LINK = "link", "Link sent by text or email"
    TABLET = "tablet", "Tablet in the office"
    PAPER = "paper", "Paper form entered by staff"
    IMPORT = "import", "Imported file"
    API = "api", "API"


class SessionKind(models.TextChoices):
    LINK = "link", "Link sent to the person"
    TABLET = "tablet", "Tablet in the office"


class OfficeTablet(models.Model):
    """A tablet set up in an office: its address (32 random bytes, only the hash kept) starts
    a fresh anonymous survey for each person, with no sign-in."""

    token_hash = models.CharField(max_length=64, unique=True)
    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="tablets")
    survey = models.ForeignKey(SurveyVersion, on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"Tablet {self.pk} at {self.office}"


class SurveySession(models.Model):
    """One person answering a survey, one question a page: through a single-use link sent to
    them (``person`` set, to send it) or on an office tablet (no person). The answers are kept
    here only until they are sent, then cleared; the response made from them names no one
    unless the person asked to be contacted."""

    kind = models.CharField(max_length=8, choices=SessionKind.choices)
    token_hash = models.CharField(max_length=64, unique=True)
    survey = models.ForeignKey(SurveyVersion, on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(
        "people.Person",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="feedback_links",
    )
    tablet = models.ForeignKey(
        OfficeTablet, on_delete=models.CASCADE, null=True, blank=True, related_name="sessions"
    )
    pdu = models.ForeignKey("core.PDU", on_delete=models.PROTECT, null=True, related_name="+")
    office = models.ForeignKey(Office, on_delete=models.SET_NULL, null=True, blank=True)
    channel = models.CharField(max_length=8, blank=True)
    message = models.OneToOneField(
        "notify.Message", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    draft = models.JSONField(default=dict, blank=True)
    completed_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["person", "-created_at"], name="feedback_session_person")]

    def __str__(self):
        return f"Survey session {self.pk} ({self.kind})"


class FeedbackResponse(models.Model):
    survey = models.ForeignKey(SurveyVersion, on_delete=models.PROTECT, related_name="responses")
    source = models.CharField(max_length=8, choices=Source.choices)
    pdu = models.ForeignKey(
        "core.PDU", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    office = models.ForeignKey(
        Office, on_delete=models.SET_NULL, null=True, blank=True, related_name="responses"
    )
    answered_on = models.DateField()
    sex = models.CharField(max_length=24, blank=True)
    age_band = models.CharField(max_length=24, blank=True)
    # Only when the person asked to be contacted (a link sent to them): otherwise anonymous.
    contact_requested = models.BooleanField(default=False)
    person = models.ForeignKey(
        "people.Person",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="feedback_contact_requests",
    )
    # Someone in the PDU got in touch, as the person asked (never for anonymous responses).
    contacted_at = models.DateTimeField(null=True, blank=True)
    contacted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    contact_note = models.CharField(max_length=500, blank=True)
    # Makes a re-loaded file add nothing twice: the row's own id, or a hash of its content.
    import_key = models.CharField(max_length=64, null=True, blank=True, unique=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-answered_on", "-id"]
        indexes = [models.Index(fields=["survey", "answered_on"], name="feedback_resp_day")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(person__isnull=True) | models.Q(contact_requested=True),
                name="feedback_named_only_if_contact_asked",
            )
        ]

    def __str__(self):
        return f"Response {self.pk}"


class FeedbackAnswer(models.Model):
    """One answer (``yes``, ``no`` or ``not_sure``) to one question: one row each, so that
    every figure is a grouped count."""

    response = models.ForeignKey(FeedbackResponse, on_delete=models.CASCADE, related_name="answers")
    question = models.CharField(max_length=48)
    answer = models.CharField(max_length=16)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["response", "question"], name="feedback_answer_once")
        ]
        indexes = [models.Index(fields=["question", "answer"], name="feedback_answer_q")]


class FeedbackComment(models.Model):
    """A free-text answer. Shown to leads only where at least 5 people answered it."""

    response = models.ForeignKey(
        FeedbackResponse, on_delete=models.CASCADE, related_name="comments"
    )
    question = models.CharField(max_length=48)
    text = models.TextField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["response", "question"], name="feedback_comment_once")
        ]


class ActionStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    IN_PROGRESS = "in_progress", "In progress"
    DONE = "done", "Done"


class YouSaidWeDid(models.Model):
    """An action a PDU or regional lead took on what people said, published on the public
    "you said, we did" page and poster."""

    theme = models.CharField(max_length=48, help_text="The survey question this is about.")
    you_said = models.CharField(max_length=500)
    we_did = models.CharField(max_length=1000)
    due_on = models.DateField()
    status = models.CharField(
        max_length=16, choices=ActionStatus.choices, default=ActionStatus.PLANNED
    )
    pdu = models.ForeignKey(
        "core.PDU", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    region = models.ForeignKey(
        "core.Region", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["status", "due_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(pdu__isnull=False) | models.Q(region__isnull=False),
                name="yswd_has_an_area",
            )
        ]

    def __str__(self):
        return f"You said, we did {self.pk}"
