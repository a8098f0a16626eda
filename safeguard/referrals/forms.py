from datetime import datetime, time

from django import forms
from django.utils import timezone

from safeguard.core.forms import Form, GovDateField
from safeguard.core.models import LocalAuthority
from safeguard.referrals.models import (
    CARE_ACT_KINDS,
    GROUNDS_WITHOUT_CONSENT,
    AbuseCategory,
    AgencyKind,
    Consent,
    EscalationOutcome,
    GroundWithoutConsent,
    MentalCapacity,
    ReferralKind,
    RejectionReason,
    SentMethod,
    Urgency,
)
from safeguard.referrals.selectors import agencies
from safeguard.referrals.services import S42_FIELDS

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


KIND_HINTS = {
    ReferralKind.ASC_S42: "The person may be experiencing, or at risk of, abuse or neglect and "
    "cannot protect themselves: the council must make enquiries if all three parts of the "
    "test are met",
    ReferralKind.ASC_NEEDS_ASSESSMENT: "The person may have needs for care and support: the "
    "council must assess them, whatever the level of need",
    ReferralKind.MENTAL_HEALTH: "To the NHS mental health trust for the person's area",
    ReferralKind.HOUSING_DUTY_TO_REFER: "Homeless or threatened with homelessness within 56 "
    "days: to the English housing authority the person chooses, with their consent",
    ReferralKind.SUBSTANCE_MISUSE: "To the drug and alcohol service for the person's area",
    ReferralKind.GP_REGISTRATION: "Help to register with a GP practice",
    ReferralKind.MARAC: "High-risk domestic abuse: to the police for the MARAC",
    ReferralKind.MULTI_AGENCY_PANEL: "A MARM or complex lives panel, for example after a "
    "safeguarding concern was found below the threshold",
}


class KindForm(Form):
    kind = forms.ChoiceField(
        label="What kind of referral are you making?",
        choices=ReferralKind.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose the kind of referral",
            "invalid_choice": "Choose the kind of referral",
        },
    )


AGREED = [("yes", "Yes"), ("no", "No")]
WITHOUT_CONSENT = [
    (Consent.REFUSED, "No, they did not agree"),
    (Consent.NOT_ASKED, "They could not be asked, or cannot decide"),
]


