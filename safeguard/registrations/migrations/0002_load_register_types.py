from django.db import migrations

from safeguard.registrations.catalogue import load_register_types


class Migration(migrations.Migration):
    dependencies = [("registrations", "0001_initial")]

    operations = [migrations.RunPython(load_register_types, migrations.RunPython.noop)]
