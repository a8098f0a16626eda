"""Registrations, reviews, referrals and escalations for the demo people.

``CaseworkBuilder.add(people)`` is called with each batch of people as soon as they are written
(their rows carry their ids) and writes their casework the same way: rows built in Python and
written with ``insert_rows`` (COPY on PostgreSQL, ``bulk_create`` elsewhere). Every random choice
comes from its own ``random.Random`` stream, so the people stay exactly as they were before
casework existed, and the same ``--people``, ``--seed`` and date give the same casework.

The rows obey the rules of the services that users' changes go through
(``safeguard.registrations.services`` and ``safeguard.referrals.services``):

- one current RoSH registration matching the person's recorded RoSH level, earlier levels ended
  as "superseded" on the day the next began; MAPP with the person's MAPPA category and level;
  next review dates from the register's review period (``add_months``), the last review by the
  registration's owner;
- referrals to the agency that takes their kind, ``due_by`` = the local date of ``sent_at`` plus
  the agency's target in working days, ``decision_working_days`` from the same calendar, s42
  referrals with the three-part test, abuse categories and consent, duty-to-refer referrals with
  consent and an English housing authority;
- escalations only where the ladder allows them (rejected, closed with no response, or past the
  response date; the next level only after the previous one was upheld or an alternative agreed),
  each held by whoever ``safeguard.referrals.selectors.escalation_holder`` would choose.

A realistic sprinkle of the problems the hygiene rules and work items look for is added on
purpose (overdue reviews, two RoSH levels, a RoSH level that disagrees with OASys, RVLN ended while
ALSH is active, owners who have left, domestic abuse victim and perpetrator without a note,
duplicates), and demo.practitioner's caseload gets a fixed set of them to show (see
``DEMO_CASEWORK`` in ``generate``).
"""

from __future__ import annotations

import gc
import json
import math
import multiprocessing
import random
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import cache

from django.utils import timezone

from safeguard.core import calendar, dates
from safeguard.core.models import LocalAuthority
from safeguard.demo.weighted import Weighted
from safeguard.people.models import AccommodationStatus, RoshLevel, Sex
from safeguard.referrals.catalogue import DATA as REFERRAL_DATA
from safeguard.referrals.catalogue import escalation_ladder
from safeguard.referrals.models import (
    AWAITING_DECISION,
    SEND_WITHIN_WORKING_DAYS,
    Agency,
    AgencyKind,
    Consent,
    Escalation,
    EscalationOutcome,
    EscalationStatus,
    GroundWithoutConsent,
    MentalCapacity,
    Referral,
    ReferralKind,
    ReferralStatus,
    RejectionReason,
    Urgency,
)
from safeguard.referrals.selectors import EscalationHolders
from safeguard.registrations.models import (
    EndReason,
    RegisterGroup,
    RegisterType,
    Registration,
    RegistrationReview,
    RegistrationStatus,
    ReviewOutcome,
)

# ---- proportions: registrations ------------------------------------------------------------

ROSH_CODES = {
    RoshLevel.LOW: "RLRH",
    RoshLevel.MEDIUM: "RMRH",
    RoshLevel.HIGH: "RHRH",
    RoshLevel.VERY_HIGH: "RVHR",
}
ROSH_ORDER = [RoshLevel.LOW, RoshLevel.MEDIUM, RoshLevel.HIGH, RoshLevel.VERY_HIGH]
# Earlier RoSH levels before the current one (each ended as superseded).
ROSH_HISTORY = {0: 40, 1: 33, 2: 17, 3: 10}
ROSH_UNASSESSED_HISTORY_SHARE = 0.5  # people with no RoSH level yet who had one before
# An ended registration of a type, per person: this times the chance of an active one, plus a
# little for everyone (registrations from earlier orders).
ENDED_FACTOR = 0.9
ENDED_BASE = 0.035
CARRIED_OVER_SHARE = 0.3  # active registrations that began before the current supervision
NOTES_SHARE = 0.65
ENDED_NOTES_SHARE = 0.35
EARLIER_REVIEW_SHARE = 0.25  # a second, earlier review row as well as the latest
CHANGED_PLAN_SHARE = 0.2
OWNER_OTHER_SHARE = 0.12  # owned by a colleague rather than the current practitioner
# The hygiene sprinkle.
OVERDUE_SHARE = 0.03  # of active registrations with a review period
TWO_ROSH_SHARE = 0.01  # of people with a RoSH level
ROSH_MISMATCH_SHARE = 0.01
RVLN_ENDED_SHARE = 0.08  # of people with ALSH or RVAD active and no RVLN
OWNER_LEFT_SHARE = 0.04  # of active registrations, where the team has a leaver
DA_NO_NOTES_SHARE = 0.002  # of people: ADVP and ADVV both active and neither has a note
DUPLICATE_SHARE = 0.002  # of people: one registration active twice
LONG_HISTORY = 40  # registrations of the demo person with a long history


def registration_chances(person: dict, age: int) -> dict[str, float]:
    """The chance that each register type is active for ``person`` (RoSH aside)."""
    female = person["sex"] == Sex.FEMALE
    mh = person["mental_health_need"]
    ld = person["learning_disability"]
    rosh = person["rosh_level"]
    high = rosh in (RoshLevel.HIGH, RoshLevel.VERY_HIGH)
    homeless = person["accommodation_status"] == AccommodationStatus.NO_FIXED_ABODE
    category = person["mappa_category"]
    return {
        "ALSH": (0.30 if mh else 0.04) * (1.3 if female else 1.0),
        "RVLN": (0.16 if mh else 0.03) + (0.2 if ld else 0.0) + (0.06 if homeless else 0.0),
        "RVAD": 0.22 if ld else (0.05 if mh else 0.008),
        "REG22": 0.015 + (0.03 if high else 0.0),
        "AMHL": 0.55 if mh else 0.03,
        "RMDO": 0.05 if mh else 0.0,
        "ADVP": 0.05 if female else 0.2,
        "ADVV": 0.3 if female else 0.03,
        "REG30": 0.1,
        "IMAR": 0.06 if female else 0.015,
        "MAPP": 1.0 if category else 0.0,
        "AVIS": 0.9 if category == 1 else 0.0,
        "REG15": 0.05 + (0.1 if high else 0.0),
        "REG16": 0.05 if person["custody_status"] == "in_custody" else 0.0,
        "REG17": 0.45 if high else (0.12 if rosh == RoshLevel.MEDIUM else 0.02),
        "AV2S": 0.03 + (0.04 if high else 0.0),
        "RCCO": 0.07,
        "RCPR": 0.02,
        "RCHD": 0.5 if category == 1 else 0.07,
        "MSP": 0.004,
        "MSV": 0.008 * (2 if (mh or ld) else 1),
        "CUCK": 0.015 * (2 if (mh or ld) else 1),
        "STRG": 0.06 if age < 30 else 0.015,
        "WEAP": 0.08,
        "IRMO": 0.02,
        "RSTO": 0.08,
        "INLL": 1.0 if person["supervision_end"] is None else 0.0,
        "IIOM": 0.06,
    }


