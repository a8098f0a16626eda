from datetime import time

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from safeguard.core.audit import Action, Channel, access_log_record
from safeguard.core.bounds import years_before
from safeguard.core.capabilities import Capability, requires
from safeguard.core.errors import DomainError
from safeguard.core.forms import add_service_errors
from safeguard.core.models import PDU, LocalAuthority, Region
from safeguard.core.pdf import pdf_response
from safeguard.insights.charts import bar_chart
from safeguard.insights.exports import csv_response, xlsx_response
from safeguard.insights.suppression import SUPPRESSED
from safeguard.people.selectors import person_get_for
from safeguard.referrals import forms, insights, selectors, services
from safeguard.referrals.audit import ReferralEvent
from safeguard.referrals.catalogue import escalation_ladder
from safeguard.referrals.forms import _when
from safeguard.referrals.models import AWAITING_DECISION, ReferralKind, ReferralStatus

# ---- a person's referrals -----------------------------------------------------------------


def _referral_of(request, person, referral_id):
    referral = selectors.referral_get_for(
        user=request.user, referral_id=referral_id, channel=Channel.WEB
    )
    if referral.person_id != person.pk:
        raise Http404
    return referral


def _kind_or_404(kind: str) -> ReferralKind:
    if kind not in ReferralKind.values:
        raise Http404
    return ReferralKind(kind)


WALES_DUTY_TO_REFER = (
    "The duty to refer applies only to cases supervised in England: this case is supervised "
    "in Wales"
)


@require_http_methods(["GET", "POST"])
@requires(Capability.CHANGE_CASES)
def referral_new(request, crn):
    """Page 1: the kind of referral (radios). ``?kind=`` links from the screen's outcome and
    the release plan open the kind's questions straight away."""
    person = person_get_for(user=request.user, crn=crn, channel=Channel.WEB, for_change=True)
    if request.method == "POST":
        form = forms.KindForm(request.POST)
    else:
        form = forms.KindForm(request.GET if "kind" in request.GET else None)
    if form.is_bound and form.is_valid():
        kind = form.cleaned_data["kind"]
        if kind == ReferralKind.HOUSING_DUTY_TO_REFER and services.supervised_in_wales(person):
            form.add_error("kind", WALES_DUTY_TO_REFER)
        else:
            return redirect("referrals:new_kind", crn=person.crn, kind=kind)
    return render(
        request,
        "referrals/new_kind.html",
        {"person": person, "form": form, "hints": forms.KIND_HINTS},
    )


def _answers_key(person, kind, draft=None) -> str:
    if draft is not None:
        return f"referral-draft-answers:{draft.pk}"
    return f"referral-answers:{person.pk}:{kind}"


def _stored_answers(request, key) -> QueryDict | None:
    stored = request.session.get(key)
    if not isinstance(stored, dict):
        return None
    data = QueryDict(mutable=True)
    for name, values in stored.items():
        data.setlist(name, [str(v) for v in values])
    return data


def _referral_form(person, kind, data=None, draft=None):
    s42 = selectors.s42_prefill(person=person) if kind == ReferralKind.ASC_S42 else {}
    housing = []
    agency_choices = []
    if kind == ReferralKind.HOUSING_DUTY_TO_REFER:
        housing = [(la.pk, la.name) for la in selectors.english_housing_authorities()]
    else:
        agency_choices = [
            (a.pk, a.name) for a in selectors.referral_agencies(person=person, kind=kind)
        ]
        if draft is not None and draft.agency_id not in {pk for pk, _ in agency_choices}:
            agency_choices.append((draft.agency_id, draft.agency.name))
    initial = s42.get("initial", {})
    if draft is not None:
        initial = forms.ReferralForm.initial_from(draft, initial)
    return forms.ReferralForm(
        data,
        person=person,
        kind=kind,
        agency_choices=agency_choices,
        housing_choices=housing,
        s42=s42,
        initial=initial,
    )


