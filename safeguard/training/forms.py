"""Forms of the training pages."""

from django import forms

from safeguard.core.forms import Form, GovDateField

DATE_HINT = "For example, 27 11 2026"


class TrainingEntryForm(Form):
    staff = forms.ChoiceField(
        label="Member of staff",
        error_messages={
            "required": "Choose the member of staff",
            "invalid_choice": "Choose a member of staff from the list",
        },
    )
    course = forms.ChoiceField(
        label="Course",
        error_messages={"required": "Choose the course", "invalid_choice": "Choose a course"},
    )
    completed_on = GovDateField(
        kind="event",
        label="Date completed",
        help_text=DATE_HINT,
        error_messages={"required": "Enter the date the course was completed"},
    )

    def __init__(self, *args, staff=(), courses=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["staff"].choices = [("", "Choose a member of staff")] + [
            (s.username, f"{s.display_name} ({s.username})") for s in staff
        ]
        self.fields["course"].choices = [("", "Choose a course")] + [
            (c.code, c.title) for c in courses
        ]


class TrainingImportForm(Form):
    file = forms.FileField(
        label="CSV file",
        help_text="Columns: username, course, completed_on (for example SP-CORE and 2026-01-31). "
        "Up to 2 MB.",
        error_messages={"required": "Choose a CSV file to upload", "empty": "The file is empty"},
    )

    MAX_BYTES = 2 * 1024 * 1024

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > self.MAX_BYTES:
            raise forms.ValidationError("The file must be 2 MB or smaller")
        if not upload.name.lower().endswith(".csv"):
            raise forms.ValidationError("The file must be a CSV file")
        return upload


class ComplianceFilterForm(Form):
    group_by = forms.ChoiceField(
        label="Show compliance by",
        required=False,
        choices=[("team", "Team"), ("pdu", "Probation delivery unit"), ("region", "Region")],
    )
    course = forms.ChoiceField(label="Course", required=False)

    def __init__(self, *args, courses=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["course"].choices = [(c.code, c.title) for c in courses]
