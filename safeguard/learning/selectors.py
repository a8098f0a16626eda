"""Reads of deaths, reviews and training, always through the people (or staff) the user may see.

``case_snapshot`` builds the picture of a case that a death notification keeps for ever: a fixed
number of queries, whatever the case holds.
"""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Exists, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from safeguard.assessments.models import (
    SafetyPlan,
    SafetyPlanStatus,
    ScreenStatus,
    VulnerabilityScreen,
)
from safeguard.core.audit import access_log_refusal
from safeguard.core.capabilities import Capability, roles_with
from safeguard.core.models import NATIONAL_ROLES, Region, Role, Staff, WorkItem, WorkItemStatus
from safeguard.core.workitems import rules_by_code
from safeguard.learning.models import (
    BoardPackShare,
    CaseSnapshot,
    DeathNotification,
    DeathReview,
    ReviewAction,
    ReviewFactor,
    ReviewTransition,
    SystemicFactor,
)
from safeguard.people.models import Allocation, AllocationReason, LimitedAccess, Person
from safeguard.people.selectors import visible_people
from safeguard.referrals.models import Escalation, Referral, ReferralStatus
from safeguard.registrations.models import Registration, RegistrationStatus

INDEPENDENCE_DAYS = 365  # a reviewer must not have held the case in the year before the death
RECENT_REFERRAL_DAYS = 365
RECENT_CHECK_IN_DAYS = 90
RECENT_CHECK_INS = 10
OPEN_REFERRAL_STATUSES = (
    ReferralStatus.DRAFT,
    ReferralStatus.READY_TO_SEND,
    ReferralStatus.SENT,
    ReferralStatus.ACKNOWLEDGED,
)


def _iso(value):
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).isoformat()
    return value.isoformat()


def _local_date(moment):
    return timezone.localtime(moment).date() if moment else None


def age_on(date_of_birth: dt.date, day: dt.date) -> int:
    return (
        day.year
        - date_of_birth.year
        - ((day.month, day.day) < (date_of_birth.month, date_of_birth.day))
    )


# ---- the snapshot -------------------------------------------------------------------------------


@dataclass(frozen=True)
class SnapshotFacts:
    """The snapshot and the facts the analysis groups by."""

    data: dict
    sex: str
    ethnicity: str
    age_at_death: int
    accommodation_status: str
    days_since_release: int | None


def _custody_record_release(released_on: dt.date, date_of_death: dt.date) -> dict:
    """A release known only from the person's custody record (no release plan in Safeguard):
    the date, and nothing about the night of release."""
    return {
        "source": "custody_record",
        "released_on": _iso(released_on),
        "days_since_release": (date_of_death - released_on).days,
        "accommodation_on_release": None,
        "accommodation_on_release_label": "",
        "released_with_no_fixed_abode": None,
        "at_risk_at_release": None,
        "opioid_use_indicated_at_release": None,
        "naloxone_offered": None,
        "naloxone_offered_label": "",
        "checklist": {},
    }


def _release_part(
    person_id: int, date_of_death: dt.date, last_released_on: dt.date | None = None
) -> dict | None:
    """The latest release from custody on or before the death: two queries. The release
    plans recorded in Safeguard first; without one, the person's recorded release date
    (``Person.last_released_on``, the custody record)."""
    from safeguard.releases.models import PlanStatus, ReleasePlan

    plan = (
        ReleasePlan.objects.filter(
            person_id=person_id, status=PlanStatus.RELEASED, released_on__lte=date_of_death
        )
        .prefetch_related("items")
        .order_by("-released_on", "-pk")
        .first()
    )
    if plan is None:
        if last_released_on is not None and last_released_on <= date_of_death:
            return _custody_record_release(last_released_on, date_of_death)
        return None
    from safeguard.releases.models import ItemStatus

    items = {item.key: item.status for item in plan.items.all()}
    naloxone = items.get("naloxone_offered", ItemStatus.NOT_STARTED)
    return {
        "source": "release_plan",
        "released_on": _iso(plan.released_on),
        "days_since_release": (date_of_death - plan.released_on).days,
        "accommodation_on_release": plan.accommodation_type,
        "accommodation_on_release_label": plan.get_accommodation_type_display(),
        "released_with_no_fixed_abode": plan.accommodation_type == "no_fixed_abode",
        "at_risk_at_release": plan.at_risk_at_release,
        "opioid_use_indicated_at_release": plan.opioid_use_indicated_at_release,
        "naloxone_offered": naloxone,
        "naloxone_offered_label": ItemStatus(naloxone).label
        if naloxone in ItemStatus.values
        else naloxone,
        "checklist": items,
    }


