"""Deaths under supervision, their reviews, the systemic analysis, and training records."""

from datetime import date, datetime
from typing import Literal

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from ninja import Query, Router, Schema, Status
from pydantic import Field

from safeguard.api.schemas import EventDate, FilterDate, In, Limit, Offset, one_of
from safeguard.core.audit import Action, Channel, access_log_record
from safeguard.core.capabilities import Capability, requires
from safeguard.core.models import Region, Staff
from safeguard.learning import insights, selectors, services
from safeguard.learning.models import DeathReview, HowNotified
from safeguard.people.selectors import person_get_for
from safeguard.training import compliance as training
from safeguard.training import services as training_services

router = Router(tags=["learning from deaths", "training"])

CircumstancesLiteral = Literal[
    "natural_causes",
    "self_inflicted",
    "drug_related",
    "homicide",
    "accidental",
    "other",
    "awaiting_classification",
]
StatusLiteral = Literal["notified", "in_review", "quality_assured", "closed"]


class DeathNotificationIn(In):
    date_of_death: EventDate
    date_notified: EventDate
    how_notified: one_of(HowNotified)
    how_notified_detail: str = Field("", max_length=200)
    circumstances: CircumstancesLiteral
    place: str = Field("", max_length=200)
    supervision_type: Literal["court_order", "post_release"] | None = None


class ReviewItem(Schema):
    id: int
    crn: str
    status: str
    circumstances: str
    date_of_death: date


class ReviewPage(Schema):
    count: int
    items: list[ReviewItem]


class ReviewQuery(Schema):
    region: str = Field("", max_length=120)
    status: StatusLiteral | None = None
    limit: Limit = 100
    offset: Offset = 0


class FactorOut(Schema):
    id: int
    code: str
    title: str
    theme: str
    evidence: str


class ActionOut(Schema):
    id: int
    agency_type: str
    agency: str
    owner: str
    description: str
    due_on: date
    status: str
    completed_on: date | None
    factor: str | None


class TransitionOut(Schema):
    from_status: str
    to_status: str
    by: str
    at: datetime
    note: str


class ReviewOut(Schema):
    id: int
    crn: str
    status: str
    circumstances: str
    date_of_death: date
    date_notified: date
    how_notified: str
    place: str
    supervision_type: str
    region: str
    pdu: str
    reviewer: str | None
    summary: str
    learning: str
    factors: list[FactorOut]
    actions: list[ActionOut]
    transitions: list[TransitionOut]
    reclassifications: list[dict]
    snapshot: dict
    snapshot_taken_at: datetime


class FactorIn(In):
    factor: str = Field(min_length=1, max_length=16)
    evidence: str = Field(max_length=4000)


class TransitionIn(In):
    to: StatusLiteral
    reviewer: str | None = Field(None, max_length=150)
    note: str = Field("", max_length=4000)


class DeathInsightsQuery(Schema):
    group_by: Literal["circumstance", "days_since_release", "factor", "region"] = "circumstance"
    from_: FilterDate | None = Field(None, alias="from")
    to: FilterDate | None = None
    region: str = Field("", max_length=120)


class ComplianceQuery(Schema):
    group_by: Literal["team", "pdu", "region"] = "team"
    course: str = Field("", max_length=24)


class TrainingRecordIn(In):
    username: str = Field(max_length=150)
    course: str = Field(max_length=24)
    completed_on: str = Field(max_length=20)


class TrainingRecordsIn(In):
    records: list[TrainingRecordIn] = Field(min_length=1, max_length=5000)


def _region(value: str) -> Region | None:
    if not value:
        return None
    region = (
        Region.objects.filter(code__iexact=value).first()
        or Region.objects.filter(name__iexact=value).first()
    )
    if region is None:
        raise ValidationError({"region": ["No region has that code or name"]})
    return region


