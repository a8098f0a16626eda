"""Organisation (region → PDU → team), local authorities, staff and the access log."""

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone

from safeguard.core.capabilities import Capability, has_capability


class Region(models.Model):
    code = models.CharField(max_length=8, unique=True)
    name = models.CharField(max_length=100, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class PDU(models.Model):
    """A probation delivery unit."""

    code = models.CharField(max_length=8, unique=True)
    name = models.CharField(max_length=120)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="pdus")

    class Meta:
        ordering = ["name"]
        verbose_name = "probation delivery unit"
        constraints = [
            models.UniqueConstraint(fields=["region", "name"], name="pdu_unique_name_in_region")
        ]

    def __str__(self):
        return self.name


class Team(models.Model):
    name = models.CharField(max_length=120)
    pdu = models.ForeignKey(PDU, on_delete=models.PROTECT, related_name="teams")
    # The team's nDelius code: how events and the bulk load place a case (integrated mode).
    code = models.CharField("nDelius team code", max_length=10, blank=True, default="")

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["pdu", "name"], name="team_unique_name_in_pdu"),
            models.UniqueConstraint(
                fields=["code"], condition=~models.Q(code=""), name="team_unique_delius_code"
            ),
        ]

    def __str__(self):
        return self.name


class LocalAuthority(models.Model):
    """A council with adult social care and housing duties (Care Act 2014, Housing Act 1996)."""

    name = models.CharField(max_length=120, unique=True)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="local_authorities")
    pdu = models.ForeignKey(
        PDU, on_delete=models.PROTECT, related_name="local_authorities", null=True, blank=True
    )

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "local authorities"

    def __str__(self):
        return self.name


class Role(models.TextChoices):
    PRACTITIONER = "practitioner", "Probation practitioner"
    SENIOR_PROBATION_OFFICER = "senior_probation_officer", "Senior probation officer"
    HEAD_OF_PDU = "head_of_pdu", "Head of PDU"
    REGIONAL_LEAD = "regional_lead", "Regional safeguarding lead"
    NATIONAL = "national", "National lead"
    INSPECTOR = "inspector", "Inspector"
    ADMIN = "admin", "Administrator"


# Roles that see every case in the country (limited-access lists still apply to them).
NATIONAL_ROLES = frozenset({Role.NATIONAL, Role.INSPECTOR, Role.ADMIN})
# What each role may do is data: see capabilities.toml and safeguard.core.capabilities.


class Staff(AbstractUser):
    """A member of staff. Their role and memberships decide which cases they may see."""

    role = models.CharField(max_length=32, choices=Role.choices, blank=True)
    teams = models.ManyToManyField(Team, related_name="members", blank=True)
    pdu = models.ForeignKey(
        PDU, on_delete=models.PROTECT, null=True, blank=True, related_name="staff"
    )
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, null=True, blank=True, related_name="staff"
    )
    in_post = models.BooleanField(
        default=True, help_text="False once the person has left the post; kept for history."
    )
    # The officer's nDelius staff code: how events and the bulk load allocate a case.
    staff_code = models.CharField("nDelius staff code", max_length=10, blank=True, default="")

    class Meta:
        verbose_name = "member of staff"
        verbose_name_plural = "staff"
        constraints = [
            models.UniqueConstraint(
                fields=["staff_code"],
                condition=~models.Q(staff_code=""),
                name="staff_unique_delius_code",
            ),
        ]

    def __str__(self):
        return self.get_full_name() or self.username

    @property
    def display_name(self):
        return self.get_full_name() or self.username

    @property
    def can_change_cases(self):
        return has_capability(self, Capability.CHANGE_CASES)

    @property
    def can_read_access_log(self):
        return has_capability(self, Capability.READ_ACCESS_LOG)


def default_token_expiry():
    return timezone.now() + timedelta(days=settings.SAFEGUARD_API_TOKEN_DAYS)


