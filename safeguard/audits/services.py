"""Audit exercises: drawing the sample, assigning auditors, answering, moderating, resolving.

The sample is reproducible: the eligible cases (those the person drawing it may see, with an
active registration of one of the codes asked for, in the PDUs asked for) are ordered by CRN
within each PDU and sampled with a random generator seeded by the exercise's seed and the
PDU's code, so the same seed over the same cases always draws the same sample. The share to
moderate is drawn the same way. Each sampled case gets a read-only snapshot, built for the
whole sample in a handful of queries."""

import datetime as dt
import random
from collections import defaultdict

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from safeguard.assessments.models import SafetyPlan, VulnerabilityScreen
from safeguard.audits import selectors, tools
from safeguard.audits.audit import AuditExerciseEvent
from safeguard.audits.models import (
    AuditAnswer,
    AuditCase,
    AuditCaseStatus,
    AuditExercise,
    AuditResolution,
    AuditRole,
    AuditToolVersion,
)
from safeguard.core import bounds
from safeguard.core.audit import Action, Channel, access_log_record
from safeguard.core.capabilities import Capability, has_capability, require_capability
from safeguard.core.errors import IllegalTransition, NotPermitted
from safeguard.core.models import Staff
from safeguard.engagement.models import Appointment
from safeguard.people.models import Person
from safeguard.people.selectors import visible_people
from safeguard.referrals.models import Referral
from safeguard.registrations.models import Registration, RegistrationStatus

DEFAULT_TOOL = "vulnerability_case_audit"
MAX_PER_PDU = 200
MAX_RATIONALE = 2000


def tool_row(code: str = DEFAULT_TOOL) -> AuditToolVersion:
    tool = tools.current(code)
    if tool is None:
        raise ValidationError({"tool": [f"There is no audit tool called {code!r}"]})
    row, _ = AuditToolVersion.objects.get_or_create(
        code=code,
        version=tool.version,
        defaults={
            "content_hash": tool.content_hash,
            "definition": tools.read_definition(code, tool.version),
        },
    )
    if row.content_hash != tool.content_hash:
        raise ValidationError({"tool": ["The stored audit tool does not match its file"]})
    return row


def tool_of(exercise: AuditExercise) -> tools.Tool:
    return tools.tool_version(exercise.tool.code, exercise.tool.version)


def eligible_people(user, *, registers, pdu_codes=()):
    """The cases ``user`` may see with an active registration of one of ``registers``."""
    people = visible_people(user).filter(
        pk__in=Registration.objects.filter(
            status=RegistrationStatus.ACTIVE, register_type__code__in=list(registers)
        ).values("person_id")
    )
    if pdu_codes:
        people = people.filter(pdu__code__in=list(pdu_codes))
    return people


def draw_sample(people, *, per_pdu: int, seed: int) -> list[int]:
    """The ids sampled from ``people``: up to ``per_pdu`` from each PDU, reproducibly."""
    by_pdu: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for pk, crn, pdu_code in people.values_list("pk", "crn", "pdu__code"):
        by_pdu[pdu_code].append((crn, pk))
    chosen = []
    for pdu_code in sorted(by_pdu):
        cases = sorted(by_pdu[pdu_code])
        rng = random.Random(f"{seed}:{pdu_code}")  # noqa: S311 - a sample, not a secret
        picked = rng.sample(cases, min(per_pdu, len(cases)))
        chosen += [pk for _, pk in sorted(picked)]
    return chosen


def moderation_sample(case_ids: list[int], *, percent: int, seed: int) -> set[int]:
    if not case_ids or percent <= 0:
        return set()
    count = max(1, round(len(case_ids) * percent / 100))
    rng = random.Random(f"{seed}:moderation")  # noqa: S311
    return set(rng.sample(sorted(case_ids), min(count, len(case_ids))))


def _date(value):
    return value.isoformat() if value else None


