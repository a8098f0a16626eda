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
