"""The vulnerability questionnaire as data.

Each version is a file ``data/vulnerability/v<N>.json`` holding the questions, their domains and
the scoring rules of that version (see ``scoring.py`` for what the rules mean). A published file
never changes: to change a question or a threshold, add ``v<N+1>.json`` and a data migration that
calls ``load_versions``. Screens keep the version they were answered on, so an old screen is
always read with its own questions.
"""

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

DATA_DIR = Path(__file__).resolve().parent / "data" / "vulnerability"
QUESTION_TYPES = ("single", "multiple", "boolean", "scale", "text")
DOMAIN_LEVELS = ("none", "low", "medium", "high")
# In rank order. "Not known" (a suicide question declined, from version 2) ranks above medium:
# the person counts as at risk, and the answer not given might have shown a higher level.
RISK_TO_SELF_LEVELS = ("low", "medium", "not_known", "high", "very_high")
# The levels a rule may set: "not known" comes only from ``not_known_when``.
RULE_LEVELS = ("low", "medium", "high", "very_high")
TEXT_MAX_LENGTH = 2000

# The content hash of every published version. ``read_definition`` refuses a published file
# whose content no longer matches: change the questions in a new version instead.
PUBLISHED = {
    1: "99e41f61c68b3b9d10357fabe012d2f5af44d08817fcbbc790a05df0f26e8a39",
    2: "b42898c0948057b8d11551af8aff5629bb50f3411a0b6cac881cb72cb15e6270",
}


class DefinitionError(ImproperlyConfigured):
    """A questionnaire file is not valid."""


@dataclass(frozen=True)
class Option:
    value: str
    label: str
    points: int = 0
    exclusive: bool = False


@dataclass(frozen=True)
class Question:
    id: str
    domain: str
    text: str
    short: str
    type: str
    required: bool
    hint: str = ""
    options: tuple[Option, ...] = ()
    min: int | None = None
    max: int | None = None
    points_from: tuple[tuple[int, int], ...] = ()
    points_if_yes: int = 0

    @property
    def allowed_answers(self) -> list[str] | None:
        if self.type in ("single", "multiple"):
            return [o.value for o in self.options]
        return None

    @property
    def scale_values(self) -> list[int]:
        return list(range(self.min, self.max + 1)) if self.type == "scale" else []

    def label_for(self, value) -> str:
        if self.type == "boolean":
            return {True: "Yes", False: "No"}.get(value, "")
        for option in self.options:
            if option.value == value:
                return option.label
        return "" if value is None else str(value)


@dataclass(frozen=True)
class Domain:
    id: str
    title: str
    intro: str = ""


@dataclass(frozen=True)
class Questionnaire:
    version: int
    title: str
    guidance: tuple[str, ...]
    domains: tuple[Domain, ...]
    questions: tuple[Question, ...]
    scoring: dict = field(repr=False, hash=False, compare=False)

    @property
    def by_id(self) -> dict[str, Question]:
        return {q.id: q for q in self.questions}

    @property
    def domain_titles(self) -> dict[str, str]:
        return {d.id: d.title for d in self.domains}

    def grouped(self) -> list[tuple[Domain, list[Question]]]:
        """Questions grouped by domain, in the order of the file."""
        return [(d, [q for q in self.questions if q.domain == d.id]) for d in self.domains]


