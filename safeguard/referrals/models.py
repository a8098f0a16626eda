"""Referrals to adult social care and partner agencies, their escalation, and multi-agency
meetings. States and transitions are named constants; nothing is implied by empty dates."""

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords


class AgencyKind(models.TextChoices):
    ADULT_SOCIAL_CARE = "adult_social_care", "Adult social care"
    HOUSING = "housing", "Housing"
    MENTAL_HEALTH = "mental_health", "Mental health service"
    SUBSTANCE_MISUSE = "substance_misuse", "Substance misuse service"
    GP = "gp", "GP practice"
    POLICE = "police", "Police"
    PANEL = "panel", "Multi-agency panel"


class Agency(models.Model):
    name = models.CharField(max_length=160, unique=True)
    kind = models.CharField(max_length=24, choices=AgencyKind.choices)
    region = models.ForeignKey("core.Region", on_delete=models.PROTECT, related_name="agencies")
    local_authority = models.ForeignKey(
        "core.LocalAuthority",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="agencies",
    )
    response_target_working_days = models.PositiveSmallIntegerField(
        default=2, help_text="Local configuration: working days for a decision."
    )
    is_duty_to_cooperate = models.BooleanField(
        default=False, help_text="A MAPPA duty-to-co-operate agency."
    )
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "agencies"
        indexes = [models.Index(fields=["kind", "local_authority"], name="agency_kind_la")]

    def __str__(self):
        return self.name


class ReferralKind(models.TextChoices):
    ASC_S42 = "adult_social_care_s42", "Adult social care: safeguarding concern (Care Act s42)"
    ASC_NEEDS_ASSESSMENT = (
        "adult_social_care_needs_assessment",
        "Adult social care: needs assessment (Care Act s9)",
    )
    MENTAL_HEALTH = "mental_health", "Mental health"
    HOUSING_DUTY_TO_REFER = "housing_duty_to_refer", "Housing: duty to refer"
    SUBSTANCE_MISUSE = "substance_misuse", "Substance misuse"
    GP_REGISTRATION = "gp_registration", "GP registration"
    MARAC = "marac", "MARAC"
    MULTI_AGENCY_PANEL = "multi_agency_panel", "Local multi-agency panel"


# Which kind of agency takes which kind of referral.
AGENCY_KIND_FOR_REFERRAL = {
    ReferralKind.ASC_S42: AgencyKind.ADULT_SOCIAL_CARE,
    ReferralKind.ASC_NEEDS_ASSESSMENT: AgencyKind.ADULT_SOCIAL_CARE,
    ReferralKind.MENTAL_HEALTH: AgencyKind.MENTAL_HEALTH,
    ReferralKind.HOUSING_DUTY_TO_REFER: AgencyKind.HOUSING,
    ReferralKind.SUBSTANCE_MISUSE: AgencyKind.SUBSTANCE_MISUSE,
    ReferralKind.GP_REGISTRATION: AgencyKind.GP,
    ReferralKind.MARAC: AgencyKind.POLICE,
    ReferralKind.MULTI_AGENCY_PANEL: AgencyKind.PANEL,
}


class ReferralStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    # Completed in Safeguard, not yet sent: the practitioner sends it (the council's portal,
    # secure email, phone or letter) and then records how and when. Nothing is sent by Safeguard.
    READY_TO_SEND = "ready_to_send", "Ready to send"
    SENT = "sent", "Sent"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    ACCEPTED = "accepted", "Accepted"
    REJECTED = "rejected", "Rejected"
    CLOSED_NO_RESPONSE = "closed_no_response", "Closed with no response"


AWAITING_DECISION = (ReferralStatus.SENT, ReferralStatus.ACKNOWLEDGED)
DECIDED = (ReferralStatus.ACCEPTED, ReferralStatus.REJECTED)
# Not (yet) with the agency: no sent date, no due date, not counted in monitoring.
NOT_SENT = (ReferralStatus.DRAFT, ReferralStatus.READY_TO_SEND)

ALLOWED_TRANSITIONS = {
    ReferralStatus.DRAFT: {ReferralStatus.READY_TO_SEND, ReferralStatus.SENT},
    ReferralStatus.READY_TO_SEND: {ReferralStatus.SENT},
    ReferralStatus.SENT: {
        ReferralStatus.ACKNOWLEDGED,
        ReferralStatus.ACCEPTED,
        ReferralStatus.REJECTED,
        ReferralStatus.CLOSED_NO_RESPONSE,
    },
    ReferralStatus.ACKNOWLEDGED: {
        ReferralStatus.ACCEPTED,
        ReferralStatus.REJECTED,
        ReferralStatus.CLOSED_NO_RESPONSE,
    },
    ReferralStatus.ACCEPTED: set(),
    ReferralStatus.REJECTED: set(),
    ReferralStatus.CLOSED_NO_RESPONSE: set(),
}


class Urgency(models.TextChoices):
    ROUTINE = "routine", "Routine"
    URGENT = "urgent", "Urgent"
    IMMEDIATE = "immediate", "Immediate risk"


