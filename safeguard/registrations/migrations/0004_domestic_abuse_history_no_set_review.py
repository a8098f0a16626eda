"""REG30 (domestic abuse history) has no set review in the MoJ reference data (issue 19): the
catalogue row loses its 6-month review period, and active REG30 registrations lose their next
review date (with a history row each), so none of them is ever "review overdue". Ended
registrations, past reviews and earlier history are kept as they were."""

from django.db import migrations

from safeguard.registrations.catalogue import (
    clear_reviews_without_a_set_period,
    load_register_types,
)


def forwards(apps, schema_editor):
    load_register_types(apps, schema_editor)
    clear_reviews_without_a_set_period(apps, schema_editor)


class Migration(migrations.Migration):
    dependencies = [("registrations", "0003_risk_to_adult_is_public_protection")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
