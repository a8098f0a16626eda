"""Audit tools as data: ``data/tools/<code>_v<N>.json``, each question answered yes, no or not
applicable with a rationale. A published file is pinned by its hash (``PUBLISHED``); to change
a question, add version N+1. Exercises keep the version they were drawn with."""

import hashlib
import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

DATA_DIR = Path(__file__).resolve().parent / "data" / "tools"
FILE_NAME = re.compile(r"^(?P<code>[a-z_]+)_v(?P<version>\d+)\.json$")
ANSWERS = ("yes", "no", "not_applicable")
PUBLISHED = {
    (
        "vulnerability_case_audit",
        1,
    ): "fe9c976f9a1011a3dcfc6163e635aab07e0b6d61a3580e412e795afc576c5846",
}


class DefinitionError(ImproperlyConfigured):
    pass


@dataclass(frozen=True)
class Question:
    id: str
    section: str
    text: str


@dataclass(frozen=True)
class Tool:
    code: str
    version: int
    title: str
    guidance: tuple[str, ...]
    answer_labels: dict
    questions: tuple[Question, ...]
    content_hash: str

    @property
    def ids(self) -> list[str]:
        return [q.id for q in self.questions]

    def sections(self) -> list[tuple[str, list[Question]]]:
        out: list[tuple[str, list[Question]]] = []
        for q in self.questions:
            if not out or out[-1][0] != q.section:
                out.append((q.section, []))
            out[-1][1].append(q)
        return out


def content_hash(definition: dict) -> str:
    canonical = json.dumps(definition, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def available() -> list[tuple[str, int]]:
    found = []
    for path in DATA_DIR.glob("*.json"):
        if match := FILE_NAME.match(path.name):
            found.append((match["code"], int(match["version"])))
    return sorted(found)


def read_definition(code: str, version: int) -> dict:
    path = DATA_DIR / f"{code}_v{version}.json"
    if not path.exists():
        raise DefinitionError(f"No audit tool {code} version {version}")
    definition = json.loads(path.read_text(encoding="utf-8"))
    pinned = PUBLISHED.get((code, version))
    if pinned and content_hash(definition) != pinned:
        raise DefinitionError(f"{path.name} has changed since it was published: add a version")
    return definition


def parse(definition: dict) -> Tool:
    try:
        answers = {a["value"]: a["label"] for a in definition["answers"]}
        if tuple(answers) != ANSWERS:
            raise DefinitionError("Audit questions are answered yes, no or not applicable")
        questions = tuple(
            Question(id=q["id"], section=q["section"], text=q["text"])
            for q in definition["questions"]
        )
        tool = Tool(
            code=definition["tool"],
            version=int(definition["version"]),
            title=definition["title"],
            guidance=tuple(definition.get("guidance", [])),
            answer_labels=answers,
            questions=questions,
            content_hash=content_hash(definition),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise DefinitionError(f"The audit tool is not valid: {exc!r}") from exc
    if len(set(tool.ids)) != len(tool.ids):
        raise DefinitionError("Question ids must be unique")
    return tool


@cache
def tool_version(code: str, version: int) -> Tool:
    return parse(read_definition(code, version))


def current(code: str) -> Tool | None:
    versions = [v for c, v in available() if c == code]
    return tool_version(code, max(versions)) if versions else None


def load_versions(model, versions=None) -> None:
    for code, version in versions or available():
        definition = read_definition(code, version)
        model.objects.update_or_create(
            code=code,
            version=version,
            defaults={"content_hash": content_hash(definition), "definition": definition},
        )
