"""Training moves out of learning into its own app. The tables stay as they are (their names
are kept in each model's Meta): only Django's record of which app owns them changes."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ("learning", "0003_person_status_from_deaths"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
            migrations.CreateModel(
                name='TrainingCourse',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('code', models.CharField(max_length=24, unique=True)),
                    ('title', models.CharField(max_length=160)),
                    ('description', models.TextField(blank=True)),
                    ('mandatory_for', models.JSONField(blank=True, default=list, help_text='Roles for whom the course is mandatory.')),
                    ('renewal_months', models.PositiveSmallIntegerField(blank=True, help_text='Empty when a completion never lapses.', null=True)),
                    ('active', models.BooleanField(default=True)),
                ],
                options={
                    'db_table': 'learning_trainingcourse',
                    'ordering': ['code'],
                },
            ),
            migrations.CreateModel(
                name='TrainingRecord',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('completed_on', models.DateField()),
                    ('expires_on', models.DateField(blank=True, null=True)),
                    ('source', models.CharField(choices=[('import', 'CSV import'), ('entered', 'Entered by hand'), ('api', 'API')], max_length=8)),
                    ('recorded_at', models.DateTimeField(auto_now_add=True)),
                    ('course', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='records', to='training.trainingcourse')),
                    ('recorded_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ('staff', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='training_records', to=settings.AUTH_USER_MODEL)),
                ],
                options={
                    'db_table': 'learning_trainingrecord',
                    'ordering': ['-completed_on', '-id'],
                    'indexes': [models.Index(fields=['staff', 'course', '-completed_on'], name='training_latest')],
                    'constraints': [models.UniqueConstraint(fields=('staff', 'course', 'completed_on'), name='trainingrecord_once_per_day'), models.CheckConstraint(condition=models.Q(('expires_on__isnull', True), ('expires_on__gt', models.F('completed_on')), _connector='OR'), name='trainingrecord_expires_after_completion')],
                },
            ),
    
            ],
            database_operations=[],
        )
    ]