def snapshots(person_ids: list[int], *, now) -> dict[int, dict]:
    """The read-only picture of each case, for the whole sample at once (six queries)."""
    since = now - dt.timedelta(days=183)
    people = {
        p.pk: p
        for p in Person.objects.filter(pk__in=person_ids).select_related(
            "pdu", "team", "practitioner"
        )
    }
    registrations = defaultdict(list)
    for r in (
        Registration.objects.filter(person_id__in=person_ids)
        .select_related("register_type")
        .order_by("person_id", "-start_date")
    ):
        registrations[r.person_id].append(
            {
                "code": r.register_type.code,
                "description": r.register_type.description,
                "status": r.status,
                "start_date": _date(r.start_date),
                "next_review_date": _date(r.next_review_date),
                "ended_on": _date(r.ended_on),
            }
        )
    screens = defaultdict(list)
    for s in VulnerabilityScreen.objects.filter(person_id__in=person_ids).order_by(
        "person_id", "-completed_at"
    ):
        if len(screens[s.person_id]) < 3:
            screens[s.person_id].append(
                {
                    "completed_on": _date(timezone.localdate(s.completed_at)),
                    "risk_to_self": s.risk_to_self,
                    "domain_levels": s.domain_levels,
                    "s42_indicated": s.s42_indicated,
                    "recommendations": s.recommendations,
                }
            )
    plans = {}
    for plan in SafetyPlan.objects.filter(person_id__in=person_ids).order_by(
        "person_id", "-created_at"
    ):
        plans.setdefault(
            plan.person_id, {"status": plan.status, "review_date": _date(plan.review_date)}
        )
    referrals = defaultdict(list)
    for r in (
        Referral.objects.filter(person_id__in=person_ids)
        .select_related("agency")
        .order_by("person_id", "-id")
    ):
        referrals[r.person_id].append(
            {
                "kind": r.get_kind_display(),
                "agency": r.agency.name,
                "status": r.status,
                "sent_on": _date(r.sent_at and timezone.localdate(r.sent_at)),
            }
        )
    appointments = defaultdict(dict)
    from django.db.models import Count

    for person_id, outcome, n in (
        Appointment.objects.filter(
            person_id__in=person_ids, starts_at__gte=since, starts_at__lte=now
        )
        .values_list("person_id", "outcome")
        .annotate(n=Count("*"))
        .order_by()
    ):
        appointments[person_id][outcome or "not_recorded"] = n
    out = {}
    for pk in person_ids:
        p = people[pk]
        out[pk] = {
            "crn": p.crn,
            "name": f"{p.first_name} {p.last_name}",
            "date_of_birth": _date(p.date_of_birth),
            "sex": p.sex,
            "pdu": p.pdu.name,
            "team": p.team.name,
            "practitioner": p.practitioner.display_name if p.practitioner else None,
            "sentence_type": p.get_sentence_type_display(),
            "supervision_start": _date(p.supervision_start),
            "custody_status": p.custody_status,
            "accommodation_status": p.get_accommodation_status_display(),
            "mental_health_need": p.mental_health_need,
            "neurodivergence": p.neurodivergence,
            "learning_disability": p.learning_disability,
            "registrations": registrations[pk],
            "screens": screens[pk],
            "safety_plan": plans.get(pk),
            "referrals": referrals[pk][:10],
            "appointments_last_6_months": appointments[pk],
        }
    return out


def _check_staff(usernames, *, capability, field) -> list[Staff]:
    usernames = [u for u in dict.fromkeys(usernames or []) if u]
    staff = list(Staff.objects.filter(username__in=usernames, is_active=True))
    found = {s.username for s in staff}
    missing = [u for u in usernames if u not in found]
    if missing:
        raise ValidationError({field: [f"No member of staff has the username {missing[0]!r}"]})
    unable = [s.username for s in staff if not has_capability(s, capability)]
    if unable:
        raise ValidationError({field: [f"{unable[0]!r} cannot audit cases"]})
    return sorted(staff, key=lambda s: s.username)


def _next_who_sees(staff: list, start: int, person_id: int, sees: dict):
    """Round robin from ``start``: the first of ``staff`` who may see the case."""
    for k in range(len(staff)):
        candidate = staff[(start + k) % len(staff)]
        if person_id in sees[candidate.pk]:
            return candidate
    return None


