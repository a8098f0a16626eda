"""Load the training courses from ``data/training_courses.json`` (run by a migration;
re-runnable, and run again by the browser tests after a transactional flush)."""

import json
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"


def load_training_courses(apps=None, schema_editor=None):
    if apps is None:
        from django.apps import apps
    try:
        TrainingCourse = apps.get_model("training", "TrainingCourse")
    except LookupError:  # in the learning migration that first loaded them, before training
        TrainingCourse = apps.get_model("learning", "TrainingCourse")
    data = json.loads((DATA / "training_courses.json").read_text())
    for entry in data["courses"]:
        TrainingCourse.objects.update_or_create(
            code=entry["code"],
            defaults={
                "title": entry["title"],
                "description": entry.get("description", ""),
                "mandatory_for": list(entry.get("mandatory_for", [])),
                "renewal_months": entry.get("renewal_months"),
                "active": entry.get("active", True),
            },
        )