def _engagement_part(person_id: int, now: dt.datetime) -> dict:
    """Last contact, last missed appointment and recent check-in answers: three queries."""
    from safeguard.engagement.models import Appointment, CheckIn, Outcome

    def appointment(outcome):
        row = (
            Appointment.objects.filter(person_id=person_id, outcome=outcome, starts_at__lte=now)
            .order_by("-starts_at", "-pk")
            .only("starts_at", "kind", "welfare_checked_at")
            .first()
        )
        if row is None:
            return None
        return {
            "on": _iso(_local_date(row.starts_at)),
            "kind": row.kind,
            "kind_label": row.get_kind_display(),
            "welfare_checked": row.welfare_checked_at is not None,
        }

    check_ins = list(
        CheckIn.objects.filter(
            person_id=person_id, created_at__gte=now - dt.timedelta(days=RECENT_CHECK_IN_DAYS)
        )
        .order_by("-created_at", "-pk")
        .only(
            "created_at",
            "completed_at",
            "feeling",
            "self_harm",
            "help_with",
            "call_back",
            "anything_else",
            "followed_up_at",
            "expires_at",
        )[:RECENT_CHECK_INS]
    )
    return {
        "available": True,
        "last_contact": appointment(Outcome.ATTENDED),
        "last_missed_appointment": appointment(Outcome.FAILED_TO_ATTEND),
        "check_ins": [
            {
                "sent_on": _iso(_local_date(c.created_at)),
                "answered_on": _iso(_local_date(c.completed_at)),
                "answered": c.completed_at is not None,
                "feeling": c.feeling,
                "self_harm": c.self_harm,
                "help_with": list(c.help_with or []),
                "call_back": c.call_back,
                "anything_else": (c.anything_else or "")[:1000],
                "followed_up": c.followed_up_at is not None,
            }
            for c in check_ins
        ],
    }


