"""Screens that need someone to act: a very high, "not known" or urgent outcome raises a work
item that stays open until the follow-up is recorded; re-screening comes sooner for higher
levels."""

import datetime as dt

import pytest
from django.utils import timezone

from safeguard.assessments import policy, rules, services
from safeguard.assessments.models import VulnerabilityScreen
from safeguard.assessments.risk import person_at_risk_to_self
from safeguard.core.models import AccessLogEntry, WorkItem
from safeguard.core.workitems import scan
from tests.assessments.helpers import record_screen

pytestmark = pytest.mark.django_db


def _open(rule, person):
    return WorkItem.objects.filter(rule=rule.code, person=person, status="open")


@pytest.mark.parametrize(
    ("overrides", "rule", "priority"),
    [
        ({"ssh_thoughts": "with_plan"}, rules.VERY_HIGH_RISK_TO_SELF, "urgent"),
        ({"ssh_history": "last_4_weeks"}, rules.SCREEN_URGENT_ACTION, "urgent"),
        ({"ssh_self_harm_now": "yes"}, rules.SCREEN_URGENT_ACTION, "urgent"),
        ({"ssh_thoughts": "prefer_not_to_say"}, rules.RISK_TO_SELF_NOT_KNOWN, "today"),
    ],
)
def test_a_screen_that_needs_acting_on_raises_an_item_until_the_follow_up(
    org, overrides, rule, priority
):
    person, pp = org["people"]["mine"], org["staff"]["practitioner"]
    screen = record_screen(person, pp, **overrides)
    assert screen.follow_up_status == "due"
    scan(rule, today=timezone.localdate())
    item = _open(rule, person).get()
    assert (item.priority, item.assigned_to, item.subject_id) == (priority, pp, screen.pk)
    outcome = "no_current_concerns" if screen.risk_to_self == "not_known" else ""
    services.screen_follow_up_record(
        screen_id=screen.pk, note="Called them; spoke to the GP", outcome=outcome, actor=pp
    )
    scan(rule, today=timezone.localdate())
    assert not _open(rule, person).exists()
    assert AccessLogEntry.objects.filter(event="assessment.screen_followed_up").count() == 1


def test_a_low_screen_needs_no_follow_up_and_raises_nothing(org):
    person, pp = org["people"]["mine"], org["staff"]["practitioner"]
    screen = record_screen(person, pp)
    assert screen.follow_up_status == "not_needed"
    for rule in (rules.VERY_HIGH_RISK_TO_SELF, rules.SCREEN_URGENT_ACTION):
        scan(rule, today=timezone.localdate())
        assert not _open(rule, person).exists()


def test_not_known_stays_at_risk_unless_the_follow_up_finds_no_concerns(org):
    person, pp = org["people"]["mine"], org["staff"]["practitioner"]
    still = record_screen(person, pp, ssh_history="prefer_not_to_say")
    services.screen_follow_up_record(
        screen_id=still.pk, note="Still did not want to say", outcome="still_not_known", actor=pp
    )
    assert person_at_risk_to_self(person.pk)
    clear = record_screen(person, pp, ssh_history="prefer_not_to_say")
    services.screen_follow_up_record(
        screen_id=clear.pk, note="Talked in private", outcome="no_current_concerns", actor=pp
    )
    assert not person_at_risk_to_self(person.pk)


def test_the_follow_up_refuses_bad_input_and_a_second_record(org):
    from django.core.exceptions import ValidationError

    person, pp = org["people"]["mine"], org["staff"]["practitioner"]
    not_known = record_screen(person, pp, ssh_thoughts="prefer_not_to_say")
    with pytest.raises(ValidationError) as error:
        services.screen_follow_up_record(screen_id=not_known.pk, note="  ", actor=pp)
    assert set(error.value.message_dict) == {"note", "outcome"}
    low = record_screen(person, pp)
    with pytest.raises(ValidationError):
        services.screen_follow_up_record(screen_id=low.pk, note="Nothing to do", actor=pp)
    not_known.refresh_from_db()
    assert not_known.follow_up_status == "due"


