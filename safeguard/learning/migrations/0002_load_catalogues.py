from django.db import migrations

from safeguard.learning.catalogue import load_learning_catalogues


class Migration(migrations.Migration):
    dependencies = [("learning", "0001_initial")]

    operations = [migrations.RunPython(load_learning_catalogues, migrations.RunPython.noop)]
