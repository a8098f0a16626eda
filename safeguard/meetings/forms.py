"""Forms for multi-agency meetings. They parse and check what was typed; the services decide."""

import re
from itertools import groupby

from django import forms
from django.utils import timezone

from safeguard.core.dates import add_months
from safeguard.core.forms import Form, GovDateField
from safeguard.meetings.selectors import (
    invitable_agencies,
    meeting_types,
    pdus_in_scope,
    regions_in_scope,
)
from safeguard.people.models import CRN_PATTERN
from safeguard.people.selectors import visible_people
from safeguard.referrals.models import AgencyKind

MAX_PEOPLE = 50
_CRN = re.compile(CRN_PATTERN)


def _today_text():
    return timezone.localdate().strftime("%d/%m/%Y")


def _type_choices(empty_label):
    return [("", empty_label)] + [(t.code, t.name) for t in meeting_types()]


def _pdu_choices(user, empty_label):
    pdus = pdus_in_scope(user).select_related("region").order_by("region__name", "name")
    return [("", empty_label)] + [(p.pk, p.name) for p in pdus]


class MeetingForm(Form):
    meeting_type = forms.ChoiceField(
        label="Type of meeting",
        error_messages={
            "required": "Choose the type of meeting",
            "invalid_choice": "Choose the type of meeting",
        },
    )
    held_on = GovDateField(
        kind="event",
        label="Date of the meeting",
        help_text="For example, 27 11 2026. It can be in the past or planned ahead.",
        error_messages={"required": "Enter the date of the meeting"},
    )
    pdu = forms.TypedChoiceField(
        label="Probation delivery unit",
        coerce=int,
        error_messages={
            "required": "Choose a probation delivery unit",
            "invalid_choice": "Choose a probation delivery unit from the list",
        },
    )
    chair = forms.CharField(
        label="Chair (optional)",
        required=False,
        max_length=120,
        help_text="Name and agency of the person chairing the meeting",
    )
    people = forms.CharField(
        label="People discussed",
        widget=forms.Textarea,
        help_text="Enter the CRN of each person discussed on its own line, for example A123456",
        error_messages={"required": "Enter the CRN of at least one person discussed"},
    )
    agencies = forms.TypedMultipleChoiceField(
        label="Agencies invited",
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": "Choose at least one agency invited to the meeting",
            "invalid_choice": "Choose agencies from the list",
        },
    )
    notes = forms.CharField(
        label="Notes (optional)", required=False, widget=forms.Textarea, max_length=4000
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.person_ids: list[int] = []
        self.refused_crns: list[str] = []
        self.fields["meeting_type"].choices = _type_choices("Choose a type of meeting")
        pdu_choices = _pdu_choices(user, "Choose a PDU")
        self.fields["pdu"].choices = pdu_choices
        if len(pdu_choices) == 2:
            self.initial.setdefault("pdu", pdu_choices[1][0])
        self.initial.setdefault("held_on", _today_text())
        agencies = invitable_agencies(
            region_ids=regions_in_scope(user).values_list("pk", flat=True)
        )
        several_regions = len({a.region_id for a in agencies}) > 1
        kinds = dict(AgencyKind.choices)
        self.agency_groups = []
        choices = []
        for kind, group in groupby(agencies, key=lambda a: a.kind):
            options = [
                (a.pk, f"{a.name} ({a.region.name})" if several_regions else a.name) for a in group
            ]
            self.agency_groups.append({"label": kinds.get(kind, kind), "options": options})
            choices.append((kinds.get(kind, kind), options))
        self.fields["agencies"].choices = choices

    def clean_people(self):
        lines = [line.strip().upper() for line in self.cleaned_data["people"].splitlines()]
        crns = list(dict.fromkeys(line for line in lines if line))
        if not crns:
            raise forms.ValidationError("Enter the CRN of at least one person discussed")
        if len(crns) > MAX_PEOPLE:
            raise forms.ValidationError(f"Enter no more than {MAX_PEOPLE} CRNs")
        malformed = [c for c in crns if not _CRN.match(c)]
        wellformed = [c for c in crns if c not in malformed]
        found = dict(visible_people(self.user).filter(crn__in=wellformed).values_list("crn", "pk"))
        self.refused_crns = [c for c in wellformed if c not in found]
        errors = [
            f"{c[:20]} is not a CRN: a CRN is one letter and six digits, like A123456"
            for c in malformed
        ]
        # The same message for "no such person" and "not visible": nobody can probe for cases.
        errors += [f"{c}: no person with this CRN is visible to you" for c in self.refused_crns]
        if errors:
            raise forms.ValidationError(errors)
        self.person_ids = [found[c] for c in crns]
        return crns


class AttendanceForm(Form):
    attended = forms.TypedMultipleChoiceField(
        label="Agencies that attended",
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "Choose agencies that were invited to this meeting"},
    )
    # The meeting's version the page showed; the service refuses a stale one.
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, attendance, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["attended"].choices = [(row.agency_id, row.agency.name) for row in attendance]
        self.initial.setdefault("attended", [row.agency_id for row in attendance if row.attended])


class ActionForm(Form):
    owner_agency = forms.TypedChoiceField(
        label="Agency that owns the action",
        coerce=int,
        error_messages={
            "required": "Choose the agency that owns the action",
            "invalid_choice": "Choose an agency that was invited to this meeting",
        },
    )
    person = forms.TypedChoiceField(
        label="Person (optional)",
        coerce=int,
        required=False,
        empty_value=None,
        error_messages={"invalid_choice": "Choose a person discussed at this meeting"},
    )
    description = forms.CharField(
        label="Action",
        widget=forms.Textarea,
        max_length=2000,
        error_messages={"required": "Describe the action"},
    )
    due_on = GovDateField(
        kind="event",
        label="Due date",
        help_text="For example, 27 11 2026",
        error_messages={"required": "Enter the date the action is due"},
    )

    def __init__(self, *args, attendance, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner_agency"].choices = [("", "Choose an agency")] + [
            (row.agency_id, row.agency.name) for row in attendance
        ]
        self.fields["person"].choices = [("", "Not about one person")] + [
            (p.pk, f"{p.full_name} ({p.crn})") for p in people
        ]


class CompleteActionForm(Form):
    completed_on = GovDateField(
        kind="event",
        label="Date done",
        error_messages={"required": "Enter the date the action was done"},
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class MeetingFilterForm(Form):
    meeting_type = forms.ChoiceField(label="Type of meeting", required=False)
    pdu = forms.TypedChoiceField(label="PDU", coerce=int, required=False, empty_value=None)
    date_from = GovDateField(
        kind="filter", label="From", required=False, help_text="For example, 1 4 2026"
    )
    date_to = GovDateField(
        kind="filter", label="To", required=False, help_text="For example, 31 03 2027"
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["meeting_type"].choices = _type_choices("All types")
        self.fields["pdu"].choices = _pdu_choices(user, "All PDUs")

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "The end of the period must be after its start")
        return cleaned


class AttendanceReportForm(MeetingFilterForm):
    """Period, region and PDU for the attendance report (twelve months to today by default)."""

    region = forms.TypedChoiceField(label="Region", coerce=int, required=False, empty_value=None)

    field_order = ["date_from", "date_to", "region", "pdu"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        del self.fields["meeting_type"]
        self.fields["region"].choices = [("", "All regions")] + [
            (r.pk, r.name) for r in regions_in_scope(user)
        ]

    @staticmethod
    def default_period():
        today = timezone.localdate()
        return add_months(today, -12), today
