"""Meetings now belong to the meetings app (its 0001): the models leave referrals' state, and
the tables, which meetings keeps, are left alone."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("meetings", "0001_initial"),
        ('referrals', '0004_meeting_versions'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
            migrations.RemoveField(
                model_name='meeting',
                name='created_by',
            ),
            migrations.RemoveField(
                model_name='meeting',
                name='meeting_type',
            ),
            migrations.RemoveField(
                model_name='meeting',
                name='pdu',
            ),
            migrations.RemoveField(
                model_name='meeting',
                name='people',
            ),
            migrations.RemoveField(
                model_name='meetingattendance',
                name='meeting',
            ),
            migrations.RemoveField(
                model_name='meetingaction',
                name='meeting',
            ),
            migrations.RemoveField(
                model_name='meetingaction',
                name='owner_agency',
            ),
            migrations.RemoveField(
                model_name='meetingaction',
                name='person',
            ),
            migrations.RemoveField(
                model_name='meetingattendance',
                name='agency',
            ),
            migrations.DeleteModel(
                name='MeetingType',
            ),
            migrations.DeleteModel(
                name='Meeting',
            ),
            migrations.DeleteModel(
                name='MeetingAction',
            ),
            migrations.DeleteModel(
                name='MeetingAttendance',
            ),
    
            ],
            database_operations=[],
        )
    ]
