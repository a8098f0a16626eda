"""The population, outcome and covariates of each monitored decision as SQL.

Each builder gives a ``values()`` queryset with one row per unit (person, screen, referral,
release or appointment) in the caller's scope: its groups (``g_sex``, ``g_ethnicity``,
``g_age_band``, ``g_local_authority``), its quarter, ``outcome`` (1 or 0) and a column
``c_<name>`` for each covariate. Nothing here loops over people: the analysis groups these rows
in the database (``analysis.aggregate``).
"""

import datetime as dt
from dataclasses import dataclass

from django.db.models import (
    Case,
    CharField,
    DateField,
    DateTimeField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    Value,
    When,
)
from django.db.models.fields.json import KT
from django.db.models.functions import Coalesce, TruncDate, TruncQuarter
from django.utils import timezone

from safeguard.assessments.models import MEDIUM_OR_ABOVE, SafetyPlan, VulnerabilityScreen
from safeguard.assessments.risk import at_risk_to_self
from safeguard.core.bounds import years_before
from safeguard.engagement.models import Appointment, Outcome
from safeguard.equality.catalogue import Decision
from safeguard.pathways.models import PathwayOffer
from safeguard.people.models import Person
from safeguard.people.selectors import visibility
from safeguard.referrals.models import DECIDED, NOT_SENT, Referral, ReferralKind, ReferralStatus
from safeguard.registrations.models import Registration
from safeguard.releases.models import PlanStatus, ReleaseAccommodation, ReleasePlan

AGE_BANDS = [("18-24", 18, 25), ("25-34", 25, 35), ("35-49", 35, 50), ("50-64", 50, 65)]
OVER_65 = "65 and over"
# The five ethnic groups of the 2021 Census (ONS), from the first letter of the 19 categories.
ETHNIC_GROUPS = [
    ("asian", "A", "Asian or Asian British"),
    ("black", "B", "Black, Black British, Caribbean or African"),
    ("mixed", "M", "Mixed or multiple ethnic groups"),
    ("white", "W", "White"),
    ("other", "O", "Other ethnic group"),
]
NOT_STATED = "not_stated"
ETHNIC_GROUP_LABELS = {code: label for code, _, label in ETHNIC_GROUPS} | {NOT_STATED: "Not stated"}
AT_RISK_REGISTERS = ("ALSH", "RVLN", "RVAD")
HOUSED_ON_RELEASE = (
    ReleaseAccommodation.SETTLED,
    ReleaseAccommodation.TEMPORARY,
    ReleaseAccommodation.APPROVED_PREMISES,
)


def _start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _flag(condition) -> Case:
    return Case(When(condition, then=Value(1)), default=Value(0), output_field=IntegerField())


def _yes_no(field: str) -> Case:
    return Case(
        When(**{field: True}, then=Value("yes")),
        When(**{field: False}, then=Value("no")),
        default=Value("not recorded"),
        output_field=CharField(),
    )


def ethnic_group(prefix: str) -> Case:
    whens = [
        When(**{f"{prefix}ethnicity__startswith": letter}, then=Value(code))
        for code, letter, _ in ETHNIC_GROUPS
    ]
    return Case(*whens, default=Value(NOT_STATED), output_field=CharField())


def age_band(prefix: str, today: dt.date) -> Case:
    whens = [
        When(
            **{
                f"{prefix}date_of_birth__gt": years_before(today, high),
                f"{prefix}date_of_birth__lte": years_before(today, low),
            },
            then=Value(label),
        )
        for label, low, high in AGE_BANDS
    ]
    return Case(*whens, default=Value(OVER_65), output_field=CharField())


def _person_covariates(prefix: str) -> dict:
    return {
        "mental_health_need": _yes_no(f"{prefix}mental_health_need"),
        "accommodation": F(f"{prefix}accommodation_status"),
        "rosh_level": Coalesce(F(f"{prefix}rosh_level"), Value("not recorded")),
    }