def _saved(request, person, referral):
    if referral.status == ReferralStatus.DRAFT:
        text = f"Referral to {referral.agency.name} saved as a draft. It has not been sent"
    else:
        text = (
            f"Referral to {referral.agency.name} saved: ready to send. Nothing has been sent "
            "yet. Send it to the agency, then record how and when you sent it"
        )
    messages.success(request, text)
    return redirect("referrals:detail", crn=person.crn, referral_id=referral.pk)


def _urls(person, kind, draft):
    """Where the questions and check your answers are: a new referral's, or a draft's."""
    if draft is None:
        return {
            "questions": reverse("referrals:new_kind", args=[person.crn, kind]),
            "check": reverse("referrals:check", args=[person.crn, kind]),
            "back": reverse("referrals:new", args=[person.crn]),
            "back_label": "Back to the kind of referral",
        }
    return {
        "questions": reverse("referrals:draft_edit", args=[person.crn, draft.pk]),
        "check": reverse("referrals:draft_check", args=[person.crn, draft.pk]),
        "back": reverse("referrals:detail", args=[person.crn, draft.pk]),
        "back_label": "Back to the referral",
    }


def _save_answers(request, person, kind, form, *, draft=None, ready_to_send=False):
    """Save the form's answers: a new referral, or the draft's new version."""
    kwargs = form.service_kwargs()
    if draft is None:
        return services.referral_create(
            person_id=person.pk,
            actor=request.user,
            send=False,
            ready_to_send=ready_to_send,
            **kwargs,
        )
    return services.referral_draft_change(
        referral_id=draft.pk,
        version=form.data.get("version"),
        actor=request.user,
        ready_to_send=ready_to_send,
        **kwargs,
    )


def _questions(request, person, kind, draft=None):
    """The kind's questions. "Continue" checks the answers and goes to check your answers;
    "Save as a draft" saves them as they are."""
    key = _answers_key(person, kind, draft)
    data = request.POST if request.method == "POST" else _stored_answers(request, key)
    form = _referral_form(person, kind, data, draft)
    urls = _urls(person, kind, draft)
    if request.method == "POST" and form.is_valid():
        draft_only = request.POST.get("action") == "draft"
        try:
            if draft_only:
                referral = _save_answers(request, person, kind, form, draft=draft)
            else:
                services.referral_check(person=person, actor=request.user, **form.service_kwargs())
        except ValidationError as exc:
            add_service_errors(form, _form_field_names(exc))
        except DomainError as exc:
            add_service_errors(form, exc)
        else:
            if draft_only:
                request.session.pop(key, None)
                return _saved(request, person, referral)
            request.session[key] = {
                name: request.POST.getlist(name)
                for name in request.POST
                if name not in ("csrfmiddlewaretoken", "action")
            }
            return redirect(urls["check"])
    return render(
        request,
        "referrals/new.html",
        {
            "person": person,
            "form": form,
            "kind": kind,
            "s42_prefill": form.s42,
            "draft": draft,
            "urls": urls,
        },
    )


def _check(request, person, kind, draft=None):
    """Check your answers; confirming saves the referral as ready to send (nothing is sent)."""
    key = _answers_key(person, kind, draft)
    data = _stored_answers(request, key)
    urls = _urls(person, kind, draft)
    if data is None:
        return redirect(urls["questions"])
    form = _referral_form(person, kind, data, draft)
    if not form.is_valid():
        return redirect(urls["questions"])
    context = {"person": person, "form": form, "kind": kind, "draft": draft, "urls": urls}
    if request.method == "POST":
        try:
            referral = _save_answers(request, person, kind, form, draft=draft, ready_to_send=True)
        except ValidationError as exc:
            add_service_errors(form, _form_field_names(exc))
        except DomainError as exc:
            add_service_errors(form, exc)
        else:
            request.session.pop(key, None)
            return _saved(request, person, referral)
        return render(request, "referrals/new.html", {**context, "s42_prefill": form.s42})
    return render(request, "referrals/check.html", {**context, "rows": form.summary_rows()})


