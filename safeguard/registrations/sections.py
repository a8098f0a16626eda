from safeguard.people.sections import Section
from safeguard.registrations.selectors import person_registrations, registrations_for_page


def registrations_section(request, person, today):
    return Section(
        template="registrations/_person_registrations.html",
        title="Registrations",
        anchor="registrations-heading",
        context={
            "registrations": person_registrations(
                person=person, today=today, rows=registrations_for_page(request, person)
            ),
            "can_change": request.user.can_change_cases,
        },
    )
