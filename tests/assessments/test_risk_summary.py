"""The integrated risk picture: contents, the include for the person page, query count, and the
screen-due rule stated the same way in Python and in SQL."""

import datetime as dt

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from safeguard.assessments import policy, rules, selectors
from safeguard.assessments.models import VulnerabilityScreen
from safeguard.core.bounds import months_before
from safeguard.people.models import CustodyStatus, Person
from tests.assessments.helpers import record_screen, register, save_plan
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


def test_a_full_picture(org):
    person, pp = org["people"]["mine"], org["staff"]["practitioner"]
    today = timezone.localdate()
    Person.objects.filter(pk=person.pk).update(
        rosh_level="very_high", mappa_category=1, mappa_level=2
    )
    person.refresh_from_db()
    register(person, "RVLN", pp, next_review_date=today - dt.timedelta(days=3))
    register(person, "MAPP", pp, next_review_date=today + dt.timedelta(days=30))
    register(person, "ALSH", pp, status="ended")
    record_screen(person, pp, ssh_thoughts="sometimes", da_now="yes", tr_reactions="often")
    plan = save_plan(person, pp, review_date=today + dt.timedelta(days=10))

    risk = selectors.risk_summary(person=person, today=today + dt.timedelta(days=11))
    assert (risk.rosh_level, risk.mappa_category, risk.mappa_level) == ("very_high", 1, 2)
    assert risk.risk_to_self == "medium"
    assert risk.registrations == {"ALSH": False, "RVLN": True, "RVAD": False}
    assert [(c.domain, c.level) for c in risk.domains_of_concern] == [
        ("domestic_abuse_victimisation", "high"),
        ("suicide_self_harm", "medium"),
        ("trauma", "medium"),
    ]
    assert risk.safety_plan == plan
    assert risk.safety_plan_review_overdue is True
    assert risk.safety_plan_needed is False
    assert [(a.kind, a.overdue) for a in risk.attention] == [
        ("registration_review", True),
        ("safety_plan_review", True),
    ]
    assert risk.attention[0].text == "Review of RVLN (Vulnerable)"


def test_medium_risk_without_a_plan_needs_one(org):
    person, pp = org["people"]["mine"], org["staff"]["practitioner"]
    record_screen(person, pp, ssh_thoughts="sometimes")
    risk = selectors.risk_summary(person=person, today=timezone.localdate())
    assert risk.safety_plan is None and risk.safety_plan_needed is True


def test_the_include_renders_both_sides_of_the_picture(org, rf):
    person, pp = org["people"]["mine"], org["staff"]["practitioner"]
    Person.objects.filter(pk=person.pk).update(rosh_level="high", mappa_category=2, mappa_level=1)
    person.refresh_from_db()
    screen = record_screen(person, pp, ssh_thoughts="often", ssh_triggers=["release"])
    risk = selectors.risk_summary(person=person, today=timezone.localdate())
    html = render_to_string("assessments/_risk_picture.html", {"risk": risk, "can_change": True})
    assert "Risk to others" in html and "Risk to self" in html
    assert "Category 2: violent offender" in html
    assert f'href="/people/{person.crn}/vulnerability-screens/{screen.pk}/"' in html
    assert "Suicide and self-harm" in html
    assert "Needed" in html  # high risk to self and no safety plan
    assert f'href="/people/{person.crn}/vulnerability-screen/steps/"' in html  # in steps

    unscreened = selectors.risk_summary(
        person=org["people"]["colleagues"], today=timezone.localdate()
    )
    html = render_to_string(
        "assessments/_risk_picture.html", {"risk": unscreened, "can_change": False}
    )
    assert "Not screened" in html and "No vulnerability screen recorded" in html
    assert "Start a new screen" not in html


def test_the_summary_runs_four_queries_whatever_the_case_holds(org):
    person, pp = org["people"]["mine"], org["staff"]["practitioner"]
    today = timezone.localdate()

    def count():
        with CaptureQueriesContext(connection) as ctx:
            selectors.risk_summary(person=person, today=today)
        return len(ctx.captured_queries)

    assert count() == 4
    for code in ("ALSH", "RVLN", "RVAD", "AMHL", "MAPP", "CUCK", "ADVV"):
        register(person, code, pp, next_review_date=today - dt.timedelta(days=1))
    for _ in range(5):
        record_screen(person, pp, ssh_thoughts="sometimes")
    for version in range(3):
        save_plan(person, pp, expected_version=version)
    assert count() == 4


