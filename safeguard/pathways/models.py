"""Offers of pathways and what became of them, and needs the practitioner records. The
catalogue itself is data (``data/pathways.json``), so an offer names its pathway by key."""

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords


class OfferStatus(models.TextChoices):
    OFFERED = "offered", "Offered"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"
    STARTED = "started", "Started"
    COMPLETED = "completed", "Completed"


# Where an offer may go from each state. A person may change their mind after accepting, or
# stop once started: recorded as declined, with the reason.
ALLOWED_TRANSITIONS = {
    OfferStatus.OFFERED: {OfferStatus.ACCEPTED, OfferStatus.DECLINED},
    OfferStatus.ACCEPTED: {OfferStatus.STARTED, OfferStatus.DECLINED},
    OfferStatus.STARTED: {OfferStatus.COMPLETED, OfferStatus.DECLINED},
    OfferStatus.DECLINED: set(),
    OfferStatus.COMPLETED: set(),
}
# The states an offer can be recorded in when it is first entered.
FIRST_STATUSES = (OfferStatus.OFFERED, OfferStatus.ACCEPTED, OfferStatus.DECLINED)
TAKEN_UP = (OfferStatus.ACCEPTED, OfferStatus.STARTED, OfferStatus.COMPLETED)
OPEN_STATUSES = (OfferStatus.OFFERED, OfferStatus.ACCEPTED, OfferStatus.STARTED)
# The date each state is recorded with.
DATE_FIELD = {
    OfferStatus.OFFERED: "offered_on",
    OfferStatus.ACCEPTED: "accepted_on",
    OfferStatus.DECLINED: "declined_on",
    OfferStatus.STARTED: "started_on",
    OfferStatus.COMPLETED: "completed_on",
}


class PathwayOffer(models.Model):
    person = models.ForeignKey(
        "people.Person", on_delete=models.CASCADE, related_name="pathway_offers"
    )
    pathway = models.CharField(max_length=40)
    need = models.CharField(max_length=40, blank=True, help_text="The need it was offered for.")
    provider = models.CharField(max_length=160, blank=True)
    status = models.CharField(max_length=12, choices=OfferStatus.choices)
    offered_on = models.DateField()
    accepted_on = models.DateField(null=True, blank=True)
    declined_on = models.DateField(null=True, blank=True)
    started_on = models.DateField(null=True, blank=True)
    completed_on = models.DateField(null=True, blank=True)
    reason = models.TextField(blank=True, help_text="Why it was declined.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-offered_on", "-id"]
        indexes = [
            models.Index(fields=["person", "pathway"], name="pathwayoffer_person_pathway"),
            models.Index(fields=["pathway", "offered_on"], name="pathwayoffer_pathway_date"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=OfferStatus.values), name="pathwayoffer_status_valid"
            ),
            models.CheckConstraint(
                condition=~models.Q(status="declined")
                | (~models.Q(reason="") & models.Q(declined_on__isnull=False)),
                name="pathwayoffer_declined_has_reason",
            ),
        ]

    def __str__(self):
        return f"Offer {self.pk} of {self.pathway} to person {self.person_id}: {self.status}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class RecordedNeed(models.Model):
    """A need the practitioner identified that no screen or register shows (maturity, few
    people to turn to). Ended rather than deleted."""

    person = models.ForeignKey(
        "people.Person", on_delete=models.CASCADE, related_name="recorded_needs"
    )
    need = models.CharField(max_length=40)
    note = models.CharField(max_length=300, blank=True)
    recorded_on = models.DateField()
    ended_on = models.DateField(null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-recorded_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "need"],
                condition=models.Q(ended_on__isnull=True),
                name="recordedneed_one_current_per_need",
            )
        ]

    def __str__(self):
        return f"{self.need} recorded for person {self.person_id}"


class GPStatus(models.TextChoices):
    REGISTERED = "registered", "Registered with a GP"
    NOT_REGISTERED = "not_registered", "Not registered with a GP"
    NOT_KNOWN = "not_known", "Not known"


class GPRegistration(models.Model):
    """The person's GP registration status, kept current (one row per person, with history)."""

    person = models.OneToOneField(
        "people.Person", on_delete=models.CASCADE, related_name="gp_registration"
    )
    status = models.CharField(max_length=16, choices=GPStatus.choices)
    practice = models.CharField(max_length=160, blank=True)
    checked_on = models.DateField()
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)

    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=GPStatus.values), name="gpregistration_status_valid"
            )
        ]

    def __str__(self):
        return f"GP registration of person {self.person_id}: {self.status}"


class AttendanceKind(models.TextChoices):
    EMERGENCY_DEPARTMENT = "emergency_department", "Emergency department attendance"
    ADMISSION = "admission", "Hospital admission"


class AttendanceSource(models.TextChoices):
    PERSON = "person", "The person told us"
    NHS = "nhs", "NHS (hospital or liaison and diversion)"
    POLICE = "police", "Police"
    FAMILY = "family", "Family or friend"
    PARTNER_AGENCY = "partner_agency", "Another agency"


