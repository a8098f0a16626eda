"""Screen and safety plan pages. Thin: reads go through selectors, writes through services."""

import datetime as dt

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
from safeguard.people.selectors import person_get_for

STALE_SAFETY_PLAN = (
    "Someone else saved a safety plan for this person while you were editing it. "
    "Your changes have not been saved. Open the current plan, check it and make your "
    "changes again."
)


def registration_add_url(crn: str, code: str) -> str:
    """The registration add page, with the register chosen: the practitioner confirms there."""
    return f"/people/{crn}/registrations/add/?code={code}"


def recommendations_with_links(*, crn: str, recommendations: list[dict]) -> list[dict]:
    linked = []
    for rec in recommendations:
        href = ""
        if rec.get("register"):
            href = registration_add_url(crn, rec["register"])
        elif rec.get("link") == "safety_plan":
            href = reverse("assessments:safety_plan", args=[crn])
        linked.append({**rec, "href": href})
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


@require_http_methods(["GET"])
@requires(Capability.READ_CASES)
def safety_plan(request, crn):
    person = person_get_for(user=request.user, crn=crn, channel=Channel.WEB)
    versions = list(selectors.safety_plan_versions(person=person)[:100])
    plan = next((p for p in versions if p.is_active), None)
    shown = plan
    requested = request.GET.get("version", "")
    if requested:
        shown = next((p for p in versions if str(p.version) == requested), None)
        if shown is None:
            raise Http404
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
    """The current plan on a page of its own, to print and give to the person."""
    person = person_get_for(user=request.user, crn=crn, channel=Channel.WEB)
    plan = selectors.safety_plan_current(person=person)
    if plan is None:
        raise Http404
    return render(request, "assessments/safety_plan_print.html", {"person": person, "plan": plan})


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