@dataclass(frozen=True)
class Population:
    """A decision's units before grouping: the queryset, the path to the person ("" on Person
    itself), the column that dates a unit and whether it is a date or a date and time."""

    queryset: object
    person: str
    date_field: str
    is_datetime: bool
    covariates: dict
    local_authority: object = None


def _screens(user, levels_q: Q) -> object:
    return (
        VulnerabilityScreen.objects.filter(visibility(user, via="person"))
        .filter(levels_q)
        .annotate(
            day=TruncDate("completed_at"),
        )
    )


def _screen_population(user, levels_q, outcome, extra_covariates=None) -> Population:
    qs = _screens(user, levels_q).annotate(unit_event=_flag(Q(outcome)))
    covariates = {"risk_to_self": F("risk_to_self")} | (extra_covariates or {})
    return Population(
        qs, "person", "completed_at", True, covariates | _person_covariates("person__")
    )


def _days_after(ref: str, days: int, *, datetime=True):
    field = DateTimeField() if datetime else DateField()
    return ExpressionWrapper(OuterRef(ref) + dt.timedelta(days=days), output_field=field)


def screened_when_due(user, today) -> Population:
    screened = VulnerabilityScreen.objects.filter(
        person_id=OuterRef("pk"),
        completed_at__date__gte=OuterRef("supervision_start"),
        completed_at__date__lte=_days_after("supervision_start", 28, datetime=False),
    )
    qs = Person.objects.filter(visibility(user)).annotate(unit_event=_flag(Q(Exists(screened))))
    return Population(qs, "", "supervision_start", False, _person_covariates(""))


def registered_when_indicated(user, today) -> Population:
    registered = Registration.objects.filter(
        person_id=OuterRef("person_id"),
        register_type__code__in=AT_RISK_REGISTERS,
        start_date__lte=_days_after("day", 28, datetime=False),
    ).filter(Q(ended_on__isnull=True) | Q(ended_on__gte=OuterRef("day")))
    return _screen_population(user, Q(risk_to_self__in=list(MEDIUM_OR_ABOVE)), Exists(registered))


def safety_plan_when_indicated(user, today) -> Population:
    planned = SafetyPlan.objects.filter(
        person_id=OuterRef("person_id"),
        created_at__date__gte=OuterRef("day"),
        created_at__date__lte=_days_after("day", 14, datetime=False),
    )
    return _screen_population(user, Q(risk_to_self__in=list(MEDIUM_OR_ABOVE)), Exists(planned))


def asc_referral_when_indicated(user, today) -> Population:
    referred = Referral.objects.filter(
        person_id=OuterRef("person_id"),
        kind=ReferralKind.ASC_S42,
        sent_at__date__gte=OuterRef("day"),
        sent_at__date__lte=_days_after("day", 28, datetime=False),
    )
    return _screen_population(user, Q(s42_indicated=True), Exists(referred))


def trauma_support_offered(user, today) -> Population:
    referred = Referral.objects.filter(
        person_id=OuterRef("person_id"),
        kind=ReferralKind.MENTAL_HEALTH,
        sent_at__date__gte=OuterRef("day"),
        sent_at__date__lte=_days_after("day", 28, datetime=False),
    ).exclude(status__in=NOT_SENT)
    # Or a pathway offered for the trauma (trauma-informed support, a women's centre...), once
    # pathways are recorded: recommendation 3 counts the support, whichever route it took.
    offered = PathwayOffer.objects.filter(
        person_id=OuterRef("person_id"),
        need="trauma",
        offered_on__gte=OuterRef("day"),
        offered_on__lte=_days_after("day", 28, datetime=False),
    )
    return _screen_population(
        user,
        Q(domain_levels__trauma__in=["medium", "high"]),
        Exists(referred) | Exists(offered),
        {"trauma_level": KT("domain_levels__trauma")},
    )


