from django.db import migrations

from safeguard.referrals.catalogue import load_agencies


class Migration(migrations.Migration):
    dependencies = [("referrals", "0001_initial"), ("core", "0003_load_organisation")]

    operations = [migrations.RunPython(load_agencies, migrations.RunPython.noop)]
