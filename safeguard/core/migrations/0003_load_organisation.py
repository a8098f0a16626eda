from django.db import migrations

from safeguard.core.organisation import load_organisation


class Migration(migrations.Migration):
    dependencies = [("core", "0002_initial")]

    operations = [migrations.RunPython(load_organisation, migrations.RunPython.noop)]
