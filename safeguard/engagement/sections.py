from django.utils import timezone

from safeguard.engagement.selectors import person_engagement
from safeguard.people.sections import Section


def engagement_section(request, person, today):
    """Appointments, reminders, check-ins and continuity on the person page (fixed queries)."""
    return Section(
        template="engagement/_person_engagement.html",
        title="Appointments",
        anchor="engagement-heading",
        context={
            "engagement": person_engagement(person=person, now=timezone.now()),
            "can_change": request.user.can_change_cases,
            "now": timezone.now(),
        },
    )
