from django.db import migrations


def load_v1(apps, schema_editor):
    from safeguard.assessments.questionnaires import load_versions

    load_versions(apps.get_model("assessments", "QuestionnaireVersion"), versions=[1])


class Migration(migrations.Migration):
    dependencies = [("assessments", "0001_initial")]

    operations = [migrations.RunPython(load_v1, migrations.RunPython.noop)]
