from datetime import datetime, time

from django import forms
from django.utils import timezone

from safeguard.core.forms import Form, GovDateField
from safeguard.core.models import LocalAuthority
from safeguard.referrals.models import (
    AbuseCategory,
    AgencyKind,
    Consent,
    EscalationOutcome,
    GroundWithoutConsent,
    MentalCapacity,
    ReferralKind,
    RejectionReason,
    Urgency,
)
from safeguard.referrals.selectors import agencies
from safeguard.referrals.services import WALES_REGION_CODE, supervised_in_wales

YES_NO = [("yes", "Yes"), ("no", "No")]
S42_PARTS = [
    ("care_and_support_needs", "The person has needs for care and support"),
    (
        "experiencing_or_at_risk_of_abuse_or_neglect",
        "The person is experiencing, or at risk of, abuse or neglect",
    ),
    (
        "unable_to_protect_self",
        "Because of those needs, the person cannot protect themselves",
    ),
]


class TimeField(forms.TimeField):
    input_formats = ["%H:%M", "%H.%M", "%H%M"]
    default_error_messages = {"invalid": "Enter a time like 14:30"}


def _when(day, at) -> datetime | None:
    if day is None:
        return None
    return timezone.make_aware(datetime.combine(day, at or time(9, 0)))


class ReferralForm(Form):
    kind = forms.ChoiceField(
        label="Kind of referral",
        choices=[("", "Choose the kind of referral"), *ReferralKind.choices],
        error_messages={"required": "Choose the kind of referral"},
    )
    agency = forms.TypedChoiceField(
        label="Agency",
        coerce=int,
        required=False,
        empty_value=None,
        help_text="For a duty to refer you can leave this empty: the referral goes to the "
        "housing authority the person chose",
    )
    urgency = forms.ChoiceField(label="Urgency", choices=Urgency.choices, initial=Urgency.ROUTINE)
    reason = forms.CharField(
        label="Why you are referring",
        widget=forms.Textarea,
        max_length=4000,
        help_text="For a duty to refer, the reason for referral you agreed with the person",
        error_messages={"required": "Say why you are referring"},
    )
    sent_on = GovDateField(
        kind="event",
        label="Date sent",
        required=False,
        help_text="Leave empty if you are sending it now. For a referral made by phone or email "
        "earlier, give the date, for example 24/11/2026",
    )
    sent_time = TimeField(label="Time sent", required=False, help_text="For example 14:30")
    draft = forms.BooleanField(label="Save as a draft without sending it", required=False)

    abuse_categories = forms.MultipleChoiceField(
        label="Categories of abuse or neglect",
        choices=AbuseCategory.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    person_views = forms.CharField(
        label="The person's views and wishes",
        widget=forms.Textarea,
        required=False,
        max_length=4000,
    )
    consent = forms.ChoiceField(
        label="Did the person agree to the referral?",
        choices=[("", "Choose"), *Consent.choices],
        required=False,
    )
    mental_capacity = forms.ChoiceField(
        label="Can the person decide about this referral?",
        help_text="Adult social care referrals only. Assume the person has capacity to decide "
        "unless an assessment found otherwise (Mental Capacity Act 2005)",
        choices=MentalCapacity.choices,
        required=False,
        widget=forms.RadioSelect,
    )
    capacity_assessment = forms.CharField(
        label="Capacity assessment",
        help_text="If the person lacks capacity to decide: who assessed it, when, and what "
        "they found",
        widget=forms.Textarea,
        required=False,
        max_length=4000,
    )
    ground_without_consent = forms.ChoiceField(
        label="Why the referral can go ahead without consent",
        help_text="Adult social care referrals only. A safeguarding concern can go ahead "
        "without consent where the person lacks capacity, others are at risk, to protect "
        "their vital interests, to prevent a serious crime or where they may be coerced. A "
        "needs assessment only where they lack capacity or are at risk of abuse or neglect",
        choices=[("", "Choose"), *GroundWithoutConsent.choices],
        required=False,
    )
    reason_without_consent = forms.CharField(
        label="Why refer without consent", widget=forms.Textarea, required=False, max_length=4000
    )
    chosen_housing_authority = forms.TypedChoiceField(
        label="Housing authority the person chose", coerce=int, required=False, empty_value=None
    )
    consent_to_share_contact_details = forms.BooleanField(
        label="The person agreed to share their contact details with the housing authority",
        required=False,
    )

    def __init__(self, *args, person, **kwargs):
        super().__init__(*args, **kwargs)
        for part, label in S42_PARTS:
            self.fields[f"s42_{part}"] = forms.ChoiceField(
                label=label, choices=YES_NO, required=False, widget=forms.RadioSelect
            )
            self.fields[f"s42_{part}_evidence"] = forms.CharField(
                label="Evidence", widget=forms.Textarea, required=False, max_length=4000
            )
        self.person = person
        region_agencies = agencies(region_id=person.pdu.region_id)
        grouped: dict[str, list] = {}
        for agency in region_agencies:
            grouped.setdefault(agency.get_kind_display(), []).append((agency.pk, agency.name))
        self.fields["agency"].choices = [("", "Choose the agency"), *grouped.items()]
        self.fields["chosen_housing_authority"].choices = [("", "Choose")] + [
            (la.pk, la.name)
            for la in LocalAuthority.objects.exclude(region__code=WALES_REGION_CODE).order_by(
                "name"
            )
        ]
        # Capacity is assumed unless assessed otherwise: the form starts there.
        self.fields["mental_capacity"].initial = MentalCapacity.ASSUMED

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        if kind == ReferralKind.HOUSING_DUTY_TO_REFER:
            if supervised_in_wales(self.person):
                self.add_error(
                    "kind",
                    "The duty to refer applies only to cases supervised in England: this case "
                    "is supervised in Wales",
                )
            elif not data.get("agency") and data.get("chosen_housing_authority"):
                # Any English housing authority the person chose, whatever the region.
                housing = agencies(
                    kind=AgencyKind.HOUSING, local_authority_id=data["chosen_housing_authority"]
                ).first()
                if housing is None:
                    self.add_error(
                        "chosen_housing_authority",
                        "This housing authority has no housing service to refer to",
                    )
                else:
                    data["agency"] = housing.pk
            elif not data.get("agency"):
                self.add_error("chosen_housing_authority", "Choose the housing authority")
        elif kind and not data.get("agency"):
            self.add_error("agency", "Choose the agency")
        return data

    def s42_fields(self):
        return [(self[f"s42_{part}"], self[f"s42_{part}_evidence"], part) for part, _ in S42_PARTS]

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        s42 = None
        if data["kind"] == ReferralKind.ASC_S42:
            s42 = {}
            for part, _ in S42_PARTS:
                answer = data.get(f"s42_{part}")
                s42[part] = (
                    {"indicated": answer == "yes", "evidence": data.get(f"s42_{part}_evidence")}
                    if answer
                    else None
                )
        housing = None
        if data.get("chosen_housing_authority"):
            housing = LocalAuthority.objects.select_related("region").get(
                pk=data["chosen_housing_authority"]
            )
        return {
            "kind": data["kind"],
            "agency_id": data["agency"],
            "urgency": data["urgency"],
            "reason": data["reason"],
            "send": not data["draft"],
            "sent_at": _when(data.get("sent_on"), data.get("sent_time")),
            "care_act_s42": s42,
            "abuse_categories": data["abuse_categories"],
            "person_views": data["person_views"],
            "consent": data["consent"],
            "reason_without_consent": data["reason_without_consent"],
            "mental_capacity": data["mental_capacity"]
            if data["kind"] in (ReferralKind.ASC_S42, ReferralKind.ASC_NEEDS_ASSESSMENT)
            else "",
            "capacity_assessment": data["capacity_assessment"],
            "ground_without_consent": data["ground_without_consent"],
            "chosen_housing_authority": housing,
            "consent_to_share_contact_details": data["consent_to_share_contact_details"] or None,
        }


class DecisionForm(Form):
    outcome = forms.ChoiceField(
        label="What did the agency decide?",
        choices=[("accepted", "Accepted"), ("rejected", "Rejected")],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose what the agency decided"},
    )
    reason = forms.ChoiceField(
        label="Reason given for rejecting it",
        choices=[("", "Only if rejected"), *RejectionReason.choices],
        required=False,
    )
    decided_on = GovDateField(
        kind="event",
        label="Date of the decision",
        required=False,
        help_text="Leave empty for today",
    )
    notes = forms.CharField(label="Notes", widget=forms.Textarea, required=False, max_length=4000)


class NoteForm(Form):
    notes = forms.CharField(label="Notes", widget=forms.Textarea, required=False, max_length=4000)


class OutcomeForm(Form):
    outcome = forms.CharField(
        label="Outcome",
        widget=forms.Textarea,
        max_length=4000,
        error_messages={"required": "Describe the outcome"},
    )


class EscalationForm(Form):
    reason = forms.CharField(
        label="Why are you escalating?",
        widget=forms.Textarea,
        max_length=4000,
        error_messages={"required": "Say why you are escalating"},
    )


class ResolveForm(Form):
    response = forms.CharField(
        label="Response",
        widget=forms.Textarea,
        max_length=4000,
        error_messages={"required": "Record the response"},
    )
    outcome = forms.ChoiceField(
        label="Outcome",
        choices=[("", "Choose an outcome"), *EscalationOutcome.choices],
        error_messages={"required": "Choose the outcome of the escalation"},
    )


class MonitoringFilterForm(Form):
    date_from = GovDateField(kind="filter", label="From", required=False)
    date_to = GovDateField(kind="filter", label="To", required=False)
    region = forms.TypedChoiceField(label="Region", coerce=int, required=False, empty_value=None)
    pdu = forms.TypedChoiceField(label="PDU", coerce=int, required=False, empty_value=None)
    local_authority = forms.TypedChoiceField(
        label="Local authority", coerce=int, required=False, empty_value=None
    )
    kind = forms.ChoiceField(
        label="Kind of referral",
        choices=[("", "All kinds"), *ReferralKind.choices],
        required=False,
    )

    def __init__(self, *args, regions, pdus, local_authorities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = [("", "All regions"), *[(r.pk, r.name) for r in regions]]
        self.fields["pdu"].choices = [("", "All PDUs"), *[(p.pk, p.name) for p in pdus]]
        self.fields["local_authority"].choices = [
            ("", "All local authorities"),
            *[(la.pk, la.name) for la in local_authorities],
        ]
