"""Feedback pages for staff: the figures and free text, loading files, paper forms, office
tablets, sending a person a link, and "you said, we did" (with its public page and poster)."""

from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from safeguard.core.audit import Action, Channel, access_log_record
from safeguard.core.capabilities import Capability, has_capability, public, requires
from safeguard.core.forms import posted, submit_form
from safeguard.core.models import Region, Role
from safeguard.feedback import analysis, forms, selectors, services, surveys
from safeguard.feedback.audit import FeedbackEvent
from safeguard.feedback.models import ActionStatus
from safeguard.people.selectors import person_get_for


def _survey():
    return surveys.current(services.DEFAULT_SURVEY)


def _log(request, detail, event=""):
    access_log_record(
        actor=request.user,
        action=Action.LIST_PEOPLE,
        channel=Channel.WEB,
        detail=detail,
        event=event,
    )


def _filtered(request):
    user = request.user
    pdus = list(selectors.pdus_in_scope(user).order_by("name"))
    form = forms.FeedbackFilterForm(request.GET or None, pdus=pdus)
    filters = {"date_from": None, "date_to": None, "pdu_code": "", "group_by": ""}
    if form.is_bound and form.is_valid():
        filters.update(
            date_from=form.cleaned_data["date_from"],
            date_to=form.cleaned_data["date_to"],
            pdu_code=form.cleaned_data["pdu"],
            group_by=form.cleaned_data["group_by"],
        )
    responses = analysis.responses_for(
        user,
        survey=services.DEFAULT_SURVEY,
        date_from=filters["date_from"],
        date_to=filters["date_to"],
        pdu_code=filters["pdu_code"],
    )
    return form, filters, responses


def _labelled(rows, survey):
    shorts = {q.id: q.short for q in survey.pages}
    labels = {o.value: o.label for o in survey.choice_questions[0].options}
    return [
        {
            **row,
            "question_label": shorts.get(row["question"], row["question"]),
            "answer_label": labels.get(row["answer"], row["answer"]),
        }
        for row in rows
    ]


@require_http_methods(["GET"])
@requires(Capability.SEE_FEEDBACK)
def analysis_page(request):
    survey = _survey()
    form, filters, responses = _filtered(request)
    total = responses.count()
    group = filters["group_by"]
    context = {
        "survey": survey,
        "form": form,
        "total": analysis.suppress_one(total),
        "rows": _labelled(analysis.overall(responses, survey), survey),
        "group": analysis.GROUPS[group][0] if group else "",
        "breakdown": _labelled(analysis.breakdown(responses, survey, group), survey)
        if group
        else [],
        "trends": analysis.trends(responses, survey),
        "offices": analysis.office_safety(
            request.user, responses, date_from=filters["date_from"], date_to=filters["date_to"]
        ),
        "query": request.GET.urlencode(),
        "can_import": has_capability(request.user, Capability.IMPORT_FEEDBACK),
        "can_enter": has_capability(request.user, Capability.ENTER_FEEDBACK),
        "can_record_actions": has_capability(request.user, Capability.RECORD_YOU_SAID_WE_DID),
        "contact_requests": services.contact_requests_for(request.user)
        .filter(contacted_at__isnull=True)
        .count(),
    }
    _log(request, "feedback figures", FeedbackEvent.ANALYSIS_VIEWED)
    return render(request, "feedback/analysis.html", context)


@require_http_methods(["GET"])
@requires(Capability.SEE_FEEDBACK)
def figures_export(request):
    """The figures page's tables as CSV, with the same small-number rule."""
    from safeguard.insights import exports

    survey = _survey()
    form, filters, responses = _filtered(request)
    header = ["Question", "Answer", "Count", "Answered", "Per cent", "95% low", "95% high"]

    def body(rows, grouped=False):
        return [
            ([r["group"]] if grouped else [])
            + [
                r["question_label"],
                r["answer_label"],
                r["count"],
                r["n"],
                r["percent"],
                r["ci_low"],
                r["ci_high"],
            ]
            for r in rows
        ]

    tables = [("All", header, body(_labelled(analysis.overall(responses, survey), survey)))]
    for key, (title, _) in analysis.GROUPS.items():
        rows = _labelled(analysis.breakdown(responses, survey, key), survey)
        tables.append((title, [title.removeprefix("By ").capitalize(), *header], body(rows, True)))
    _log(request, "feedback figures exported", FeedbackEvent.ANALYSIS_VIEWED)
    return exports.csv_response(tables, "feedback-figures")


@require_http_methods(["GET"])
@requires(Capability.SEE_FEEDBACK)
def free_text_page(request):
    survey = _survey()
    form, _, responses = _filtered(request)
    texts = analysis.free_text(responses, survey)
    _log(request, "feedback free text", FeedbackEvent.COMMENTS_VIEWED)
    return render(
        request,
        "feedback/free_text.html",
        {"survey": survey, "form": form, "texts": texts, "minimum": analysis.FREE_TEXT_MINIMUM},
    )