NOTES = {
    RegisterGroup.RISK_TO_SELF: [
        "History of self-harm at times of stress; see the safety plan.",
        "Disclosed suicidal thoughts at induction; GP and crisis team informed.",
        "Overdose in custody last year. Check in weekly around key dates.",
    ],
    RegisterGroup.ADULT_AT_RISK: [
        "Care and support needs; financially exploited by an associate.",
        "Learning disability; ASC informed and a social worker allocated.",
    ],
    RegisterGroup.PUBLIC_PROTECTION: [
        "Managed under the risk management plan; police liaison in place.",
        "Known adult identified in the OASys risk management plan.",
        "Threats to staff recorded; two-person visits only.",
    ],
    RegisterGroup.RISK_OF_SERIOUS_HARM: ["Level from the latest OASys assessment."],
    RegisterGroup.MENTAL_HEALTH: [
        "Under the community mental health team; medication reviewed by GP.",
        "Diagnosis of depression and anxiety; engaging with talking therapies.",
    ],
    RegisterGroup.DOMESTIC_ABUSE: [
        "Police call-outs to the home address; see the DASH risk assessment.",
        "Current partner known to police; safeguarding checks made.",
    ],
    RegisterGroup.CHILDREN: [
        "Children's social care involved; child protection plan in place.",
        "Contact with children supervised by family members only.",
    ],
    RegisterGroup.EXPLOITATION: [
        "Suspected county lines involvement; referred through the NRM.",
        "Associates using the flat; housing officer informed.",
    ],
    RegisterGroup.OTHER: [
        "Condition of the order; reviewed at each OASys review.",
        "Information from police intelligence, shared at the last review.",
    ],
}
DA_BOTH_NOTE = (
    "Victim and perpetrator in the same relationship (MARAC-discussed); both flags stay "
    "until the next review."
)
REVIEW_NOTES = [
    "Risk unchanged; plan continues.",
    "Discussed in supervision; no change needed.",
    "Updated after the latest OASys review.",
    "Partner agencies consulted; continue.",
]
END_NOTES_OTHER = [
    "Moved to a different supervision arrangement.",
    "Registration no longer relevant after the court's decision.",
]

# ---- proportions: referrals ----------------------------------------------------------------

REFERRALS_PER_PERSON = 200_000 / 240_000
ESCALATIONS_PER_PERSON = 20_000 / 240_000
REFERRAL_MONTHS = 18
KIND_WEIGHTS = {
    ReferralKind.ASC_S42: 24,
    ReferralKind.ASC_NEEDS_ASSESSMENT: 14,
    ReferralKind.MENTAL_HEALTH: 18,
    ReferralKind.HOUSING_DUTY_TO_REFER: 14,
    ReferralKind.SUBSTANCE_MISUSE: 12,
    ReferralKind.GP_REGISTRATION: 6,
    ReferralKind.MARAC: 5,
    ReferralKind.MULTI_AGENCY_PANEL: 7,
}
STATUS_WEIGHTS = {"decided": 88, "awaiting": 8, ReferralStatus.CLOSED_NO_RESPONSE: 4}
AWAITING_NOT_YET_DUE_SHARE = 0.55
ACKNOWLEDGED_SHARE = 0.4
BASE_ACCEPTANCE = {
    ReferralKind.ASC_S42: 0.55,
    ReferralKind.ASC_NEEDS_ASSESSMENT: 0.6,
    ReferralKind.MENTAL_HEALTH: 0.62,
    ReferralKind.HOUSING_DUTY_TO_REFER: 0.72,
    ReferralKind.SUBSTANCE_MISUSE: 0.86,
    ReferralKind.GP_REGISTRATION: 0.9,
    ReferralKind.MARAC: 0.8,
    ReferralKind.MULTI_AGENCY_PANEL: 0.75,
}
# Acceptance differs by local authority (and agency) and, a little, by sex: the thresholding the
# inspection found, made visible by the monitoring page.
LA_ACCEPTANCE_RANGE = (0.7, 1.25)
AGENCY_ACCEPTANCE_RANGE = (0.85, 1.15)
FEMALE_ACCEPTANCE = 1.10
MALE_ACCEPTANCE = 0.97
S42_INDICATED_SHARE = 0.62
S42_PART_SHARE = 0.55  # each part, when not all three are indicated
URGENCY = {Urgency.ROUTINE: 70, Urgency.URGENT: 25, Urgency.IMMEDIATE: 5}
CONSENT = {Consent.GIVEN: 70, Consent.REFUSED: 12, Consent.NOT_ASKED: 18}
ABUSE_CATEGORIES = {
    "self_neglect": 25,
    "financial_or_material": 20,
    "physical": 15,
    "psychological": 15,
    "domestic": 12,
    "neglect": 8,
    "sexual": 6,
    "modern_slavery": 4,
    "discriminatory": 2,
    "organisational": 1,
}
REJECTION_REASONS = {
    RejectionReason.BELOW_THRESHOLD: 35,
    RejectionReason.NO_CARE_AND_SUPPORT_NEEDS: 20,
    RejectionReason.INSUFFICIENT_INFORMATION: 15,
    RejectionReason.ALREADY_KNOWN: 12,
    RejectionReason.NOT_ORDINARILY_RESIDENT: 5,
    RejectionReason.OTHER: 13,
}
REASONS = {
    ReferralKind.ASC_S42: [
        "Financially exploited by people using the flat; cannot keep them out.",
        "Self-neglect: not eating, home unsafe, refusing help from family.",
        "Physical abuse by a family member the person depends on for care.",
    ],
    ReferralKind.ASC_NEEDS_ASSESSMENT: [
        "Struggles with daily living since release; may have care and support needs.",
        "Mobility problems after an injury; needs help at home.",
        "Learning disability; needs support to manage a tenancy.",
    ],
    ReferralKind.MENTAL_HEALTH: [
        "Low mood and thoughts of suicide; asks for support.",
        "Psychotic symptoms reported by hostel staff.",
        "Off medication since release; needs a review.",
    ],
    ReferralKind.HOUSING_DUTY_TO_REFER: [
        "Due for release with no address.",
        "Threatened with homelessness within 56 days: notice served.",
        "Sofa-surfing; the host has asked them to leave.",
    ],
    ReferralKind.SUBSTANCE_MISUSE: [
        "Opioid use; wants a script and naloxone.",
        "Alcohol dependence; asks for detox.",
    ],
    ReferralKind.GP_REGISTRATION: ["Not registered with a GP since release."],
    ReferralKind.MARAC: ["High-risk domestic abuse: DASH 14+ and a recent assault."],
    ReferralKind.MULTI_AGENCY_PANEL: [
        "Complex needs below the s42 threshold; agencies need to plan together.",
        "Repeated crises; no single agency can meet the need alone.",
    ],
}
S42_EVIDENCE = {
    "s42_care_and_support_needs": [
        "Diagnosed learning disability; needs prompting with daily tasks.",
        "Mobility and mental health needs; cannot manage the home unaided.",
    ],
    "s42_abuse_or_neglect": [
        "Associates take the person's money on benefit days.",
        "Bruising seen at appointments; person reports being pushed.",
    ],
    "s42_unable_to_protect_self": [
        "Cannot refuse the associates entry because of the needs above.",
        "Depends on the abuser for care and is afraid to report.",
    ],
}
S42_NOT_INDICATED = "Not indicated from what the practitioner knows."
PERSON_VIEWS = [
    "Wants help but is worried about losing the flat.",
    "Agrees that things cannot go on as they are.",
    "Does not want the police involved.",
    "",
]
WITHOUT_CONSENT = {
    Consent.REFUSED: "Risk to life is serious enough to refer without consent.",
    Consent.NOT_ASKED: "Lacked capacity to decide at the time; referred in their best interests.",
}
# The ground each of those is (the Care Act rules in ``referrals.services``).
GROUND_WITHOUT_CONSENT = {
    Consent.REFUSED: GroundWithoutConsent.VITAL_INTERESTS,
    Consent.NOT_ASKED: GroundWithoutConsent.LACKS_CAPACITY,
}
CAPACITY_ASSESSMENT = "Assessed by the community mental health team: could not weigh up the risks."
DECISION_NOTES = {
    ReferralStatus.ACCEPTED: ["", "Section 42 enquiry opened.", "Allocated to a worker.", ""],
    ReferralStatus.REJECTED: ["", "Agency says the threshold is not met.", ""],
}
OUTCOMES = [
    "Assessment completed; support plan agreed.",
    "Appointment offered and attended.",
    "Enquiry concluded; protection plan in place.",
    "Placed in temporary accommodation.",
]
NO_RESPONSE_NOTE = "No response after three reminders; closed."

