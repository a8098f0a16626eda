"""Training now belongs to the training app (its 0001): the models leave learning's state, and
the tables, which training keeps, are left alone."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("training", "0001_initial"),
        ('learning', '0003_person_status_from_deaths'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
            migrations.RemoveField(
                model_name='trainingrecord',
                name='course',
            ),
            migrations.RemoveField(
                model_name='trainingrecord',
                name='recorded_by',
            ),
            migrations.RemoveField(
                model_name='trainingrecord',
                name='staff',
            ),
            migrations.DeleteModel(
                name='TrainingCourse',
            ),
            migrations.DeleteModel(
                name='TrainingRecord',
            ),
    
            ],
            database_operations=[],
        )
    ]
