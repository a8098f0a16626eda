from datetime import time

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from safeguard.core.audit import Action, Channel, access_log_record
from safeguard.core.bounds import years_before
from safeguard.core.capabilities import Capability, requires
from safeguard.core.errors import DomainError
from safeguard.core.forms import add_service_errors
from safeguard.core.models import PDU, LocalAuthority, Region
from safeguard.insights.charts import bar_chart
from safeguard.insights.exports import csv_response, xlsx_response
from safeguard.insights.suppression import SUPPRESSED
from safeguard.people.selectors import person_get_for
from safeguard.referrals import forms, insights, selectors, services
from safeguard.referrals.catalogue import escalation_ladder
from safeguard.referrals.forms import _when
from safeguard.referrals.models import AWAITING_DECISION, ReferralKind

# ---- a person's referrals -----------------------------------------------------------------


def _referral_of(request, person, referral_id):
    referral = selectors.referral_get_for(
        user=request.user, referral_id=referral_id, channel=Channel.WEB
    )
    if referral.person_id != person.pk:
        raise Http404
    return referral


@require_http_methods(["GET", "POST"])
@requires(Capability.CHANGE_CASES)
def referral_new(request, crn):
    person = person_get_for(user=request.user, crn=crn, channel=Channel.WEB, for_change=True)
    initial = {"kind": request.GET.get("kind", "")}
    initial.update(selectors.s42_prefill(person=person))
    form = forms.ReferralForm(request.POST or None, person=person, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            referral = services.referral_create(
                person_id=person.pk, actor=request.user, **form.service_kwargs()
            )
        except ValidationError as exc:
            add_service_errors(form, _form_field_names(exc))
        except DomainError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                f"Referral to {referral.agency.name} "
                + ("saved as a draft" if referral.status == "draft" else "recorded as sent"),
            )
            return redirect("referrals:detail", crn=person.crn, referral_id=referral.pk)
    return render(request, "referrals/new.html", {"person": person, "form": form})


def _form_field_names(exc: ValidationError) -> ValidationError:
    """Map the service's field names (care_act_s42.part) onto the form's (s42_part)."""
    if not hasattr(exc, "error_dict"):
        return exc
    return ValidationError(
        {
            (f"s42_{k.split('.', 1)[1]}" if k.startswith("care_act_s42.") else k): v
            for k, v in exc.message_dict.items()
        }
    )


@require_http_methods(["GET"])
@requires(Capability.READ_CASES)
def referral_detail(request, crn, referral_id):
    person = person_get_for(user=request.user, crn=crn, channel=Channel.WEB)
    referral = _referral_of(request, person, referral_id)
    escalations = list(referral.escalations.select_related("holder", "raised_by", "resolved_by"))
    today = timezone.localdate()
    next_level = services.next_escalation_level(referral, escalations, today)
    return render(
        request,
        "referrals/detail.html",
        {
            "person": person,
            "referral": referral,
            "escalations": escalations,
            "next_level": next_level,
            "next_level_label": escalation_ladder()[next_level]["label"] if next_level else "",
            "awaiting": referral.status in AWAITING_DECISION,
            "can_change": request.user.can_change_cases,
            "today": today,
            "history": referral.history.select_related("history_user").order_by("history_date"),
        },
    )


def _decide(referral, data, actor):
    decided_at = _when(data.get("decided_on"), time(12, 0)) if data.get("decided_on") else None
    return services.referral_decide(
        referral_id=referral.pk,
        outcome=data["outcome"],
        reason=data.get("reason", ""),
        decided_at=decided_at,
        notes=data.get("notes", ""),
        actor=actor,
    )


