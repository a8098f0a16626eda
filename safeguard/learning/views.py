from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.views.decorators.http import require_http_methods

from safeguard.core.audit import Action, Channel, access_log_record
from safeguard.core.capabilities import Capability, has_capability, requires
from safeguard.core.errors import DomainError
from safeguard.core.forms import add_service_errors, posted, submit_form
from safeguard.core.models import NATIONAL_ROLES, PDU, Region, Role
from safeguard.core.pdf import pdf_response
from safeguard.insights.charts import bar_chart
from safeguard.insights.exports import csv_response, xlsx_response
from safeguard.learning import forms, insights, selectors, services
from safeguard.learning.models import (
    ALLOWED_TRANSITIONS,
    ActionStatus,
    DeathNotification,
    ReviewStatus,
)
from safeguard.people.selectors import person_get_for

# ---- death notification -------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@requires(Capability.CHANGE_CASES)
def death_notification_new(request, crn):
    person = person_get_for(user=request.user, crn=crn, channel=Channel.WEB)
    if not request.user.can_change_cases:
        raise PermissionDenied
    existing = DeathNotification.objects.filter(person=person).select_related("review").first()
    if existing is not None:
        messages.success(request, "A death is already recorded for this person")
        return redirect("learning:review", review_id=existing.review.pk)
    form = forms.DeathNotificationForm(posted(request), person=person)
    if request.method == "POST" and form.is_valid():
        try:
            notification = services.death_notification_record(
                person_id=person.pk, actor=request.user, **form.cleaned_data
            )
        except services.AlreadyRecorded:
            form.add_error(None, "A death is already recorded for this person")
        except (ValidationError, DomainError) as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                "Death recorded. The case has been kept as it stood, and open work, reminders "
                "and check-ins have been closed.",
            )
            return redirect("learning:review", review_id=notification.review.pk)
    return render(request, "learning/death_new.html", {"person": person, "form": form})


# ---- reviews --------------------------------------------------------------------------------


def _regions_for(user):
    regions = Region.objects.order_by("name")
    if user.role in NATIONAL_ROLES:
        return regions
    if user.role == Role.REGIONAL_LEAD:
        return regions.filter(pk=user.region_id)
    if user.role == Role.HEAD_OF_PDU:
        return regions.filter(pdus=user.pdu_id)
    return regions.filter(pdus__teams__members=user).distinct()


@require_http_methods(["GET"])
@requires(Capability.READ_CASES)
def review_list(request):
    regions = list(_regions_for(request.user))
    form = forms.ReviewFilterForm(request.GET or None, regions=regions)
    status = region_id = None
    if form.is_valid():
        status = form.cleaned_data["status"] or None
        region_id = form.cleaned_data["region"]
    reviews = selectors.review_list(user=request.user, region_id=region_id, status=status)
    page = Paginator(reviews, 50).get_page(request.GET.get("page"))
    access_log_record(
        actor=request.user,
        action=Action.LIST_PEOPLE,
        channel=Channel.WEB,
        detail=f"death reviews page={page.number}",
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "learning/review_list.html",
        {"page": page, "form": form, "page_query": query.urlencode()},
    )


def _audit(request, detail, *, person=None, action=Action.LIST_PEOPLE):
    access_log_record(
        actor=request.user, action=action, channel=Channel.WEB, person=person, detail=detail
    )


def _review(request, review_id):
    """The review, if visible (else a logged 404), and the read written to the access log."""
    review = selectors.review_get_for(user=request.user, review_id=review_id, channel=Channel.WEB)
    _audit(
        request,
        f"death review {review.pk}: {request.resolver_match.url_name} ({request.method})",
        person=review.notification.person,
        action=Action.VIEW_PERSON,
    )
    return review


