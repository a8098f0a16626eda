"""Referral pages: make, decide, escalate and resolve; monitoring with charts and exports."""

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from safeguard.core.models import AccessLogEntry
from safeguard.referrals.models import Escalation, Referral
from tests.factories import RejectedReferralFactory, SentReferralFactory, asc_agency, exclude
from tests.referrals.test_api import fixed_referrals  # noqa: F401 - shared fixed data set


def s42_form(asc, **overrides):
    data = {
        "kind": "adult_social_care_s42",
        "agency": asc.pk,
        "urgency": "urgent",
        "reason": "Cuckooing: others are using his flat",
        "s42_care_and_support_needs": "yes",
        "s42_care_and_support_needs_evidence": "Learning disability",
        "s42_experiencing_or_at_risk_of_abuse_or_neglect": "yes",
        "s42_experiencing_or_at_risk_of_abuse_or_neglect_evidence": "Neighbours report visitors",
        "s42_unable_to_protect_self": "yes",
        "s42_unable_to_protect_self_evidence": "Cannot refuse entry",
        "abuse_categories": ["financial_or_material", "self_neglect"],
        "consent": "given",
    }
    data.update(overrides)
    return data


@pytest.mark.django_db
def test_make_an_s42_referral_from_the_person_page(client, org):
    person = org["people"]["mine"]
    client.force_login(org["staff"]["practitioner"])
    page = client.get(f"/people/{person.crn}/").content.decode()
    assert f"/people/{person.crn}/referrals/new/" in page
    assert client.get(f"/people/{person.crn}/referrals/new/").status_code == 200
    response = client.post(f"/people/{person.crn}/referrals/new/", s42_form(asc_agency()))
    assert response.status_code == 302, response.content.decode()[:3000]
    referral = Referral.objects.get()
    assert referral.status == "sent" and referral.s42_indicated
    detail = client.get(response["Location"]).content.decode()
    assert "Record the decision" in detail
    assert AccessLogEntry.objects.filter(detail__contains="referral adult_social_care_s42").exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("overrides", "anchor", "message"),
    [
        ({"kind": ""}, "id_kind", "Choose the kind of referral"),
        ({"s42_unable_to_protect_self": ""}, "id_s42_unable_to_protect_self", "Say whether"),
        ({"abuse_categories": []}, "id_abuse_categories", "Choose at least one category"),
        ({"consent": "refused"}, "id_reason_without_consent", "without consent"),
        ({"sent_on": "32/13/2026"}, "id_sent_on", "Enter a real date"),
        ({"agency": "99999999"}, "id_agency", "Select a valid choice"),
    ],
)
def test_bad_referral_input_shows_the_error_summary(client, org, overrides, anchor, message):
    person = org["people"]["mine"]
    client.force_login(org["staff"]["practitioner"])
    response = client.post(
        f"/people/{person.crn}/referrals/new/", s42_form(asc_agency(), **overrides)
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "govuk-error-summary" in html and message in html
    assert f'href="#{anchor}"' in html
    assert not Referral.objects.exists()


@pytest.mark.django_db
def test_record_a_rejection_and_escalate_it_through_the_pages(client, org):
    person = org["people"]["mine"]
    referral = SentReferralFactory(person=person)
    base = f"/people/{person.crn}/referrals/{referral.pk}"
    client.force_login(org["staff"]["practitioner"])
    assert client.post(f"{base}/decision/", {"outcome": "rejected"}).status_code == 200
    response = client.post(
        f"{base}/decision/", {"outcome": "rejected", "reason": "below_threshold"}
    )
    assert response.status_code == 302
    detail = client.get(f"{base}/").content.decode()
    assert "Escalate to senior probation officer" in detail
    assert client.post(f"{base}/escalate/", {"reason": ""}).status_code == 200
    assert client.post(f"{base}/escalate/", {"reason": "All three parts met"}).status_code == 302
    escalation = Escalation.objects.get()
    again = client.post(f"{base}/escalate/", {"reason": "again"})
    assert b"cannot be escalated now" in again.content

    client.force_login(org["staff"]["spo"])
    resolve = f"{base}/escalations/{escalation.pk}/resolve/"
    assert "Record the response" in client.get(f"{base}/").content.decode()
    ok = client.post(resolve, {"response": "ASC agreed to assess", "outcome": "decision_changed"})
    assert ok.status_code == 302
    escalation.refresh_from_db()
    assert escalation.status == "resolved"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("staff_key", "expected"),
    [
        ("practitioner", 200),
        ("spo", 200),
        ("other_team_pp", 404),
        ("far_regional", 404),
        ("national", 200),
    ],
)
def test_referral_detail_is_scoped(client, org, staff_key, expected):
    person = org["people"]["mine"]
    referral = SentReferralFactory(person=person)
    client.force_login(org["staff"][staff_key])
    assert client.get(f"/people/{person.crn}/referrals/{referral.pk}/").status_code == expected


