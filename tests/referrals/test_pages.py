"""Referral pages: make, decide, escalate and resolve; monitoring with charts and exports."""

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from safeguard.core.models import AccessLogEntry
from safeguard.referrals.models import Escalation, Referral
from tests.factories import RejectedReferralFactory, SentReferralFactory, asc_agency, exclude
from tests.referrals.test_api import fixed_referrals  # noqa: F401 - shared fixed data set

S42 = "adult_social_care_s42"


def kent_asc():
    """The adult social care of the person's own area (the form offers the person's area)."""
    return asc_agency(name="Kent Adult Social Care")


def _summary(response) -> str:
    html = response.content.decode()
    if "govuk-error-summary" not in html:
        return html[:2000]
    return html[html.index("govuk-error-summary") :][:1500]


def s42_form(asc, **overrides):
    data = {
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
        "person_views": "He wants the visitors to stop coming",
        "consent": "yes",
        "mental_capacity": "assumed",
        "action": "continue",
    }
    data.update(overrides)
    return data


def make_referral(client, person, kind=S42, data=None):
    """Walk the journey: the kind, its questions, check your answers, save. The response of
    the save (a redirect to the referral)."""
    base = f"/people/{person.crn}/referrals/new/"
    assert client.get(f"{base}?kind={kind}")["Location"] == f"{base}{kind}/"
    response = client.post(f"{base}{kind}/", data or s42_form(kent_asc()))
    assert response.status_code == 302, response.content.decode()[:3000]
    assert response["Location"] == f"{base}{kind}/check/"
    return client.post(response["Location"])


@pytest.mark.django_db
def test_make_an_s42_referral_from_the_person_page(client, org):
    person = org["people"]["mine"]
    client.force_login(org["staff"]["practitioner"])
    page = client.get(f"/people/{person.crn}/").content.decode()
    assert f"/people/{person.crn}/referrals/new/" in page
    first = client.get(f"/people/{person.crn}/referrals/new/").content.decode()
    assert 'type="radio" value="adult_social_care_s42"' in first
    questions = client.get(f"/people/{person.crn}/referrals/new/{S42}/").content.decode()
    assert "Care Act s42 test" in questions and "chosen_housing_authority" not in questions
    response = client.post(f"/people/{person.crn}/referrals/new/{S42}/", s42_form(kent_asc()))
    assert response.status_code == 302, _summary(response)
    check = client.get(response["Location"]).content.decode()
    assert "Check your answers" in check and "Neighbours report visitors" in check
    assert "He wants the visitors to stop coming" in check
    assert not Referral.objects.exists()  # nothing saved before the practitioner confirms
    saved = client.post(response["Location"])
    assert saved.status_code == 302
    referral = Referral.objects.get()
    assert referral.status == "ready_to_send" and referral.s42_indicated
    assert referral.sent_at is None and referral.due_by is None
    detail = client.get(saved["Location"]).content.decode()
    assert "Ready to send" in detail and "recorded as sent" not in detail
    assert "Record how and when you sent it" in detail and "Record the decision" not in detail
    for shown in (
        "Financial or material abuse",
        "Self-neglect",
        "He wants the visitors to stop",
        "The person agreed to the referral",
        "Has capacity to decide",
        "Cannot refuse entry",
    ):
        assert shown in detail, shown
    assert AccessLogEntry.objects.filter(detail__contains="referral adult_social_care_s42").exists()
    # Checking again after saving does not make a second referral.
    assert client.post(response["Location"]).status_code == 302
    assert Referral.objects.count() == 1


@pytest.mark.django_db
def test_record_how_and_when_a_ready_referral_was_sent(client, org):
    person = org["people"]["mine"]
    client.force_login(org["staff"]["practitioner"])
    make_referral(client, person)
    referral = Referral.objects.get()
    url = f"/people/{person.crn}/referrals/{referral.pk}/send/"
    page = client.get(url).content.decode()
    assert "How did you send it?" in page and 'value="secure_email"' in page
    bad = client.post(
        url, {"method": "", "sent_on-day": "", "sent_on-month": "", "sent_on-year": ""}
    )
    assert "govuk-error-summary" in bad.content.decode()
    assert 'href="#id_method"' in bad.content.decode()
    today = timezone.localdate()
    done = client.post(
        url,
        {
            "method": "portal",
            "sent_on-day": today.day,
            "sent_on-month": today.month,
            "sent_on-year": today.year,
            "sent_time": "",
        },
    )
    assert done.status_code == 302
    referral.refresh_from_db()
    assert referral.status == "sent" and referral.sent_method == "portal"
    assert referral.due_by is not None
    detail = client.get(done["Location"]).content.decode()
    assert "Record the decision" in detail and "through the agency&#x27;s online portal" in detail


