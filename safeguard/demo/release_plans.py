"""Pre-release plans with checklist progress for the demo people due for release.

``ReleasePlansBuilder`` is one of the casework extras (see ``CaseworkBuilder`` in
``casework.py``), run after ``ScreensBuilder`` for each person, writing with ``insert_rows``
after each batch. Its random choices come from its own stream per batch.

A plan exists exactly where ``safeguard.releases.sweeps.open_due_release_plans`` would have
opened one: for everyone in custody whose expected release date is from today to
``PLAN_OPENS_WEEKS`` (12) weeks ahead, one open plan for that date, opened when the 12 weeks
began (or when the sentence began, if later). Released plans are not made: the demo people in
the community have no recorded release from custody.

Checklist items follow ``safeguard.releases.services.release_plan_item_update``: only keys of the
checklist in ``data/checklist.json``, a row only for an item someone has touched (no row is "not
started"), "not needed" and "declined" always with a reason, "done" with evidence where the
checklist asks for it, and a version that counts the item's updates. How much is closed grows
with the time since the plan opened, and the items agree with the rest of the case: the
accommodation items with the person's accommodation (people of no fixed abode mostly without an
address yet), the risk-to-self screen with a screen in the 4 weeks before release, the safety
plan with a current plan, "reminders and phone" with a mobile number and reminder preferences,
"first appointment" with an appointment booked for the day of release or the next working day
(made by ``appointments.py`` from ``facts``).

demo.practitioner's ``release_gaps`` case (``DEMO_CASEWORK`` in ``generate``), released in about
5 weeks, has a fixed plan with some items done and gaps, among them the night of release.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from safeguard.demo.casework import CaseContext, _choice, _day, _int, add_working_days
from safeguard.people.models import AccommodationStatus, CustodyStatus
from safeguard.releases import catalogue
from safeguard.releases.catalogue import checklist
from safeguard.releases.models import ItemStatus, PlanStatus, ReleasePlan, ReleasePlanItem
from safeguard.releases.selectors import PLAN_OPENS_WEEKS, SCREEN_WITHIN_DAYS

PLAN_DAYS = PLAN_OPENS_WEEKS * 7
# How far a plan gets: the closed share of its items is about START + SPEED * (share of the 12
# weeks gone), times a factor per plan (some practitioners are further on than others).
START = 0.05
SPEED = 0.95
PLAN_FACTOR = (0.55, 1.1)
IN_PROGRESS_SHARE = 0.45  # of items not closed, someone has started
DECLINED_SHARE = 0.06  # of closed items that may be declined

NOT_NEEDED = {
    "mental_health_handover": "No mental health need identified; prison healthcare agrees.",
    "substance_misuse_handover": "No drug or alcohol need identified in custody or on the screen.",
    "medication_on_release": "Takes no regular medication.",
    "travel_to_first_appointment": "Lives within walking distance of the office.",
}
DECLINED = {
    "naloxone_offered": "Offered take-home naloxone and overdose advice; said no for now.",
    "reminders_and_phone": "Does not want reminders; will use the appointment card.",
    "mental_health_handover": "Does not want a referral to the mental health team.",
    "substance_misuse_handover": "Declined a referral to the drug and alcohol service.",
}
EVIDENCE = {
    "housing_duty_to_refer": "Referral made with consent to the chosen housing authority.",
    "risk_to_self_screen": "Screen completed with the person by video link.",
    "safety_plan": "Safety plan written with the person; copy given to prison healthcare.",
    "gp_registration": "Registered with a GP practice near the release address.",
    "medication_on_release": "14 days' supply arranged; prescription sent to the GP.",
    "mental_health_handover": "Handover call with the community mental health team done.",
    "substance_misuse_handover": "Referred to the drug and alcohol service; first session booked.",
    "naloxone_offered": "Take-home naloxone kit given with overdose advice.",
    "id_bank_benefits": "ID and bank account in place; Universal Credit claim ready.",
    "first_appointment": "First appointment booked and given in writing.",
    "reminders_and_phone": "Mobile number checked; text reminders agreed.",
    "travel_to_first_appointment": "Travel warrant arranged for the first appointment.",
}
IN_PROGRESS = {
    "accommodation_night_of_release": "Waiting to hear from the housing authority about a place.",
    "accommodation_first_12_weeks": "Applications made; nothing secured yet.",
    "housing_duty_to_refer": "Consent asked for; choosing the authority with the person.",
    "met_before_release": "Video link requested from the prison.",
    "gp_registration": "Prison healthcare asked to register with a GP near the address.",
    "id_bank_benefits": "Birth certificate applied for.",
}
ACCOMMODATION_TYPE = {
    AccommodationStatus.SETTLED: "settled",
    AccommodationStatus.APPROVED_PREMISES: "approved premises",
    AccommodationStatus.TRANSIENT: "temporary",
}
# The chance an accommodation item can be closed at all, by the person's accommodation.
ACCOMMODATION_SECURED = {
    AccommodationStatus.SETTLED: 0.95,
    AccommodationStatus.APPROVED_PREMISES: 1.0,
    AccommodationStatus.TRANSIENT: 0.6,
    AccommodationStatus.NO_FIXED_ABODE: 0.15,
}
# demo.practitioner's release_gaps case: the items closed, and those started.
GAPS_CLOSED = ("met_before_release", "gp_registration", "id_bank_benefits", "medication_on_release")
GAPS_STARTED = ("accommodation_night_of_release", "accommodation_first_12_weeks")


@dataclass
class PlanRows:
    plans: list[dict] = field(default_factory=list)
    items: list[list[dict]] = field(default_factory=list)  # each plan's items


class ReleasePlansBuilder:
    """Open release plans and their checklist items (a casework extra)."""

    def __init__(self, seed, today: date, teams, counts):
        self.seed = seed
        self.today = today
        self.yesterday = today - timedelta(days=1)
        self.counts = counts
        self.tz = timezone.get_current_timezone()
        self.teams = {info.team.pk: info for info in teams}
        self.items = checklist().items
        self.horizon = today + timedelta(days=PLAN_DAYS)
        self.rows = PlanRows()

    # -- the casework extra

    def begin(self, batch: int):
        self.rng = random.Random(f"{self.seed}:release_plans:{batch}")
        self.rows = PlanRows()

    def end(self) -> PlanRows:
        return self.rows

    def write(self, rows: PlanRows):
        from safeguard.demo.generate import insert_rows

        insert_rows(ReleasePlan, rows.plans)
        items = []
        for plan, plan_items in zip(rows.plans, rows.items, strict=True):
            for item in plan_items:
                item["plan_id"] = plan["id"]
                items.append(item)
        insert_rows(ReleasePlanItem, items)
        self.counts["release plans"] += len(rows.plans)
        self.counts["release plan items"] += len(items)

    def person(self, case: CaseContext):
        person = case.person
        release = person["expected_release_date"]
        if (
            person["custody_status"] != CustodyStatus.IN_CUSTODY
            or release is None
            or not self.today <= release <= self.horizon
        ):
            return
        rng = self.rng
        opened_on = min(max(release - timedelta(days=PLAN_DAYS), person["supervision_start"]),
                        self.today)  # fmt: skip
        # Opened by the early-morning scan; on the seed's date itself, at midnight, so that it
        # is never later than the time the seed runs.
        opened_at = datetime.combine(opened_on, time(6, _int(rng, 0, 59)), tzinfo=self.tz)
        if opened_on >= self.today:
            opened_at = datetime.combine(self.today, time.min, tzinfo=self.tz)
        self.rows.plans.append(
            {
                "person_id": person["id"],
                "release_date": release,
                "status": PlanStatus.OPEN,
                "opened_at": opened_at,
                "version": 1,
            }
        )
        self.rows.items.append(self._items(rng, case, opened_at, release))

    # -- the checklist

    def _items(self, rng, case: CaseContext, opened_at: datetime, release: date) -> list[dict]:
        person, facts = case.person, case.facts
        opened_on = timezone.localtime(opened_at).date()
        gone = (self.today - opened_on).days / max(1, (release - opened_on).days)
        target = (START + SPEED * min(1.0, gone)) * rng.uniform(*PLAN_FACTOR)
        opioids = facts.get("opioids", False)
        screened_at = facts.get("screened_at")
        screened_in_window = screened_at is not None and timezone.localtime(
            screened_at
        ).date() >= release - timedelta(days=SCREEN_WITHIN_DAYS)
        applies = {
            "always": True,
            "at_risk": facts.get("at_risk", False),
            "opioid_use_indicated": opioids,
            "accommodation_not_secured": True,  # decided with the accommodation items below
        }
        gaps = "release_gaps" in case.features
        accommodation = person["accommodation_status"]
        secured_chance = ACCOMMODATION_SECURED.get(accommodation, 0.5)
        statuses: dict[str, str] = {}
        for item in self.items:
            key = item.key
            if not applies[item.applies] or opened_on >= self.today:
                continue
            if gaps:
                if key in GAPS_CLOSED:
                    statuses[key] = ItemStatus.DONE
                elif key in GAPS_STARTED:
                    statuses[key] = ItemStatus.IN_PROGRESS
                continue
            closed = rng.random() < target
            if key in (catalogue.NIGHT_OF_RELEASE, catalogue.FIRST_12_WEEKS):
                closed = closed and rng.random() < secured_chance
            elif key == catalogue.DUTY_TO_REFER:
                if statuses.get(catalogue.FIRST_12_WEEKS) == ItemStatus.DONE:
                    continue  # accommodation secured: the duty to refer does not apply
            elif key == catalogue.RISK_TO_SELF_SCREEN:
                closed = screened_in_window
            elif key == catalogue.SAFETY_PLAN:
                closed = facts.get("safety_plan", False)
            elif key == catalogue.REMINDERS:
                closed = closed and bool(person["mobile"])
            if closed:
                status = ItemStatus.DONE
                if key in NOT_NEEDED and self._not_needed(rng, key, person, facts):
                    status = ItemStatus.NOT_NEEDED
                elif key in DECLINED and rng.random() < DECLINED_SHARE:
                    status = ItemStatus.DECLINED
                statuses[key] = status
            elif rng.random() < IN_PROGRESS_SHARE * (0.4 + min(1.0, gone)):
                statuses[key] = ItemStatus.IN_PROGRESS
        if statuses.get(catalogue.FIRST_APPOINTMENT) == ItemStatus.DONE:
            first = release if _is_working(release) else add_working_days(release, 1)
            facts["first_appointment_on"] = first
        if statuses.get(catalogue.REMINDERS) == ItemStatus.DONE:
            facts["wants_reminders"] = True
        facts["release_plan"] = True

        rows = []
        holder = case.holder_on(self.today) or self._colleague(rng, person)
        for key, status in statuses.items():
            evidence, reason = self._evidence(rng, key, status, person, release)
            # Updated on a day since the plan opened (after the morning's scan opened it).
            day = _day(rng, opened_on, self.yesterday)
            updated = datetime.combine(day, time(_int(rng, 9, 16), _int(rng, 0, 59)), self.tz)
            rows.append(
                {
                    "key": key,
                    "status": status,
                    "evidence": evidence,
                    "reason": reason,
                    "updated_by_id": holder,
                    "updated_at": updated,
                    "version": 1 if status == ItemStatus.IN_PROGRESS else _choice(rng, (1, 2, 2)),
                }
            )
        return rows

    def _colleague(self, rng, person):
        info = self.teams[person["team_id"]]
        return _choice(rng, info.in_post) if info.in_post else person["practitioner_id"]

    @staticmethod
    def _not_needed(rng, key, person, facts) -> bool:
        if key == "mental_health_handover":
            return not person["mental_health_need"]
        if key == "substance_misuse_handover":
            return facts.get("no_substance_use", False)
        return rng.random() < 0.15

    def _evidence(self, rng, key, status, person, release) -> tuple[str, str]:
        if status == ItemStatus.NOT_NEEDED:
            return "", NOT_NEEDED[key]
        if status == ItemStatus.DECLINED:
            return "", DECLINED[key]
        if status == ItemStatus.IN_PROGRESS:
            return IN_PROGRESS.get(key, ""), ""
        accommodation = person["accommodation_status"]
        if key in (catalogue.NIGHT_OF_RELEASE, catalogue.FIRST_12_WEEKS):
            kind = ACCOMMODATION_TYPE.get(accommodation, "temporary")
            address = person["address_line"] or "Bed and breakfast arranged by the council"
            where = f"{address}, {person['town']}" if person["town"] else address
            return f"{where} ({kind}).", ""
        if key == catalogue.MET_BEFORE_RELEASE:
            met = release - timedelta(days=_int(rng, 20, 60))
            met = min(max(met, self.today - timedelta(days=60)), self.yesterday)
            how = _choice(rng, ("by video link", "in person at the prison"))
            return f"Met {how} on {met:%-d %B %Y}.", ""
        return EVIDENCE.get(key, "Done."), ""


def _is_working(day: date) -> bool:
    from safeguard.demo.casework import is_working_day

    return is_working_day(day)
