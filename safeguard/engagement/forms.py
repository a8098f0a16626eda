import datetime as dt
import re

from django import forms
from django.utils import timezone

from safeguard.core.dates import govuk_time
from safeguard.core.forms import Form, GovDateField
from safeguard.engagement.models import (
    ATTENDANCE_OUTCOMES,
    AppointmentKind,
    CheckInFrequency,
    MessageWording,
    MovedBy,
    Outcome,
    ReminderChannel,
    SummaryFrequency,
    TravelMode,
)

TIME_PATTERN = re.compile(r"^(\d{1,2})(?:[:.](\d{2}))?\s*(am|pm)?$", re.I)
LEAD_TIME_CHOICES = [
    (168, "1 week before"),
    (72, "3 days before"),
    (48, "2 days before"),
    (24, "1 day before"),
    (2, "2 hours before"),
    (1, "1 hour before"),
]


class TimeOfDayField(forms.CharField):
    """14:30, 2:30pm, 2pm or 9.15am."""

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        match = TIME_PATTERN.match(value.strip())
        if not match:
            raise forms.ValidationError("Enter a real time, like 14:30 or 2:30pm")
        hour, minute, half = int(match[1]), int(match[2] or 0), (match[3] or "").lower()
        if half:
            if not 1 <= hour <= 12:
                raise forms.ValidationError("Enter a real time, like 14:30 or 2:30pm")
            hour = hour % 12 + (12 if half == "pm" else 0)
        if hour > 23 or minute > 59:
            raise forms.ValidationError("Enter a real time, like 14:30 or 2:30pm")
        return dt.time(hour, minute)


def _choices(blank, choices):
    return [("", blank), *choices]


class WhenMixin:
    def starts_at(self):
        day, time = self.cleaned_data.get("date"), self.cleaned_data.get("time")
        if not day or not time:
            return None
        return timezone.make_aware(dt.datetime.combine(day, time))


class AppointmentForm(WhenMixin, forms.Form):
    kind = forms.ChoiceField(
        label="Kind of appointment",
        choices=_choices("Choose a kind", AppointmentKind.choices),
        error_messages={"required": "Choose the kind of appointment"},
    )
    date = GovDateField(
        kind="event",
        label="Date",
        help_text="For example, 27 11 2026",
        error_messages={"required": "Enter the date"},
    )
    time = TimeOfDayField(
        label="Time",
        help_text="For example, 14:30 or 2:30pm",
        error_messages={"required": "Enter the time"},
    )
    duration_minutes = forms.IntegerField(
        label="Length in minutes",
        initial=60,
        min_value=5,
        max_value=480,
        error_messages={
            "required": "Enter how long it lasts",
            "invalid": "Enter the length as a number of minutes",
            "min_value": "The length must be between 5 and 480 minutes",
            "max_value": "The length must be between 5 and 480 minutes",
        },
    )
    location = forms.CharField(
        label="Place",
        required=False,
        max_length=200,
        help_text="Needed for office appointments, for example the office address",
    )


class RescheduleForm(WhenMixin, forms.Form):
    date = GovDateField(
        kind="event",
        label="New date",
        help_text="For example, 27 11 2026",
        error_messages={"required": "Enter the new date"},
    )
    time = TimeOfDayField(
        label="New time",
        help_text="For example, 14:30 or 2:30pm",
        error_messages={"required": "Enter the new time"},
    )
    moved_by = forms.ChoiceField(
        label="Who asked to move it",
        choices=_choices("Choose who", MovedBy.choices),
        error_messages={"required": "Say who asked for the change"},
    )
    reason = forms.CharField(
        label="Reason",
        max_length=500,
        widget=forms.Textarea,
        error_messages={"required": "Enter the reason"},
    )


class CancelForm(Form):
    moved_by = forms.ChoiceField(
        label="Who cancelled it",
        choices=_choices("Choose who", MovedBy.choices),
        error_messages={"required": "Say who cancelled it"},
    )
    reason = forms.CharField(
        label="Reason",
        max_length=500,
        widget=forms.Textarea,
        error_messages={"required": "Enter the reason"},
    )


class OutcomeForm(Form):
    outcome = forms.ChoiceField(
        label="Outcome",
        choices=_choices(
            "Choose an outcome", [(o.value, o.label) for o in Outcome if o in ATTENDANCE_OUTCOMES]
        ),
        error_messages={"required": "Choose the outcome"},
    )
    reason = forms.CharField(
        label="Notes",
        required=False,
        max_length=500,
        widget=forms.Textarea,
        help_text="Needed for an acceptable absence",
    )