def case_snapshot(*, person_id: int, date_of_death: dt.date, now=None) -> SnapshotFacts:
    """The case as it stands now, for a death on ``date_of_death``. Thirteen queries at most,
    whatever the size of the case."""
    now = now or timezone.now()
    person = (
        Person.objects.select_related("pdu__region", "team", "practitioner", "local_authority")
        .filter(pk=person_id)
        .get()
    )
    registrations = list(
        Registration.objects.filter(person_id=person_id, status=RegistrationStatus.ACTIVE)
        .select_related("register_type")
        .order_by("register_type__priority", "register_type__code", "pk")
    )
    screen = (
        VulnerabilityScreen.objects.filter(person_id=person_id, status=ScreenStatus.COMPLETED)
        .select_related("questionnaire_version")
        .defer("answers")
        .order_by("-completed_at", "-pk")
        .first()
    )
    plan = (
        SafetyPlan.objects.filter(person_id=person_id, status=SafetyPlanStatus.ACTIVE)
        .order_by("-version")
        .first()
    )
    cutoff = now - dt.timedelta(days=RECENT_REFERRAL_DAYS)
    referrals = list(
        Referral.objects.filter(person_id=person_id)
        .filter(
            Q(status__in=OPEN_REFERRAL_STATUSES)
            | Q(sent_at__gte=cutoff)
            | Q(decided_at__gte=cutoff)
            | Q(created_at__gte=cutoff)
        )
        .select_related("agency")
        .prefetch_related(Prefetch("escalations", queryset=Escalation.objects.order_by("level")))
        .order_by("-created_at", "-pk")
    )
    window_start = date_of_death - dt.timedelta(days=INDEPENDENCE_DAYS)
    allocations = list(
        Allocation.objects.filter(person_id=person_id)
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gte=window_start))
        .select_related("practitioner", "team")
        .order_by("-started_on", "-pk")
    )
    work_items = list(
        WorkItem.objects.filter(person_id=person_id, status=WorkItemStatus.OPEN)
        .order_by("due_on", "pk")
        .values("rule", "due_on", "priority")
    )
    release = _release_part(person_id, date_of_death, person.last_released_on)
    engagement = _engagement_part(person_id, now)
    rule_titles = rules_by_code()

    screen_part = None
    if screen is not None:
        titles = screen.questionnaire.domain_titles
        screen_part = {
            "completed_on": _iso(_local_date(screen.completed_at)),
            "questionnaire_version": screen.questionnaire_version.version,
            "risk_to_self": screen.risk_to_self,
            "risk_to_self_label": screen.get_risk_to_self_display(),
            "domains": [
                {"domain": d, "title": titles.get(d, d), "level": level}
                for d, level in screen.domain_levels.items()
            ],
            "care_act_s42": screen.care_act_s42,
            "recommendations": list(screen.recommendations or []),
        }
    plan_part = None
    if plan is not None:
        plan_part = {
            "version": plan.version,
            "written_on": _iso(_local_date(plan.created_at)),
            "review_date": _iso(plan.review_date),
            "review_overdue": plan.review_date < date_of_death,
            "reducing_access_to_means_recorded": bool(plan.reducing_access_to_means.strip()),
            "professional_contacts_recorded": bool(plan.professional_contacts.strip()),
        }
    changes = [
        a
        for a in allocations
        if a.started_on >= window_start and a.reason != AllocationReason.INITIAL
    ]
    days_since_release = release["days_since_release"] if release else None
    age = age_on(person.date_of_birth, date_of_death)
    data = {
        "schema_version": CaseSnapshot.SCHEMA_VERSION,
        "taken_at": _iso(now),
        "date_of_death": _iso(date_of_death),
        "person": {
            "crn": person.crn,
            "sex": person.sex,
            "gender_identity": person.gender_identity,
            "ethnicity": person.ethnicity,
            "ethnicity_label": person.get_ethnicity_display(),
            "age_at_death": age,
            "sentence_type": person.sentence_type,
            "sentence_type_label": person.get_sentence_type_display(),
            "supervision_start": _iso(person.supervision_start),
            "supervision_end": _iso(person.supervision_end),
            "custody_status": person.custody_status,
            "rosh_level": person.rosh_level,
            "mappa_category": person.mappa_category,
            "mappa_level": person.mappa_level,
            "mental_health_need": person.mental_health_need,
            "communication_needs": {
                "neurodivergence": person.neurodivergence,
                "learning_disability": person.learning_disability,
                "literacy_support": person.literacy_support,
                "interpreter_language": person.interpreter_language,
            },
        },
        "organisation": {
            "region": person.pdu.region.name,
            "pdu": person.pdu.name,
            "team": person.team.name,
            "practitioner": person.practitioner.display_name if person.practitioner else None,
            "local_authority": person.local_authority.name if person.local_authority else None,
        },
        "accommodation": {
            "status": person.accommodation_status,
            "label": person.get_accommodation_status_display(),
        },
        "release": release,
        "days_since_release": days_since_release,
        "registrations": [
            {
                "code": r.register_type.code,
                "description": r.register_type.description,
                "group": r.register_type.group,
                "start_date": _iso(r.start_date),
                "next_review_date": _iso(r.next_review_date),
                "review_overdue": bool(r.next_review_date and r.next_review_date < date_of_death),
            }
            for r in registrations
        ],
        "vulnerability_screen": screen_part,
        "safety_plan": plan_part,
        "referrals": [
            {
                "kind": r.kind,
                "kind_label": r.get_kind_display(),
                "agency": r.agency.name,
                "status": r.status,
                "status_label": r.get_status_display(),
                "urgency": r.urgency,
                "sent_on": _iso(_local_date(r.sent_at)),
                "due_by": _iso(r.due_by),
                "decided_on": _iso(_local_date(r.decided_at)),
                "decision_working_days": r.decision_working_days,
                "rejection_reason": r.rejection_reason,
                "rejection_reason_label": r.get_rejection_reason_display(),
                "outcome": r.outcome,
                "s42_indicated": r.s42_indicated,
                "escalations": [
                    {
                        "level": e.level,
                        "status": e.status,
                        "status_label": e.get_status_display(),
                        "outcome": e.outcome,
                        "outcome_label": e.get_outcome_display(),
                        "raised_on": _iso(_local_date(e.raised_at)),
                        "resolved_on": _iso(_local_date(e.resolved_at)),
                    }
                    for e in r.escalations.all()
                ],
            }
            for r in referrals
        ],
        "contact": {
            "engagement_recorded": engagement["available"],
            "last_contact": engagement.get("last_contact"),
            "last_missed_appointment": engagement.get("last_missed_appointment"),
        },
        "check_ins": engagement.get("check_ins", []),
        "practitioners": {
            "changes_last_12_months": len(changes),
            "allocations": [
                {
                    "practitioner": a.practitioner.display_name if a.practitioner else None,
                    "team": a.team.name,
                    "started_on": _iso(a.started_on),
                    "ended_on": _iso(a.ended_on),
                    "reason": a.reason,
                    "reason_label": a.get_reason_display(),
                }
                for a in allocations
            ],
        },
        "open_work_items": [
            {
                "rule": w["rule"],
                "title": rule_titles[w["rule"]].title if w["rule"] in rule_titles else w["rule"],
                "due_on": _iso(w["due_on"]),
                "priority": w["priority"],
            }
            for w in work_items
        ],
    }
    return SnapshotFacts(
        data=data,
        sex=person.sex,
        ethnicity=person.ethnicity,
        age_at_death=age,
        accommodation_status=person.accommodation_status,
        days_since_release=days_since_release,
    )


