from django import forms

from safeguard.core.forms import Form


def _names(value: str) -> list[str]:
    return [v.strip() for v in (value or "").replace("\n", ",").split(",") if v.strip()]


class ExerciseForm(Form):
    title = forms.CharField(
        label="Title", max_length=200, error_messages={"required": "Enter a title"}
    )
    registers = forms.CharField(
        label="Registers",
        help_text="Register codes, separated by commas: a case with any of them active is eligible. "
        "For example, RVLN, RVAD",
        max_length=200,
        error_messages={"required": "Enter at least one register code"},
    )
    pdus = forms.CharField(
        label="PDUs (optional)",
        help_text="PDU codes, separated by commas. Leave empty for every PDU you can see.",
        max_length=2000,
        required=False,
    )
    per_pdu = forms.IntegerField(
        label="Cases from each PDU",
        min_value=1,
        max_value=200,
        error_messages={"required": "Enter how many cases to sample from each PDU"},
    )
    seed = forms.IntegerField(
        label="Seed",
        min_value=0,
        max_value=2**53 - 1,
        help_text="Any whole number. The same seed draws the same sample again.",
        error_messages={"required": "Enter a seed"},
    )
    moderation_percent = forms.IntegerField(
        label="Per cent of cases to moderate", min_value=0, max_value=100, initial=20
    )
    auditors = forms.CharField(
        label="Auditors (usernames)",
        help_text="Separated by commas",
        max_length=2000,
        required=False,
    )
    moderators = forms.CharField(
        label="Moderators (usernames)",
        help_text="Separated by commas",
        max_length=2000,
        required=False,
    )

    def cleaned(self) -> dict:
        data = self.cleaned_data
        return {
            "title": data["title"],
            "registers": _names(data["registers"]),
            "pdus": _names(data.get("pdus", "")),
            "per_pdu": data["per_pdu"],
            "seed": data["seed"],
            "moderation_percent": data.get("moderation_percent") or 0,
            "auditors": _names(data.get("auditors", "")),
            "moderators": _names(data.get("moderators", "")),
        }


class ResolveForm(Form):
    question = forms.ChoiceField(label="Question")
    final_answer = forms.ChoiceField(
        label="Agreed answer",
        choices=[("yes", "Yes"), ("no", "No"), ("not_applicable", "Not applicable")],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the agreed answer"},
    )
    note = forms.CharField(
        label="How it was resolved",
        widget=forms.Textarea,
        max_length=2000,
        error_messages={"required": "Say how the disagreement was resolved"},
    )

    def __init__(self, *args, questions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["question"].choices = list(questions)
