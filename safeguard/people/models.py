"""People on probation: identity, allocation, contact and communication needs, custody and risk."""

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from simple_history.models import HistoricalRecords

CRN_PATTERN = r"^[A-Z][0-9]{6}$"
crn_validator = RegexValidator(CRN_PATTERN, "A CRN is one capital letter and six digits.")


class Sex(models.TextChoices):
    MALE = "male", "Male"
    FEMALE = "female", "Female"
    # nDelius "N": not specified (a case that arrives from nDelius without either).
    NOT_KNOWN = "unknown", "Not known"


class GenderIdentity(models.TextChoices):
    SAME_AS_SEX = "same_as_sex", "Same as sex registered at birth"
    MAN = "man", "Man (including trans man)"
    WOMAN = "woman", "Woman (including trans woman)"
    NON_BINARY = "non_binary", "Non-binary"
    OTHER = "other", "Other gender identity"
    PREFER_NOT_TO_SAY = "prefer_not_to_say", "Prefers not to say"


class Ethnicity(models.TextChoices):
    """The 19 ethnic groups of the 2021 Census in England and Wales (ONS)."""

    ASIAN_BANGLADESHI = "A1", "Asian or Asian British: Bangladeshi"
    ASIAN_CHINESE = "A2", "Asian or Asian British: Chinese"
    ASIAN_INDIAN = "A3", "Asian or Asian British: Indian"
    ASIAN_PAKISTANI = "A4", "Asian or Asian British: Pakistani"
    ASIAN_OTHER = "A5", "Asian or Asian British: any other Asian background"
    BLACK_AFRICAN = "B1", "Black, Black British, Caribbean or African: African"
    BLACK_CARIBBEAN = "B2", "Black, Black British, Caribbean or African: Caribbean"
    BLACK_OTHER = "B3", "Black, Black British, Caribbean or African: any other Black background"
    MIXED_WHITE_ASIAN = "M1", "Mixed or multiple ethnic groups: White and Asian"
    MIXED_WHITE_BLACK_AFRICAN = "M2", "Mixed or multiple ethnic groups: White and Black African"
    MIXED_WHITE_BLACK_CARIBBEAN = "M3", "Mixed or multiple ethnic groups: White and Black Caribbean"
    MIXED_OTHER = "M4", "Mixed or multiple ethnic groups: any other mixed background"
    WHITE_BRITISH = "W1", "White: English, Welsh, Scottish, Northern Irish or British"
    WHITE_IRISH = "W2", "White: Irish"
    WHITE_GYPSY_TRAVELLER = "W3", "White: Gypsy or Irish Traveller"
    WHITE_ROMA = "W4", "White: Roma"
    WHITE_OTHER = "W5", "White: any other White background"
    OTHER_ARAB = "O1", "Other ethnic group: Arab"
    OTHER_ANY = "O2", "Other ethnic group: any other ethnic group"
    NOT_STATED = "NS", "Not stated"


class SentenceType(models.TextChoices):
    COMMUNITY_ORDER = "community_order", "Community order"
    SUSPENDED_SENTENCE_ORDER = "suspended_sentence_order", "Suspended sentence order"
    LICENCE = "licence", "Licence"
    POST_SENTENCE_SUPERVISION = "post_sentence_supervision", "Post-sentence supervision"


class CustodyStatus(models.TextChoices):
    IN_COMMUNITY = "in_community", "In the community"
    IN_CUSTODY = "in_custody", "In custody"


class AccommodationStatus(models.TextChoices):
    SETTLED = "settled", "Settled"
    TRANSIENT = "transient", "Transient or short-term"
    NO_FIXED_ABODE = "no_fixed_abode", "No fixed abode"
    APPROVED_PREMISES = "approved_premises", "Approved premises"


class RoshLevel(models.TextChoices):
    """Risk of serious harm, as assessed in OASys."""

    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"
    VERY_HIGH = "very_high", "Very high"


