"""Load the register catalogue from ``data/register_types.json`` (run by a migration)."""

import json
from pathlib import Path

from django.utils import timezone

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


def clear_reviews_without_a_set_period(apps=None, schema_editor=None):
    """Active registrations of a register that has no set review period (REG30 since issue 19)
    keep no next review date, so that they are never "review overdue". Each change is saved
    with a history row saying why; ended registrations and earlier history stay as they were.
    Re-runnable: a registration already without a date is left alone."""
    if apps is None:
        from django.apps import apps as global_apps

        apps = global_apps
    Registration = apps.get_model("registrations", "Registration")
    Historical = apps.get_model("registrations", "HistoricalRegistration")
    now = timezone.now()
    rows = Registration.objects.filter(
        status="active",
        register_type__review_months__isnull=True,
        next_review_date__isnull=False,
    ).select_related("register_type")
    for registration in rows:
        registration.next_review_date = None
        registration.version += 1
        # A queryset update: no signal, so exactly one history row (written below) records it.
        Registration.objects.filter(pk=registration.pk).update(
            next_review_date=None, version=registration.version
        )
        fields = {
            f.attname: getattr(registration, f.attname) for f in Registration._meta.concrete_fields
        }
        Historical.objects.create(
            **fields,
            history_date=now,
            history_type="~",
            history_change_reason=(
                f"Catalogue: {registration.register_type.code} has no set review period, "
                "so the next review date is cleared"
            ),
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
