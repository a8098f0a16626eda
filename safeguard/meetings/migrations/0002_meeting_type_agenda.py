"""Agenda templates for meeting types (issue 19), loaded from
``referrals/data/meeting_types.json``: MAPPA level 2 and 3 meetings carry a standing
vulnerability item."""

from django.db import migrations, models

from safeguard.meetings.catalogue import load_agendas


class Migration(migrations.Migration):
    dependencies = [
        ("meetings", "0001_initial"),
        ("referrals", "0005_meetings_move_to_their_own_app"),
    ]

    operations = [
        migrations.AddField(
            model_name="meetingtype",
            name="agenda",
            field=models.JSONField(blank=True, default=list),
        ),
        migrations.RunPython(load_agendas, migrations.RunPython.noop),
    ]
