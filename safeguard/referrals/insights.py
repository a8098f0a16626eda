"""Referral monitoring (recommendation 2): set-based figures over the referrals a user may see."""

from datetime import date, timedelta

from django.db.models import Case, CharField, Count, F, Q, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from safeguard.core.models import Role
from safeguard.insights.stats import percentiles_by_group
from safeguard.people.models import Ethnicity, Sex
from safeguard.referrals.models import (
    AWAITING_DECISION,
    Escalation,
    EscalationOutcome,
    ReferralKind,
    ReferralStatus,
    RejectionReason,
)
from safeguard.referrals.selectors import visible_referrals

MONITORING_ROLES = {
    Role.HEAD_OF_PDU,
    Role.REGIONAL_LEAD,
    Role.NATIONAL,
    Role.INSPECTOR,
    Role.ADMIN,
}
AGE_BANDS = [("18-24", 18, 25), ("25-34", 25, 35), ("35-49", 35, 50), ("50-64", 50, 65)]


def may_monitor(user) -> bool:
    return getattr(user, "role", None) in MONITORING_ROLES


def _age_band(today: date):
    whens = [
        When(
            person__date_of_birth__gt=today.replace(year=today.year - high),
            person__date_of_birth__lte=today.replace(year=today.year - low),
            then=Value(label),
        )
        for label, low, high in AGE_BANDS
    ]
    return Case(*whens, default=Value("65 and over"), output_field=CharField())


def _group_expression(group_by: str, today: date):
    return {
        "local_authority": Coalesce(
            "agency__local_authority__name", "person__local_authority__name", Value("Unknown")
        ),
        "agency": F("agency__name"),
        "kind": F("kind"),
        "sex": F("person__sex"),
        "ethnicity": F("person__ethnicity"),
        "age_band": _age_band(today),
        "region": F("person__pdu__region__name"),
        "pdu": F("person__pdu__name"),
    }[group_by]


def _label(group_by: str, key) -> str:
    if group_by == "kind":
        return ReferralKind(key).label if key in ReferralKind.values else str(key)
    if group_by == "sex":
        return Sex(key).label if key in Sex.values else str(key)
    if group_by == "ethnicity":
        return Ethnicity(key).label if key in Ethnicity.values else str(key)
    return str(key)


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
    qs = visible_referrals(user).exclude(status=ReferralStatus.DRAFT)
    if date_from:
        qs = qs.filter(sent_at__date__gte=date_from)
    if date_to:
        qs = qs.filter(sent_at__date__lte=date_to)
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


def grouped_figures(qs, group_by: str, today: date) -> list[dict]:
    """Per group: referrals, decisions, acceptance rate, working days to decision (median and
    90th percentile) and how many went past their target."""
    late_decision = Q(
        status__in=[ReferralStatus.ACCEPTED, ReferralStatus.REJECTED],
        decision_working_days__gt=F("agency__response_target_working_days"),
    )
    waiting_late = Q(status__in=AWAITING_DECISION, due_by__lt=today)
    annotated = qs.annotate(group_key=_group_expression(group_by, today)).order_by()
    rows = annotated.values("group_key").annotate(
        referrals=Count("pk"),
        accepted=Count("pk", filter=Q(status=ReferralStatus.ACCEPTED)),
        rejected=Count("pk", filter=Q(status=ReferralStatus.REJECTED)),
        awaiting=Count("pk", filter=Q(status__in=AWAITING_DECISION)),
        no_response=Count("pk", filter=Q(status=ReferralStatus.CLOSED_NO_RESPONSE)),
        past_target=Count("pk", filter=late_decision | waiting_late),
    )
    percentiles = percentiles_by_group(annotated, "group_key", "decision_working_days")
    result = []
    for row in rows:
        decided = row["accepted"] + row["rejected"]
        median, p90 = percentiles.get(row["group_key"], [None, None])
        result.append(
            {
                "key": row["group_key"],
                "label": _label(group_by, row["group_key"]),
                "referrals": row["referrals"],
                "decided": decided,
                "accepted": row["accepted"],
                "rejected": row["rejected"],
                "awaiting": row["awaiting"],
                "closed_no_response": row["no_response"],
                "acceptance_rate": round(row["accepted"] / decided, 3) if decided else None,
                "median_working_days": median,
                "p90_working_days": p90,
                "past_target": row["past_target"],
            }
        )
    return sorted(result, key=lambda r: (-r["referrals"], r["label"]))


def rejection_reasons(qs) -> list[dict]:
    counts = dict(
        qs.filter(status=ReferralStatus.REJECTED)
        .order_by()
        .values_list("rejection_reason")
        .annotate(n=Count("pk"))
    )
    return [
        {"reason": value, "label": label, "count": counts.get(value, 0)}
        for value, label in RejectionReason.choices
    ]


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
    groups = grouped_figures(qs, group_by, today)
    totals = grouped_figures(qs.annotate(), "kind", today)
    return {
        "group_by": group_by,
        "from": date_from,
        "to": date_to,
        "groups": groups,
        "by_kind": totals,
        "rejection_reasons": rejection_reasons(qs),
        "escalations": escalation_figures(qs),
    }
