"""The figures: per question and answer, the count, the number answering, the percentage and
a 95% Wilson interval; the same by PDU, office, sex and age band under the one small-number
rule (``safeguard.insights.suppression``); trends by quarter; free text only where at least 5
answered; and "do you feel safe at the office" per office beside the appointments held there
and the alternative venues offered instead. Every figure is a grouped count in the database."""

import datetime as dt
import math
from dataclasses import dataclass

from django.db.models import Count, Q
from django.db.models.functions import TruncQuarter

from safeguard.engagement.models import Appointment, AppointmentKind
from safeguard.feedback import selectors, surveys
from safeguard.feedback.models import FeedbackAnswer, FeedbackComment, FeedbackResponse, Office
from safeguard.insights.suppression import (
    SUPPRESS_BELOW,
    SUPPRESSED,
    is_small,
    suppress_one,
    suppress_values,
)

Z95 = 1.959963984540054
FREE_TEXT_MINIMUM = 5
GROUPS = {
    "pdu": ("By PDU", "pdu__code"),
    "office": ("By office", "office__code"),
    "sex": ("By sex", "sex"),
    "age_band": ("By age band", "age_band"),
}
ALTERNATIVE_VENUES = (
    AppointmentKind.HOME_VISIT,
    AppointmentKind.PARTNER_AGENCY,
    AppointmentKind.PHONE,
    AppointmentKind.VIDEO,
)
SAFE_QUESTION = "feels_safe_at_office"


def wilson(count: int, n: int, z: float = Z95) -> tuple[float, float]:
    """The Wilson score interval for ``count`` successes in ``n``, as proportions."""
    if n <= 0:
        return (0.0, 0.0)
    p = count / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    return (max(0.0, centre - half), min(1.0, centre + half))


def _pp(value: float) -> float:
    """A proportion as percentage points, to one decimal place."""
    return round(value * 100, 1)


def figure(question: str, answer: str, count: int, n: int) -> dict:
    low, high = wilson(count, n)
    return {
        "question": question,
        "answer": answer,
        "n": n,
        "count": count,
        "percent": _pp(count / n) if n else None,
        "ci_low": _pp(low) if n else None,
        "ci_high": _pp(high) if n else None,
    }


def responses_for(user, *, survey: str, date_from=None, date_to=None, pdu_code=""):
    """The responses to ``survey`` in ``user``'s area, in the period (and PDU)."""
    qs = FeedbackResponse.objects.filter(survey__code=survey)
    if not selectors.sees_everywhere(user):
        qs = qs.filter(pdu__in=selectors.pdus_in_scope(user))
    if date_from:
        qs = qs.filter(answered_on__gte=date_from)
    if date_to:
        qs = qs.filter(answered_on__lte=date_to)
    if pdu_code:
        qs = qs.filter(pdu__code=pdu_code)
    return qs


def _counts(responses, *extra) -> dict:
    """{(*extra values, question, answer): count} in one grouped query."""
    rows = (
        FeedbackAnswer.objects.filter(response__in=responses.values("pk"))
        .values_list(*[f"response__{e}" for e in extra], "question", "answer")
        .annotate(c=Count("*"))
        .order_by()
    )
    return {tuple(row[:-1]): row[-1] for row in rows}


def _rows_for(counts: dict, survey: surveys.Survey, prefix=()) -> list[dict]:
    rows = []
    for question in survey.choice_questions:
        per_answer = [counts.get((*prefix, question.id, a), 0) for a in question.values]
        n = sum(per_answer)
        if not n:
            continue
        for answer, count in zip(question.values, per_answer, strict=True):
            rows.append(figure(question.id, answer, count, n))
    return rows


def suppress_rows(rows: list[dict]) -> list[dict]:
    """The small-number rule on a question's rows: a count of 1 to 4 is hidden with its
    percentage and interval; where exactly one answer of a question is hidden, the next
    smallest is hidden too (its number answering is published); a number answering of 1 to 4
    hides the whole question."""
    out = []
    by_question: dict[str, list[dict]] = {}
    for row in rows:
        by_question.setdefault(row["question"], []).append(row)
    for question_rows in by_question.values():
        n = question_rows[0]["n"]
        if is_small(n):
            for row in question_rows:
                out.append(
                    {
                        **row,
                        "n": SUPPRESSED,
                        "count": SUPPRESSED,
                        "percent": None,
                        "ci_low": None,
                        "ci_high": None,
                    }
                )
            continue
        counts = suppress_values([r["count"] for r in question_rows], secondary=True)
        for row, count in zip(question_rows, counts, strict=True):
            if count == SUPPRESSED:
                out.append(
                    {**row, "count": SUPPRESSED, "percent": None, "ci_low": None, "ci_high": None}
                )
            else:
                out.append(row)
    return out


def overall(responses, survey: surveys.Survey, *, suppress=True) -> list[dict]:
    rows = _rows_for(_counts(responses), survey)
    return suppress_rows(rows) if suppress else rows


def breakdown(responses, survey: surveys.Survey, group: str) -> list[dict]:
    """Rows with a ``group`` value, suppressed within each group and question."""
    _, path = GROUPS[group]
    counts = _counts(responses, path)
    values = sorted({key[0] for key in counts}, key=lambda v: (v is None or v == "", str(v)))
    rows = []
    for value in values:
        label = value if value not in (None, "") else "Not known"
        for row in suppress_rows(_rows_for(counts, survey, prefix=(value,))):
            rows.append({"group": label, **row})
    return rows


def _quarter_label(day) -> str:
    day = day.date() if isinstance(day, dt.datetime) else day
    return f"{day.year} Q{(day.month - 1) // 3 + 1}"


