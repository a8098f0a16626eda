"""Reads of screens, safety plans and the integrated risk picture.

Every function here takes a ``person`` that the caller has already fetched with
``safeguard.people.selectors.person_get_for`` (which scopes through ``visible_people``, checks
and audits), or scopes through ``visible_people`` itself.
"""

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from safeguard.assessments import policy
from safeguard.assessments.models import (
    MEDIUM_OR_ABOVE,
    QuestionnaireVersion,
    RiskToSelf,
    SafetyPlan,
    SafetyPlanStatus,
    ScreenStatus,
    VulnerabilityScreen,
)
from safeguard.people.models import Person, RoshLevel
from safeguard.people.sections import read_once
from safeguard.people.selectors import visible_people
from safeguard.registrations.catalogue import risk_to_self_registers
from safeguard.registrations.models import Registration, RegistrationStatus
from safeguard.registrations.selectors import registrations_for_page

# Registrations about risk to self that the risk picture always shows, present or not: the
# registers of the groups the catalogue marks as signalling risk to self.
REGISTER_LABELS = risk_to_self_registers()
RISK_TO_SELF_REGISTERS = tuple(REGISTER_LABELS)


def questionnaire_current() -> QuestionnaireVersion:
    """The version new screens are answered on: the highest one loaded."""
    current = QuestionnaireVersion.objects.order_by("-version").first()
    if current is None:  # the data migration loads version 1, so this means a broken database
        raise QuestionnaireVersion.DoesNotExist("No vulnerability questionnaire is loaded.")
    return current


def active_registration_codes(*, person_id: int) -> frozenset[str]:
    return frozenset(
        Registration.objects.filter(person_id=person_id, status=RegistrationStatus.ACTIVE)
        .order_by()
        .values_list("register_type__code", flat=True)
    )


def person_screens(*, person: Person) -> QuerySet[VulnerabilityScreen]:
    """A person's screens, newest first, without each version's definition."""
    return (
        VulnerabilityScreen.objects.filter(person=person)
        .select_related("questionnaire_version", "completed_by")
        .defer("questionnaire_version__definition", "answers")
        .order_by("-completed_at", "-id")
    )


def screen_get(*, person: Person, screen_id: int) -> VulnerabilityScreen:
    screen = (
        VulnerabilityScreen.objects.filter(person=person, pk=screen_id)
        .select_related("questionnaire_version", "completed_by", "followed_up_by")
        .first()
    )
    if screen is None:
        raise Http404("No such screen for this person.")
    return screen


def screens_visible_to(user) -> QuerySet[VulnerabilityScreen]:
    """Every screen of every person ``user`` may see (for lists across a caseload)."""
    return VulnerabilityScreen.objects.filter(person__in=visible_people(user).values("pk"))


def safety_plan_current(*, person: Person) -> SafetyPlan | None:
    return (
        SafetyPlan.objects.filter(person=person, status=SafetyPlanStatus.ACTIVE)
        .select_related("created_by")
        .first()
    )


def safety_plan_versions(*, person: Person) -> QuerySet[SafetyPlan]:
    return (
        SafetyPlan.objects.filter(person=person).select_related("created_by").order_by("-version")
    )


# ---- the integrated risk picture --------------------------------------------------------


@dataclass(frozen=True)
class AttentionItem:
    kind: str  # registration_review | screen_due | safety_plan_review
    text: str
    due_on: dt.date
    overdue: bool


@dataclass(frozen=True)
class DomainConcern:
    domain: str
    title: str
    level: str

    @property
    def level_label(self):
        return self.level.replace("_", " ").capitalize()


@dataclass
class RiskSummary:
    """Risk of serious harm to others beside risk to self, for the top of the person's page."""

    person: Person
    today: dt.date
    rosh_level: str
    rosh_label: str
    mappa_category: int | None
    mappa_category_label: str
    mappa_level: int | None
    mappa_level_label: str
    latest_screen: VulnerabilityScreen | None
    risk_to_self: str | None
    risk_to_self_label: str
    screened_on: dt.date | None
    registrations: dict[str, bool]
    domains_of_concern: list[DomainConcern]
    safety_plan: SafetyPlan | None
    safety_plan_review_overdue: bool
    safety_plan_needed: bool
    screen_due: policy.ScreenDue | None
    attention: list[AttentionItem] = field(default_factory=list)
    # The latest "yes" to thoughts of self-harm on a check-in, in the last 4 weeks.
    recent_disclosure_at: dt.datetime | None = None
    recent_disclosure: "Disclosure | None" = None
    # That disclosure came after the current safety plan was written: review it.
    safety_plan_review_after_disclosure: bool = False

    @property
    def registration_rows(self):
        return [
            (code, REGISTER_LABELS[code], self.registrations[code]) for code in self.registrations
        ]

    @property
    def overdue(self) -> list[AttentionItem]:
        return [item for item in self.attention if item.overdue]