# ---- reviews ------------------------------------------------------------------------------------


def board_pack_regions(user) -> QuerySet[Region]:
    """The regions whose board packs the user may see and record: every region for national
    roles, a regional lead's own, a head of PDU's PDU's region (their PDU only)."""
    regions = Region.objects.order_by("name")
    if user.role in NATIONAL_ROLES:
        return regions
    if user.role == Role.REGIONAL_LEAD:
        return regions.filter(pk=user.region_id)
    if user.role == Role.HEAD_OF_PDU:
        return regions.filter(pdus=user.pdu_id)
    return regions.none()


def board_pack_shares_for(user) -> QuerySet[BoardPackShare]:
    """Records of packs shared with boards: national roles all, a regional lead their region's
    (a head of PDU's among them), a head of PDU their PDU's; nobody else any."""
    shares = BoardPackShare.objects.select_related("region", "pdu", "recorded_by")
    if user.role in NATIONAL_ROLES:
        return shares
    if user.role == Role.REGIONAL_LEAD:
        return shares.filter(region_id=user.region_id)
    if user.role == Role.HEAD_OF_PDU:
        return shares.filter(pdu_id=user.pdu_id)
    return shares.none()


def board_pack_share_get_for(*, user, share_id, channel: str, for_update=False):
    """One record of a pack shared, or Http404 (logged): missing and not visible alike."""
    qs = board_pack_shares_for(user)
    if for_update:
        qs = qs.select_for_update(of=("self",))
    share = qs.filter(pk=share_id).first() if str(share_id).isdigit() else None
    if share is None:
        access_log_refusal(
            actor=user, channel=channel, detail=f"board pack shared {share_id}: not visible"
        )
        raise Http404("No such record is visible to you.")
    return share


def visible_notifications(user) -> QuerySet[DeathNotification]:
    return DeathNotification.objects.filter(person__in=visible_people(user).values("pk"))


def visible_reviews(user) -> QuerySet[DeathReview]:
    """Reviews of the deaths of people the user may see: regional leads their region, heads of
    PDU their PDU, SPOs and practitioners their teams, national roles everyone; limited-access
    lists apply."""
    return DeathReview.objects.filter(notification__person__in=visible_people(user).values("pk"))