class AttendanceReason(models.TextChoices):
    SELF_HARM = "self_harm", "Self-harm or suicide attempt"
    OVERDOSE = "overdose", "Overdose or drug poisoning"
    ALCOHOL = "alcohol", "Alcohol"
    MENTAL_HEALTH = "mental_health", "Mental health crisis"
    INJURY_ASSAULT = "injury_assault", "Injury or assault"
    PHYSICAL_ILLNESS = "physical_illness", "Physical illness"
    OTHER = "other", "Other"
    NOT_KNOWN = "not_known", "Not known"


class HospitalAttendance(models.Model):
    person = models.ForeignKey(
        "people.Person", on_delete=models.CASCADE, related_name="hospital_attendances"
    )
    kind = models.CharField(max_length=24, choices=AttendanceKind.choices)
    attended_on = models.DateField()
    source = models.CharField(max_length=16, choices=AttendanceSource.choices)
    reason = models.CharField(max_length=20, choices=AttendanceReason.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-attended_on", "-id"]
        indexes = [
            models.Index(fields=["person", "-attended_on"], name="hospital_person_date"),
            models.Index(fields=["attended_on"], name="hospital_date"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=AttendanceKind.values), name="hospital_kind_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(reason__in=AttendanceReason.values),
                name="hospital_reason_valid",
            ),
        ]

    def __str__(self):
        return f"{self.kind} of person {self.person_id} on {self.attended_on}"


class ReductionKind(models.TextChoices):
    PROBATION_RESET = "probation_reset", "Probation reset"
    REPORTING_REDUCED = "reporting_reduced", "Reporting reduced"
    FINAL_THIRD = "final_third", "Final third of the order"


class ReductionStatus(models.TextChoices):
    # The safeguard applies: an SPO's decision is needed before contact is reduced.
    AWAITING_DECISION = "awaiting_decision", "Waiting for an SPO's decision"
    APPROVED = "approved", "Approved by an SPO"
    NOT_APPROVED = "not_approved", "Not approved by an SPO"
    # Recorded without the safeguard applying, or after an SPO approved it.
    REDUCED = "reduced", "Contact reduced"


class SafeguardReason(models.TextChoices):
    """Why contact may not be reduced without an SPO's recorded decision."""

    ALSH_ACTIVE = "alsh_active", "An ALSH (suicide or self-harm) registration is active"
    RVAD_ACTIVE = "rvad_active", "An RVAD (adult at risk) registration is active"
    S42_OPEN = "s42_open", "An adult social care s42 referral is open"
    RISK_TO_SELF = "risk_to_self", "Risk to self is high, very high or not known"
    NEAR_RELEASE = "near_release", "Within 12 weeks of release from custody"


class ContactReduction(models.Model):
    """A reduction of supervision contact, and the SPO's decision where the safeguard applies.
    The reasons are kept as they were when it was asked for."""

    person = models.ForeignKey(
        "people.Person", on_delete=models.CASCADE, related_name="contact_reductions"
    )
    kind = models.CharField(max_length=20, choices=ReductionKind.choices)
    status = models.CharField(max_length=20, choices=ReductionStatus.choices)
    reasons = models.JSONField(default=list, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)
    reduced_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["person"],
                condition=models.Q(status__in=["awaiting_decision", "approved"]),
                name="contactreduction_one_pending_per_person",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=ReductionStatus.values),
                name="contactreduction_status_valid",
            ),
        ]

    def __str__(self):
        return f"{self.kind} for person {self.person_id}: {self.status}"


class OfficeReason(models.TextChoices):
    SAFETY = "safety", "Safety"
    HEALTH = "health", "Health"
    TRAVEL = "travel", "Travel"


class OfficeAlternative(models.TextChoices):
    HOME_VISIT = "home_visit", "Home visit"
    PHONE = "phone", "Phone call"
    VIDEO = "video", "Video call"
    OTHER_VENUE = "other_venue", "Another venue (for example a women's centre or a library)"


class OfficeWish(models.Model):
    """Feeling safe: the person's wish not to be seen at the probation office, why, and the
    alternatives they would accept. Shown when an appointment is booked."""

    person = models.OneToOneField(
        "people.Person", on_delete=models.CASCADE, related_name="office_wish"
    )
    not_at_office = models.BooleanField()
    reasons = models.JSONField(default=list, blank=True)
    alternatives = models.JSONField(default=list, blank=True)
    note = models.CharField(max_length=300, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    history = HistoricalRecords()

    def __str__(self):
        return f"Office wish of person {self.person_id}"

    def reason_labels(self):
        return [OfficeReason(r).label for r in self.reasons if r in OfficeReason.values]

    def alternative_labels(self):
        return [
            OfficeAlternative(a).label for a in self.alternatives if a in OfficeAlternative.values
        ]