def audit_exercise_create(
    *,
    title: str,
    registers,
    per_pdu: int,
    seed: int,
    actor,
    pdus=(),
    moderation_percent: int = 20,
    auditors=(),
    moderators=(),
    tool: str = DEFAULT_TOOL,
    channel: str = Channel.WEB,
    now=None,
) -> AuditExercise:
    """Draw the sample, take each case's snapshot and assign the auditors (round robin, by
    CRN order) and, for the share to moderate, a moderator who is not the case's auditor."""
    require_capability(actor, Capability.MANAGE_AUDITS)
    now = now or timezone.now()
    errors = {}
    title = (title or "").strip()
    if not title or len(title) > 200 or bounds.text_error(title):
        errors["title"] = ["Enter a title of 200 characters or fewer"]
    registers = sorted({(r or "").strip().upper() for r in registers or [] if (r or "").strip()})
    if not registers:
        errors["registers"] = ["Choose at least one register, such as RVLN or RVAD"]
    if not isinstance(per_pdu, int) or not 1 <= per_pdu <= MAX_PER_PDU:
        errors["per_pdu"] = [f"Sample between 1 and {MAX_PER_PDU} cases from each PDU"]
    if not isinstance(seed, int) or not 0 <= seed < 2**53:
        errors["seed"] = ["The seed is a whole number from 0"]
    if not isinstance(moderation_percent, int) or not 0 <= moderation_percent <= 100:
        errors["moderation_percent"] = ["Moderate between 0 and 100 per cent of cases"]
    if errors:
        raise ValidationError(errors)
    from safeguard.registrations.models import RegisterType

    known = set(RegisterType.objects.filter(code__in=registers).values_list("code", flat=True))
    if unknown := [r for r in registers if r not in known]:
        raise ValidationError({"registers": [f"{unknown[0]!r} is not a register code"]})
    pdus = sorted({(p or "").strip().upper() for p in pdus or [] if (p or "").strip()})
    auditor_staff = _check_staff(auditors, capability=Capability.AUDIT_CASES, field="auditors")
    moderator_staff = _check_staff(
        moderators, capability=Capability.AUDIT_CASES, field="moderators"
    )
    people = eligible_people(actor, registers=registers, pdu_codes=pdus)
    chosen = draw_sample(people, per_pdu=per_pdu, seed=seed)
    if not chosen:
        raise ValidationError({"registers": ["No cases you can see match these criteria"]})
    to_moderate = moderation_sample(chosen, percent=moderation_percent, seed=seed)
    if to_moderate and auditor_staff and not moderator_staff:
        raise ValidationError({"moderators": ["Name at least one moderator"]})
    with transaction.atomic():
        exercise = AuditExercise.objects.create(
            title=title,
            tool=tool_row(tool),
            criteria={
                "registers": registers,
                "pdus": pdus,
                "per_pdu": per_pdu,
                "seed": seed,
                "moderation_percent": moderation_percent,
            },
            seed=seed,
            created_by=actor,
        )
        pictures = snapshots(chosen, now=now)
        pdu_of = dict(Person.objects.filter(pk__in=chosen).values_list("pk", "pdu_id"))
        sees = {
            s.pk: set(visible_people(s).filter(pk__in=chosen).values_list("pk", flat=True))
            for s in {*auditor_staff, *moderator_staff}
        }
        cases = []
        for i, pk in enumerate(chosen):
            auditor = _next_who_sees(auditor_staff, i, pk, sees)
            if auditor_staff and auditor is None:
                raise ValidationError({"auditors": ["None of the auditors can see every case"]})
            moderator = None
            if pk in to_moderate and moderator_staff:
                others = [m for m in moderator_staff if m != auditor]
                moderator = _next_who_sees(others, i, pk, sees)
                if moderator is None:
                    raise ValidationError(
                        {
                            "moderators": [
                                "Each moderated case needs a moderator who can see it "
                                "and is not its auditor"
                            ]
                        }
                    )
            cases.append(
                AuditCase(
                    exercise=exercise,
                    person_id=pk,
                    pdu_id=pdu_of[pk],
                    snapshot=pictures[pk],
                    snapshot_taken_at=now,
                    auditor=auditor,
                    moderated=pk in to_moderate,
                    moderator=moderator,
                )
            )
        AuditCase.objects.bulk_create(cases)
        access_log_record(
            actor=actor,
            action=Action.CHANGE_PERSON,
            channel=channel,
            detail=f"audit exercise {exercise.pk}: {len(cases)} cases drawn with seed {seed}",
            event=AuditExerciseEvent.DRAWN,
            changes={"record": f"auditexercise:{exercise.pk}", "new": exercise.criteria},
        )
    return exercise


def _exercise_for(actor, exercise_id) -> AuditExercise:
    exercise = (
        selectors.exercises_for(actor)
        .select_related("tool", "created_by")
        .filter(pk=exercise_id)
        .first()
    )
    if exercise is None:
        raise Http404
    return exercise


