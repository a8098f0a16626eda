"""Deaths under supervision (notification, immutable case snapshot, systemic review) and
suicide-prevention training (courses as data, completion records)."""

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from safeguard.people.models import SentenceType

# ---- the systemic taxonomy ------------------------------------------------------------------


class SystemicFactor(models.Model):
    """One entry of the taxonomy in ``data/systemic_factors.json``, loaded by a migration."""

    code = models.CharField(max_length=16, unique=True)
    theme = models.CharField(max_length=32)
    theme_title = models.CharField(max_length=120)
    title = models.CharField(max_length=160)
    description = models.TextField(blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["position", "code"]

    def __str__(self):
        return f"{self.code} {self.title}"


# ---- death notifications ----------------------------------------------------------------------


class Circumstances(models.TextChoices):
    """Apparent circumstances as probation records them (not verified). Since 1 April 2022
    "self-inflicted" includes undetermined intent and some drug poisonings."""

    NATURAL_CAUSES = "natural_causes", "Natural causes"
    SELF_INFLICTED = "self_inflicted", "Self-inflicted"
    DRUG_RELATED = "drug_related", "Drug-related"
    HOMICIDE = "homicide", "Homicide"
    ACCIDENTAL = "accidental", "Accidental"
    OTHER = "other", "Other"
    AWAITING_CLASSIFICATION = "awaiting_classification", "Awaiting classification"


class HowNotified(models.TextChoices):
    POLICE = "police", "Police"
    CORONER = "coroner", "Coroner"
    FAMILY_OR_FRIEND = "family_or_friend", "Family or friend"
    HEALTH = "health", "Hospital or health service"
    PARTNER_AGENCY = "partner_agency", "Another partner agency"
    ACCOMMODATION = "accommodation", "Approved premises or accommodation provider"
    MEDIA = "media", "News or social media"
    OTHER = "other", "Other"


class SupervisionType(models.TextChoices):
    COURT_ORDER = "court_order", "Court order (community or suspended sentence order)"
    POST_RELEASE = "post_release", "Post-release supervision (licence or PSS)"


SUPERVISION_TYPE_FOR_SENTENCE = {
    SentenceType.COMMUNITY_ORDER: SupervisionType.COURT_ORDER,
    SentenceType.SUSPENDED_SENTENCE_ORDER: SupervisionType.COURT_ORDER,
    SentenceType.LICENCE: SupervisionType.POST_RELEASE,
    SentenceType.POST_SENTENCE_SUPERVISION: SupervisionType.POST_RELEASE,
}


class DeathNotification(models.Model):
    """A person on probation has died. One per person. The organisation fields keep where the
    case was held at death, so that figures do not move if records are tidied later."""

    person = models.OneToOneField(
        "people.Person", on_delete=models.PROTECT, related_name="death_notification"
    )
    date_of_death = models.DateField()
    date_notified = models.DateField(help_text="When probation learned of the death.")
    how_notified = models.CharField(max_length=24, choices=HowNotified.choices)
    how_notified_detail = models.CharField(max_length=200, blank=True)
    circumstances = models.CharField(max_length=32, choices=Circumstances.choices)
    place = models.CharField(max_length=200, blank=True)
    supervision_type = models.CharField(max_length=16, choices=SupervisionType.choices)

    region = models.ForeignKey("core.Region", on_delete=models.PROTECT, related_name="+")
    pdu = models.ForeignKey("core.PDU", on_delete=models.PROTECT, related_name="+")
    team = models.ForeignKey("core.Team", on_delete=models.PROTECT, related_name="+")
    practitioner_at_death = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-date_of_death", "-id"]
        indexes = [
            models.Index(fields=["region", "date_of_death"], name="death_region_date"),
            models.Index(fields=["pdu", "date_of_death"], name="death_pdu_date"),
            models.Index(fields=["circumstances", "date_of_death"], name="death_circumstances"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(date_notified__gte=models.F("date_of_death")),
                name="death_notified_after_death",
            ),
            models.CheckConstraint(
                condition=models.Q(circumstances__in=Circumstances.values),
                name="death_circumstances_valid",
            ),
        ]

    def __str__(self):
        return f"Death of person {self.person_id} on {self.date_of_death}"


class Reclassification(models.Model):
    """A change to the recorded circumstances (after an inquest, for example): the history."""

    notification = models.ForeignKey(
        DeathNotification, on_delete=models.CASCADE, related_name="reclassifications"
    )
    from_circumstances = models.CharField(max_length=32, choices=Circumstances.choices)
    to_circumstances = models.CharField(max_length=32, choices=Circumstances.choices)
    reason = models.TextField()
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    changed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["changed_at", "id"]

    def __str__(self):
        return f"{self.from_circumstances} → {self.to_circumstances}"


class ImmutableQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise ValueError("Case snapshots cannot be changed.")

    def delete(self):
        raise ValueError("Case snapshots cannot be deleted.")


class CaseSnapshot(models.Model):
    """The case as it stood when the death was recorded. Written once, never changed: there is
    no update path (``save`` refuses an existing row; ``update`` and ``delete`` refuse).

    ``data`` holds the full picture; the columns repeat the facts the systemic analysis groups
    by, so that the analysis is set-based SQL."""

    SCHEMA_VERSION = 1

    notification = models.OneToOneField(
        DeathNotification, on_delete=models.PROTECT, related_name="snapshot"
    )
    taken_at = models.DateTimeField(auto_now_add=True)
    schema_version = models.PositiveSmallIntegerField(default=SCHEMA_VERSION)
    data = models.JSONField()

    sex = models.CharField(max_length=8)
    ethnicity = models.CharField(max_length=2)
    age_at_death = models.PositiveSmallIntegerField()
    accommodation_status = models.CharField(max_length=24)
    days_since_release = models.PositiveIntegerField(
        null=True, blank=True, help_text="Empty when no release from custody is recorded."
    )

    objects = ImmutableQuerySet.as_manager()

    def __str__(self):
        return f"Snapshot of the case for {self.notification}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("Case snapshots cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Case snapshots cannot be deleted.")


# ---- the review -------------------------------------------------------------------------------


class ReviewStatus(models.TextChoices):
    NOTIFIED = "notified", "Notified"
    IN_REVIEW = "in_review", "In review"
    QUALITY_ASSURED = "quality_assured", "Quality assured"
    CLOSED = "closed", "Closed"


ALLOWED_TRANSITIONS = {
    ReviewStatus.NOTIFIED: {ReviewStatus.IN_REVIEW},
    ReviewStatus.IN_REVIEW: {ReviewStatus.QUALITY_ASSURED},
    # Quality assurance may send a review back for more work.
    ReviewStatus.QUALITY_ASSURED: {ReviewStatus.IN_REVIEW, ReviewStatus.CLOSED},
    ReviewStatus.CLOSED: set(),
}


class DeathReview(models.Model):
    """The review of one death, looking for systemic learning rather than individual blame."""

    notification = models.OneToOneField(
        DeathNotification, on_delete=models.PROTECT, related_name="review"
    )
    status = models.CharField(
        max_length=16, choices=ReviewStatus.choices, default=ReviewStatus.NOTIFIED
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="death_reviews",
    )
    summary = models.TextField("Summary of findings", blank=True)
    learning = models.TextField("Systemic learning", blank=True)
    individual_practice = models.TextField(
        "Individual practice notes",
        blank=True,
        help_text="Kept with the review; never part of the analysis or the board pack.",
    )
    started_at = models.DateTimeField(null=True, blank=True)
    quality_assured_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    quality_assured_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["status"], name="deathreview_status")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=ReviewStatus.values),
                name="deathreview_status_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(status="notified") | models.Q(reviewer__isnull=False),
                name="deathreview_reviewer_once_started",
            ),
        ]

    def __str__(self):
        return f"Review of {self.notification} ({self.status})"


