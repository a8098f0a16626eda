"""Appointments, reminder preferences, remote check-ins and travel support."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords


class AppointmentKind(models.TextChoices):
    OFFICE = "office", "Office"
    HOME_VISIT = "home_visit", "Home visit"
    PHONE = "phone", "Phone call"
    VIDEO = "video", "Video call"
    # At a partner agency's premises instead of the probation office (issue 15).
    PARTNER_AGENCY = "partner_agency", "At a partner agency"
    REMOTE_CHECK_IN = "remote_check_in", "Remote check-in"


class Outcome(models.TextChoices):
    ATTENDED = "attended", "Attended"
    FAILED_TO_ATTEND = "failed_to_attend", "Failed to attend"
    ACCEPTABLE_ABSENCE = "acceptable_absence", "Acceptable absence"
    CANCELLED_BY_PROBATION = "cancelled_by_probation", "Cancelled by probation"
    CANCELLED_BY_PERSON = "cancelled_by_person", "Cancelled by the person"
    RESCHEDULED = "rescheduled", "Rescheduled"


# Outcomes recorded after the appointment time; the others change the plan before it.
ATTENDANCE_OUTCOMES = (Outcome.ATTENDED, Outcome.FAILED_TO_ATTEND, Outcome.ACCEPTABLE_ABSENCE)


class MovedBy(models.TextChoices):
    PROBATION = "probation", "Probation"
    PERSON = "person", "The person"


class Appointment(models.Model):
    """One appointment. A reschedule ends this one (outcome ``rescheduled``) and makes a new one
    that points back to it, so the chain of moves is kept."""

    person = models.ForeignKey(
        "people.Person", on_delete=models.CASCADE, related_name="appointments"
    )
    kind = models.CharField(max_length=16, choices=AppointmentKind.choices)
    location = models.CharField(max_length=200, blank=True)
    starts_at = models.DateTimeField()
    duration_minutes = models.PositiveSmallIntegerField(default=60)
    practitioner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="appointments",
    )
    outcome = models.CharField(max_length=24, choices=Outcome.choices, blank=True)
    outcome_reason = models.CharField(max_length=500, blank=True)
    moved_by = models.CharField(
        max_length=16,
        choices=MovedBy.choices,
        blank=True,
        help_text="Who cancelled or moved it (for cancellations and reschedules).",
    )
    outcome_recorded_at = models.DateTimeField(null=True, blank=True)
    outcome_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    rescheduled_from = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="rescheduled_to",
    )
    # A welfare follow-up after a missed appointment (see rules.MISSED_APPOINTMENT_WELFARE).
    welfare_checked_at = models.DateTimeField(null=True, blank=True)
    welfare_checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    welfare_note = models.CharField(max_length=500, blank=True)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1)

    history = HistoricalRecords()

    class Meta:
        ordering = ["starts_at", "id"]
        indexes = [
            models.Index(fields=["person", "starts_at"], name="appointment_person_start"),
            models.Index(fields=["practitioner", "starts_at"], name="appointment_pp_start"),
            models.Index(fields=["outcome", "outcome_recorded_at"], name="appointment_outcome_at"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(duration_minutes__gte=5, duration_minutes__lte=480),
                name="appointment_duration_range",
            ),
            models.CheckConstraint(
                condition=models.Q(outcome="") | models.Q(outcome__in=Outcome.values),
                name="appointment_outcome_valid",
            ),
            models.CheckConstraint(
                condition=~models.Q(
                    outcome__in=[
                        Outcome.RESCHEDULED,
                        Outcome.CANCELLED_BY_PROBATION,
                        Outcome.CANCELLED_BY_PERSON,
                    ]
                )
                | ~models.Q(moved_by=""),
                name="appointment_move_has_mover",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} for person {self.person_id} at {self.starts_at}"

    @property
    def is_open(self):
        """Still planned: no outcome yet."""
        return not self.outcome

    @property
    def ends_at(self):
        from datetime import timedelta

        return self.starts_at + timedelta(minutes=self.duration_minutes)


class ReminderChannel(models.TextChoices):
    SMS = "sms", "Text message"
    EMAIL = "email", "Email"
    BOTH = "both", "Text message and email"
    NONE = "none", "No reminders"


class SummaryFrequency(models.TextChoices):
    NONE = "none", "No summary"
    WEEKLY = "weekly", "Every week"
    FORTNIGHTLY = "fortnightly", "Every 2 weeks"


DEFAULT_LEAD_TIMES = [48, 2]


class MessageWording(models.TextChoices):
    """How the messages to the person are worded (templates in ``safeguard.notify.catalogue``).
    Automatic: discreet for someone registered as a domestic abuse victim (ADVV), easy read
    when their communication needs ask for it (a learning disability or help with reading),
    otherwise standard."""

    AUTOMATIC = "automatic", "Decide from their record"
    STANDARD = "standard", "Standard"
    EASY_READ = "easy_read", "Easy read: short sentences, one idea each"
    DISCREET = "discreet", "Discreet: no mention of probation or of their practitioner's name"


class ReminderPreferences(models.Model):
    """How a person wants to be reminded, recorded with their consent. Their mobile number and
    email address live on the person's record."""

    person = models.OneToOneField(
        "people.Person", on_delete=models.CASCADE, related_name="reminder_preferences"
    )
    channel = models.CharField(
        max_length=8, choices=ReminderChannel.choices, default=ReminderChannel.NONE
    )
    lead_times_hours = models.JSONField(default=list)
    wording = models.CharField(
        max_length=12, choices=MessageWording.choices, default=MessageWording.AUTOMATIC
    )
    summary = models.CharField(
        max_length=12, choices=SummaryFrequency.choices, default=SummaryFrequency.NONE
    )
    consent = models.BooleanField(default=False)
    consent_recorded_at = models.DateTimeField(null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    last_summary_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    history = HistoricalRecords()

    class Meta:
        verbose_name_plural = "reminder preferences"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(channel__in=ReminderChannel.values),
                name="reminder_channel_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(consent=True) | models.Q(channel="none", summary="none"),
                name="reminders_need_consent",
            ),
        ]

    def __str__(self):
        return f"Reminder preferences of person {self.person_id}"

    @property
    def channels(self) -> list[str]:
        if not self.consent or self.channel == ReminderChannel.NONE:
            return []
        if self.channel == ReminderChannel.BOTH:
            return ["sms", "email"]
        return [self.channel]


