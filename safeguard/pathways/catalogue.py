"""The pathway catalogue and the needs that point to it, read from ``data/`` and checked at
start-up (a broken file stops the service starting rather than suggesting nonsense)."""

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

DATA = Path(__file__).with_name("data")
SOURCE_KINDS = {
    "screen_domain",
    "screen_answer",
    "register",
    "person_flag",
    "release",
    "referral_rejected",
    "opioid_use_indicated",
    "gp_not_registered",
    "recorded",
}
PERSON_FLAGS = {"mental_health_need", "neurodivergence", "learning_disability"}
SINGLE_SEX_FOR = {"women", "men"}
SINGLE_SEX_BY = {"sex", "gender_identity"}


@dataclass(frozen=True)
class Need:
    key: str
    label: str
    sources: tuple[dict, ...]

    @property
    def recordable(self) -> bool:
        return any("recorded" in source for source in self.sources)


@dataclass(frozen=True)
class SingleSex:
    for_: str  # "women" or "men"
    by: str  # "sex" or "gender_identity", as the service states


@dataclass(frozen=True)
class Pathway:
    key: str
    name: str
    description: str
    needs: tuple[str, ...]
    single_sex: SingleSex | None
    offered: str
    providers: dict[str, tuple[str, ...]]

    def providers_in(self, region_code: str) -> tuple[str, ...]:
        return self.providers.get(region_code) or self.providers.get("*", ())

    @property
    def offered_label(self) -> str:
        return catalogue().offered_how[self.offered]


@dataclass(frozen=True)
class Catalogue:
    version: int
    needs: dict[str, Need]
    pathways: dict[str, Pathway]
    offered_how: dict[str, str]

    def pathways_for(self, need: str) -> list[Pathway]:
        return [p for p in self.pathways.values() if need in p.needs]


def _bad(message: str):
    raise ImproperlyConfigured(f"pathways catalogue: {message}")


def _source_kind(source: dict) -> str:
    kinds = [k for k in source if k in SOURCE_KINDS]
    if len(kinds) != 1:
        _bad(f"a need source names one kind of source, not {sorted(source)}")
    kind = kinds[0]
    if kind == "person_flag" and source[kind] not in PERSON_FLAGS:
        _bad(f"unknown person flag {source[kind]!r}")
    if kind in ("screen_domain", "screen_answer") and not (
        source.get("levels") or source.get("values")
    ):
        _bad(f"{kind} {source[kind]!r} needs its levels or values")
    return kind


@cache
def catalogue() -> Catalogue:
    needs_data = json.loads((DATA / "needs.json").read_text())
    pathways_data = json.loads((DATA / "pathways.json").read_text())
    needs = {}
    for entry in needs_data["needs"]:
        if entry["key"] in needs:
            _bad(f"need {entry['key']} twice")
        for source in entry["sources"]:
            _source_kind(source)
        needs[entry["key"]] = Need(entry["key"], entry["label"], tuple(entry["sources"]))
    offered_how = dict(pathways_data["offered_how"])
    pathways = {}
    for entry in pathways_data["pathways"]:
        key = entry["key"]
        if key in pathways:
            _bad(f"pathway {key} twice")
        for need in entry["needs"]:
            if need not in needs:
                _bad(f"pathway {key} names an unknown need {need!r}")
        if entry["offered"] not in offered_how:
            _bad(f"pathway {key}: unknown way of offering {entry['offered']!r}")
        single = entry.get("single_sex")
        if single is not None and (
            single.get("for") not in SINGLE_SEX_FOR or single.get("by") not in SINGLE_SEX_BY
        ):
            _bad(
                f"pathway {key}: single_sex must say 'for' (women, men) and 'by' (sex, gender_identity)"
            )
        if not entry["providers"]:
            _bad(f"pathway {key} has no providers")
        pathways[key] = Pathway(
            key=key,
            name=entry["name"],
            description=entry["description"],
            needs=tuple(entry["needs"]),
            single_sex=SingleSex(single["for"], single["by"]) if single else None,
            offered=entry["offered"],
            providers={area: tuple(names) for area, names in entry["providers"].items()},
        )
    return Catalogue(needs_data["version"], needs, pathways, offered_how)


def pathway(key: str) -> Pathway | None:
    return catalogue().pathways.get(key)


def single_sex_eligible(single: SingleSex | None, *, sex: str, gender_identity: str) -> bool:
    """Whether a person is among those a single-sex service is for, by the rule the service
    states: by sex registered at birth, or by gender identity (where the record says "same as
    sex", or says nothing, the sex decides; "prefers not to say" or non-binary do not meet a
    gender-identity rule for one gender, so the practitioner asks the service)."""
    if single is None:
        return True
    target_sex = "female" if single.for_ == "women" else "male"
    if single.by == "sex":
        return sex == target_sex
    target_gender = "woman" if single.for_ == "women" else "man"
    if gender_identity in ("", "same_as_sex"):
        return sex == target_sex
    return gender_identity == target_gender
