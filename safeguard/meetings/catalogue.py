"""Meeting types' agenda templates, from ``referrals/data/meeting_types.json`` (where the
meeting types themselves are declared; loaded by a migration, re-runnable)."""

import json

from safeguard.referrals.catalogue import DATA


def meeting_types() -> list[dict]:
    return json.loads((DATA / "meeting_types.json").read_text())


def load_agendas(apps=None, schema_editor=None):
    """Write each meeting type's agenda template from the data file."""
    if apps is None:
        from django.apps import apps as global_apps

        apps = global_apps
    MeetingType = apps.get_model("meetings", "MeetingType")
    for entry in meeting_types():
        MeetingType.objects.filter(code=entry["code"]).update(agenda=entry.get("agenda", []))
