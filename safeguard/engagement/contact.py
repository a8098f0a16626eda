"""Whom a person on probation can call, as their check-in and safety-plan pages say it: their
practitioner's name and their office's phone number (``data/offices.toml``). For someone whose
messages are discreet (a domestic abuse victim, or on request) the pages name no practitioner
and do not say "probation"."""

import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from safeguard.notify import catalogue

OFFICES = Path(__file__).with_name("data") / "offices.toml"


@cache
def _offices() -> dict:
    with OFFICES.open("rb") as handle:
        return tomllib.load(handle)


@dataclass(frozen=True)
class Contact:
    practitioner: str  # "" when discreet or when nobody is allocated
    phone: str
    hours: str
    discreet: bool

    @property
    def phone_digits(self) -> str:
        return "".join(c for c in self.phone if c.isdigit() or c == "+")


def office_phone(person) -> str:
    offices = _offices()
    code = getattr(getattr(person, "pdu", None), "code", "")
    return offices.get("pdus", {}).get(code, offices["default"])


def contact_for(person) -> Contact:
    """The contact shown on the person's own pages."""
    from safeguard.engagement import wording
    from safeguard.engagement.models import ReminderPreferences

    preferences = ReminderPreferences.objects.filter(person=person).first()
    discreet = wording.message_style(person, preferences) == catalogue.DISCREET
    staff = person.practitioner
    return Contact(
        practitioner="" if discreet or staff is None else staff.display_name,
        phone=office_phone(person),
        hours=_offices()["hours"],
        discreet=discreet,
    )
