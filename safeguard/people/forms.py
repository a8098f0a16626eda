import re

from django import forms

from safeguard.core.forms import Form, SafeTextMixin
from safeguard.core.phones import InvalidPhoneNumber, normalise_uk_phone
from safeguard.people.models import Person


class SearchForm(Form):
    q = forms.CharField(
        label="CRN or name",
        max_length=100,
        help_text="For example X123456 or a first or last name",
        error_messages={"required": "Enter a CRN or a name to search for"},
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )

    def clean_q(self):
        value = " ".join(self.cleaned_data["q"].split())
        if len(value) < 2:
            raise forms.ValidationError("Enter at least 2 characters of a name, or a full CRN")
        return value


class PersonDetailsForm(SafeTextMixin, forms.ModelForm):
    """Contact details and communication needs. ``version`` guards against a stale edit."""

    version = forms.IntegerField(widget=forms.HiddenInput)

    class Meta:
        model = Person
        fields = [
            "mobile",
            "phone",
            "email",
            "address_line",
            "town",
            "postcode",
            "neurodivergence",
            "learning_disability",
            "literacy_support",
            "interpreter_language",
            "communication_notes",
        ]
        labels = {"mobile": "Mobile phone number", "phone": "Other phone number"}
        help_texts = {
            "mobile": "A UK mobile number, for example 07700 900 982",
            "interpreter_language": "Leave empty if no interpreter is needed",
        }
        error_messages = {"email": {"invalid": "Enter an email address in the correct format"}}

    def _clean_phone(self, name, mobile_only):
        value = self.cleaned_data.get(name, "").strip()
        if not value:
            return ""
        try:
            return normalise_uk_phone(value, mobile_only=mobile_only)
        except InvalidPhoneNumber:
            kind = "mobile" if mobile_only else "phone"
            raise forms.ValidationError(f"Enter a UK {kind} number, like 07700 900 982") from None

    def clean_mobile(self):
        return self._clean_phone("mobile", mobile_only=True)

    def clean_phone(self):
        return self._clean_phone("phone", mobile_only=False)

    def clean_postcode(self):
        value = self.cleaned_data.get("postcode", "").strip().upper()
        if value and not _looks_like_postcode(value):
            raise forms.ValidationError("Enter a real postcode, like SW1A 1AA")
        return value


def _looks_like_postcode(value: str) -> bool:
    return bool(re.fullmatch(r"[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}", value))