@require_http_methods(["GET"])
@requires(Capability.READ_CASES)
def review_detail(request, review_id):
    review = _review(request, review_id)
    person = review.notification.person
    detail = selectors.review_detail(review=review)
    user = request.user
    is_reviewer = review.reviewer_id == user.pk
    is_manager = has_capability(user, Capability.QUALITY_ASSURE_REVIEWS) and not is_reviewer
    allowed = ALLOWED_TRANSITIONS[ReviewStatus(review.status)]
    today = timezone.localdate()
    return render(
        request,
        "learning/review_detail.html",
        {
            "review": review,
            "notification": review.notification,
            "person": person,
            "snapshot": review.notification.snapshot.data,
            "detail": detail,
            "is_reviewer": is_reviewer,
            "can_edit": is_reviewer and review.status == ReviewStatus.IN_REVIEW,
            "can_start": review.status == ReviewStatus.NOTIFIED
            and has_capability(user, Capability.REVIEW_DEATHS),
            "can_qa": is_manager and ReviewStatus.QUALITY_ASSURED in allowed,
            "can_send_back": is_manager and review.status == ReviewStatus.QUALITY_ASSURED,
            "can_close": is_manager and ReviewStatus.CLOSED in allowed,
            "can_reclassify": has_capability(user, Capability.QUALITY_ASSURE_REVIEWS)
            or is_reviewer,
            "can_complete_actions": (
                has_capability(user, Capability.QUALITY_ASSURE_REVIEWS) or is_reviewer
            )
            and review.status != ReviewStatus.NOTIFIED,
            "today": today,
            "open_status": ActionStatus.OPEN,
        },
    )


REVIEW_REFUSALS = (ValidationError, services.IllegalTransition, services.StaleEdit)


def _review_errors(form, exc):
    """A review service's refusal, on the form."""
    if isinstance(exc, ValidationError):
        add_service_errors(form, exc)
    elif isinstance(exc, services.StaleEdit):
        form.add_error(
            None,
            "Someone else changed this review while you were editing it. Your changes have "
            "not been saved. Check the review and make your changes again.",
        )
    else:
        form.add_error(None, str(exc))


def _service_call(form, call):
    """Run a service; put its refusal on the form. True when it succeeded."""
    try:
        call()
    except REVIEW_REFUSALS as exc:
        _review_errors(form, exc)
        return False
    return True


def _review_form(request, review, form, action, *, success, title, submit, intro=""):
    """A form on a review (learning/review_form.html) whose service takes the form's data."""
    response = submit_form(
        request,
        form,
        action,
        success=success,
        next_url=reverse("learning:review", kwargs={"review_id": review.pk}),
        add_errors=_review_errors,
        refusals=REVIEW_REFUSALS,
    )
    if response:
        return response
    return render(
        request,
        "learning/review_form.html",
        {
            "review": review,
            "person": review.notification.person,
            "form": form,
            "title": title,
            "intro": intro,
            "submit": submit,
        },
    )


def _require_reviewer_or_manager(request, review):
    if (
        not has_capability(request.user, Capability.QUALITY_ASSURE_REVIEWS)
        and review.reviewer_id != request.user.pk
    ):
        raise PermissionDenied


def _back_to_review(review):
    return redirect(reverse("learning:review", kwargs={"review_id": review.pk}))


@require_http_methods(["GET", "POST"])
@requires(Capability.REVIEW_DEATHS)
def review_start(request, review_id):
    review = _review(request, review_id)
    user = request.user
    if review.status != ReviewStatus.NOTIFIED or not has_capability(user, Capability.REVIEW_DEATHS):
        raise PermissionDenied
    manager = has_capability(user, Capability.QUALITY_ASSURE_REVIEWS)
    reviewers = selectors.eligible_reviewers(review=review) if manager else []
    form = forms.StartReviewForm(posted(request), reviewers=reviewers)
    if not manager:
        form.fields["reviewer"].required = False
    if request.method == "POST" and form.is_valid():
        chosen = form.chosen() if manager else user
        if _service_call(
            form,
            lambda: services.review_transition(
                review_id=review.pk, to=ReviewStatus.IN_REVIEW, reviewer=chosen, actor=user
            ),
        ):
            messages.success(request, f"Review started. Reviewer: {chosen.display_name}")
            return _back_to_review(review)
    return render(
        request,
        "learning/review_start.html",
        {"review": review, "person": review.notification.person, "form": form, "manager": manager},
    )


