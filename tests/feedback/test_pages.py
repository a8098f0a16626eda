"""The staff pages: figures, free text, CSV upload, paper forms, "you said, we did" and its
public page and poster; capability, scope, audit, bad input and query counts."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from safeguard.core.errors import IllegalTransition, StaleEdit
from safeguard.core.models import AccessLogEntry
from safeguard.feedback import services
from safeguard.feedback.models import FeedbackResponse, YouSaidWeDid
from tests.feedback.helpers import load, office, rows_of

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


def _csv(text: str, name="responses.csv"):
    return SimpleUploadedFile(name, text.encode(), content_type="text/csv")


def test_the_figures_page_shows_counts_intervals_and_hides_small_numbers(client, org):
    regional = org["staff"]["regional"]
    pdu = org["team"].pdu
    here = office(pdu)
    load(regional, rows_of({"yes": 13, "no": 5, "not_sure": 2}, pdu=pdu.code, office=here.code))
    client.force_login(regional)
    page = client.get("/feedback/").content.decode()
    assert "65.0%" in page and "43.3% to 81.9%" in page
    assert "&lt;5" in page
    assert AccessLogEntry.objects.filter(event="feedback.analysis_viewed", actor=regional).exists()
    grouped = client.get("/feedback/", {"group_by": "office"}).content.decode()
    assert 'id="breakdown"' in grouped and here.code in grouped
    assert 'id="offices"' in grouped and here.name in grouped


def test_the_figures_page_refuses_bad_filters_with_a_summary(client, org):
    client.force_login(org["staff"]["regional"])
    page = client.get("/feedback/", {"date_from": "31/02/2026", "pdu": "NOPE"})
    assert page.status_code == 200 and "govuk-error-summary" in page.content.decode()
    backwards = client.get("/feedback/", {"date_from": "01/02/2026", "date_to": "01/01/2026"})
    assert "The end of the period must be after its start" in backwards.content.decode()


def test_the_figures_page_needs_the_capability(client, org):
    for role in ("practitioner", "spo", "no_role"):
        client.force_login(org["staff"][role])
        assert client.get("/feedback/").status_code == 403
    for role in ("head", "regional", "national", "inspector", "admin"):
        client.force_login(org["staff"][role])
        assert client.get("/feedback/").status_code == 200


def test_the_figures_page_queries_do_not_grow_with_responses(
    client, org, django_assert_max_num_queries
):
    regional = org["staff"]["regional"]
    pdu = org["team"].pdu
    for n in range(3):
        office(pdu, code=f"O{n}", name=f"Office {n}", location=f"Office {n}")
    load(regional, rows_of({"yes": 30, "no": 30}, pdu=pdu.code, sex="male"))
    client.force_login(regional)
    with django_assert_max_num_queries(25):
        assert client.get("/feedback/", {"group_by": "sex"}).status_code == 200
    load(regional, rows_of({"yes": 60, "no": 60, "not_sure": 9}, pdu=pdu.code, sex="female"))
    with django_assert_max_num_queries(25):
        assert client.get("/feedback/", {"group_by": "sex"}).status_code == 200
    with django_assert_max_num_queries(15):
        assert client.get("/feedback/free-text/").status_code == 200


def test_free_text_page_never_shows_fewer_than_5(client, org):
    regional = org["staff"]["regional"]
    pdu = org["team"].pdu.code
    load(regional, [{"answers": {"biggest_issue": f"Secret {i}"}, "pdu": pdu} for i in range(4)])
    client.force_login(regional)
    page = client.get("/feedback/free-text/").content.decode()
    assert "Secret" not in page and "Fewer than 5 people answered" in page
    load(regional, [{"answers": {"biggest_issue": "Secret 9"}, "pdu": pdu}])
    page = client.get("/feedback/free-text/").content.decode()
    assert "Secret 9" in page and "Secret 0" in page
    assert AccessLogEntry.objects.filter(event="feedback.comments_viewed").count() == 2
    # Five in the region are not five in a PDU with one of them.
    client.force_login(org["staff"]["far_regional"])
    assert "Secret" not in client.get("/feedback/free-text/").content.decode()


def test_the_upload_page_reports_bad_rows_by_line_and_reloads_add_nothing(client, org):
    pdu = org["team"].pdu.code
    client.force_login(org["staff"]["regional"])
    text = (
        "id,happy_with_support,feels_safe_at_office,biggest_issue,pdu,answered_on\n"
        f"r1,yes,no,Housing,{pdu},2026-01-31\n"
        f"r2,maybe,no,,{pdu},2026-01-31\n"
        f"r3,no,yes,,{pdu},31/13/2026\n"
        "\n"
        f"r4,not_sure,,,{pdu},\n"
    )
    page = client.post("/feedback/import/", {"file": _csv(text)}).content.decode()
    assert "2 responses loaded" in page
    assert "maybe&#x27; is not an answer" in page and "31/13/2026" in page
    assert FeedbackResponse.objects.count() == 2
    again = client.post("/feedback/import/", {"file": _csv(text)}).content.decode()
    assert "0 responses loaded" in again and "2 already loaded" in again
    assert FeedbackResponse.objects.count() == 2


def test_the_upload_page_refuses_a_bad_file(client, org):
    client.force_login(org["staff"]["regional"])
    wrong = client.post("/feedback/import/", {"file": _csv("name,age\nA,3\n")}).content.decode()
    assert "The first line must name the columns" in wrong
    assert (
        "must be a CSV file"
        in client.post("/feedback/import/", {"file": _csv("x", name="a.txt")}).content.decode()
    )
    assert (
        "not a CSV file saved as UTF-8"
        in client.post(
            "/feedback/import/", {"file": SimpleUploadedFile("a.csv", b"\xff\xfe\x00bad")}
        ).content.decode()
    )
    assert "Choose a CSV file" in client.post("/feedback/import/", {}).content.decode()
    client.force_login(org["staff"]["head"])
    assert client.get("/feedback/import/").status_code == 403


def test_a_paper_form_is_entered_by_staff(client, org):
    pp = org["staff"]["practitioner"]
    pdu = org["team"].pdu
    here = office(pdu)
    client.force_login(pp)
    assert "Enter a paper feedback form" in client.get("/feedback/paper/").content.decode()
    data = {
        "pdu": pdu.code,
        "office": here.code,
        "answered_on": TODAY.strftime("%d/%m/%Y"),
        "happy_with_support": "yes",
        "what_would_help": "Evening appointments",
        "sex": "male",
    }
    assert client.post("/feedback/paper/", data).status_code == 302
    assert client.post("/feedback/paper/", data).status_code == 302  # two forms, two people
    assert FeedbackResponse.objects.filter(source="paper", office=here, sex="male").count() == 2
    assert AccessLogEntry.objects.filter(event="feedback.paper_entered", actor=pp).count() == 2
    empty = client.post(
        "/feedback/paper/", {**data, "happy_with_support": "", "what_would_help": ""}
    )
    assert "Give the answers to at least one question" in empty.content.decode()
    future = client.post("/feedback/paper/", {**data, "answered_on": "01/01/2099"})
    assert "govuk-error-summary" in future.content.decode()
    far = client.post("/feedback/paper/", {**data, "pdu": org["people"]["far"].pdu.code})
    assert "govuk-error-summary" in far.content.decode()


# ---- "you said, we did" ----------------------------------------------------------------------


def _action(actor, **changes):
    data = {
        "theme": "feels_safe_at_office",
        "you_said": "The waiting room does not feel safe",
        "we_did": "We have opened a quiet room and offer appointments at the library",
        "due_on": TODAY + dt.timedelta(days=30),
        "status": "in_progress",
        **changes,
    }
    return data


def test_leads_record_actions_that_are_published(client, org):
    head = org["staff"]["head"]
    pdu = org["team"].pdu
    client.force_login(head)
    data = _action(head)
    data["due_on"] = data["due_on"].strftime("%d/%m/%Y")
    assert (
        client.post("/you-said-we-did/manage/", {**data, "area": f"pdu:{pdu.code}"}).status_code
        == 302
    )
    action = YouSaidWeDid.objects.get()
    assert action.pdu == pdu and action.created_by == head
    assert AccessLogEntry.objects.filter(event="you_said_we_did.recorded", actor=head).exists()
    client.logout()
    public = client.get("/you-said-we-did/").content.decode()
    assert "quiet room" in public and "Feels safe at the office" in public
    assert "quiet room" in client.get("/you-said-we-did/", {"pdu": pdu.code}).content.decode()
    far = org["people"]["far"].pdu.code
    assert "quiet room" not in client.get("/you-said-we-did/", {"pdu": far}).content.decode()
    poster = client.get("/you-said-we-did/poster/").content.decode()
    assert "You said: The waiting room" in poster and "poster.css" in poster
    assert client.get("/you-said-we-did/", {"pdu": "<script>"}).status_code == 200


def test_a_regional_lead_records_for_the_region_and_a_head_cannot(org):
    regional, head = org["staff"]["regional"], org["staff"]["head"]
    region = org["team"].pdu.region
    action = services.you_said_we_did_record(
        data=_action(regional), actor=regional, region_code=region.code
    )
    assert action.region == region
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.you_said_we_did_record(data=_action(head), actor=head, region_code=region.code)
    with pytest.raises(ValidationError):
        services.you_said_we_did_record(
            data=_action(head), actor=head, pdu_code=org["people"]["far"].pdu.code
        )


def test_action_bad_input(org):
    from django.core.exceptions import ValidationError

    head = org["staff"]["head"]
    code = org["team"].pdu.code
    for changes in (
        {"theme": "nope"},
        {"you_said": ""},
        {"we_did": "x" * 1001},
        {"due_on": "soon"},
        {"status": "abandoned"},
        {"you_said": "a\u202eb"},
    ):
        with pytest.raises(ValidationError):
            services.you_said_we_did_record(
                data=_action(head, **changes), actor=head, pdu_code=code
            )


def test_updating_an_action_is_checked_for_staleness_and_a_done_action_stays_done(client, org):
    head = org["staff"]["head"]
    action = services.you_said_we_did_record(
        data=_action(head), actor=head, pdu_code=org["team"].pdu.code
    )
    done = services.you_said_we_did_update(
        action_id=action.pk, data=_action(head, status="done"), version=0, actor=head
    )
    assert done.version == 1
    with pytest.raises(StaleEdit):
        services.you_said_we_did_update(
            action_id=action.pk, data=_action(head), version=0, actor=head
        )
    with pytest.raises(IllegalTransition):
        services.you_said_we_did_update(
            action_id=action.pk, data=_action(head), version=1, actor=head
        )
    assert AccessLogEntry.objects.filter(event="you_said_we_did.updated").count() == 1
    client.force_login(org["staff"]["far_regional"])
    assert client.get(f"/you-said-we-did/manage/{action.pk}/").status_code == 404
    client.force_login(head)
    page = client.get(f"/you-said-we-did/manage/{action.pk}/")
    assert page.status_code == 200 and 'name="version" value="1"' in page.content.decode()


def test_the_check_in_and_feedback_pages_link_to_you_said_we_did(client, org):
    page = client.get("/feedback/thank-you/").content.decode()
    assert "/you-said-we-did/" in page


def test_the_check_in_sent_page_links_to_you_said_we_did():
    from django.template.loader import render_to_string

    assert "/you-said-we-did/" in render_to_string("checkin/sent.html", {"support": False})


def test_the_figures_download_as_csv_with_small_numbers_hidden(client, org):
    regional = org["staff"]["regional"]
    load(
        regional, rows_of({"yes": 13, "no": 5, "not_sure": 2}, pdu=org["team"].pdu.code, sex="male")
    )
    client.force_login(regional)
    response = client.get("/feedback/figures.csv")
    assert response["Content-Type"].startswith("text/csv")
    text = response.content.decode()
    assert "Happy with support,Yes,13,20,65.0,43.3,81.9" in text
    assert "<5" in text and ",2,20," not in text
    assert "By sex" in text
    client.force_login(org["staff"]["spo"])
    assert client.get("/feedback/figures.csv").status_code == 403
