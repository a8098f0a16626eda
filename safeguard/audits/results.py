"""Audit results in the shape of the inspectorate's tables: for each question, the share of
cases answered "yes" among those where it applied, with a 95% Wilson interval, by PDU and
overall. A moderated case counts once, with its agreed or resolved answers."""

from collections import defaultdict

from safeguard.audits.models import AuditAnswer, AuditCaseStatus, AuditResolution, AuditRole
from safeguard.feedback.analysis import figure


def final_answers(exercise, cases) -> dict[int, dict[str, str]]:
    """{case id: {question: answer}} for the complete cases: the auditor's answers, replaced
    by the resolution wherever the auditors disagreed. Two queries."""
    complete = [c.pk for c in cases if c.status == AuditCaseStatus.COMPLETE]
    answers: dict[int, dict[str, str]] = defaultdict(dict)
    for case_id, question, answer in AuditAnswer.objects.filter(
        case_id__in=complete, role=AuditRole.AUDITOR
    ).values_list("case_id", "question", "answer"):
        answers[case_id][question] = answer
    for case_id, question, answer in AuditResolution.objects.filter(
        case_id__in=complete
    ).values_list("case_id", "question", "final_answer"):
        answers[case_id][question] = answer
    return answers


def results(exercise, cases, tool) -> dict:
    cases = list(cases)
    answers = final_answers(exercise, cases)
    pdus = sorted({c.pdu.name for c in cases})
    pdu_of = {c.pk: c.pdu.name for c in cases}
    counts = defaultdict(lambda: [0, 0, 0])  # (question, pdu) -> yes, no, not applicable
    for case_id, given in answers.items():
        for question, answer in given.items():
            for where in (pdu_of[case_id], "All"):
                slot = {"yes": 0, "no": 1, "not_applicable": 2}[answer]
                counts[question, where][slot] += 1
    rows = []
    for q in tool.questions:
        for where in [*pdus, "All"]:
            yes, no, na = counts[q.id, where]
            f = figure(q.id, "yes", yes, yes + no)
            rows.append(
                {
                    "question": q.id,
                    "text": q.text,
                    "section": q.section,
                    "pdu": where,
                    "n": yes + no,
                    "count": yes,
                    "not_applicable": na,
                    "percent": f["percent"],
                    "ci_low": f["ci_low"],
                    "ci_high": f["ci_high"],
                }
            )
    status_counts = defaultdict(int)
    for c in cases:
        status_counts[c.status] += 1
    return {
        "pdus": pdus,
        "rows": rows,
        "cases": len(cases),
        "complete": status_counts[AuditCaseStatus.COMPLETE],
        "statuses": dict(status_counts),
    }


def export_rows(result) -> tuple[list[str], list[list]]:
    header = [
        "Section",
        "Question",
        "PDU",
        "Yes",
        "Applicable",
        "Not applicable",
        "Per cent",
        "95% low",
        "95% high",
    ]
    body = [
        [
            r["section"],
            r["text"],
            r["pdu"],
            r["count"],
            r["n"],
            r["not_applicable"],
            r["percent"],
            r["ci_low"],
            r["ci_high"],
        ]
        for r in result["rows"]
    ]
    return header, body
