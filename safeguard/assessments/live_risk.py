"""Live risk on the person's page: what needs someone's attention about risk to self now.

A banner at the very top of the page, for any of:

- a "yes" to thoughts of self-harm on a check-in in the last ``DISCLOSURE_HOURS`` hours (even
  once followed up: whoever opens the case next should know);
- an open welfare check after a missed appointment, or any other open urgent work item;
- an open escalation of a referral decision;
- a latest screen whose risk to self is "not known" (until a follow-up finds no concerns).

Two small queries beyond the risk summary, which the risk picture on the same page shares. Other areas' models are looked up by name, as in
``risk.py``: they build on assessments, not the other way round.
"""

import datetime as dt
from dataclasses import dataclass

from django.apps import apps
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from safeguard.assessments.models import FollowUpOutcome, RiskToSelf
from safeguard.assessments.selectors import risk_summary_for_page
from safeguard.core.dates import govuk_time
from safeguard.core.models import WorkItemPriority, WorkItemStatus
from safeguard.core.workitems import rules_by_code
from safeguard.people.sections import Section

DISCLOSURE_HOURS = 72
# Work items that always show in the banner, whatever their priority.
BANNER_RULES = ("missed_appointment_welfare",)


@dataclass(frozen=True)
class LiveRisk:
    kind: str
    text: str
    href: str
    link_text: str


def live_risks(person, *, summary, now: dt.datetime | None = None) -> list[LiveRisk]:
    """What needs attention now, from the person's risk summary (``selectors.risk_summary``:
    the latest screen and disclosure) and two more queries."""
    now = now or timezone.now()
    found: list[LiveRisk] = []
    disclosure = summary.recent_disclosure
    if disclosure is not None and disclosure.reported_at < now - dt.timedelta(
        hours=DISCLOSURE_HOURS
    ):
        disclosure = None
    if disclosure is not None:
        when = timezone.localtime(disclosure.reported_at)
        followed = " It has been followed up." if disclosure.followed_up else ""
        found.append(
            LiveRisk(
                "disclosure",
                f"Said yes to thoughts of harming themselves on a check-in on "
                f"{when:%-d %B} at {govuk_time(when)}.{followed}",
                reverse(
                    "engagement:check_in",
                    kwargs={"crn": person.crn, "check_in_id": disclosure.check_in_id},
                ),
                "Open the check-in",
            )
        )

    items = (
        apps.get_model("core", "WorkItem")
        .objects.filter(person_id=person.pk, status=WorkItemStatus.OPEN)
        .filter(Q(priority=WorkItemPriority.URGENT) | Q(rule__in=BANNER_RULES))
        .order_by("due_on", "pk")[:10]
    )
    rules = rules_by_code()
    for item in items:
        rule = rules.get(item.rule)
        if rule is None or (disclosure is not None and item.subject_type == "check_in"):
            continue  # the disclosure above already says it
        item.person = person  # the rule's link needs the CRN; no extra query
        try:
            href = rule.link(item) if rule.link else ""
        except Exception:  # noqa: BLE001 (a broken link must not hide the banner)
            href = ""
        found.append(
            LiveRisk(
                "welfare_check" if item.rule in BANNER_RULES else "urgent",
                f"{rule.title}. {rule.action}".strip(),
                href or reverse("my_work"),
                "Go to the work",
            )
        )

    escalation = (
        apps.get_model("referrals", "Escalation")
        .objects.filter(referral__person_id=person.pk, status="open")
        .only("pk", "referral_id")
        .first()
    )
    if escalation is not None:
        found.append(
            LiveRisk(
                "escalation",
                "A referral decision is being escalated and has not been resolved.",
                reverse(
                    "referrals:detail",
                    kwargs={"crn": person.crn, "referral_id": escalation.referral_id},
                ),
                "Open the referral",
            )
        )

    latest = summary.latest_screen
    if (
        latest is not None
        and latest.risk_to_self == RiskToSelf.NOT_KNOWN
        and latest.follow_up_outcome != FollowUpOutcome.NO_CURRENT_CONCERNS
    ):
        found.append(
            LiveRisk(
                "not_known",
                "Risk to self is not known: they chose not to answer a question about suicide "
                "or self-harm. Treat them as at risk until you have talked again.",
                reverse("assessments:screen_detail", kwargs={"crn": person.crn, "pk": latest.pk}),
                "Open the screen",
            )
        )
    return found


def live_risk_section(request, person, today):
    if person.has_died:  # the record is closed: the deceased banner says so instead
        return None
    risks = live_risks(person, summary=risk_summary_for_page(request, person=person, today=today))
    if not risks:
        return None
    return Section(
        template="assessments/_live_risk_banner.html",
        context={"risks": risks},
        position="top",
    )