class WelfareCheckForm(Form):
    note = forms.CharField(
        label="What you did to check on them",
        max_length=500,
        widget=forms.Textarea,
        error_messages={"required": "Enter what you did to check on the person"},
    )


class ReminderPreferencesForm(Form):
    channel = forms.ChoiceField(
        label="How they want reminders",
        choices=ReminderChannel.choices,
        error_messages={"required": "Choose how they want reminders"},
    )
    lead_times_hours = forms.TypedMultipleChoiceField(
        label="When to remind them",
        choices=LEAD_TIME_CHOICES,
        coerce=int,
        required=False,
        error_messages={"invalid_choice": "Choose from the reminder times listed"},
    )
    wording = forms.ChoiceField(
        label="How the messages are worded",
        choices=MessageWording.choices,
        required=False,
        help_text="Discreet messages never say probation or name their practitioner: for "
        "someone who may not be safe if another person reads them",
    )
    summary = forms.ChoiceField(
        label="A list of upcoming appointments",
        choices=SummaryFrequency.choices,
        help_text="For people who find a regular list easier to keep track of",
    )
    mobile = forms.CharField(
        label="Mobile phone number",
        required=False,
        max_length=20,
        help_text="For example 07700 900 982",
    )
    email = forms.CharField(label="Email address", required=False, max_length=254)
    consent = forms.BooleanField(
        label="They have agreed to get these messages",
        required=False,
        help_text="Ask them, and explain they can change their mind at any time",
    )
    # The versions the page was built from: a change made meanwhile is refused, not undone.
    # Not required here: a missing one is refused by the service as a stale edit.
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    person_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def clean(self):
        data = super().clean()
        if data.get("channel") and data["channel"] != "none" and not data.get("lead_times_hours"):
            self.add_error("lead_times_hours", "Choose at least one reminder time")
        return data


class SafetyPlanSendForm(Form):
    channel = forms.ChoiceField(
        label="Send the link by",
        choices=[("sms", "Text message"), ("email", "Email")],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose text message or email"},
    )


class CheckInForm(Form):
    channel = forms.ChoiceField(
        label="Send the link by",
        choices=_choices("Choose how", [("sms", "Text message"), ("email", "Email")]),
        error_messages={"required": "Choose text message or email"},
    )
    frequency = forms.ChoiceField(
        label="How often",
        choices=CheckInFrequency.choices,
        initial=CheckInFrequency.ONE_OFF,
        required=False,
    )

    def clean_frequency(self):
        return self.cleaned_data.get("frequency") or CheckInFrequency.ONE_OFF


class FollowUpForm(Form):
    note = forms.CharField(
        label="What you did",
        max_length=500,
        widget=forms.Textarea,
        error_messages={"required": "Enter what you did"},
    )


class TravelRequestForm(Form):
    amount = forms.DecimalField(
        label="Amount in pounds",
        min_value=0.01,
        max_value=500,
        decimal_places=2,
        error_messages={
            "required": "Enter the amount",
            "invalid": "Enter an amount in pounds, like 12.50",
            "min_value": "The amount must be between £0.01 and £500",
            "max_value": "The amount must be between £0.01 and £500",
            "max_decimal_places": "Enter the amount to the nearest penny",
        },
    )
    mode = forms.ChoiceField(
        label="How they travel",
        choices=_choices("Choose how", TravelMode.choices),
        error_messages={"required": "Choose how they travel"},
    )
    appointment = forms.TypedChoiceField(
        label="For which appointment", required=False, coerce=int, empty_value=None
    )
    note = forms.CharField(label="Notes", required=False, max_length=300, widget=forms.Textarea)

    def __init__(self, *args, appointments=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["appointment"].choices = [("", "Not for one appointment")] + [
            (
                a.pk,
                f"{timezone.localtime(a.starts_at):%-d %b %Y} at {govuk_time(a.starts_at)}, "
                f"{a.get_kind_display()}",
            )
            for a in appointments
        ]


class TravelDecisionForm(Form):
    decision = forms.ChoiceField(
        label="Decision",
        choices=[("", "Choose"), ("approve", "Approve"), ("reject", "Do not approve")],
        error_messages={"required": "Choose whether to approve it"},
    )
    note = forms.CharField(label="Notes", required=False, max_length=300)


class ConfirmForm(Form):
    confirm = forms.BooleanField(
        label="The money has been paid to them",
        error_messages={"required": "Confirm the money has been paid"},
    )


class TravelTotalsForm(Form):
    start = GovDateField(kind="filter", label="From", required=False)
    end = GovDateField(kind="filter", label="To", required=False)

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            self.add_error("end", "The end date must be on or after the start date")
        return data