# ---- remote check-ins ---------------------------------------------------------------------


class CheckInFrequency(models.TextChoices):
    ONE_OFF = "one_off", "Once"
    WEEKLY = "weekly", "Every week"
    FORTNIGHTLY = "fortnightly", "Every 2 weeks"


class CheckInSchedule(models.Model):
    """Regular check-ins: the sweep sends the next one when it falls due."""

    person = models.ForeignKey(
        "people.Person", on_delete=models.CASCADE, related_name="check_in_schedules"
    )
    frequency = models.CharField(max_length=12, choices=CheckInFrequency.choices)
    channel = models.CharField(max_length=8, choices=[("sms", "Text"), ("email", "Email")])
    next_due_at = models.DateTimeField()
    active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["active", "next_due_at"], name="checkin_schedule_due")]

    def __str__(self):
        return f"{self.get_frequency_display()} check-ins for person {self.person_id}"


class SelfHarmAnswer(models.TextChoices):
    YES = "yes", "Yes"
    NO = "no", "No"
    RATHER_NOT_SAY = "rather_not_say", "I would rather not say"


HELP_TOPICS = [
    ("housing", "Somewhere to live"),
    ("money", "Money"),
    ("travel", "Getting to appointments"),
    ("health", "Physical health"),
    ("mental_health", "Mental health"),
    ("drugs_alcohol", "Drugs or alcohol"),
]


