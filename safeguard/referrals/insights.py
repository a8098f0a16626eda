"""Referral monitoring (recommendation 2): set-based figures over the referrals a user may see."""

from datetime import date, datetime, time, timedelta

from django.db.models import Case, CharField, Count, F, IntegerField, Q, Value, When
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from safeguard.core.bounds import years_before
from safeguard.core.capabilities import Capability, has_capability
from safeguard.core.models import PDU, LocalAuthority, Region
from safeguard.insights.stats import totals_by_each_key
from safeguard.insights.suppression import suppress_values, suppressed_rows
from safeguard.people.models import Ethnicity, Sex
from safeguard.referrals.models import (
    AWAITING_DECISION,
    NOT_SENT,
    Agency,
    Escalation,
    EscalationOutcome,
    ReferralKind,
    ReferralStatus,
    RejectionReason,
)
from safeguard.referrals.selectors import visible_referrals

AGE_BANDS = [("18-24", 18, 25), ("25-34", 25, 35), ("35-49", 35, 50), ("50-64", 50, 65)]


def may_monitor(user) -> bool:
    return has_capability(user, Capability.SEE_REFERRAL_MONITORING)


def _age_band(today: date):
    whens = [
        When(
            person__date_of_birth__gt=years_before(today, high),
            person__date_of_birth__lte=years_before(today, low),
            then=Value(label),
        )
        for label, low, high in AGE_BANDS
    ]
    return Case(*whens, default=Value("65 and over"), output_field=CharField())


def _group_expressions(today: date) -> dict:
    """What each grouping groups by: ids where the label comes from a small table."""
    return {
        "local_authority": Coalesce("agency__local_authority_id", "person__local_authority_id"),
        "agency": F("agency_id"),
        "kind": F("kind"),
        "sex": F("person__sex"),
        "ethnicity": F("person__ethnicity"),
        "age_band": _age_band(today),
        "region": F("person__pdu__region_id"),
        "pdu": F("person__pdu_id"),
    }


NAMED_BY_ID = {
    "local_authority": LocalAuthority,
    "agency": Agency,
    "region": Region,
    "pdu": PDU,
}


def _labeller(group_by: str, keys):
    """key -> label for one grouping; one query for the groupings named by id."""
    if group_by in NAMED_BY_ID:
        names = dict(
            NAMED_BY_ID[group_by]
            .objects.filter(pk__in=[k for k in keys if k is not None])
            .order_by()
            .values_list("pk", "name")
        )
        return lambda key: names.get(key, "Unknown")
    choices = {"kind": ReferralKind, "sex": Sex, "ethnicity": Ethnicity}.get(group_by)
    if choices is not None:
        return lambda key: choices(key).label if key in choices.values else str(key)
    return str


def _start_of(day: date) -> datetime:
    """The first instant of ``day`` in local time (a range on the column keeps its index and
    its statistics, where a date cast per row loses both)."""
    return timezone.make_aware(datetime.combine(day, time.min))


def filtered_referrals(
    *,
    user,
    date_from=None,
    date_to=None,
    kind=None,
    region_id=None,
    pdu_id=None,
    local_authority_id=None,
):
    qs = visible_referrals(user).exclude(status__in=NOT_SENT).order_by()
    if date_from:
        qs = qs.filter(sent_at__gte=_start_of(date_from))
    if date_to:
        qs = qs.filter(sent_at__lt=_start_of(date_to + timedelta(days=1)))
    if kind:
        qs = qs.filter(kind=kind)
    if region_id:
        qs = qs.filter(person__pdu__region_id=region_id)
    if pdu_id:
        qs = qs.filter(person__pdu_id=pdu_id)
    if local_authority_id:
        qs = qs.filter(
            Q(agency__local_authority_id=local_authority_id)
            | Q(agency__local_authority__isnull=True, person__local_authority_id=local_authority_id)
        )
    return qs


COUNTED = ("accepted", "rejected", "awaiting", "closed_no_response", "past_target")


def _facts(qs, group_bys, today: date):
    """One row per referral: the keys it is grouped by and 0/1 for each thing counted."""

    def flag(condition):
        return Case(When(condition, then=Value(1)), default=Value(0), output_field=IntegerField())

    # Late against the due date the referral was given when it was sent, never the agency's
    # target as it is now: a target changed later does not rewrite past figures.
    late_decision = Q(
        status__in=[ReferralStatus.ACCEPTED, ReferralStatus.REJECTED],
        decided_on__gt=F("due_by"),
    )
    waiting_late = Q(status__in=AWAITING_DECISION, due_by__lt=today)
    expressions = _group_expressions(today)
    qs = qs.annotate(decided_on=TruncDate("decided_at", tzinfo=timezone.get_current_timezone()))
    return qs.order_by().values(
        **{f"by_{g}": expressions[g] for g in group_bys},
        by_rejection_reason=F("rejection_reason"),
        accepted=flag(Q(status=ReferralStatus.ACCEPTED)),
        rejected=flag(Q(status=ReferralStatus.REJECTED)),
        awaiting=flag(Q(status__in=AWAITING_DECISION)),
        closed_no_response=flag(Q(status=ReferralStatus.CLOSED_NO_RESPONSE)),
        past_target=flag(late_decision | waiting_late),
        working_days=F("decision_working_days"),
    )


