"""Close the record of everyone whose death is already recorded: the death state now lives on
``Person`` (``status`` and ``died_on``) so that every area can read it."""

from django.db import migrations
from django.db.models import OuterRef, Subquery


def forwards(apps, schema_editor):
    Person = apps.get_model("people", "Person")
    DeathNotification = apps.get_model("learning", "DeathNotification")
    date_of_death = DeathNotification.objects.filter(person=OuterRef("pk")).values(
        "date_of_death"
    )[:1]
    Person.objects.filter(pk__in=DeathNotification.objects.values("person_id")).update(
        status="died", died_on=Subquery(date_of_death)
    )


def backwards(apps, schema_editor):
    Person = apps.get_model("people", "Person")
    Person.objects.filter(status="died").update(status="supervised", died_on=None)


class Migration(migrations.Migration):
    dependencies = [
        ("learning", "0002_load_catalogues"),
        ("people", "0002_death_state"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