# A referral ready to send should be with the agency within this many working days of being
# completed (0: the same day); past it, My work raises an urgent item.
SEND_WITHIN_WORKING_DAYS = {Urgency.ROUTINE: 2, Urgency.URGENT: 1, Urgency.IMMEDIATE: 0}


class SentMethod(models.TextChoices):
    """How the practitioner sent a referral that was completed in Safeguard."""

    PORTAL = "portal", "Through the agency's online portal"
    SECURE_EMAIL = "secure_email", "By secure email"
    PHONE = "phone", "By phone"
    LETTER = "letter", "By letter or by hand"


class RejectionReason(models.TextChoices):
    BELOW_THRESHOLD = "below_threshold", "Below threshold"
    NO_CARE_AND_SUPPORT_NEEDS = "no_care_and_support_needs", "No care and support needs"
    NOT_ORDINARILY_RESIDENT = "not_ordinarily_resident", "Not ordinarily resident"
    INSUFFICIENT_INFORMATION = "insufficient_information", "Insufficient information"
    ALREADY_KNOWN = "already_known", "Already known to the service"
    OTHER = "other", "Other"


class AbuseCategory(models.TextChoices):
    """The ten categories of abuse and neglect in the Care and Support statutory guidance."""

    PHYSICAL = "physical", "Physical abuse"
    DOMESTIC = "domestic", "Domestic abuse"
    SEXUAL = "sexual", "Sexual abuse"
    PSYCHOLOGICAL = "psychological", "Psychological or emotional abuse"
    FINANCIAL_OR_MATERIAL = "financial_or_material", "Financial or material abuse"
    MODERN_SLAVERY = "modern_slavery", "Modern slavery"
    DISCRIMINATORY = "discriminatory", "Discriminatory abuse"
    ORGANISATIONAL = "organisational", "Organisational abuse"
    NEGLECT = "neglect", "Neglect and acts of omission"
    SELF_NEGLECT = "self_neglect", "Self-neglect"


class Consent(models.TextChoices):
    GIVEN = "given", "The person agreed to the referral"
    REFUSED = "refused", "The person did not agree; referred without consent"
    NOT_ASKED = "not_asked", "Could not be asked, or cannot decide; referred without consent"


class MentalCapacity(models.TextChoices):
    """The person's capacity to decide about the referral (Mental Capacity Act 2005, s1(2): a
    person must be assumed to have capacity unless it is established that they lack it)."""

    ASSUMED = "assumed", "Has capacity to decide (assumed: no assessment says otherwise)"
    LACKS = "lacks", "Assessed as lacking capacity to decide about this referral"


class GroundWithoutConsent(models.TextChoices):
    """Why a Care Act referral goes ahead without the person's consent."""

    LACKS_CAPACITY = (
        "lacks_capacity",
        "The person lacks capacity to consent; the referral is in their best interests",
    )
    OTHERS_AT_RISK = "others_at_risk", "Other people are, or may be, at risk"
    VITAL_INTERESTS = (
        "vital_interests",
        "To protect the person's vital interests (a serious risk to life or health)",
    )
    SERIOUS_CRIME = "serious_crime", "A serious crime has been committed or may be prevented"
    COERCION = "coercion", "The person may be under coercion or duress"
    AT_RISK_OF_ABUSE = (
        "at_risk_of_abuse",
        "The person is experiencing, or at risk of, abuse or neglect (Care Act s11(2)(b))",
    )


# Care Act referrals: which grounds allow each to go ahead without consent. A safeguarding
# concern (s42) may where the person lacks capacity or others are at risk, to protect vital
# interests, prevent a serious crime, or where the person may be coerced (statutory guidance
# ch. 14). A needs assessment (s9) that the person refuses may go ahead only where they lack
# capacity and it is in their best interests, or they are experiencing or at risk of abuse or
# neglect (Care Act s11(2)).
CARE_ACT_KINDS = (ReferralKind.ASC_S42, ReferralKind.ASC_NEEDS_ASSESSMENT)
GROUNDS_WITHOUT_CONSENT = {
    ReferralKind.ASC_S42: (
        GroundWithoutConsent.LACKS_CAPACITY,
        GroundWithoutConsent.OTHERS_AT_RISK,
        GroundWithoutConsent.VITAL_INTERESTS,
        GroundWithoutConsent.SERIOUS_CRIME,
        GroundWithoutConsent.COERCION,
    ),
    ReferralKind.ASC_NEEDS_ASSESSMENT: (
        GroundWithoutConsent.LACKS_CAPACITY,
        GroundWithoutConsent.AT_RISK_OF_ABUSE,
    ),
}


