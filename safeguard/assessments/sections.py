"""The integrated risk picture as a section at the top of the person's page
(``settings.SAFEGUARD_PERSON_SECTIONS``, see ``safeguard.people.sections``)."""

from safeguard.assessments.selectors import risk_summary_for_page
from safeguard.people.sections import Section


def risk_picture_section(request, person, today):
    """Risk to others beside risk to self. Three queries, whatever the case holds."""
    return Section(
        template="assessments/_risk_picture_section.html",
        title="Risk picture",
        anchor="risk-picture-heading",
        context={
            "risk": risk_summary_for_page(request, person=person, today=today),
            "can_change": request.user.can_change_cases,
        },
        position="top",
    )
