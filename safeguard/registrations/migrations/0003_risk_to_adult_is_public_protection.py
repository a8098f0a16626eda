"""REG22 ("Risk to adult at risk") is a risk the person poses to others: it moves from the
adult-at-risk group to public protection, so that it never counts as risk to self."""

from django.db import migrations

from safeguard.registrations.catalogue import load_register_types


class Migration(migrations.Migration):
    dependencies = [("registrations", "0002_load_register_types")]

    operations = [migrations.RunPython(load_register_types, migrations.RunPython.noop)]
