"""Plain words for days, times and places, in Europe/London, for messages and pages."""

from django.utils import timezone

from safeguard.core.dates import govuk_time
from safeguard.engagement.models import AppointmentKind, MessageWording
from safeguard.notify import catalogue


def day_text(moment) -> str:
    local = timezone.localtime(moment)
    return f"{local:%A} {local.day} {local:%B}"


def time_text(moment) -> str:
    """GOV.UK style: 10am, 2:30pm, midday, midnight (``safeguard.core.dates.govuk_time``)."""
    return govuk_time(moment)


def where_text(appointment) -> str:
    kind = appointment.kind
    if kind == AppointmentKind.OFFICE:
        return (
            f"Place: {appointment.location}."
            if appointment.location
            else "Place: your probation office."
        )
    if kind == AppointmentKind.HOME_VISIT:
        return "Your probation practitioner will visit you at home."
    if kind == AppointmentKind.PHONE:
        return "Your probation practitioner will phone you."
    if kind == AppointmentKind.VIDEO:
        return "It is a video call. Your practitioner will send you the link."
    return "It is a check-in on your phone. We will send you a link."


def discreet_where_text(appointment) -> str:
    """Where, without the word "probation" or a practitioner's name (a recorded place that
    names the service is left out)."""
    kind = appointment.kind
    if kind == AppointmentKind.OFFICE:
        location = appointment.location or ""
        if location and not any(w in location.lower() for w in catalogue.DISCREET_WORDS_NEVER_USED):
            return f"Place: {location}."
        return "Place: the office you usually go to."
    if kind == AppointmentKind.HOME_VISIT:
        return "We will visit you at home."
    if kind == AppointmentKind.PHONE:
        return "We will phone you."
    if kind == AppointmentKind.VIDEO:
        return "It is a video call. We will send you the link."
    return "It is a check-in on your phone. We will send you a link."


def is_adult_abuse_victim(person) -> bool:
    """An active domestic abuse victim registration (ADVV): one indexed EXISTS query."""
    from safeguard.registrations.models import RegistrationStatus

    return person.registrations.filter(
        register_type__code="ADVV", status=RegistrationStatus.ACTIVE
    ).exists()


def message_style(person, preferences) -> str:
    """The wording of every message to ``person`` (``catalogue.STYLES``): what their
    preferences say, or when automatic, discreet for a domestic abuse victim (ADVV) and easy
    read where their communication needs ask for it. Discreet wins over easy read."""
    chosen = getattr(preferences, "wording", MessageWording.AUTOMATIC) or MessageWording.AUTOMATIC
    if chosen != MessageWording.AUTOMATIC:
        return str(chosen)
    if is_adult_abuse_victim(person):
        return catalogue.DISCREET
    if person.learning_disability or person.literacy_support:
        return catalogue.EASY_READ
    return catalogue.STANDARD


def practitioner_text(appointment) -> str:
    staff = appointment.practitioner
    return staff.display_name if staff else "your probation practitioner"


def appointment_personalisation(appointment, person, style: str = catalogue.STANDARD) -> dict:
    if style == catalogue.DISCREET:
        return {
            "first_name": person.first_name,
            "day": day_text(appointment.starts_at),
            "time": time_text(appointment.starts_at),
            "where": discreet_where_text(appointment),
        }
    return {
        "first_name": person.first_name,
        "day": day_text(appointment.starts_at),
        "time": time_text(appointment.starts_at),
        "where": where_text(appointment),
        "practitioner": practitioner_text(appointment),
    }


def summary_line(appointment, style: str = catalogue.STANDARD) -> str:
    kind = {
        AppointmentKind.OFFICE: "at the office"
        if style == catalogue.DISCREET
        else "at the probation office",
        AppointmentKind.HOME_VISIT: "home visit",
        AppointmentKind.PHONE: "phone call",
        AppointmentKind.VIDEO: "video call",
        AppointmentKind.REMOTE_CHECK_IN: "check-in on your phone",
    }.get(appointment.kind, "")
    return f"- {day_text(appointment.starts_at)} at {time_text(appointment.starts_at)}, {kind}"
