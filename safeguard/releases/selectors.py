"""Reads of release plans, always through the people the user may see.

Readiness (how much of the checklist is closed, and which items are the gaps) is worked out in
SQL by ``with_readiness`` so that the board can sort by it and the rules can raise work items
set-based; ``plan_checklist`` turns one annotated plan and its item rows into the rows a page
shows. Both read the same conditions, so the board, the plan page, the API and the work items
agree.

"At risk to self" is the one definition in ``safeguard.assessments.risk``.
"""

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import (
    BooleanField,
    Case,
    Count,
    DateTimeField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from safeguard.assessments.models import SafetyPlan, VulnerabilityScreen
from safeguard.assessments.risk import at_risk_to_self, latest_screens
from safeguard.core.calendar import add_working_days
from safeguard.core.capabilities import Capability, has_capability
from safeguard.core.dates import govuk_time
from safeguard.engagement.models import Appointment, CheckIn, ReminderPreferences
from safeguard.people.selectors import case_record_get_for, visible_people
from safeguard.referrals.models import NOT_SENT, Referral, ReferralKind
from safeguard.releases import catalogue
from safeguard.releases.catalogue import checklist
from safeguard.releases.models import (
    CLOSED_STATUSES,
    SECURED_STATUSES,
    ItemStatus,
    PlanStatus,
    ReleasePlan,
    ReleasePlanItem,
)

PLAN_OPENS_WEEKS = 12
DUTY_TO_REFER_DAYS = 56  # Housing Act 1996 s.213B: threatened with homelessness within 56 days
# A duty-to-refer referral sent this long before the release date, or later, counts for it.
DUTY_TO_REFER_LOOKBACK = dt.timedelta(weeks=26)
SCREEN_WITHIN_DAYS = 28  # the risk-to-self screen is completed within 4 weeks of release
ESCALATE_WITHIN_DAYS = 28  # escalate to the SPO in the last 4 weeks
FIRST_DAYS_AFTER_RELEASE = 14

# Answers on the vulnerability screen that indicate opioid use (the same answers that make the
# screen recommend take-home naloxone).
OPIOID_OVERDOSE_ANSWERS = ("more_than_12_months", "last_12_months", "witnessed")


def may_see_board(user) -> bool:
    return has_capability(user, Capability.SEE_RELEASE_BOARD)


# ---- the other areas, guarded ---------------------------------------------------------------


def opioid_use_indicated_condition(person_ref: str = "person_id") -> Q:
    """The latest vulnerability screen says the person used opioids in the last 12 months, or
    overdosed or saw an overdose."""
    return Q(
        Exists(
            latest_screens(person_ref).filter(
                Q(answers__su_opioids=True) | Q(answers__su_overdose__in=OPIOID_OVERDOSE_ANSWERS)
            )
        )
    )


def duty_to_refer_sent():
    """A duty-to-refer referral sent for the plan's person in the 26 weeks before its release
    date or since (a condition on a ReleasePlan queryset)."""
    since = ExpressionWrapper(
        OuterRef("release_date") - DUTY_TO_REFER_LOOKBACK, output_field=DateTimeField()
    )
    return Exists(
        Referral.objects.filter(
            person_id=OuterRef("person_id"),
            kind=ReferralKind.HOUSING_DUTY_TO_REFER,
            sent_at__isnull=False,
            sent_at__gte=since,
        ).exclude(status__in=NOT_SENT)
    )


# ---- readiness ------------------------------------------------------------------------------


def _item_in(key: str, statuses) -> Exists:
    return Exists(
        ReleasePlanItem.objects.filter(plan_id=OuterRef("pk"), key=key, status__in=statuses)
    )


def _closed_flag(key: str) -> str:
    return f"closed_{key}"


APPLIES = {
    "always": Q(),
    "accommodation_not_secured": Q(accommodation_secured=False),
    "at_risk": Q(at_risk=True),
    "opioid_use_indicated": Q(opioid_use_indicated=True),
}


def applies_expression(condition: str) -> Q:
    return APPLIES[condition]


def with_readiness(plans: QuerySet[ReleasePlan], *, per_item=False) -> QuerySet[ReleasePlan]:
    """Annotate each plan with the facts its checklist depends on and with
    ``open_count`` (applicable items not closed), ``applicable_count`` and ``readiness`` (the
    percentage closed). With ``per_item``, also ``closed_<key>`` for every item (the rules use
    it to name the gaps in SQL)."""
    cl = checklist()
    always = cl.always_keys
    closed_always = Subquery(
        ReleasePlanItem.objects.filter(
            plan_id=OuterRef("pk"), key__in=always, status__in=CLOSED_STATUSES
        )
        .order_by()
        .values("plan_id")
        .annotate(n=Count("pk"))
        .values("n")[:1],
        output_field=IntegerField(),
    )
    annotations = {
        "at_risk": ExpressionWrapper(at_risk_to_self("person_id"), output_field=BooleanField()),
        "opioid_use_indicated": ExpressionWrapper(
            opioid_use_indicated_condition("person_id"), output_field=BooleanField()
        ),
        "accommodation_secured": _item_in(catalogue.FIRST_12_WEEKS, SECURED_STATUSES),
        "night_secured": _item_in(catalogue.NIGHT_OF_RELEASE, SECURED_STATUSES),
        "duty_to_refer_sent": duty_to_refer_sent(),
        "closed_always": Coalesce(closed_always, 0),
    }
    plans = plans.annotate(**annotations)
    annotations = {}
    for item in cl.conditional_items:
        closed = _item_in(item.key, CLOSED_STATUSES)
        if item.key == catalogue.DUTY_TO_REFER:
            annotations[_closed_flag(item.key)] = ExpressionWrapper(
                Q(closed) | Q(duty_to_refer_sent=True), output_field=BooleanField()
            )
        else:
            annotations[_closed_flag(item.key)] = closed
    plans = plans.annotate(**annotations)
    if per_item:
        plans = plans.annotate(
            **{
                _closed_flag(key): ExpressionWrapper(
                    Q(_item_in(key, CLOSED_STATUSES)), output_field=BooleanField()
                )
                for key in always
            }
        )
    open_count = Value(len(always)) - F("closed_always")
    applicable = Value(len(always))
    for item in cl.conditional_items:
        applies = applies_expression(item.applies)
        open_count += Case(
            When(applies & Q(**{_closed_flag(item.key): False}), then=Value(1)),
            default=Value(0),
            output_field=IntegerField(),
        )
        applicable += Case(When(applies, then=Value(1)), default=Value(0))
    plans = plans.annotate(
        open_count=ExpressionWrapper(open_count, output_field=IntegerField()),
        applicable_count=ExpressionWrapper(applicable, output_field=IntegerField()),
    )
    return plans.annotate(
        readiness=ExpressionWrapper(
            (F("applicable_count") - F("open_count")) * Value(100) / F("applicable_count"),
            output_field=IntegerField(),
        )
    )


@dataclass
class ItemState:
    item: catalogue.ChecklistItem
    status: str
    evidence: str
    reason: str
    applies: bool
    closed: bool
    version: int  # 0 while the item has never been updated
    updated_at: dt.datetime | None = None
    updated_by: str = ""
    # What the system knows that bears on this item (referrals, screens, appointments).
    facts: list[str] = field(default_factory=list)

    @property
    def key(self):
        return self.item.key

    @property
    def is_gap(self):
        return self.applies and not self.closed

    @property
    def status_label(self):
        return ItemStatus(self.status).label

    @property
    def condition_label(self):
        return checklist().conditions.get(self.item.applies, "")


def _condition_holds(plan, condition: str) -> bool:
    if condition == "always":
        return True
    if condition == "accommodation_not_secured":
        return not plan.accommodation_secured
    if condition == "at_risk":
        return bool(plan.at_risk)
    if condition == "opioid_use_indicated":
        return bool(plan.opioid_use_indicated)
    raise KeyError(condition)


def plan_checklist(plan: ReleasePlan, rows=None) -> list[ItemState]:
    """The checklist of one plan annotated by ``with_readiness``. ``rows`` are its item rows
    (the prefetched ``plan.items`` when not given)."""
    if rows is None:
        rows = plan.items.all()
    by_key = {row.key: row for row in rows}
    states = []
    for item in checklist().items:
        row = by_key.get(item.key)
        status = row.status if row else ItemStatus.NOT_STARTED
        closed = status in CLOSED_STATUSES
        if item.key == catalogue.DUTY_TO_REFER and plan.duty_to_refer_sent:
            closed = True
        states.append(
            ItemState(
                item=item,
                status=status,
                evidence=row.evidence if row else "",
                reason=row.reason if row else "",
                applies=_condition_holds(plan, item.applies),
                closed=closed,
                version=row.version if row else 0,
                updated_at=row.updated_at if row else None,
                updated_by=(row.updated_by.display_name if row and row.updated_by_id else ""),
            )
        )
    return states


def gaps(plan: ReleasePlan) -> list[catalogue.ChecklistItem]:
    return [state.item for state in plan_checklist(plan) if state.is_gap]


# ---- the duty-to-refer prompt -----------------------------------------------------------------


@dataclass(frozen=True)
class DutyToReferPrompt:
    """``late``: inside 56 days of release with no referral (a warning); otherwise a reminder
    of the date by which to refer."""

    late: bool
    refer_by: dt.date
    days_to_release: int


def duty_to_refer_prompt(plan: ReleasePlan, today: dt.date) -> DutyToReferPrompt | None:
    """Whether to prompt for the housing duty to refer: while the plan is open, accommodation
    for the first 12 weeks is not secured and there is no duty-to-refer referral (or the item
    is not otherwise closed)."""
    if not plan.is_open or plan.accommodation_secured or plan.duty_to_refer_sent:
        return None
    closed = getattr(plan, _closed_flag(catalogue.DUTY_TO_REFER), False)
    if closed:
        return None
    refer_by = plan.release_date - dt.timedelta(days=DUTY_TO_REFER_DAYS)
    return DutyToReferPrompt(
        late=today > refer_by,
        refer_by=refer_by,
        days_to_release=(plan.release_date - today).days,
    )


def needs_escalation(plan: ReleasePlan, today: dt.date) -> bool:
    """At risk, release within 4 weeks, and no accommodation for the night of release (the
    Python statement of ``rules.AT_RISK_NO_ACCOMMODATION``)."""
    return bool(
        plan.is_open
        and plan.at_risk
        and not plan.night_secured
        and plan.release_date <= today + dt.timedelta(days=ESCALATE_WITHIN_DAYS)
    )


# ---- fetching plans -----------------------------------------------------------------------------


def visible_plans(user) -> QuerySet[ReleasePlan]:
    return ReleasePlan.objects.filter(person__in=visible_people(user).values("pk"))


def _with_item_rows(plans):
    return plans.prefetch_related(
        Prefetch("items", queryset=ReleasePlanItem.objects.select_related("updated_by"))
    )


def release_plan_get_for(*, user, plan_id: int, channel: str, for_update=False) -> ReleasePlan:
    """One plan the user may see, or Http404 (logged): missing and not visible alike."""
    return case_record_get_for(
        visible_plans(user).select_related("person"),
        user=user,
        pk=plan_id,
        channel=channel,
        what="release plan",
        for_update=for_update,
    )


def plan_with_readiness(plan_id: int) -> ReleasePlan:
    """One plan by id, annotated, with its item rows (the caller has checked visibility)."""
    return _with_item_rows(with_readiness(ReleasePlan.objects.filter(pk=plan_id))).get()


def person_release_plan(*, person) -> ReleasePlan | None:
    """The person's open plan, or else their latest one, annotated, with its item rows.
    ``person`` has been fetched (and audited) with ``person_get_for``.

    Most people have no plan, and the readiness annotations take far longer to compile than
    to run, so a plain query finds the plan first: one query without a plan, three with."""
    plan_id = (
        ReleasePlan.objects.filter(person=person)
        .annotate(is_open_plan=Case(When(status=PlanStatus.OPEN, then=1), default=0))
        .order_by("-is_open_plan", "-release_date", "-pk")
        .values_list("pk", flat=True)
        .first()
    )
    if plan_id is None:
        return None
    plan = plan_with_readiness(plan_id)
    plan.person = person
    return plan


# ---- the release board ------------------------------------------------------------------------

BOARD_SORTS = {
    "date": ("release_date", "person__last_name", "pk"),
    "readiness": ("readiness", "release_date", "pk"),
    "name": ("person__last_name", "person__first_name", "pk"),
}


def release_board(
    *,
    user,
    today: dt.date,
    sort: str = "date",
    descending: bool = False,
    team_id: int | None = None,
    at_risk_only: bool = False,
    no_night_accommodation_only: bool = False,
) -> QuerySet[ReleasePlan]:
    """Everyone in the user's scope with an open plan and release due in the next 12 weeks (or
    already past and not yet recorded), with readiness, sorted in SQL. The page's plans carry
    their item rows, so naming the gaps costs one query for the whole page."""
    plans = visible_plans(user).filter(
        status=PlanStatus.OPEN,
        release_date__lte=today + dt.timedelta(weeks=PLAN_OPENS_WEEKS),
    )
    if team_id:
        plans = plans.filter(person__team_id=team_id)
    plans = with_readiness(plans)
    if at_risk_only:
        plans = plans.filter(at_risk=True)
    if no_night_accommodation_only:
        plans = plans.filter(night_secured=False)
    order = BOARD_SORTS.get(sort, BOARD_SORTS["date"])
    if descending:
        order = tuple(o if o == "pk" else f"-{o}" for o in order)
    return _with_item_rows(
        plans.select_related("person__practitioner", "person__team", "person__pdu")
    ).order_by(*order)


# ---- what the system knows, for one plan's page ----------------------------------------------


def next_working_day_after(day: dt.date) -> dt.date:
    return add_working_days(day, 1)


def first_appointment_window(release_date: dt.date) -> tuple[dt.date, dt.date]:
    """The day of release, or the next working day after it."""
    return release_date, next_working_day_after(release_date)


def _start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def plan_facts(*, plan: ReleasePlan, person, today: dt.date) -> dict[str, list[str]]:
    """Facts from other areas beside the items they bear on: a fixed number of queries."""
    facts: dict[str, list[str]] = {}

    def add(key, text):
        facts.setdefault(key, []).append(text)

    kinds = {
        ReferralKind.HOUSING_DUTY_TO_REFER: catalogue.DUTY_TO_REFER,
        ReferralKind.GP_REGISTRATION: catalogue.GP_REGISTRATION,
        ReferralKind.MENTAL_HEALTH: "mental_health_handover",
        ReferralKind.SUBSTANCE_MISUSE: "substance_misuse_handover",
    }
    seen = set()
    for referral in (
        Referral.objects.filter(person=person, kind__in=list(kinds))
        .exclude(status__in=NOT_SENT)
        .select_related("agency")
        .order_by("-sent_at", "-pk")
    ):
        if referral.kind in seen:
            continue
        seen.add(referral.kind)
        sent = timezone.localtime(referral.sent_at).date() if referral.sent_at else None
        add(
            kinds[referral.kind],
            f"{referral.get_kind_display()} referral to {referral.agency.name}"
            + (f" sent {sent:%-d %B %Y}" if sent else "")
            + f": {referral.get_status_display().lower()}",
        )

    # The screen and the safety plan.
    screen = (
        VulnerabilityScreen.objects.filter(person=person)
        .only("completed_at", "risk_to_self")
        .order_by("-completed_at", "-pk")
        .first()
    )
    window_from = plan.release_date - dt.timedelta(days=SCREEN_WITHIN_DAYS)
    if screen is None:
        add(catalogue.RISK_TO_SELF_SCREEN, "No vulnerability screen recorded.")
    else:
        done_on = timezone.localtime(screen.completed_at).date()
        when = "within" if done_on >= window_from else "more than"
        add(
            catalogue.RISK_TO_SELF_SCREEN,
            f"Latest screen {done_on:%-d %B %Y} ({when} 4 weeks of release): risk to self "
            f"{screen.get_risk_to_self_display().lower()}.",
        )
    if screen is None or done_on < window_from:
        add(
            catalogue.RISK_TO_SELF_SCREEN,
            f"Screen on or after {window_from:%-d %B %Y}.",
        )
    safety_plan = (
        SafetyPlan.objects.filter(person=person, status="active")
        .only("created_at", "review_date")
        .first()
    )
    if safety_plan is not None:
        add(
            catalogue.SAFETY_PLAN,
            f"Current safety plan written {timezone.localtime(safety_plan.created_at):%-d %B %Y}, "
            f"review by {safety_plan.review_date:%-d %B %Y}.",
        )
    else:
        add(catalogue.SAFETY_PLAN, "No current safety plan.")
    if plan.opioid_use_indicated:
        add(catalogue.NALOXONE, "The latest screen indicates opioid use or an overdose.")

    # The first appointment after release.
    start, end = first_appointment_window(plan.release_date)
    appointment = (
        Appointment.objects.filter(
            person=person,
            starts_at__gte=_start_of(start),
            starts_at__lt=_start_of(end + dt.timedelta(days=1)),
        )
        .exclude(outcome__in=["rescheduled", "cancelled_by_probation", "cancelled_by_person"])
        .order_by("starts_at")
        .first()
    )
    if appointment is not None:
        add(
            catalogue.FIRST_APPOINTMENT,
            f"Appointment booked {timezone.localtime(appointment.starts_at):%-d %B %Y} at "
            f"{govuk_time(appointment.starts_at)}"
            f" ({appointment.get_kind_display().lower()}).",
        )
    else:
        add(
            catalogue.FIRST_APPOINTMENT,
            f"No appointment booked for {start:%-d %B} or {end:%-d %B %Y}.",
        )
    preferences = ReminderPreferences.objects.filter(person=person).first()
    if preferences is not None and preferences.channels:
        add(
            catalogue.REMINDERS,
            f"Reminders: {preferences.get_channel_display().lower()}.",
        )
    else:
        add(catalogue.REMINDERS, "No reminder preferences recorded.")
    add(
        catalogue.REMINDERS,
        f"Mobile number: {person.mobile}." if person.mobile else "No mobile number recorded.",
    )
    return facts


# ---- the first 14 days after release --------------------------------------------------------------


@dataclass
class FirstDays:
    plan: ReleasePlan
    day: int  # the day of release is day 1
    days_left: int
    first_appointment: object = None  # an engagement Appointment, or None
    first_appointment_state: str = ""  # "kept", "missed", "booked", "none" or "" (unknown)
    check_in_state: str = ""  # "answered", "sent", "none" or "" (unknown)
    check_in_at: dt.datetime | None = None


def in_first_days(plan: ReleasePlan | None, today: dt.date) -> bool:
    return bool(
        plan is not None
        and plan.is_released
        and plan.released_on
        <= today
        < plan.released_on + dt.timedelta(days=FIRST_DAYS_AFTER_RELEASE)
    )


def first_days(*, plan: ReleasePlan, person, today: dt.date) -> FirstDays:
    """What to check in the first 14 days: first appointment kept or missed, accommodation
    confirmed, check-in answered. At most two queries."""
    result = FirstDays(
        plan=plan,
        day=(today - plan.released_on).days + 1,
        days_left=(plan.released_on + dt.timedelta(days=FIRST_DAYS_AFTER_RELEASE) - today).days,
    )
    appointment = (
        Appointment.objects.filter(person=person, starts_at__gte=_start_of(plan.released_on))
        .exclude(outcome__in=["rescheduled", "cancelled_by_probation", "cancelled_by_person"])
        .order_by("starts_at")
        .first()
    )
    result.first_appointment = appointment
    if appointment is None:
        result.first_appointment_state = "none"
    elif appointment.outcome == "attended":
        result.first_appointment_state = "kept"
    elif appointment.outcome in ("failed_to_attend", "acceptable_absence"):
        result.first_appointment_state = "missed"
    else:
        result.first_appointment_state = "booked"
    check_in = (
        CheckIn.objects.filter(person=person, created_at__gte=_start_of(plan.released_on))
        .only("created_at", "completed_at")
        .order_by(F("completed_at").desc(nulls_last=True), "-created_at")
        .first()
    )
    if check_in is None:
        result.check_in_state = "none"
    elif check_in.completed_at:
        result.check_in_state = "answered"
        result.check_in_at = check_in.completed_at
    else:
        result.check_in_state = "sent"
        result.check_in_at = check_in.created_at
    return result
