"""Scoring the vulnerability screen: the one place where answers become levels.

What goes in: a questionnaire version and the answers given. Nothing else about the person
reaches the levels, the overall risk to self or the Care Act indication: not sex, gender
identity, ethnicity, age or any other protected characteristic (recommendations may also use
the case's active registration codes and whether a current safety plan exists, and nothing
more). ``tests/assessments/test_equal_treatment.py`` proves it through the whole service.

The numbers (points, thresholds, floors, the Care Act conditions and the recommendations) are
data in each version's file, ``data/vulnerability/v<N>.json``; the rules that use them are here:

1. **Domain score**: the sum of the points of the answers in the domain. A single-choice answer
   scores its option's points; a multiple-choice answer the sum of the options chosen; a yes to
   a yes/no question its ``points_if_yes``; a scale answer the points of the highest
   ``[at least, points]`` pair of ``points_from`` it reaches; text and unanswered questions 0.
2. **Domain level**: the highest of low, medium and high whose threshold the score reaches, or
   none; then raised (never lowered) to the level of any floor whose condition holds.
3. **Overall risk to self**. With P the level of the primary domain (suicide and self-harm),
   H the number of other domains rated high and M the number of other domains rated medium or
   high, and the numbers in ``scoring.overall``:

   - **very high** when P is high and either an *acute* answer was given (for example thoughts
     of suicide with a plan) or H reaches ``very_high_when_primary_high_and_other_domains_high``;
   - **high** when P is high, or P is medium and H reaches
     ``high_when_primary_medium_and_other_domains_high``;
   - **medium** when P is medium, or H reaches ``medium_when_other_domains_high``, or M reaches
     ``medium_when_other_domains_medium``;
   - **low** otherwise.

   From version 2, the suicide and self-harm signals are also stated as explicit rules
   (``scoring.overall.rules``, each with the least level it sets and why): the level is raised,
   never lowered, to that of every rule that holds, so that no point total stands between a
   current indicator and its action. Then, when ``not_known_when`` holds (a suicide question
   declined) and the level is below high, the level is **not known**: it counts as at risk, and
   ranks above medium because the answer not given might have shown more.

4. **Care Act 2014 s42**: each of the three parts is indicated when its condition holds;
   ``indicated`` is true only when all three are.
5. **Recommendations**: every recommendation whose condition holds, in the file's order.

Conditions are small objects: ``{"answer": id, "in": [values]}`` (for a multiple-choice answer:
any chosen value in the list), ``{"answer": id, "at_least": n}`` (scale), ``{"domain": id,
"at_least": level}``, ``{"any_domain_at_least": level}``, ``{"all": [...]}``, ``{"any": [...]}``,
``{"not": ...}``, and for recommendations only ``{"overall_at_least": level}``,
``{"overall_is": level}``, ``{"s42": part or
"indicated"}``, ``{"registered": code}`` and ``{"has_safety_plan": true}``.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError

from safeguard.assessments.questionnaires import (
    DOMAIN_LEVELS,
    RISK_TO_SELF_LEVELS,
    S42_PARTS,
    TEXT_MAX_LENGTH,
    Question,
    Questionnaire,
    condition_kind,
)

_DOMAIN_RANK = {level: i for i, level in enumerate(DOMAIN_LEVELS)}
_RISK_RANK = {level: i for i, level in enumerate(RISK_TO_SELF_LEVELS)}


@dataclass(frozen=True)
class Outcome:
    domain_scores: dict[str, int]
    domain_levels: dict[str, str]
    risk_to_self: str
    acute: bool
    care_act_s42: dict[str, bool]
    recommendations: list[dict] = field(default_factory=list)
    # Why the overall level is at least what it is: the ``because`` of each rule that held.
    reasons: tuple[str, ...] = ()


# ---- validating answers -----------------------------------------------------------------


class _Invalid(Exception):
    pass


def _missing(value) -> bool:
    return (
        value is None
        or value == ""
        or value == []
        or (isinstance(value, str) and not value.strip())
    )


def required_message(question: Question) -> str:
    if question.type == "multiple":
        exclusive = [o.label for o in question.options if o.exclusive]
        tail = f", or \u2018{exclusive[0]}\u2019" if exclusive else ""
        return f"Select at least one answer about {question.short}{tail}"
    if question.type == "scale":
        return f"Select a number between {question.min} and {question.max} for {question.short}"
    if question.type == "text":
        return f"Enter an answer about {question.short}"
    return f"Select an answer about {question.short}"


def _clean(question: Question, value):
    if question.type == "single":
        if not isinstance(value, str) or value not in question.allowed_answers:
            raise _Invalid(f"Select one of the answers given about {question.short}")
        return value
    if question.type == "multiple":
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise _Invalid(f"Select only the answers given about {question.short}")
        unknown = [v for v in value if v not in question.allowed_answers]
        if unknown:
            raise _Invalid(f"Select only the answers given about {question.short}")
        chosen = set(value)
        for option in question.options:
            if option.exclusive and option.value in chosen and len(chosen) > 1:
                raise _Invalid(
                    f"\u2018{option.label}\u2019 cannot be selected with other answers "
                    f"about {question.short}"
                )
        return [o.value for o in question.options if o.value in chosen]
    if question.type == "boolean":
        if not isinstance(value, bool):
            raise _Invalid(f"Answer yes or no about {question.short}")
        return value
    if question.type == "scale":
        if isinstance(value, bool) or not isinstance(value, int):
            raise _Invalid(f"Select a whole number between {question.min} and {question.max}")
        if not question.min <= value <= question.max:
            raise _Invalid(
                f"Select a number between {question.min} and {question.max} for {question.short}"
            )
        return value
    # text
    if not isinstance(value, str):
        raise _Invalid(f"Enter the answer about {question.short} as text")
    value = value.strip()
    if "\x00" in value:
        raise _Invalid(f"The answer about {question.short} contains characters not allowed")
    if len(value) > TEXT_MAX_LENGTH:
        raise _Invalid(
            f"The answer about {question.short} must be {TEXT_MAX_LENGTH} characters or fewer"
        )
    return value


def validate_answers(questionnaire: Questionnaire, answers) -> dict:
    """The answers, checked and normalised; or ``ValidationError`` keyed by question id."""
    if not isinstance(answers, dict):
        raise ValidationError({"answers": ["Send the answers as an object keyed by question id"]})
    errors: dict[str, list[str]] = {}
    cleaned = {}
    by_id = questionnaire.by_id
    for question in questionnaire.questions:
        value = answers.get(question.id)
        if _missing(value):
            if question.required:
                errors[question.id] = [required_message(question)]
            continue
        try:
            cleaned[question.id] = _clean(question, value)
        except _Invalid as exc:
            errors[question.id] = [str(exc)]
    for key in answers:
        if key not in by_id:
            errors[str(key)[:100]] = [
                f"There is no question {str(key)[:100]!r} in version {questionnaire.version}"
            ]
    if errors:
        raise ValidationError(errors)
    return cleaned


# ---- conditions -------------------------------------------------------------------------


@dataclass
class _Facts:
    answers: dict
    levels: dict[str, str] | None = None
    overall: str | None = None
    s42: dict[str, bool] | None = None
    registered: frozenset[str] = frozenset()
    has_safety_plan: bool = False


def _holds(condition: dict, facts: _Facts) -> bool:
    kind = condition_kind(condition)
    if kind == "all":
        return all(_holds(c, facts) for c in condition["all"])
    if kind == "any":
        return any(_holds(c, facts) for c in condition["any"])
    if kind == "not":
        return not _holds(condition["not"], facts)
    if kind == "answer":
        value = facts.answers.get(condition["answer"])
        if value is None:
            return False
        if "at_least" in condition:
            return isinstance(value, int) and value >= condition["at_least"]
        wanted = condition["in"]
        if isinstance(value, list):
            return any(v in wanted for v in value)
        if isinstance(value, bool):
            return any(w is value for w in wanted)
        return value in wanted
    if kind == "domain":
        level = facts.levels[condition["domain"]]
        return _DOMAIN_RANK[level] >= _DOMAIN_RANK[condition["at_least"]]
    if kind == "any_domain_at_least":
        floor = _DOMAIN_RANK[condition[kind]]
        return any(_DOMAIN_RANK[level] >= floor for level in facts.levels.values())
    if kind == "overall_at_least":
        return _RISK_RANK[facts.overall] >= _RISK_RANK[condition[kind]]
    if kind == "overall_is":
        return facts.overall == condition[kind]
    if kind == "s42":
        return facts.s42[condition["s42"]]
    if kind == "registered":
        return condition["registered"] in facts.registered
    if kind == "has_safety_plan":
        return facts.has_safety_plan is bool(condition["has_safety_plan"])
    raise ValueError(f"Unknown condition {kind!r}")  # parse() refuses these first


# ---- the rules --------------------------------------------------------------------------


def _points(question: Question, value) -> int:
    if value is None:
        return 0
    if question.type == "single":
        return next((o.points for o in question.options if o.value == value), 0)
    if question.type == "multiple":
        return sum(o.points for o in question.options if o.value in value)
    if question.type == "boolean":
        return question.points_if_yes if value is True else 0
    if question.type == "scale":
        reached = [points for at_least, points in question.points_from if value >= at_least]
        return max(reached, default=0)
    return 0


def domain_scores(questionnaire: Questionnaire, answers: dict) -> dict[str, int]:
    scores = {d.id: 0 for d in questionnaire.domains}
    for question in questionnaire.questions:
        scores[question.domain] += _points(question, answers.get(question.id))
    return scores


def domain_levels(questionnaire: Questionnaire, answers: dict) -> tuple[dict, dict]:
    """Rules 1 and 2: each domain's score and level."""
    scores = domain_scores(questionnaire, answers)
    facts = _Facts(answers=answers)
    levels = {}
    for domain_id, score in scores.items():
        rule = questionnaire.scoring["domains"][domain_id]
        level = "none"
        for candidate in ("low", "medium", "high"):
            if score >= rule["thresholds"][candidate]:
                level = candidate
        for floor in rule.get("floors", ()):
            if _DOMAIN_RANK[floor["level"]] > _DOMAIN_RANK[level] and _holds(floor["when"], facts):
                level = floor["level"]
        levels[domain_id] = level
    return scores, levels