def _review_out(review: DeathReview) -> dict:
    n = review.notification
    detail = selectors.review_detail(review=review)
    return {
        "id": review.pk,
        "crn": n.person.crn,
        "status": review.status,
        "circumstances": n.circumstances,
        "date_of_death": n.date_of_death,
        "date_notified": n.date_notified,
        "how_notified": n.how_notified,
        "place": n.place,
        "supervision_type": n.supervision_type,
        "region": n.region.name,
        "pdu": n.pdu.name,
        "reviewer": review.reviewer.username if review.reviewer else None,
        "summary": review.summary,
        "learning": review.learning,
        "factors": [
            {
                "id": f.pk,
                "code": f.factor.code,
                "title": f.factor.title,
                "theme": f.factor.theme_title,
                "evidence": f.evidence,
            }
            for f in detail.factors
        ],
        "actions": [
            {
                "id": a.pk,
                "agency_type": a.agency_type,
                "agency": a.agency,
                "owner": a.owner,
                "description": a.description,
                "due_on": a.due_on,
                "status": a.status,
                "completed_on": a.completed_on,
                "factor": a.factor.code if a.factor else None,
            }
            for a in detail.actions
        ],
        "transitions": [
            {
                "from_status": t.from_status,
                "to_status": t.to_status,
                "by": t.by.username,
                "at": t.at,
                "note": t.note,
            }
            for t in detail.transitions
        ],
        "reclassifications": [
            {
                "from": r.from_circumstances,
                "to": r.to_circumstances,
                "reason": r.reason,
                "by": r.changed_by.username,
                "at": r.changed_at.isoformat(),
            }
            for r in detail.reclassifications
        ],
        "snapshot": n.snapshot.data,
        "snapshot_taken_at": n.snapshot.taken_at,
    }


def _get_review(request, review_id: int) -> DeathReview:
    review = selectors.review_get_for(user=request.auth, review_id=review_id, channel=Channel.API)
    access_log_record(
        actor=request.auth,
        action=Action.VIEW_PERSON,
        channel=Channel.API,
        person=review.notification.person,
        detail=f"death review {review.pk}",
    )
    return review


@router.post("/people/{crn}/death-notification", response={201: ReviewOut})
@requires(Capability.CHANGE_CASES)
def record_death(request, crn: str, payload: DeathNotificationIn):
    person = person_get_for(user=request.auth, crn=crn, channel=Channel.API)
    notification = services.death_notification_record(
        person_id=person.pk,
        date_of_death=payload.date_of_death,
        date_notified=payload.date_notified,
        how_notified=payload.how_notified,
        how_notified_detail=payload.how_notified_detail,
        circumstances=payload.circumstances,
        place=payload.place,
        supervision_type=payload.supervision_type,
        actor=request.auth,
        channel=Channel.API,
    )
    review = selectors.review_get_for(
        user=request.auth, review_id=notification.review.pk, channel=Channel.API
    )
    return Status(201, _review_out(review))


@router.get("/death-reviews", response=ReviewPage, summary="Reviews of deaths the caller may see")
@requires(Capability.READ_CASES)
def list_reviews(request, filters: Query[ReviewQuery]):
    region = _region(filters.region)
    reviews = selectors.review_list(
        user=request.auth, region_id=region.pk if region else None, status=filters.status
    )
    count = reviews.count()
    page = list(reviews[filters.offset : filters.offset + filters.limit])
    access_log_record(
        actor=request.auth, action=Action.LIST_PEOPLE, channel=Channel.API, detail="death reviews"
    )
    return {
        "count": count,
        "items": [
            {
                "id": r.pk,
                "crn": r.notification.person.crn,
                "status": r.status,
                "circumstances": r.notification.circumstances,
                "date_of_death": r.notification.date_of_death,
            }
            for r in page
        ],
    }


@router.get("/death-reviews/{review_id}", response=ReviewOut)
@requires(Capability.READ_CASES)
def get_review(request, review_id: int):
    return _review_out(_get_review(request, review_id))


@router.post("/death-reviews/{review_id}/factors", response={200: ReviewOut, 201: ReviewOut})
@requires(Capability.REVIEW_DEATHS)
def code_factor(request, review_id: int, payload: FactorIn):
    _, created = services.review_factor_code(
        review_id=review_id,
        factor=payload.factor,
        evidence=payload.evidence,
        actor=request.auth,
        channel=Channel.API,
    )
    return Status(201 if created else 200, _review_out(_get_review(request, review_id)))


