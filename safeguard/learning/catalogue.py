"""Load the systemic-factor taxonomy from ``data/`` (and, for the migration that first loaded
them, the training courses, now the training app's) (run by a
migration; re-runnable, and run again by the browser tests after a transactional flush)."""

import json
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"


def _apps(apps):
    if apps is None:
        from django.apps import apps as global_apps

        return global_apps
    return apps


def load_systemic_factors(apps=None, schema_editor=None):
    SystemicFactor = _apps(apps).get_model("learning", "SystemicFactor")
    data = json.loads((DATA / "systemic_factors.json").read_text())
    themes = {t["key"]: t["title"] for t in data["themes"]}
    for position, entry in enumerate(data["factors"], start=1):
        SystemicFactor.objects.update_or_create(
            code=entry["code"],
            defaults={
                "theme": entry["theme"],
                "theme_title": themes[entry["theme"]],
                "title": entry["title"],
                "description": entry.get("description", ""),
                "position": position,
                "active": entry.get("active", True),
            },
        )


def load_learning_catalogues(apps=None, schema_editor=None):
    from safeguard.training.catalogue import load_training_courses

    load_systemic_factors(apps, schema_editor)
    load_training_courses(apps, schema_editor)
