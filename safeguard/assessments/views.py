"""Screen and safety plan pages. Thin: reads go through selectors, writes through services."""

import datetime as dt
import tomllib
from functools import cache
from pathlib import Path

from django.apps import apps
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from safeguard.assessments import scoring, selectors, services
from safeguard.assessments.forms import SafetyPlanForm, ScreenFollowUpForm, answers_from_post
from safeguard.assessments.models import FollowUpStatus, QuestionnaireVersion, RiskToSelf
from safeguard.assessments.questionnaires import Questionnaire
from safeguard.core.audit import Channel
from safeguard.core.capabilities import Capability, require_capability, requires
from safeguard.core.errors import DomainError
from safeguard.core.forms import add_service_errors, posted, submit_form
from safeguard.core.pdf import pdf_response
from safeguard.people.selectors import person_get_for

STALE_SAFETY_PLAN = (
    "Someone else saved a safety plan for this person while you were editing it. "
    "Your changes have not been saved. Open the current plan, check it and make your "
    "changes again."
)


def registration_add_url(crn: str, code: str) -> str:
    """The registration add page, with the register chosen: the practitioner confirms there."""
    return f"/people/{crn}/registrations/add/?code={code}"


@cache
def referral_links() -> dict[str, str]:
    """Recommendation code -> referral kind (``data/referral_links.toml``)."""
    path = Path(__file__).with_name("data") / "referral_links.toml"
    with path.open("rb") as handle:
        return tomllib.load(handle)["recommendations"]


def recommendations_with_links(*, crn: str, recommendations: list[dict]) -> list[dict]:
    """Each recommendation with its one-click action: the registration add page with the
    register chosen, the safety plan, or the referral form started on the right kind."""
    linked = []
    for rec in recommendations:
        href, action = "", ""
        if rec.get("register"):
            href = registration_add_url(crn, rec["register"])
            action = "register"
        elif rec.get("link") == "safety_plan":
            href = reverse("assessments:safety_plan", args=[crn])
            action = "safety_plan"
        elif rec.get("code") in referral_links():
            kind = referral_links()[rec["code"]]
            href = f"{reverse('referrals:new', args=[crn])}?kind={kind}"
            action = "referral"
        linked.append({**rec, "href": href, "action": action})
    return linked


def _question_blocks(questionnaire: Questionnaire, answers: dict, errors: dict) -> list[dict]:
    """What the template needs to draw each domain's questions, with answers and errors."""
    blocks = []
    for domain, questions in questionnaire.grouped():
        items = []
        for q in questions:
            value = answers.get(q.id)
            inputs = []
            if q.type in ("single", "multiple"):
                chosen = set(value if isinstance(value, list) else [value])
                inputs = [
                    {
                        "value": o.value,
                        "label": o.label,
                        "checked": o.value in chosen,
                        "exclusive": o.exclusive,
                    }
                    for o in q.options
                ]
            elif q.type == "boolean":
                inputs = [
                    {"value": "yes", "label": "Yes", "checked": value is True},
                    {"value": "no", "label": "No", "checked": value is False},
                ]
            elif q.type == "scale":
                inputs = [
                    {"value": str(n), "label": str(n), "checked": value == n}
                    for n in q.scale_values
                ]
            for n, item in enumerate(inputs):
                item["id"] = q.id if n == 0 else f"{q.id}-{n + 1}"
                item["divider_before"] = bool(
                    item.get("exclusive") and n > 0 and not inputs[n - 1].get("exclusive")
                )
            error = (errors.get(q.id) or [""])[0]
            has_hint = bool(q.hint) or q.type == "scale"
            described_by = [f"{q.id}-hint"] if has_hint else []
            if error:
                described_by.append(f"{q.id}-error")
            items.append(
                {
                    "q": q,
                    "inputs": inputs,
                    "value": value if isinstance(value, str) else "",
                    "error": error,
                    "hint": q.hint
                    or (f"Choose a number from {q.min} to {q.max}." if q.type == "scale" else ""),
                    "described_by": " ".join(described_by),
                }
            )
        blocks.append({"domain": domain, "questions": items})
    return blocks