@require_http_methods(["GET", "POST"])
@requires(Capability.CHANGE_CASES)
def referral_new_kind(request, crn, kind):
    """Page 2 of a new referral: only this kind's questions."""
    kind = _kind_or_404(kind)
    person = person_get_for(user=request.user, crn=crn, channel=Channel.WEB, for_change=True)
    if kind == ReferralKind.HOUSING_DUTY_TO_REFER and services.supervised_in_wales(person):
        return redirect(f"{reverse('referrals:new', args=[person.crn])}?kind={kind}")
    return _questions(request, person, kind)


@require_http_methods(["GET", "POST"])
@requires(Capability.CHANGE_CASES)
def referral_check(request, crn, kind):
    kind = _kind_or_404(kind)
    person = person_get_for(user=request.user, crn=crn, channel=Channel.WEB, for_change=True)
    return _check(request, person, kind)


def _draft_step(request, crn, referral_id, step):
    """``step`` (the questions or check your answers) for a draft; a referral that is no
    longer a draft goes back to its page."""
    person = person_get_for(user=request.user, crn=crn, channel=Channel.WEB, for_change=True)
    draft = _referral_of(request, person, referral_id)
    if draft.status != ReferralStatus.DRAFT:
        messages.info(request, "Only a draft can be changed: this referral is no longer a draft")
        return redirect("referrals:detail", crn=person.crn, referral_id=draft.pk)
    return step(request, person, ReferralKind(draft.kind), draft)


@require_http_methods(["GET", "POST"])
@requires(Capability.CHANGE_CASES)
def referral_draft_edit(request, crn, referral_id):
    """A draft's questions, with its answers: save it again as a draft, or continue."""
    return _draft_step(request, crn, referral_id, _questions)


@require_http_methods(["GET", "POST"])
@requires(Capability.CHANGE_CASES)
def referral_draft_check(request, crn, referral_id):
    return _draft_step(request, crn, referral_id, _check)


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


@require_http_methods(["GET"])
@requires(Capability.READ_CASES)
def referral_pdf(request, crn, referral_id):
    """The referral as a PDF, to attach to the agency's portal or a secure email: the same
    record as the page, checked the same way (404 for a case the user may not see), its
    download audited. The filename names the kind of referral and the day, never the person."""
    person = person_get_for(user=request.user, crn=crn, channel=Channel.WEB)
    referral = _referral_of(request, person, referral_id)
    access_log_record(
        actor=request.user,
        action=Action.VIEW_PERSON,
        channel=Channel.WEB,
        person=person,
        event=ReferralEvent.PDF_DOWNLOADED,
        detail=f"referral {referral.pk}: downloaded as a PDF",
    )
    today = timezone.localdate()
    return pdf_response(
        request,
        template_name="referrals/referral_pdf.html",
        context={"person": person, "referral": referral, "today": today, "awaiting": False},
        filename=f"referral-{referral.kind.replace('_', '-')}-{today:%Y-%m-%d}.pdf",
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


def _sent_at(day, at):
    """When a referral was sent: the day and time given; a day with no time is noon, or now
    for today (a time not yet reached is refused by the service)."""
    if at is None and day == timezone.localdate():
        return timezone.now()
    return _when(day, at or time(12, 0))


def _record_sending(referral, data, actor):
    return services.referral_send(
        referral_id=referral.pk,
        method=data["method"],
        sent_at=_sent_at(data["sent_on"], data.get("sent_time")),
        actor=actor,
    )


ACTIONS = {
    "send": (
        "Record how and when you sent the referral",
        forms.SendForm,
        _record_sending,
        "Referral recorded as sent: the agency's response time runs from when you sent it",
    ),
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