@require_http_methods(["GET", "POST"])
@requires(Capability.REVIEW_DEATHS)
def review_transition(request, review_id):
    review = _review(request, review_id)
    to = request.POST.get("to") or request.GET.get("to", "")
    titles = {
        ReviewStatus.QUALITY_ASSURED: "Quality-assure the review",
        ReviewStatus.IN_REVIEW: "Send the review back to the reviewer",
        ReviewStatus.CLOSED: "Close the review",
    }
    if to not in titles:
        raise Http404
    if (
        not has_capability(request.user, Capability.QUALITY_ASSURE_REVIEWS)
        or review.reviewer_id == request.user.pk
    ):
        raise PermissionDenied
    form = forms.TransitionForm(posted(request), initial={"to": to})
    if (
        request.method == "POST"
        and form.is_valid()
        and _service_call(
            form,
            lambda: services.review_transition(
                review_id=review.pk,
                to=form.cleaned_data["to"],
                note=form.cleaned_data["note"],
                actor=request.user,
            ),
        )
    ):
        messages.success(request, f"Review {ReviewStatus(to).label.lower()}")
        return _back_to_review(review)
    return render(
        request,
        "learning/review_transition.html",
        {
            "review": review,
            "person": review.notification.person,
            "form": form,
            "to": to,
            "title": titles[to],
        },
    )


@require_http_methods(["GET", "POST"])
@requires(Capability.REVIEW_DEATHS)
def review_findings(request, review_id):
    review = _review(request, review_id)
    if review.reviewer_id != request.user.pk:
        raise PermissionDenied
    form = forms.FindingsForm(
        posted(request),
        initial={
            "version": review.version,
            "summary": review.summary,
            "learning": review.learning,
            "individual_practice": review.individual_practice,
        },
    )
    return _review_form(
        request,
        review,
        form,
        lambda data: services.review_findings_update(
            review_id=review.pk, actor=request.user, **data
        ),
        success="Findings saved",
        title="Findings and learning",
        submit="Save findings",
    )


@require_http_methods(["GET", "POST"])
@requires(Capability.REVIEW_DEATHS)
def review_factor_add(request, review_id):
    review = _review(request, review_id)
    if review.reviewer_id != request.user.pk:
        raise PermissionDenied
    factors = list(selectors.systemic_factors())
    form = forms.FactorForm(
        posted(request), factors=factors, initial={"factor": request.GET.get("factor", "")}
    )
    if (
        request.method == "POST"
        and form.is_valid()
        and _service_call(
            form,
            lambda: services.review_factor_code(
                review_id=review.pk, actor=request.user, **form.cleaned_data
            ),
        )
    ):
        messages.success(request, "Systemic factor coded")
        return _back_to_review(review)
    return render(
        request,
        "learning/review_factor.html",
        {"review": review, "person": review.notification.person, "form": form, "factors": factors},
    )


@require_http_methods(["POST"])
@requires(Capability.REVIEW_DEATHS)
def review_factor_remove(request, review_id, factor_id):
    review = _review(request, review_id)
    try:
        services.review_factor_remove(review_id=review.pk, factor_id=factor_id, actor=request.user)
    except (ValidationError, services.IllegalTransition) as exc:
        raise Http404 from exc
    messages.success(request, "Systemic factor removed")
    return _back_to_review(review)


@require_http_methods(["GET", "POST"])
@requires(Capability.REVIEW_DEATHS)
def review_action_add(request, review_id):
    review = _review(request, review_id)
    if review.reviewer_id != request.user.pk:
        raise PermissionDenied
    form = forms.ActionForm(posted(request), factors=list(selectors.systemic_factors()))
    return _review_form(
        request,
        review,
        form,
        lambda data: services.review_action_add(review_id=review.pk, actor=request.user, **data),
        success="Action added",
        title="Add an action for an agency",
        submit="Add action",
    )