def overall_risk_to_self(
    questionnaire: Questionnaire, levels: dict, *, acute: bool, answers: dict | None = None
) -> str:
    """Rule 3, the overall risk-to-self level, stated once (see the module docstring)."""
    return _overall(questionnaire, levels, acute=acute, answers=answers or {})[0]


def _overall(questionnaire, levels: dict, *, acute: bool, answers: dict):
    rule = questionnaire.scoring["overall"]
    primary = levels[rule["primary_domain"]]
    others = [level for domain, level in levels.items() if domain != rule["primary_domain"]]
    others_high = sum(1 for level in others if level == "high")
    others_medium_or_high = sum(1 for level in others if level in ("medium", "high"))

    if primary == "high" and (
        acute or others_high >= rule["very_high_when_primary_high_and_other_domains_high"]
    ):
        level = "very_high"
    elif primary == "high" or (
        primary == "medium"
        and others_high >= rule["high_when_primary_medium_and_other_domains_high"]
    ):
        level = "high"
    elif (
        primary == "medium"
        or others_high >= rule["medium_when_other_domains_high"]
        or others_medium_or_high >= rule["medium_when_other_domains_medium"]
    ):
        level = "medium"
    else:
        level = "low"

    facts = _Facts(answers=answers, levels=levels)
    reasons = []
    for explicit in rule.get("rules", ()):
        if _holds(explicit["when"], facts):
            reasons.append(explicit["because"])
            if _RISK_RANK[explicit["at_least"]] > _RISK_RANK[level]:
                level = explicit["at_least"]
    not_known_when = rule.get("not_known_when")
    if (
        not_known_when
        and _RISK_RANK[level] < _RISK_RANK["not_known"]
        and _holds(not_known_when, facts)
    ):
        level = "not_known"
        reasons.append("A question about suicide or self-harm was not answered")
    return level, tuple(reasons)


