"""The catalogue of monitored decisions, read from ``data/decisions.toml``."""

import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data" / "decisions.toml"
UNITS = {"person", "screen", "referral", "release", "appointment"}
LOCAL_AUTHORITY_SOURCES = {"person", "referral"}


@dataclass(frozen=True)
class Decision:
    code: str
    title: str
    unit: str
    population: str
    outcome: str
    window_days: int
    covariates: tuple[str, ...]
    local_authority: str


@cache
def _read() -> tuple[dict[str, Decision], dict[str, str]]:
    data = tomllib.loads(DATA.read_text(encoding="utf-8"))
    covariates = data.get("covariates", {})
    found = {}
    for code, entry in data["decisions"].items():
        decision = Decision(
            code=code,
            title=entry["title"],
            unit=entry["unit"],
            population=entry["population"],
            outcome=entry["outcome"],
            window_days=int(entry.get("window_days", 0)),
            covariates=tuple(entry.get("covariates", ())),
            local_authority=entry.get("local_authority", "person"),
        )
        if decision.unit not in UNITS:
            raise ValueError(f"{DATA.name}: {code}: unknown unit {decision.unit!r}")
        if decision.local_authority not in LOCAL_AUTHORITY_SOURCES:
            raise ValueError(f"{DATA.name}: {code}: unknown local_authority source")
        unknown = [c for c in decision.covariates if c not in covariates]
        if unknown:
            raise ValueError(f"{DATA.name}: {code}: covariates not described: {unknown}")
        found[code] = decision
    return found, covariates


def decisions() -> dict[str, Decision]:
    return _read()[0]


def decision(code: str) -> Decision:
    return decisions()[code]


def covariate_label(name: str) -> str:
    return _read()[1].get(name, name)
