"""Live risk to self: the banner at the top of the person's page, and the caseload's risk-to-self
column and filters."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from safeguard.assessments import rules, services
from safeguard.core.workitems import scan
from tests.assessments.helpers import record_screen
from tests.engagement.factories import CheckInFactory
from tests.factories import PersonFactory, RejectedReferralFactory

pytestmark = pytest.mark.django_db


def _page(client, user, person):
    client.force_login(user)
    response = client.get(f"/people/{person.crn}/")
    assert response.status_code == 200
    return response.content.decode()


def _banner(html):
    if 'id="live-risk"' not in html:
        return ""
    start = html.index('id="live-risk"')
    return html[start : html.index("</ul>", start)]


def test_no_banner_when_nothing_needs_attention(client, org):
    person, pp = org["people"]["mine"], org["staff"]["practitioner"]
    record_screen(person, pp)
    assert _banner(_page(client, pp, person)) == ""


def test_a_disclosure_in_the_last_72_hours_shows_until_the_72_hours_pass(client, org):
    person, pp = org["people"]["mine"], org["staff"]["practitioner"]
    check_in = CheckInFactory(
        person=person, self_harm="yes", self_harm_reported_at=timezone.now() - dt.timedelta(hours=2)
    )
    banner = _banner(_page(client, pp, person))
    assert "Said yes to thoughts of harming themselves on a check-in" in banner
    assert f"/check-ins/{check_in.pk}/" in banner
    type(check_in).objects.filter(pk=check_in.pk).update(
        self_harm_reported_at=timezone.now() - dt.timedelta(hours=73)
    )
    assert "check-in" not in _banner(_page(client, pp, person))


def test_not_known_shows_until_a_follow_up_finds_no_concerns(client, org):
    person, pp = org["people"]["mine"], org["staff"]["practitioner"]
    screen = record_screen(person, pp, ssh_thoughts="prefer_not_to_say")
    assert "Risk to self is not known" in _banner(_page(client, pp, person))
    services.screen_follow_up_record(
        screen_id=screen.pk, note="Talked in private", outcome="no_current_concerns", actor=pp
    )
    assert "Risk to self is not known" not in _banner(_page(client, pp, person))


def test_an_urgent_item_and_an_open_escalation_show(client, org):
    from safeguard.referrals import services as referrals

    person, pp = org["people"]["mine"], org["staff"]["practitioner"]
    screen = record_screen(person, pp, ssh_thoughts="with_plan")
    scan(rules.VERY_HIGH_RISK_TO_SELF, today=timezone.localdate())
    rejected = RejectedReferralFactory(person=person, created_by=pp)
    referrals.escalation_raise(referral_id=rejected.pk, reason="Threshold misread", actor=pp)
    banner = _banner(_page(client, pp, person))
    assert "Risk to self very high: act today" in banner
    assert f"/vulnerability-screens/{screen.pk}/#follow-up" in banner
    assert "A referral decision is being escalated" in banner


def test_no_live_banner_once_the_person_has_died(client, org):
    from tests.learning.helpers import record_death

    person, pp = org["people"]["mine"], org["staff"]["practitioner"]
    record_screen(person, pp, ssh_thoughts="prefer_not_to_say")
    record_death(person, org["staff"]["spo"])
    assert _banner(_page(client, pp, person)) == ""


def test_the_caseload_shows_risk_to_self_and_filters_on_it(client, org):
    pp = org["staff"]["practitioner"]
    mine = org["people"]["mine"]
    declined = PersonFactory(team=org["team"], practitioner=pp, last_name="Declined")
    calm = PersonFactory(team=org["team"], practitioner=pp, last_name="Calm")
    record_screen(declined, pp, ssh_history="prefer_not_to_say")
    record_screen(calm, pp)
    client.force_login(pp)
    html = client.get("/caseload/?scope=mine").content.decode()
    assert "Risk to self" in html and "Not known: treat as at risk" in html
    at_risk = client.get("/caseload/?scope=mine&flag=at_risk_to_self").content.decode()
    assert declined.crn in at_risk and calm.crn not in at_risk and mine.crn not in at_risk
    unknown = client.get("/caseload/?scope=mine&flag=risk_to_self_not_known").content.decode()
    assert declined.crn in unknown and calm.crn not in unknown


def test_the_caseload_column_costs_no_query_per_person(client, org):
    pp = org["staff"]["practitioner"]
    client.force_login(pp)
    client.get("/caseload/?scope=mine")

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/caseload/?scope=mine").status_code == 200
        return len(queries)

    few = count()
    for i in range(6):
        person = PersonFactory(team=org["team"], practitioner=pp)
        record_screen(person, pp, ssh_thoughts="sometimes" if i % 2 else "no")
    assert count() == few


def test_the_person_page_banner_costs_a_fixed_number_of_queries(client, org):
    person, pp = org["people"]["mine"], org["staff"]["practitioner"]
    client.force_login(pp)

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"/people/{person.crn}/").status_code == 200
        return len(queries)

    count()
    quiet = count()
    for _ in range(3):
        CheckInFactory(person=person, self_harm="yes", self_harm_reported_at=timezone.now())
    record_screen(person, pp, ssh_thoughts="prefer_not_to_say")
    assert count() <= quiet + 2  # the banner's links, not one query per disclosure