@pytest.mark.django_db
def test_a_draft_is_saved_from_the_questions_with_the_secondary_button(client, org):
    person = org["people"]["mine"]
    client.force_login(org["staff"]["practitioner"])
    response = client.post(
        f"/people/{person.crn}/referrals/new/{S42}/", s42_form(kent_asc(), action="draft")
    )
    assert response.status_code == 302
    assert Referral.objects.get().status == "draft"
    assert "saved as a draft" in client.get(response["Location"]).content.decode()


@pytest.mark.django_db
def test_the_s42_answers_are_not_pre_set_and_the_evidence_comes_from_the_screen(client, org):
    from tests.assessments.helpers import record_screen

    person = org["people"]["mine"]
    record_screen(person, org["staff"]["practitioner"], cs_daily_help="yes", cs_protect_self="no")
    client.force_login(org["staff"]["practitioner"])
    html = client.get(f"/people/{person.crn}/referrals/new/{S42}/").content.decode()
    # The evidence boxes hold the screen's answers as text to edit.
    start = html.index('name="s42_care_and_support_needs_evidence"')
    assert "Needing help from another person with everyday things: Yes" in html[start:][:800]
    start = html.index('name="s42_unable_to_protect_self_evidence"')
    assert "Being able to stop someone hurting you or taking advantage: No" in html[start:][:800]
    for part in (
        "care_and_support_needs",
        "experiencing_or_at_risk_of_abuse_or_neglect",
        "unable_to_protect_self",
    ):
        assert f'name="s42_{part}" type="radio" value="yes" checked' not in html
        assert f'name="s42_{part}" type="radio" value="no" checked' not in html
    assert "filled in from the answers on the vulnerability screen" in html


@pytest.mark.django_db
def test_choosing_no_kind_shows_the_error_summary(client, org):
    person = org["people"]["mine"]
    client.force_login(org["staff"]["practitioner"])
    for response in (
        client.get(f"/people/{person.crn}/referrals/new/?kind="),
        client.post(f"/people/{person.crn}/referrals/new/", {}),
    ):
        html = response.content.decode()
        assert response.status_code == 200
        assert "govuk-error-summary" in html and 'href="#id_kind"' in html
    chosen = client.post(f"/people/{person.crn}/referrals/new/", {"kind": S42})
    assert chosen["Location"] == f"/people/{person.crn}/referrals/new/{S42}/"
    assert client.get(f"/people/{person.crn}/referrals/new/nonsense/").status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("overrides", "anchor", "message"),
    [
        ({"s42_unable_to_protect_self": ""}, "id_s42_unable_to_protect_self", "Say whether"),
        (
            {"s42_care_and_support_needs_evidence": ""},
            "id_s42_care_and_support_needs_evidence",
            "Give the evidence",
        ),
        ({"abuse_categories": []}, "id_abuse_categories", "Choose at least one category"),
        ({"consent": ""}, "id_consent", "Say whether the person agreed"),
        ({"consent": "no"}, "id_consent_no", "Say why the person did not agree"),
        (
            {"consent": "no", "consent_no": "refused"},
            "id_ground_without_consent",
            "without consent",
        ),
        ({"agency": "99999999"}, "id_agency", "Choose the agency"),
        (
            {"mental_capacity": "lacks"},
            "id_capacity_assessment",
            "Say who assessed the person",
        ),
    ],
)
def test_bad_referral_input_shows_the_error_summary(client, org, overrides, anchor, message):
    person = org["people"]["mine"]
    client.force_login(org["staff"]["practitioner"])
    for action in ("continue", "draft"):
        response = client.post(
            f"/people/{person.crn}/referrals/new/{S42}/",
            s42_form(kent_asc(), action=action, **overrides),
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


@pytest.mark.django_db
def test_the_person_page_says_a_ready_referral_has_not_been_sent(
    client, org, django_capture_on_commit_callbacks
):
    import datetime as dt

    person = org["people"]["mine"]
    client.force_login(org["staff"]["practitioner"])
    with django_capture_on_commit_callbacks(execute=True):
        make_referral(client, person)
    page = client.get(f"/people/{person.crn}/").content.decode()
    assert "Ready to send" in page and "Not sent yet" in page and "Send now" not in page
    # On My work at once (the gate refreshes the case's work items after the save).
    from safeguard.core.models import WorkItem

    item = WorkItem.objects.get(rule="referral_ready_to_send", status="open")
    assert item.assigned_to == org["staff"]["practitioner"]
    Referral.objects.update(send_by=timezone.localdate() - dt.timedelta(days=1))
    assert "Send now" in client.get(f"/people/{person.crn}/").content.decode()
