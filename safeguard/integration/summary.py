"""The case summary Safeguard expects from nDelius: its own "safeguard-and-delius" contract.

``GET <detailUrl>`` answers, as JSON::

    {"crn": "X123456",
     "name": {"forename": "Ann", "surname": "Example"},
     "dateOfBirth": "1990-01-31",
     "sex": "M" | "F" | "N",
     "ethnicity": "<nDelius code>",
     "manager": {"teamCode": "N07DEM", "staffCode": "N07DEMP" or null when unallocated},
     "custody": {"inCustody": false, "expectedReleaseDate": "2027-03-01" or null},
     "registrations": [{"id": "2500012345", "typeCode": "ALSH", "startDate": "2026-01-05",
                        "nextReviewDate": "2026-07-05" or null, "notes": "...",
                        "active": true, "endDate": null}]}

``parse_case_summary`` turns it into a ``CaseSummary`` or raises ``SummaryError``, whose
message names the field and never its value (it is logged). The bulk load reads the same
facts from CSV with the same field checks (``parse_*`` below).
"""

import json
import re
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

from safeguard.core import bounds
from safeguard.people.models import CRN_PATTERN, Ethnicity, Sex

DATA_DIR = Path(__file__).resolve().parent / "data"
SEX_CODES = {"M": Sex.MALE, "F": Sex.FEMALE, "N": Sex.NOT_KNOWN}
CODE_PATTERN = re.compile(r"^[A-Z0-9]{1,10}$")
ID_PATTERN = re.compile(r"^[A-Za-z0-9-]{1,20}$")
NAME_MAX = 100
NOTES_MAX = 4000


class SummaryError(ValueError):
    """The summary breaks the contract. The message names the field, never its value."""


@dataclass(frozen=True)
class RegistrationFact:
    delius_id: str
    type_code: str
    start_date: date
    next_review_date: date | None
    notes: str
    active: bool
    end_date: date | None


@dataclass(frozen=True)
class CaseSummary:
    crn: str
    forename: str
    surname: str
    date_of_birth: date
    sex: str
    ethnicity: str
    team_code: str
    staff_code: str | None
    in_custody: bool
    expected_release_date: date | None
    registrations: tuple[RegistrationFact, ...]


@cache
def _ethnicity_map() -> dict[str, str]:
    mapping = json.loads((DATA_DIR / "ethnicity_codes.json").read_text())
    mapping.pop("_comment", None)
    return {**{code: code for code in Ethnicity.values}, **mapping}


def parse_ethnicity(value) -> str:
    """An nDelius ethnicity code as one of Safeguard's; anything unknown is "not stated"."""
    if value is None or value == "":
        return Ethnicity.NOT_STATED
    if not isinstance(value, str):
        raise SummaryError("ethnicity must be a code")
    return _ethnicity_map().get(value.strip().upper(), Ethnicity.NOT_STATED)


def parse_crn(value, field="crn") -> str:
    if not isinstance(value, str) or not re.match(CRN_PATTERN, value.strip().upper()):
        raise SummaryError(f"{field} must be a CRN (a letter and six digits)")
    return value.strip().upper()


def parse_date(value, field: str, *, required: bool = True, kind: str = "event") -> date | None:
    """An ISO date (``2026-01-31``) within the plausible window of ``core.bounds``."""
    if value is None or value == "":
        if required:
            raise SummaryError(f"{field} is required")
        return None
    if not isinstance(value, str):
        raise SummaryError(f"{field} must be a date like 2026-01-31")
    try:
        parsed = date.fromisoformat(value.strip()[:10])
    except ValueError:
        raise SummaryError(f"{field} must be a date like 2026-01-31") from None
    low, high = _window(kind)
    if not low <= parsed <= high:
        raise SummaryError(f"{field} is not a plausible date")
    return parsed


def _window(kind: str) -> tuple[date, date]:
    # A wide window: nDelius is the record, so only dates no one means are refused.
    if kind == "birth":
        return bounds.EARLIEST_BIRTH, date.today()  # noqa: DTZ011 - a calendar date
    return bounds.ANY_EARLIEST, bounds.ANY_LATEST