def review_get_for(*, user, review_id: int, channel: str, for_update=False) -> DeathReview:
    """One review the user may see, or Http404 (logged): missing and not visible alike."""
    qs = visible_reviews(user).select_related(
        "notification__person__pdu__region",
        "notification__person__team",
        "notification__region",
        "notification__pdu",
        "notification__team",
        "notification__snapshot",
        "reviewer",
        "quality_assured_by",
        "closed_by",
    )
    if for_update:
        qs = qs.select_for_update(of=("self",))
    review = qs.filter(pk=review_id).first()
    if review is None:
        access_log_refusal(
            actor=user,
            channel=channel,
            detail=f"death review {review_id}: not found or not visible",
        )
        raise Http404("No such review is visible to you.")
    return review


def review_list(*, user, region_id=None, status=None) -> QuerySet[DeathReview]:
    reviews = visible_reviews(user).select_related(
        "notification__person", "notification__region", "notification__pdu", "reviewer"
    )
    if region_id:
        reviews = reviews.filter(notification__region_id=region_id)
    if status:
        reviews = reviews.filter(status=status)
    return reviews.order_by("-notification__date_of_death", "-pk")


@dataclass
class ReviewDetail:
    factors: list[ReviewFactor]
    actions: list[ReviewAction]
    transitions: list[ReviewTransition]
    reclassifications: list


def review_detail(*, review: DeathReview) -> ReviewDetail:
    """Everything the review page shows besides the review itself: four queries."""
    return ReviewDetail(
        factors=list(review.factors.select_related("factor", "coded_by")),
        actions=list(review.actions.select_related("factor")),
        transitions=list(review.transitions.select_related("by")),
        reclassifications=list(review.notification.reclassifications.select_related("changed_by")),
    )


def systemic_factors() -> QuerySet[SystemicFactor]:
    return SystemicFactor.objects.filter(active=True).order_by("position", "code")


def practitioner_conflict(*, staff, person_id: int, date_of_death: dt.date) -> bool:
    """Whether ``staff`` held the case (current practitioner, or any allocation in the 12 months
    before the death). Such a person may not review the death or quality-assure its review."""
    if staff is None:
        return False
    window_start = date_of_death - dt.timedelta(days=INDEPENDENCE_DAYS)
    return (
        Person.objects.filter(pk=person_id, practitioner=staff).exists()
        or Allocation.objects.filter(person_id=person_id, practitioner=staff)
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gte=window_start))
        .exists()
    )


def eligible_reviewers(*, review: DeathReview) -> list[Staff]:
    """Staff who could review this death: in post, in a reviewing role, able to see the case,
    and independent of it (not its practitioner now or in the 12 months before the death)."""
    notification = review.notification
    window_start = notification.date_of_death - dt.timedelta(days=INDEPENDENCE_DAYS)
    held = Allocation.objects.filter(person_id=notification.person_id).filter(
        Q(ended_on__isnull=True) | Q(ended_on__gte=window_start)
    )
    candidates = (
        Staff.objects.filter(
            is_active=True, in_post=True, role__in=roles_with(Capability.REVIEW_DEATHS)
        )
        .filter(
            Q(teams=notification.person.team_id)
            | Q(role=Role.HEAD_OF_PDU, pdu_id=notification.person.pdu_id)
            | Q(role=Role.REGIONAL_LEAD, region_id=notification.region_id)
            | Q(role=Role.NATIONAL)
        )
        .exclude(pk__in=held.filter(practitioner__isnull=False).values("practitioner_id"))
        .distinct()
        .order_by("last_name", "first_name", "pk")
    )
    if notification.person.practitioner_id:
        candidates = candidates.exclude(pk=notification.person.practitioner_id)
    # Limited access, set-based (the service checks the chosen reviewer with visible_people).
    entries = LimitedAccess.objects.filter(person_id=notification.person_id)
    candidates = candidates.exclude(
        pk__in=entries.filter(kind=LimitedAccess.Kind.EXCLUSION).values("staff_id")
    )
    restriction = entries.filter(kind=LimitedAccess.Kind.RESTRICTION)
    candidates = candidates.filter(~Exists(restriction) | Q(pk__in=restriction.values("staff_id")))
    return list(candidates[:200])