ACTIONS = {
    "acknowledge": (
        "Record that the agency acknowledged the referral",
        forms.NoteForm,
        lambda r, d, a: services.referral_acknowledge(referral_id=r.pk, actor=a),
        "Acknowledgement recorded",
    ),
    "decision": ("Record the agency's decision", forms.DecisionForm, _decide, "Decision recorded"),
    "close": (
        "Close with no response",
        forms.NoteForm,
        lambda r, d, a: services.referral_close_no_response(
            referral_id=r.pk, notes=d.get("notes", ""), actor=a
        ),
        "Referral closed with no response",
    ),
    "outcome": (
        "Record the outcome",
        forms.OutcomeForm,
        lambda r, d, a: services.referral_record_outcome(
            referral_id=r.pk, outcome=d["outcome"], actor=a
        ),
        "Outcome recorded",
    ),
    "escalate": (
        "Escalate the referral",
        forms.EscalationForm,
        lambda r, d, a: services.escalation_raise(referral_id=r.pk, reason=d["reason"], actor=a),
        "Referral escalated",
    ),
}


@require_http_methods(["GET", "POST"])
@requires(Capability.CHANGE_CASES)
def referral_action(request, crn, referral_id, action):
    if action not in ACTIONS:
        raise Http404
    heading, form_class, run, done = ACTIONS[action]
    person = person_get_for(user=request.user, crn=crn, channel=Channel.WEB, for_change=True)
    referral = _referral_of(request, person, referral_id)
    form = form_class(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            run(referral, form.cleaned_data, request.user)
        except (ValidationError, DomainError) as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, done)
            return redirect("referrals:detail", crn=person.crn, referral_id=referral.pk)
    return render(
        request,
        "referrals/action.html",
        {"person": person, "referral": referral, "form": form, "heading": heading},
    )


@require_http_methods(["GET", "POST"])
@requires(Capability.RESOLVE_ESCALATIONS)
def escalation_resolve(request, crn, referral_id, escalation_id):
    person = person_get_for(user=request.user, crn=crn, channel=Channel.WEB)
    referral = _referral_of(request, person, referral_id)
    escalation = selectors.escalation_get_for(
        user=request.user, escalation_id=escalation_id, channel=Channel.WEB
    )
    if escalation.referral_id != referral.pk:
        raise Http404
    form = forms.ResolveForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.escalation_resolve(
                escalation_id=escalation.pk, actor=request.user, **form.cleaned_data
            )
        except (ValidationError, DomainError) as exc:
            add_service_errors(form, exc)
        else:
            holder = escalation_ladder()[escalation.level]["label"]
            messages.success(request, f"Escalation to {holder} resolved")
            return redirect("referrals:detail", crn=person.crn, referral_id=referral.pk)
    return render(
        request,
        "referrals/action.html",
        {
            "person": person,
            "referral": referral,
            "form": form,
            "heading": f"Resolve the level {escalation.level} escalation",
        },
    )


# ---- monitoring (recommendation 2) --------------------------------------------------------

GROUPINGS = [
    ("kind", "By kind of referral"),
    ("local_authority", "By local authority"),
    ("agency", "By agency"),
    ("sex", "By sex"),
    ("age_band", "By age band"),
    ("ethnicity", "By ethnicity"),
]


def _monitoring_data(request):
    if not insights.may_monitor(request.user):
        raise Http404
    scope_regions = Region.objects.order_by("name")
    pdus = PDU.objects.select_related("region").order_by("name")
    las = LocalAuthority.objects.order_by("name")
    user = request.user
    if user.role == "head_of_pdu":
        scope_regions = scope_regions.filter(pdus=user.pdu_id)
        pdus = pdus.filter(pk=user.pdu_id)
        las = las.filter(pdu_id=user.pdu_id)
    elif user.role == "regional_lead":
        scope_regions = scope_regions.filter(pk=user.region_id)
        pdus = pdus.filter(region_id=user.region_id)
        las = las.filter(region_id=user.region_id)
    form = forms.MonitoringFilterForm(
        request.GET or None, regions=scope_regions, pdus=pdus, local_authorities=las
    )
    filters = {}
    if form.is_valid():
        data = form.cleaned_data
        filters = {
            "date_from": data["date_from"],
            "date_to": data["date_to"],
            "kind": data["kind"] or None,
            "region_id": data["region"],
            "pdu_id": data["pdu"],
            "local_authority_id": data["local_authority"],
        }
    today = timezone.localdate()
    date_from = filters.pop("date_from", None)
    date_to = filters.pop("date_to", None)
    if date_from is None and date_to is None:
        date_from = years_before(today, 1)
    kind = filters.pop("kind", None)
    qs = insights.filtered_referrals(
        user=user, date_from=date_from, date_to=date_to, kind=kind, **filters
    )
    tables, reasons = insights.publishable(
        *insights.figures(qs, [key for key, _ in GROUPINGS], today)
    )
    return {
        "form": form,
        "date_from": date_from,
        "date_to": date_to,
        "tables": tables,
        "rejection_reasons": reasons,
        "escalations": insights.publishable_escalations(insights.escalation_figures(qs)),
    }