class ApiToken(models.Model):
    """A bearer token for the JSON API. Only a hash is stored; the token is shown once.

    Every token expires (``SAFEGUARD_API_TOKEN_DAYS``, 90 by default), has a name saying what it
    is for, records when it was last used (to the minute, so that reading it costs at most one
    write a minute) and may be read-only. Revoking keeps the row, for the record."""

    LAST_USED_EVERY = timedelta(minutes=1)
    EXPIRY_WARNING = timedelta(days=14)

    staff = models.ForeignKey(Staff, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(
        max_length=100, blank=True, help_text="What the token is for, such as 'Caseload export'."
    )
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(default=default_token_expiry)
    last_used_at = models.DateTimeField(null=True, blank=True)
    read_only = models.BooleanField(
        default=False, help_text="A read-only token can only read (GET); anything else is refused."
    )
    is_active = models.BooleanField(default=True, help_text="Unticked once revoked.")
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "API token"
        ordering = ["expires_at", "id"]
        indexes = [models.Index(fields=["staff", "is_active"], name="apitoken_staff_active")]

    def __str__(self):
        return f"{self.name or 'API token'} ({self.staff.get_username()})"

    @staticmethod
    def hash_token(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()

    @classmethod
    def issue(cls, staff, *, name="", days=None, read_only=False, now=None):
        """A new token for ``staff``: (the row, the token itself, which is shown only once)."""
        now = now or timezone.now()
        days = settings.SAFEGUARD_API_TOKEN_DAYS if days is None else days
        if days < 1:
            raise ValueError("A token must last at least a day.")
        token = secrets.token_urlsafe(32)
        row = cls.objects.create(
            staff=staff,
            name=name[:100],
            token_hash=cls.hash_token(token),
            expires_at=now + timedelta(days=days),
            read_only=read_only,
        )
        return row, token

    def revoke(self, now=None) -> bool:
        """Stop the token working. False if it had been revoked already."""
        if not self.is_active:
            return False
        self.is_active = False
        self.revoked_at = now or timezone.now()
        self.save(update_fields=["is_active", "revoked_at"])
        return True

    def touch(self, now=None) -> None:
        """Record a use, at most once a minute (one UPDATE, and none most of the time)."""
        now = now or timezone.now()
        if self.last_used_at and now - self.last_used_at < self.LAST_USED_EVERY:
            return
        ApiToken.objects.filter(pk=self.pk).filter(
            models.Q(last_used_at__isnull=True)
            | models.Q(last_used_at__lt=now - self.LAST_USED_EVERY)
        ).update(last_used_at=now)
        self.last_used_at = now

    def state(self, now=None) -> str:
        now = now or timezone.now()
        if not self.is_active:
            return "revoked"
        if self.expires_at <= now:
            return "expired"
        if self.expires_at <= now + self.EXPIRY_WARNING:
            return "expires soon"
        return "active"


class AccessLogEntry(models.Model):
    """Append-only record of who read or changed what, when and through which channel."""

    class Action(models.TextChoices):
        VIEW_PERSON = "view_person", "Viewed a person's record"
        LIST_PEOPLE = "list_people", "Listed a caseload"
        SEARCH = "search", "Searched for people"
        CHANGE_PERSON = "change_person", "Changed a person's record"
        VIEW_ACCESS_LOG = "view_access_log", "Read a case's access log"
        REFUSED = "refused", "Refused: not visible to this user"
        MANAGE_API_TOKEN = "manage_api_token", "Created or revoked an API token"

    class Channel(models.TextChoices):
        WEB = "web", "Web page"
        API = "api", "JSON API"
        ADMIN = "admin", "Admin site"
        COMMAND = "command", "Command line"
        DELIUS = "delius", "nDelius (events and bulk load)"

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        Staff, on_delete=models.PROTECT, null=True, related_name="access_log_entries"
    )
    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, null=True, related_name="access_log_entries"
    )
    # The CRN asked for, kept even when no such person exists (a refused guess).
    crn = models.CharField(max_length=16, blank=True)
    action = models.CharField(max_length=32, choices=Action.choices)
    channel = models.CharField(max_length=16, choices=Channel.choices)
    detail = models.CharField(max_length=200, blank=True)
    # For a change: the typed event (one of an area's ``AuditEvent`` vocabularies, such as
    # "referral.sent") and, where they matter, the record changed and its old and new values.
    event = models.CharField(max_length=64, blank=True, db_index=True)
    changes = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)

    class Meta:
        verbose_name_plural = "access log entries"
        indexes = [
            models.Index(fields=["person", "-at"], name="accesslog_person_at"),
            models.Index(fields=["actor", "-at"], name="accesslog_actor_at"),
        ]

    def save(self, *args, **kwargs):
        # The log is append-only: an entry once written is never rewritten.
        if self.pk is not None:
            raise ValueError("Access log entries cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Access log entries cannot be deleted.")


