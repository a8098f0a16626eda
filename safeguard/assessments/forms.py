"""Reading the screen and safety plan forms. Checking what they mean is the services' job."""

import datetime as dt

from django import forms

from safeguard.assessments.models import DEFAULT_CRISIS_LINES, FollowUpOutcome, SafetyPlan
from safeguard.assessments.questionnaires import Questionnaire
from safeguard.core.forms import Form


def answers_from_post(questionnaire: Questionnaire, data) -> dict:
    """The answers in a submitted screen form, typed as the API takes them.

    Anything that cannot be read (a scale answer that is not a number, a yes/no answer that is
    neither) is passed on as it came, so that the service names the question in its error.
    """
    answers = {}
    for question in questionnaire.questions:
        if question.type == "multiple":
            values = [v for v in data.getlist(question.id) if v]
            if values:
                answers[question.id] = values
            continue
        raw = data.get(question.id, "")
        if raw == "":
            continue
        if question.type == "boolean":
            answers[question.id] = {"yes": True, "no": False}.get(raw, raw)
        elif question.type == "scale":
            answers[question.id] = int(raw) if raw.isdigit() and len(raw) < 6 else raw
        else:
            answers[question.id] = raw
    return answers


def _label(name):
    return SafetyPlan._meta.get_field(name).verbose_name


def _hint(name):
    return SafetyPlan._meta.get_field(name).help_text


class SafetyPlanForm(Form):
    """The fields of a safety plan. ``expected_version`` guards against a stale edit."""

    expected_version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    reasons_for_living = forms.CharField(
        label=_label("reasons_for_living"),
        help_text=_hint("reasons_for_living"),
        widget=forms.Textarea,
        required=False,
    )
    warning_signs = forms.CharField(
        label=_label("warning_signs"),
        help_text=_hint("warning_signs"),
        widget=forms.Textarea,
        required=False,
    )
    coping_strategies = forms.CharField(
        label=_label("coping_strategies"),
        help_text=_hint("coping_strategies"),
        widget=forms.Textarea,
        required=False,
    )
    people_and_places = forms.CharField(
        label=_label("people_and_places"),
        help_text=_hint("people_and_places"),
        widget=forms.Textarea,
        required=False,
    )
    professional_contacts = forms.CharField(
        label=_label("professional_contacts"),
        help_text=_hint("professional_contacts"),
        widget=forms.Textarea,
        required=False,
    )
    crisis_lines = forms.CharField(
        label=_label("crisis_lines"),
        help_text="One on each line",
        widget=forms.Textarea,
        required=False,
        initial=DEFAULT_CRISIS_LINES,
    )
    reducing_access_to_means = forms.CharField(
        label=_label("reducing_access_to_means"),
        help_text=_hint("reducing_access_to_means"),
        widget=forms.Textarea,
        required=False,
    )
    person_has_copy = forms.BooleanField(
        label="The person has their own copy of this plan", required=False
    )
    review_day = forms.CharField(required=False, max_length=2)
    review_month = forms.CharField(required=False, max_length=2)
    review_year = forms.CharField(required=False, max_length=4)

    TEXT_FIELDS = (
        "reasons_for_living",
        "warning_signs",
        "coping_strategies",
        "people_and_places",
        "professional_contacts",
        "crisis_lines",
        "reducing_access_to_means",
    )

    @classmethod
    def initial_for(cls, plan: SafetyPlan | None, *, what_helps: str = "") -> dict:
        """The form as it opens: the current plan, or for a first plan the crisis lines and
        what the person said helps them keep going on their latest screen."""
        if plan is None:
            return {
                "expected_version": 0,
                "crisis_lines": DEFAULT_CRISIS_LINES,
                "reasons_for_living": what_helps,
            }
        initial = {name: getattr(plan, name) for name in cls.TEXT_FIELDS}
        if not initial["reasons_for_living"]:
            initial["reasons_for_living"] = what_helps
        initial.update(
            person_has_copy=plan.person_has_copy,
            expected_version=plan.version,
            review_day=plan.review_date.day,
            review_month=plan.review_date.month,
            review_year=plan.review_date.year,
        )
        return initial

    def clean(self):
        cleaned = super().clean()
        parts = [cleaned.get(f"review_{p}", "").strip() for p in ("day", "month", "year")]
        cleaned["review_date"] = None
        if any(parts):
            try:
                day, month, year = (int(p) for p in parts)
                if year < 1000:
                    raise ValueError
                cleaned["review_date"] = dt.date(year, month, day)
            except ValueError:
                self.add_error("review_day", "The review date must be a real date")
        return cleaned

    def plan_data(self) -> dict:
        data = {name: self.cleaned_data.get(name, "") for name in self.TEXT_FIELDS}
        data["review_date"] = self.cleaned_data.get("review_date")
        data["person_has_copy"] = bool(self.cleaned_data.get("person_has_copy"))
        return data


class ScreenFollowUpForm(Form):
    """What was done about a screen that needed a follow-up. ``outcome`` is asked only when the
    screen's risk to self is not known."""

    note = forms.CharField(
        label="What you did and what the person told you",
        max_length=4000,
        widget=forms.Textarea,
        error_messages={"required": "Enter what you did and what the person told you"},
    )
    outcome = forms.ChoiceField(
        label="What did the person tell you?",
        choices=[c for c in FollowUpOutcome.choices if c[0]],
        required=False,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, asks_outcome: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if asks_outcome:
            self.fields["outcome"].required = True
            self.fields["outcome"].error_messages["required"] = "Select what the person told you"
        else:
            del self.fields["outcome"]