def figures(qs, group_bys, today: date) -> tuple[dict[str, list[dict]], list[dict]]:
    """Per group of each grouping in ``group_bys``: referrals, decisions, acceptance rate,
    working days to decision (median and 90th percentile) and how many went past their target;
    and the rejection reasons. One pass over the referrals on PostgreSQL."""
    keys = [f"by_{g}" for g in group_bys] + ["by_rejection_reason"]
    totals = totals_by_each_key(_facts(qs, group_bys, today), keys, list(COUNTED), "working_days")
    tables = {}
    for group_by in group_bys:
        groups = totals[f"by_{group_by}"]
        label = _labeller(group_by, groups)
        rows = []
        for key, row in groups.items():
            decided = row["accepted"] + row["rejected"]
            median, p90 = row["p"]
            name = label(key)
            rows.append(
                {
                    "key": name if group_by in NAMED_BY_ID else key,
                    "label": name,
                    "referrals": row["n"],
                    "decided": decided,
                    "accepted": row["accepted"],
                    "rejected": row["rejected"],
                    "awaiting": row["awaiting"],
                    "closed_no_response": row["closed_no_response"],
                    "acceptance_rate": round(row["accepted"] / decided, 3) if decided else None,
                    "median_working_days": median,
                    "p90_working_days": p90,
                    "past_target": row["past_target"],
                }
            )
        tables[group_by] = sorted(rows, key=lambda r: (-r["referrals"], r["label"]))
    rejected = {k: row["rejected"] for k, row in totals["by_rejection_reason"].items()}
    reasons = [
        {"reason": value, "label": label, "count": rejected.get(value, 0)}
        for value, label in RejectionReason.choices
    ]
    return tables, reasons


def escalation_figures(qs) -> list[dict]:
    rows = (
        Escalation.objects.filter(referral__in=qs.values("pk"))
        .order_by()
        .values("level", "status", "outcome")
        .annotate(n=Count("pk"))
    )
    by_level = {
        level: {"level": level, "raised": 0, "open": 0, **{o: 0 for o in EscalationOutcome.values}}
        for level in (1, 2, 3, 4)
    }
    for row in rows:
        entry = by_level[row["level"]]
        entry["raised"] += row["n"]
        if row["status"] == "open":
            entry["open"] += row["n"]
        elif row["outcome"]:
            entry[row["outcome"]] += row["n"]
    return list(by_level.values())


def referral_figures(
    *,
    user,
    group_by="local_authority",
    date_from=None,
    date_to=None,
    kind=None,
    today=None,
    **filters,
) -> dict:
    today = today or timezone.localdate()
    if date_from is None and date_to is None:
        date_from = today - timedelta(days=365)
    qs = filtered_referrals(user=user, date_from=date_from, date_to=date_to, kind=kind, **filters)
    group_bys = [group_by] if group_by == "kind" else [group_by, "kind"]
    tables, reasons = publishable(*figures(qs, group_bys, today))
    return {
        "group_by": group_by,
        "from": date_from,
        "to": date_to,
        "groups": tables[group_by],
        "by_kind": tables["kind"],
        "rejection_reasons": reasons,
        "escalations": publishable_escalations(escalation_figures(qs)),
    }


# ---- small numbers (safeguard.insights.suppression: the one rule) -----------------------------

GROUP_COUNTS = (
    "referrals",
    "decided",
    "accepted",
    "rejected",
    "awaiting",
    "closed_no_response",
    "past_target",
)
GROUP_DERIVED = ("acceptance_rate", "median_working_days", "p90_working_days")


def suppress_groups(rows: list[dict]) -> list[dict]:
    """A grouping's rows as published: a group with any count of 1 to 4 is hidden whole
    (counts, rate and working days null, ``suppressed`` true), and the next smallest with it
    when it is the only one, so that no group can be worked out from the others and a total."""
    hidden = suppressed_rows([[r[k] for k in GROUP_COUNTS] for r in rows])
    return [
        {**r, **dict.fromkeys(GROUP_COUNTS + GROUP_DERIVED), "suppressed": True}
        if h
        else {**r, "suppressed": False}
        for r, h in zip(rows, hidden, strict=True)
    ]


def publishable(tables: dict[str, list[dict]], reasons: list[dict]):
    """``figures()`` with small numbers suppressed in every grouping and the rejection
    reasons (a reason's count null, ``suppressed`` true)."""
    counts = suppress_values([r["count"] for r in reasons], secondary=True)
    reasons = [
        {**r, "count": None if c == "<5" else c, "suppressed": c == "<5"}
        for r, c in zip(reasons, counts, strict=True)
    ]
    return {key: suppress_groups(rows) for key, rows in tables.items()}, reasons


ESCALATION_COUNTS = (
    "raised",
    "open",
    "decision_changed",
    "alternative_agreed",
    "decision_upheld",
    "withdrawn",
)


def publishable_escalations(levels: list[dict]) -> list[dict]:
    hidden = suppressed_rows([[e.get(k, 0) for k in ESCALATION_COUNTS] for e in levels])
    return [
        {**e, **dict.fromkeys(k for k in e if k != "level"), "suppressed": True}
        if h
        else {**e, "suppressed": False}
        for e, h in zip(levels, hidden, strict=True)
    ]
