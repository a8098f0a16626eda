"""Multi-agency meetings: when attendance was recorded, and an index for lists and reports."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("referrals", "0002_load_agencies")]

    operations = [
        migrations.AddField(
            model_name="meeting",
            name="attendance_recorded_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddIndex(
            model_name="meeting",
            index=models.Index(fields=["pdu", "held_on"], name="meeting_pdu_held_on"),
        ),
    ]
