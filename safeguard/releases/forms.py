from django import forms
from django.utils import timezone

from safeguard.core.forms import Form, GovDateField
from safeguard.releases.models import ItemStatus, ReleaseAccommodation
from safeguard.releases.services import ADDRESS_MAX, EVIDENCE_MAX, REASON_MAX


class ItemForm(Form):
    status = forms.ChoiceField(
        label="Status",
        choices=ItemStatus.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose the status of this item",
            "invalid_choice": "Choose the status of this item",
        },
    )
    evidence = forms.CharField(
        label="Evidence",
        required=False,
        widget=forms.Textarea,
        max_length=EVIDENCE_MAX,
        help_text="What was arranged, with whom, when: an address, a GP practice, a date.",
        error_messages={"max_length": f"Evidence must be {EVIDENCE_MAX:,} characters or fewer"},
    )
    reason = forms.CharField(
        label="Reason",
        required=False,
        widget=forms.Textarea,
        max_length=REASON_MAX,
        help_text="Needed when the item is not needed; useful when the person declined.",
        error_messages={"max_length": f"The reason must be {REASON_MAX:,} characters or fewer"},
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0, required=False)


class ReleaseForm(Form):
    released_on = GovDateField(
        kind="event",
        label="Date of release",
        help_text="For example, 27 11 2026",
        error_messages={"required": "Enter the date of release"},
    )
    accommodation_type = forms.ChoiceField(
        label="Where did the person go on the night of release?",
        choices=ReleaseAccommodation.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose where the person went on the night of release",
            "invalid_choice": "Choose where the person went on the night of release",
        },
    )
    address = forms.CharField(
        label="Address for the night of release",
        required=False,
        max_length=ADDRESS_MAX,
        help_text="Not needed for no fixed abode.",
        error_messages={"max_length": f"The address must be {ADDRESS_MAX} characters or fewer"},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial.setdefault("released_on", timezone.localdate().strftime("%d/%m/%Y"))


class MeasuresFilterForm(Form):
    date_from = GovDateField(
        kind="filter", label="Released from", required=False, help_text="For example, 1 4 2025"
    )
    date_to = GovDateField(
        kind="filter", label="Released to", required=False, help_text="For example, 31 3 2026"
    )
    region = forms.TypedChoiceField(
        label="Region",
        coerce=int,
        required=False,
        empty_value=None,
        error_messages={"invalid_choice": "Choose a region from the list"},
    )
    pdu = forms.TypedChoiceField(
        label="PDU",
        coerce=int,
        required=False,
        empty_value=None,
        error_messages={"invalid_choice": "Choose a PDU from the list"},
    )

    def __init__(self, *args, regions, pdus, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = [("", "All regions"), *[(r.pk, r.name) for r in regions]]
        self.fields["pdu"].choices = [("", "All PDUs"), *[(p.pk, p.name) for p in pdus]]

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "The end of the period must be on or after its start")
        return data