class CheckIn(models.Model):
    """One remote check-in. The link carries a random token; only its hash is stored. It works
    until ``expires_at`` and until the answers are sent."""

    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="check_ins")
    schedule = models.ForeignKey(
        CheckInSchedule, on_delete=models.SET_NULL, null=True, blank=True, related_name="check_ins"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    channel = models.CharField(max_length=8)
    message = models.OneToOneField(
        "notify.Message", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()

    started_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    feeling = models.PositiveSmallIntegerField(null=True, blank=True)
    self_harm = models.CharField(max_length=16, choices=SelfHarmAnswer.choices, blank=True)
    self_harm_reported_at = models.DateTimeField(null=True, blank=True)
    out_of_hours = models.BooleanField(
        default=False, help_text="A self-harm answer outside office hours also goes to the SPO."
    )
    help_with = models.JSONField(default=list, blank=True)
    call_back = models.BooleanField(null=True, blank=True)
    anything_else = models.TextField(blank=True)

    followed_up_at = models.DateTimeField(null=True, blank=True)
    followed_up_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    follow_up_note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["person", "-created_at"], name="checkin_person"),
            models.Index(fields=["expires_at"], name="checkin_expiry"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(feeling__isnull=True) | models.Q(feeling__gte=1, feeling__lte=5),
                name="checkin_feeling_range",
            ),
        ]

    def __str__(self):
        return f"Check-in {self.pk} for person {self.person_id}"

    @property
    def needs_follow_up(self):
        return self.followed_up_at is None and (
            self.self_harm == SelfHarmAnswer.YES or self.call_back is True
        )


# ---- travel support -----------------------------------------------------------------------


class TravelMode(models.TextChoices):
    BUS = "bus", "Bus or coach"
    TRAIN = "train", "Train, tram or underground"
    TAXI = "taxi", "Taxi"
    FUEL = "fuel", "Fuel or mileage"
    OTHER = "other", "Other"


class TravelStatus(models.TextChoices):
    REQUESTED = "requested", "Requested"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Not approved"
    PAID = "paid", "Paid"


class TravelSupportRequest(models.Model):
    """Help with the cost of getting to probation. ``pdu`` is where the cost falls, kept as it
    was when the request was made."""

    person = models.ForeignKey(
        "people.Person", on_delete=models.CASCADE, related_name="travel_requests"
    )
    pdu = models.ForeignKey("core.PDU", on_delete=models.PROTECT, related_name="+")
    appointment = models.ForeignKey(
        Appointment, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    amount = models.DecimalField(max_digits=7, decimal_places=2)
    mode = models.CharField(max_length=8, choices=TravelMode.choices)
    note = models.CharField(max_length=300, blank=True)
    status = models.CharField(
        max_length=12, choices=TravelStatus.choices, default=TravelStatus.REQUESTED
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(max_length=300, blank=True)
    paid_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    paid_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-requested_at", "-id"]
        indexes = [
            models.Index(fields=["pdu", "status", "requested_at"], name="travel_pdu_status"),
            models.Index(fields=["person", "-requested_at"], name="travel_person"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount__gt=0, amount__lte=500), name="travel_amount_range"
            ),
            models.CheckConstraint(
                condition=models.Q(status="requested")
                | models.Q(decided_by__isnull=False, decided_at__isnull=False),
                name="travel_decision_recorded",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="paid")
                | models.Q(paid_by__isnull=False, paid_at__isnull=False),
                name="travel_payment_recorded",
            ),
        ]

    def __str__(self):
        return f"Travel £{self.amount} for person {self.person_id} ({self.status})"


class SafetyPlanLinkStatus(models.TextChoices):
    SENT = "sent", "Sent, not opened yet"
    OPENED = "opened", "Opened by the person"


class SafetyPlanLink(models.Model):
    """A single-use link that shows the person their own safety plan on their phone, like a
    check-in link: 32 random bytes, only their hash stored. It works once, until it expires."""

    person = models.ForeignKey(
        "people.Person", on_delete=models.CASCADE, related_name="safety_plan_links"
    )
    plan = models.ForeignKey(
        "assessments.SafetyPlan", on_delete=models.CASCADE, related_name="links"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    channel = models.CharField(max_length=8, choices=[("sms", "Text"), ("email", "Email")])
    message = models.OneToOneField(
        "notify.Message", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    status = models.CharField(
        max_length=8, choices=SafetyPlanLinkStatus.choices, default=SafetyPlanLinkStatus.SENT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    opened_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["plan", "-created_at"], name="planlink_plan")]

    def __str__(self):
        return f"Safety plan link {self.pk} for person {self.person_id}"

    @property
    def status_text(self) -> str:
        if self.status == SafetyPlanLinkStatus.OPENED:
            return f"opened on {timezone.localtime(self.opened_at):%-d %B %Y}"
        if self.expires_at <= timezone.now():
            return "not opened before the link expired"
        return "not opened yet"