def parse_text(value, field: str, *, required: bool = True, limit: int = NAME_MAX) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise SummaryError(f"{field} must be text")
    value = value.strip()
    if required and not value:
        raise SummaryError(f"{field} is required")
    if len(value) > limit:
        raise SummaryError(f"{field} is longer than {limit} characters")
    return value


def parse_code(value, field: str, *, required: bool = True) -> str | None:
    if value is None or value == "":
        if required:
            raise SummaryError(f"{field} is required")
        return None
    if not isinstance(value, str) or not CODE_PATTERN.match(value.strip().upper()):
        raise SummaryError(f"{field} must be an nDelius code")
    return value.strip().upper()


def parse_sex(value) -> str:
    code = value.strip().upper() if isinstance(value, str) else None
    if code not in SEX_CODES:
        raise SummaryError("sex must be M, F or N")
    return SEX_CODES[code]


def parse_bool(value, field: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "y", "yes", "1"):
        return True
    if isinstance(value, str) and value.strip().lower() in ("false", "n", "no", "0"):
        return False
    raise SummaryError(f"{field} must be true or false")


def parse_registration(item, index: int | None = None) -> RegistrationFact:
    where = "registrations" if index is None else f"registrations[{index}]"
    if not isinstance(item, dict):
        raise SummaryError(f"{where} must be an object")
    raw_id = item.get("id")
    if isinstance(raw_id, int) and not isinstance(raw_id, bool):
        raw_id = str(raw_id)
    if not isinstance(raw_id, str) or not ID_PATTERN.match(raw_id.strip()):
        raise SummaryError(f"{where}.id must be the nDelius registration id")
    active = parse_bool(item.get("active"), f"{where}.active")
    start = parse_date(item.get("startDate"), f"{where}.startDate")
    end = parse_date(item.get("endDate"), f"{where}.endDate", required=not active)
    if end is not None and end < start:
        raise SummaryError(f"{where}.endDate is before its startDate")
    return RegistrationFact(
        delius_id=raw_id.strip(),
        type_code=parse_code(item.get("typeCode"), f"{where}.typeCode"),
        start_date=start,
        next_review_date=None
        if not active
        else parse_date(item.get("nextReviewDate"), f"{where}.nextReviewDate", required=False),
        notes=parse_text(item.get("notes"), f"{where}.notes", required=False, limit=NOTES_MAX),
        active=active,
        end_date=None if active else end,
    )


def _object(data, field: str) -> dict:
    if not isinstance(data, dict):
        raise SummaryError(f"{field} must be an object")
    return data


def parse_case_summary(data) -> CaseSummary:
    data = _object(data, "the summary")
    name = _object(data.get("name"), "name")
    manager = _object(data.get("manager"), "manager")
    custody = _object(data.get("custody") or {"inCustody": False}, "custody")
    registrations = data.get("registrations") or []
    if not isinstance(registrations, list):
        raise SummaryError("registrations must be a list")
    facts = tuple(parse_registration(item, i) for i, item in enumerate(registrations))
    ids = [f.delius_id for f in facts]
    if len(set(ids)) != len(ids):
        raise SummaryError("registrations has the same id twice")
    in_custody = parse_bool(custody.get("inCustody", False), "custody.inCustody")
    return CaseSummary(
        crn=parse_crn(data.get("crn")),
        forename=parse_text(name.get("forename"), "name.forename"),
        surname=parse_text(name.get("surname"), "name.surname"),
        date_of_birth=parse_date(data.get("dateOfBirth"), "dateOfBirth", kind="birth"),
        sex=parse_sex(data.get("sex")),
        ethnicity=parse_ethnicity(data.get("ethnicity")),
        team_code=parse_code(manager.get("teamCode"), "manager.teamCode"),
        staff_code=parse_code(manager.get("staffCode"), "manager.staffCode", required=False),
        in_custody=in_custody,
        expected_release_date=parse_date(
            custody.get("expectedReleaseDate"), "custody.expectedReleaseDate", required=False
        )
        if in_custody
        else None,
        registrations=facts,
    )