class ReviewTransition(models.Model):
    """The review's history of states."""

    review = models.ForeignKey(DeathReview, on_delete=models.CASCADE, related_name="transitions")
    from_status = models.CharField(max_length=16, choices=ReviewStatus.choices)
    to_status = models.CharField(max_length=16, choices=ReviewStatus.choices)
    note = models.TextField(blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.from_status} → {self.to_status}"


class ReviewFactor(models.Model):
    """A contributing factor coded against the taxonomy, with its evidence."""

    review = models.ForeignKey(DeathReview, on_delete=models.CASCADE, related_name="factors")
    factor = models.ForeignKey(SystemicFactor, on_delete=models.PROTECT, related_name="+")
    evidence = models.TextField()
    coded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    coded_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["factor__position", "factor__code"]
        constraints = [
            models.UniqueConstraint(fields=["review", "factor"], name="reviewfactor_once")
        ]
        indexes = [models.Index(fields=["factor", "review"], name="reviewfactor_factor")]

    def __str__(self):
        return f"{self.factor_id} on review {self.review_id}"


class ActionStatus(models.TextChoices):
    OPEN = "open", "Open"
    DONE = "done", "Done"


class AgencyType(models.TextChoices):
    """Who an action is for. The board pack counts actions by these, never by typed names."""

    PROBATION = "probation", "Probation"
    ADULT_SOCIAL_CARE = "adult_social_care", "Adult social care"
    HOUSING = "housing", "Housing"
    MENTAL_HEALTH = "mental_health", "Mental health service"
    SUBSTANCE_MISUSE = "substance_misuse", "Substance misuse service"
    HEALTH = "health", "GP or other health service"
    POLICE = "police", "Police"
    PRISON = "prison", "Prison"
    PARTNERSHIP = "partnership", "Multi-agency partnership or board"
    OTHER = "other", "Other"


