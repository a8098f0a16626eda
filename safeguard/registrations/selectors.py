"""Reads of registrations, always through the people the user may see."""

from dataclasses import dataclass
from datetime import date

from django.db.models import Count, QuerySet

from safeguard.people.sections import read_once
from safeguard.people.selectors import case_record_get_for, visible_people
from safeguard.registrations import hygiene
from safeguard.registrations.models import RegisterType, Registration, RegistrationStatus


def visible_registrations(user) -> QuerySet[Registration]:
    return Registration.objects.filter(person__in=visible_people(user).values("pk"))


def registration_get_for(*, user, registration_id: int, channel: str, for_update=False):
    return case_record_get_for(
        visible_registrations(user).select_related("person", "register_type", "owner"),
        user=user,
        pk=registration_id,
        channel=channel,
        what="registration",
        for_update=for_update,
    )


def register_types() -> QuerySet[RegisterType]:
    return RegisterType.objects.order_by("priority", "group", "code")


@dataclass
class PersonRegistrations:
    active: list[Registration]
    ended: list[Registration]
    problems: list[hygiene.Problem]
    overdue_ids: set[int]

    @property
    def active_codes(self) -> set[str]:
        return {r.register_type.code for r in self.active}


def registrations_of(person) -> list[Registration]:
    """Every registration of the person, with its register type and owner, most important
    first (risk to self and adult at risk, then public protection and RoSH, then the rest)."""
    return list(
        Registration.objects.filter(person=person)
        .select_related("register_type", "owner")
        .order_by("register_type__priority", "register_type__code", "-start_date", "-pk")
    )


def registrations_for_page(request, person) -> list[Registration]:
    """``registrations_of`` once per request and person: the registrations section and the risk
    summary on the same page read the same rows."""
    return read_once(request, "registrations", person, registrations_of)


def person_registrations(*, person, today: date, rows=None) -> PersonRegistrations:
    """A person's registrations ordered by what matters (``registrations_of``, or ``rows``
    already read), with hygiene problems. Two queries, or one given ``rows``."""
    rows = registrations_of(person) if rows is None else rows
    active = [r for r in rows if r.status == RegistrationStatus.ACTIVE]
    ended = sorted(
        (r for r in rows if r.status == RegistrationStatus.ENDED),
        key=lambda r: (r.ended_on, r.pk),
        reverse=True,
    )
    problems = hygiene.problems_for_person(person, today)
    overdue = {r.pk for r in active if r.next_review_date and r.next_review_date < today}
    return PersonRegistrations(active=active, ended=ended, problems=problems, overdue_ids=overdue)


def hygiene_summary(*, user, today: date):
    """Counts of problems by rule across everything the user may see, and the people affected."""
    rows = hygiene.violations(visible_registrations(user), today)
    counts: dict[str, int] = {}
    people: dict[int, set[str]] = {}
    for row in rows:
        counts[row["rule"]] = counts.get(row["rule"], 0) + 1
        people.setdefault(row["person_id"], set()).add(row["rule"])
    return counts, people


def registrations_count_by_status(*, user):
    return dict(
        visible_registrations(user).values_list("status").annotate(n=Count("pk")).order_by()
    )
