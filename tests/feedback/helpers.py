import datetime as dt

from safeguard.feedback import services
from safeguard.feedback.models import Office

SURVEY = "people_on_probation"


def office(pdu, code="OFF1", name="Maidstone office", location="Probation office, Maidstone"):
    return Office.objects.get_or_create(
        code=code, defaults={"name": name, "pdu": pdu, "location": location}
    )[0]


def load(actor, rows, *, survey=SURVEY, **kwargs):
    return services.feedback_responses_import(
        survey=survey, rows=list(enumerate(rows, start=1)), actor=actor, **kwargs
    )


def rows_of(answer_counts: dict, *, question="happy_with_support", pdu=None, day=None, **extra):
    """Rows giving ``question`` each answer as often as ``answer_counts`` says."""
    rows = []
    for answer, count in answer_counts.items():
        for i in range(count):
            tag = "-".join(f"{k}={v}" for k, v in sorted(extra.items()))
            row = {
                "answers": {question: answer},
                "id": f"{question}-{answer}-{i}-{pdu}-{day}-{tag}",
            }
            if pdu:
                row["pdu"] = pdu
            if day:
                row["answered_on"] = day.isoformat() if isinstance(day, dt.date) else day
            row.update(extra)
            rows.append(row)
    return rows
