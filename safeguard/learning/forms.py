from django import forms
from django.utils import timezone

from safeguard.core.forms import Form, GovDateField
from safeguard.learning.models import (
    AgencyType,
    Circumstances,
    HowNotified,
    ReviewStatus,
    SupervisionType,
)

DATE_HINT = "For example, 27 11 2026"


def _today_text():
    return timezone.localdate().strftime("%d/%m/%Y")


class DeathNotificationForm(Form):
    date_of_death = GovDateField(
        kind="event",
        label="Date of death",
        help_text=DATE_HINT,
        error_messages={"required": "Enter the date of death"},
    )
    date_notified = GovDateField(
        kind="event",
        label="Date probation learned of the death",
        help_text=DATE_HINT,
        error_messages={"required": "Enter the date probation learned of the death"},
    )
    how_notified = forms.ChoiceField(
        label="How probation learned of the death",
        choices=[("", "Choose how"), *HowNotified.choices],
        error_messages={
            "required": "Choose how probation learned of the death",
            "invalid_choice": "Choose how probation learned of the death",
        },
    )
    how_notified_detail = forms.CharField(
        label="Details of how it was learned",
        required=False,
        max_length=200,
        help_text="Needed when you choose Other",
    )
    circumstances = forms.ChoiceField(
        label="Apparent circumstances",
        choices=[("", "Choose the circumstances"), *Circumstances.choices],
        help_text="As probation understands them now. You can reclassify later, for example "
        "after an inquest.",
        error_messages={
            "required": "Choose the apparent circumstances",
            "invalid_choice": "Choose the apparent circumstances",
        },
    )
    place = forms.CharField(
        label="Place of death", required=False, max_length=200, help_text="For example, hospital"
    )
    supervision_type = forms.ChoiceField(
        label="Type of supervision",
        choices=SupervisionType.choices,
        error_messages={"required": "Choose the type of supervision"},
    )

    def __init__(self, *args, person=None, **kwargs):
        super().__init__(*args, **kwargs)
        from safeguard.learning.models import SUPERVISION_TYPE_FOR_SENTENCE

        if person is not None:
            self.initial.setdefault(
                "supervision_type", SUPERVISION_TYPE_FOR_SENTENCE.get(person.sentence_type, "")
            )
        self.initial.setdefault("date_notified", _today_text())