# Escalations
ESCALATE_FIRST = {
    "s42_indicated": 0.62,
    "asc_rejected": 0.17,
    "other_rejected": 0.042,
    "no_response": 0.37,
    "past_due": 0.12,
}
ESCALATE_NEXT = {1: 0.45, 2: 0.35, 3: 0.3}
ESCALATION_OUTCOMES = {
    EscalationOutcome.DECISION_CHANGED: 25,
    EscalationOutcome.ALTERNATIVE_AGREED: 25,
    EscalationOutcome.DECISION_UPHELD: 45,
    EscalationOutcome.WITHDRAWN: 5,
}
ESCALATION_FORGOTTEN_SHARE = 0.03  # left open well past the target
ESCALATION_REASONS = {
    "rejected": "All three parts of the s42 test are met; the rejection should be reviewed.",
    "rejected_other": "The agency's reason does not fit what we know; asking for a review.",
    "no_response": "No answer from the agency despite reminders.",
}
ESCALATION_RESPONSES = {
    EscalationOutcome.DECISION_CHANGED: "Agency reviewed the referral and accepted it.",
    EscalationOutcome.ALTERNATIVE_AGREED: "Agency offered a needs assessment instead.",
    EscalationOutcome.DECISION_UPHELD: "Agency stands by its decision.",
    EscalationOutcome.WITHDRAWN: "New information: escalation no longer needed.",
}


REGIONAL_KINDS = (AgencyKind.MENTAL_HEALTH, AgencyKind.SUBSTANCE_MISUSE, AgencyKind.POLICE)


ROSH_HISTORY_PICK = Weighted(ROSH_HISTORY)
STATUS_PICK = Weighted(STATUS_WEIGHTS)
URGENCY_PICK = Weighted(URGENCY)
CONSENT_PICK = Weighted(CONSENT)
ABUSE_PICK = Weighted(ABUSE_CATEGORIES)
REJECTION_PICK = Weighted(REJECTION_REASONS)
ESCALATION_OUTCOME_PICK = Weighted(ESCALATION_OUTCOMES)


# The features of DEMO_CASEWORK that are fixed referrals (see ``_demo_referral``).
DEMO_REFERRAL_FEATURES = (
    "s42_rejected_indicated",
    "referral_past_due",
    "escalated_l1",
    "referral_ready_to_send",
)


def _care_act_capacity(row: dict) -> None:
    """Capacity and the ground without consent on a Care Act referral row, from its consent:
    capacity is assumed, except where the person could not decide (no random draw, so the
    rest of the data set is unchanged)."""
    consent = row.get("consent", "")
    lacks = consent == Consent.NOT_ASKED
    row["mental_capacity"] = MentalCapacity.LACKS if lacks else MentalCapacity.ASSUMED
    row["capacity_assessment"] = CAPACITY_ASSESSMENT if lacks else ""
    row["ground_without_consent"] = GROUND_WITHOUT_CONSENT.get(consent, "")
    if consent in WITHOUT_CONSENT:
        row["reason_without_consent"] = WITHOUT_CONSENT[consent]


@dataclass
class CaseworkCounts:
    registrations: int = 0
    reviews: int = 0
    referrals: int = 0
    escalations: int = 0


@dataclass
class _Reg:
    code: str
    row: dict
    reviews: list[dict] = field(default_factory=list)

    @property
    def active(self):
        return self.row["status"] == RegistrationStatus.ACTIVE


@dataclass
class _Ref:
    row: dict
    escalations: list[dict] = field(default_factory=list)


@dataclass
class CaseContext:
    """One person as the builders that follow casework see it (``CaseworkBuilder.extras``):
    the person's row, the demo features marked for them, their registrations and allocations,
    and ``facts`` that one builder leaves for the next (screens before release plans before
    appointments)."""

    person: dict
    features: tuple
    registrations: list[_Reg]
    allocations: list[dict]
    facts: dict = field(default_factory=dict)

    def holder_on(self, day: date):
        """The practitioner who held the case on ``day`` (None while the team held it)."""
        for allocation in reversed(self.allocations):
            if allocation["started_on"] <= day:
                return allocation["practitioner_id"]
        return self.allocations[0]["practitioner_id"] if self.allocations else None

    def codes_active_on(self, day: date) -> frozenset[str]:
        """The register codes active on ``day``, as ``active_registration_codes`` would have
        answered then."""
        return frozenset(
            r.code
            for r in self.registrations
            if r.row["start_date"] <= day and (r.row["ended_on"] is None or r.row["ended_on"] > day)
        )


# The same calendar functions the services use, remembered: the seed asks them the same
# questions hundreds of thousands of times.
add_months = cache(dates.add_months)
add_working_days = cache(calendar.add_working_days)
working_days_between = cache(calendar.working_days_between)
is_working_day = cache(calendar.is_working_day)


def _int(rng: random.Random, a: int, b: int) -> int:
    """A random integer from ``a`` to ``b`` inclusive (``randint`` is several times slower)."""
    return a + int(rng.random() * (b - a + 1))


def _choice(rng: random.Random, seq):
    return seq[int(rng.random() * len(seq))]


def _day(rng: random.Random, lo: date, hi: date) -> date:
    if hi <= lo:
        return lo
    return lo + timedelta(days=_int(rng, 0, (hi - lo).days))


def _working_day_on_or_before(day: date) -> date:
    while not is_working_day(day):
        day -= timedelta(days=1)
    return day


def working_days_before(day: date, n: int) -> date:
    """The working day ``n`` working days before ``day``."""
    while n:
        day -= timedelta(days=1)
        if is_working_day(day):
            n -= 1
    return day


def _s42_indicated(row: dict) -> bool:
    return bool(
        row.get("s42_care_and_support_needs")
        and row.get("s42_abuse_or_neglect")
        and row.get("s42_unable_to_protect_self")
    )


def _poisson(rng: random.Random, mean: float) -> int:
    limit, k, p = math.exp(-mean), 0, rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k


