"""The pre-release checklist, read from ``data/checklist.json``.

The checklist is data: changing an item's wording, hint or condition is an edit of the file, not
of code. It is read once per process and checked when read; ``ReleasesConfig.ready`` reads it,
so a broken file stops the service at start-up rather than on a practitioner's page.
Plans store one row per item only once someone updates it: an item with no row is "not started".
That way a new item in the file applies to every open plan at once, with no data migration.
"""

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DATA_FILE = Path(__file__).resolve().parent / "data" / "checklist.json"

# The conditions an item may name in "applies". Each is worked out from the case in SQL by
# ``selectors.applies_expression``; a name here without an expression there is a bug that the
# tests catch.
CONDITIONS = ("always", "accommodation_not_secured", "at_risk", "opioid_use_indicated")


class ChecklistError(ValueError):
    """The checklist file is malformed."""


@dataclass(frozen=True)
class ChecklistItem:
    key: str
    group: str
    label: str
    short: str
    hint: str
    applies: str
    evidence_required_when_done: str = ""

    @property
    def always(self) -> bool:
        return self.applies == "always"


@dataclass(frozen=True)
class Checklist:
    version: int
    groups: dict[str, str]
    conditions: dict[str, str]
    items: tuple[ChecklistItem, ...]

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(item.key for item in self.items)

    def get(self, key: str) -> ChecklistItem | None:
        return next((item for item in self.items if item.key == key), None)

    @property
    def always_keys(self) -> tuple[str, ...]:
        return tuple(item.key for item in self.items if item.always)

    @property
    def conditional_items(self) -> tuple[ChecklistItem, ...]:
        return tuple(item for item in self.items if not item.always)


def parse(data: dict) -> Checklist:
    groups = {g["key"]: g["label"] for g in data.get("groups", [])}
    conditions = dict(data.get("conditions", {}))
    unknown_conditions = set(conditions) - set(CONDITIONS)
    if unknown_conditions:
        raise ChecklistError(f"Unknown conditions: {sorted(unknown_conditions)}")
    items = []
    seen = set()
    for raw in data.get("items", []):
        try:
            item = ChecklistItem(
                key=raw["key"],
                group=raw["group"],
                label=raw["label"],
                short=raw["short"],
                hint=raw["hint"],
                applies=raw["applies"],
                evidence_required_when_done=raw.get("evidence_required_when_done", ""),
            )
        except KeyError as exc:
            raise ChecklistError(f"Checklist item {raw!r} is missing {exc}") from exc
        if item.key in seen:
            raise ChecklistError(f"Checklist item {item.key!r} appears twice")
        if not item.key.replace("_", "").isalnum() or len(item.key) > 48:
            raise ChecklistError(f"Checklist key {item.key!r} must be letters, digits and _")
        if item.group not in groups:
            raise ChecklistError(f"Checklist item {item.key!r} names unknown group {item.group!r}")
        if item.applies not in conditions:
            raise ChecklistError(
                f"Checklist item {item.key!r} names unknown condition {item.applies!r}"
            )
        seen.add(item.key)
        items.append(item)
    if not items:
        raise ChecklistError("The checklist has no items")
    missing = set(KEYS_USED_BY_CODE) - seen
    if missing:
        raise ChecklistError(f"The checklist lacks items the code relies on: {sorted(missing)}")
    return Checklist(
        version=int(data["version"]), groups=groups, conditions=conditions, items=tuple(items)
    )


@cache
def checklist() -> Checklist:
    return parse(json.loads(DATA_FILE.read_text()))


# Keys the code relies on by name (the rules, the release record and the measures).
NIGHT_OF_RELEASE = "accommodation_night_of_release"
FIRST_12_WEEKS = "accommodation_first_12_weeks"
DUTY_TO_REFER = "housing_duty_to_refer"
MET_BEFORE_RELEASE = "met_before_release"
RISK_TO_SELF_SCREEN = "risk_to_self_screen"
SAFETY_PLAN = "safety_plan"
GP_REGISTRATION = "gp_registration"
NALOXONE = "naloxone_offered"
FIRST_APPOINTMENT = "first_appointment"
REMINDERS = "reminders_and_phone"
KEYS_USED_BY_CODE = (
    NIGHT_OF_RELEASE,
    FIRST_12_WEEKS,
    DUTY_TO_REFER,
    MET_BEFORE_RELEASE,
    RISK_TO_SELF_SCREEN,
    SAFETY_PLAN,
    GP_REGISTRATION,
    NALOXONE,
    FIRST_APPOINTMENT,
    REMINDERS,
)