@router.post("/death-reviews/{review_id}/transition", response=ReviewOut)
@requires(Capability.REVIEW_DEATHS)
def transition(request, review_id: int, payload: TransitionIn):
    reviewer = None
    if payload.reviewer:
        reviewer = Staff.objects.filter(username=payload.reviewer, is_active=True).first()
        if reviewer is None:
            raise ValidationError({"reviewer": ["No member of staff has that username"]})
    services.review_transition(
        review_id=review_id,
        to=payload.to,
        reviewer=reviewer,
        note=payload.note,
        actor=request.auth,
        channel=Channel.API,
    )
    return _review_out(_get_review(request, review_id))


@router.get("/insights/deaths", summary="Deaths under supervision: systemic analysis")
@requires(Capability.SEE_LEARNING_FROM_DEATHS)
def death_insights(request, filters: Query[DeathInsightsQuery]):
    """Counts of 1 to 4 are suppressed: ``count`` is null and ``suppressed`` true."""
    if not insights.may_see_learning(request.auth):
        raise PermissionDenied("Your role cannot see the analysis of deaths.")
    if filters.from_ and filters.to and filters.from_ > filters.to:
        raise ValidationError({"to": ["The end of the period must be after its start"]})
    today = timezone.localdate()
    date_from, date_to = filters.from_, filters.to
    if date_from is None and date_to is None:
        date_from, date_to = insights.default_period(today)
    region = _region(filters.region)
    qs = insights.filtered_deaths(
        user=request.auth,
        region_id=region.pk if region else None,
        date_from=date_from,
        date_to=date_to,
    )
    figures = insights.death_figures(qs, date_from=date_from, date_to=date_to, today=today)
    access_log_record(
        actor=request.auth,
        action=Action.LIST_PEOPLE,
        channel=Channel.API,
        detail=f"death insights by {filters.group_by}",
    )
    total = figures["total"]
    return {
        "group_by": filters.group_by,
        "from": date_from,
        "to": date_to,
        "total": None if insights.is_small(total) else total,
        "total_suppressed": insights.is_small(total),
        "reviews_quality_assured": None
        if insights.is_small(figures["reviewed"])
        else figures["reviewed"],
        "groups": insights.grouped_for_api(figures, filters.group_by),
    }


@router.get("/training/compliance", summary="Mandatory training compliance")
@requires(Capability.SEE_TRAINING_COMPLIANCE)
def training_compliance(request, filters: Query[ComplianceQuery]):
    if not training.may_see_compliance(request.auth):
        raise PermissionDenied("Your role cannot see training compliance.")
    mandatory = training.mandatory_courses()
    course = training.default_course()
    if filters.course:
        course = next((c for c in mandatory if c.code == filters.course.upper()), None)
        if course is None:
            raise ValidationError({"course": ["No mandatory course has that code"]})
    if course is None:
        return {"course": None, "group_by": filters.group_by, "groups": [], "totals": None}
    today = timezone.localdate()
    rows = training.compliance_by(
        user=request.auth, course=course, group_by=filters.group_by, today=today
    )
    access_log_record(
        actor=request.auth,
        action=Action.LIST_PEOPLE,
        channel=Channel.API,
        detail=f"training compliance by {filters.group_by}",
    )
    return {
        "course": course.code,
        "group_by": filters.group_by,
        "on": today,
        "groups": [
            {
                "id": r["group_id"],
                "name": r["group"],
                "within": r["parent"],
                "required": r["required"],
                "up_to_date": r["compliant"],
                "due_within_30_days": r["due_soon"],
                "lapsed": r["lapsed"],
                "never_completed": r["not_completed"],
                "compliance_rate": r["rate"],
            }
            for r in rows
        ],
        "totals": training.compliance_totals(rows),
    }


@router.post("/training/records", summary="Record training completions in bulk")
@requires(Capability.RECORD_TRAINING)
def training_records(request, payload: TrainingRecordsIn):
    """Every bad record is reported with its position (``line``, from 1) and reason; the good
    ones are loaded; sending the same completions again adds nothing."""
    if not training_services.may_record_training(request.auth):
        raise PermissionDenied("Your role cannot record training.")
    report = training_services.training_records_import(
        rows=[(i, r.model_dump()) for i, r in enumerate(payload.records, start=1)],
        actor=request.auth,
        source="api",
        channel=Channel.API,
    )
    return {
        "created": report.created,
        "already_recorded": report.already_recorded,
        "rejected": len(report.errors),
        "errors": [{"line": e.line, "field": e.field, "message": e.message} for e in report.errors],
    }