def risk_summary(*, person: Person, today: dt.date, registrations=None) -> RiskSummary:
    """The integrated risk picture for one person, in four queries whatever the case holds:
    the latest screen (with its questionnaire version), the active registrations (none when
    ``registrations``, every registration of the person, is given), the current safety plan
    and the latest disclosure of self-harm thoughts on a check-in."""
    latest = (
        VulnerabilityScreen.objects.filter(person=person, status=ScreenStatus.COMPLETED)
        .select_related("questionnaire_version")
        # The questionnaire (34 KB of JSON) is parsed once a process by its content hash
        # (``QuestionnaireVersion.questionnaire``): decoding it on every page cost more than
        # the rest of the query.
        .defer("answers", "questionnaire_version__definition")
        .order_by("-completed_at", "-id")
        .first()
    )
    if registrations is None:
        registrations = Registration.objects.filter(
            person=person, status=RegistrationStatus.ACTIVE
        ).select_related("register_type")
    registrations = sorted(
        (r for r in registrations if r.status == RegistrationStatus.ACTIVE),
        key=lambda r: (r.next_review_date is None, r.next_review_date or today, r.pk),
    )
    plan = safety_plan_current(person=person)
    disclosure = latest_disclosure(person_id=person.pk)
    disclosed_at = disclosure.reported_at if disclosure else None

    attention = []
    active_codes = set()
    for registration in registrations:
        code = registration.register_type.code
        active_codes.add(code)
        if registration.next_review_date and registration.next_review_date < today:
            attention.append(
                AttentionItem(
                    kind="registration_review",
                    text=f"Review of {code} ({registration.register_type.description})",
                    due_on=registration.next_review_date,
                    overdue=True,
                )
            )

    due = policy.screen_due(
        person=person,
        last_screen_at=latest.completed_at if latest else None,
        last_screen_level=latest.risk_to_self if latest else None,
        today=today,
    )
    if due is not None:
        attention.append(
            AttentionItem(
                kind="screen_due", text=due.text, due_on=due.due_on, overdue=due.due_on < today
            )
        )
    plan_overdue = bool(plan and plan.review_date < today)
    review_after_disclosure = bool(plan and disclosed_at and disclosed_at > plan.created_at)
    if review_after_disclosure:
        attention.append(
            AttentionItem(
                kind="safety_plan_review",
                text="Safety plan review: they said yes to thoughts of self-harm on a check-in "
                "since it was written",
                due_on=timezone.localtime(disclosed_at).date(),
                overdue=True,
            )
        )
    if plan_overdue:
        attention.append(
            AttentionItem(
                kind="safety_plan_review",
                text="Safety plan review",
                due_on=plan.review_date,
                overdue=True,
            )
        )
    attention.sort(key=lambda item: (item.due_on, item.kind))

    concerns = []
    if latest is not None:
        titles = latest.questionnaire.domain_titles
        order = {"high": 0, "medium": 1}
        concerns = sorted(
            (
                DomainConcern(domain=d, title=titles.get(d, d), level=level)
                for d, level in latest.domain_levels.items()
                if level in ("medium", "high")
            ),
            key=lambda c: (
                order[c.level],
                list(titles).index(c.domain) if c.domain in titles else 99,
            ),
        )

    risk = latest.risk_to_self if latest else None
    return RiskSummary(
        person=person,
        today=today,
        rosh_level=person.rosh_level or "",
        rosh_label=RoshLevel(person.rosh_level).label if person.rosh_level else "Not assessed",
        mappa_category=person.mappa_category,
        mappa_category_label=person.get_mappa_category_display() if person.mappa_category else "",
        mappa_level=person.mappa_level,
        mappa_level_label=person.get_mappa_level_display() if person.mappa_level else "",
        latest_screen=latest,
        risk_to_self=risk,
        risk_to_self_label=RiskToSelf(risk).label if risk else "Not screened",
        screened_on=timezone.localtime(latest.completed_at).date() if latest else None,
        registrations={code: code in active_codes for code in RISK_TO_SELF_REGISTERS},
        domains_of_concern=concerns,
        safety_plan=plan,
        safety_plan_review_overdue=plan_overdue,
        safety_plan_needed=bool((risk in MEDIUM_OR_ABOVE or disclosed_at) and plan is None),
        screen_due=due,
        attention=attention,
        recent_disclosure_at=disclosed_at,
        recent_disclosure=disclosure,
        safety_plan_review_after_disclosure=review_after_disclosure,
    )