class MappaCategory(models.IntegerChoices):
    REGISTERED_SEXUAL_OFFENDER = 1, "Category 1: registered sexual offender"
    VIOLENT_OFFENDER = 2, "Category 2: violent offender"
    OTHER_DANGEROUS_OFFENDER = 3, "Category 3: other dangerous offender"
    TERRORISM = 4, "Category 4: terrorist or terrorist risk"


class MappaLevel(models.IntegerChoices):
    ORDINARY = 1, "Level 1: ordinary agency management"
    MULTI_AGENCY = 2, "Level 2: active multi-agency management"
    SENIOR = 3, "Level 3: multi-agency management with senior resources"


class PersonStatus(models.TextChoices):
    """Whether the record is open for day-to-day work. Once a death is recorded the record is
    closed: every change is refused (``safeguard.people.gate``) and it stands as it was for the
    review of the death."""

    SUPERVISED = "supervised", "Under supervision"
    DIED = "died", "Died"


class Person(models.Model):
    """A person on probation. ``team`` and ``practitioner`` mirror the current allocation."""

    crn = models.CharField("CRN", max_length=7, unique=True, validators=[crn_validator])
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    date_of_birth = models.DateField()
    sex = models.CharField(max_length=8, choices=Sex.choices)
    gender_identity = models.CharField(max_length=24, choices=GenderIdentity.choices, blank=True)
    ethnicity = models.CharField(max_length=2, choices=Ethnicity.choices, default="NS")

    pdu = models.ForeignKey("core.PDU", on_delete=models.PROTECT, related_name="people")
    team = models.ForeignKey("core.Team", on_delete=models.PROTECT, related_name="people")
    practitioner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="caseload",
        help_text="Empty while the case is unallocated.",
    )
    local_authority = models.ForeignKey(
        "core.LocalAuthority", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    sentence_type = models.CharField(max_length=32, choices=SentenceType.choices)
    supervision_start = models.DateField()
    supervision_end = models.DateField(null=True, blank=True)
    custody_status = models.CharField(
        max_length=16, choices=CustodyStatus.choices, default=CustodyStatus.IN_COMMUNITY
    )
    expected_release_date = models.DateField(null=True, blank=True)
    # The custody record's last release (from nDelius and NOMIS, or set when a release is
    # recorded here): what the deaths analysis falls back on when there is no release plan.
    last_released_on = models.DateField(
        "Last released from custody", null=True, blank=True, editable=False
    )
    accommodation_status = models.CharField(max_length=24, choices=AccommodationStatus.choices)

    # Contact details
    mobile = models.CharField(max_length=20, blank=True)
    phone = models.CharField(max_length=20, blank=True)
    email = models.EmailField(blank=True)
    address_line = models.CharField("Address", max_length=200, blank=True)
    town = models.CharField(max_length=100, blank=True)
    postcode = models.CharField(max_length=10, blank=True)

    # Communication needs
    neurodivergence = models.BooleanField(
        "Neurodivergent (for example autism, ADHD, dyslexia)", default=False
    )
    learning_disability = models.BooleanField(default=False)
    literacy_support = models.BooleanField("Needs help with reading and writing", default=False)
    interpreter_language = models.CharField(
        "Interpreter needed (language)", max_length=60, blank=True
    )
    communication_notes = models.TextField(blank=True)

    mental_health_need = models.BooleanField("Current mental health need", default=False)

    # Risk as recorded (OASys and MAPPA)
    rosh_level = models.CharField(
        "Risk of serious harm", max_length=16, choices=RoshLevel.choices, blank=True
    )
    mappa_category = models.PositiveSmallIntegerField(
        "MAPPA category", choices=MappaCategory.choices, null=True, blank=True
    )
    mappa_level = models.PositiveSmallIntegerField(
        "MAPPA level", choices=MappaLevel.choices, null=True, blank=True
    )

    # Set only by the service that records a death (never in a form or the admin).
    status = models.CharField(
        max_length=16, choices=PersonStatus.choices, default=PersonStatus.SUPERVISED, editable=False
    )
    died_on = models.DateField("Date of death", null=True, blank=True, editable=False)

    # Optimistic concurrency: every edit carries the version it started from.
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["last_name", "first_name"]
        verbose_name_plural = "people"
        indexes = [
            models.Index(fields=["team", "last_name", "first_name"], name="person_team_name"),
            models.Index(fields=["practitioner", "last_name"], name="person_practitioner_name"),
            models.Index(fields=["pdu", "last_name", "first_name"], name="person_pdu_name"),
            models.Index(fields=["last_name", "first_name"], name="person_name"),
            models.Index(fields=["custody_status", "expected_release_date"], name="person_release"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(mappa_category__isnull=True)
                | models.Q(mappa_category__gte=1, mappa_category__lte=4),
                name="person_mappa_category_range",
            ),
            models.CheckConstraint(
                condition=models.Q(mappa_level__isnull=True)
                | models.Q(mappa_level__gte=1, mappa_level__lte=3),
                name="person_mappa_level_range",
            ),
            models.CheckConstraint(
                condition=models.Q(status="died", died_on__isnull=False)
                | models.Q(status="supervised", died_on__isnull=True),
                name="person_died_on_with_status",
            ),
        ]

    def __str__(self):
        return f"{self.full_name} ({self.crn})"

    @property
    def full_name(self):
        return f"{self.first_name} {self.last_name}"

    @property
    def has_died(self):
        return self.status == PersonStatus.DIED

    @property
    def has_communication_needs(self):
        return bool(
            self.neurodivergence
            or self.learning_disability
            or self.literacy_support
            or self.interpreter_language
        )


class AllocationReason(models.TextChoices):
    INITIAL = "initial", "First allocation"
    PRACTITIONER_LEFT = "practitioner_left", "Practitioner left or moved post"
    WORKLOAD = "workload", "Workload balancing"
    TRANSFER = "transfer", "Transfer to another team or PDU"
    RISK_OR_NEED = "risk_or_need", "Change in risk or need"
    PERSON_REQUEST = "person_request", "At the person's request"
    ABSENCE = "absence", "Practitioner absence"
    OTHER = "other", "Other"


class Allocation(models.Model):
    """One period during which a practitioner (or only a team) held the case."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="allocations")
    practitioner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="allocations",
    )
    team = models.ForeignKey("core.Team", on_delete=models.PROTECT, related_name="allocations")
    started_on = models.DateField()
    ended_on = models.DateField(null=True, blank=True, help_text="Empty for the current one.")
    reason = models.CharField(max_length=32, choices=AllocationReason.choices)
    reason_detail = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-started_on", "-id"]
        indexes = [models.Index(fields=["person", "-started_on"], name="allocation_person")]
        constraints = [
            models.UniqueConstraint(
                fields=["person"],
                condition=models.Q(ended_on__isnull=True),
                name="allocation_one_current_per_person",
            ),
            models.CheckConstraint(
                condition=models.Q(ended_on__isnull=True)
                | models.Q(ended_on__gte=models.F("started_on")),
                name="allocation_ends_after_start",
            ),
        ]

    def __str__(self):
        return f"{self.person_id} → {self.practitioner_id or 'unallocated'} from {self.started_on}"

    @property
    def is_current(self):
        return self.ended_on is None


class LimitedAccess(models.Model):
    """nDelius-style limited access. A case with any restriction entry is visible only to the
    staff listed on its restriction list; staff on its exclusion list may never see it."""

    class Kind(models.TextChoices):
        RESTRICTION = "restriction", "Restriction (only listed staff may see the case)"
        EXCLUSION = "exclusion", "Exclusion (listed staff may never see the case)"

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="limited_access")
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="limited_access"
    )
    kind = models.CharField(max_length=16, choices=Kind.choices)
    reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "limited access entries"
        constraints = [
            models.UniqueConstraint(
                fields=["person", "staff", "kind"], name="limited_access_unique_entry"
            )
        ]
        indexes = [
            models.Index(fields=["staff", "kind", "person"], name="limited_access_staff"),
            models.Index(fields=["kind", "person"], name="limited_access_kind"),
        ]