class ReviewAction(models.Model):
    """Learning turned into an action for an agency, with an owner and a date."""

    review = models.ForeignKey(DeathReview, on_delete=models.CASCADE, related_name="actions")
    factor = models.ForeignKey(
        SystemicFactor, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    agency_type = models.CharField(max_length=24, choices=AgencyType.choices)
    agency = models.CharField(
        "Agency name", max_length=160, blank=True, help_text="Shown on the review only."
    )
    owner = models.CharField(max_length=160, help_text="A role or a named post, not a person.")
    description = models.TextField()
    due_on = models.DateField()
    status = models.CharField(max_length=8, choices=ActionStatus.choices, default="open")
    completed_on = models.DateField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["due_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status="open", completed_on__isnull=True)
                | models.Q(status="done", completed_on__isnull=False),
                name="reviewaction_done_has_date",
            ),
            models.CheckConstraint(
                condition=models.Q(agency_type__in=AgencyType.values),
                name="reviewaction_agency_type_valid",
            ),
        ]

    def __str__(self):
        return f"Action {self.pk} for {self.agency_type} ({self.status})"


# ---- board packs shared ---------------------------------------------------------------------


class BoardPackShare(models.Model):
    """A board pack shared with a board (a regional strategic board, a Safeguarding Adults
    Board), and the board's response: recommendation 1's "sharing with regional strategic
    boards", traceable. A head of PDU's pack holds their PDU's deaths only (``pdu``)."""

    region = models.ForeignKey("core.Region", on_delete=models.PROTECT, related_name="+")
    pdu = models.ForeignKey(
        "core.PDU", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    period_from = models.DateField(help_text="The first day of deaths the pack covers.")
    period_to = models.DateField(help_text="The last day of deaths the pack covers.")
    board = models.CharField(max_length=160, help_text="The board the pack was shared with.")
    shared_on = models.DateField()
    response = models.TextField(blank=True, help_text="What the board decided.")
    responded_on = models.DateField(null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-shared_on", "-id"]
        indexes = [models.Index(fields=["region", "shared_on"], name="boardpackshare_region")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(period_to__gte=models.F("period_from")),
                name="boardpackshare_period_in_order",
            ),
            models.CheckConstraint(
                condition=models.Q(responded_on__isnull=True, response="")
                | (models.Q(responded_on__isnull=False) & ~models.Q(response="")),
                name="boardpackshare_response_with_date",
            ),
        ]

    def __str__(self):
        return f"Board pack shared with {self.board} on {self.shared_on}"