class ReferralForm(Form):
    """The questions for one kind of referral (``kind``), and only those. Questions that
    depend on an answer (why without consent, the capacity assessment) are revealed under it
    (GOV.UK conditional reveals; without JavaScript they show, and are ignored unless the
    answer asks for them)."""

    agency = forms.TypedChoiceField(
        label="Agency",
        coerce=int,
        empty_value=None,
        error_messages={"required": "Choose the agency", "invalid_choice": "Choose the agency"},
    )
    chosen_housing_authority = forms.TypedChoiceField(
        label="Which housing authority did the person choose?",
        help_text="Any English housing authority, for example where they have a local "
        "connection. Start typing its name",
        coerce=int,
        empty_value=None,
        error_messages={
            "required": "Choose the housing authority the person chose",
            "invalid_choice": "Choose an English housing authority from the list",
        },
    )
    urgency = forms.ChoiceField(
        label="How urgent is it?",
        choices=Urgency.choices,
        initial=Urgency.ROUTINE,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose how urgent the referral is"},
    )
    reason = forms.CharField(
        label="Why you are referring",
        widget=forms.Textarea,
        max_length=4000,
        error_messages={"required": "Say why you are referring"},
    )
    abuse_categories = forms.MultipleChoiceField(
        label="Which categories of abuse or neglect?",
        help_text="Select all that apply",
        choices=AbuseCategory.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one category of abuse or neglect"},
    )
    person_views = forms.CharField(
        label="The person's views and wishes",
        help_text="What they want to happen, in their words where you can",
        widget=forms.Textarea,
        required=False,
        max_length=4000,
    )
    consent = forms.ChoiceField(
        label="Did the person agree to the referral?",
        choices=AGREED,
        widget=forms.RadioSelect,
        error_messages={"required": "Say whether the person agreed to the referral"},
    )
    consent_no = forms.ChoiceField(
        label="Why not?",
        choices=WITHOUT_CONSENT,
        widget=forms.RadioSelect,
        required=False,
    )
    ground_without_consent = forms.ChoiceField(
        label="What allows the referral to go ahead without consent?",
        choices=GroundWithoutConsent.choices,
        widget=forms.RadioSelect,
        required=False,
    )
    reason_without_consent = forms.CharField(
        label="Why refer without consent",
        widget=forms.Textarea,
        required=False,
        max_length=4000,
    )
    mental_capacity = forms.ChoiceField(
        label="Can the person decide about this referral?",
        help_text="Assume the person has capacity to decide unless an assessment found "
        "otherwise (Mental Capacity Act 2005)",
        choices=MentalCapacity.choices,
        widget=forms.RadioSelect,
        initial=MentalCapacity.ASSUMED,
        error_messages={"required": "Say whether the person can decide about this referral"},
    )
    capacity_assessment = forms.CharField(
        label="Capacity assessment",
        help_text="Who assessed it, when, and what they found",
        widget=forms.Textarea,
        required=False,
        max_length=4000,
    )
    consent_to_share_contact_details = forms.ChoiceField(
        label="Did the person agree to their contact details being shared with the housing "
        "authority?",
        choices=AGREED,
        widget=forms.RadioSelect,
        error_messages={"required": "Say whether the person agreed to share their contact details"},
    )

    FIELDS_BY_KIND = {
        ReferralKind.ASC_S42: (
            "agency",
            "urgency",
            "reason",
            "s42",
            "abuse_categories",
            "person_views",
            "consent",
            "capacity",
        ),
        ReferralKind.ASC_NEEDS_ASSESSMENT: (
            "agency",
            "urgency",
            "reason",
            "person_views",
            "consent",
            "capacity",
        ),
        ReferralKind.HOUSING_DUTY_TO_REFER: (
            "chosen_housing_authority",
            "urgency",
            "reason",
            "person_views",
            "consent",
            "consent_to_share_contact_details",
        ),
    }
    OTHER_KINDS = ("agency", "urgency", "reason", "person_views", "consent")

    def __init__(self, *args, person, kind, agency_choices, housing_choices=(), s42=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.person = person
        self.kind = ReferralKind(kind)
        wanted = set(self.FIELDS_BY_KIND.get(self.kind, self.OTHER_KINDS))
        if "consent" in wanted and self.kind != ReferralKind.HOUSING_DUTY_TO_REFER:
            wanted |= {"consent_no", "reason_without_consent"}
        if self.kind in CARE_ACT_KINDS:
            wanted |= {"ground_without_consent"}
        if "capacity" in wanted:
            wanted |= {"mental_capacity", "capacity_assessment"}
        for name in list(self.fields):
            if name not in wanted:
                del self.fields[name]
        if self.kind == ReferralKind.HOUSING_DUTY_TO_REFER:
            self.fields["reason"].label = "The reason for referral you agreed with the person"
            self.fields["reason"].error_messages["required"] = (
                "Give the reason for the referral that you agreed with the person"
            )
            self.fields["consent"].help_text = (
                "A duty to refer needs the person's consent to the referral and to the housing "
                "authority it goes to"
            )
            self.fields["chosen_housing_authority"].choices = [("", ""), *housing_choices]
        elif self.kind not in CARE_ACT_KINDS:
            self.fields["consent"].required = False
        if "agency" in self.fields:
            self.fields["agency"].choices = [("", "Choose the agency"), *agency_choices]
            if len(agency_choices) == 1:
                self.fields["agency"].initial = agency_choices[0][0]
        if "ground_without_consent" in self.fields:
            allowed = GROUNDS_WITHOUT_CONSENT[self.kind]
            self.fields["ground_without_consent"].choices = [
                (g, GroundWithoutConsent(g).label) for g in allowed
            ]
        # A long list (every English housing authority) is a plain select without JavaScript
        # and an accessible autocomplete with it.
        self.autocomplete = (
            self.kind == ReferralKind.HOUSING_DUTY_TO_REFER or len(agency_choices) > 10
        )
        self.s42 = s42 or {}
        if "s42" in wanted:
            screened_on = self.s42.get("screened_on")
            indicated = self.s42.get("indicated", {})
            for part, label in S42_PARTS:
                hint = ""
                if screened_on:
                    said = {True: "met", False: "not met"}.get(indicated.get(part))
                    hint = (
                        f"The vulnerability screen of {screened_on:%-d %B %Y} indicated this "
                        f"part is {said}. Give your own answer"
                        if said
                        else ""
                    )
                self.fields[f"s42_{part}"] = forms.ChoiceField(
                    label=label,
                    choices=YES_NO,
                    widget=forms.RadioSelect,
                    help_text=hint,
                    error_messages={
                        "required": "Say whether this part of the Care Act s42 test is met"
                    },
                )
                self.fields[f"s42_{part}_evidence"] = forms.CharField(
                    label="Evidence",
                    help_text="Filled in from the answers on the latest vulnerability screen: "
                    "check and change it"
                    if screened_on
                    else "",
                    widget=forms.Textarea,
                    max_length=4000,
                    error_messages={"required": "Give the evidence for this part of the test"},
                )

    def clean(self):
        data = super().clean()
        wants_why = data.get("consent") == "no" and "consent_no" in self.fields
        if wants_why and not data.get("consent_no"):
            self.add_error("consent_no", "Say why the person did not agree")
        self.housing_agency_id = None
        if data.get("chosen_housing_authority"):
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
                self.housing_agency_id = housing.pk
        return data

    @staticmethod
    def initial_from(referral, prefill: dict) -> dict:
        """A draft's answers as this form's initial values; evidence the draft left empty
        keeps the pre-fill from the screen (``prefill``)."""
        initial = dict(prefill)
        given = {
            "agency": referral.agency_id,
            "urgency": referral.urgency,
            "reason": referral.reason,
            "person_views": referral.person_views,
            "abuse_categories": list(referral.abuse_categories or []),
            "reason_without_consent": referral.reason_without_consent,
            "ground_without_consent": referral.ground_without_consent,
            "mental_capacity": referral.mental_capacity,
            "capacity_assessment": referral.capacity_assessment,
            "chosen_housing_authority": referral.chosen_housing_authority_id,
        }
        if referral.consent == Consent.GIVEN:
            given["consent"] = "yes"
        elif referral.consent:
            given["consent"], given["consent_no"] = "no", referral.consent
        if referral.consent_to_share_contact_details is not None:
            given["consent_to_share_contact_details"] = (
                "yes" if referral.consent_to_share_contact_details else "no"
            )
        for part, field in S42_FIELDS.items():
            indicated = getattr(referral, field)
            if indicated is not None:
                given[f"s42_{part}"] = "yes" if indicated else "no"
            given[f"s42_{part}_evidence"] = getattr(referral, f"{field}_evidence")
        initial.update({k: v for k, v in given.items() if v not in ("", None, [])})
        return initial

    def s42_fields(self):
        return [
            (self[f"s42_{part}"], self[f"s42_{part}_evidence"], part)
            for part, _ in S42_PARTS
            if f"s42_{part}" in self.fields
        ]

    def _consent_value(self) -> str:
        data = self.cleaned_data
        answer = data.get("consent")
        if answer == "yes":
            return Consent.GIVEN
        if answer == "no":
            return data.get("consent_no") or Consent.REFUSED
        return ""

    def service_kwargs(self) -> dict:
        """The answers as ``referral_create`` takes them; questions revealed under an answer
        that was not given are left out."""
        data = self.cleaned_data
        consent = self._consent_value()
        without = bool(consent) and consent != Consent.GIVEN
        kwargs = {
            "kind": self.kind.value,
            "agency_id": data.get("agency"),
            "urgency": data["urgency"],
            "reason": data["reason"],
            "person_views": data.get("person_views", ""),
            "consent": consent,
            "reason_without_consent": data.get("reason_without_consent", "") if without else "",
            "ground_without_consent": data.get("ground_without_consent", "") if without else "",
        }
        if "abuse_categories" in self.fields:
            kwargs["abuse_categories"] = data["abuse_categories"]
        if self.s42_fields():
            kwargs["care_act_s42"] = {
                part: {
                    "indicated": data[f"s42_{part}"] == "yes",
                    "evidence": data[f"s42_{part}_evidence"],
                }
                for part, _ in S42_PARTS
            }
        if "mental_capacity" in self.fields:
            lacks = data["mental_capacity"] == MentalCapacity.LACKS
            kwargs["mental_capacity"] = data["mental_capacity"]
            kwargs["capacity_assessment"] = data.get("capacity_assessment", "") if lacks else ""
        if self.kind == ReferralKind.HOUSING_DUTY_TO_REFER:
            authority = None
            if data.get("chosen_housing_authority"):
                authority = LocalAuthority.objects.select_related("region").get(
                    pk=data["chosen_housing_authority"]
                )
            kwargs["chosen_housing_authority"] = authority
            kwargs["consent_to_share_contact_details"] = (
                data.get("consent_to_share_contact_details") == "yes"
            )
            kwargs["agency_id"] = self.housing_agency_id
        return kwargs

    def summary_rows(self) -> list[dict]:
        """What the practitioner answered, for check your answers: label, value (text) and the
        field to change it at."""
        data = self.cleaned_data
        rows = []

        def add(label, value, field):
            rows.append({"label": label, "value": value or "Not given", "field": field})

        def label_of(name):
            field = self.fields[name]
            return dict(field.choices).get(data.get(name), "")

        if "agency" in self.fields:
            add("Agency", label_of("agency"), "agency")
        if "chosen_housing_authority" in self.fields:
            add(
                "Housing authority the person chose",
                label_of("chosen_housing_authority"),
                "chosen_housing_authority",
            )
        add("Urgency", label_of("urgency"), "urgency")
        add(self.fields["reason"].label, data.get("reason"), "reason")
        for answer, evidence, _ in self.s42_fields():
            add(
                answer.label,
                f"{label_of(answer.name)}. Evidence: {data.get(evidence.name, '')}",
                answer.name,
            )
        if "abuse_categories" in self.fields:
            labels = dict(AbuseCategory.choices)
            add(
                "Categories of abuse or neglect",
                "; ".join(labels[c] for c in data.get("abuse_categories", [])),
                "abuse_categories",
            )
        add("The person's views and wishes", data.get("person_views"), "person_views")
        consent = self._consent_value()
        add(
            "Consent to the referral",
            Consent(consent).label if consent else "Not recorded",
            "consent",
        )
        if consent and consent != Consent.GIVEN:
            if "ground_without_consent" in self.fields:
                add(
                    "Ground for going ahead without consent",
                    label_of("ground_without_consent"),
                    "ground_without_consent",
                )
            if "reason_without_consent" in self.fields:
                add(
                    "Why without consent",
                    data.get("reason_without_consent"),
                    "reason_without_consent",
                )
        if "mental_capacity" in self.fields:
            add("Capacity to decide", label_of("mental_capacity"), "mental_capacity")
            if data.get("mental_capacity") == MentalCapacity.LACKS:
                add("Capacity assessment", data.get("capacity_assessment"), "capacity_assessment")
        if "consent_to_share_contact_details" in self.fields:
            add(
                "Consent to share contact details",
                label_of("consent_to_share_contact_details"),
                "consent_to_share_contact_details",
            )
        return rows


class SendForm(Form):
    method = forms.ChoiceField(
        label="How did you send it?",
        choices=SentMethod.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose how you sent the referral"},
    )
    sent_on = GovDateField(
        kind="event",
        label="Date sent",
        help_text="For example, 27 11 2026",
        error_messages={"required": "Enter the date you sent it"},
    )
    sent_time = TimeField(
        label="Time sent (optional)", required=False, help_text="For example 14:30"
    )


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
