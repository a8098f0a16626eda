"""Load the organisation (regions, PDUs, teams, local authorities) from the data file."""

import json
from pathlib import Path

DATA_FILE = Path(__file__).resolve().parent / "data" / "organisation.json"


def load_organisation(apps=None, schema_editor=None):
    """Create or update every region, PDU, team and local authority. Safe to run again."""
    if apps is None:
        from django.apps import apps as global_apps

        apps = global_apps
    Region = apps.get_model("core", "Region")
    PDU = apps.get_model("core", "PDU")
    Team = apps.get_model("core", "Team")
    LocalAuthority = apps.get_model("core", "LocalAuthority")
    data = json.loads(DATA_FILE.read_text())
    for r in data["regions"]:
        region, _ = Region.objects.update_or_create(code=r["code"], defaults={"name": r["name"]})
        for p in r["pdus"]:
            pdu, _ = PDU.objects.update_or_create(
                code=p["code"], defaults={"name": p["name"], "region": region}
            )
            for team_name in p["teams"]:
                Team.objects.get_or_create(pdu=pdu, name=team_name)
            for la_name in p["local_authorities"]:
                LocalAuthority.objects.update_or_create(
                    name=la_name, defaults={"region": region, "pdu": pdu}
                )