@require_http_methods(["GET", "POST"])
@requires(Capability.CHANGE_CASES)
def screen_new(request, crn):
    person = person_get_for(user=request.user, crn=crn, channel=Channel.WEB)
    require_capability(request.user, Capability.CHANGE_CASES)
    version = selectors.questionnaire_current()
    answers, errors, general_errors = {}, {}, []

    if request.method == "POST":
        raw_version = request.POST.get("version", "")
        posted = (
            QuestionnaireVersion.objects.filter(version=int(raw_version)).first()
            if raw_version.isdigit() and len(raw_version) < 9
            else None
        )
        if posted is None:
            general_errors.append(
                "The questions could not be matched to a questionnaire version. "
                "Answer the current questions below."
            )
        else:
            version = posted
            answers = answers_from_post(version.questionnaire, request.POST)
            try:
                screen = services.screen_record(
                    person_id=person.pk,
                    version=version.version,
                    answers=answers,
                    actor=request.user,
                    channel=Channel.WEB,
                )
            except ValidationError as exc:
                errors = exc.message_dict
            except DomainError as exc:
                general_errors.append(exc.message)
            else:
                messages.success(request, "Vulnerability screen recorded")
                return redirect("assessments:screen_detail", crn=person.crn, pk=screen.pk)

    questionnaire = version.questionnaire
    blocks = _question_blocks(questionnaire, answers, errors)
    error_list = [
        {"text": item["error"], "href": f"#{item['q'].id}"}
        for block in blocks
        for item in block["questions"]
        if item["error"]
    ]
    error_list += [
        {"text": msgs[0], "href": "#main-content"}
        for key, msgs in errors.items()
        if key not in questionnaire.by_id
    ]
    error_list += [{"text": text, "href": "#main-content"} for text in general_errors]
    return render(
        request,
        "assessments/screen_form.html",
        {
            "person": person,
            "questionnaire": questionnaire,
            "blocks": blocks,
            "error_list": error_list,
        },
        status=200,
    )


@require_http_methods(["GET", "POST"])
@requires(Capability.READ_CASES)
def screen_detail(request, crn, pk):
    person = person_get_for(user=request.user, crn=crn, channel=Channel.WEB)
    screen = selectors.screen_get(person=person, screen_id=pk)
    questionnaire = screen.questionnaire
    if request.method == "POST":
        require_capability(request.user, Capability.CHANGE_CASES)
    form = ScreenFollowUpForm(
        posted(request), asks_outcome=screen.risk_to_self == RiskToSelf.NOT_KNOWN
    )
    response = submit_form(
        request,
        form,
        lambda data: services.screen_follow_up_record(
            screen_id=screen.pk,
            note=data["note"],
            outcome=data.get("outcome", ""),
            actor=request.user,
        ),
        success="Follow-up recorded",
        next_url=reverse("assessments:screen_detail", kwargs={"crn": person.crn, "pk": screen.pk}),
    )
    if response:
        return response
    domains = [
        {"id": d.id, "title": d.title, "level": screen.domain_levels.get(d.id, "none")}
        for d in questionnaire.domains
    ]
    answered = [
        {
            "domain": domain,
            "answers": [
                {"q": q, "answer": _answer_text(q, screen.answers.get(q.id))} for q in questions
            ],
        }
        for domain, questions in questionnaire.grouped()
    ]
    return render(
        request,
        "assessments/screen_detail.html",
        {
            "person": person,
            "screen": screen,
            "questionnaire": questionnaire,
            "domains": domains,
            "answered": answered,
            # Why the level is what it is: the rules are fixed per version, so working them out
            # again from the stored answers gives what was shown when the screen was recorded.
            "reasons": scoring.assess(questionnaire, screen.answers).reasons,
            "recommendations": recommendations_with_links(
                crn=person.crn, recommendations=screen.recommendations
            ),
            "can_change": request.user.can_change_cases,
            "form": form,
            "follow_up_due": screen.follow_up_status == FollowUpStatus.DUE,
        },
    )


def _answer_text(question, value) -> str:
    if value is None:
        return "Not answered"
    if question.type == "multiple":
        return ", ".join(question.label_for(v) for v in value)
    if question.type == "scale":
        return f"{value} (from {question.min} to {question.max})"
    if question.type == "text":
        return value
    return question.label_for(value)


@require_http_methods(["GET"])
@requires(Capability.READ_CASES)
def screen_list(request, crn):
    person = person_get_for(user=request.user, crn=crn, channel=Channel.WEB)
    screens = list(selectors.person_screens(person=person)[:200])
    return render(
        request,
        "assessments/screen_list.html",
        {"person": person, "screens": screens, "can_change": request.user.can_change_cases},
    )


def _safety_plan_shown(request, crn, *, detail=""):
    """The person, their plans and the one asked for: the current plan, or ``?version=N``
    (404 for a version they do not have, or anything that is not a version number)."""
    person = person_get_for(user=request.user, crn=crn, channel=Channel.WEB, detail=detail)
    versions = list(selectors.safety_plan_versions(person=person)[:100])
    current = next((p for p in versions if p.is_active), None)
    shown = current
    requested = request.GET.get("version", "")
    if requested:
        shown = next((p for p in versions if str(p.version) == requested), None)
        if shown is None:
            raise Http404
    return person, versions, current, shown