@require_http_methods(["GET", "POST"])
@requires(Capability.REVIEW_DEATHS)
def review_action_done(request, review_id, action_id):
    review = _review(request, review_id)
    _require_reviewer_or_manager(request, review)
    action = review.actions.filter(pk=action_id).first()
    if action is None:
        raise Http404
    form = forms.ActionDoneForm(
        posted(request), initial={"completed_on": timezone.localdate().strftime("%d/%m/%Y")}
    )
    return _review_form(
        request,
        review,
        form,
        lambda data: services.review_action_complete(
            review_id=review.pk,
            action_id=action.pk,
            completed_on=data["completed_on"],
            actor=request.user,
        ),
        success="Action recorded as done",
        title="Record an action as done",
        intro=action.description,
        submit="Save",
    )


@require_http_methods(["GET", "POST"])
@requires(Capability.REVIEW_DEATHS)
def review_reclassify(request, review_id):
    review = _review(request, review_id)
    _require_reviewer_or_manager(request, review)
    form = forms.ReclassifyForm(posted(request))
    return _review_form(
        request,
        review,
        form,
        lambda data: services.death_reclassify(review_id=review.pk, actor=request.user, **data),
        success="Circumstances reclassified",
        title="Reclassify the circumstances",
        intro="Currently recorded: "
        + review.notification.get_circumstances_display()
        + ". The change and its reason are kept in the history.",
        submit="Reclassify",
    )


# ---- the learning page and the board pack --------------------------------------------------


def _require_learning(request):
    if not insights.may_see_learning(request.user):
        raise PermissionDenied


def _learning_data(request):
    user = request.user
    regions = list(_regions_for(user))
    pdus = PDU.objects.filter(region__in=[r.pk for r in regions]).order_by("name")
    if user.role == Role.HEAD_OF_PDU:  # their own PDU only (insights.filtered_deaths)
        pdus = pdus.filter(pk=user.pdu_id)
    form = forms.LearningFilterForm(request.GET or None, regions=regions, pdus=list(pdus))
    today = timezone.localdate()
    date_from, date_to = insights.default_period(today)
    region_id = pdu_id = None
    if form.is_valid():
        region_id = form.cleaned_data["region"]
        pdu_id = form.cleaned_data["pdu"]
        if form.cleaned_data["date_from"] or form.cleaned_data["date_to"]:
            date_from = form.cleaned_data["date_from"]
            date_to = form.cleaned_data["date_to"] or today
    qs = insights.filtered_deaths(
        user=user, region_id=region_id, pdu_id=pdu_id, date_from=date_from, date_to=date_to
    )
    figures = insights.death_figures(qs, date_from=date_from, date_to=date_to, today=today)
    return form, figures


CHARTS = [
    ("by_circumstance", "Deaths by apparent circumstances"),
    ("by_days_since_release", "Deaths by days since release from custody"),
    ("by_accommodation", "Deaths by accommodation at death"),
    ("by_sex", "Deaths by sex"),
    ("by_age_band", "Deaths by age at death"),
    ("by_ethnic_group", "Deaths by ethnic group"),
    ("by_supervision_type", "Deaths by type of supervision"),
    ("by_region", "Deaths by region"),
    ("by_pdu", "Deaths by probation delivery unit"),
]


@require_http_methods(["GET"])
@requires(Capability.SEE_LEARNING_FROM_DEATHS)
def learning_page(request):
    _require_learning(request)
    form, figures = _learning_data(request)
    sections = []
    for key, title in CHARTS:
        rows = figures[key]
        sections.append(
            {
                "key": key,
                "title": title,
                "rows": rows,
                "chart": bar_chart(
                    [r["label"] for r in rows[:15]],
                    [r["count"] for r in rows[:15]],
                    title=title,
                    unit="Deaths",
                )
                if figures["total"]
                else None,
            }
        )
    factors = figures["factors"]
    factor_chart = (
        bar_chart(
            [f"{f['key']} {f['label']}" for f in factors],
            [f["count"] for f in factors],
            title="Systemic factors cited in quality-assured reviews",
            unit="Reviews",
        )
        if figures["reviewed"]
        else None
    )
    access_log_record(
        actor=request.user, action=Action.LIST_PEOPLE, channel=Channel.WEB, detail="learning page"
    )
    return render(
        request,
        "learning/learning.html",
        {
            "form": form,
            "figures": figures,
            "sections": sections,
            "factor_chart": factor_chart,
            "query": request.GET.urlencode(),
        },
    )


