from django import forms

from safeguard.core.forms import Form, GovDateField
from safeguard.pathways.catalogue import catalogue
from safeguard.pathways.insights import GROUPINGS
from safeguard.pathways.models import (
    AttendanceKind,
    AttendanceReason,
    AttendanceSource,
    GPStatus,
    OfficeAlternative,
    OfficeReason,
    ReductionKind,
)
from safeguard.pathways.services import NOTE_MAX, PROVIDER_MAX, REASON_MAX


def _pathway_choices():
    return [(p.key, p.name) for p in catalogue().pathways.values()]


class OfferForm(Form):
    pathway = forms.ChoiceField(
        label="Pathway",
        choices=_pathway_choices,
        error_messages={"required": "Choose a pathway", "invalid_choice": "Choose a pathway"},
    )
    provider = forms.CharField(
        label="Provider",
        required=False,
        max_length=PROVIDER_MAX,
        help_text="The agency or service that will provide it.",
        error_messages={"max_length": f"The provider must be {PROVIDER_MAX} characters or fewer"},
    )
    offered_on = GovDateField(
        kind="event",
        label="Date offered",
        required=False,
        help_text="For example, 27 11 2026. Leave empty for today.",
    )
    status = forms.ChoiceField(
        label="What did the person say?",
        choices=[
            ("offered", "They are thinking about it"),
            ("accepted", "They accepted"),
            ("declined", "They declined"),
        ],
        widget=forms.RadioSelect,
        error_messages={
            "required": "Say what the person said",
            "invalid_choice": "Say what the person said",
        },
    )
    reason = forms.CharField(
        label="Why did they decline?",
        required=False,
        widget=forms.Textarea,
        max_length=REASON_MAX,
        help_text="Needed if they declined.",
        error_messages={"max_length": f"The reason must be {REASON_MAX:,} characters or fewer"},
    )
    need = forms.CharField(widget=forms.HiddenInput, required=False, max_length=40)


class OfferStatusForm(Form):
    status = forms.ChoiceField(
        label="What has happened?",
        choices=[
            ("accepted", "Accepted"),
            ("declined", "Declined or stopped"),
            ("started", "Started"),
            ("completed", "Completed"),
        ],
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose what has happened",
            "invalid_choice": "Choose what has happened",
        },
    )
    on = GovDateField(
        kind="event", label="Date", required=False, help_text="Leave empty for today."
    )
    reason = forms.CharField(
        label="Why did they decline or stop?",
        required=False,
        widget=forms.Textarea,
        max_length=REASON_MAX,
        error_messages={"max_length": f"The reason must be {REASON_MAX:,} characters or fewer"},
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


def _recordable_needs():
    return [(n.key, n.label) for n in catalogue().needs.values() if n.recordable]


class NeedForm(Form):
    need = forms.ChoiceField(
        label="Need",
        choices=_recordable_needs,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose a need", "invalid_choice": "Choose a need"},
    )
    note = forms.CharField(
        label="Note",
        required=False,
        max_length=NOTE_MAX,
        error_messages={"max_length": f"The note must be {NOTE_MAX} characters or fewer"},
    )


class VersionForm(Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class AttendanceForm(Form):
    kind = forms.ChoiceField(
        label="What was it?",
        choices=AttendanceKind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose what it was", "invalid_choice": "Choose what it was"},
    )
    attended_on = GovDateField(
        kind="event",
        label="Date",
        help_text="For example, 27 11 2026",
        error_messages={"required": "Enter the date"},
    )
    source = forms.ChoiceField(
        label="Who told us?",
        choices=AttendanceSource.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose who told us", "invalid_choice": "Choose who told us"},
    )
    reason = forms.ChoiceField(
        label="Reason",
        choices=AttendanceReason.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the reason", "invalid_choice": "Choose the reason"},
    )


class GPForm(Form):
    status = forms.ChoiceField(
        label="GP registration",
        choices=GPStatus.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose the GP registration status",
            "invalid_choice": "Choose the GP registration status",
        },
    )
    practice = forms.CharField(
        label="GP practice",
        required=False,
        max_length=PROVIDER_MAX,
        error_messages={"max_length": f"The practice must be {PROVIDER_MAX} characters or fewer"},
    )
    checked_on = GovDateField(
        kind="event", label="Date checked", required=False, help_text="Leave empty for today."
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class ReductionForm(Form):
    kind = forms.ChoiceField(
        label="How is contact being reduced?",
        choices=ReductionKind.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose how contact is being reduced",
            "invalid_choice": "Choose how contact is being reduced",
        },
    )


class DecisionForm(Form):
    approve = forms.ChoiceField(
        label="May contact be reduced?",
        choices=[("yes", "Yes, contact may be reduced"), ("no", "No, keep contact as it is")],
        widget=forms.RadioSelect,
        error_messages={
            "required": "Say whether contact may be reduced",
            "invalid_choice": "Say whether contact may be reduced",
        },
    )
    note = forms.CharField(
        label="Reasons for the decision",
        widget=forms.Textarea,
        max_length=REASON_MAX,
        error_messages={
            "required": "Give the reasons for the decision",
            "max_length": f"The reasons must be {REASON_MAX:,} characters or fewer",
        },
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class OfficeWishForm(Form):
    not_at_office = forms.ChoiceField(
        label="Does the person want not to be seen at the probation office?",
        choices=[
            ("yes", "Yes, they do not want to be seen at the office"),
            ("no", "No, the office is fine"),
        ],
        widget=forms.RadioSelect,
        error_messages={
            "required": "Say whether the person wants to be seen at the office",
            "invalid_choice": "Say whether the person wants to be seen at the office",
        },
    )
    reasons = forms.MultipleChoiceField(
        label="Why?",
        choices=OfficeReason.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "Choose safety, health or travel"},
    )
    alternatives = forms.MultipleChoiceField(
        label="What would they accept instead?",
        choices=OfficeAlternative.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "Choose from the alternatives listed"},
    )
    note = forms.CharField(
        label="Anything else",
        required=False,
        max_length=NOTE_MAX,
        help_text="No details about other people.",
        error_messages={"max_length": f"The note must be {NOTE_MAX} characters or fewer"},
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class MeasuresFilterForm(Form):
    by = forms.ChoiceField(label="Group by", choices=list(GROUPINGS.items()), required=False)
    date_from = GovDateField(kind="filter", label="From", required=False)
    date_to = GovDateField(kind="filter", label="To", required=False)

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", "The end of the period must be on or after its start")
        return data