@require_http_methods(["GET", "POST"])
@requires(Capability.IMPORT_FEEDBACK)
def import_page(request):
    survey = _survey()
    form = forms.FeedbackImportForm(
        posted(request), request.FILES if request.method == "POST" else None
    )
    report, errors = None, []
    if request.method == "POST" and form.is_valid():
        rows, errors = services.parse_feedback_csv(form.cleaned_data["file"].read(), survey)
        report = services.feedback_responses_import(
            survey=survey.code, rows=rows, actor=request.user
        )
        errors = sorted([*errors, *report.errors], key=lambda e: (e.row, e.field))
    return render(
        request,
        "feedback/import.html",
        {
            "form": form,
            "report": report,
            "errors": errors,
            "survey": survey,
            "columns": services.ROW_COLUMNS,
        },
    )


@require_http_methods(["GET", "POST"])
@requires(Capability.ENTER_FEEDBACK)
def paper_page(request):
    survey = _survey()
    user = request.user
    form = forms.PaperForm(
        posted(request),
        survey=survey,
        pdus=selectors.pdus_in_scope(user).order_by("name"),
        offices=selectors.offices_in_scope(user).order_by("name"),
    )
    response = submit_form(
        request,
        form,
        lambda data: services.feedback_paper_enter(
            answers={q.id: data.get(q.id, "") for q in survey.questions},
            pdu_code=data["pdu"],
            office_code=data.get("office", ""),
            answered_on=data["answered_on"],
            sex=data.get("sex", ""),
            age_band=data.get("age_band", ""),
            actor=user,
        ),
        success="The paper form is entered. Enter the next one below.",
        next_url=reverse("feedback:paper"),
    )
    if response:
        return response
    return render(request, "feedback/paper.html", {"form": form, "survey": survey})


@require_http_methods(["GET", "POST"])
@requires(Capability.SET_UP_FEEDBACK_TABLETS)
def tablets_page(request):
    user = request.user
    offices = list(selectors.offices_in_scope(user).order_by("name"))
    form = forms.TabletForm(posted(request), offices=offices)
    new = None
    if request.method == "POST" and form.is_valid():
        from django.core.exceptions import ValidationError

        from safeguard.core.forms import add_service_errors

        try:
            new = services.feedback_tablet_set_up(office_id=form.cleaned_data["office"], actor=user)
        except ValidationError as exc:
            add_service_errors(form, exc)
    tablets = list(
        selectors.tablets_in_scope(user).filter(active=True).order_by("-created_at")[:200]
    )
    return render(
        request,
        "feedback/tablets.html",
        {
            "form": form,
            "tablets": tablets,
            "new": new,
            "new_url": request.build_absolute_uri(
                reverse("feedback_public:tablet", kwargs={"token": new.token})
            )
            if new
            else "",
            "now": timezone.now(),
        },
    )


@require_http_methods(["POST"])
@requires(Capability.SET_UP_FEEDBACK_TABLETS)
def tablet_stop(request, tablet_id):
    from django.contrib import messages
    from django.shortcuts import redirect

    services.feedback_tablet_stop(tablet_id=tablet_id, actor=request.user)
    messages.success(request, "The tablet is stopped: its address no longer opens the survey")
    return redirect("feedback:tablets")


@require_http_methods(["GET", "POST"])
@requires(Capability.CHANGE_CASES)
def send_link(request, crn):
    person = person_get_for(user=request.user, crn=crn, channel=Channel.WEB)
    offices = list(selectors.offices_in_scope(request.user).filter(pdu_id=person.pdu_id))
    form = forms.FeedbackLinkForm(posted(request), offices=offices)
    response = submit_form(
        request,
        form,
        lambda data: services.feedback_link_send(
            person_id=person.pk,
            channel=data["channel"],
            office_id=data.get("office"),
            actor=request.user,
        ),
        success="The feedback survey link is queued to be sent",
        next_url=reverse("people:detail", kwargs={"crn": person.crn}),
    )
    if response:
        return response
    return render(request, "feedback/send_link.html", {"person": person, "form": form})


@require_http_methods(["GET"])
@requires(Capability.SEE_FEEDBACK)
def contact_requests_page(request):
    """People who asked to be contacted about their answers, among those one may see."""
    requests = list(services.contact_requests_for(request.user)[:200])
    survey = _survey()
    texts = {}
    if requests:
        from safeguard.feedback.models import FeedbackAnswer, FeedbackComment

        ids = [r.pk for r in requests]
        shorts = {q.id: q.short for q in survey.pages}
        labels = {o.value: o.label for o in survey.answer_options}
        for response_id, question, answer in FeedbackAnswer.objects.filter(
            response_id__in=ids
        ).values_list("response_id", "question", "answer"):
            texts.setdefault(response_id, []).append(
                (shorts.get(question, question), labels.get(answer, answer))
            )
        for response_id, question, text in FeedbackComment.objects.filter(
            response_id__in=ids
        ).values_list("response_id", "question", "text"):
            texts.setdefault(response_id, []).append((shorts.get(question, question), text))
    for r in requests:
        r.given = texts.get(r.pk, [])
    _log(request, "feedback contact requests")
    return render(
        request,
        "feedback/contact_requests.html",
        {"requests": requests, "can_record": request.user.can_change_cases},
    )