@pytest.mark.django_db
def test_read_only_roles_cannot_make_referrals(client, org):
    person = org["people"]["mine"]
    client.force_login(org["staff"]["inspector"])
    assert client.get(f"/people/{person.crn}/referrals/new/").status_code == 403


@pytest.mark.django_db
def test_excluded_practitioner_cannot_open_the_referral(client, org):
    person = org["people"]["colleagues"]
    referral = SentReferralFactory(person=person)
    exclude(person, org["staff"]["practitioner"])
    client.force_login(org["staff"]["practitioner"])
    assert client.get(f"/people/{person.crn}/referrals/{referral.pk}/").status_code == 404
    assert client.get(f"/people/A000001/referrals/{referral.pk}/").status_code == 404


@pytest.mark.django_db
def test_person_page_lists_referrals_with_days_waiting_and_escalation(client, org):
    person = org["people"]["mine"]
    SentReferralFactory(person=person)
    rejected = RejectedReferralFactory(person=person)
    Escalation.objects.create(
        referral=rejected,
        level=1,
        reason="x",
        raised_by=org["staff"]["practitioner"],
        raised_at=rejected.decided_at,
        due_by=rejected.sent_at.date(),
    )
    client.force_login(org["staff"]["practitioner"])
    html = client.get(f"/people/{person.crn}/").content.decode()
    assert "working day" in html and "Senior probation officer (open)" in html
    assert "Level 1" not in html


@pytest.mark.django_db
def test_person_page_query_count_does_not_grow_with_referrals(client, org):
    person = org["people"]["mine"]
    client.force_login(org["staff"]["practitioner"])
    SentReferralFactory(person=person)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(f"/people/{person.crn}/").status_code == 200
        return len(ctx.captured_queries)

    client.get(f"/people/{person.crn}/")
    before = count()
    for _ in range(8):
        SentReferralFactory(person=person)
        RejectedReferralFactory(person=person)
    assert count() == before


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("staff_key", "expected"),
    [
        ("practitioner", 403),
        ("spo", 403),
        ("head", 200),
        ("regional", 200),
        ("national", 200),
        ("inspector", 200),
    ],
)
def test_monitoring_page_is_for_managers_and_leads(client, org, staff_key, expected):
    client.force_login(org["staff"][staff_key])
    assert client.get("/insights/referrals/").status_code == expected
    assert client.get("/insights/referrals/export.csv").status_code == expected


@pytest.mark.django_db
def test_monitoring_page_shows_charts_beside_tables(client, org, fixed_referrals):  # noqa: F811
    client.force_login(org["staff"]["national"])
    response = client.get("/insights/referrals/?date_from=01/10/2026&date_to=31/10/2026")
    html = response.content.decode()
    assert html.count('src="data:image/svg+xml;base64,') >= 7
    assert "The figures are in the table." in html
    assert "Kent" in html and "Medway" in html
    assert AccessLogEntry.objects.filter(detail="referral monitoring").exists()
    bad = client.get("/insights/referrals/?date_from=99/99/2026")
    assert bad.status_code == 200 and b"govuk-error-summary" in bad.content


@pytest.mark.django_db
def test_exports_read_back(client, org, fixed_referrals):  # noqa: F811
    client.force_login(org["staff"]["national"])
    query = "?date_from=01/10/2026&date_to=31/10/2026"
    response = client.get(f"/insights/referrals/export.csv{query}")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    la_start = rows.index(["By local authority"])
    kent = next(r for r in rows[la_start:] if r and r[0] == "Kent")
    assert kent[1:4] == ["20", "10", "10"]

    response = client.get(f"/insights/referrals/export.xlsx{query}")
    workbook = load_workbook(io.BytesIO(response.content))
    sheet = workbook["By local authority"]
    values = {row[0]: row for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert values["Kent"][5] == 0.5 and values["Kent"][6] == 2.5
    assert client.get(f"/insights/referrals/export.pdf{query}").status_code == 404


@pytest.mark.django_db
def test_monitoring_query_count_does_not_grow_with_referrals(client, org, fixed_referrals):  # noqa: F811
    client.force_login(org["staff"]["national"])

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/insights/referrals/").status_code == 200
        return len(ctx.captured_queries)

    before = count()
    for _ in range(10):
        RejectedReferralFactory(person=org["people"]["far"])
    assert count() == before