def trends(responses, survey: surveys.Survey, answer: str = "yes") -> list[dict]:
    """Per question and quarter, the share answering ``answer`` (suppressed as elsewhere)."""
    rows = (
        FeedbackAnswer.objects.filter(response__in=responses.values("pk"))
        .annotate(quarter=TruncQuarter("response__answered_on"))
        .values_list("quarter", "question")
        .annotate(n=Count("*"), c=Count("pk", filter=Q(answer=answer)))
        .order_by("quarter", "question")
    )
    table: dict = {}
    for quarter, question, n, c in rows:
        table.setdefault(_quarter_label(quarter), {})[question] = (c, n)
    out = []
    for quarter, questions in table.items():
        cells = []
        for q in survey.choice_questions:
            c, n = questions.get(q.id, (0, 0))
            if not n:
                cells.append({"question": q.id, "n": 0, "count": 0, "percent": None})
            elif is_small(n) or is_small(c) or is_small(n - c):
                cells.append(
                    {
                        "question": q.id,
                        "n": n if not is_small(n) else SUPPRESSED,
                        "count": SUPPRESSED,
                        "percent": None,
                    }
                )
            else:
                cells.append({"question": q.id, "n": n, "count": c, "percent": _pp(c / n)})
        out.append({"quarter": quarter, "cells": cells})
    return out


@dataclass
class FreeText:
    question: surveys.Question
    answered: int
    shown: bool
    texts: list[str]


def free_text(responses, survey: surveys.Survey, *, limit=200) -> list[FreeText]:
    """Each free-text question's answers, never where fewer than 5 people answered it."""
    counts = dict(
        FeedbackComment.objects.filter(response__in=responses.values("pk"))
        .values_list("question")
        .annotate(c=Count("*"))
        .order_by()
    )
    shown_questions = [
        q.id for q in survey.text_questions if counts.get(q.id, 0) >= FREE_TEXT_MINIMUM
    ]
    texts: dict[str, list[str]] = {q: [] for q in shown_questions}
    if shown_questions:
        for question, text in (
            FeedbackComment.objects.filter(
                response__in=responses.values("pk"), question__in=shown_questions
            )
            .order_by("-response__answered_on", "-pk")
            .values_list("question", "text")
        ):
            if len(texts[question]) < limit:
                texts[question].append(text)
    return [
        FreeText(
            question=q,
            answered=counts.get(q.id, 0),
            shown=q.id in texts,
            texts=texts.get(q.id, []),
        )
        for q in survey.text_questions
    ]


def office_safety(user, responses, *, date_from=None, date_to=None) -> list[dict]:
    """Per office in the user's area: the "feels safe at the office" answers, the appointments
    held there in the period, and the appointments offered elsewhere (home visits, partner
    agencies, phone and video) to people of the office's PDU. Three grouped queries."""
    offices = list(selectors.offices_in_scope(user).order_by("pdu__name", "name"))
    if not offices:
        return []
    safe = dict(
        FeedbackAnswer.objects.filter(
            response__in=responses.values("pk"),
            response__office__in=offices,
            question=SAFE_QUESTION,
        )
        .values_list("response__office_id")
        .annotate(n=Count("*"))
        .order_by()
    )
    safe_yes = dict(
        FeedbackAnswer.objects.filter(
            response__in=responses.values("pk"),
            response__office__in=offices,
            question=SAFE_QUESTION,
            answer="yes",
        )
        .values_list("response__office_id")
        .annotate(n=Count("*"))
        .order_by()
    )
    appointments = Appointment.objects.all()
    if date_from:
        appointments = appointments.filter(starts_at__date__gte=date_from)
    if date_to:
        appointments = appointments.filter(starts_at__date__lte=date_to)
    held = {
        (pdu_id, location): n
        for pdu_id, location, n in appointments.filter(
            kind=AppointmentKind.OFFICE,
            location__in={o.location for o in offices},
            person__pdu_id__in={o.pdu_id for o in offices},
        )
        .values_list("person__pdu_id", "location")
        .annotate(n=Count("*"))
        .order_by()
    }
    elsewhere = {
        (pdu_id, kind): n
        for pdu_id, kind, n in appointments.filter(
            kind__in=ALTERNATIVE_VENUES, person__pdu_id__in={o.pdu_id for o in offices}
        )
        .values_list("person__pdu_id", "kind")
        .annotate(n=Count("*"))
        .order_by()
    }
    rows = []
    for office in offices:
        n = safe.get(office.pk, 0)
        yes = safe_yes.get(office.pk, 0)
        row = {
            "office": office,
            "n": n,
            "yes": yes,
            "percent": None,
            "ci_low": None,
            "ci_high": None,
        }
        if n and not is_small(n) and not is_small(yes) and not is_small(n - yes):
            f = figure(SAFE_QUESTION, "yes", yes, n)
            row.update(percent=f["percent"], ci_low=f["ci_low"], ci_high=f["ci_high"])
        elif n:
            row.update(n=SUPPRESSED if is_small(n) else n, yes=SUPPRESSED)
        row["held_there"] = suppress_one(held.get((office.pdu_id, office.location), 0))
        alternatives = [
            elsewhere.get((office.pdu_id, kind.value), 0) for kind in ALTERNATIVE_VENUES
        ]
        row["alternatives"] = [
            {"kind": kind.value, "label": kind.label, "count": count}
            for kind, count in zip(
                ALTERNATIVE_VENUES, suppress_values(alternatives, secondary=True), strict=True
            )
        ]
        row["alternatives_total"] = suppress_one(sum(alternatives))
        rows.append(row)
    return rows


def offices_of(user) -> list[Office]:
    return list(selectors.offices_in_scope(user).order_by("name"))


__all__ = ["SUPPRESS_BELOW", "figure", "wilson"]
