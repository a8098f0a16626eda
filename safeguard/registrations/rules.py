"""Work-item rules about registrations (run by `safeguarding_scan`)."""

from django.db.models import F

from safeguard.core.models import WorkItemPriority
from safeguard.core.workitems import WorkItemRule, candidates_about_people, link_to
from safeguard.people.models import Person
from safeguard.registrations import hygiene
from safeguard.registrations.models import Registration, RegistrationStatus


def _review_overdue(today):
    return candidates_about_people(
        Registration.objects.filter(status=RegistrationStatus.ACTIVE, next_review_date__lt=today),
        due_on=F("next_review_date"),
        detail=F("register_type__description"),
    )


def _hygiene_problem(today):
    # Overdue reviews have their own rule; this one is about contradictions and loose ends.
    codes = [c for c in hygiene.rules() if c != "REVIEW_OVERDUE"]
    return candidates_about_people(
        Person.objects.filter(hygiene.person_has_problem(today, codes=codes)),
        person="",
        due_on=today,
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
