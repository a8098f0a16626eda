"""The person page's pathway sections: health (emergency department attendances, admissions
and GP registration) beside the risk picture at the top, and pathways (suggestions and
offers) in the main column. Each runs a fixed number of queries."""

import datetime as dt

from safeguard.pathways import selectors
from safeguard.pathways.models import AttendanceKind
from safeguard.people.sections import Section


def health_section(request, person, today):
    """Two queries: the attendances and the GP registration."""
    since = today - selectors.HEALTH_LOOKBACK
    attendances = selectors.attendances_of(person)
    recent = [a for a in attendances if a.attended_on >= since]
    gp = selectors.gp_registration_of(person)
    if not attendances and gp is None:
        return None
    return Section(
        template="pathways/_person_health.html",
        title="Health",
        anchor="health-heading",
        context={
            "person": person,
            "recent": recent[:5],
            "ed_count": sum(1 for a in recent if a.kind == AttendanceKind.EMERGENCY_DEPARTMENT),
            "admission_count": sum(1 for a in recent if a.kind == AttendanceKind.ADMISSION),
            "gp": gp,
        },
        position="top",
    )


def pathways_section(request, person, today: dt.date):
    """Three queries: the needs, the offers and the recorded needs."""
    found = selectors.person_pathways(person, today=today)
    if not found.suggestions and not found.offers:
        return None
    return Section(
        template="pathways/_person_pathways.html",
        title="Pathways",
        anchor="pathways-heading",
        context={
            "person": person,
            "found": found,
            "not_offered": [s for s in found.suggestions if not s.offers],
            "open_offers": [o for o in found.offers if o.is_open],
        },
    )


def booking_notice(request, person):
    """On the booking page: the wish not to be seen at the office, why, the alternatives, and
    the adjustments the person asked for on their screen (two queries)."""
    wish = selectors.office_wish_of(person)
    adjustments = selectors.screen_adjustments(person)
    if not adjustments and not (wish and wish.not_at_office):
        return None
    return Section(
        template="pathways/_booking_notice.html",
        context={"person": person, "wish": wish, "adjustments": adjustments},
    )