@require_http_methods(["POST"])
@requires(Capability.CHANGE_CASES)
def contact_record(request, response_id):
    from django.contrib import messages
    from django.core.exceptions import ValidationError
    from django.shortcuts import redirect

    from safeguard.core.errors import DomainError

    try:
        services.feedback_contact_record(
            response_id=response_id, note=request.POST.get("note", ""), actor=request.user
        )
    except (ValidationError, DomainError) as exc:
        if getattr(exc, "status", 0) == 403:
            raise
        messages.error(request, "; ".join(getattr(exc, "messages", [str(exc)])))
    else:
        messages.success(request, "Recorded that you got in touch")
    return redirect("feedback:contact_requests")


# ---- "you said, we did" ------------------------------------------------------------------


def _areas(user):
    """The PDUs and regions a lead may record actions for, as (value, label) choices."""
    pdus = selectors.pdus_in_scope(user).select_related("region").order_by("name")
    areas = []
    if selectors.sees_everywhere(user):
        areas += [
            (f"region:{r.code}", f"{r.name} (whole region)")
            for r in Region.objects.order_by("name")
        ]
    elif user.role == Role.REGIONAL_LEAD and user.region_id:
        region = Region.objects.get(pk=user.region_id)
        areas.append((f"region:{region.code}", f"{region.name} (whole region)"))
    areas += [(f"pdu:{p.code}", p.name) for p in pdus]
    return areas


def _area_kwargs(area: str) -> dict:
    kind, _, code = (area or "").partition(":")
    return (
        {"pdu_code": code} if kind == "pdu" else {"region_code": code} if kind == "region" else {}
    )


def _action_data(data):
    return {k: data.get(k) for k in ("theme", "you_said", "we_did", "due_on", "status")}


@require_http_methods(["GET", "POST"])
@requires(Capability.RECORD_YOU_SAID_WE_DID)
def actions_page(request):
    user = request.user
    survey = _survey()
    form = forms.ActionForm(
        posted(request), survey=survey, areas=_areas(user), initial={"status": ActionStatus.PLANNED}
    )
    response = submit_form(
        request,
        form,
        lambda data: services.you_said_we_did_record(
            data=_action_data(data), actor=user, **_area_kwargs(data["area"])
        ),
        success="The action is recorded and published",
        next_url=reverse("feedback:actions"),
    )
    if response:
        return response
    actions = _with_labels(selectors.actions_in_scope(user).select_related("pdu", "region")[:500])
    return render(
        request,
        "feedback/actions.html",
        {"form": form, "actions": actions, "themes": {q.id: q.short for q in survey.questions}},
    )


@require_http_methods(["GET", "POST"])
@requires(Capability.RECORD_YOU_SAID_WE_DID)
def action_edit(request, yswd_id):
    user = request.user
    survey = _survey()
    action = (
        selectors.actions_in_scope(user).select_related("pdu", "region").filter(pk=yswd_id).first()
    )
    if action is None:
        raise Http404
    area = f"pdu:{action.pdu.code}" if action.pdu else f"region:{action.region.code}"
    form = forms.ActionForm(
        posted(request),
        survey=survey,
        areas=[(area, str(action.pdu or action.region))],
        initial={
            "area": area,
            "theme": action.theme,
            "you_said": action.you_said,
            "we_did": action.we_did,
            "due_on": action.due_on,
            "status": action.status,
        },
    )
    version = request.POST.get("version", "") if request.method == "POST" else action.version
    response = submit_form(
        request,
        form,
        lambda data: services.you_said_we_did_update(
            action_id=action.pk,
            data=_action_data(data),
            version=int(version) if str(version).isdigit() else -1,
            actor=user,
        ),
        success="The action is updated",
        next_url=reverse("feedback:actions"),
    )
    if response:
        return response
    return render(
        request,
        "feedback/action_edit.html",
        {"form": form, "action": action, "version": action.version},
    )


def _with_labels(actions):
    themes = {q.id: q.short for q in _survey().questions}
    actions = list(actions)
    for action in actions:
        action.theme_label = themes.get(action.theme, action.theme)
    return actions


def _published(request):
    code = (request.GET.get("pdu") or "").strip().upper()[:8]
    actions, pdu = services.published_actions(pdu_code=code)
    survey = _survey()
    return {
        "actions": _with_labels(actions[:200]),
        "pdu": pdu,
        "unknown_pdu": bool(code) and pdu is None,
        "themes": {q.id: q.short for q in survey.questions},
        "statuses": dict(ActionStatus.choices),
    }


@require_http_methods(["GET"])
@public
def you_said_we_did_public(request):
    return render(request, "feedback/public/you_said_we_did.html", _published(request))


@require_http_methods(["GET"])
@public
def you_said_we_did_poster(request):
    return render(request, "feedback/public/poster.html", _published(request))
