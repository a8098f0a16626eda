"""Work-item rules about registrations (run by `safeguarding_scan`)."""

from django.db.models import Case, CharField, F, Value, When
from django.db.models.functions import Concat

from safeguard.core import case_source
from safeguard.core.models import WorkItemPriority
from safeguard.core.workitems import WorkItemRule, candidates_about_people, link_to
from safeguard.people.models import Person
from safeguard.registrations import hygiene
from safeguard.registrations.models import Registration, RegistrationStatus


def _review_overdue(today):
    detail = F("register_type__description")
    if case_source.integrated():
        detail = Concat(detail, Value(": review it in nDelius"), output_field=CharField())
    return candidates_about_people(
        Registration.objects.filter(status=RegistrationStatus.ACTIVE, next_review_date__lt=today),
        due_on=F("next_review_date"),
        detail=detail,
    )


def _fix_in_delius(today, codes):
    """Integrated mode: the item says what to fix in nDelius, rule by rule (one CASE each)."""
    catalogue = hygiene.rules()
    parts = [
        Case(When(condition, then=Value(catalogue[code].fix + " ")), default=Value(""))
        for code, condition in hygiene.person_problem_conditions(today, codes=codes).items()
    ]
    return Concat(Value("Fix in nDelius: "), *parts, output_field=CharField())


def _hygiene_problem(today):
    # Overdue reviews have their own rule; this one is about contradictions and loose ends.
    codes = [c for c in hygiene.rules() if c != "REVIEW_OVERDUE"]
    detail = _fix_in_delius(today, codes) if case_source.integrated() else None
    return candidates_about_people(
        Person.objects.filter(hygiene.person_has_problem(today, codes=codes)),
        person="",
        due_on=today,
        detail=detail,
    )


REVIEW_OVERDUE = WorkItemRule(
    code="registration_review_overdue",
    title="Registration review overdue",
    subject_type="registration",
    candidates=_review_overdue,
    priority=WorkItemPriority.SOON,
    link=link_to("registrations:review", subject="registration_id"),
    action="Review the registration: continue it with a new review date, or end it.",
)

HYGIENE_PROBLEM = WorkItemRule(
    code="registration_hygiene_problem",
    title="Registrations contradict each other or need tidying",
    subject_type="person",
    candidates=_hygiene_problem,
    priority=WorkItemPriority.ROUTINE,
    link=link_to("people:detail", anchor="registrations-heading"),
    action="Open the person's registrations and fix the problems listed.",
)