class WorkItemStatus(models.TextChoices):
    OPEN = "open", "Open"
    DONE = "done", "Done"
    RESOLVED = "resolved", "Resolved: the condition no longer holds"
    CLOSED = "closed", "Closed"


class WorkItemPriority(models.TextChoices):
    """How soon a work item needs doing: every rule declares one. Lists show urgent first,
    then today, soon and routine (``TRIAGE_ORDER``), each soonest due first."""

    URGENT = "urgent", "Urgent"  # someone may be at risk now: act before anything else
    TODAY = "today", "Today"  # to do today
    SOON = "soon", "Soon"  # overdue or due shortly: within days
    ROUTINE = "routine", "Routine"  # tidying, training: when there is time


TRIAGE_ORDER = (
    WorkItemPriority.URGENT,
    WorkItemPriority.TODAY,
    WorkItemPriority.SOON,
    WorkItemPriority.ROUTINE,
)


def priority_rank() -> models.Case:
    """0 for urgent up to 3 for routine, in SQL: ``order_by(priority_rank(), "due_on", "id")``."""
    return models.Case(
        *[models.When(priority=p, then=models.Value(n)) for n, p in enumerate(TRIAGE_ORDER)],
        default=models.Value(len(TRIAGE_ORDER)),
        output_field=models.IntegerField(),
    )


class WorkItem(models.Model):
    """Something a member of staff must do, raised and resolved by a rule (core.workitems).

    At most one open item exists per rule and subject; the subject is the thing the rule is
    about (a registration, a person, a referral...), named by ``subject_type`` and ``subject_id``.
    """

    rule = models.CharField(max_length=48)
    subject_type = models.CharField(max_length=32)
    subject_id = models.BigIntegerField()
    # No index of their own: the indexes in Meta start with each of these columns, and the
    # scan writes up to a quarter of a million rows, each extra index costing every write.
    person = models.ForeignKey(
        "people.Person",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="work_items",
        db_index=False,
    )
    team = models.ForeignKey(
        Team, on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )
    assigned_to = models.ForeignKey(
        Staff,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="work_items",
        db_index=False,
    )
    status = models.CharField(
        max_length=16, choices=WorkItemStatus.choices, default=WorkItemStatus.OPEN
    )
    priority = models.CharField(
        max_length=8, choices=WorkItemPriority.choices, default=WorkItemPriority.ROUTINE
    )
    # Set when a manager reassigns the item by hand. Such a reassignment sticks: the scan
    # re-homes it only if the case moves to another team (``safeguard.core.workitems._rehome``).
    reassigned_by = models.ForeignKey(
        Staff, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reassigned_at = models.DateTimeField(null=True, blank=True)
    due_on = models.DateField()
    detail = models.CharField(max_length=300, blank=True)
    raised_at = models.DateTimeField(auto_now_add=True)
    status_changed_at = models.DateTimeField(auto_now=True)

    class Meta:
        # Lists order by triage instead: ``order_by(priority_rank(), "due_on", "id")``.
        ordering = ["due_on", "id"]
        indexes = [
            models.Index(fields=["assigned_to", "status", "due_on"], name="workitem_assignee"),
            models.Index(fields=["team", "status", "due_on"], name="workitem_team"),
            models.Index(fields=["person", "status"], name="workitem_person"),
            models.Index(fields=["rule", "status", "subject_id"], name="workitem_rule_subject"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "subject_type", "subject_id"],
                condition=models.Q(status="open"),
                name="workitem_one_open_per_rule_and_subject",
            )
        ]

    def __str__(self):
        return f"{self.rule} on {self.subject_type} {self.subject_id} ({self.status})"
