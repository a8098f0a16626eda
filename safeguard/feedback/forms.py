"""Forms of the feedback pages for staff."""

from django import forms

from safeguard.core.forms import Form, GovDateField
from safeguard.feedback import analysis, surveys
from safeguard.feedback.models import ActionStatus

DATE_HINT = "For example, 27 11 2026"
CHANNELS = [("sms", "Text message"), ("email", "Email")]


class FeedbackFilterForm(Form):
    date_from = GovDateField(
        kind="filter", label="Answered from", required=False, help_text=DATE_HINT
    )
    date_to = GovDateField(kind="filter", label="Answered to", required=False, help_text=DATE_HINT)
    pdu = forms.ChoiceField(label="Probation delivery unit", required=False)
    group_by = forms.ChoiceField(
        label="Break down by",
        required=False,
        choices=[("", "No breakdown")] + [(k, v[0]) for k, v in analysis.GROUPS.items()],
    )

    def __init__(self, *args, pdus=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["pdu"].choices = [("", "All PDUs you can see")] + [
            (p.code, p.name) for p in pdus
        ]

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "The end of the period must be after its start")
        return data


class FeedbackImportForm(Form):
    file = forms.FileField(
        label="CSV file",
        help_text="One row per response: a column per question (yes, no or not_sure, or text), "
        "and optional columns pdu, office, answered_on, sex, age_band and id. Up to 2 MB.",
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


class FeedbackLinkForm(Form):
    channel = forms.ChoiceField(
        label="Send the link by",
        choices=CHANNELS,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose text message or email"},
    )
    office = forms.TypedChoiceField(
        label="Office the person usually comes to (optional)",
        required=False,
        coerce=int,
        empty_value=None,
    )

    def __init__(self, *args, offices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["office"].choices = [("", "Not known")] + [(o.pk, o.name) for o in offices]


class TabletForm(Form):
    office = forms.TypedChoiceField(
        label="Office",
        coerce=int,
        error_messages={"required": "Choose the office", "invalid_choice": "Choose an office"},
    )

    def __init__(self, *args, offices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["office"].choices = [("", "Choose an office")] + [
            (o.pk, o.name) for o in offices
        ]


class PaperForm(Form):
    """A paper form typed in: every question on one page, as printed."""

    pdu = forms.ChoiceField(
        label="Probation delivery unit", error_messages={"required": "Choose the PDU"}
    )
    office = forms.ChoiceField(label="Office (optional)", required=False)
    answered_on = GovDateField(
        kind="event",
        label="Date on the form",
        help_text=DATE_HINT,
        error_messages={"required": "Enter the date on the form"},
    )

    def __init__(self, *args, survey: surveys.Survey, pdus=(), offices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.survey = survey
        self.fields["pdu"].choices = [("", "Choose a PDU")] + [(p.code, p.name) for p in pdus]
        self.fields["office"].choices = [("", "Not known")] + [(o.code, o.name) for o in offices]
        for question in (*survey.questions, *survey.about_you):
            if question.type == surveys.TEXT:
                self.fields[question.id] = forms.CharField(
                    label=question.text,
                    required=False,
                    widget=forms.Textarea,
                    max_length=surveys.TEXT_MAX_LENGTH,
                )
            else:
                self.fields[question.id] = forms.ChoiceField(
                    label=question.text,
                    required=False,
                    choices=[("", "Not answered"), *[(o.value, o.label) for o in question.options]],
                    widget=forms.RadioSelect,
                )

    def answer_fields(self):
        return [self[q.id] for q in self.survey.questions]

    def about_fields(self):
        return [self[q.id] for q in self.survey.about_you]


class ActionForm(Form):
    area = forms.ChoiceField(
        label="Who it is for", error_messages={"required": "Choose the PDU or region"}
    )
    theme = forms.ChoiceField(
        label="What it is about", error_messages={"required": "Choose what it is about"}
    )
    you_said = forms.CharField(
        label="You said",
        help_text="What people told us, in their words where you can.",
        max_length=500,
        widget=forms.Textarea,
        error_messages={"required": "Enter what people said"},
    )
    we_did = forms.CharField(
        label="We did",
        help_text="What has been done or will be done, in plain English.",
        max_length=1000,
        widget=forms.Textarea,
        error_messages={"required": "Enter what was done"},
    )
    due_on = GovDateField(
        kind="event",
        label="Done by",
        help_text=DATE_HINT,
        error_messages={"required": "Enter the date it will be done by"},
    )
    status = forms.ChoiceField(
        label="Status", choices=ActionStatus.choices, widget=forms.RadioSelect
    )

    def __init__(self, *args, survey: surveys.Survey, areas=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["theme"].choices = [("", "Choose a survey question")] + [
            (q.id, q.short) for q in survey.questions
        ]
        self.fields["area"].choices = [("", "Choose")] + list(areas)
