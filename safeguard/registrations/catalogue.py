"""Load the register catalogue from ``data/register_types.json`` (run by a migration)."""

import json
from pathlib import Path

DATA_FILE = Path(__file__).resolve().parent / "data" / "register_types.json"


def load_register_types(apps=None, schema_editor=None):
    if apps is None:
        from django.apps import apps as global_apps

        apps = global_apps
    RegisterType = apps.get_model("registrations", "RegisterType")
    data = json.loads(DATA_FILE.read_text())
    priorities = {g["key"]: g["priority"] for g in data["groups"]}
    for entry in data["types"]:
        RegisterType.objects.update_or_create(
            code=entry["code"],
            defaults={
                "description": entry["description"],
                "group": entry["group"],
                "colour": entry["colour"],
                "review_months": entry.get("review_months"),
                "priority": priorities[entry["group"]],
                "has_level": entry.get("has_level", False),
                "has_category": entry.get("has_category", False),
                "rosh_level": entry.get("rosh_level", ""),
            },
        )


def risk_to_self_groups() -> tuple[str, ...]:
    """The register groups whose registrations say a person is at risk to themselves (the
    catalogue marks them ``signals_risk_to_self``): suicide and self-harm, vulnerability and
    adults at risk."""
    data = json.loads(DATA_FILE.read_text())
    return tuple(g["key"] for g in data["groups"] if g.get("signals_risk_to_self"))


def risk_to_self_registers() -> dict[str, str]:
    """The registers in those groups, code to label ("Suicide/self-harm (ALSH)"), in the
    catalogue's order."""
    data = json.loads(DATA_FILE.read_text())
    groups = set(risk_to_self_groups())
    return {
        t["code"]: f"{t['description']} ({t['code']})"
        for t in data["types"]
        if t["group"] in groups
    }