class StartReviewForm(Form):
    reviewer = forms.ChoiceField(
        label="Reviewer",
        help_text="Someone who did not hold the case in the 12 months before the death",
        error_messages={
            "required": "Choose the reviewer",
            "invalid_choice": "Choose a reviewer from the list",
        },
    )

    def __init__(self, *args, reviewers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.reviewers = {str(s.pk): s for s in reviewers}
        self.fields["reviewer"].choices = [("", "Choose a reviewer")] + [
            (str(s.pk), f"{s.display_name} ({s.get_role_display()})") for s in reviewers
        ]

    def chosen(self):
        return self.reviewers[self.cleaned_data["reviewer"]]


class TransitionForm(Form):
    to = forms.ChoiceField(choices=ReviewStatus.choices)
    note = forms.CharField(label="Note", required=False, widget=forms.Textarea, max_length=4000)


class FindingsForm(Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    summary = forms.CharField(
        label="Summary of findings",
        required=False,
        widget=forms.Textarea,
        max_length=10000,
        help_text="What happened and what the agencies knew. Needed before quality assurance.",
    )
    learning = forms.CharField(
        label="Systemic learning",
        required=False,
        widget=forms.Textarea,
        max_length=10000,
        help_text="What the system should change: thresholds, transitions, information sharing, "
        "housing. Needed before quality assurance.",
    )
    individual_practice = forms.CharField(
        label="Individual practice notes",
        required=False,
        widget=forms.Textarea,
        max_length=4000,
        help_text="Kept with the review. Never part of the analysis or the board pack.",
    )


class FactorForm(Form):
    factor = forms.ChoiceField(
        label="Systemic factor",
        error_messages={
            "required": "Choose a systemic factor",
            "invalid_choice": "Choose a systemic factor",
        },
    )
    evidence = forms.CharField(
        label="Evidence",
        widget=forms.Textarea,
        max_length=4000,
        help_text="What in the case shows this factor contributed",
        error_messages={"required": "Enter the evidence for the factor"},
    )

    def __init__(self, *args, factors=(), **kwargs):
        super().__init__(*args, **kwargs)
        groups: dict[str, list] = {}
        for f in factors:
            groups.setdefault(f.theme_title, []).append((f.code, f"{f.code}: {f.title}"))
        self.fields["factor"].choices = [("", "Choose a systemic factor")] + list(groups.items())


class ActionForm(Form):
    agency_type = forms.ChoiceField(
        label="Agency",
        choices=[("", "Choose the agency"), *AgencyType.choices],
        error_messages={
            "required": "Choose the agency the action is for",
            "invalid_choice": "Choose the agency the action is for",
        },
    )
    agency = forms.CharField(
        label="Name of the agency (optional)",
        required=False,
        max_length=160,
        help_text="For example, Kent Adult Social Care. Shown on this review only.",
    )
    owner = forms.CharField(
        label="Owner",
        max_length=160,
        help_text="A role or post, for example Head of Kent PDU",
        error_messages={"required": "Enter who owns the action"},
    )
    description = forms.CharField(
        label="Action",
        widget=forms.Textarea,
        max_length=4000,
        error_messages={"required": "Describe the action"},
    )
    due_on = GovDateField(
        kind="event",
        label="Due date",
        help_text=DATE_HINT,
        error_messages={"required": "Enter the due date"},
    )
    factor = forms.ChoiceField(label="Systemic factor it answers", required=False)

    def __init__(self, *args, factors=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["factor"].choices = [("", "None in particular")] + [
            (f.code, f"{f.code}: {f.title}") for f in factors
        ]

    def clean_due_on(self):
        due_on = self.cleaned_data["due_on"]
        if due_on < timezone.localdate():
            raise forms.ValidationError("The due date must be today or in the future")
        return due_on


class ActionDoneForm(Form):
    completed_on = GovDateField(
        kind="event",
        label="Date done",
        help_text=DATE_HINT,
        error_messages={"required": "Enter the date the action was done"},
    )


class ReclassifyForm(Form):
    circumstances = forms.ChoiceField(
        label="Circumstances",
        choices=[("", "Choose the circumstances"), *Circumstances.choices],
        error_messages={
            "required": "Choose the circumstances",
            "invalid_choice": "Choose the circumstances",
        },
    )
    reason = forms.CharField(
        label="Why it has changed",
        widget=forms.Textarea,
        max_length=4000,
        help_text="For example, the coroner's conclusion at the inquest",
        error_messages={"required": "Say why it has changed"},
    )


class LearningFilterForm(Form):
    region = forms.TypedChoiceField(label="Region", required=False, coerce=int, empty_value=None)
    pdu = forms.TypedChoiceField(
        label="Probation delivery unit", required=False, coerce=int, empty_value=None
    )
    date_from = GovDateField(
        kind="filter", label="Deaths from", required=False, help_text=DATE_HINT
    )
    date_to = GovDateField(kind="filter", label="Deaths to", required=False, help_text=DATE_HINT)

    def __init__(self, *args, regions=(), pdus=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = [("", "All regions you can see")] + [
            (r.pk, r.name) for r in regions
        ]
        self.fields["pdu"].choices = [("", "All PDUs")] + [(p.pk, p.name) for p in pdus]

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "The end of the period must be after its start")
        return data


class BoardPackForm(Form):
    region = forms.TypedChoiceField(
        label="Region",
        coerce=int,
        error_messages={"required": "Choose a region", "invalid_choice": "Choose a region"},
    )
    date_from = GovDateField(
        kind="filter",
        label="Deaths from",
        help_text=DATE_HINT,
        error_messages={"required": "Enter the start of the period"},
    )
    date_to = GovDateField(
        kind="filter",
        label="Deaths to",
        help_text=DATE_HINT,
        error_messages={"required": "Enter the end of the period"},
    )

    def __init__(self, *args, regions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = [("", "Choose a region")] + [
            (r.pk, r.name) for r in regions
        ]

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "The end of the period must be after its start")
        return data


class ReviewFilterForm(Form):
    status = forms.ChoiceField(
        label="Stage", required=False, choices=[("", "Any stage"), *ReviewStatus.choices]
    )
    region = forms.TypedChoiceField(label="Region", required=False, coerce=int, empty_value=None)

    def __init__(self, *args, regions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = [("", "All regions")] + [(r.pk, r.name) for r in regions]


class BoardPackShareForm(Form):
    """Record that a board pack was shared with a board."""

    region = forms.TypedChoiceField(
        label="Region of the pack",
        coerce=int,
        error_messages={"required": "Choose a region", "invalid_choice": "Choose a region"},
    )
    board = forms.CharField(
        label="Board the pack was shared with",
        help_text="For example, Kent and Medway Safeguarding Adults Board",
        max_length=160,
        error_messages={
            "required": "Enter the name of the board",
            "max_length": "The name of the board must be 160 characters or fewer",
        },
    )
    shared_on = GovDateField(
        kind="event",
        label="Date shared",
        help_text=DATE_HINT,
        error_messages={"required": "Enter the date the pack was shared"},
    )
    period_from = GovDateField(
        kind="filter",
        label="Deaths from (the start of the pack's period)",
        help_text=DATE_HINT,
        error_messages={"required": "Enter the start of the period the pack covers"},
    )
    period_to = GovDateField(
        kind="filter",
        label="Deaths to (the end of the pack's period)",
        help_text=DATE_HINT,
        error_messages={"required": "Enter the end of the period the pack covers"},
    )

    def __init__(self, *args, regions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = [("", "Choose a region")] + [
            (r.pk, r.name) for r in regions
        ]


class BoardPackResponseForm(Form):
    """What the board decided about a pack."""

    response = forms.CharField(
        label="What the board decided",
        widget=forms.Textarea,
        max_length=4000,
        error_messages={
            "required": "Enter what the board decided",
            "max_length": "The response must be 4000 characters or fewer",
        },
    )
    responded_on = GovDateField(
        kind="event",
        label="Date of the board's response",
        help_text=DATE_HINT,
        error_messages={"required": "Enter the date of the board's response"},
    )
    version = forms.IntegerField(widget=forms.HiddenInput)
