"""Multi-agency meetings (MARAC, MAPPA, ...): the people discussed, the agencies invited and
who came, and the actions agreed. The tables were created by the referrals app, where meetings
began, and keep their names."""

from django.conf import settings
from django.db import models


class MeetingType(models.Model):
    code = models.CharField(max_length=24, unique=True)
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    # The agenda template (``referrals/data/meeting_types.json``): items of key, title,
    # description and whether it is a standing item of every meeting of the type.
    agenda = models.JSONField(default=list, blank=True)

    class Meta:
        db_table = "referrals_meetingtype"
        ordering = ["name"]

    def __str__(self):
        return self.name


class Meeting(models.Model):
    meeting_type = models.ForeignKey(MeetingType, on_delete=models.PROTECT, related_name="meetings")
    held_on = models.DateField()
    pdu = models.ForeignKey("core.PDU", on_delete=models.PROTECT, related_name="meetings")
    chair = models.CharField(max_length=120, blank=True)
    notes = models.TextField(blank=True)
    people = models.ManyToManyField(
        "people.Person", related_name="meetings", blank=True, db_table="referrals_meeting_people"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    # Set when attendance is recorded; until then the invited agencies' rows say nothing about
    # who came, so attendance figures count only meetings with attendance recorded.
    attendance_recorded_at = models.DateTimeField(null=True, blank=True)
    # Counts changes to the attendance: a form names the version it was drawn from, so a stale
    # page cannot reset what someone else recorded.
    version = models.PositiveIntegerField(default=1)

    class Meta:
        db_table = "referrals_meeting"
        ordering = ["-held_on", "-id"]
        indexes = [models.Index(fields=["pdu", "held_on"], name="meeting_pdu_held_on")]

    def __str__(self):
        return f"{self.meeting_type} on {self.held_on}"


class MeetingAttendance(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendance")
    agency = models.ForeignKey(
        "referrals.Agency", on_delete=models.PROTECT, related_name="attendance"
    )
    attended = models.BooleanField()

    class Meta:
        db_table = "referrals_meetingattendance"
        constraints = [
            models.UniqueConstraint(fields=["meeting", "agency"], name="attendance_once_per_agency")
        ]

    def __str__(self):
        return f"{self.agency} at meeting {self.meeting_id}: {self.attended}"


class ActionStatus(models.TextChoices):
    OPEN = "open", "Open"
    DONE = "done", "Done"


class MeetingAction(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="actions")
    person = models.ForeignKey(
        "people.Person", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    owner_agency = models.ForeignKey("referrals.Agency", on_delete=models.PROTECT, related_name="+")
    description = models.TextField()
    due_on = models.DateField()
    status = models.CharField(max_length=8, choices=ActionStatus.choices, default=ActionStatus.OPEN)
    completed_on = models.DateField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        db_table = "referrals_meetingaction"
        ordering = ["due_on", "id"]

    def __str__(self):
        return f"Action {self.pk} ({self.status})"