@require_http_methods(["GET"])
@requires(Capability.SEE_LEARNING_FROM_DEATHS)
def learning_export(request, fmt):
    if fmt not in ("csv", "xlsx"):
        raise Http404
    _require_learning(request)
    _, figures = _learning_data(request)
    tables = insights.figure_tables(figures, suppress=True)
    access_log_record(
        actor=request.user,
        action=Action.LIST_PEOPLE,
        channel=Channel.WEB,
        detail=f"learning export {fmt}",
    )
    name = f"deaths-under-supervision-{figures['from'] or 'start'}-{figures['to'] or 'today'}"
    return (csv_response if fmt == "csv" else xlsx_response)(tables, name)


def _board_pack_data(request):
    user = request.user
    regions = list(_regions_for(user))
    today = timezone.localdate()
    start, end = insights.default_period(today)
    initial = {"date_from": start.strftime("%d/%m/%Y"), "date_to": end.strftime("%d/%m/%Y")}
    if len(regions) == 1:
        initial["region"] = regions[0].pk
    form = forms.BoardPackForm(request.GET or None, regions=regions, initial=initial)
    if not (request.GET and form.is_valid()):
        return form, None, None
    region = next(r for r in regions if r.pk == form.cleaned_data["region"])
    qs = insights.filtered_deaths(
        user=user,
        region_id=region.pk,
        date_from=form.cleaned_data["date_from"],
        date_to=form.cleaned_data["date_to"],
    )
    figures = insights.death_figures(
        qs,
        date_from=form.cleaned_data["date_from"],
        date_to=form.cleaned_data["date_to"],
        today=today,
    )
    return form, region, figures


def _is_figure(value) -> bool:
    return (
        isinstance(value, int)
        or value in (insights.SUPPRESSED, "")
        or (isinstance(value, str) and value.endswith("%"))
    )


def _display_table(table):
    """A table for the page: which columns hold figures (right-aligned, GOV.UK style)."""
    title, headers, rows = table
    numeric = [
        index > 0 and bool(rows) and all(_is_figure(row[index]) for row in rows)
        for index in range(len(headers))
    ]
    return {
        "title": title,
        "headers": list(zip(headers, numeric, strict=True)),
        "rows": [list(zip(row, numeric, strict=True)) for row in rows],
    }


def _board_pack_context(request, form, region, figures) -> dict:
    tables = None
    if figures is not None:
        tables = [
            _display_table(t)
            for t in insights.figure_tables(figures, suppress=True, include_regions=False)
        ]
    return {
        "form": form,
        "region": region,
        "only_pdu": request.user.pdu if request.user.role == Role.HEAD_OF_PDU else None,
        "figures": figures,
        "tables": tables,
        "query": request.GET.urlencode(),
        "generated_on": timezone.localdate(),
    }


@require_http_methods(["GET"])
@requires(Capability.SEE_LEARNING_FROM_DEATHS)
def board_pack(request):
    _require_learning(request)
    form, region, figures = _board_pack_data(request)
    _audit(request, f"board pack {region.code if region else '(choosing)'}")
    return render(
        request, "learning/board_pack.html", _board_pack_context(request, form, region, figures)
    )


