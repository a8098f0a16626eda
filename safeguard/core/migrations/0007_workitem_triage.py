"""Work items get one of four priorities (urgent, today, soon, routine) and may be reassigned
by hand. Existing rows: urgent stays urgent, high becomes today, normal becomes routine; the
next scan then writes each open item's rule's own priority."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

FORWARD = {"high": "today", "normal": "routine"}
BACKWARD = {"today": "high", "soon": "high", "routine": "normal"}


def _remap(mapping):
    def run(apps, schema_editor):
        WorkItem = apps.get_model("core", "WorkItem")
        for old, new in mapping.items():
            WorkItem.objects.filter(priority=old).update(priority=new)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0006_access_log_event"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name="workitem",
            name="priority",
            field=models.CharField(
                choices=[
                    ("urgent", "Urgent"),
                    ("today", "Today"),
                    ("soon", "Soon"),
                    ("routine", "Routine"),
                ],
                default="routine",
                max_length=8,
            ),
        ),
        migrations.RunPython(_remap(FORWARD), _remap(BACKWARD)),
        migrations.AddField(
            model_name="workitem",
            name="reassigned_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="workitem",
            name="reassigned_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
    ]
