"""Plain words for days, times and places, in Europe/London, for messages and pages."""

from django.utils import timezone

from safeguard.core.dates import govuk_time
from safeguard.engagement.models import AppointmentKind


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


def practitioner_text(appointment) -> str:
    staff = appointment.practitioner
    return staff.display_name if staff else "your probation practitioner"


def appointment_personalisation(appointment, person) -> dict:
    return {
        "first_name": person.first_name,
        "day": day_text(appointment.starts_at),
        "time": time_text(appointment.starts_at),
        "where": where_text(appointment),
        "practitioner": practitioner_text(appointment),
    }


def summary_line(appointment) -> str:
    kind = {
        AppointmentKind.OFFICE: "at the probation office",
        AppointmentKind.HOME_VISIT: "home visit",
        AppointmentKind.PHONE: "phone call",
        AppointmentKind.VIDEO: "video call",
        AppointmentKind.REMOTE_CHECK_IN: "check-in on your phone",
    }.get(appointment.kind, "")
    return f"- {day_text(appointment.starts_at)} at {time_text(appointment.starts_at)}, {kind}"