def audit_case_get(*, exercise_id: int, case_id: int, actor, for_update=False) -> AuditCase:
    exercise = _exercise_for(actor, exercise_id)
    cases = selectors.cases_for(actor, exercise)
    if for_update:
        cases = cases.select_for_update(of=("self",))
    case = cases.filter(pk=case_id).first()
    if case is None:
        raise Http404
    case.exercise = exercise
    return case


def audit_assign(
    *, exercise_id: int, case_id: int, auditor: str, moderator: str = "", actor, channel=Channel.WEB
) -> AuditCase:
    """Give one case to an auditor (and a moderator, for a case drawn for moderation)."""
    require_capability(actor, Capability.MANAGE_AUDITS)
    with transaction.atomic():
        case = audit_case_get(
            exercise_id=exercise_id, case_id=case_id, actor=actor, for_update=True
        )
        if not selectors.may_manage(actor, case.exercise):
            raise NotPermitted("Only whoever drew the sample can assign its auditors")
        if case.status != AuditCaseStatus.TO_AUDIT:
            raise IllegalTransition("The case has been audited: its auditors cannot change now")
        [auditor_staff] = _check_staff(
            [auditor], capability=Capability.AUDIT_CASES, field="auditor"
        ) or [None]
        moderator_staff = None
        if moderator:
            [moderator_staff] = _check_staff(
                [moderator], capability=Capability.AUDIT_CASES, field="moderator"
            )
            if moderator_staff == auditor_staff:
                raise ValidationError({"moderator": ["The moderator must be someone else"]})
        for who, field in ((auditor_staff, "auditor"), (moderator_staff, "moderator")):
            if who and not visible_people(who).filter(pk=case.person_id).exists():
                raise ValidationError({field: ["They cannot see this case"]})
        case.auditor = auditor_staff
        case.moderator = moderator_staff if case.moderated else None
        case.save(update_fields=["auditor", "moderator"])
        access_log_record(
            actor=actor,
            action=Action.CHANGE_PERSON,
            channel=channel,
            person=case.person,
            detail=f"audit case {case.pk}: auditors assigned",
            event=AuditExerciseEvent.ASSIGNED,
            changes={"record": f"auditcase:{case.pk}"},
        )
    return case


def _clean_answers(tool: tools.Tool, answers) -> dict:
    if not isinstance(answers, dict):
        raise ValidationError({"answers": ["Answer every question"]})
    errors = {}
    cleaned = {}
    for question in tool.questions:
        given = answers.get(question.id)
        if not isinstance(given, dict):
            errors[question.id] = ["Answer yes, no or not applicable, with your reasons"]
            continue
        answer = given.get("answer")
        rationale = given.get("rationale")
        rationale = rationale.strip() if isinstance(rationale, str) else ""
        if answer not in tools.ANSWERS:
            errors[question.id] = ["Answer yes, no or not applicable"]
        elif not rationale:
            errors[question.id] = ["Give the reasons for your answer"]
        elif len(rationale) > MAX_RATIONALE or bounds.text_error(rationale):
            errors[question.id] = [f"Write {MAX_RATIONALE} characters or fewer, in plain text"]
        else:
            cleaned[question.id] = (answer, rationale)
    unknown = [k for k in answers if k not in tool.ids]
    if unknown:
        errors["answers"] = [f"{unknown[0]!r} is not a question of this audit tool"]
    if errors:
        raise ValidationError(errors)
    return cleaned


