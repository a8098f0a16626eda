"""Case audit pages: exercises, the audit tool on a case's snapshot, moderation, results."""

from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from safeguard.audits import forms, selectors, services
from safeguard.audits import results as audit_results
from safeguard.audits.audit import AuditExerciseEvent
from safeguard.audits.models import AuditCaseStatus, AuditRole
from safeguard.core.audit import Action, Channel, access_log_record
from safeguard.core.capabilities import Capability, has_capability, requires
from safeguard.core.errors import DomainError
from safeguard.core.forms import add_service_errors, posted, submit_form
from safeguard.insights import exports


@require_http_methods(["GET"])
@requires(Capability.AUDIT_CASES)
def exercises_page(request):
    exercises = list(selectors.exercises_for(request.user).select_related("created_by")[:200])
    access_log_record(
        actor=request.user, action=Action.LIST_PEOPLE, channel=Channel.WEB, detail="audit exercises"
    )
    return render(
        request,
        "audits/exercises.html",
        {
            "exercises": exercises,
            "can_manage": has_capability(request.user, Capability.MANAGE_AUDITS),
        },
    )


@require_http_methods(["GET", "POST"])
@requires(Capability.MANAGE_AUDITS)
def exercise_new(request):
    form = forms.ExerciseForm(posted(request))
    response = submit_form(
        request,
        form,
        lambda data: services.audit_exercise_create(**form.cleaned(), actor=request.user),
        success="The sample is drawn",
        next_url=lambda exercise: reverse("audits:exercise", kwargs={"exercise_id": exercise.pk}),
    )
    if response:
        return response
    return render(request, "audits/exercise_new.html", {"form": form})


def _exercise(request, exercise_id):
    return services._exercise_for(request.user, exercise_id)


@require_http_methods(["GET"])
@requires(Capability.AUDIT_CASES)
def exercise_page(request, exercise_id):
    exercise = _exercise(request, exercise_id)
    cases = list(selectors.cases_for(request.user, exercise))
    access_log_record(
        actor=request.user,
        action=Action.LIST_PEOPLE,
        channel=Channel.WEB,
        detail=f"audit exercise {exercise.pk}",
    )
    return render(
        request,
        "audits/exercise.html",
        {
            "exercise": exercise,
            "cases": cases,
            "statuses": dict(AuditCaseStatus.choices),
            "can_manage": selectors.may_manage(request.user, exercise),
        },
    )


@require_http_methods(["GET", "POST"])
@requires(Capability.AUDIT_CASES)
def case_page(request, exercise_id, audit_case_id):
    user = request.user
    case = services.audit_case_get(exercise_id=exercise_id, case_id=audit_case_id, actor=user)
    tool = services.tool_of(case.exercise)
    role = (
        AuditRole.AUDITOR
        if case.auditor_id == user.pk and case.status == AuditCaseStatus.TO_AUDIT
        else AuditRole.MODERATOR
        if case.moderator_id == user.pk and case.status == AuditCaseStatus.AWAITING_MODERATION
        else None
    )
    errors, given = {}, {}
    if request.method == "POST":
        given = {
            q.id: {
                "answer": request.POST.get(f"{q.id}-answer", ""),
                "rationale": request.POST.get(f"{q.id}-rationale", ""),
            }
            for q in tool.questions
        }
        try:
            services.audit_answers_record(
                exercise_id=exercise_id, case_id=audit_case_id, answers=given, actor=user
            )
        except ValidationError as exc:
            errors = {k: v[0] for k, v in exc.message_dict.items()}
        except DomainError as exc:
            if exc.status == 403:
                raise
            errors = {"": exc.message}
        else:
            from django.contrib import messages

            messages.success(request, "Your answers are saved")
            return redirect("audits:exercise", exercise_id=exercise_id)
    access_log_record(
        actor=user,
        action=Action.VIEW_PERSON,
        channel=Channel.WEB,
        person=case.person,
        detail=f"audit case {case.pk} snapshot",
        event=AuditExerciseEvent.SNAPSHOT_VIEWED,
    )
    answers = list(case.answers.select_related("answered_by").order_by("role", "question"))
    disagreements = services.disagreements(case)
    may_manage = selectors.may_manage(user, case.exercise)
    open_questions = [
        (d["question"], next(q.text for q in tool.questions if q.id == d["question"]))
        for d in disagreements
        if not d["resolution"]
    ]
    return render(
        request,
        "audits/case.html",
        {
            "case": case,
            "tool": tool,
            "role": role,
            "errors": errors,
            "given": given,
            "answers": answers,
            "texts": {q.id: q.text for q in tool.questions},
            "disagreements": disagreements,
            "resolve_form": forms.ResolveForm(questions=open_questions)
            if may_manage and open_questions
            else None,
            "snapshot": case.snapshot,
        },
        status=422 if errors else 200,
    )


@require_http_methods(["POST"])
@requires(Capability.MANAGE_AUDITS)
def case_resolve(request, exercise_id, audit_case_id):
    user = request.user
    case = services.audit_case_get(exercise_id=exercise_id, case_id=audit_case_id, actor=user)
    tool = services.tool_of(case.exercise)
    form = forms.ResolveForm(request.POST, questions=[(q.id, q.text) for q in tool.questions])
    if form.is_valid():
        try:
            services.audit_disagreement_resolve(
                exercise_id=exercise_id,
                case_id=audit_case_id,
                question=form.cleaned_data["question"],
                final_answer=form.cleaned_data["final_answer"],
                note=form.cleaned_data["note"],
                actor=user,
            )
        except (ValidationError, DomainError) as exc:
            if getattr(exc, "status", 0) == 403:
                raise
            add_service_errors(form, exc)
        else:
            from django.contrib import messages

            messages.success(request, "The disagreement is resolved")
            return redirect("audits:case", exercise_id=exercise_id, audit_case_id=audit_case_id)
    return render(request, "audits/resolve_error.html", {"form": form, "case": case}, status=422)


def _results(request, exercise_id):
    exercise = _exercise(request, exercise_id)
    result = audit_results.results(
        exercise, selectors.cases_for(request.user, exercise), services.tool_of(exercise)
    )
    access_log_record(
        actor=request.user,
        action=Action.LIST_PEOPLE,
        channel=Channel.WEB,
        detail=f"audit exercise {exercise.pk} results",
        event=AuditExerciseEvent.RESULTS_VIEWED,
    )
    return exercise, result


@require_http_methods(["GET"])
@requires(Capability.MANAGE_AUDITS)
def results_page(request, exercise_id):
    exercise, result = _results(request, exercise_id)
    tool = services.tool_of(exercise)
    table = []
    for q in tool.questions:
        cells = [r for r in result["rows"] if r["question"] == q.id]
        table.append({"question": q, "cells": cells})
    return render(
        request, "audits/results.html", {"exercise": exercise, "result": result, "table": table}
    )


@require_http_methods(["GET"])
@requires(Capability.MANAGE_AUDITS)
def results_export(request, exercise_id, fmt):
    exercise, result = _results(request, exercise_id)
    header, body = audit_results.export_rows(result)
    tables = [(exercise.title[:31] or "Results", header, body)]
    name = f"audit-{exercise.pk}-results"
    if fmt == "xlsx":
        return exports.xlsx_response(tables, name)
    return exports.csv_response(tables, name)