@contextmanager
def _cyclic_gc_paused():
    """Pause the cyclic garbage collector while a batch's rows are made or written: they are
    plain dicts and lists without cycles, and at national scale the collector spends a quarter
    of the time walking them and the builders' caches over and over. Whatever is garbage is
    collected when it runs again."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


_WORKER_BUILDER: CaseworkBuilder | None = None


def _generate_in_worker(batch, people, allocations):
    """Runs in a forked worker: only makes rows, never touches the database."""
    with _cyclic_gc_paused():
        return _WORKER_BUILDER._generate(batch, people, allocations)


class CaseworkBuilder:
    """Registrations, referrals and escalations; then, for each person, the ``extras``: builders
    of later features' data (screens, release plans, appointments) that follow the same pattern.
    Each extra has ``begin(batch)`` (seed its random streams for the batch), ``person(case)``
    (make one person's rows from a ``CaseContext``), ``end()`` (the batch's rows, picklable) and
    ``write(rows)`` (insert them). Extras run in the worker process with casework, in order,
    unless one says ``in_writer = True``: that one runs in this process as each batch is
    written, after the others, with the ``facts`` they left but not the registrations. Which
    process makes the rows changes nothing in them; it keeps both processes busy."""

    def __init__(
        self, seed, today: date, teams, counts: CaseworkCounts, workers: int = 0, extras=()
    ):
        self.extras = [e for e in extras if not getattr(e, "in_writer", False)]
        self.writer_extras = [e for e in extras if getattr(e, "in_writer", False)]
        self.seed = seed
        self.today = today
        self.yesterday = today - timedelta(days=1)
        self.counts = counts
        self.workers = workers  # processes that make the rows (0: this one)
        self.pool = None
        self.in_flight: list = []
        self.batches = 0
        self.tz = timezone.get_current_timezone()
        self.features: dict[str, tuple] = {}  # crn -> demo casework to show
        self.teams = {info.team.pk: info for info in teams}
        self.types = {t.code: t for t in RegisterType.objects.all()}
        self.type_pk = {code: t.pk for code, t in self.types.items()}
        self.review_months = {code: t.review_months for code, t in self.types.items()}
        self.notes = {code: NOTES[t.group] for code, t in self.types.items()}
        self.other_codes = [
            c for c, t in self.types.items() if t.group != RegisterGroup.RISK_OF_SERIOUS_HARM
        ]
        self._holders()
        self._agencies()

    # -- set-up

    def _holders(self):
        """Escalation holders by the service's own rule, for every case at once."""
        self.holders = EscalationHolders()
        self.holder_by_team = self.holders.by_team
        self.region_of_pdu = {
            info.team.pdu_id: info.team.pdu.region_id for info in self.teams.values()
        }

    def holder(self, level: int, person: dict):
        return self.holders.holder_id(
            level,
            team_id=person["team_id"],
            pdu_id=person["pdu_id"],
            region_id=self.region_of_pdu[person["pdu_id"]],
        )

    def _agencies(self):
        las = list(LocalAuthority.objects.select_related("region").order_by("name"))
        self.la_region = {la.pk: la.region_id for la in las}
        self.english = {la.pk for la in las if la.region.code != "WA"}
        self.las_by_region: dict[int, list[int]] = {}
        for la in las:
            self.las_by_region.setdefault(la.region_id, []).append(la.pk)
        self.welsh_regions = {la.region_id for la in las if la.region.code == "WA"}
        self.asc_by_la: dict[int, tuple[int, int]] = {}
        self.housing_by_la: dict[int, tuple[int, int]] = {}
        self.regional: dict[tuple[str, int], list[tuple[int, int]]] = {}
        self.by_name: dict[str, tuple[int, int]] = {}
        self.acceptance: dict[int, float] = {}  # agency id -> factor
        self.speed: dict[int, float] = {}  # agency id -> factor on the target
        la_names = {la.pk: la.name for la in las}
        la_factor = {
            pk: random.Random(f"{self.seed}:la:{name}").uniform(*LA_ACCEPTANCE_RANGE)
            for pk, name in la_names.items()
        }
        for agency in Agency.objects.filter(active=True).order_by("name"):
            entry = (agency.pk, agency.response_target_working_days)
            own = random.Random(f"{self.seed}:agency:{agency.name}")
            if agency.local_authority_id:
                self.acceptance[agency.pk] = la_factor[agency.local_authority_id]
            else:
                self.acceptance[agency.pk] = own.uniform(*AGENCY_ACCEPTANCE_RANGE)
            self.speed[agency.pk] = own.uniform(0.4, 1.6)
            if agency.kind == AgencyKind.ADULT_SOCIAL_CARE and agency.local_authority_id:
                self.asc_by_la[agency.local_authority_id] = entry
            elif agency.kind == AgencyKind.HOUSING and agency.local_authority_id:
                self.housing_by_la[agency.local_authority_id] = entry
            elif agency.kind in REGIONAL_KINDS:
                self.regional.setdefault((agency.kind, agency.region_id), []).append(entry)
            self.by_name[agency.name] = entry
        data = json.loads((REFERRAL_DATA / "agencies.json").read_text())
        self.pdu_agencies: dict[tuple[str, int], list[tuple[int, int]]] = {}
        for info in self.teams.values():
            pdu = info.team.pdu
            for kind, names in (("panel", data["pdu_panels"]), ("gp", data["pdu_gp_practices"])):
                full = [f"{pdu.name} {n}" for n in names]
                self.pdu_agencies[(kind, pdu.pk)] = [
                    self.by_name[n] for n in full if n in self.by_name
                ]

    # -- the run

    def mark(self, person: dict, features: tuple):
        if features:
            self.features[person["crn"]] = tuple(features)

    def add(self, people: list[dict], allocations: list[list[dict]] | None = None):
        """Write the casework of ``people`` (rows already written, with their ids) and, for the
        extras, their ``allocations`` (each person's, oldest first).

        With workers, the rows are made in another process while this one goes on with the
        next people, and written in the order the batches came, so that the data (ids
        included) is the same with or without workers."""
        batch = self.batches
        self.batches += 1
        allocations = allocations if allocations is not None else [[] for _ in people]
        if not self.workers:
            with _cyclic_gc_paused():
                self._write(batch, people, allocations, *self._generate(batch, people, allocations))
            return
        if self.pool is None:
            global _WORKER_BUILDER
            _WORKER_BUILDER = self  # the forked workers use a copy of this builder
            self.pool = multiprocessing.get_context("fork").Pool(self.workers)
        result = self.pool.apply_async(_generate_in_worker, (batch, people, allocations))
        self.in_flight.append((batch, people, allocations, result))
        while len(self.in_flight) > self.workers:
            self._write_next()

    def finish(self):
        """Write what the workers still hold."""
        while self.in_flight:
            self._write_next()
        self.close()

    def _write_next(self):
        batch, people, allocations, result = self.in_flight.pop(0)
        rows = result.get()
        with _cyclic_gc_paused():
            self._write(batch, people, allocations, *rows)

    def close(self):
        """Stop the workers (also when the run failed)."""
        if self.pool is not None:
            self.pool.terminate()
            self.pool = None

    def _generate(self, batch: int, people: list[dict], allocations: list[list[dict]]):
        # Each batch has its own random streams: the same rows whichever process makes them.
        self.reg_rng = random.Random(f"{self.seed}:registrations:{batch}")
        self.ref_rng = random.Random(f"{self.seed}:referrals:{batch}")
        for extra in self.extras:
            extra.begin(batch)
        regs: list[_Reg] = []
        refs: list[_Ref] = []
        facts = []  # each person's, for the extras that run as the batch is written
        for person, person_allocations in zip(people, allocations, strict=True):
            features = self.features.get(person["crn"], ())
            person_regs = self._registrations(person, features)
            regs.extend(person_regs)
            refs.extend(self._referrals(person, features))
            if self.extras or self.writer_extras:
                case = CaseContext(person, features, person_regs, person_allocations)
                for extra in self.extras:
                    extra.person(case)
                facts.append(case.facts)
        return regs, refs, [extra.end() for extra in self.extras], facts

    def _write(self, batch, people, allocations, regs, refs, extra_rows, facts):
        from safeguard.demo.generate import insert_rows

        insert_rows(Registration, [r.row for r in regs])
        reviews = []
        for r in regs:
            for review in r.reviews:
                review["registration_id"] = r.row["id"]
                reviews.append(review)
        insert_rows(RegistrationReview, reviews)
        insert_rows(Referral, [r.row for r in refs])
        escalations = []
        for r in refs:
            for escalation in r.escalations:
                escalation["referral_id"] = r.row["id"]
                escalations.append(escalation)
        insert_rows(Escalation, escalations)
        self.counts.registrations += len(regs)
        self.counts.reviews += len(reviews)
        self.counts.referrals += len(refs)
        self.counts.escalations += len(escalations)
        for extra, rows in zip(self.extras, extra_rows, strict=True):
            extra.write(rows)
        if not self.writer_extras:
            return
        for extra in self.writer_extras:
            extra.begin(batch)
        for person, person_allocations, person_facts in zip(
            people, allocations, facts, strict=True
        ):
            features = self.features.get(person["crn"], ())
            case = CaseContext(person, features, [], person_allocations, person_facts)
            for extra in self.writer_extras:
                extra.person(case)
        for extra in self.writer_extras:
            extra.write(extra.end())

    # -- registrations

    def _owner(self, rng, person, info, *, ended=False):
        holder = person["practitioner_id"]
        colleagues = info.in_post
        if ended:
            pool = info.in_post + info.left
            if pool and (holder is None or rng.random() < 0.5):
                return _choice(rng, pool)
            return holder
        if info.left and rng.random() < OWNER_LEFT_SHARE:
            return _choice(rng, info.left)
        if holder is None or rng.random() < OWNER_OTHER_SHARE:
            return _choice(rng, colleagues) if colleagues else holder
        return holder

    def _notes(self, rng, code, share):
        if rng.random() >= share:
            return ""
        return _choice(rng, self.notes[code])

    def _row(self, code, person, owner, start, *, notes="", level=None, category=None):
        return {
            "person_id": person["id"],
            "register_type_id": self.type_pk[code],
            "status": RegistrationStatus.ACTIVE,
            "start_date": start,
            "next_review_date": None,
            "notes": notes,
            "owner_id": owner,
            "registering_team_id": person["team_id"],
            "level": level,
            "category": category,
            "ended_on": None,
            "end_reason": "",
            "end_notes": "",
        }

    def _active(self, rng, code, person, info, earliest, start=None, *, overdue=None, **extra):
        """An active registration, reviewed on time (or overdue when ``overdue``)."""
        today = self.today
        sup = person["supervision_start"]
        if start is None:
            if rng.random() < CARRIED_OVER_SHARE:
                start = _day(rng, sup - timedelta(days=730), sup)
            else:
                start = _day(rng, sup, self.yesterday)
        start = min(max(start, earliest), self.yesterday)
        owner = self._owner(rng, person, info)
        reg = _Reg(code, self._row(code, person, owner, start, **extra))
        if "notes" not in extra:
            reg.row["notes"] = self._notes(rng, code, NOTES_SHARE)
        months = self.review_months[code]
        if not months:
            return reg
        if overdue is None:
            overdue = rng.random() < OVERDUE_SHARE
        if overdue:
            due = today - timedelta(days=_int(rng, 1, 90))
            last = add_months(due, -months)
            if last < earliest:
                due = add_months(earliest, months)
                if due >= today:
                    overdue = False
                else:
                    last = earliest
            if overdue:
                if last <= start + timedelta(days=7):
                    reg.row["start_date"] = last
                    reg.row["next_review_date"] = add_months(last, months)
                else:
                    self._review(rng, reg, last, months, owner)
                return reg
        first_due = add_months(start, months)
        if first_due > today:
            reg.row["next_review_date"] = first_due
            return reg
        window = max(add_months(today, -months) + timedelta(days=1), start + timedelta(days=1))
        reviewed = _day(rng, window, self.yesterday)
        while add_months(reviewed, months) <= today:
            reviewed += timedelta(days=1)
        self._review(rng, reg, reviewed, months, owner)
        earlier = add_months(reviewed, -months)
        if earlier > start and rng.random() < EARLIER_REVIEW_SHARE:
            reg.reviews.append(self._review_row(rng, earlier, add_months(earlier, months), owner))
        return reg

    def _review(self, rng, reg, reviewed, months, owner):
        next_date = add_months(reviewed, months)
        reg.row["next_review_date"] = next_date
        reg.reviews.append(self._review_row(rng, reviewed, next_date, owner))

    def _review_row(self, rng, reviewed, next_date, reviewer):
        changed = rng.random() < CHANGED_PLAN_SHARE
        return {
            "reviewed_on": reviewed,
            "outcome": ReviewOutcome.CONTINUE_CHANGED if changed else ReviewOutcome.CONTINUE,
            "notes": _choice(rng, REVIEW_NOTES) if rng.random() < 0.5 else "",
            "next_review_date": next_date,
            "reviewer_id": reviewer,
        }

    def _ended(
        self, rng, code, person, info, earliest, *, ended_on=None, start=None, reason=None, **extra
    ):
        sup = person["supervision_start"]
        if ended_on is None:
            ended_on = _day(rng, earliest + timedelta(days=30), self.yesterday)
        if start is None:
            start = max(earliest, ended_on - timedelta(days=_int(rng, 30, 720)))
        start = min(start, ended_on)
        owner = self._owner(rng, person, info, ended=True)
        row = self._row(code, person, owner, start, **extra)
        if "notes" not in extra:
            row["notes"] = self._notes(rng, code, ENDED_NOTES_SHARE)
        months = self.review_months[code]
        if months:
            # The first review date after the end: start plus whole review periods.
            elapsed = (ended_on.year - start.year) * 12 + ended_on.month - start.month
            next_date = add_months(start, max(1, elapsed // months) * months)
            while next_date <= ended_on:
                next_date = add_months(next_date, months)
            row["next_review_date"] = next_date
        if reason is None:
            roll = rng.random()
            if ended_on < sup:
                reason = EndReason.SUPERVISION_ENDED if roll < 0.6 else EndReason.NO_LONGER_APPLIES
            elif roll < 0.85:
                reason = EndReason.NO_LONGER_APPLIES
            elif roll < 0.9:
                reason = EndReason.ENTERED_IN_ERROR
            else:
                reason = EndReason.OTHER
        row["status"] = RegistrationStatus.ENDED
        row["ended_on"] = ended_on
        row["end_reason"] = reason
        if reason == EndReason.OTHER:
            row["end_notes"] = _choice(rng, END_NOTES_OTHER)
        return _Reg(code, row)

    def _rosh(self, rng, person, info, earliest, level, *, mismatch=False, second=False):
        """The current RoSH registration (at ``level``), the earlier levels it superseded, and
        with ``second`` an earlier level that was never ended."""
        if not level:
            if rng.random() >= ROSH_UNASSESSED_HISTORY_SHARE:
                return []
            code = ROSH_CODES[ROSH_ORDER[int(rng.random() * 4)]]
            return [self._ended(rng, code, person, info, earliest)]
        lo = max(earliest, person["supervision_start"] - timedelta(days=120))
        code = ROSH_CODES[level]
        if mismatch:
            i = ROSH_ORDER.index(level)
            code = ROSH_CODES[ROSH_ORDER[i + 1 if i == 0 else i - 1]]
        current = self._active(rng, code, person, info, earliest, _day(rng, lo, self.yesterday))
        regs = [current]
        later_code, later_start = code, current.row["start_date"]
        index = ROSH_ORDER.index(self.types[code].rosh_level)
        for _ in range(ROSH_HISTORY_PICK.pick(rng)):
            index += _choice(rng, (-1, 1)) if 0 < index < 3 else (1 if index == 0 else -1)
            code = ROSH_CODES[ROSH_ORDER[index]]
            start = later_start - timedelta(days=_int(rng, 90, 540))
            if start < earliest:
                break
            reg = self._ended(
                rng,
                code,
                person,
                info,
                earliest,
                ended_on=later_start,
                start=start,
                reason=EndReason.SUPERSEDED,
            )
            reg.row["end_notes"] = f"Superseded by {later_code}"
            regs.append(reg)
            later_code, later_start = code, start
        if second:
            other = ROSH_CODES[ROSH_ORDER[(ROSH_ORDER.index(level) + 1) % 4]]
            start = max(earliest, later_start - timedelta(days=_int(rng, 60, 400)))
            regs.append(self._active(rng, other, person, info, earliest, start))
        return regs

    def _registrations(self, person, features) -> list[_Reg]:
        rng = self.reg_rng
        info = self.teams[person["team_id"]]
        today = self.today
        born = person["date_of_birth"]
        age = (today - born).days // 365
        earliest = max(born + timedelta(days=round(18 * 365.25)), today - timedelta(days=3000))
        earliest = min(earliest, self.yesterday)
        rosh = person["rosh_level"]
        roll = rng.random()
        two_rosh = "two_rosh" in features or (rosh and roll < TWO_ROSH_SHARE)
        mismatch = rosh and TWO_ROSH_SHARE <= roll < TWO_ROSH_SHARE + ROSH_MISMATCH_SHARE
        if two_rosh and not rosh:
            rosh = RoshLevel.MEDIUM  # the demo's contradiction, even without an OASys level
        regs = self._rosh(rng, person, info, earliest, rosh, mismatch=mismatch, second=two_rosh)

        chances = registration_chances(person, age)
        if "long_history" in features:
            chances = dict.fromkeys(chances, 0.55)
            chances["MAPP"] = 1.0 if person["mappa_category"] else 0.0
            chances["INLL"] = 1.0 if person["supervision_end"] is None else 0.0
        # One draw a type: active, or ended (a registration of an earlier order or a risk that
        # has gone), or neither.
        active_codes = set()
        ended_codes = []
        factor = 1.6 if "long_history" in features else 1.0
        for code, chance in chances.items():
            roll = rng.random()
            if roll < chance:
                extra = {}
                if code == "MAPP":
                    extra = {"level": person["mappa_level"], "category": person["mappa_category"]}
                regs.append(self._active(rng, code, person, info, earliest, **extra))
                active_codes.add(code)
            elif roll < chance + (ENDED_FACTOR * chance + ENDED_BASE) * factor:
                ended_codes.append(code)
        # ADVP and ADVV together carry a note explaining why, except for a few.
        da_no_notes = "da_both_no_notes" in features or rng.random() < DA_NO_NOTES_SHARE
        if da_no_notes and not {"ADVP", "ADVV"} <= active_codes:
            # Sorted: a set's order changes from one process to the next (hash randomisation).
            for code in sorted({"ADVP", "ADVV"} - active_codes):
                regs.append(self._active(rng, code, person, info, earliest))
                active_codes.add(code)
        if {"ADVP", "ADVV"} <= active_codes:
            for reg in regs:
                if reg.code in ("ADVP", "ADVV") and reg.active:
                    reg.row["notes"] = "" if da_no_notes else DA_BOTH_NOTE
        at_risk = bool(active_codes & {"ALSH", "RVAD"})
        rvln_ended = "rvln_ended" in features
        if rvln_ended and not at_risk:
            regs.append(self._active(rng, "ALSH", person, info, earliest))
            active_codes.add("ALSH")
            at_risk = True
        if at_risk and "RVLN" not in active_codes and rng.random() < RVLN_ENDED_SHARE:
            rvln_ended = True
        if rvln_ended and "RVLN" not in active_codes:
            ended_on = today - timedelta(days=_int(rng, 7, 120))
            regs.append(
                self._ended(
                    rng, "RVLN", person, info, earliest,
                    ended_on=max(ended_on, earliest), reason=EndReason.NO_LONGER_APPLIES,
                )
            )  # fmt: skip

        for code in ended_codes:
            if code == "RVLN" and at_risk and "RVLN" not in active_codes:
                continue  # would read as RVLN ended while at risk: only on purpose (above)
            extra = {}
            if code == "MAPP":
                extra = {
                    "level": _choice(rng, (1, 1, 1, 2)),
                    "category": _choice(rng, (1, 2, 2, 3)),
                }
            regs.append(self._ended(rng, code, person, info, earliest, **extra))

        if "long_history" in features:
            regs = self._top_up(rng, regs, person, info, earliest, LONG_HISTORY)
        elif rng.random() < DUPLICATE_SHARE and active_codes - {"MAPP"}:
            code = _choice(rng, sorted(active_codes - {"MAPP"}))
            regs.append(self._active(rng, code, person, info, earliest))

        if "overdue" in features:
            self._make_overdue(rng, regs, person, info, earliest, 2)
        if "owner_left" in features and info.left:
            for reg in [r for r in regs if r.active][:2]:
                reg.row["owner_id"] = info.left[0]
                for review in reg.reviews:
                    review["reviewer_id"] = info.left[0]
        return regs

    def _top_up(self, rng, regs, person, info, earliest, total):
        """Ended history (never RoSH, RVLN or MAPP, so no rule fires) up to ``total``
        registrations, or ended ones left out down to it."""
        codes = [c for c in self.other_codes if c not in ("RVLN", "MAPP")]
        while len(regs) < total:
            regs.append(self._ended(rng, _choice(rng, codes), person, info, earliest))
        while len(regs) > total:
            ended = [i for i, r in enumerate(regs) if not r.active and r.code in codes]
            if not ended:
                break
            del regs[ended[-1]]
        return regs

    def _make_overdue(self, rng, regs, person, info, earliest, n):
        """Make ``n`` active registrations overdue for review (adding some if need be)."""
        candidates = [
            r
            for r in regs
            if r.active
            and self.types[r.code].review_months
            and self.types[r.code].group != RegisterGroup.RISK_OF_SERIOUS_HARM
            and r.code != "MAPP"
        ]
        active = {r.code for r in regs if r.active}
        needed = n - len(candidates)
        for code in ("WEAP", "RSTO", "REG30"):
            if needed <= 0:
                break
            if code not in active:
                regs.append(self._active(rng, code, person, info, earliest, overdue=True))
                needed -= 1
        for reg in candidates[:n]:
            replacement = self._active(
                rng,
                reg.code,
                person,
                info,
                earliest,
                reg.row["start_date"],
                overdue=True,
                notes=reg.row["notes"],
                level=reg.row["level"],
                category=reg.row["category"],
            )
            replacement.row["owner_id"] = reg.row["owner_id"]
            for review in replacement.reviews:
                review["reviewer_id"] = reg.row["owner_id"]
            reg.row, reg.reviews = replacement.row, replacement.reviews

    # -- referrals

    def _when(self, rng, day: date) -> datetime:
        return datetime.combine(day, time(_int(rng, 8, 17), _int(rng, 0, 59)), tzinfo=self.tz)

    def _agency(self, rng, kind, person):
        """The agency for ``kind`` and the authority a duty to refer goes to (or None)."""
        la = person["local_authority_id"]
        region = self.region_of_pdu[person["pdu_id"]]
        if la is None:
            la = self.las_by_region[region][0]
        if kind in (ReferralKind.ASC_S42, ReferralKind.ASC_NEEDS_ASSESSMENT):
            return self.asc_by_la.get(la), None
        if kind == ReferralKind.HOUSING_DUTY_TO_REFER:
            if la not in self.english or rng.random() < 0.15:
                english = [x for x in self.las_by_region.get(region, []) if x in self.english]
                if not english:
                    return None, None
                la = _choice(rng, english)
            return self.housing_by_la.get(la), la
        if kind in (ReferralKind.MENTAL_HEALTH, ReferralKind.SUBSTANCE_MISUSE, ReferralKind.MARAC):
            agency_kind = {
                ReferralKind.MENTAL_HEALTH: AgencyKind.MENTAL_HEALTH,
                ReferralKind.SUBSTANCE_MISUSE: AgencyKind.SUBSTANCE_MISUSE,
                ReferralKind.MARAC: AgencyKind.POLICE,
            }[kind]
            choices = self.regional.get((agency_kind, region))
            # The same PDU mostly works with the same trust or force.
            return (choices[person["pdu_id"] % len(choices)] if choices else None), None
        kind_key = "gp" if kind == ReferralKind.GP_REGISTRATION else "panel"
        choices = self.pdu_agencies.get((kind_key, person["pdu_id"]))
        return (_choice(rng, choices) if choices else None), None

    def _kind_weights(self, person):
        weights = dict(KIND_WEIGHTS)
        accommodation = person["accommodation_status"]
        if accommodation in (AccommodationStatus.NO_FIXED_ABODE, AccommodationStatus.TRANSIENT):
            weights[ReferralKind.HOUSING_DUTY_TO_REFER] *= 3
            weights[ReferralKind.GP_REGISTRATION] *= 2
        if person["mental_health_need"]:
            weights[ReferralKind.MENTAL_HEALTH] *= 2
            weights[ReferralKind.ASC_S42] *= 1.4
            weights[ReferralKind.ASC_NEEDS_ASSESSMENT] *= 1.4
        if person["learning_disability"]:
            weights[ReferralKind.ASC_S42] *= 1.5
            weights[ReferralKind.ASC_NEEDS_ASSESSMENT] *= 2
        if person["sex"] == Sex.FEMALE:
            weights[ReferralKind.MARAC] *= 3
        if self.region_of_pdu[person["pdu_id"]] in self.welsh_regions:
            weights[ReferralKind.HOUSING_DUTY_TO_REFER] = 0  # an English duty
        return Weighted(weights)

    def _referrals(self, person, features) -> list[_Ref]:
        rng = self.ref_rng
        rate = 1.0
        if person["mental_health_need"]:
            rate += 0.8
        if person["accommodation_status"] == AccommodationStatus.NO_FIXED_ABODE:
            rate += 0.8
        elif person["accommodation_status"] == AccommodationStatus.TRANSIENT:
            rate += 0.3
        if person["learning_disability"]:
            rate += 0.6
        if person["sex"] == Sex.FEMALE:
            rate += 0.3
        count = _poisson(rng, REFERRALS_PER_PERSON * rate / 1.52)
        refs = []
        if count:
            kinds = self._kind_weights(person)
            for _ in range(count):
                ref = self._referral(rng, person, kinds.pick(rng))
                if ref is not None:
                    refs.append(ref)
        for feature in features:
            if feature in DEMO_REFERRAL_FEATURES:
                refs.append(self._demo_referral(rng, person, feature))
        return refs

    def _referral_row(self, rng, person, kind, agency, housing_la) -> dict:
        info = self.teams[person["team_id"]]
        created_by = person["practitioner_id"] or (
            _choice(rng, info.in_post) if info.in_post else self.holder_by_team.get(info.team.pk)
        )
        row = {
            "person_id": person["id"],
            "kind": kind,
            "agency_id": agency[0],
            "status": ReferralStatus.SENT,
            "urgency": URGENCY_PICK.pick(rng),
            "reason": _choice(rng, REASONS[kind]),
            "created_by_id": created_by,
            "consent": Consent.GIVEN if rng.random() < 0.85 else "",
        }
        if kind == ReferralKind.ASC_S42:
            indicated = rng.random() < S42_INDICATED_SHARE
            parts = [True, True, True]
            while not indicated and all(parts):
                parts = [rng.random() < S42_PART_SHARE for _ in range(3)]
            for name, yes in zip(S42_EVIDENCE, parts, strict=True):
                row[name] = yes
                row[f"{name}_evidence"] = (
                    _choice(rng, S42_EVIDENCE[name]) if yes else S42_NOT_INDICATED
                )
            categories = {ABUSE_PICK.pick(rng) for _ in range(_choice(rng, (1, 1, 2, 3)))}
            row["abuse_categories"] = sorted(categories)
            row["consent"] = CONSENT_PICK.pick(rng)
            row["reason_without_consent"] = WITHOUT_CONSENT.get(row["consent"], "")
            row["person_views"] = _choice(rng, PERSON_VIEWS)
        if kind == ReferralKind.ASC_NEEDS_ASSESSMENT and not row["consent"]:
            row["consent"] = Consent.GIVEN  # a needs assessment records consent
        if kind in (ReferralKind.ASC_S42, ReferralKind.ASC_NEEDS_ASSESSMENT):
            _care_act_capacity(row)
        if kind == ReferralKind.HOUSING_DUTY_TO_REFER:
            row["consent"] = Consent.GIVEN
            row["consent_to_share_contact_details"] = True
            row["chosen_housing_authority_id"] = housing_la
        return row

    def _send(self, row, agency, sent_day, rng):
        row["sent_at"] = self._when(rng, sent_day)
        row["due_by"] = add_working_days(sent_day, agency[1])

    def _decide(self, row, agency, person, decided_day, rng, *, outcome=None):
        sent_day = row["sent_at"].date()
        decided_at = self._when(rng, decided_day)
        if decided_at < row["sent_at"]:
            decided_at = row["sent_at"] + timedelta(minutes=_int(rng, 20, 180))
            decided_at = min(decided_at, datetime.combine(decided_day, time(23, 0), tzinfo=self.tz))
        if outcome is None:
            chance = BASE_ACCEPTANCE[row["kind"]] * self.acceptance[agency[0]]
            chance *= FEMALE_ACCEPTANCE if person["sex"] == Sex.FEMALE else MALE_ACCEPTANCE
            if row["kind"] == ReferralKind.ASC_S42:
                chance *= 1.15 if _s42_indicated(row) else 0.7
            outcome = (
                ReferralStatus.ACCEPTED
                if rng.random() < min(0.97, max(0.05, chance))
                else ReferralStatus.REJECTED
            )
        row["status"] = outcome
        row["decided_at"] = decided_at
        row["decision_working_days"] = working_days_between(sent_day, decided_at.date())
        if outcome == ReferralStatus.REJECTED:
            row["rejection_reason"] = REJECTION_PICK.pick(rng)
        row["decision_notes"] = _choice(rng, DECISION_NOTES[outcome])
        if outcome == ReferralStatus.ACCEPTED and rng.random() < 0.4:
            row["outcome"] = _choice(rng, OUTCOMES)
        if rng.random() < 0.5:
            row["acknowledged_at"] = min(
                row["sent_at"] + timedelta(hours=_int(rng, 1, 30)), decided_at
            )

    def _referral(self, rng, person, kind) -> _Ref | None:
        agency, housing_la = self._agency(rng, kind, person)
        if agency is None:
            return None
        row = self._referral_row(rng, person, kind, agency, housing_la)
        yesterday = self.yesterday
        earliest = max(
            self.today - timedelta(days=round(REFERRAL_MONTHS * 30.44)),
            person["supervision_start"] - timedelta(days=30),
        )
        status = STATUS_PICK.pick(rng)
        target = agency[1]
        if status == "awaiting":
            # Sent ``back`` working days ago: on or before the target, or past it.
            if rng.random() < AWAITING_NOT_YET_DUE_SHARE:
                back = _int(rng, 1, max(1, target))
            else:
                back = target + _int(rng, 1, 40)
            self._send(row, agency, working_days_before(self.today, back), rng)
            if rng.random() < ACKNOWLEDGED_SHARE:
                row["status"] = ReferralStatus.ACKNOWLEDGED
                row["acknowledged_at"] = row["sent_at"] + timedelta(hours=_int(rng, 1, 8))
                row["acknowledged_at"] = min(
                    row["acknowledged_at"], datetime.combine(yesterday, time(23, 0), tzinfo=self.tz)
                )
                if row["acknowledged_at"] < row["sent_at"]:
                    row["acknowledged_at"] = row["sent_at"]
        elif status == ReferralStatus.CLOSED_NO_RESPONSE:
            latest = yesterday - timedelta(days=25)
            sent_day = _working_day_on_or_before(_day(rng, min(earliest, latest), latest))
            self._send(row, agency, sent_day, rng)
            row["status"] = ReferralStatus.CLOSED_NO_RESPONSE
            row["decision_notes"] = NO_RESPONSE_NOTE
        else:
            sent_day = _working_day_on_or_before(_day(rng, min(earliest, yesterday), yesterday))
            self._send(row, agency, sent_day, rng)
            mean = max(0.5, target * self.speed[agency[0]])
            days = min(int(rng.expovariate(1 / mean)), 60)
            decided_day = min(add_working_days(sent_day, days), yesterday)
            self._decide(row, agency, person, decided_day, rng)
        ref = _Ref(row)
        self._escalate(rng, ref, person)
        return ref

    # -- escalations

    def _escalate(self, rng, ref, person):
        row = ref.row
        status = row["status"]
        target = None
        if status == ReferralStatus.REJECTED:
            if row["kind"] == ReferralKind.ASC_S42 and _s42_indicated(row):
                chance, reason = ESCALATE_FIRST["s42_indicated"], ESCALATION_REASONS["rejected"]
            elif row["kind"] in (ReferralKind.ASC_S42, ReferralKind.ASC_NEEDS_ASSESSMENT):
                chance, reason = (
                    ESCALATE_FIRST["asc_rejected"],
                    ESCALATION_REASONS["rejected_other"],
                )
            else:
                chance, reason = (
                    ESCALATE_FIRST["other_rejected"],
                    ESCALATION_REASONS["rejected_other"],
                )
            start = row["decided_at"].date()
            target = add_working_days(start, _int(rng, 0, 5))
        elif status == ReferralStatus.CLOSED_NO_RESPONSE:
            chance, reason = ESCALATE_FIRST["no_response"], ESCALATION_REASONS["no_response"]
            target = add_working_days(row["due_by"], _int(rng, 3, 12))
        elif status in AWAITING_DECISION and row["due_by"] < self.today:
            chance, reason = ESCALATE_FIRST["past_due"], ESCALATION_REASONS["no_response"]
            target = add_working_days(row["due_by"], _int(rng, 1, 5))
        else:
            return
        if rng.random() >= chance:
            return
        level, raised_day, raised_by = 1, target, row["created_by_id"]
        not_before = row.get("decided_at") or row["sent_at"]
        ladder = escalation_ladder()
        while raised_day <= self.yesterday:
            holder = self.holder(level, person)
            raised_at = max(self._when(rng, raised_day), not_before + timedelta(minutes=30))
            target_days = ladder[level]["target_working_days"]
            escalation = {
                "level": level,
                "status": EscalationStatus.OPEN,
                "reason": reason,
                "raised_by_id": raised_by,
                "raised_at": raised_at,
                "holder_id": holder,
                "due_by": add_working_days(raised_day, target_days),
                "response": "",
                "outcome": "",
                "resolved_at": None,
                "resolved_by_id": None,
            }
            ref.escalations.append(escalation)
            if holder is None or rng.random() < ESCALATION_FORGOTTEN_SHARE:
                return
            answer_day = add_working_days(
                raised_day, min(int(rng.expovariate(1 / target_days)), 20)
            )
            if answer_day > self.yesterday:
                return  # still open: raised recently
            outcome = ESCALATION_OUTCOME_PICK.pick(rng)
            resolved_at = max(self._when(rng, answer_day), raised_at + timedelta(minutes=10))
            escalation.update(
                status=EscalationStatus.RESOLVED,
                response=ESCALATION_RESPONSES[outcome],
                outcome=outcome,
                resolved_at=resolved_at,
                resolved_by_id=holder,
            )
            not_before = resolved_at
            if outcome in (EscalationOutcome.DECISION_CHANGED, EscalationOutcome.WITHDRAWN):
                return
            if level >= 4 or rng.random() >= ESCALATE_NEXT[level]:
                return
            level, raised_by = level + 1, holder
            raised_day = add_working_days(answer_day, _int(rng, 0, 3))
            reason = "The agency upheld its decision at the previous level; taking it further."

    def _demo_referral(self, rng, person, feature) -> _Ref:
        """Fixed referrals for demo.practitioner's caseload (see DEMO_CASEWORK)."""
        if feature in ("referral_past_due", "referral_ready_to_send"):
            kind = ReferralKind.ASC_NEEDS_ASSESSMENT
        else:
            kind = ReferralKind.ASC_S42
        agency, _ = self._agency(rng, kind, person)
        row = self._referral_row(rng, person, kind, agency, None)
        if kind == ReferralKind.ASC_S42:
            for name in S42_EVIDENCE:
                row[name] = True
                row[f"{name}_evidence"] = S42_EVIDENCE[name][0]
            row["abuse_categories"] = ["financial_or_material", "self_neglect"]
            row["consent"], row["reason_without_consent"] = Consent.GIVEN, ""
            _care_act_capacity(row)
            row["urgency"] = Urgency.URGENT
        ref = _Ref(row)
        if feature == "referral_ready_to_send":
            # Completed yesterday and not sent yet: routine, so it is to be sent by tomorrow.
            row["status"] = ReferralStatus.READY_TO_SEND
            row["urgency"] = Urgency.ROUTINE
            ready_day = working_days_before(self.today, 1)
            row["ready_at"] = self._when(rng, ready_day)
            row["send_by"] = add_working_days(ready_day, SEND_WITHIN_WORKING_DAYS[Urgency.ROUTINE])
            return ref
        if feature == "referral_past_due":
            sent_day = working_days_before(self.today, agency[1] + 4)
            self._send(row, agency, sent_day, rng)
            row["status"] = ReferralStatus.ACKNOWLEDGED
            row["acknowledged_at"] = row["sent_at"] + timedelta(hours=2)
            return ref
        sent_day = working_days_before(self.today, 9)
        self._send(row, agency, sent_day, rng)
        decided_day = working_days_before(self.today, 6)
        self._decide(row, agency, person, decided_day, rng, outcome=ReferralStatus.REJECTED)
        row["rejection_reason"] = RejectionReason.BELOW_THRESHOLD
        row["decision_notes"] = "Agency says the needs are not eligible."
        if feature == "escalated_l1":
            raised_day = working_days_before(self.today, 1)
            ref.escalations.append(
                {
                    "level": 1,
                    "status": EscalationStatus.OPEN,
                    "reason": ESCALATION_REASONS["rejected"],
                    "raised_by_id": row["created_by_id"],
                    "raised_at": self._when(rng, raised_day),
                    "holder_id": self.holder(1, person),
                    "due_by": add_working_days(
                        raised_day, escalation_ladder()[1]["target_working_days"]
                    ),
                }
            )
        return ref
