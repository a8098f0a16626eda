from django import forms

from safeguard.core.forms import Form, GovDateField
from safeguard.equality.analysis import BY
from safeguard.equality.catalogue import decisions


class PeriodForm(Form):
    date_from = GovDateField(kind="filter", label="From", required=False)
    date_to = GovDateField(kind="filter", label="To", required=False)
    region = forms.TypedChoiceField(label="Region", coerce=int, required=False, empty_value=None)
    pdu = forms.TypedChoiceField(label="PDU", coerce=int, required=False, empty_value=None)

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


class EqualityFilterForm(PeriodForm):
    decision = forms.ChoiceField(label="Decision", required=False)
    by = forms.ChoiceField(label="Compare by", choices=list(BY.items()), required=False)

    field_order = ["decision", "by", "date_from", "date_to", "region", "pdu"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["decision"].choices = [(d.code, d.title) for d in decisions().values()]
