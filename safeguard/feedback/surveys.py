"""Feedback surveys as data.

Each version of a survey is a file ``data/surveys/<code>_v<N>.json``: its questions (each
answered ``yes``, ``no`` or ``not_sure``, or in free text), optional questions about the person
(sex, age band) and whether they want to be contacted. A published file never changes: its
content hash is pinned in ``PUBLISHED``, and ``read_definition`` refuses a file that no longer
matches. To change a question, add version N+1 and a data migration calling ``load_versions``.
Responses keep the version they were answered on.
"""

import hashlib
import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

DATA_DIR = Path(__file__).resolve().parent / "data" / "surveys"
CHOICE, TEXT = "choice", "text"
TEXT_MAX_LENGTH = 2000
FILE_NAME = re.compile(r"^(?P<code>[a-z_]+)_v(?P<version>\d+)\.json$")

PUBLISHED = {
    ("people_on_probation", 1): "5cba7b894ec00f885433fff7b8754aa285e684bf2aa504f3020a47688a70a1e4",
}


class DefinitionError(ImproperlyConfigured):
    """A survey file is not valid."""


@dataclass(frozen=True)
class Option:
    value: str
    label: str


@dataclass(frozen=True)
class Question:
    id: str
    type: str  # CHOICE or TEXT
    text: str
    short: str
    hint: str = ""
    options: tuple[Option, ...] = ()

    @property
    def values(self) -> tuple[str, ...]:
        return tuple(o.value for o in self.options)

    def label_for(self, value) -> str:
        return next((o.label for o in self.options if o.value == value), "")


@dataclass(frozen=True)
class Survey:
    code: str
    version: int
    title: str
    intro: tuple[str, ...]
    questions: tuple[Question, ...]  # the main questions, in order (choice and text)
    about_you: tuple[Question, ...]  # optional questions about the person
    contact: Question
    content_hash: str

    @property
    def choice_questions(self) -> tuple[Question, ...]:
        return tuple(q for q in self.questions if q.type == CHOICE)

    @property
    def text_questions(self) -> tuple[Question, ...]:
        return tuple(q for q in self.questions if q.type == TEXT)

    @property
    def pages(self) -> tuple[Question, ...]:
        """One question a page, in the order they are asked."""
        return (*self.questions, *self.about_you, self.contact)

    @property
    def by_id(self) -> dict[str, Question]:
        return {q.id: q for q in self.pages}

    @property
    def answer_options(self) -> tuple[Option, ...]:
        return self.choice_questions[0].options if self.choice_questions else ()

    @property
    def answer_values(self) -> tuple[str, ...]:
        return self.choice_questions[0].values if self.choice_questions else ()


def content_hash(definition: dict) -> str:
    canonical = json.dumps(definition, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def definition_path(code: str, version: int) -> Path:
    return DATA_DIR / f"{code}_v{version}.json"


def available() -> list[tuple[str, int]]:
    found = []
    for path in DATA_DIR.glob("*.json"):
        match = FILE_NAME.match(path.name)
        if match:
            found.append((match["code"], int(match["version"])))
    return sorted(found)


def read_definition(code: str, version: int) -> dict:
    path = definition_path(code, version)
    if not path.exists():
        raise DefinitionError(f"No survey {code} version {version}")
    definition = json.loads(path.read_text(encoding="utf-8"))
    pinned = PUBLISHED.get((code, version))
    if pinned and content_hash(definition) != pinned:
        raise DefinitionError(
            f"{path.name} has changed since it was published: add a new version instead"
        )
    return definition


def _options(raw) -> tuple[Option, ...]:
    return tuple(Option(value=o["value"], label=o["label"]) for o in raw)


def parse(definition: dict) -> Survey:
    """Check a definition and turn it into a ``Survey``."""
    try:
        answers = _options(definition["answers"])
        questions = []
        for raw in definition["questions"]:
            kind = raw.get("type", CHOICE)
            if kind not in (CHOICE, TEXT):
                raise DefinitionError(f"{raw['id']}: unknown type {kind!r}")
            questions.append(
                Question(
                    id=raw["id"],
                    type=kind,
                    text=raw["text"],
                    short=raw.get("short", raw["text"]),
                    hint=raw.get("hint", ""),
                    options=answers if kind == CHOICE else (),
                )
            )
        about = [
            Question(
                id=raw["id"],
                type=CHOICE,
                text=raw["text"],
                short=raw.get("short", raw["text"]),
                hint=raw.get("hint", ""),
                options=_options(raw["options"]),
            )
            for raw in definition.get("about_you", [])
        ]
        raw = definition["contact"]
        contact = Question(
            id=raw["id"],
            type=CHOICE,
            text=raw["text"],
            short=raw.get("short", "Asked to be contacted"),
            hint=raw.get("hint", ""),
            options=_options(raw["options"]),
        )
        survey = Survey(
            code=definition["survey"],
            version=int(definition["version"]),
            title=definition["title"],
            intro=tuple(definition.get("intro", [])),
            questions=tuple(questions),
            about_you=tuple(about),
            contact=contact,
            content_hash=content_hash(definition),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise DefinitionError(f"The survey definition is not valid: {exc!r}") from exc
    ids = [q.id for q in survey.pages]
    if len(ids) != len(set(ids)):
        raise DefinitionError("Question ids must be unique")
    if {o.value for o in contact.options} != {"yes", "no"}:
        raise DefinitionError("The contact question is answered yes or no")
    return survey


@cache
def survey_version(code: str, version: int) -> Survey:
    return parse(read_definition(code, version))


def current(code: str) -> Survey | None:
    versions = [v for c, v in available() if c == code]
    return survey_version(code, max(versions)) if versions else None


def codes() -> list[str]:
    return sorted({c for c, _ in available()})


def load_versions(model, versions=None) -> None:
    """Store the survey versions (for a data migration): code, version, hash and content."""
    for code, version in versions or available():
        definition = read_definition(code, version)
        model.objects.update_or_create(
            code=code,
            version=version,
            defaults={"content_hash": content_hash(definition), "definition": definition},
        )
