"""Meetings move out of referrals into their own app. The tables stay as they are (their names
are kept in each model's Meta): only Django's record of which app owns them changes."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('core', '0006_access_log_event'),
        ('people', '0002_death_state'),
        ('referrals', '0004_meeting_versions'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
            migrations.CreateModel(
                name='MeetingType',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('code', models.CharField(max_length=24, unique=True)),
                    ('name', models.CharField(max_length=120)),
                    ('description', models.TextField(blank=True)),
                ],
                options={
                    'db_table': 'referrals_meetingtype',
                    'ordering': ['name'],
                },
            ),
            migrations.CreateModel(
                name='Meeting',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('held_on', models.DateField()),
                    ('chair', models.CharField(blank=True, max_length=120)),
                    ('notes', models.TextField(blank=True)),
                    ('attendance_recorded_at', models.DateTimeField(blank=True, null=True)),
                    ('version', models.PositiveIntegerField(default=1)),
                    ('created_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ('pdu', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='meetings', to='core.pdu')),
                    ('people', models.ManyToManyField(blank=True, db_table='referrals_meeting_people', related_name='meetings', to='people.person')),
                    ('meeting_type', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='meetings', to='meetings.meetingtype')),
                ],
                options={
                    'db_table': 'referrals_meeting',
                    'ordering': ['-held_on', '-id'],
                },
            ),
            migrations.CreateModel(
                name='MeetingAction',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('description', models.TextField()),
                    ('due_on', models.DateField()),
                    ('status', models.CharField(choices=[('open', 'Open'), ('done', 'Done')], default='open', max_length=8)),
                    ('completed_on', models.DateField(blank=True, null=True)),
                    ('version', models.PositiveIntegerField(default=1)),
                    ('meeting', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='actions', to='meetings.meeting')),
                    ('owner_agency', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='referrals.agency')),
                    ('person', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='people.person')),
                ],
                options={
                    'db_table': 'referrals_meetingaction',
                    'ordering': ['due_on', 'id'],
                },
            ),
            migrations.CreateModel(
                name='MeetingAttendance',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('attended', models.BooleanField()),
                    ('agency', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='attendance', to='referrals.agency')),
                    ('meeting', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='attendance', to='meetings.meeting')),
                ],
                options={
                    'db_table': 'referrals_meetingattendance',
                    'constraints': [models.UniqueConstraint(fields=('meeting', 'agency'), name='attendance_once_per_agency')],
                },
            ),
            migrations.AddIndex(
                model_name='meeting',
                index=models.Index(fields=['pdu', 'held_on'], name='meeting_pdu_held_on'),
            ),
    
            ],
            database_operations=[],
        )
    ]
