""" "Deserving and undeserving" by local authority: acceptance of adult social care s42
referrals where all three parts of the test were indicated, and time to decision, each
authority against the rate (or mean) across every authority in the caller's scope, with
Spiegelhalter's funnel-plot limits at 95% and 99.8%."""

import datetime as dt
import math
from dataclasses import dataclass

from django.db.models import Case, F, IntegerField, Q, Value, When
from django.db.models.functions import Coalesce

from safeguard.core.models import LocalAuthority
from safeguard.equality import decisions as sql
from safeguard.equality import stats
from safeguard.insights.stats import totals_by_each_key
from safeguard.insights.suppression import suppressed_rows
from safeguard.referrals.models import NOT_SENT, ReferralStatus

FUNNEL_DECISIONS = ("asc_referral_accepted",)


@dataclass
class AuthorityRow:
    local_authority: str
    n: int
    events: int
    rejected: int
    awaiting: int
    suppressed: bool
    median_working_days: float | None
    mean_working_days: float | None
    rate_limits: stats.Limits | None = None
    days_limits: stats.Limits | None = None

    @property
    def rate(self) -> float | None:
        return self.events / self.n if self.n else None

    @property
    def rate_position(self) -> str:
        return stats.position(self.rate, self.rate_limits) if self.rate_limits else ""

    @property
    def days_position(self) -> str:
        if self.days_limits is None or self.mean_working_days is None:
            return ""
        return stats.position(self.mean_working_days, self.days_limits)

    def api(self) -> dict:
        limits = self.rate_limits
        if self.suppressed:
            return {
                "local_authority": self.local_authority,
                **dict.fromkeys(
                    (
                        "n",
                        "events",
                        "rate",
                        "lower_95",
                        "upper_95",
                        "lower_998",
                        "upper_998",
                        "median_working_days",
                        "mean_working_days",
                    )
                ),
                "suppressed": True,
            }
        return {
            "local_authority": self.local_authority,
            "n": self.n,
            "events": self.events,
            "rate": round(self.rate, 3) if self.rate is not None else None,
            "lower_95": round(limits.lower_95, 3),
            "upper_95": round(limits.upper_95, 3),
            "lower_998": round(limits.lower_998, 3),
            "upper_998": round(limits.upper_998, 3),
            "median_working_days": self.median_working_days,
            "mean_working_days": (
                round(self.mean_working_days, 1) if self.mean_working_days is not None else None
            ),
            "suppressed": False,
        }


@dataclass
class Authorities:
    decision: str
    date_from: dt.date | None
    date_to: dt.date | None
    rows: list[AuthorityRow]
    overall_rate: float | None
    overall_mean_days: float | None
    overall_sd_days: float | None
    total_n: int

    def api(self) -> dict:
        return {
            "decision": self.decision,
            "overall_rate": round(self.overall_rate, 3) if self.overall_rate is not None else None,
            "rows": [r.api() for r in self.rows],
        }


def _flag(condition):
    return Case(When(condition, then=Value(1)), default=Value(0), output_field=IntegerField())


def authority_figures(
    *, user, date_from=None, date_to=None, region_id=None, pdu_id=None, today: dt.date
) -> Authorities:
    """Referrals sent in the period with all three s42 parts indicated, by the authority that
    decides them (the agency's, else the person's): decided, accepted, rejected, awaiting, and
    working days to decision. One grouped query."""
    qs = (
        sql.Referral.objects.filter(
            sql.visibility(user, via="person"),
            kind=sql.ReferralKind.ASC_S42,
            s42_care_and_support_needs=True,
            s42_abuse_or_neglect=True,
            s42_unable_to_protect_self=True,
        )
        .exclude(status__in=NOT_SENT)
        .order_by()
    )
    if date_from:
        qs = qs.filter(sent_at__gte=sql._start_of(date_from))
    if date_to:
        qs = qs.filter(sent_at__lt=sql._start_of(date_to + dt.timedelta(days=1)))
    if region_id:
        qs = qs.filter(person__pdu__region_id=region_id)
    if pdu_id:
        qs = qs.filter(person__pdu_id=pdu_id)
    decided = Q(status__in=[ReferralStatus.ACCEPTED, ReferralStatus.REJECTED])
    facts = qs.values(
        by_la=Coalesce("agency__local_authority_id", "person__local_authority_id"),
        decided=_flag(decided),
        accepted=_flag(Q(status=ReferralStatus.ACCEPTED)),
        rejected=_flag(Q(status=ReferralStatus.REJECTED)),
        awaiting=_flag(Q(status__in=[ReferralStatus.SENT, ReferralStatus.ACKNOWLEDGED])),
        working_days=Case(When(decided, then=F("decision_working_days")), default=None),
    )
    totals = totals_by_each_key(
        facts, ["by_la"], ["decided", "accepted", "rejected", "awaiting"], "working_days", ps=(0.5,)
    )["by_la"]
    # Sums of days and of squares from the same histogram: mean and spread per authority.
    moments = _moments(facts)
    names = dict(
        LocalAuthority.objects.filter(pk__in=[k for k in totals if k is not None])
        .order_by()
        .values_list("pk", "name")
    )
    keys = sorted(totals, key=lambda k: (-totals[k]["decided"], names.get(k, "")))
    total_n = sum(totals[k]["decided"] for k in keys)
    total_events = sum(totals[k]["accepted"] for k in keys)
    overall = total_events / total_n if total_n else None
    days_n = sum(moments.get(k, (0, 0, 0))[0] for k in keys)
    days_sum = sum(moments.get(k, (0, 0, 0))[1] for k in keys)
    days_sq = sum(moments.get(k, (0, 0, 0))[2] for k in keys)
    mean = days_sum / days_n if days_n else None
    sd = math.sqrt(max(days_sq / days_n - mean**2, 0.0)) if days_n else None
    hidden = suppressed_rows(
        [
            [
                totals[k]["decided"],
                totals[k]["accepted"],
                totals[k]["rejected"],
                totals[k]["awaiting"],
            ]
            for k in keys
        ]
    )
    rows = []
    for k, is_hidden in zip(keys, hidden, strict=True):
        t = totals[k]
        count, s, _ = moments.get(k, (0, 0, 0))
        row = AuthorityRow(
            local_authority=names.get(k, "Not recorded"),
            n=t["decided"],
            events=t["accepted"],
            rejected=t["rejected"],
            awaiting=t["awaiting"],
            suppressed=is_hidden,
            median_working_days=t["p"][0],
            mean_working_days=s / count if count else None,
        )
        if row.n and overall is not None:
            row.rate_limits = stats.proportion_limits(overall, row.n)
        if count and mean is not None:
            row.days_limits = stats.mean_limits(mean, sd, count)
        rows.append(row)
    return Authorities(
        decision="asc_referral_accepted",
        date_from=date_from,
        date_to=date_to,
        rows=rows,
        overall_rate=overall,
        overall_mean_days=mean,
        overall_sd_days=sd,
        total_n=total_n,
    )


def _moments(facts) -> dict:
    """Per authority: decisions with working days, their sum and the sum of their squares,
    from a count by (authority, days)."""
    from django.db.models import Count

    found: dict = {}
    rows = (
        facts.filter(working_days__isnull=False)
        .values("by_la", "working_days")
        .annotate(n=Count("*"))
        .order_by()
    )
    for row in rows:
        n, s, sq = found.get(row["by_la"], (0, 0, 0))
        days = row["working_days"]
        found[row["by_la"]] = (n + row["n"], s + days * row["n"], sq + days * days * row["n"])
    return found
