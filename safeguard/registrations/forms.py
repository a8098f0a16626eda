from django import forms
from django.utils import timezone

from safeguard.core.forms import Form, GovDateField
from safeguard.registrations.models import EndReason, ReviewOutcome
from safeguard.registrations.selectors import register_types


class RegistrationAddForm(Form):
    code = forms.ChoiceField(
        label="Register type",
        error_messages={
            "required": "Choose a register type",
            "invalid_choice": "Choose a register type",
        },
    )
    start_date = GovDateField(
        kind="event",
        label="Start date",
        help_text="For example, 27 11 2026",
        error_messages={"required": "Enter the start date"},
    )
    category = forms.TypedChoiceField(
        label="MAPPA category",
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", "Not applicable"), *[(i, f"Category {i}") for i in range(1, 5)]],
        help_text="Only for MAPPA",
    )
    level = forms.TypedChoiceField(
        label="MAPPA level",
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", "Not applicable"), *[(i, f"Level {i}") for i in range(1, 4)]],
        help_text="Only for MAPPA",
    )
    notes = forms.CharField(label="Notes", required=False, widget=forms.Textarea, max_length=4000)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["code"].choices = [("", "Choose a register type")] + [
            (t.code, f"{t.code}: {t.description} ({t.get_group_display()})")
            for t in register_types()
        ]
        self.initial.setdefault("start_date", timezone.localdate().strftime("%d/%m/%Y"))


class RegistrationReviewForm(Form):
    reviewed_on = GovDateField(
        kind="event",
        label="Date of review",
        help_text="For example, 27 11 2026",
        error_messages={"required": "Enter the date of the review"},
    )
    outcome = forms.ChoiceField(
        label="Outcome",
        choices=[("", "Choose an outcome"), *ReviewOutcome.choices],
        error_messages={"required": "Choose the outcome of the review"},
    )
    notes = forms.CharField(label="Notes", required=False, widget=forms.Textarea, max_length=4000)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial.setdefault("reviewed_on", timezone.localdate().strftime("%d/%m/%Y"))


class RegistrationEndForm(Form):
    ended_on = GovDateField(
        kind="event",
        label="End date",
        help_text="For example, 27 11 2026",
        error_messages={"required": "Enter the end date"},
    )
    reason = forms.ChoiceField(
        label="Reason",
        choices=[("", "Choose a reason"), *[c for c in EndReason.choices if c[0] != "superseded"]],
        error_messages={"required": "Choose why the registration is ending"},
    )
    notes = forms.CharField(label="Notes", required=False, widget=forms.Textarea, max_length=4000)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial.setdefault("ended_on", timezone.localdate().strftime("%d/%m/%Y"))
