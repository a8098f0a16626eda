"""Police are part of the MAPPA Responsible Authority (with prisons and probation), not a
duty-to-co-operate agency (issue 19): every stored agency's flag is set again from its kind
(``data/agencies.json``, ``mappa``). Meetings and attendance rows are not touched."""

from django.db import migrations

from safeguard.referrals.catalogue import set_mappa_roles


class Migration(migrations.Migration):
    dependencies = [("referrals", "0005_meetings_move_to_their_own_app")]

    operations = [migrations.RunPython(set_mappa_roles, migrations.RunPython.noop)]
