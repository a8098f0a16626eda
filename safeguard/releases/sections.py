"""The person page's release sections: the plan's readiness and gaps while the person is in
custody, and, for 14 days after release, a highlighted panel at the top of the page."""

import datetime as dt

from safeguard.people.models import CustodyStatus
from safeguard.people.sections import Section, read_once
from safeguard.releases import selectors


def _plan(request, person):
    """The person's plan, read once per request for both sections (one or two queries)."""
    return read_once(
        request, "release_plan", person, lambda p: selectors.person_release_plan(person=p)
    )


def first_days_section(request, person, today):
    """For 14 days after release, a highlighted panel at the very top of the page: the first
    appointment, the accommodation and check-ins (two more queries in that window)."""
    plan = _plan(request, person)
    if not selectors.in_first_days(plan, today):
        return None
    return Section(
        template="releases/_person_first_days.html",
        context={
            "person": person,
            "plan": plan,
            "first_days": selectors.first_days(plan=plan, person=person, today=today),
            "can_change": request.user.can_change_cases,
        },
        position="top",
    )


def release_section(request, person, today):
    """The release plan's readiness and gaps while the person is in custody. One query for a
    case with no plan; two for one with a plan (the plan and its item rows)."""
    plan = _plan(request, person)
    can_change = request.user.can_change_cases
    if plan is None:
        if person.custody_status == CustodyStatus.IN_CUSTODY and person.expected_release_date:
            opens_on = person.expected_release_date - dt.timedelta(weeks=selectors.PLAN_OPENS_WEEKS)
            return Section(
                template="releases/_person_release.html",
                title="Release",
                anchor="release-heading",
                context={"person": person, "plan": None, "opens_on": opens_on, "today": today},
            )
        return None
    if not plan.is_open:
        return None
    states = selectors.plan_checklist(plan)
    return Section(
        template="releases/_person_release.html",
        title="Release",
        anchor="release-heading",
        context={
            "person": person,
            "plan": plan,
            "gaps": [s.item for s in states if s.is_gap],
            "closed": sum(1 for s in states if s.applies and s.closed),
            "applicable": sum(1 for s in states if s.applies),
            "prompt": selectors.duty_to_refer_prompt(plan, today),
            "escalated": selectors.needs_escalation(plan, today),
            "days_to_release": (plan.release_date - today).days,
            "today": today,
            "can_change": can_change,
        },
    )
