"""Every change a user can make to screens and safety plans: one function per action, each
through the one gate (``safeguard.people.gate``)."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils import timezone

from safeguard.assessments import policy, scoring
from safeguard.assessments.audit import AssessmentEvent
from safeguard.assessments.models import (
    DEFAULT_CRISIS_LINES,
    FOLLOW_UP_LEVELS,
    SAFETY_PLAN_FIELDS,
    FollowUpOutcome,
    FollowUpStatus,
    QuestionnaireVersion,
    SafetyPlan,
    SafetyPlanStatus,
    ScreenDraft,
    VulnerabilityScreen,
)
from safeguard.assessments.selectors import active_registration_codes
from safeguard.core.audit import Channel
from safeguard.core.bounds import months_after
from safeguard.core.errors import StaleEdit
from safeguard.people.gate import case_record_change, check_version, person_change

__all__ = [
    "StaleEdit",
    "safety_plan_save",
    "screen_draft_save",
    "screen_draft_submit",
    "screen_follow_up_record",
    "screen_record",
]
FOLLOW_UP_NOTE_MAX = 4000

SAFETY_PLAN_TEXT_MAX = 4000
SAFETY_PLAN_REQUIRED = {
    "warning_signs": "Enter the warning signs",
    "coping_strategies": "Enter the things the person can do on their own",
    "crisis_lines": "Enter at least one crisis line",
    "review_date": "Enter the date the plan will be reviewed",
}


def questionnaire_version_get(version) -> QuestionnaireVersion:
    if isinstance(version, bool) or not isinstance(version, int):
        raise ValidationError({"version": ["Give the questionnaire version as a whole number"]})
    found = QuestionnaireVersion.objects.filter(version=version).first()
    if found is None:
        raise ValidationError(
            {"version": [f"There is no version {version} of the vulnerability questionnaire"]}
        )
    return found


def screen_record(
    *, person_id: int, version: int, answers: dict, actor, channel=Channel.WEB, today=None
) -> VulnerabilityScreen:
    """Record a completed screen on ``version`` of the questionnaire and work out its outcome.

    A missing or invalid answer raises ``ValidationError`` keyed by the question's id. Nothing
    is registered: registration suggestions are recommendations for the practitioner.
    """
    with person_change(actor=actor, person_id=person_id, channel=channel) as change:
        # Only the person's id reaches the scoring: nothing about their characteristics.
        person = change.person
        questionnaire_version = questionnaire_version_get(version)
        questionnaire = questionnaire_version.questionnaire
        cleaned = scoring.validate_answers(questionnaire, answers)
        outcome = scoring.evaluate(
            questionnaire,
            cleaned,
            active_registration_codes=active_registration_codes(person_id=person.pk),
            has_current_safety_plan=SafetyPlan.objects.filter(
                person_id=person.pk, status=SafetyPlanStatus.ACTIVE
            ).exists(),
        )
        s42 = outcome.care_act_s42
        urgent = any(rec["urgent"] for rec in outcome.recommendations)
        screen = VulnerabilityScreen.objects.create(
            person=person,
            questionnaire_version=questionnaire_version,
            answers=cleaned,
            domain_levels=outcome.domain_levels,
            risk_to_self=outcome.risk_to_self,
            s42_care_and_support_needs=s42["care_and_support_needs"],
            s42_abuse_or_neglect=s42["experiencing_or_at_risk_of_abuse_or_neglect"],
            s42_unable_to_protect_self=s42["unable_to_protect_self"],
            s42_indicated=s42["indicated"],
            recommendations=outcome.recommendations,
            completed_by=actor,
            needs_urgent_action=urgent,
            # Someone must act on a very high, "not known" or urgent outcome and say what they
            # did: a work item stays open until they do (assessments.rules).
            follow_up_status=FollowUpStatus.DUE
            if urgent or outcome.risk_to_self in FOLLOW_UP_LEVELS
            else FollowUpStatus.NOT_NEEDED,
        )
        change.record(
            AssessmentEvent.SCREEN_RECORDED,
            record=screen,
            new={"questionnaire_version": version, "risk_to_self": outcome.risk_to_self},
            detail=f"vulnerability screen recorded (questionnaire version {version})",
        )
    return screen


def screen_follow_up_record(
    *, screen_id: int, note: str, outcome: str = "", actor, channel=Channel.WEB
) -> VulnerabilityScreen:
    """Record what was done about a screen that needed a follow-up (a very high, "not known" or
    urgent outcome). For a "not known" screen, ``outcome`` says what the conversation found;
    "no current concerns" stops the screen counting the person as at risk to self."""
    with case_record_change(
        VulnerabilityScreen.objects, pk=screen_id, actor=actor, channel=channel
    ) as (change, screen):
        errors = {}
        note = note.replace("\r\n", "\n").strip() if isinstance(note, str) else None
        if not note:
            errors["note"] = ["Enter what you did and what the person told you"]
        elif "\x00" in note or len(note) > FOLLOW_UP_NOTE_MAX:
            errors["note"] = [f"Enter {FOLLOW_UP_NOTE_MAX} characters or fewer"]
        if screen.risk_to_self == "not_known":
            allowed = [v for v in FollowUpOutcome.values if v]
            if outcome not in allowed:
                errors["outcome"] = ["Select what the person told you"]
        elif outcome:
            errors["outcome"] = ["Only a screen whose risk to self is not known has an outcome"]
        if screen.follow_up_status != FollowUpStatus.DUE:
            errors["note"] = ["This screen does not need a follow-up, or one is already recorded"]
        if errors:
            raise ValidationError(errors)
        screen.follow_up_status = FollowUpStatus.DONE
        screen.follow_up_outcome = outcome
        screen.follow_up_note = note
        screen.followed_up_by = actor
        screen.followed_up_at = timezone.now()
        screen.save(
            update_fields=[
                "follow_up_status",
                "follow_up_outcome",
                "follow_up_note",
                "followed_up_by",
                "followed_up_at",
            ]
        )
        change.record(
            AssessmentEvent.SCREEN_FOLLOWED_UP,
            record=screen,
            old={"follow_up_status": FollowUpStatus.DUE},
            new={"follow_up_status": FollowUpStatus.DONE, "follow_up_outcome": outcome},
            detail="vulnerability screen followed up",
        )
    return screen


def _clean_safety_plan(data: dict, today: dt.date) -> dict:
    unknown = set(data) - set(SAFETY_PLAN_FIELDS)
    if unknown:
        raise ValidationError(
            {name: ["This is not part of a safety plan"] for name in sorted(unknown)}
        )
    errors = {}
    cleaned = {}
    for name in SAFETY_PLAN_FIELDS:
        value = data.get(name)
        if name == "review_date":
            if value in (None, ""):
                errors[name] = [SAFETY_PLAN_REQUIRED[name]]
                continue
            if isinstance(value, str):
                try:
                    value = dt.date.fromisoformat(value)
                except ValueError:
                    errors[name] = ["Enter the review date as a real date"]
                    continue
            if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
                errors[name] = ["Enter the review date as a real date"]
                continue
            latest = months_after(today, policy.SAFETY_PLAN_MAX_REVIEW_MONTHS)
            if value < today:
                errors[name] = ["The review date must be today or in the future"]
            elif value > latest:
                errors[name] = [
                    f"The review date must be within {policy.SAFETY_PLAN_MAX_REVIEW_MONTHS} "
                    f"months, on or before {latest.day} {latest:%B %Y}"
                ]
            else:
                cleaned[name] = value
            continue
        if name == "person_has_copy":
            value = data.get(name, False)
            if not isinstance(value, bool):
                errors[name] = ["Say yes or no"]
            else:
                cleaned[name] = value
            continue
        if name == "crisis_lines" and name not in data:
            value = DEFAULT_CRISIS_LINES
        if value is None:
            value = ""
        if not isinstance(value, str):
            errors[name] = ["Enter text"]
            continue
        value = value.replace("\r\n", "\n").strip()
        if "\x00" in value:
            errors[name] = ["This contains characters that are not allowed"]
        elif len(value) > SAFETY_PLAN_TEXT_MAX:
            errors[name] = [f"This must be {SAFETY_PLAN_TEXT_MAX} characters or fewer"]
        elif not value and name in SAFETY_PLAN_REQUIRED:
            errors[name] = [SAFETY_PLAN_REQUIRED[name]]
        else:
            cleaned[name] = value
    if errors:
        raise ValidationError(errors)
    return cleaned


def safety_plan_save(
    *, person_id: int, data: dict, expected_version: int, actor, channel=Channel.WEB, today=None
) -> SafetyPlan:
    """Write a new safety plan that replaces the current one.

    ``expected_version`` is the version of the current plan the edit started from (0 when
    there was none). If someone saved a plan since, ``StaleEdit`` is raised and nothing changes.
    """
    today = today or timezone.localdate()
    with person_change(actor=actor, person_id=person_id, channel=channel) as change:
        person = change.person
        cleaned = _clean_safety_plan(data, today)
        current = (
            SafetyPlan.objects.select_for_update()
            .filter(person_id=person.pk, status=SafetyPlanStatus.ACTIVE)
            .first()
        )
        current_version = current.version if current else 0
        check_version(current_version, expected_version)
        if current is not None:
            current.status = SafetyPlanStatus.REPLACED
            current.replaced_at = timezone.now()
            current._change_reason = "Replaced by a new version"
            current.save(update_fields=["status", "replaced_at"])
        plan = SafetyPlan(person=person, created_by=actor, version=current_version + 1, **cleaned)
        plan._change_reason = "Written" if current is None else "Updated"
        plan.save()
        change.record(
            AssessmentEvent.SAFETY_PLAN_SAVED,
            record=plan,
            old={"version": current_version},
            new={"version": plan.version, "review_date": plan.review_date},
            detail=f"safety plan saved (version {plan.version})",
        )
    return plan


# ---- a screen answered one domain a page -------------------------------------------------


def screen_draft_save(
    *, person_id: int, domain: str, answers: dict, actor, channel=Channel.WEB
) -> ScreenDraft:
    """Keep the answers to one domain's questions in the person's draft screen (made on the
    current questionnaire version if there is none). Only that domain's questions are kept;
    they are checked when the screen is submitted, not now, so a half-answered page is saved
    too. A draft is never a screen (see ``ScreenDraft``)."""
    with person_change(actor=actor, person_id=person_id, channel=channel) as change:
        person = change.person
        draft = ScreenDraft.objects.select_for_update().filter(person=person).first()
        if draft is None:
            draft = ScreenDraft(
                person=person,
                questionnaire_version=QuestionnaireVersion.objects.order_by("-version").first(),
                started_by=actor,
            )
        questionnaire = draft.questionnaire_version.questionnaire
        ids = {q.id for q in questionnaire.questions if q.domain == domain}
        if not ids:
            raise ValidationError({"domain": [f"There is no domain {domain[:60]!r}"]})
        kept = {k: v for k, v in (draft.answers or {}).items() if k not in ids}
        kept.update({k: v for k, v in (answers or {}).items() if k in ids})
        draft.answers = kept
        draft.updated_by = actor
        draft.save()
        change.record(
            AssessmentEvent.SCREEN_DRAFT_SAVED,
            record=draft,
            new={"domain": domain, "answered": sorted(k for k in kept if k in ids)},
            detail=f"draft screen: {domain} saved",
        )
    return draft


def screen_draft_submit(*, person_id: int, actor, channel=Channel.WEB) -> VulnerabilityScreen:
    """Record the person's draft as a screen (``screen_record``: every answer checked), then
    delete the draft. A missing or wrong answer raises ``ValidationError`` and keeps it."""
    with person_change(actor=actor, person_id=person_id, channel=channel) as change:
        draft = ScreenDraft.objects.select_for_update().filter(person=change.person).first()
        if draft is None:
            raise ValidationError({"draft": ["There is no draft screen to submit"]})
        screen = screen_record(
            person_id=person_id,
            version=draft.questionnaire_version.version,
            answers=draft.answers,
            actor=actor,
            channel=channel,
        )
        draft.delete()
    return screen
