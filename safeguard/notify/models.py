"""The outbox: one row per message to a person, written in the same transaction as the change
that needs it, and sent (at least once, never twice) by the dispatcher."""

from django.db import models


class Channel(models.TextChoices):
    SMS = "sms", "Text message"
    EMAIL = "email", "Email"


class MessageKind(models.TextChoices):
    REMINDER = "reminder", "Appointment reminder"
    CHANGE = "change", "Appointment changed or cancelled"
    SUMMARY = "summary", "Summary of upcoming appointments"
    CHECK_IN = "check_in", "Check-in link"
    SAFETY_PLAN = "safety_plan", "Safety plan link"
    ALERT = "alert", "Alert to staff about urgent work"
    FEEDBACK = "feedback", "Feedback survey link"


class MessageStatus(models.TextChoices):
    QUEUED = "queued", "Waiting to be sent"
    SENDING = "sending", "Being sent"
    SENT = "sent", "Accepted by Notify, waiting for delivery"
    DELIVERED = "delivered", "Delivered"
    PERMANENT_FAILURE = "permanent_failure", "Not delivered: the number or address is wrong"
    FAILED = "failed", "Not sent: gave up after retrying"
    WITHDRAWN = "withdrawn", "Withdrawn before sending"
    SKIPPED = "skipped", "Not sent: too late to be useful"


# The status in one honest word or two, for staff pages: "Queued" until Notify has it, "Sent"
# once Notify has accepted it, "Delivered" only on Notify's receipt.
STAFF_STATUS = {
    MessageStatus.QUEUED: "Queued",
    MessageStatus.SENDING: "Sending",
    MessageStatus.SENT: "Sent",
    MessageStatus.DELIVERED: "Delivered",
    MessageStatus.PERMANENT_FAILURE: "Not delivered",
    MessageStatus.FAILED: "Not sent",
    MessageStatus.WITHDRAWN: "Withdrawn",
    MessageStatus.SKIPPED: "Not sent",
}
# Reasons that speak to whoever runs the service (keys, commands, settings): staff pages say
# this instead, and the admin site keeps the reason itself.
FOR_ADMINISTRATORS = (
    "Waiting: texts and emails cannot be sent at the moment. An administrator can see why on "
    "the admin site and put it right."
)
_DEVELOPER_WORDS = ("NOTIFY_", "manage.py", "API key", "restart", "dispatch_messages", "_KEY")

FINAL_STATUSES = frozenset(
    {
        MessageStatus.DELIVERED,
        MessageStatus.PERMANENT_FAILURE,
        MessageStatus.FAILED,
        MessageStatus.WITHDRAWN,
        MessageStatus.SKIPPED,
    }
)


class Message(models.Model):
    """A text or email for a person, from the outbox to its delivery receipt.

    ``reference`` is what Notify knows the message by: stable across retries, unique, and free of
    personal data (``rem-<uuid>``). ``send_after`` is when the dispatcher may next pick the row
    up (quiet hours and backoff already applied); ``send_by`` is when it stops being useful.
    """

    reference = models.CharField(max_length=64, unique=True)
    person = models.ForeignKey(
        "people.Person", on_delete=models.CASCADE, related_name="messages", null=True, blank=True
    )
    # What the message is about, for the area that wrote it: "appointment:12", "check_in:3".
    topic = models.CharField(max_length=64, blank=True)
    kind = models.CharField(max_length=16, choices=MessageKind.choices)
    channel = models.CharField(max_length=8, choices=Channel.choices)
    template = models.CharField(max_length=64)
    recipient = models.CharField(max_length=254)
    personalisation = models.JSONField(default=dict)

    status = models.CharField(
        max_length=24, choices=MessageStatus.choices, default=MessageStatus.QUEUED
    )
    # Why it is in that status, in words an administrator can act on.
    status_reason = models.CharField(max_length=300, blank=True)
    scheduled_for = models.DateTimeField(help_text="When it was meant to go.")
    send_after = models.DateTimeField(help_text="The earliest the dispatcher may send it.")
    send_by = models.DateTimeField(
        null=True, blank=True, help_text="Not sent after this (an appointment's start)."
    )

    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)
    claimed_by = models.CharField(max_length=64, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)

    notify_id = models.UUIDField(null=True, blank=True, unique=True)
    previous_notify_ids = models.JSONField(default=list, blank=True)
    notify_status = models.CharField(max_length=32, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-scheduled_for", "-id"]
        indexes = [
            # The outbox query: due queued rows, oldest first. Partial, so it stays small.
            models.Index(
                fields=["send_after", "id"],
                condition=models.Q(status="queued"),
                name="message_due",
            ),
            models.Index(
                fields=["claimed_at"],
                condition=models.Q(status="sending"),
                name="message_in_flight",
            ),
            models.Index(
                fields=["sent_at"], condition=models.Q(status="sent"), name="message_no_receipt"
            ),
            # Texts to one number in the last hour (the phone networks' limit).
            models.Index(
                fields=["recipient", "sent_at"],
                condition=models.Q(channel="sms"),
                name="message_sms_recipient",
            ),
            models.Index(fields=["person", "-scheduled_for"], name="message_person"),
            models.Index(fields=["topic", "status"], name="message_topic"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=MessageStatus.values), name="message_status_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(channel__in=Channel.values), name="message_channel_valid"
            ),
        ]

    def __str__(self):
        return f"{self.reference} ({self.status})"

    @property
    def is_final(self):
        return self.status in FINAL_STATUSES

    @property
    def staff_status(self) -> str:
        """ "Queued", "Sent", "Delivered"...: what a practitioner is told."""
        return STAFF_STATUS.get(self.status, self.get_status_display())

    @property
    def staff_reason(self) -> str:
        """Why it is in that status, for practitioners: never a setting, key or command."""
        return staff_reason(self.status_reason)


class SendBudget(models.Model):
    """The one sending budget of a Notify key, shared by every dispatcher process and thread:
    ``next_at`` is the earliest moment the next send may start. A dispatcher reserves its
    batch's start times in one short locked transaction (``dispatch.SharedBudget``), so the
    total stays under the key's limit however many senders run."""

    key = models.CharField(max_length=32, primary_key=True)
    next_at = models.DateTimeField()

    def __str__(self):
        return f"Send budget {self.key}: next at {self.next_at:%H:%M:%S.%f}"


def staff_reason(reason: str) -> str:
    """``reason`` as a practitioner may read it: one that names settings, keys or commands is
    replaced by a plain sentence (the admin site shows the original)."""
    if any(word in (reason or "") for word in _DEVELOPER_WORDS):
        return FOR_ADMINISTRATORS
    return reason or ""