@require_http_methods(["GET"])
@requires(Capability.READ_CASES)
def safety_plan(request, crn):
    person, versions, plan, shown = _safety_plan_shown(request, crn)
    return render(
        request,
        "assessments/safety_plan.html",
        {
            "person": person,
            "plan": shown,
            "current": plan,
            "versions": versions,
            "today": timezone.localdate(),
            "can_change": request.user.can_change_cases,
            "plan_links": _plan_links(shown),
            "send_url": _send_url(person),
        },
    )


@require_http_methods(["GET"])
@requires(Capability.READ_CASES)
def safety_plan_pdf(request, crn):
    """The plan on the page (the current one, or ``?version=N``) as the practitioner's record,
    marked OFFICIAL-SENSITIVE."""
    person, _versions, _current, shown = _safety_plan_shown(request, crn, detail="safety plan PDF")
    if shown is None:
        raise Http404
    filename = "safety-plan.pdf" if shown.is_active else f"safety-plan-version-{shown.version}.pdf"
    return pdf_response(
        request,
        template_name="assessments/safety_plan_pdf.html",
        context={
            "person": person,
            "plan": shown,
            "today": timezone.localdate(),
            "plan_links": _plan_links(shown),
        },
        filename=filename,
    )


def _plan_links(plan):
    """The links that sent this plan to the person (engagement sends them; looked up by name,
    as engagement builds on assessments)."""
    if plan is None:
        return []
    links = apps.get_model("engagement", "SafetyPlanLink").objects.filter(plan=plan)
    return list(links.order_by("-created_at")[:10])


def _send_url(person) -> str:
    try:
        return reverse("engagement:safety_plan_send", kwargs={"crn": person.crn})
    except NoReverseMatch:
        return ""


@require_http_methods(["GET"])
@requires(Capability.READ_CASES)
def safety_plan_print(request, crn):
    """The person's own copy of the current plan, in plain English, to print and give them."""
    person, plan = _persons_copy(request, crn, detail="safety plan: the person's copy")
    return render(request, "assessments/safety_plan_print.html", {"person": person, "plan": plan})


@require_http_methods(["GET"])
@requires(Capability.READ_CASES)
def safety_plan_print_pdf(request, crn):
    """The person's own copy as a PDF: no security marking, no name of the service or of the
    practitioner, since it is theirs to keep and someone else may see it."""
    person, plan = _persons_copy(request, crn, detail="safety plan: the person's copy, PDF")
    return pdf_response(
        request,
        template_name="assessments/my_safety_plan_pdf.html",
        context={"person": person, "plan": plan},
        filename="my-safety-plan.pdf",
    )


def _persons_copy(request, crn, *, detail):
    person = person_get_for(user=request.user, crn=crn, channel=Channel.WEB, detail=detail)
    plan = selectors.safety_plan_current(person=person)
    if plan is None:
        raise Http404
    return person, plan