def care_act_s42(questionnaire: Questionnaire, answers: dict, levels: dict) -> dict[str, bool]:
    """Rule 4: the three parts of the Care Act 2014 s42 test, and whether all three hold."""
    parts: dict[str, bool] = {}
    facts = _Facts(answers=answers, levels=levels, s42=parts)
    # In order: a part may build on one stated before it (parse() allows only those).
    for part in S42_PARTS:
        parts[part] = _holds(questionnaire.scoring["care_act_s42"][part], facts)
    parts["indicated"] = all(parts[part] for part in S42_PARTS)
    return parts


def assess(questionnaire: Questionnaire, answers: dict) -> Outcome:
    """Rules 1 to 4, from the answers alone."""
    scores, levels = domain_levels(questionnaire, answers)
    acute = _holds(
        questionnaire.scoring["overall"]["acute"], _Facts(answers=answers, levels=levels)
    )
    risk_to_self, reasons = _overall(questionnaire, levels, acute=acute, answers=answers)
    return Outcome(
        domain_scores=scores,
        domain_levels=levels,
        risk_to_self=risk_to_self,
        acute=acute,
        care_act_s42=care_act_s42(questionnaire, answers, levels),
        reasons=reasons,
    )


def recommend(
    questionnaire: Questionnaire,
    answers: dict,
    outcome: Outcome,
    *,
    active_registration_codes: Iterable[str] = (),
    has_current_safety_plan: bool = False,
) -> list[dict]:
    """Rule 5. Registration suggestions name a register code; nothing is registered here."""
    facts = _Facts(
        answers=answers,
        levels=outcome.domain_levels,
        overall=outcome.risk_to_self,
        s42=outcome.care_act_s42,
        registered=frozenset(active_registration_codes),
        has_safety_plan=bool(has_current_safety_plan),
    )
    return [
        {
            "code": rec["code"],
            "text": rec["text"],
            "urgent": bool(rec.get("urgent", False)),
            "register": rec.get("register"),
            "link": rec.get("link"),
        }
        for rec in questionnaire.scoring.get("recommendations", ())
        if _holds(rec["when"], facts)
    ]


def evaluate(
    questionnaire: Questionnaire,
    answers: dict,
    *,
    active_registration_codes: Iterable[str] = (),
    has_current_safety_plan: bool = False,
) -> Outcome:
    """Validated answers in, the whole outcome out."""
    outcome = assess(questionnaire, answers)
    return Outcome(
        domain_scores=outcome.domain_scores,
        domain_levels=outcome.domain_levels,
        risk_to_self=outcome.risk_to_self,
        acute=outcome.acute,
        care_act_s42=outcome.care_act_s42,
        reasons=outcome.reasons,
        recommendations=recommend(
            questionnaire,
            answers,
            outcome,
            active_registration_codes=active_registration_codes,
            has_current_safety_plan=has_current_safety_plan,
        ),
    )