GROUP_HEADERS = [
    "Group",
    "Referrals",
    "Accepted",
    "Rejected",
    "Awaiting",
    "Acceptance rate",
    "Median working days to decision",
    "90th percentile working days",
    "Past target",
]


def _shown(value):
    return SUPPRESSED if value is None else value


def _group_rows(rows):
    return [
        [r["label"]] + [SUPPRESSED] * 4 + [None, None, None, SUPPRESSED]
        if r["suppressed"]
        else [
            r["label"],
            r["referrals"],
            r["accepted"],
            r["rejected"],
            r["awaiting"],
            r["acceptance_rate"],
            r["median_working_days"],
            r["p90_working_days"],
            r["past_target"],
        ]
        for r in rows
    ]


@require_http_methods(["GET"])
@requires(Capability.SEE_REFERRAL_MONITORING)
def monitoring(request):
    data = _monitoring_data(request)
    sections = []
    for key, title in GROUPINGS:
        rows = data["tables"][key]
        top = [r for r in rows if not r["suppressed"]][:15]
        sections.append(
            {
                "key": key,
                "title": title,
                "rows": rows,
                "chart": bar_chart(
                    [r["label"] for r in top],
                    [round((r["acceptance_rate"] or 0) * 100, 1) for r in top],
                    title=f"Acceptance rate {title.lower()}",
                    unit="Accepted (%)",
                )
                if top
                else "",
            }
        )
    reasons = [r for r in data["rejection_reasons"] if not r["suppressed"]]
    access_log_record(
        actor=request.user,
        action=Action.LIST_PEOPLE,
        channel=Channel.WEB,
        detail="referral monitoring",
    )
    query = request.GET.urlencode()
    return render(
        request,
        "referrals/monitoring.html",
        {
            **data,
            "sections": sections,
            "reasons_chart": bar_chart(
                [r["label"] for r in reasons],
                [r["count"] for r in reasons],
                title="Rejection reasons",
                unit="Referrals",
            ),
            "query": query,
            "kinds": ReferralKind,
        },
    )


@require_http_methods(["GET"])
@requires(Capability.SEE_REFERRAL_MONITORING)
def monitoring_export(request, fmt):
    if fmt not in ("csv", "xlsx"):
        raise Http404
    data = _monitoring_data(request)
    tables = [(title, GROUP_HEADERS, _group_rows(data["tables"][key])) for key, title in GROUPINGS]
    tables.append(
        (
            "Rejection reasons",
            ["Reason", "Referrals"],
            [[r["label"], _shown(r["count"])] for r in data["rejection_reasons"]],
        )
    )
    tables.append(
        (
            "Escalations",
            [
                "Level",
                "Raised",
                "Open",
                "Decision changed",
                "Alternative agreed",
                "Upheld",
                "Withdrawn",
            ],
            [
                [
                    e["level"],
                    *(
                        _shown(e[k])
                        for k in (
                            "raised",
                            "open",
                            "decision_changed",
                            "alternative_agreed",
                            "decision_upheld",
                            "withdrawn",
                        )
                    ),
                ]
                for e in data["escalations"]
            ],
        )
    )
    access_log_record(
        actor=request.user,
        action=Action.LIST_PEOPLE,
        channel=Channel.WEB,
        detail=f"referral monitoring export {fmt}",
    )
    name = f"referral-monitoring-{data['date_from'] or 'start'}-{data['date_to'] or 'today'}"
    if fmt == "csv":
        return csv_response(tables, name)
    return xlsx_response(tables, name)
