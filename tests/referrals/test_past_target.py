"""Referral monitoring's "past target" comes from the due date each referral was given when it
was sent, not the agency's target as it is now (issue 19): changing a target does not rewrite
history."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from safeguard.referrals import insights
from safeguard.referrals.models import Agency
from tests.factories import SentReferralFactory

LONDON = ZoneInfo("Europe/London")
SENT = dt.datetime(2026, 10, 5, 10, tzinfo=LONDON)  # a Monday


def decided(person, agency, *, due_by, decided_on, status="accepted"):
    decided_at = dt.datetime.combine(decided_on, dt.time(16), tzinfo=LONDON)
    return SentReferralFactory(
        person=person,
        agency=agency,
        status=status,
        sent_at=SENT,
        due_by=due_by,
        decided_at=decided_at,
        decision_working_days=(decided_on - SENT.date()).days,
        rejection_reason="below_threshold" if status == "rejected" else "",
    )


def past_target(org):
    # The figures before the small-number rule hides them (these tests use one or three
    # referrals; tests/referrals/test_suppression.py covers what is published).
    referrals = insights.filtered_referrals(
        user=org["staff"]["national"], date_from=dt.date(2026, 10, 1), date_to=dt.date(2026, 10, 31)
    )
    tables, _ = insights.figures(referrals, ["agency"], dt.date(2026, 11, 30))
    return {g["label"]: g["past_target"] for g in tables["agency"]}


@pytest.mark.django_db
def test_changing_an_agencys_target_leaves_past_figures_unchanged(org):
    kent = Agency.objects.get(name="Kent Adult Social Care")
    kent.response_target_working_days = 3
    kent.save()
    person = org["people"]["mine"]
    due = dt.date(2026, 10, 8)  # 3 working days after Monday 5 October
    decided(person, kent, due_by=due, decided_on=dt.date(2026, 10, 7))  # in time
    decided(person, kent, due_by=due, decided_on=dt.date(2026, 10, 8))  # on the day: in time
    decided(person, kent, due_by=due, decided_on=dt.date(2026, 10, 9), status="rejected")  # late
    before = past_target(org)
    assert before["Kent Adult Social Care"] == 1

    # The council shortens its target to 1 working day, then lengthens it to 10: the referrals
    # already decided were judged against the dates they were given.
    for target in (1, 10):
        kent.response_target_working_days = target
        kent.save()
        assert past_target(org) == before


@pytest.mark.django_db
def test_a_decision_late_against_its_own_due_date_counts_whatever_the_target(org):
    kent = Agency.objects.get(name="Kent Adult Social Care")
    kent.response_target_working_days = 20  # generous now; the referral was given 2 days
    kent.save()
    decided(
        org["people"]["mine"],
        kent,
        due_by=dt.date(2026, 10, 7),
        decided_on=dt.date(2026, 10, 12),
    )
    assert past_target(org)["Kent Adult Social Care"] == 1