# ---- screen due: the Python rule and the SQL rule agree ---------------------------------


def _at(day):
    return policy.start_of_day(day) + dt.timedelta(hours=10)


def test_screen_due_in_python_matches_the_work_item_rule(org):
    today = dt.date(2026, 3, 10)
    pp, team = org["staff"]["practitioner"], org["team"]

    def person(**kwargs):
        kwargs.setdefault("supervision_start", dt.date(2025, 6, 1))
        return PersonFactory(team=team, practitioner=pp, **kwargs)

    in_custody = {"custody_status": CustodyStatus.IN_CUSTODY}
    cases = {
        "new": (person(supervision_start=dt.date(2026, 3, 1)), None),
        "recent": (person(), today - dt.timedelta(days=90)),
        "exactly_6_months": (person(), months_before(today, 6)),
        "lapsed": (person(), months_before(today, 6) - dt.timedelta(days=1)),
        "release_soon": (
            person(expected_release_date=today + dt.timedelta(days=14), **in_custody),
            today - dt.timedelta(days=60),
        ),
        "release_soon_screened": (
            person(expected_release_date=today + dt.timedelta(days=14), **in_custody),
            today - dt.timedelta(days=7),
        ),
        "release_in_3_days": (
            person(expected_release_date=today + dt.timedelta(days=3), **in_custody),
            None,
        ),
        "release_later": (
            person(expected_release_date=today + dt.timedelta(days=42), **in_custody),
            today - dt.timedelta(days=60),
        ),
        "ended": (person(supervision_end=today - dt.timedelta(days=1)), None),
    }
    for who, last in cases.values():
        if last is not None:
            screen = record_screen(who, pp)
            VulnerabilityScreen.objects.filter(pk=screen.pk).update(completed_at=_at(last))

    sql = {
        row["pk"]: (row["wi_due_on"], row["wi_detail"])
        for row in rules.screen_due_candidates(today).values("pk", "wi_due_on", "wi_detail")
    }
    for name, (who, last) in cases.items():
        due = policy.screen_due(person=who, last_screen_at=_at(last) if last else None, today=today)
        expected = (due.due_on, due.text) if due else None
        assert sql.get(who.pk) == expected, name

    assert sql[cases["new"][0].pk] == (dt.date(2026, 3, 29), "No vulnerability screen recorded")
    assert sql[cases["release_soon"][0].pk][0] == today + dt.timedelta(days=7)
    assert sql[cases["release_in_3_days"][0].pk][0] == today
    for name in ("recent", "exactly_6_months", "release_soon_screened", "release_later", "ended"):
        assert cases[name][0].pk not in sql, name


# ---- on the person's page ---------------------------------------------------------------


@pytest.fixture
def with_risk_section():
    from safeguard.assessments.sections import risk_picture_section
    from safeguard.core.registry import person_sections

    assert risk_picture_section in person_sections  # assessments registers it


def test_the_person_page_shows_the_risk_picture_at_the_top(client, org, with_risk_section):
    person, pp = org["people"]["mine"], org["staff"]["practitioner"]
    record_screen(person, pp, ssh_thoughts="sometimes")
    client.force_login(pp)
    html = client.get(f"/people/{person.crn}/").content.decode()
    assert html.index('id="risk-picture-heading"') < html.index('id="personal-details-heading"')
    assert "Suicide and self-harm" in html
    assert f'href="/people/{person.crn}/safety-plan/"' in html
    client.force_login(org["staff"]["other_team_pp"])
    assert client.get(f"/people/{person.crn}/").status_code == 404


def test_the_person_page_query_count_does_not_grow_with_screens_and_plans(
    client, org, with_risk_section
):
    person, pp = org["people"]["mine"], org["staff"]["practitioner"]
    client.force_login(pp)
    url = f"/people/{person.crn}/"
    record_screen(person, pp)
    client.get(url)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    few = count()
    for _ in range(8):
        record_screen(person, pp, ssh_thoughts="sometimes", da_now="yes")
    for version in range(4):
        save_plan(person, pp, expected_version=version)
    assert count() == few