@require_http_methods(["GET"])
@requires(Capability.SEE_LEARNING_FROM_DEATHS)
def board_pack_pdf(request):
    """The board pack as a PDF, from the same tables as the page (small numbers suppressed):
    without a valid region and period, back to the page to choose them."""
    _require_learning(request)
    form, region, figures = _board_pack_data(request)
    if figures is None:
        return redirect(reverse("learning:board_pack") + "?" + request.GET.urlencode())
    _audit(request, f"board pack PDF {region.code}")
    return pdf_response(
        request,
        template_name="learning/board_pack_pdf.html",
        context=_board_pack_context(request, form, region, figures),
        filename=f"board-pack-{slugify(region.code)}-{figures['from']}-{figures['to']}.pdf",
    )


@require_http_methods(["GET"])
@requires(Capability.SEE_LEARNING_FROM_DEATHS)
def board_pack_xlsx(request):
    _require_learning(request)
    form, region, figures = _board_pack_data(request)
    if figures is None:
        return redirect(reverse("learning:board_pack") + "?" + request.GET.urlencode())
    tables = insights.figure_tables(figures, suppress=True, include_regions=False)
    tables[0][2].insert(0, ["Region", region.name])
    access_log_record(
        actor=request.user,
        action=Action.LIST_PEOPLE,
        channel=Channel.WEB,
        detail=f"board pack xlsx {region.code}",
    )
    name = f"board-pack-{region.code}-{figures['from']}-{figures['to']}"
    return xlsx_response(tables, name)


# ---- board packs shared with boards ---------------------------------------------------------


def _date_text(value) -> str:
    return value if isinstance(value, str) else ""


@require_http_methods(["GET", "POST"])
@requires(Capability.SEE_LEARNING_FROM_DEATHS)
def board_pack_shares(request):
    """Which boards received which packs, and what they decided; and the form to record one
    more (for roles that may record them: the capability is checked again on POST)."""
    _require_learning(request)
    user = request.user
    can_record = has_capability(user, Capability.RECORD_BOARD_PACKS)
    if request.method == "POST" and not can_record:
        raise PermissionDenied
    regions = list(selectors.board_pack_regions(user))
    initial = {
        "region": regions[0].pk if len(regions) == 1 else request.GET.get("region", ""),
        "period_from": _date_text(request.GET.get("date_from", "")),
        "period_to": _date_text(request.GET.get("date_to", "")),
        "shared_on": timezone.localdate().strftime("%d/%m/%Y"),
    }
    form = forms.BoardPackShareForm(posted(request), regions=regions, initial=initial)
    response = submit_form(
        request,
        form,
        lambda data: services.board_pack_share_record(
            region_id=data["region"],
            period_from=data["period_from"],
            period_to=data["period_to"],
            board=data["board"],
            shared_on=data["shared_on"],
            actor=user,
        ),
        success=lambda share: f"Recorded that the pack was shared with {share.board}",
        next_url=reverse("learning:board_pack_shares"),
    )
    if response:
        return response
    shares = list(selectors.board_pack_shares_for(user)[:200])
    _audit(request, "board packs shared")
    return render(
        request,
        "learning/board_pack_shares.html",
        {"form": form, "shares": shares, "can_record": can_record},
    )


@require_http_methods(["GET", "POST"])
@requires(Capability.RECORD_BOARD_PACKS)
def board_pack_response(request):
    """Record the board's response to a pack shared (``?share=<id>``)."""
    share_id = request.GET.get("share", "")
    if not share_id:
        return redirect("learning:board_pack_shares")
    share = selectors.board_pack_share_get_for(
        user=request.user, share_id=share_id, channel=Channel.WEB
    )
    initial = {
        "response": share.response,
        "responded_on": share.responded_on.strftime("%d/%m/%Y") if share.responded_on else "",
        "version": share.version,
    }
    form = forms.BoardPackResponseForm(posted(request), initial=initial)
    response = submit_form(
        request,
        form,
        lambda data: services.board_pack_response_record(
            share_id=share.pk,
            response=data["response"],
            responded_on=data["responded_on"],
            version=data["version"],
            actor=request.user,
        ),
        success=f"Recorded the response of {share.board}",
        next_url=reverse("learning:board_pack_shares"),
    )
    if response:
        return response
    return render(request, "learning/board_pack_response.html", {"form": form, "share": share})
