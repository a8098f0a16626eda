"""Demo feedback: the offices of the demo region and a survey of people on probation answered in
the proportions User Voice found (242 people: 65% happy with their support, 77% seeing
themselves as vulnerable, 19% not feeling safe at the office...), and two "you said, we did"
actions, so that the feedback pages show something worth reading in the demo.

Responses go in through the same import service a lead would use, so they are checked and
audited like any other; everything is synthetic and anonymous (no person is linked)."""

import random
from datetime import date, timedelta

from django.db.models import Count

from safeguard.core.bounds import months_before
from safeguard.core.models import Role, Staff

RESPONSES = 242
SURVEY = "people_on_probation"
# Share answering "yes" and "not sure" (the rest "no"), from the seed's User Voice survey where it
# gives a figure, else a plausible one.
YES_NOT_SURE = {
    "happy_with_support": (0.65, 0.10),
    "sees_self_as_vulnerable": (0.77, 0.08),
    "neurodivergent": (0.90, 0.04),
    "vulnerability_linked_to_offence": (0.55, 0.20),
    "induction_understood_vulnerabilities": (0.57, 0.13),
    "feels_safe_at_office": (0.72, 0.09),
    "helped_to_access_services": (0.60, 0.12),
    "received_additional_support": (0.48, 0.14),
    "good_relationship_with_practitioner": (0.75, 0.08),
    "had_multiple_practitioners": (0.50, 0.05),
}
BIGGEST_ISSUE = [
    "Finding somewhere safe to live",
    "Getting to appointments on time with no money for the bus",
    "Seeing a different officer every few months",
    "Waiting for mental health support",
    "The waiting room is crowded and I see people I know",
]
WHAT_WOULD_HELP = [
    "Text reminders the day before",
    "Someone who understands ADHD",
    "Appointments somewhere other than the office",
    "Help with forms for benefits",
    "Keeping the same officer",
]
SEX = [("male", 0.86), ("female", 0.12), ("prefer_not_to_say", 0.02)]
AGE_BAND = [("18-24", 0.15), ("25-34", 0.33), ("35-49", 0.34), ("50-64", 0.15), ("65+", 0.03)]


def _weighted(rng: random.Random, choices) -> str:
    values, weights = zip(*choices, strict=True)
    return rng.choices(values, weights=weights)[0]


def _answer(rng: random.Random, yes: float, not_sure: float) -> str:
    roll = rng.random()
    return "yes" if roll < yes else "not_sure" if roll < yes + not_sure else "no"


def demo_offices(region) -> list:
    """An office for each place the region's demo appointments are booked ("Probation office,
    <town>"), in the PDU that books most of them, so that feeling safe at an office sits
    beside the appointments held there."""
    from safeguard.engagement.models import Appointment
    from safeguard.feedback.models import Office

    rows = (
        Appointment.objects.filter(
            location__startswith="Probation office, ",
            person__team__pdu__region=region,
        )
        .values("location", "person__team__pdu")
        .annotate(n=Count("id"))
        .order_by("location", "-n")
    )
    chosen: dict[str, int] = {}
    for row in rows:
        chosen.setdefault(row["location"], row["person__team__pdu"])
    offices = []
    for index, (location, pdu_id) in enumerate(sorted(chosen.items()), start=1):
        office, _ = Office.objects.get_or_create(
            code=f"DEMO{index:02d}",
            defaults={
                "name": location.removeprefix("Probation office, ") + " probation office",
                "pdu_id": pdu_id,
                "location": location,
            },
        )
        offices.append(office)
    return offices


def seed_feedback(seed: int, today: date) -> dict[str, int]:
    """Offices, survey responses and "you said, we did" actions for the demo region."""
    from safeguard.feedback import services
    from safeguard.feedback.models import YouSaidWeDid

    lead = Staff.objects.filter(username="demo.regional", role=Role.REGIONAL_LEAD).first()
    if lead is None or lead.region is None:
        return {}
    offices = demo_offices(lead.region)
    if not offices:
        return {"offices": 0}
    rng = random.Random(f"feedback-{seed}")
    rows = []
    for number in range(1, RESPONSES + 1):
        office = rng.choice(offices)
        answers = {question: _answer(rng, *shares) for question, shares in YES_NOT_SURE.items()}
        if rng.random() < 0.6:
            answers["biggest_issue"] = rng.choice(BIGGEST_ISSUE)
        if rng.random() < 0.5:
            answers["what_would_help"] = rng.choice(WHAT_WOULD_HELP)
        answers["sex"] = _weighted(rng, SEX)
        answers["age_band"] = _weighted(rng, AGE_BAND)
        answered_on = months_before(today, rng.randrange(0, 12)) - timedelta(rng.randrange(28))
        rows.append(
            (
                number,
                {
                    "id": f"demo-{seed}-{number}",
                    "answers": answers,
                    "pdu": office.pdu.code,
                    "office": office.code,
                    "answered_on": answered_on.isoformat(),
                },
            )
        )
    report = services.feedback_responses_import(survey=SURVEY, rows=rows, actor=lead)
    actions = 0
    if not YouSaidWeDid.objects.exists():
        for theme, you_said, we_did, months in (
            (
                "feels_safe_at_office",
                "The waiting room feels crowded and unsafe",
                "Appointments can now be held at the library or a partner agency instead",
                1,
            ),
            (
                "had_multiple_practitioners",
                "I keep having to tell my story to a new officer",
                "A new officer now reads the case and meets the person with the old one first",
                3,
            ),
        ):
            services.you_said_we_did_record(
                actor=lead,
                region_code=lead.region.code,
                data={
                    "theme": theme,
                    "you_said": you_said,
                    "we_did": we_did,
                    "due_on": today + timedelta(days=30 * months),
                },
            )
            actions += 1
    return {
        "probation offices": len(offices),
        "feedback responses": report.loaded,
        "you said, we did actions": actions,
    }
