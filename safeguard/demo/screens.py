"""Vulnerability and risk-to-self screens and safety plans for the demo people.

``ScreensBuilder`` is one of the casework extras (see ``CaseworkBuilder`` in ``casework.py``): it
is given each person of each batch as soon as their registrations are made, and its rows are
written with ``insert_rows`` (COPY on PostgreSQL, ``bulk_create`` elsewhere) after the batch's
casework. Every random choice comes from its own ``random.Random`` stream per batch, so the same
``--people``, ``--seed`` and date give the same screens, with or without a worker process.

The rows obey what ``safeguard.assessments.services`` enforces when a practitioner records them:

- every screen is answered on the current questionnaire version, its answers pass
  ``scoring.validate_answers`` (which gives the stored, normalised form), and the stored
  outcome (domain levels, risk to self, the three parts of the Care Act s42 test and whether all
  three hold, recommendations) is exactly what ``scoring.evaluate`` gives for those answers,
  with the registrations active on the screen's day and whether a safety plan was current at
  that moment, as ``screen_record`` asks it. Outcomes are never written by hand: they come
  from ``scoring.assess`` and ``scoring.recommend``, the two halves of ``evaluate``, each called
  once for equal questions. For that, answers are drawn from a bank of ``ANSWER_SETS`` answer
  sets per case profile (each made by the distributions below from its own random stream), so
  that equal answers recur; scoring each screen afresh would be most of a national seed's time;
- a safety plan is written after a screen, by the case holder; one plan at a time is current,
  the person's plans are numbered 1, 2, 3..., a replaced plan was replaced when its successor
  was written, and a review date is never before the day the plan was written nor more than
  ``policy.SAFETY_PLAN_MAX_REVIEW_MONTHS`` after it.

Answers come from what the case holds, never from sex, gender identity, ethnicity or age (the
scoring is blind to them anyway): an active ALSH or RVAD registration makes answers about
suicide and self-harm more worrying, a mental health need or AMHL raises mental health answers,
a learning disability, neurodivergence or literacy need the communication answers, ADVV domestic
abuse answers, CUCK and MSV exploitation answers, no fixed abode the housing answers. Most
answers to most questions are the least worrying ones, as in practice.

Coverage follows the screening policy (``safeguard.assessments.policy``): most people have a
screen in the last 6 months, people due for release in the next 4 weeks mostly one in the last
4 weeks, and a realistic minority are lapsed (the last screen older than 6 months) or were never
screened (more often among people whose supervision began in the last 4 weeks), so that the
SCREEN_DUE rule still raises some items. Safety plans exist for most people whose latest screen
puts their risk to self at high or very high and for some at medium, a few overdue for review.

demo.practitioner's caseload is kept tidy (everyone screened in time, no plan overdue) apart
from the fixed cases of ``DEMO_CASEWORK`` in ``generate``: ``screen_due`` (no screen in the last
6 months), ``safety_plan_overdue`` (risk to self high, the plan's review date passed) and
``missed_at_risk`` (a latest screen at medium or above, for the missed appointment that needs a
welfare check, made in ``appointments.py``).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from safeguard.assessments import policy, scoring
from safeguard.assessments.models import (
    DEFAULT_CRISIS_LINES,
    FOLLOW_UP_LEVELS,
    FollowUpStatus,
    SafetyPlan,
    SafetyPlanStatus,
    ScreenStatus,
    VulnerabilityScreen,
)
from safeguard.assessments.questionnaires import condition_kind
from safeguard.assessments.selectors import questionnaire_current
from safeguard.core.bounds import months_after, months_before
from safeguard.demo.casework import (
    CaseContext,
    _choice,
    _day,
    _int,
    is_working_day,
)
from safeguard.demo.weighted import Weighted
from safeguard.people.models import AccommodationStatus, CustodyStatus
from safeguard.registrations.catalogue import risk_to_self_registers
from safeguard.releases.selectors import OPIOID_OVERDOSE_ANSWERS

# ---- proportions ------------------------------------------------------------------------------

NEVER_SCREENED_SHARE = 0.03
NEW_CASE_UNSCREENED_SHARE = 0.45  # supervision began in the last 4 weeks
LAPSED_SHARE = 0.06  # the latest screen is 6 to 12 months old
PRE_RELEASE_SCREENED_SHARE = 0.75  # release in the next 4 weeks: screened in the last 4 weeks
EARLIER_SCREEN_SHARE = 0.15  # a screen about 6 months before the latest
THIRD_SCREEN_SHARE = 0.2  # of those, another 6 months before that
# A safety plan written after a screen, by the screen's risk to self.
SAFETY_PLAN_SHARE = {"low": 0.0, "medium": 0.3, "not_known": 0.3, "high": 0.75, "very_high": 0.9}
REWRITE_SHARE = 0.85  # a plan current at the screen is reviewed after it (a new version)
RISK_TO_SELF_CODES = frozenset(risk_to_self_registers())
LEVEL_DUE_SHARE = 0.04  # a latest screen past its level's shorter interval, not yet repeated
FOLLOW_UP_OUTCOMES = ("still_not_known", "concerns")  # both still count as at risk to self
SAFETY_PLAN_OVERDUE_SHARE = 0.05  # of current plans old enough to be overdue
# Answers are drawn from a bank of this many answer sets per case profile (each made from its
# own random stream), so that equal answers recur and are scored once: scoring every screen
# afresh would be most of the national seed's time.
ANSWER_SETS = 16
MAX_CACHE = 100_000  # answer sets and outcomes kept

# The least worrying answer comes first in each distribution.
SSH_HISTORY = {
    "base": Weighted({"no": 80, "more_than_12_months": 11, "last_12_months": 2.5, "last_4_weeks": 0.5, "prefer_not_to_say": 6}),
    "raised": Weighted({"no": 62, "more_than_12_months": 21, "last_12_months": 7, "last_4_weeks": 2, "prefer_not_to_say": 8}),
    "alsh": Weighted({"no": 12, "more_than_12_months": 36, "last_12_months": 32, "last_4_weeks": 12, "prefer_not_to_say": 8}),
}  # fmt: skip
SSH_THOUGHTS = {
    "base": Weighted({"no": 90, "sometimes": 5, "often": 0.8, "with_plan": 0.2, "prefer_not_to_say": 4}),
    "raised": Weighted({"no": 75, "sometimes": 15, "often": 3, "with_plan": 1, "prefer_not_to_say": 6}),
    "alsh": Weighted({"no": 30, "sometimes": 38, "often": 20, "with_plan": 6, "prefer_not_to_say": 6}),
}  # fmt: skip
SSH_SELF_HARM = {
    "base": Weighted({"no": 95, "yes": 1, "prefer_not_to_say": 4}),
    "raised": Weighted({"no": 89, "yes": 5, "prefer_not_to_say": 6}),
    "alsh": Weighted({"no": 62, "yes": 30, "prefer_not_to_say": 8}),
}
TRIGGERS = ("release", "bereavement", "court", "recall", "relationship_breakdown")
TRIGGER_SHARE = {"base": 0.03, "raised": 0.08, "alsh": 0.3}
WHAT_HELPS = [
    "Talking to my sister.",
    "Going to the gym and keeping busy.",
    "Walking the dog.",
    "Music, and getting out of the flat.",
    "Knowing someone will answer the phone.",
]
ADJUSTMENTS = [
    "Letters read out to me; short appointments.",
    "Easy-read information and a text the day before.",
    "A quiet room, and time to answer.",
    "Write things down for me to take away.",
]
FEEL_SAFE = [
    "Seeing the same person each time.",
    "A ground-floor room near the door.",
    "Being told what will happen before it happens.",
]
ACCOMMODATION_TONIGHT = {
    AccommodationStatus.SETTLED: Weighted({"settled": 88, "family_or_friends": 10, "not_sure": 2}),
    AccommodationStatus.TRANSIENT: Weighted({"family_or_friends": 55, "temporary": 35, "rough_sleeping": 2, "not_sure": 8}),
    AccommodationStatus.NO_FIXED_ABODE: Weighted({"family_or_friends": 30, "temporary": 30, "rough_sleeping": 30, "not_sure": 10}),
    AccommodationStatus.APPROVED_PREMISES: Weighted({"settled": 10, "temporary": 90}),
}  # fmt: skip
ACCOMMODATION_AT_RISK = {
    AccommodationStatus.SETTLED: Weighted({"no": 88, "yes": 5, "not_sure": 7}),
    AccommodationStatus.TRANSIENT: Weighted({"no": 40, "yes": 30, "not_sure": 30}),
    AccommodationStatus.NO_FIXED_ABODE: Weighted({"no": 10, "yes": 70, "not_sure": 20}),
    AccommodationStatus.APPROVED_PREMISES: Weighted({"no": 50, "yes": 20, "not_sure": 30}),
}
EXPLOITATION = ("county_lines", "cuckooing", "modern_slavery", "financial", "sexual")
# demo.practitioner's fixed cases: answers about suicide and self-harm on the latest screen.
SAFETY_PLAN_OVERDUE_ANSWERS = {
    "ssh_history": "last_12_months",
    "ssh_thoughts": "often",
    "ssh_self_harm_now": "no",
}
MISSED_AT_RISK_ANSWERS = {"ssh_history": "more_than_12_months", "ssh_thoughts": "sometimes"}


def _p(**weights) -> Weighted:
    return Weighted(weights)


# Answers that are not about risk to self, each by whether the case points to a need.
PICKS = {
    "mh_condition": (_p(no=75, yes=8, not_sure=12, prefer_not_to_say=5), _p(no=8, yes=75, not_sure=10, prefer_not_to_say=7)),
    "mh_support": (_p(yes=8, no=4, not_sure=8, not_needed=80), _p(yes=60, no=12, not_sure=13, not_needed=15)),
    "su_alcohol": (_p(no=58, sometimes=25, yes=12, prefer_not_to_say=5),),
    "su_drugs": (_p(no=50, in_past=24, yes=21, prefer_not_to_say=5),),
    "su_overdose": (_p(no=90, more_than_12_months=2, last_12_months=0.5, witnessed=5.5, prefer_not_to_say=2), _p(no=52, more_than_12_months=26, last_12_months=12, witnessed=8, prefer_not_to_say=2)),
    "su_support": (_p(yes=5, would_like=3, not_needed=85, prefer_not_to_say=7), _p(yes=40, would_like=25, not_needed=25, prefer_not_to_say=10)),
    "ph_condition": (_p(no=68, yes=29, prefer_not_to_say=3),),
    "ph_daily_impact": (_p(no=94, a_little=5.5, a_lot=0.5), _p(no=45, a_little=45, a_lot=10)),
    "ph_gp": (_p(yes=80, no=11, not_sure=9), _p(yes=50, no=35, not_sure=15)),
    "ld_condition": (_p(no=88, yes=3, think_so=6, prefer_not_to_say=3), _p(no=25, yes=40, think_so=30, prefer_not_to_say=5), _p(no=5, yes=80, think_so=10, prefer_not_to_say=5)),
    "ld_reading": (_p(no=80, sometimes=17, yes=3), _p(no=10, sometimes=40, yes=50)),
    "ld_understanding": (_p(no=82, sometimes=16, often=2), _p(no=40, sometimes=45, often=15), _p(no=15, sometimes=45, often=40)),
    "ex_ongoing": (_p(no=96.3, yes=0.2, not_sure=2, prefer_not_to_say=1.5), _p(no=35, yes=35, not_sure=25, prefer_not_to_say=5)),
    "da_now": (_p(no=83, in_past=12, yes=1, prefer_not_to_say=4), _p(no=15, in_past=45, yes=35, prefer_not_to_say=5)),
    "da_safe": (_p(yes=92, sometimes=7, no=1), _p(yes=60, sometimes=35, no=5), _p(yes=10, sometimes=50, no=40)),
    "cs_daily_help": (_p(no=95, sometimes=4, yes=1), _p(no=55, sometimes=30, yes=15)),
    "cs_getting_help": (_p(not_needed=90, yes=5, partly=3, no=2), _p(not_needed=5, yes=35, partly=30, no=30)),
    "cs_self_care": (_p(no=94, sometimes=5, yes=1), _p(no=65, sometimes=27, yes=8)),
    "cs_protect_self": (_p(yes=90, not_sure=6, no=1, prefer_not_to_say=3), _p(yes=40, not_sure=33, no=22, prefer_not_to_say=5)),
    "bl_recent": (_p(no=80, died=6, lost_contact=8, both=2, prefer_not_to_say=4),),
    "bl_suicide": (_p(no=88, yes=6, prefer_not_to_say=6), _p(no=78, yes=14, prefer_not_to_say=8)),
    "bl_support": (_p(no=80, yes=8, not_sure=12), _p(no=40, yes=40, not_sure=20)),
    "tr_experiences": (_p(no=55, yes=22, not_sure=8, prefer_not_to_say=15), _p(no=38, yes=42, not_sure=8, prefer_not_to_say=12)),
    "tr_reactions": (_p(no=88, sometimes=7, often=1, prefer_not_to_say=4), _p(no=40, sometimes=42, often=8, prefer_not_to_say=10)),
    "db_struggling": (_p(no=58, managing=27, struggling=10, prefer_not_to_say=5),),
    "db_threats": (_p(no=93.5, yes=1.5, prefer_not_to_say=5), _p(no=65, yes=28, prefer_not_to_say=7)),
    "db_income": (_p(yes=85, waiting=10, no=5), _p(yes=45, waiting=40, no=15)),
}  # fmt: skip

WARNING_SIGNS = [
    "Not sleeping, staying in the flat, not answering the phone.",
    "Drinking more, arguments at home, talking about being a burden.",
    "Anniversaries of a death; letters from court; being moved at short notice.",
    "Feeling hopeless after contact with family is refused.",
]
COPING = [
    "Go for a walk, listen to music, ring my brother.",
    "Use the breathing exercise from the mental health team; watch something funny.",
    "Go to the gym, cook something, write things down.",
    "Take the dog out; go to the café where people know me.",
]
PEOPLE_AND_PLACES = [
    "Sister (number saved in phone); the library in town.",
    "Friend from the recovery group; the drop-in centre on weekdays.",
    "Mum; the community garden project.",
    "",
]
MEANS = [
    "Medication kept by a family member and given out weekly.",
    "Agreed to hand in the blister packs; GP to prescribe weekly.",
    "No access to the garage; partner holds the car keys.",
    "",
]
PROFESSIONALS = [
    "Community mental health team duty line: 01632 960{n:03d}",
    "GP surgery: 01632 960{n:03d}",
    "Drug and alcohol service key worker: 01632 960{n:03d}",
]


@dataclass
class ScreenRows:
    screens: list[dict] = field(default_factory=list)
    plans: list[dict] = field(default_factory=list)


@dataclass
class _Outcome:
    cleaned: dict
    domain_levels: dict
    risk_to_self: str
    s42: dict
    recommendations: list


def _registered_codes(condition) -> set[str]:
    """Register codes a condition looks at (for the outcome cache's key)."""
    kind = condition_kind(condition)
    if kind in ("all", "any"):
        return set().union(*(_registered_codes(c) for c in condition[kind]))
    if kind == "not":
        return _registered_codes(condition["not"])
    if kind == "registered":
        return {condition["registered"]}
    return set()


class ScreensBuilder:
    """Vulnerability screens and safety plans, one person at a time (a casework extra)."""

    def __init__(self, seed, today: date, teams, counts):
        self.seed = seed
        self.today = today
        self.yesterday = today - timedelta(days=1)
        self.counts = counts  # a Counter of plain-English names
        self.tz = timezone.get_current_timezone()
        self.teams = {info.team.pk: info for info in teams}
        version = questionnaire_current()
        self.version_pk = version.pk
        self.questionnaire = version.questionnaire
        self.relevant_codes = set()
        for rec in self.questionnaire.scoring.get("recommendations", ()):
            self.relevant_codes |= _registered_codes(rec["when"])
        self.recent_since = months_before(today, policy.SCREEN_INTERVAL_MONTHS)
        self.pre_release_since = today - timedelta(days=policy.PRE_RELEASE_WINDOW_DAYS)
        self.release_window_end = policy.release_window_end(today)
        self.cache: dict = {}  # outcomes by answer set, registrations and safety plan
        self.assessed: dict = {}  # validated answers and their assessment, by answer set
        self.bank: dict = {}  # answer sets
        self.rows = ScreenRows()

    # -- the casework extra

    def begin(self, batch: int):
        self.rng = random.Random(f"{self.seed}:screens:{batch}")
        self.rows = ScreenRows()

    def end(self) -> ScreenRows:
        return self.rows

    def write(self, rows: ScreenRows):
        from safeguard.demo.generate import insert_rows

        insert_rows(VulnerabilityScreen, rows.screens)
        insert_rows(SafetyPlan, rows.plans)
        self.counts["vulnerability screens"] += len(rows.screens)
        self.counts["safety plans"] += len(rows.plans)

    def person(self, case: CaseContext):
        rng = self.rng
        person, features = case.person, case.features
        days = self._screen_days(rng, case)
        flags = self._flags(case)
        profile = ":".join(str(value) for value in flags.values())  # plain text, any Python
        plans: list[dict] = []
        latest = None
        again = None  # (answers, answer set) of a screen repeated within its level's interval
        i = 0
        while i < len(days):
            day = days[i]
            at = self._when(rng, day)
            last = i == len(days) - 1
            if again is not None:
                answers, answer_set = again  # the same answers as the screen it repeats
            else:
                answer_set = (profile, int(rng.random() * ANSWER_SETS))
                answers = self._answer_set(answer_set, flags)
                if last and "safety_plan_overdue" in features:
                    answers = {**answers, **SAFETY_PLAN_OVERDUE_ANSWERS}
                    answer_set = None
                elif last and "missed_at_risk" in features:
                    answers = {**answers, **MISSED_AT_RISK_ANSWERS}
                    answer_set = None
            current = plans[-1] if plans else None
            outcome = self._outcome(
                answers, case.codes_active_on(day), has_plan=current is not None, key=answer_set
            )
            self.rows.screens.append(
                {
                    "person_id": person["id"],
                    "questionnaire_version_id": self.version_pk,
                    "answers": outcome.cleaned,
                    "domain_levels": outcome.domain_levels,
                    "risk_to_self": outcome.risk_to_self,
                    "s42_care_and_support_needs": outcome.s42["care_and_support_needs"],
                    "s42_abuse_or_neglect": outcome.s42[
                        "experiencing_or_at_risk_of_abuse_or_neglect"
                    ],
                    "s42_unable_to_protect_self": outcome.s42["unable_to_protect_self"],
                    "s42_indicated": outcome.s42["indicated"],
                    "recommendations": outcome.recommendations,
                    "completed_by_id": self._staff(rng, case, day),
                    "completed_at": at,
                    "status": ScreenStatus.COMPLETED,
                    **self._follow_up(rng, outcome, at),
                }
            )
            latest = (at, outcome)
            share = SAFETY_PLAN_SHARE[outcome.risk_to_self]
            if current is not None:
                # Reviewed with the person after the screen (always, on the demo caseload).
                share = 1.0 if "demo_caseload" in features else REWRITE_SHARE
            if "safety_plan_overdue" in features and last and again is None:
                share = 1.0
            elif "screen_due" in features or again is not None:
                share = 0.0  # a plan written at a lapsed screen would be overdue too
            next_day = days[i + 1] if not last else self.today
            if rng.random() < share:
                written = _day(rng, day, min(day + timedelta(days=10), next_day - timedelta(1)))
                if written < day or written >= self.today:
                    written = None
            else:
                written = None
            if written is not None:
                plans.append(self._plan(rng, case, written, at, current, len(plans) + 1))
            if last and again is None and "screen_due" not in features:
                # A higher level is screened again sooner (policy.RESCREEN_AFTER): most people
                # were, with the same answers; a few are due again now.
                since = policy.rescreen_since(outcome.risk_to_self, self.today)
                kept = "demo_caseload" in features or rng.random() >= LEVEL_DUE_SHARE
                if at < since and kept:
                    lo = max(timezone.localtime(since).date() + timedelta(days=1), day)
                    if written is not None:
                        # After the plan this screen led to: the screen again reviews it.
                        lo = max(lo, written + timedelta(days=1))
                    if written is None or lo <= self.yesterday:
                        days.append(_day(rng, min(lo, self.yesterday), self.yesterday))
                        again = (answers, answer_set)
            i += 1
        if plans:
            self._review_date(rng, case, plans[-1])
        self.rows.plans.extend(plans)
        facts = case.facts
        facts["screened_at"] = latest[0] if latest else None
        facts["risk_to_self"] = latest[1].risk_to_self if latest else None
        answers = latest[1].cleaned if latest else {}
        facts["opioids"] = answers.get("su_opioids") is True or (
            answers.get("su_overdose") in OPIOID_OVERDOSE_ANSWERS
        )
        facts["no_substance_use"] = (
            answers.get("su_drugs") == "no" and answers.get("su_alcohol") == "no"
        )
        facts["safety_plan"] = bool(plans)
        codes = case.codes_active_on(self.today)
        # The one definition (assessments.risk): a register in a group that signals risk to
        # self (ALSH, RVLN, RVAD...), or a latest screen at medium or above, or not known.
        facts["at_risk"] = bool(codes & RISK_TO_SELF_CODES) or (
            facts["risk_to_self"] in ("medium", "not_known", "high", "very_high")
        )

    def _follow_up(self, rng, outcome, at: datetime) -> dict:
        """A screen that needed acting on was followed up a few hours later, unless it was
        recorded in the last two days (then its follow-up is still due)."""
        urgent = any(rec["urgent"] for rec in outcome.recommendations)
        if not urgent and outcome.risk_to_self not in FOLLOW_UP_LEVELS:
            return {"needs_urgent_action": False, "follow_up_status": FollowUpStatus.NOT_NEEDED}
        if at.date() >= self.today - timedelta(days=2):
            return {"needs_urgent_action": urgent, "follow_up_status": FollowUpStatus.DUE}
        return {
            "needs_urgent_action": urgent,
            "follow_up_status": FollowUpStatus.DONE,
            "follow_up_outcome": rng.choice(FOLLOW_UP_OUTCOMES)
            if outcome.risk_to_self == "not_known"
            else "",
            "follow_up_note": "Spoke with the person the same day and agreed what happens next.",
            "followed_up_at": at + timedelta(hours=_int(rng, 1, 5)),
        }

    # -- when

    def _when(self, rng, day: date) -> datetime:
        return datetime.combine(day, time(_int(rng, 9, 16), _int(rng, 0, 59)), tzinfo=self.tz)

    def _screen_days(self, rng, case: CaseContext) -> list[date]:
        """The days of the person's screens, oldest first (none for someone never screened)."""
        person, features = case.person, case.features
        today, yesterday = self.today, self.yesterday
        start = person["supervision_start"]
        release = person["expected_release_date"]
        pre_release = (
            person["custody_status"] == CustodyStatus.IN_CUSTODY
            and release is not None
            and today <= release <= self.release_window_end
        )
        tidy = "demo_caseload" in features
        if "screen_due" in features:
            # No screen in the last 6 months: one 7 to 9 months ago, or none at all.
            if start > today - timedelta(days=240):
                return []
            latest = _day(rng, today - timedelta(days=270), today - timedelta(days=215))
        elif "safety_plan_overdue" in features:
            # Screened a few months ago, so that the plan written then is due for review.
            lo = max(self.recent_since + timedelta(days=7), start - timedelta(days=30))
            latest = _day(rng, min(lo, today - timedelta(days=30)), today - timedelta(days=30))
        else:
            new_case = start > today - timedelta(days=policy.FIRST_SCREEN_WITHIN_DAYS)
            if not tidy and new_case and rng.random() < NEW_CASE_UNSCREENED_SHARE:
                return []
            roll = 1.0 if tidy else rng.random()
            if roll < NEVER_SCREENED_SHARE:
                return []
            lapsed_from = max(months_before(today, 12), start - timedelta(days=30))
            if roll < NEVER_SCREENED_SHARE + LAPSED_SHARE and lapsed_from < self.recent_since:
                latest = _day(rng, lapsed_from, self.recent_since - timedelta(days=1))
            else:
                lo = max(self.recent_since, start - timedelta(days=30))
                if pre_release and (tidy or rng.random() < PRE_RELEASE_SCREENED_SHARE):
                    lo = max(lo, self.pre_release_since)
                latest = _day(rng, min(lo, yesterday), yesterday)
        days = [self._working_day(latest, min(yesterday, latest + timedelta(days=3)))]
        earliest = start - timedelta(days=60)
        if rng.random() < EARLIER_SCREEN_SHARE:
            for _ in range(2):
                earlier = days[0] - timedelta(days=_int(rng, 150, 200))
                if earlier < earliest:
                    break
                days.insert(0, self._working_day(earlier, days[0] - timedelta(days=1)))
                if rng.random() >= THIRD_SCREEN_SHARE:
                    break
        return days

    @staticmethod
    def _working_day(day: date, latest: date) -> date:
        """The nearest working day from ``day`` on (``day`` itself if none before ``latest``)."""
        moved = day
        while not is_working_day(moved):
            moved += timedelta(days=1)
        return moved if moved <= latest else day

    def _staff(self, rng, case: CaseContext, day: date):
        holder = case.holder_on(day)
        if holder is not None:
            return holder
        info = self.teams[case.person["team_id"]]
        return _choice(rng, info.in_post) if info.in_post else case.person["practitioner_id"]

    # -- answers and outcome

    def _flags(self, case: CaseContext) -> dict:
        person = case.person
        codes = {r.code for r in case.registrations if r.active}
        alsh = "ALSH" in codes
        raised = "RVAD" in codes or person["mental_health_need"] or "AMHL" in codes
        if "safety_plan_overdue" in case.features:
            alsh = True
        return {
            "ssh": "alsh" if alsh else ("raised" if raised else "base"),
            "mh": bool(person["mental_health_need"] or "AMHL" in codes or "RMDO" in codes),
            "ld": bool(person["learning_disability"]),
            "neuro": bool(person["neurodivergence"]),
            "literacy": bool(person["literacy_support"] or person["learning_disability"]),
            "adult_at_risk": "RVAD" in codes,
            "da_victim": "ADVV" in codes,
            "exploited": "+".join(sorted(codes & {"CUCK", "MSV"})),
            "accommodation": person["accommodation_status"],
            "in_custody": person["custody_status"] == CustodyStatus.IN_CUSTODY,
        }

    def _answer_set(self, key, flags: dict) -> dict:
        """The answer set ``key`` (profile, number): made once from its own random stream, so
        the same whichever batch or process asks first."""
        found = self.bank.get(key)
        if found is None:
            rng = random.Random(f"{self.seed}:answers:{key[0]}:{key[1]}")
            found = self._answers(rng, flags)
            if len(self.bank) >= MAX_CACHE:
                self.bank.clear()
            self.bank[key] = found
        return found

    def _answers(self, rng, f: dict) -> dict:
        """One set of answers, in the questionnaire's order."""

        def pick(question, which=0):
            return PICKS[question][which].pick(rng)

        level = f["ssh"]
        a: dict = {}
        a["ssh_history"] = SSH_HISTORY[level].pick(rng)
        a["ssh_thoughts"] = SSH_THOUGHTS[level].pick(rng)
        a["ssh_self_harm_now"] = SSH_SELF_HARM[level].pick(rng)
        share = TRIGGER_SHARE[level]
        triggers = [
            t
            for t in TRIGGERS
            if rng.random() < (share * 3 if t == "release" and f["in_custody"] else share)
        ]
        a["ssh_triggers"] = triggers or ["none"]
        if level != "base" and rng.random() < 0.5:
            a["ssh_what_helps"] = _choice(rng, WHAT_HELPS)
        mh = f["mh"]
        a["mh_impact"] = int(rng.random() * 7) + 2 if mh else int(rng.random() * 4.6)
        a["mh_condition"] = pick("mh_condition", mh)
        a["mh_support"] = pick("mh_support", mh)
        a["mh_crisis"] = rng.random() < (0.08 if mh else 0.02) + (0.1 if level == "alsh" else 0)
        a["su_alcohol"] = pick("su_alcohol")
        a["su_drugs"] = pick("su_drugs")
        a["su_opioids"] = rng.random() < {"yes": 0.2, "in_past": 0.06}.get(a["su_drugs"], 0.005)
        a["su_overdose"] = pick("su_overdose", a["su_opioids"])
        using = a["su_alcohol"] == "yes" or a["su_drugs"] == "yes"
        a["su_support"] = pick("su_support", using)
        a["ph_condition"] = pick("ph_condition")
        a["ph_daily_impact"] = pick("ph_daily_impact", a["ph_condition"] == "yes")
        homeless = f["accommodation"] == AccommodationStatus.NO_FIXED_ABODE
        a["ph_gp"] = pick("ph_gp", homeless)
        a["ph_medication"] = rng.random() < (0.45 if a["ph_condition"] == "yes" or mh else 0.06)
        a["ld_condition"] = pick("ld_condition", 2 if f["ld"] else int(f["neuro"]))
        a["ld_reading"] = pick("ld_reading", f["literacy"])
        a["ld_understanding"] = pick("ld_understanding", 2 if f["ld"] else int(f["neuro"]))
        if (f["ld"] or f["neuro"] or f["literacy"]) and rng.random() < 0.6:
            a["ld_adjustments"] = _choice(rng, ADJUSTMENTS)
        types = [t for t in EXPLOITATION if rng.random() < 0.006]
        for code in filter(None, f["exploited"].split("+")):
            wanted = "cuckooing" if code == "CUCK" else "modern_slavery"
            if wanted not in types and rng.random() < 0.7:
                types.append(wanted)
        types = [t for t in EXPLOITATION if t in types]
        if not types:
            types = ["prefer_not_to_say"] if rng.random() < 0.03 else ["none"]
        a["ex_types"] = types
        exploited = types[0] not in ("none", "prefer_not_to_say")
        a["ex_ongoing"] = pick("ex_ongoing", exploited)
        a["da_now"] = pick("da_now", f["da_victim"])
        a["da_safe"] = pick("da_safe", {"in_past": 1, "yes": 2}.get(a["da_now"], 0))
        a["hm_tonight"] = ACCOMMODATION_TONIGHT[f["accommodation"]].pick(rng)
        a["hm_at_risk"] = ACCOMMODATION_AT_RISK[f["accommodation"]].pick(rng)
        needs_care = f["adult_at_risk"] or f["ld"]
        a["cs_daily_help"] = pick("cs_daily_help", needs_care)
        a["cs_getting_help"] = pick("cs_getting_help", a["cs_daily_help"] != "no")
        a["cs_self_care"] = pick("cs_self_care", needs_care)
        vulnerable = f["adult_at_risk"] or exploited or a["da_now"] == "yes"
        a["cs_protect_self"] = pick("cs_protect_self", vulnerable)
        a["bl_recent"] = pick("bl_recent")
        a["bl_suicide"] = pick("bl_suicide", level == "alsh")
        a["bl_support"] = pick("bl_support", a["bl_recent"] not in ("no", "prefer_not_to_say"))
        a["tr_experiences"] = pick("tr_experiences", mh or level != "base" or f["da_victim"])
        a["tr_reactions"] = pick("tr_reactions", a["tr_experiences"] == "yes")
        if a["tr_experiences"] == "yes" and rng.random() < 0.2:
            a["tr_feel_safe"] = _choice(rng, FEEL_SAFE)
        a["db_struggling"] = pick("db_struggling")
        a["db_threats"] = pick("db_threats", exploited)
        a["db_income"] = pick("db_income", f["in_custody"] or homeless)
        return a

    def _outcome(self, answers: dict, codes: frozenset, *, has_plan: bool, key=None) -> _Outcome:
        """The answers as ``validate_answers`` stores them and what ``evaluate`` makes of them
        (``assess``, then ``recommend`` with the registrations and safety plan of the moment),
        each worked out once for equal questions. ``key`` names the answer set, when the
        answers are one from the bank unchanged."""
        if key is None:
            key = tuple((k, tuple(v) if isinstance(v, list) else v) for k, v in answers.items())
        full_key = (key, tuple(sorted(codes & self.relevant_codes)), has_plan)
        found = self.cache.get(full_key)
        if found is not None:
            return found
        questionnaire = self.questionnaire
        assessed = self.assessed.get(key)
        if assessed is None:
            cleaned = scoring.validate_answers(questionnaire, answers)
            assessed = (cleaned, scoring.assess(questionnaire, cleaned))
        cleaned, outcome = assessed
        found = _Outcome(
            cleaned=cleaned,
            domain_levels=outcome.domain_levels,
            risk_to_self=outcome.risk_to_self,
            s42=outcome.care_act_s42,
            recommendations=scoring.recommend(
                questionnaire,
                cleaned,
                outcome,
                active_registration_codes=codes,
                has_current_safety_plan=has_plan,
            ),
        )
        if len(self.cache) >= MAX_CACHE:
            self.cache.clear()
            self.assessed.clear()
        self.assessed[key] = assessed
        self.cache[full_key] = found
        return found
        questionnaire = self.questionnaire
        cleaned = scoring.validate_answers(questionnaire, answers)
        outcome = scoring.evaluate(
            questionnaire,
            cleaned,
            active_registration_codes=codes,
            has_current_safety_plan=has_plan,
        )
        found = _Outcome(
            cleaned=cleaned,
            domain_levels=outcome.domain_levels,
            risk_to_self=outcome.risk_to_self,
            s42=outcome.care_act_s42,
            recommendations=outcome.recommendations,
        )
        if len(self.cache) >= MAX_CACHE:
            self.cache.clear()
        self.cache[key] = found
        return found

    # -- safety plans

    def _plan(self, rng, case, written: date, screened_at, current, version) -> dict:
        created_at = max(
            datetime.combine(written, time(_int(rng, 9, 16), _int(rng, 0, 59)), tzinfo=self.tz),
            screened_at + timedelta(minutes=_int(rng, 10, 90)),
        )
        if current is not None:
            current["status"] = SafetyPlanStatus.REPLACED
            current["replaced_at"] = created_at
        staff = self._staff(rng, case, written)
        latest = months_after(written, policy.SAFETY_PLAN_MAX_REVIEW_MONTHS)
        review = min(written + timedelta(days=_int(rng, 28, 100)), latest)
        contact = _choice(rng, PROFESSIONALS).format(n=_int(rng, 0, 999))
        return {
            "person_id": case.person["id"],
            "warning_signs": _choice(rng, WARNING_SIGNS),
            "coping_strategies": _choice(rng, COPING),
            "people_and_places": _choice(rng, PEOPLE_AND_PLACES),
            "professional_contacts": f"Probation practitioner (duty line 01632 960"
            f"{_int(rng, 0, 999):03d})\n{contact}",
            "crisis_lines": DEFAULT_CRISIS_LINES,
            "reducing_access_to_means": _choice(rng, MEANS),
            "review_date": review,
            "status": SafetyPlanStatus.ACTIVE,
            "created_by_id": staff,
            "created_at": created_at,
            "replaced_at": None,
            "version": version,
        }

    def _review_date(self, rng, case: CaseContext, plan: dict):
        """The current plan's review date: ahead for most, passed for a few (never before the
        plan was written, never more than 6 months after it)."""
        today = self.today
        written = timezone.localtime(plan["created_at"]).date()
        latest = months_after(written, policy.SAFETY_PLAN_MAX_REVIEW_MONTHS)
        features = case.features
        overdue = "safety_plan_overdue" in features or (
            "demo_caseload" not in features and rng.random() < SAFETY_PLAN_OVERDUE_SHARE
        )
        if "safety_plan_overdue" in features:
            plan["review_date"] = max(written, today - timedelta(days=14))
            return
        if overdue and written <= today - timedelta(days=30) and latest >= today:
            # Due at least 4 weeks after it was written, and passed in the last 6 weeks.
            lo = max(written + timedelta(days=28), today - timedelta(days=45))
            plan["review_date"] = _day(rng, lo, self.yesterday)
            return
        if latest < today:
            # Written more than 6 months ago: the review date has passed whatever was chosen.
            plan["review_date"] = latest
            return
        lo = max(today, written)
        plan["review_date"] = _day(rng, lo, min(latest, max(lo, written + timedelta(days=120))))
