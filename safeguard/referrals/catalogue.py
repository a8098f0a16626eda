"""Partner agencies and meeting types from the data files (run by a migration; re-runnable)."""

import json
from functools import cache
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"


@cache
def escalation_ladder() -> dict[int, dict]:
    levels = json.loads((DATA / "escalation_ladder.json").read_text())["levels"]
    return {entry["level"]: entry for entry in levels}


@cache
def mappa_roles() -> dict[str, list[str]]:
    """Agency kinds by MAPPA role (``agencies.json``): ``responsible_authority_kinds`` (the
    police; prisons and probation are the rest of the Responsible Authority) and
    ``duty_to_cooperate_kinds``."""
    data = json.loads((DATA / "agencies.json").read_text())["mappa"]
    return {k: list(v) for k, v in data.items() if not k.startswith("_")}


def is_duty_to_cooperate_kind(kind: str) -> bool:
    return kind in mappa_roles()["duty_to_cooperate_kinds"]


def is_responsible_authority_kind(kind: str) -> bool:
    return kind in mappa_roles()["responsible_authority_kinds"]


def set_mappa_roles(apps=None, schema_editor=None):
    """Set every stored agency's duty-to-co-operate flag from its kind (run by a migration)."""
    if apps is None:
        from django.apps import apps as global_apps

        apps = global_apps
    Agency = apps.get_model("referrals", "Agency")
    kinds = mappa_roles()["duty_to_cooperate_kinds"]
    Agency.objects.filter(kind__in=kinds).update(is_duty_to_cooperate=True)
    Agency.objects.exclude(kind__in=kinds).update(is_duty_to_cooperate=False)


def load_agencies(apps=None, schema_editor=None):
    if apps is None:
        from django.apps import apps as global_apps

        apps = global_apps
    Agency = apps.get_model("referrals", "Agency")
    Region = apps.get_model("core", "Region")
    LocalAuthority = apps.get_model("core", "LocalAuthority")
    PDU = apps.get_model("core", "PDU")
    try:
        MeetingType = apps.get_model("meetings", "MeetingType")
    except LookupError:  # in the referrals migration that first loaded them, before meetings
        MeetingType = apps.get_model("referrals", "MeetingType")
    data = json.loads((DATA / "agencies.json").read_text())
    default_target = data["asc_default_target_working_days"]
    targets = data["asc_response_targets"]

    def put(name, **fields):
        Agency.objects.update_or_create(name=name, defaults=fields)

    for la in LocalAuthority.objects.select_related("region"):
        put(
            f"{la.name} Adult Social Care",
            kind="adult_social_care",
            region=la.region,
            local_authority=la,
            response_target_working_days=targets.get(la.name, default_target),
            is_duty_to_cooperate=is_duty_to_cooperate_kind("adult_social_care"),
        )
        put(
            f"{la.name} Housing Options",
            kind="housing",
            region=la.region,
            local_authority=la,
            response_target_working_days=5,
            is_duty_to_cooperate=is_duty_to_cooperate_kind("housing"),
        )
    regions = {r.code: r for r in Region.objects.all()}
    for code, kinds in data["regional"].items():
        region = regions.get(code)
        if region is None:
            continue
        for kind, names in kinds.items():
            for name in names:
                put(
                    name,
                    kind=kind,
                    region=region,
                    response_target_working_days=5,
                    is_duty_to_cooperate=is_duty_to_cooperate_kind(kind),
                )
    for pdu in PDU.objects.select_related("region"):
        for panel in data["pdu_panels"]:
            put(
                f"{pdu.name} {panel}",
                kind="panel",
                region=pdu.region,
                response_target_working_days=10,
                is_duty_to_cooperate=is_duty_to_cooperate_kind("panel"),
            )
        for practice in data["pdu_gp_practices"]:
            put(
                f"{pdu.name} {practice}",
                kind="gp",
                region=pdu.region,
                response_target_working_days=5,
                is_duty_to_cooperate=is_duty_to_cooperate_kind("gp"),
            )
    for entry in json.loads((DATA / "meeting_types.json").read_text()):
        MeetingType.objects.update_or_create(
            code=entry["code"],
            defaults={"name": entry["name"], "description": entry["description"]},
        )