def audit_answers_record(
    *, exercise_id: int, case_id: int, answers: dict, actor, channel=Channel.WEB, now=None
) -> AuditCase:
    """The auditor's answers, or the moderator's once the auditor has answered. Answers are
    given once: after that, a disagreement is resolved, not overwritten."""
    require_capability(actor, Capability.AUDIT_CASES)
    now = now or timezone.now()
    with transaction.atomic():
        case = audit_case_get(
            exercise_id=exercise_id, case_id=case_id, actor=actor, for_update=True
        )
        if case.auditor_id == actor.pk:
            role = AuditRole.AUDITOR
            if case.status != AuditCaseStatus.TO_AUDIT:
                raise IllegalTransition("You have already answered this case")
        elif case.moderator_id == actor.pk:
            role = AuditRole.MODERATOR
            if case.status != AuditCaseStatus.AWAITING_MODERATION:
                raise IllegalTransition(
                    "The case can be moderated once the auditor has answered, and only once"
                )
        else:
            raise NotPermitted("Only the case's auditor or moderator can answer it")
        tool = tool_of(case.exercise)
        cleaned = _clean_answers(tool, answers)
        AuditAnswer.objects.bulk_create(
            [
                AuditAnswer(
                    case=case,
                    role=role,
                    question=q,
                    answer=a,
                    rationale=r,
                    answered_by=actor,
                    answered_at=now,
                )
                for q, (a, r) in cleaned.items()
            ]
        )
        if role == AuditRole.AUDITOR:
            case.status = (
                AuditCaseStatus.AWAITING_MODERATION if case.moderated else AuditCaseStatus.COMPLETE
            )
        else:
            first = dict(
                AuditAnswer.objects.filter(case=case, role=AuditRole.AUDITOR).values_list(
                    "question", "answer"
                )
            )
            disagree = any(first.get(q) != a for q, (a, _) in cleaned.items())
            case.status = AuditCaseStatus.DISAGREEMENT if disagree else AuditCaseStatus.COMPLETE
        case.save(update_fields=["status"])
        access_log_record(
            actor=actor,
            action=Action.CHANGE_PERSON,
            channel=channel,
            person=case.person,
            detail=f"audit case {case.pk}: {role} answers recorded",
            event=AuditExerciseEvent.ANSWERED
            if role == AuditRole.AUDITOR
            else AuditExerciseEvent.MODERATED,
            changes={"record": f"auditcase:{case.pk}", "new": {"status": case.status}},
        )
    return case


def disagreements(case: AuditCase) -> list[dict]:
    by_role = defaultdict(dict)
    for a in case.answers.all():
        by_role[a.role][a.question] = a
    resolved = {r.question: r for r in case.resolutions.all()}
    out = []
    for question, first in by_role[AuditRole.AUDITOR].items():
        second = by_role[AuditRole.MODERATOR].get(question)
        if second and second.answer != first.answer:
            out.append(
                {
                    "question": question,
                    "auditor": first,
                    "moderator": second,
                    "resolution": resolved.get(question),
                }
            )
    return out


def audit_disagreement_resolve(
    *,
    exercise_id: int,
    case_id: int,
    question: str,
    final_answer: str,
    note: str,
    actor,
    channel=Channel.WEB,
    now=None,
) -> AuditCase:
    """Settle one disagreement: the final answer and why. The case is complete once every
    disagreement is settled."""
    require_capability(actor, Capability.MANAGE_AUDITS)
    now = now or timezone.now()
    with transaction.atomic():
        case = audit_case_get(
            exercise_id=exercise_id, case_id=case_id, actor=actor, for_update=True
        )
        if not selectors.may_manage(actor, case.exercise):
            raise NotPermitted("Only whoever drew the sample can resolve disagreements")
        if case.status != AuditCaseStatus.DISAGREEMENT:
            raise IllegalTransition("This case has no disagreement to resolve")
        open_ones = {d["question"]: d for d in disagreements(case) if not d["resolution"]}
        if question not in open_ones:
            raise ValidationError({"question": ["Choose a question the auditors disagree on"]})
        if final_answer not in tools.ANSWERS:
            raise ValidationError({"final_answer": ["Choose yes, no or not applicable"]})
        note = (note or "").strip()
        if not note or len(note) > MAX_RATIONALE or bounds.text_error(note):
            raise ValidationError({"note": ["Say how the disagreement was resolved"]})
        d = open_ones[question]
        AuditResolution.objects.create(
            case=case,
            question=question,
            auditor_answer=d["auditor"].answer,
            moderator_answer=d["moderator"].answer,
            final_answer=final_answer,
            note=note,
            resolved_by=actor,
            resolved_at=now,
        )
        if len(open_ones) == 1:
            case.status = AuditCaseStatus.COMPLETE
            case.save(update_fields=["status"])
        access_log_record(
            actor=actor,
            action=Action.CHANGE_PERSON,
            channel=channel,
            person=case.person,
            detail=f"audit case {case.pk}: disagreement on {question} resolved",
            event=AuditExerciseEvent.RESOLVED,
            changes={"record": f"auditcase:{case.pk}", "new": {"final_answer": final_answer}},
        )
    return case