class Referral(models.Model):
    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="referrals")
    kind = models.CharField(max_length=40, choices=ReferralKind.choices)
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="referrals")
    status = models.CharField(
        max_length=24, choices=ReferralStatus.choices, default=ReferralStatus.DRAFT
    )
    urgency = models.CharField(max_length=12, choices=Urgency.choices, default=Urgency.ROUTINE)
    reason = models.TextField(blank=True)
    # Ready to send: when it was completed and the day it should be sent by.
    ready_at = models.DateTimeField(null=True, blank=True)
    send_by = models.DateField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    # How it was sent (empty on referrals recorded as sent before this was asked, or by the API).
    sent_method = models.CharField(max_length=16, choices=SentMethod.choices, blank=True)
    due_by = models.DateField(null=True, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    # Working days from sending to the decision, kept when decided so monitoring is set-based.
    decision_working_days = models.PositiveIntegerField(null=True, blank=True)
    rejection_reason = models.CharField(max_length=32, choices=RejectionReason.choices, blank=True)
    decision_notes = models.TextField(blank=True)
    outcome = models.TextField(blank=True)

    # Care Act s42 three-part test, each with the practitioner's evidence
    s42_care_and_support_needs = models.BooleanField(null=True)
    s42_care_and_support_needs_evidence = models.TextField(blank=True)
    s42_abuse_or_neglect = models.BooleanField(null=True)
    s42_abuse_or_neglect_evidence = models.TextField(blank=True)
    s42_unable_to_protect_self = models.BooleanField(null=True)
    s42_unable_to_protect_self_evidence = models.TextField(blank=True)
    abuse_categories = models.JSONField(default=list, blank=True)

    person_views = models.TextField(blank=True)
    consent = models.CharField(max_length=12, choices=Consent.choices, blank=True)
    reason_without_consent = models.TextField(blank=True)
    # Care Act referrals (s42, s9): capacity to decide about the referral (empty: not recorded,
    # on referrals made before it was asked), who assessed it and why a referral without consent
    # may go ahead.
    mental_capacity = models.CharField(max_length=12, choices=MentalCapacity.choices, blank=True)
    capacity_assessment = models.TextField(blank=True)
    ground_without_consent = models.CharField(
        max_length=24, choices=GroundWithoutConsent.choices, blank=True
    )

    # Homelessness Reduction Act duty to refer
    consent_to_share_contact_details = models.BooleanField(null=True)
    chosen_housing_authority = models.ForeignKey(
        "core.LocalAuthority", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-sent_at", "-id"]
        indexes = [
            models.Index(fields=["person", "status"], name="referral_person_status"),
            models.Index(fields=["status", "due_by"], name="referral_status_due"),
            models.Index(fields=["status", "send_by"], name="referral_status_send_by"),
            models.Index(fields=["agency", "sent_at"], name="referral_agency_sent"),
            models.Index(fields=["kind", "sent_at"], name="referral_kind_sent"),
        ]

    def __str__(self):
        return f"{self.kind} referral {self.pk} ({self.status})"

    @property
    def abuse_category_labels(self) -> list[str]:
        labels = dict(AbuseCategory.choices)
        return [labels.get(c, c) for c in self.abuse_categories or []]

    @property
    def s42_parts(self) -> list[tuple[str, bool | None, str]]:
        """The three parts of the s42 test: (question, answer, evidence)."""
        return [
            (
                "The person has needs for care and support",
                self.s42_care_and_support_needs,
                self.s42_care_and_support_needs_evidence,
            ),
            (
                "The person is experiencing, or at risk of, abuse or neglect",
                self.s42_abuse_or_neglect,
                self.s42_abuse_or_neglect_evidence,
            ),
            (
                "Because of those needs, the person cannot protect themselves",
                self.s42_unable_to_protect_self,
                self.s42_unable_to_protect_self_evidence,
            ),
        ]

    @property
    def s42_indicated(self):
        return bool(
            self.s42_care_and_support_needs
            and self.s42_abuse_or_neglect
            and self.s42_unable_to_protect_self
        )


class EscalationStatus(models.TextChoices):
    OPEN = "open", "Open"
    RESOLVED = "resolved", "Resolved"


class EscalationOutcome(models.TextChoices):
    DECISION_CHANGED = "decision_changed", "The agency changed its decision"
    ALTERNATIVE_AGREED = "alternative_agreed", "Another way to meet the need was agreed"
    DECISION_UPHELD = "decision_upheld", "The agency's decision stands"
    WITHDRAWN = "withdrawn", "Escalation withdrawn"


class Escalation(models.Model):
    """One step up the ladder: 1 SPO, 2 head of PDU, 3 regional lead, 4 national lead."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="escalations")
    level = models.PositiveSmallIntegerField()
    status = models.CharField(
        max_length=12, choices=EscalationStatus.choices, default=EscalationStatus.OPEN
    )
    reason = models.TextField()
    # Empty when the ladder moved by itself (``automatic``): the level below passed its target.
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    automatic = models.BooleanField(default=False)
    raised_at = models.DateTimeField()
    holder = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="escalations_held",
    )
    due_by = models.DateField()
    response = models.TextField(blank=True)
    outcome = models.CharField(max_length=24, choices=EscalationOutcome.choices, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["referral", "level"]
        constraints = [
            models.UniqueConstraint(fields=["referral", "level"], name="escalation_one_per_level"),
            models.CheckConstraint(
                condition=models.Q(level__gte=1, level__lte=4), name="escalation_level_range"
            ),
        ]
        indexes = [models.Index(fields=["status", "due_by"], name="escalation_status_due")]

    def __str__(self):
        return f"Level {self.level} escalation of referral {self.referral_id} ({self.status})"