@dataclass(frozen=True)
class Disclosure:
    """A "yes" to thoughts of self-harm on a check-in."""

    check_in_id: int
    reported_at: dt.datetime
    followed_up: bool


def latest_disclosure(*, person_id: int) -> Disclosure | None:
    """The person's latest "yes" to thoughts of self-harm on a check-in, if within the days
    that count (``risk.RECENT_DISCLOSURE_DAYS``). One query."""
    from django.apps import apps

    from safeguard.assessments.risk import RECENT_DISCLOSURE_DAYS

    since = timezone.now() - dt.timedelta(days=RECENT_DISCLOSURE_DAYS)
    row = (
        apps.get_model("engagement", "CheckIn")
        .objects.filter(person_id=person_id, self_harm="yes", self_harm_reported_at__gte=since)
        .order_by("-self_harm_reported_at")
        .values_list("pk", "self_harm_reported_at", "followed_up_at")
        .first()
    )
    if row is None:
        return None
    return Disclosure(check_in_id=row[0], reported_at=row[1], followed_up=row[2] is not None)


def risk_summary_for_page(request, *, person: Person, today: dt.date) -> RiskSummary:
    """``risk_summary`` once per request and person: the live banner and the risk picture on
    the same page read the same summary."""
    return read_once(
        request,
        "risk_summary",
        person,
        lambda p: risk_summary(
            person=p, today=today, registrations=registrations_for_page(request, p)
        ),
    )


def latest_s42_indication(*, person: Person) -> dict | None:
    """The three parts of the Care Act s42 test as the latest screen indicated them, to pre-fill
    an adult social care referral (the practitioner can change them)."""
    screen = (
        VulnerabilityScreen.objects.filter(person=person)
        .order_by("-completed_at", "-pk")
        .only(
            "s42_care_and_support_needs",
            "s42_abuse_or_neglect",
            "s42_unable_to_protect_self",
            "s42_indicated",
        )
        .first()
    )
    if screen is None:
        return None
    return {
        "care_and_support_needs": screen.s42_care_and_support_needs,
        "experiencing_or_at_risk_of_abuse_or_neglect": screen.s42_abuse_or_neglect,
        "unable_to_protect_self": screen.s42_unable_to_protect_self,
        "indicated": screen.s42_indicated,
    }


def _answers_named(condition) -> list[str]:
    """The question ids a scoring condition looks at, in the order it names them."""
    found: list[str] = []
    if isinstance(condition, dict):
        if isinstance(condition.get("answer"), str):
            found.append(condition["answer"])
        for value in condition.values():
            if isinstance(value, (dict, list)):
                found.extend(_answers_named(value))
    elif isinstance(condition, list):
        for item in condition:
            found.extend(_answers_named(item))
    return list(dict.fromkeys(found))


def latest_s42_evidence(*, person: Person) -> dict | None:
    """For each part of the Care Act s42 test, what the person's latest vulnerability screen
    recorded that bears on it: the answers the part's rule looks at (``"Question: answer"``, a
    line each), the screen's date, and whether the screen indicated the part. ``None`` without a
    screen. Evidence for a referral to start from, as text the practitioner edits; the
    practitioner answers each part themselves. Two queries."""
    screen = (
        VulnerabilityScreen.objects.filter(person=person)
        .select_related("questionnaire_version")
        .order_by("-completed_at", "-pk")
        .first()
    )
    if screen is None:
        return None
    questionnaire = screen.questionnaire
    questions = questionnaire.by_id
    rules = questionnaire.scoring.get("care_act_s42", {})
    indicated = screen.care_act_s42
    parts = {}
    for part, rule in rules.items():
        lines = []
        for qid in _answers_named(rule):
            question = questions.get(qid)
            value = screen.answers.get(qid)
            if question is None or value in (None, "", []):
                continue
            values = value if isinstance(value, list) else [value]
            shown = ", ".join(question.label_for(v) for v in values)
            short = question.short[:1].upper() + question.short[1:]
            lines.append(f"{short}: {shown}")
        parts[part] = {"evidence": "\n".join(lines), "indicated": indicated.get(part)}
    return {"screened_on": timezone.localtime(screen.completed_at).date(), "parts": parts}


def latest_what_helps(*, person: Person) -> str:
    """What the person said helps them keep going, on their latest screen that asked."""
    answers = (
        VulnerabilityScreen.objects.filter(person=person, answers__has_key="ssh_what_helps")
        .order_by("-completed_at", "-pk")
        .values_list("answers", flat=True)
        .first()
    )
    return (answers or {}).get("ssh_what_helps", "") or ""
