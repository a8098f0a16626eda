import datetime as dt

from django import forms

from safeguard.alerts.policy import LONDON
from safeguard.core.forms import Form, GovDateField
from safeguard.engagement.forms import TimeOfDayField


class DutyRotaEntryForm(Form):
    staff = forms.TypedChoiceField(
        label="Who is on duty",
        coerce=int,
        error_messages={
            "required": "Choose who is on duty",
            "invalid_choice": "Choose someone from the list",
        },
    )
    starts_on = GovDateField(
        kind="event",
        label="Start date",
        help_text="For example, 27 11 2026",
        error_messages={"required": "Enter the start date"},
    )
    starts_time = TimeOfDayField(
        label="Start time",
        help_text="For example, 17:00 or 5pm",
        error_messages={"required": "Enter the start time"},
    )
    ends_on = GovDateField(
        kind="event",
        label="End date",
        help_text="For example, 28 11 2026",
        error_messages={"required": "Enter the end date"},
    )
    ends_time = TimeOfDayField(
        label="End time",
        help_text="For example, 08:00 or 8am",
        error_messages={"required": "Enter the end time"},
    )

    def __init__(self, *args, members=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["staff"].choices = [("", "Choose someone")] + [
            (s.pk, f"{s.display_name} ({s.get_role_display()})") for s in members
        ]

    @staticmethod
    def _at(day, time) -> dt.datetime | None:
        if not day or not time:
            return None
        return dt.datetime.combine(day, time, tzinfo=LONDON)

    def clean(self):
        data = super().clean()
        data["starts_at"] = self._at(data.get("starts_on"), data.get("starts_time"))
        data["ends_at"] = self._at(data.get("ends_on"), data.get("ends_time"))
        if data["starts_at"] and data["ends_at"] and data["ends_at"] <= data["starts_at"]:
            self.add_error("ends_on", "The end must be after the start")
        return data