def test_the_follow_up_form_on_the_screen_page(client, org):
    person, pp = org["people"]["mine"], org["staff"]["practitioner"]
    screen = record_screen(person, pp, ssh_thoughts="prefer_not_to_say")
    url = f"/people/{person.crn}/vulnerability-screens/{screen.pk}/"
    client.force_login(pp)
    page = client.get(url).content.decode()
    assert "Risk to self is not known" in page and 'name="outcome"' in page
    bad = client.post(url, {"note": ""})
    assert bad.status_code == 200
    html = bad.content.decode()
    assert "There is a problem" in html and "Select what the person told you" in html
    good = client.post(url, {"note": "Talked again", "outcome": "concerns"})
    assert good.status_code == 302
    screen.refresh_from_db()
    assert (screen.follow_up_status, screen.follow_up_outcome) == ("done", "concerns")
    assert "Talked again" in client.get(url).content.decode()


def test_the_follow_up_needs_the_right_to_change_cases(client, org):
    person, pp = org["people"]["mine"], org["staff"]["practitioner"]
    screen = record_screen(person, pp, ssh_thoughts="with_plan")
    client.force_login(org["staff"]["national"])
    url = f"/people/{person.crn}/vulnerability-screens/{screen.pk}/"
    assert client.post(url, {"note": "x"}).status_code in (403, 404)
    screen.refresh_from_db()
    assert screen.follow_up_status == "due"


@pytest.mark.parametrize(
    ("overrides", "days_ago", "due"),
    [
        ({"ssh_thoughts": "with_plan"}, 6, False),
        ({"ssh_thoughts": "with_plan"}, 8, True),
        ({"ssh_thoughts": "often"}, 27, False),
        ({"ssh_thoughts": "often"}, 29, True),
        ({"ssh_thoughts": "prefer_not_to_say"}, 15, True),
        ({"ssh_thoughts": "sometimes"}, 80, False),
        ({"ssh_thoughts": "sometimes"}, 100, True),
        ({}, 100, False),
        ({}, 190, True),
    ],
)
def test_rescreening_comes_sooner_for_a_higher_level(org, overrides, days_ago, due):
    today = timezone.localdate()
    person, pp = org["people"]["mine"], org["staff"]["practitioner"]
    screen = record_screen(person, pp, **overrides)
    at = timezone.now() - dt.timedelta(days=days_ago)
    VulnerabilityScreen.objects.filter(pk=screen.pk).update(completed_at=at)
    in_sql = rules.screen_due_candidates(today).filter(pk=person.pk).exists()
    in_python = policy.screen_due(
        person=person, last_screen_at=at, last_screen_level=screen.risk_to_self, today=today
    )
    assert in_sql is due
    assert (in_python is not None) is due


def test_a_check_in_disclosure_makes_the_person_at_risk_and_the_plan_due_for_review(client, org):
    from tests.assessments.helpers import save_plan
    from tests.engagement.factories import CheckInFactory

    person, pp = org["people"]["mine"], org["staff"]["practitioner"]
    record_screen(person, pp)  # low, some time ago
    plan = save_plan(person, pp)
    assert not person_at_risk_to_self(person.pk)
    CheckInFactory(person=person, self_harm="yes", self_harm_reported_at=timezone.now())
    assert person_at_risk_to_self(person.pk)

    rule = rules.SAFETY_PLAN_REVIEW_AFTER_DISCLOSURE
    scan(rule, today=timezone.localdate())
    item = _open(rule, person).get()
    assert (item.priority, item.subject_id) == ("today", plan.pk)
    client.force_login(pp)
    html = client.get(f"/people/{person.crn}/").content.decode()
    assert "Said yes to thoughts of self-harm on a check-in" in html
    assert "Review due now" in html

    save_plan(person, pp, expected_version=1)  # reviewed with them: a new version
    scan(rule, today=timezone.localdate())
    assert not _open(rule, person).exists()