def asc_referrals_decided(user):
    return Referral.objects.filter(
        visibility(user, via="person"), kind=ReferralKind.ASC_S42, status__in=DECIDED
    )


def asc_referral_accepted(user, today) -> Population:
    qs = asc_referrals_decided(user).annotate(unit_event=_flag(Q(status=ReferralStatus.ACCEPTED)))
    covariates = {
        "s42_care_and_support_needs": _yes_no("s42_care_and_support_needs"),
        "s42_abuse_or_neglect": _yes_no("s42_abuse_or_neglect"),
        "s42_unable_to_protect_self": _yes_no("s42_unable_to_protect_self"),
        "urgency": F("urgency"),
    }
    la = Coalesce("agency__local_authority_id", "person__local_authority_id")
    return Population(qs, "person", "sent_at", True, covariates, la)


def released_with_accommodation(user, today) -> Population:
    qs = ReleasePlan.objects.filter(
        visibility(user, via="person"), status=PlanStatus.RELEASED, at_risk_at_release=True
    ).annotate(unit_event=_flag(Q(accommodation_type__in=HOUSED_ON_RELEASE)))
    return Population(qs, "person", "released_on", False, _person_covariates("person__"))


def welfare_check_after_missed(user, today) -> Population:
    qs = (
        Appointment.objects.filter(
            visibility(user, via="person"),
            at_risk_to_self("person_id"),
            outcome=Outcome.FAILED_TO_ATTEND,
        )
        .annotate(start_day=TruncDate("starts_at"), check_day=TruncDate("welfare_checked_at"))
        .annotate(unit_event=_flag(Q(check_day=F("start_day"))))
    )
    return Population(qs, "person", "starts_at", True, _person_covariates("person__"))


BUILDERS = {
    "screened_when_due": screened_when_due,
    "registered_when_indicated": registered_when_indicated,
    "safety_plan_when_indicated": safety_plan_when_indicated,
    "asc_referral_when_indicated": asc_referral_when_indicated,
    "asc_referral_accepted": asc_referral_accepted,
    "trauma_support_offered": trauma_support_offered,
    "released_with_accommodation": released_with_accommodation,
    "welfare_check_after_missed": welfare_check_after_missed,
}


def facts(
    decision: Decision,
    *,
    user,
    date_from: dt.date | None,
    date_to: dt.date | None,
    region_id=None,
    pdu_id=None,
    today: dt.date,
):
    """One row per unit of ``decision`` in the period and the caller's scope, with its groups,
    quarter, outcome and covariates (``values()``: nothing is fetched until it is grouped)."""
    population = BUILDERS[decision.code](user, today)
    qs = population.queryset.order_by()
    prefix = f"{population.person}__" if population.person else ""
    # A unit counts once the time for its outcome has passed.
    last = today - dt.timedelta(days=decision.window_days)
    date_to = min(date_to, last) if date_to else last
    field = population.date_field
    if population.is_datetime:
        if date_from:
            qs = qs.filter(**{f"{field}__gte": _start_of(date_from)})
        qs = qs.filter(**{f"{field}__lt": _start_of(date_to + dt.timedelta(days=1))})
    else:
        if date_from:
            qs = qs.filter(**{f"{field}__gte": date_from})
        qs = qs.filter(**{f"{field}__lte": date_to})
    if region_id:
        qs = qs.filter(**{f"{prefix}pdu__region_id": region_id})
    if pdu_id:
        qs = qs.filter(**{f"{prefix}pdu_id": pdu_id})
    la = population.local_authority or F(f"{prefix}local_authority_id")
    return qs.values(
        g_sex=F(f"{prefix}sex"),
        g_ethnicity=ethnic_group(prefix),
        g_age_band=age_band(prefix, today),
        g_local_authority=la,
        quarter=TruncQuarter(field),
        **{f"c_{name}": population.covariates[name] for name in decision.covariates},
        unit_outcome=F("unit_event"),
    )