@require_http_methods(["GET", "POST"])
@requires(Capability.CHANGE_CASES)
def safety_plan_edit(request, crn):
    person = person_get_for(user=request.user, crn=crn, channel=Channel.WEB)
    require_capability(request.user, Capability.CHANGE_CASES)
    current = selectors.safety_plan_current(person=person)
    what_helps = selectors.latest_what_helps(person=person)
    form = SafetyPlanForm(
        request.POST or None, initial=SafetyPlanForm.initial_for(current, what_helps=what_helps)
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.safety_plan_save(
                person_id=person.pk,
                data=form.plan_data(),
                expected_version=form.cleaned_data["expected_version"],
                actor=request.user,
                channel=Channel.WEB,
            )
        except services.StaleEdit:
            form.add_error(None, STALE_SAFETY_PLAN)
        except ValidationError as exc:
            for name, msgs in exc.message_dict.items():
                target = "review_day" if name == "review_date" else name
                for msg in msgs:
                    form.add_error(target if target in form.fields else None, msg)
        except DomainError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Safety plan saved")
            return redirect("assessments:safety_plan", crn=person.crn)
    return render(
        request,
        "assessments/safety_plan_edit.html",
        {
            "person": person,
            "form": form,
            "current": current,
            "what_helps": what_helps,
            "review_example": timezone.localdate() + dt.timedelta(days=90),
        },
    )


# ---- the screen one domain a page, saved as a draft as the practitioner goes --------------


def _draft_for(person):
    from safeguard.assessments.models import ScreenDraft

    return ScreenDraft.objects.select_related("questionnaire_version").filter(person=person).first()


def _domain_status(questions, answers) -> str:
    answered = [q for q in questions if q.id in answers]
    if not answered:
        return "Not started"
    required = [q for q in questions if q.required]
    return "Completed" if all(q.id in answers for q in required) else "In progress"


def _steps(questionnaire, answers, crn) -> list[dict]:
    return [
        {
            "domain": domain,
            "status": _domain_status(questions, answers),
            "href": reverse("assessments:screen_step", kwargs={"crn": crn, "domain": domain.id}),
        }
        for domain, questions in questionnaire.grouped()
    ]


@require_http_methods(["GET"])
@requires(Capability.CHANGE_CASES)
def screen_steps(request, crn):
    """The task list: each domain with its status, then "Check your answers"."""
    person = person_get_for(user=request.user, crn=crn, channel=Channel.WEB)
    draft = _draft_for(person)
    version = draft.questionnaire_version if draft else selectors.questionnaire_current()
    answers = draft.answers if draft else {}
    steps = _steps(version.questionnaire, answers, person.crn)
    return render(
        request,
        "assessments/screen_steps.html",
        {
            "person": person,
            "questionnaire": version.questionnaire,
            "steps": steps,
            "draft": draft,
            "completed": sum(1 for step in steps if step["status"] == "Completed"),
            "ready": all(step["status"] == "Completed" for step in steps),
        },
    )


@require_http_methods(["GET", "POST"])
@requires(Capability.CHANGE_CASES)
def screen_step(request, crn, domain):
    """One domain's questions. Saving keeps them in the draft, answered or not; the answers
    are checked on "Check your answers"."""
    person = person_get_for(user=request.user, crn=crn, channel=Channel.WEB)
    draft = _draft_for(person)
    version = draft.questionnaire_version if draft else selectors.questionnaire_current()
    questionnaire = version.questionnaire
    order = [d.id for d in questionnaire.domains]
    if domain not in order:
        raise Http404
    answers = dict(draft.answers) if draft else {}
    errors = {}
    if request.method == "POST":
        given = answers_from_post(questionnaire, request.POST)
        try:
            services.screen_draft_save(
                person_id=person.pk, domain=domain, answers=given, actor=request.user
            )
        except DomainError as exc:
            add_error = exc.message
            errors["__all__"] = [add_error]
        else:
            if request.POST.get("then") == "later":
                messages.success(request, "Draft saved. It is not a screen until you submit it.")
                return redirect("assessments:screen_steps", crn=person.crn)
            following = order.index(domain) + 1
            if following < len(order):
                return redirect("assessments:screen_step", crn=person.crn, domain=order[following])
            return redirect("assessments:screen_check", crn=person.crn)
    block = next(
        b for b in _question_blocks(questionnaire, answers, errors) if b["domain"].id == domain
    )
    return render(
        request,
        "assessments/screen_step.html",
        {
            "person": person,
            "questionnaire": questionnaire,
            "section": block,  # not "block": inside {% block %} that name is Django's
            "number": order.index(domain) + 1,
            "count": len(order),
            "errors": errors.get("__all__", []),
        },
    )


@require_http_methods(["GET", "POST"])
@requires(Capability.CHANGE_CASES)
def screen_check(request, crn):
    """Check your answers, then submit: only now is the draft checked and made a screen."""
    person = person_get_for(user=request.user, crn=crn, channel=Channel.WEB)
    draft = _draft_for(person)
    if draft is None:
        return redirect("assessments:screen_steps", crn=person.crn)
    questionnaire = draft.questionnaire_version.questionnaire
    errors = {}
    if request.method == "POST":
        try:
            screen = services.screen_draft_submit(person_id=person.pk, actor=request.user)
        except ValidationError as exc:
            errors = exc.message_dict
        except DomainError as exc:
            errors = {"__all__": [exc.message]}
        else:
            messages.success(request, "Vulnerability screen recorded")
            return redirect("assessments:screen_detail", crn=person.crn, pk=screen.pk)
    sections = []
    error_list = []
    for domain, questions in questionnaire.grouped():
        rows = []
        href = reverse("assessments:screen_step", kwargs={"crn": person.crn, "domain": domain.id})
        for q in questions:
            error = (errors.get(q.id) or [""])[0]
            if error:
                error_list.append({"text": error, "href": f"{href}#{q.id}"})
            rows.append(
                {
                    "q": q,
                    "answer": _answer_text(q, draft.answers.get(q.id)),
                    "error": error,
                    "href": f"{href}#{q.id}",
                }
            )
        sections.append({"domain": domain, "rows": rows})
    error_list += [
        {"text": m[0], "href": "#main-content"}
        for k, m in errors.items()
        if k not in questionnaire.by_id
    ]
    return render(
        request,
        "assessments/screen_check.html",
        {
            "person": person,
            "questionnaire": questionnaire,
            "sections": sections,
            "error_list": error_list,
        },
    )


def _answer_text(question, value) -> str:
    if value is None or value == "" or value == []:
        return ""
    labels = {o.value: o.label for o in getattr(question, "options", ()) or ()}
    if isinstance(value, list):
        return ", ".join(labels.get(v, str(v)) for v in value)
    if isinstance(value, bool):
        return "Yes" if value else "No"
    return labels.get(value, str(value))
