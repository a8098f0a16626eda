"""Vulnerability and risk-to-self screens, the questionnaire versions they use, safety plans."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.functional import cached_property
from simple_history.models import HistoricalRecords

from safeguard.assessments.questionnaires import Questionnaire, parse


class QuestionnaireVersion(models.Model):
    """One published version of the vulnerability questionnaire, loaded by a data migration
    from ``data/vulnerability/v<N>.json``. Never edited: a change is a new version."""

    version = models.PositiveIntegerField(unique=True)
    definition = models.JSONField()
    content_hash = models.CharField(max_length=64)
    loaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-version"]

    def __str__(self):
        return f"Vulnerability questionnaire version {self.version}"

    @cached_property
    def questionnaire(self) -> Questionnaire:
        # A published version never changes, so its parsed form is kept by content hash.
        parsed = _PARSED.get(self.content_hash)
        if parsed is None:
            parsed = parse(self.definition)
            if self.content_hash:
                _PARSED[self.content_hash] = parsed
        return parsed


_PARSED: dict[str, Questionnaire] = {}


class DomainLevel(models.TextChoices):
    NONE = "none", "None"
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"


class RiskToSelf(models.TextChoices):
    """In rank order (``questionnaires.RISK_TO_SELF_LEVELS``)."""

    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    # A suicide question was declined (questionnaire version 2 on): at risk until resolved.
    NOT_KNOWN = "not_known", "Not known"
    HIGH = "high", "High"
    VERY_HIGH = "very_high", "Very high"


# Every level that counts as "at risk to self": "not known" errs toward acting.
MEDIUM_OR_ABOVE = (RiskToSelf.MEDIUM, RiskToSelf.NOT_KNOWN, RiskToSelf.HIGH, RiskToSelf.VERY_HIGH)


class ScreenStatus(models.TextChoices):
    COMPLETED = "completed", "Completed"


class FollowUpStatus(models.TextChoices):
    """Whether a screen's outcome needs someone to act and record what they did: a very high
    or "not known" level, or an urgent recommendation (an attempt in the last 4 weeks)."""

    NOT_NEEDED = "not_needed", "No follow-up needed"
    DUE = "due", "Follow-up due"
    DONE = "done", "Followed up"


class FollowUpOutcome(models.TextChoices):
    """What a follow-up of a "not known" screen found out."""

    NOT_APPLICABLE = "", "Not applicable"
    NO_CURRENT_CONCERNS = "no_current_concerns", "They told me they have no current concerns"
    STILL_NOT_KNOWN = "still_not_known", "They still did not want to say"
    CONCERNS = "concerns", "They told me about concerns: a new screen is needed"


# The levels whose screens always need a follow-up recorded.
FOLLOW_UP_LEVELS = ("very_high", "not_known")


class ScreenDraft(models.Model):
    """A screen being answered one domain a page, saved as the practitioner goes.

    A draft is not a screen: nothing reads it but the screen's own pages. It has no levels and
    no outcome, so no rule, report or risk picture can count it; it becomes a
    ``VulnerabilityScreen`` only when submitted from "Check your answers" (and is then
    deleted). One draft per person."""

    person = models.OneToOneField(
        "people.Person", on_delete=models.CASCADE, related_name="screen_draft"
    )
    questionnaire_version = models.ForeignKey(
        QuestionnaireVersion, on_delete=models.PROTECT, related_name="drafts"
    )
    answers = models.JSONField(default=dict)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"Draft screen of person {self.person_id}"


class VulnerabilityScreen(models.Model):
    """A completed screen. Its outcome is worked out once, when it is recorded, by
    ``scoring.evaluate`` from its own questionnaire version, and never changes afterwards."""

    person = models.ForeignKey(
        "people.Person", on_delete=models.CASCADE, related_name="vulnerability_screens"
    )
    questionnaire_version = models.ForeignKey(
        QuestionnaireVersion, on_delete=models.PROTECT, related_name="screens"
    )
    answers = models.JSONField()
    domain_levels = models.JSONField()
    risk_to_self = models.CharField(max_length=16, choices=RiskToSelf.choices)
    s42_care_and_support_needs = models.BooleanField("Has needs for care and support")
    s42_abuse_or_neglect = models.BooleanField("Experiencing, or at risk of, abuse or neglect")
    s42_unable_to_protect_self = models.BooleanField("Unable to protect themselves")
    s42_indicated = models.BooleanField("All three parts of the Care Act s42 test indicated")
    recommendations = models.JSONField(default=list)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    completed_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(
        max_length=16, choices=ScreenStatus.choices, default=ScreenStatus.COMPLETED
    )
    # Set once, when the screen is recorded: an urgent recommendation was made.
    needs_urgent_action = models.BooleanField(default=False)
    follow_up_status = models.CharField(
        max_length=16, choices=FollowUpStatus.choices, default=FollowUpStatus.NOT_NEEDED
    )
    follow_up_outcome = models.CharField(
        max_length=32, choices=FollowUpOutcome.choices, default="", blank=True
    )
    follow_up_note = models.TextField(blank=True)
    followed_up_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    followed_up_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-completed_at", "-id"]
        indexes = [
            models.Index(fields=["person", "-completed_at"], name="screen_person_completed"),
            models.Index(
                fields=["follow_up_status"],
                condition=models.Q(follow_up_status="due"),
                name="screen_follow_up_due",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(risk_to_self__in=RiskToSelf.values),
                name="screen_risk_to_self_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    s42_indicated=True,
                    s42_care_and_support_needs=True,
                    s42_abuse_or_neglect=True,
                    s42_unable_to_protect_self=True,
                )
                | (
                    models.Q(s42_indicated=False)
                    & (
                        models.Q(s42_care_and_support_needs=False)
                        | models.Q(s42_abuse_or_neglect=False)
                        | models.Q(s42_unable_to_protect_self=False)
                    )
                ),
                name="screen_s42_indicated_is_all_three",
            ),
        ]

    def __str__(self):
        return f"Vulnerability screen {self.pk} of person {self.person_id}"

    @property
    def care_act_s42(self) -> dict[str, bool]:
        return {
            "care_and_support_needs": self.s42_care_and_support_needs,
            "experiencing_or_at_risk_of_abuse_or_neglect": self.s42_abuse_or_neglect,
            "unable_to_protect_self": self.s42_unable_to_protect_self,
            "indicated": self.s42_indicated,
        }

    @property
    def questionnaire(self) -> Questionnaire:
        return self.questionnaire_version.questionnaire


class SafetyPlanStatus(models.TextChoices):
    ACTIVE = "active", "Current"
    REPLACED = "replaced", "Replaced"


DEFAULT_CRISIS_LINES = (
    "Samaritans: 116 123 (free, 24 hours)\n"
    "NHS 111, option 2 for mental health crisis\n"
    "In an emergency, call 999"
)

SAFETY_PLAN_FIELDS = (
    "reasons_for_living",
    "warning_signs",
    "coping_strategies",
    "people_and_places",
    "professional_contacts",
    "crisis_lines",
    "reducing_access_to_means",
    "review_date",
    "person_has_copy",
)


class SafetyPlan(models.Model):
    """A safety plan written with the person. Saving a change writes a new plan that replaces
    the current one; ``version`` counts the person's plans and guards against a stale edit."""

    person = models.ForeignKey(
        "people.Person", on_delete=models.CASCADE, related_name="safety_plans"
    )
    reasons_for_living = models.TextField(
        "Reasons for living",
        blank=True,
        help_text="What matters to the person and helps them keep going, in their words",
    )
    warning_signs = models.TextField(
        "Warning signs",
        help_text="Thoughts, feelings or situations that mean a crisis may be coming",
    )
    coping_strategies = models.TextField(
        "Things I can do on my own", help_text="What helps take the person's mind off things"
    )
    people_and_places = models.TextField(
        "People and places that help", blank=True, help_text="Who to contact or where to go"
    )
    professional_contacts = models.TextField(
        "Professionals to contact", blank=True, help_text="Names, services and phone numbers"
    )
    crisis_lines = models.TextField("Crisis lines", default=DEFAULT_CRISIS_LINES)
    reducing_access_to_means = models.TextField(
        "Making things safer",
        blank=True,
        help_text="What has been agreed to reduce access to ways of self-harm",
    )
    review_date = models.DateField()
    # The person has their own copy (on paper, or opened from a link sent to them).
    person_has_copy = models.BooleanField("The person has a copy", default=False)
    status = models.CharField(
        max_length=16, choices=SafetyPlanStatus.choices, default=SafetyPlanStatus.ACTIVE
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    replaced_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-version"]
        indexes = [
            models.Index(fields=["status", "review_date"], name="safetyplan_review"),
            models.Index(fields=["person", "status"], name="safetyplan_person_status"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["person"],
                condition=models.Q(status="active"),
                name="safetyplan_one_active_per_person",
            ),
            models.UniqueConstraint(fields=["person", "version"], name="safetyplan_unique_version"),
        ]

    def __str__(self):
        return f"Safety plan {self.version} of person {self.person_id} ({self.status})"

    @property
    def is_active(self):
        return self.status == SafetyPlanStatus.ACTIVE

    def crisis_lines_list(self):
        return [line for line in self.crisis_lines.splitlines() if line.strip()]