def content_hash(definition: dict) -> str:
    canonical = json.dumps(definition, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def definition_path(version: int) -> Path:
    return DATA_DIR / f"v{version}.json"


def available_versions() -> list[int]:
    found = []
    for path in DATA_DIR.glob("v*.json"):
        match = re.fullmatch(r"v([1-9][0-9]*)\.json", path.name)
        if match:
            found.append(int(match.group(1)))
    return sorted(found)


def read_definition(version: int) -> dict:
    definition = json.loads(definition_path(version).read_text(encoding="utf-8"))
    parse(definition)  # refuse to load a file that is not valid
    if definition.get("version") != version:
        raise DefinitionError(f"v{version}.json says it is version {definition.get('version')}.")
    pinned = PUBLISHED.get(version)
    if pinned and content_hash(definition) != pinned:
        raise DefinitionError(
            f"v{version}.json was changed after it was published. "
            f"Put the change in a new version (v{max(available_versions()) + 1}.json) instead."
        )
    return definition


def load_versions(QuestionnaireVersion, versions=None):  # noqa: N803 (a model class)
    """Store the given versions (default: every file) unless already stored.

    Used by data migrations with the historical model. A version already stored with different
    content is refused: published questions never change under the screens that used them.
    """
    for version in versions if versions is not None else available_versions():
        definition = read_definition(version)
        digest = content_hash(definition)
        existing = QuestionnaireVersion.objects.filter(version=version).first()
        if existing is None:
            QuestionnaireVersion.objects.create(
                version=version, definition=definition, content_hash=digest
            )
        elif existing.content_hash != digest:
            raise DefinitionError(
                f"Questionnaire version {version} was changed after it was published. "
                f"Put the change in a new version (v{version + 1}.json) instead."
            )


# ---- parsing and checking a definition --------------------------------------------------

# Which kinds of condition each part of the scoring may use. Levels, the overall rule and the
# Care Act indication may look only at answers (and levels derived from answers); only
# recommendations may also look at the case's registrations and safety plan.
ANSWER_CONDITIONS = frozenset({"answer", "domain", "any_domain_at_least", "all", "any", "not"})
# A Care Act part may also build on a part stated before it (part (c) follows "as a result of
# those needs", part (a)).
S42_CONDITIONS = ANSWER_CONDITIONS | {"s42"}
FLOOR_CONDITIONS = frozenset({"answer", "all", "any", "not"})
RECOMMENDATION_CONDITIONS = ANSWER_CONDITIONS | {
    "overall_at_least",
    "overall_is",
    "s42",
    "registered",
    "has_safety_plan",
}
S42_PARTS = (
    "care_and_support_needs",
    "experiencing_or_at_risk_of_abuse_or_neglect",
    "unable_to_protect_self",
)


def _fail(message):
    raise DefinitionError(f"Questionnaire definition: {message}")


def _parse_question(raw: dict, domain_ids: set[str]) -> Question:
    qid = raw.get("id")
    if not isinstance(qid, str) or not re.fullmatch(r"[a-z][a-z0-9_]*", qid):
        _fail(f"bad question id {qid!r}")
    qtype = raw.get("type")
    if qtype not in QUESTION_TYPES:
        _fail(f"{qid}: type must be one of {', '.join(QUESTION_TYPES)}")
    if raw.get("domain") not in domain_ids:
        _fail(f"{qid}: unknown domain {raw.get('domain')!r}")
    for key in ("text", "short"):
        if not isinstance(raw.get(key), str) or not raw[key].strip():
            _fail(f"{qid}: needs {key}")
    options = ()
    if qtype in ("single", "multiple"):
        raw_options = raw.get("allowed_answers") or []
        if len(raw_options) < 2:
            _fail(f"{qid}: a {qtype} question needs at least two allowed answers")
        options = tuple(
            Option(
                value=o["value"],
                label=o["label"],
                points=int(o.get("points", 0)),
                exclusive=bool(o.get("exclusive", False)),
            )
            for o in raw_options
        )
        values = [o.value for o in options]
        if len(set(values)) != len(values):
            _fail(f"{qid}: allowed answers repeat a value")
        if qtype == "single" and any(o.exclusive for o in options):
            _fail(f"{qid}: only multiple-choice answers can be exclusive")
    elif "allowed_answers" in raw:
        _fail(f"{qid}: only single and multiple questions have allowed answers")
    minimum = maximum = None
    if qtype == "scale":
        minimum, maximum = raw.get("min"), raw.get("max")
        if not (isinstance(minimum, int) and isinstance(maximum, int) and minimum < maximum):
            _fail(f"{qid}: a scale needs whole-number min and max, min below max")
    points_from = tuple((int(a), int(b)) for a, b in raw.get("points_from", ()))
    return Question(
        id=qid,
        domain=raw["domain"],
        text=raw["text"],
        short=raw["short"],
        type=qtype,
        required=bool(raw.get("required", True)),
        hint=raw.get("hint", ""),
        options=options,
        min=minimum,
        max=maximum,
        points_from=points_from,
        points_if_yes=int(raw.get("points_if_yes", 0)),
    )


def condition_kind(condition: dict) -> str:
    """The kind of a condition: its one key that names a kind (``answer`` has companions such
    as ``in``; key order is not kept by every database's JSON type)."""
    return next(key for key in condition if key in RECOMMENDATION_CONDITIONS)


def check_condition(
    condition, *, allowed: frozenset, questions: dict, domains: set, where: str, s42_before=None
):
    """Refuse a condition that names an unknown question, value, domain or level, or that uses
    something its part of the scoring may not look at."""
    if not isinstance(condition, dict) or len(condition) == 0:
        _fail(f"{where}: a condition must be an object")
    kinds = set(condition) & RECOMMENDATION_CONDITIONS
    if len(kinds) != 1:
        _fail(f"{where}: a condition needs exactly one kind, not {sorted(condition)}")
    kind = condition_kind(condition)
    if kind not in allowed:
        _fail(f"{where}: {kind!r} may not be used here")
    if kind in ("all", "any"):
        for part in condition[kind]:
            check_condition(
                part,
                allowed=allowed,
                questions=questions,
                domains=domains,
                where=where,
                s42_before=s42_before,
            )
    elif kind == "not":
        check_condition(
            condition["not"],
            allowed=allowed,
            questions=questions,
            domains=domains,
            where=where,
            s42_before=s42_before,
        )
    elif kind == "answer":
        question = questions.get(condition["answer"])
        if question is None:
            _fail(f"{where}: unknown question {condition['answer']!r}")
        if "in" in condition:
            if question.type in ("single", "multiple"):
                bad = set(condition["in"]) - set(question.allowed_answers)
            elif question.type == "boolean":
                bad = {v for v in condition["in"] if not isinstance(v, bool)}
            else:
                bad = {"in"}
            if bad:
                _fail(f"{where}: {question.id} has no answer(s) {sorted(map(str, bad))}")
        elif "at_least" in condition:
            if question.type != "scale":
                _fail(f"{where}: at_least applies to scale questions only")
        else:
            _fail(f"{where}: an answer condition needs 'in' or 'at_least'")
    elif kind == "domain":
        if condition["domain"] not in domains:
            _fail(f"{where}: unknown domain {condition['domain']!r}")
        if condition.get("at_least") not in DOMAIN_LEVELS:
            _fail(f"{where}: unknown level {condition.get('at_least')!r}")
    elif kind == "any_domain_at_least" and condition[kind] not in DOMAIN_LEVELS:
        _fail(f"{where}: unknown level {condition[kind]!r}")
    elif kind in ("overall_at_least", "overall_is") and condition[kind] not in RISK_TO_SELF_LEVELS:
        _fail(f"{where}: unknown risk-to-self level {condition[kind]!r}")
    elif kind == "s42" and condition[kind] not in (
        (*S42_PARTS, "indicated") if s42_before is None else s42_before
    ):
        _fail(f"{where}: unknown or later Care Act part {condition[kind]!r}")


def parse(definition: dict) -> Questionnaire:
    if not isinstance(definition, dict):
        _fail("must be an object")
    version = definition.get("version")
    if not isinstance(version, int) or version < 1:
        _fail("needs a whole-number version of 1 or more")
    domains = tuple(
        Domain(id=d["id"], title=d["title"], intro=d.get("intro", ""))
        for d in definition.get("domains", [])
    )
    domain_ids = {d.id for d in domains}
    if len(domain_ids) != len(domains) or not domains:
        _fail("domains must be given once each")
    questions = tuple(_parse_question(q, domain_ids) for q in definition.get("questions", []))
    by_id = {q.id: q for q in questions}
    if len(by_id) != len(questions):
        _fail("question ids must be unique")
    empty = domain_ids - {q.domain for q in questions}
    if empty:
        _fail(f"domains without questions: {sorted(empty)}")

    scoring = definition.get("scoring") or {}
    domain_rules = scoring.get("domains", {})
    if set(domain_rules) != domain_ids:
        _fail("scoring must give thresholds for every domain, and only those")
    for did, rule in domain_rules.items():
        thresholds = rule.get("thresholds", {})
        if set(thresholds) != {"low", "medium", "high"}:
            _fail(f"{did}: thresholds need low, medium and high")
        if not 0 < thresholds["low"] <= thresholds["medium"] <= thresholds["high"]:
            _fail(f"{did}: thresholds must rise from low to high and start above 0")
        for floor in rule.get("floors", []):
            if floor.get("level") not in DOMAIN_LEVELS:
                _fail(f"{did}: unknown floor level {floor.get('level')!r}")
            check_condition(
                floor.get("when"),
                allowed=FLOOR_CONDITIONS,
                questions=by_id,
                domains=domain_ids,
                where=f"{did} floor",
            )
    overall = scoring.get("overall", {})
    if overall.get("primary_domain") not in domain_ids:
        _fail("overall: primary_domain must be a domain")
    check_condition(
        overall.get("acute"),
        allowed=ANSWER_CONDITIONS,
        questions=by_id,
        domains=domain_ids,
        where="overall acute",
    )
    for key in (
        "very_high_when_primary_high_and_other_domains_high",
        "high_when_primary_medium_and_other_domains_high",
        "medium_when_other_domains_high",
        "medium_when_other_domains_medium",
    ):
        if not isinstance(overall.get(key), int) or overall[key] < 1:
            _fail(f"overall: {key} must be a whole number of 1 or more")
    rule_ids = set()
    for rule in overall.get("rules", []):
        if not rule.get("id") or rule["id"] in rule_ids:
            _fail(f"overall rules need unique ids ({rule.get('id')!r})")
        rule_ids.add(rule["id"])
        if rule.get("at_least") not in RULE_LEVELS:
            _fail(f"overall rule {rule['id']}: unknown level {rule.get('at_least')!r}")
        if not rule.get("because"):
            _fail(f"overall rule {rule['id']}: needs 'because', said to the practitioner")
        check_condition(
            rule.get("when"),
            allowed=ANSWER_CONDITIONS,
            questions=by_id,
            domains=domain_ids,
            where=f"overall rule {rule['id']}",
        )
    if "not_known_when" in overall:
        check_condition(
            overall["not_known_when"],
            allowed=ANSWER_CONDITIONS,
            questions=by_id,
            domains=domain_ids,
            where="overall not_known_when",
        )
    s42 = scoring.get("care_act_s42", {})
    if set(s42) != set(S42_PARTS):
        _fail(f"care_act_s42 needs exactly {', '.join(S42_PARTS)}")
    for index, part in enumerate(S42_PARTS):
        check_condition(
            s42[part],
            allowed=S42_CONDITIONS,
            questions=by_id,
            domains=domain_ids,
            where=part,
            s42_before=S42_PARTS[:index],
        )
    codes = set()
    for rec in scoring.get("recommendations", []):
        code = rec.get("code")
        if not code or code in codes:
            _fail(f"recommendation codes must be given and unique ({code!r})")
        codes.add(code)
        if not rec.get("text"):
            _fail(f"recommendation {code}: needs text")
        if rec.get("link") not in (None, "safety_plan"):
            _fail(f"recommendation {code}: unknown link {rec.get('link')!r}")
        check_condition(
            rec.get("when"),
            allowed=RECOMMENDATION_CONDITIONS,
            questions=by_id,
            domains=domain_ids,
            where=f"recommendation {code}",
        )
    return Questionnaire(
        version=version,
        title=definition.get("title", "Vulnerability screen"),
        guidance=tuple(definition.get("guidance", ())),
        domains=domains,
        questions=questions,
        scoring=scoring,
    )
