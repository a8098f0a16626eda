"""Appointments, reminder preferences and the outbox for the demo people.

``AppointmentsBuilder`` is the last of the casework extras (see ``CaseworkBuilder`` in
``casework.py``): it reads what the screens and release plans left in each person's ``facts``,
makes its rows from its own random streams per batch and writes them with ``insert_rows`` after
the batch's casework. It runs in the process that writes (``in_writer``), while the worker makes
the next batch's casework and screens: at national scale that keeps both processes busy.

What is made, following ``safeguard.engagement.services``:

- for everyone in the community, appointments over the last 4 weeks and the next 2 (from the
  day after the seed's date: none on that day itself), weekly to six-weekly by risk of serious
  harm, weekly early in supervision and at least fortnightly for people at risk to
  themselves, on working days in office hours, with the practitioner who held the case then;
- past appointments all have an outcome: mostly attended, some failed to attend, acceptable
  absences (always with a reason), a few cancelled or rescheduled by probation or by the person
  (with who and why). A reschedule ends the old appointment and makes a new one that points
  back to it, as ``appointment_reschedule`` does; outcomes are recorded after the start,
  cancellations and moves before it. A missed appointment of someone at risk to themselves
  mostly has its welfare check recorded; a few recent ones do not (the welfare work item);
- for a person in custody whose release plan has "first appointment" done, the appointment on
  the day of release or the next working day;
- reminder preferences for about half the people with a mobile number or an email address,
  recorded with consent (or, for a few, "no reminders" without consent: the constraint allows
  nothing else), lead times the service accepts, and for a few a weekly or fortnightly summary
  whose last one went in the past few days (so that none falls due as the demo starts).
  Phone numbers and email addresses are the person's own, which are synthetic: Ofcom's
  07700 900xxx drama range and @example.com.

The outbox. ``appointment_create`` writes an appointment's reminders in the same transaction,
timed by ``plan_reminder_times`` from the moment it was booked (or the consent was recorded, when
later), and later changes withdraw or add to them, so an upcoming appointment with consented
reminders always has its messages. This builder writes them the same way, with the same
functions (``plan_reminder_times``, ``wording.appointment_personalisation`` and the template
catalogue), but only for appointments still ahead, and in the state they would be in:

- a reminder whose time came before the seed's date was sent: it is written as delivered;
- a reminder due from the day after the seed's date on is queued, waiting for its time;
- a reminder due on the seed's date itself is left out. Whether it would have gone yet depends
  on the hour the seed runs, and the same seed and date must give the same data: written as
  queued, the ones due earlier that day would be sent the moment a dispatcher runs; written as
  sent, the later ones would claim to have gone before their time;
- a moved appointment's notice to the person was sent at the move, and the old appointment's
  reminders not yet sent then were withdrawn, as ``appointment_reschedule`` does.

So nothing in the outbox is due when the seed finishes, whatever the time of day, and the
dispatcher and the summary sweep find only what a running service would have in front of it.
The outbox history of past appointments (their sent reminders) is not made: at national scale it
would be millions more rows, and the demo needs only what is ahead.

demo.practitioner's caseload gets the fixed cases of ``DEMO_CASEWORK`` in ``generate``:
``reminders_tomorrow`` (an appointment tomorrow, text reminders at 48 and 2 hours: the first
sent, the second queued) and ``missed_at_risk`` (failed to attend two working days ago while at
risk to themselves, no welfare check yet); every other missed appointment of someone at risk on
that caseload has its welfare check, so "My work" shows the one.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from types import SimpleNamespace

from django.utils import timezone

from safeguard.core.models import Role, Staff
from safeguard.demo.casework import (
    CaseContext,
    _choice,
    _day,
    _int,
    add_working_days,
    is_working_day,
    working_days_before,
)
from safeguard.demo.weighted import Weighted
from safeguard.engagement import wording
from safeguard.engagement.models import (
    Appointment,
    AppointmentKind,
    MovedBy,
    Outcome,
    ReminderChannel,
    ReminderPreferences,
    SummaryFrequency,
)
from safeguard.engagement.services import plan_reminder_times
from safeguard.notify import catalogue
from safeguard.notify.gateway import not_configured_reason
from safeguard.notify.models import Message, MessageKind, MessageStatus
from safeguard.notify.services import REFERENCE_PREFIX
from safeguard.notify.timing import plan_send_time
from safeguard.people.models import AccommodationStatus, CustodyStatus, RoshLevel

# ---- proportions ------------------------------------------------------------------------------

PAST_DAYS = 28  # the missed-appointment welfare rule looks back 4 weeks
AHEAD_DAYS = 14
# Days between appointments, by risk of serious harm.
INTERVAL_DAYS = {
    RoshLevel.VERY_HIGH: 7,
    RoshLevel.HIGH: 10,
    RoshLevel.MEDIUM: 21,
    RoshLevel.LOW: 42,
    "": 28,
}
AT_RISK_INTERVAL = 14  # at most, for someone at risk to themselves
NEW_CASE_INTERVAL = 7  # at most, in the first 12 weeks of supervision
KIND = {
    AppointmentKind.OFFICE: 70,
    AppointmentKind.PHONE: 12,
    AppointmentKind.HOME_VISIT: 10,
    AppointmentKind.VIDEO: 8,
}
DURATIONS = {
    AppointmentKind.OFFICE: (30, 45, 60, 60),
    AppointmentKind.PHONE: (15, 30),
    AppointmentKind.HOME_VISIT: (45, 60),
    AppointmentKind.VIDEO: (30, 45),
}
RESCHEDULED_SHARE = 0.03
CANCELLED_BY_PROBATION_SHARE = 0.02
CANCELLED_BY_PERSON_SHARE = 0.015
UPCOMING_MOVED_SHARE = 0.03
FAILED_TO_ATTEND_SHARE = 0.07  # times the person's factor below
ACCEPTABLE_ABSENCE_SHARE = 0.05
WELFARE_CHECKED_SHARE = 0.85  # missed appointments of people at risk to themselves
OTHER_WELFARE_SHARE = 0.1  # and of others
PREFERENCES_SHARE = 0.5  # of people in the community with a mobile or an email address
NO_REMINDERS_SHARE = 0.12  # of preferences: the person said no
CHANNEL = {ReminderChannel.SMS: 70, ReminderChannel.BOTH: 15, ReminderChannel.EMAIL: 15}
LEAD_TIMES = {(48, 2): 55, (24,): 25, (72, 24): 10, (24, 2): 10}
SUMMARY = {SummaryFrequency.NONE: 85, SummaryFrequency.WEEKLY: 10, SummaryFrequency.FORTNIGHTLY: 5}
SUMMARY_DAYS = {SummaryFrequency.WEEKLY: 7, SummaryFrequency.FORTNIGHTLY: 14}

KIND_PICK = Weighted(KIND)
CHANNEL_PICK = Weighted(CHANNEL)
LEAD_TIMES_PICK = Weighted(LEAD_TIMES)
SUMMARY_PICK = Weighted(SUMMARY)

FAILED_REASONS = ["", "", "No answer to calls after the appointment.", "Said they forgot."]
ABSENCE_REASONS = [
    "Hospital appointment; letter seen.",
    "Fit note provided.",
    "Childcare fell through; rebooked.",
    "Job interview; evidence provided.",
    "Funeral of a family member.",
]
CANCEL_REASONS = {
    MovedBy.PROBATION: [
        "Practitioner off sick.",
        "Practitioner needed in court.",
        "Office closed for the day.",
    ],
    MovedBy.PERSON: ["Started a new job; will rebook.", "Unwell; rang in the morning."],
}
MOVE_REASONS = {
    MovedBy.PROBATION: [
        "Practitioner on training.",
        "Clash with a MAPPA meeting.",
        "No interview room free.",
    ],
    MovedBy.PERSON: [
        "Asked to move it for a hospital appointment.",
        "Work shift changed.",
        "No bus fare until payday.",
    ],
}
WELFARE_NOTES = [
    "Phoned and spoke to them: safe and well; new appointment agreed.",
    "Home visit: no answer; left a card and told the SPO.",
    "Spoke to their hostel key worker: seen this morning and safe.",
    "Texted; they rang back: they had been unwell.",
]


@dataclass
class AppointmentRows:
    appointments: list[dict] = field(default_factory=list)
    parents: list[int | None] = field(default_factory=list)  # index of the rescheduled one
    preferences: list[dict] = field(default_factory=list)
    messages: list[dict] = field(default_factory=list)
    message_appointments: list[int] = field(default_factory=list)  # index of the appointment


@dataclass
class _Prefs:
    channels: list[str]
    lead_times: list[int]
    since: datetime  # consent recorded


class AppointmentsBuilder:
    """Appointments, reminder preferences and their messages (a casework extra, run as each
    batch is written: it needs the people, their allocations and the facts the screens and
    release plans left, not their registrations)."""

    in_writer = True

    def __init__(self, seed, today: date, teams, counts):
        self.seed = seed
        self.today = today
        self.yesterday = today - timedelta(days=1)
        self.tomorrow = today + timedelta(days=1)
        self.counts = counts
        self.tz = timezone.get_current_timezone()
        self.today_start = datetime.combine(today, time.min, tzinfo=self.tz)
        self.tomorrow_start = datetime.combine(self.tomorrow, time.min, tzinfo=self.tz)
        self.teams = {info.team.pk: info for info in teams}
        self.names = {
            pk: SimpleNamespace(display_name=f"{first} {last}".strip() or username)
            for pk, first, last, username in Staff.objects.filter(
                role__in=[Role.PRACTITIONER, Role.SENIOR_PROBATION_OFFICER]
            ).values_list("pk", "first_name", "last_name", "username")
        }
        self.waiting = not_configured_reason()
        self.rows = AppointmentRows()

    # -- the casework extra

    def begin(self, batch: int):
        self.rng = random.Random(f"{self.seed}:appointments:{batch}")
        self.msg_rng = random.Random(f"{self.seed}:messages:{batch}")
        self.rows = AppointmentRows()
        self.said = (None, {})  # the last appointment's personalisation

    def end(self) -> AppointmentRows:
        return self.rows

    def write(self, rows: AppointmentRows):
        from safeguard.demo.generate import insert_rows

        # A moved appointment points back to the one it replaced: write each generation of
        # the chains after the one before, so that the ids exist.
        generation = []
        for parent in rows.parents:
            generation.append(0 if parent is None else generation[parent] + 1)
        for g in range(max(generation, default=-1) + 1):
            batch = []
            for i, row in enumerate(rows.appointments):
                if generation[i] == g:
                    if g:
                        row["rescheduled_from_id"] = rows.appointments[rows.parents[i]]["id"]
                    batch.append(row)
            insert_rows(Appointment, batch)
        insert_rows(ReminderPreferences, rows.preferences)
        for message, i in zip(rows.messages, rows.message_appointments, strict=True):
            message["topic"] = f"appointment:{rows.appointments[i]['id']}"
        insert_rows(Message, rows.messages)
        self.counts["appointments"] += len(rows.appointments)
        self.counts["reminder preferences"] += len(rows.preferences)
        self.counts["outbox messages"] += len(rows.messages)

    def person(self, case: CaseContext):
        person, facts = case.person, case.facts
        rng = self.rng
        in_community = person["custody_status"] == CustodyStatus.IN_COMMUNITY
        if not in_community and not facts.get("first_appointment_on"):
            return
        prefs = self._preferences(rng, case, in_community)
        if in_community:
            self._schedule(rng, case, prefs)
        else:
            day = facts["first_appointment_on"]
            starts = self._at(day, 10, _choice(rng, (0, 30)))
            booked = self._at(_day(rng, self.today - timedelta(days=20), self.yesterday), 11, 0)
            self._upcoming(rng, case, prefs, AppointmentKind.OFFICE, day, starts, 60, booked)

    # -- reminder preferences

    def _preferences(self, rng, case: CaseContext, in_community: bool) -> _Prefs | None:
        person, features = case.person, case.features
        mobile, email = bool(person["mobile"]), bool(person["email"])
        forced = "reminders_tomorrow" in features or case.facts.get("wants_reminders", False)
        roll = rng.random()
        if not (mobile or email) or (
            not forced and (not in_community or roll >= PREFERENCES_SHARE)
        ):
            return None
        day = _day(
            rng, max(person["supervision_start"], self.today - timedelta(days=365)), self.yesterday
        )
        since = self._at(day, _int(rng, 9, 16), _int(rng, 0, 59))
        recorder = case.holder_on(day) or self._colleague(rng, person)
        row = {
            "person_id": person["id"],
            "channel": ReminderChannel.NONE,
            "lead_times_hours": [],
            "summary": SummaryFrequency.NONE,
            "consent": False,
            "consent_recorded_at": None,
            "recorded_by_id": recorder,
            "last_summary_at": None,
            "updated_at": since,
            "version": 1,
        }
        self.rows.preferences.append(row)
        if not forced and rng.random() < NO_REMINDERS_SHARE:
            return None
        channel = CHANNEL_PICK.pick(rng)
        if "reminders_tomorrow" in features:
            channel = ReminderChannel.SMS
        if channel in (ReminderChannel.SMS, ReminderChannel.BOTH) and not mobile:
            channel = ReminderChannel.EMAIL
        if channel in (ReminderChannel.EMAIL, ReminderChannel.BOTH) and not email:
            channel = ReminderChannel.SMS
        lead_times = list(LEAD_TIMES_PICK.pick(rng))
        if "reminders_tomorrow" in features:
            lead_times = [48, 2]
        summary = SUMMARY_PICK.pick(rng)
        row.update(
            channel=channel,
            lead_times_hours=lead_times,
            summary=summary,
            consent=True,
            consent_recorded_at=since,
        )
        if summary != SummaryFrequency.NONE:
            # The last summary went in the past few days, so none falls due on the seed's date.
            back = _int(rng, 1, SUMMARY_DAYS[summary] - 2)
            row["last_summary_at"] = self._at(self.today - timedelta(days=back), 18, 0)
        channels = ["sms", "email"] if channel == ReminderChannel.BOTH else [channel]
        return _Prefs(channels=channels, lead_times=lead_times, since=since)

    # -- the diary

    def _schedule(self, rng, case: CaseContext, prefs):
        person, facts, features = case.person, case.facts, case.features
        today = self.today
        start = person["supervision_start"]
        interval = INTERVAL_DAYS.get(person["rosh_level"], 21)
        if facts.get("at_risk"):
            interval = min(interval, AT_RISK_INTERVAL)
        if start > today - timedelta(days=84):
            interval = min(interval, NEW_CASE_INTERVAL)
        end = today + timedelta(days=AHEAD_DAYS)
        if person["supervision_end"] is not None:
            end = min(end, person["supervision_end"])
        taken = set()
        if "reminders_tomorrow" in features:
            kind = (
                AppointmentKind.OFFICE if is_working_day(self.tomorrow) else AppointmentKind.PHONE
            )
            booked = self._at(today - timedelta(days=7), 11, 15)
            starts = self._at(self.tomorrow, 10, 30)
            self._upcoming(rng, case, prefs, kind, self.tomorrow, starts, 45, booked)
            taken.add(self.tomorrow)
        if "missed_at_risk" in features:
            day = working_days_before(today, 2)
            self._missed_at_risk(rng, case, day)
            taken.add(day)
        failed_factor = 1.0
        if person["accommodation_status"] == AccommodationStatus.NO_FIXED_ABODE:
            failed_factor = 2.0
        elif person["accommodation_status"] == AccommodationStatus.TRANSIENT:
            failed_factor = 1.4
        if person["mental_health_need"]:
            failed_factor *= 1.3
        day = max(start, today - timedelta(days=PAST_DAYS)) + timedelta(
            days=_int(rng, 0, interval - 1)
        )
        while day <= end:
            while not is_working_day(day) or day == today:
                day += timedelta(days=1)
            if day > end:
                break
            if day not in taken:
                taken.add(day)
                self._slot(rng, case, prefs, day, interval, failed_factor)
            day += timedelta(days=max(1, interval + _int(rng, -2, 2)))

    def _slot(self, rng, case: CaseContext, prefs, day: date, interval: int, failed_factor):
        person = case.person
        kind = KIND_PICK.pick(rng)
        duration = _choice(rng, DURATIONS[kind])
        starts = self._at(day, _int(rng, 9, 16), _choice(rng, (0, 15, 30, 45)))
        booked_day = max(day - timedelta(days=_int(rng, 5, max(5, interval))),
                         person["supervision_start"] - timedelta(days=7))  # fmt: skip
        booked_day = min(booked_day, day - timedelta(days=1), self.yesterday)
        booked = self._at(booked_day, _int(rng, 11, 15), _int(rng, 0, 59))
        if day > self.today:
            if rng.random() < UPCOMING_MOVED_SHARE:
                self._moved_ahead(rng, case, prefs, kind, day, starts, duration, booked)
            else:
                self._upcoming(rng, case, prefs, kind, day, starts, duration, booked)
            return
        index = self._appointment(case, kind, day, starts, duration, booked)
        row = self.rows.appointments[index]
        roll = rng.random()
        if roll < RESCHEDULED_SHARE:
            moved_at = self._at(
                day - timedelta(days=_int(rng, 1, 4)), _int(rng, 9, 12), _int(rng, 0, 59)
            )
            moved_at = max(moved_at, booked + timedelta(hours=1))
            new_day = add_working_days(day, _int(rng, 1, 5))
            if new_day == self.today:
                new_day = add_working_days(new_day, 1)
            if moved_at < starts:
                by = _choice(rng, (MovedBy.PROBATION, MovedBy.PERSON))
                self._end(row, Outcome.RESCHEDULED, _choice(rng, MOVE_REASONS[by]), moved_at, by)
                new_starts = self._at(new_day, _int(rng, 9, 16), _choice(rng, (0, 30)))
                if new_day > self.today:
                    self._upcoming(
                        rng,
                        case,
                        prefs,
                        kind,
                        new_day,
                        new_starts,
                        duration,
                        moved_at,
                        parent=index,
                    )
                    return
                new = self._appointment(
                    case, kind, new_day, new_starts, duration, moved_at, parent=index
                )
                self._attendance(rng, case, self.rows.appointments[new], failed_factor)
                return
        elif roll < RESCHEDULED_SHARE + CANCELLED_BY_PROBATION_SHARE + CANCELLED_BY_PERSON_SHARE:
            by = MovedBy.PROBATION
            if roll >= RESCHEDULED_SHARE + CANCELLED_BY_PROBATION_SHARE:
                by = MovedBy.PERSON
            when = starts - timedelta(hours=_int(rng, 2, 72))
            when = max(when, booked + timedelta(hours=1))
            if when < starts:
                outcome = (
                    Outcome.CANCELLED_BY_PROBATION
                    if by == MovedBy.PROBATION
                    else Outcome.CANCELLED_BY_PERSON
                )
                self._end(row, outcome, _choice(rng, CANCEL_REASONS[by]), when, by)
                return
        self._attendance(rng, case, row, failed_factor)

    def _appointment(self, case, kind, day, starts, duration, booked, parent=None) -> int:
        """Add an appointment (open) on ``day`` at ``starts`` and return its index."""
        person = case.person
        if day > self.today:
            practitioner = person["practitioner_id"] or case.holder_on(self.today)
        else:
            practitioner = case.holder_on(day)
        if practitioner is None:
            practitioner = self._colleague(self.rng, person)
        self.rows.appointments.append(
            {
                "person_id": person["id"],
                "kind": kind,
                "location": f"Probation office, {person['town']}"
                if kind == AppointmentKind.OFFICE
                else "",
                "starts_at": starts,
                "duration_minutes": duration,
                "practitioner_id": practitioner,
                "outcome": "",
                "outcome_reason": "",
                "moved_by": "",
                "outcome_recorded_at": None,
                "outcome_recorded_by_id": None,
                "rescheduled_from_id": None,
                "welfare_checked_at": None,
                "welfare_checked_by_id": None,
                "welfare_note": "",
                "created_by_id": practitioner,
                "created_at": booked,
                "version": 1,
            }
        )
        self.rows.parents.append(parent)
        return len(self.rows.appointments) - 1

    @staticmethod
    def _end(row, outcome, reason, when, moved_by=""):
        row.update(
            outcome=outcome,
            outcome_reason=reason,
            moved_by=moved_by,
            outcome_recorded_at=when,
            outcome_recorded_by_id=row["practitioner_id"],
            version=row["version"] + 1,
        )

    def _attendance(self, rng, case: CaseContext, row, failed_factor):
        """Attended, failed to attend or an acceptable absence, recorded after the start."""
        roll = rng.random()
        recorded = row["starts_at"] + timedelta(minutes=row["duration_minutes"] + _int(rng, 5, 180))
        if roll < FAILED_TO_ATTEND_SHARE * failed_factor:
            self._end(row, Outcome.FAILED_TO_ATTEND, _choice(rng, FAILED_REASONS), recorded)
            features = case.features
            at_risk = case.facts.get("at_risk", False)
            share = WELFARE_CHECKED_SHARE if at_risk else OTHER_WELFARE_SHARE
            if at_risk and "demo_caseload" in features:
                share = 1.0
            if rng.random() < share:
                checked = recorded + timedelta(minutes=_int(rng, 30, 20 * 60))
                latest = self._at(self.yesterday, 18, 0)
                if checked > latest:
                    checked = max(latest, recorded + timedelta(minutes=10))
                row.update(
                    welfare_checked_at=checked,
                    welfare_checked_by_id=row["practitioner_id"],
                    welfare_note=_choice(rng, WELFARE_NOTES),
                    version=row["version"] + 1,
                )
        elif roll < (FAILED_TO_ATTEND_SHARE * failed_factor) + ACCEPTABLE_ABSENCE_SHARE:
            self._end(row, Outcome.ACCEPTABLE_ABSENCE, _choice(rng, ABSENCE_REASONS), recorded)
        else:
            self._end(row, Outcome.ATTENDED, "", recorded)

    def _missed_at_risk(self, rng, case: CaseContext, day: date):
        booked = self._at(day - timedelta(days=10), 14, 0)
        starts = self._at(day, 11, 0)
        index = self._appointment(case, AppointmentKind.OFFICE, day, starts, 60, booked)
        row = self.rows.appointments[index]
        self._end(row, Outcome.FAILED_TO_ATTEND, "No answer to calls after the appointment.",
                  self._at(day, 12, 30))  # fmt: skip

    # -- upcoming appointments and their messages

    def _upcoming(self, rng, case, prefs, kind, day, starts, duration, booked, parent=None):
        """An open appointment ahead, with its reminders as the outbox would hold them now."""
        index = self._appointment(case, kind, day, starts, duration, booked, parent=parent)
        if prefs is None:
            return
        planned_from = max(booked, prefs.since)
        told_at = None
        if parent is not None:
            told_at = self._notice(case, prefs, index, planned_from)
        self._reminders(case, prefs, index, planned_from, told_at=told_at)

    def _moved_ahead(self, rng, case, prefs, kind, day, starts, duration, booked):
        """An appointment ahead that was moved recently, and the one it became."""
        moved_day = _day(rng, max(timezone.localtime(booked).date(), self.today - timedelta(days=14)),
                         self.yesterday)  # fmt: skip
        moved_at = max(
            self._at(moved_day, _int(rng, 9, 16), _int(rng, 0, 59)), booked + timedelta(hours=1)
        )
        if moved_at >= self.today_start:
            self._upcoming(rng, case, prefs, kind, day, starts, duration, booked)
            return
        index = self._appointment(case, kind, day, starts, duration, booked)
        by = _choice(rng, (MovedBy.PROBATION, MovedBy.PERSON))
        row = self.rows.appointments[index]
        self._end(row, Outcome.RESCHEDULED, _choice(rng, MOVE_REASONS[by]), moved_at, by)
        if prefs is not None:
            self._reminders(case, prefs, index, max(booked, prefs.since), withdrawn_at=moved_at)
        new_day = add_working_days(day, _int(rng, 1, 5))
        new_starts = self._at(new_day, _int(rng, 9, 16), _choice(rng, (0, 30)))
        self._upcoming(
            rng, case, prefs, kind, new_day, new_starts, duration, moved_at, parent=index
        )

    def _reminders(self, case, prefs, index, planned_from, *, told_at=None, withdrawn_at=None):
        appointment = self.rows.appointments[index]
        starts = appointment["starts_at"]
        for channel in prefs.channels:
            for when in plan_reminder_times(
                starts_at=starts,
                lead_times_hours=prefs.lead_times,
                channel=channel,
                now=planned_from,
                told_at=told_at,
            ):
                if withdrawn_at is not None and when >= withdrawn_at:
                    status = MessageStatus.WITHDRAWN
                elif when < self.today_start:
                    status = MessageStatus.DELIVERED
                elif when < self.tomorrow_start:
                    continue  # due on the seed's date: see the module's docstring
                else:
                    status = MessageStatus.QUEUED
                self._message(
                    case,
                    index,
                    kind=MessageKind.REMINDER,
                    template=f"appointment_reminder_{channel}",
                    channel=channel,
                    when=when,
                    written=planned_from,
                    status=status,
                    withdrawn_at=withdrawn_at,
                )

    def _notice(self, case, prefs, index, moved_at) -> datetime | None:
        """The "appointment moved" message, sent when it was moved (before the seed's date)."""
        starts = self.rows.appointments[index]["starts_at"]
        sent = None
        for channel in prefs.channels:
            when = plan_send_time(moved_at, channel=channel, now=moved_at, deadline=starts)
            if when is None:
                continue
            status = MessageStatus.DELIVERED if when < self.today_start else None
            if status is None:
                continue  # on the seed's date: left out, as reminders are
            self._message(
                case,
                index,
                kind=MessageKind.CHANGE,
                template=f"appointment_moved_{channel}",
                channel=channel,
                when=when,
                written=moved_at,
                status=status,
            )
            sent = when if sent is None else min(sent, when)
        return sent

    def _message(self, case, index, *, kind, template, channel, when, written, status,
                 withdrawn_at=None):  # fmt: skip
        rng = self.msg_rng
        person = case.person
        appointment = self.rows.appointments[index]
        personalisation = self._personalisation(person, index, template)
        row = {
            "reference": f"{REFERENCE_PREFIX[kind]}-{uuid.UUID(int=rng.getrandbits(128), version=4)}",
            "person_id": person["id"],
            "kind": kind,
            "channel": channel,
            "template": template,
            "recipient": person["mobile"] if channel == "sms" else person["email"],
            "personalisation": personalisation,
            "status": status,
            "status_reason": "",
            "scheduled_for": when,
            "send_after": when,
            "send_by": appointment["starts_at"],
            "attempts": 0,
            "notify_id": None,
            "notify_status": "",
            "sent_at": None,
            "completed_at": None,
            "created_at": written,
            "updated_at": written,
        }
        if status == MessageStatus.QUEUED:
            row["status_reason"] = self.waiting
        elif status == MessageStatus.WITHDRAWN:
            row.update(
                status_reason="Withdrawn: the appointment was moved",
                completed_at=withdrawn_at,
                updated_at=withdrawn_at,
            )
        else:  # delivered
            sent_at = when + timedelta(seconds=_int(rng, 1, 40))
            done = sent_at + timedelta(seconds=_int(rng, 5, 300))
            row.update(
                attempts=1,
                notify_id=uuid.UUID(int=rng.getrandbits(128), version=4),
                notify_status="delivered",
                sent_at=sent_at,
                completed_at=done,
                updated_at=done,
            )
        self.rows.messages.append(row)
        self.rows.message_appointments.append(index)

    def _personalisation(self, person, index, template) -> dict:
        """What ``wording.appointment_personalisation`` gives for the appointment, worked out
        once for all its messages (which share it), checked against the template."""
        if self.said[0] != index:
            appointment = self.rows.appointments[index]
            view = SimpleNamespace(
                starts_at=appointment["starts_at"],
                kind=appointment["kind"],
                location=appointment["location"],
                practitioner=self.names.get(appointment["practitioner_id"]),
            )
            self.said = (
                index,
                wording.appointment_personalisation(
                    view, SimpleNamespace(first_name=person["first_name"])
                ),
            )
        personalisation = self.said[1]
        catalogue.template(template).check(personalisation)
        return personalisation

    # -- helpers

    def _at(self, day: date, hour: int, minute: int) -> datetime:
        return datetime.combine(day, time(hour, minute), tzinfo=self.tz)

    def _colleague(self, rng, person):
        info = self.teams[person["team_id"]]
        return _choice(rng, info.in_post) if info.in_post else person["practitioner_id"]
