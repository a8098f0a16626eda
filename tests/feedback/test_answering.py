"""Answering the survey: a single-use link by text or email (opening it does not use it up),
an office tablet with no sign-in, one question a page, anonymous unless the person asks to be
contacted; and the pages for staff who send links and set up tablets."""

import datetime as dt

import pytest
from django.utils import timezone
from notifications_python_client.notifications import NotificationsAPIClient

from safeguard.core.errors import RecordClosed
from safeguard.core.models import AccessLogEntry
from safeguard.feedback import services, surveys
from safeguard.feedback.models import (
    FeedbackAnswer,
    FeedbackComment,
    FeedbackResponse,
    SurveySession,
)
from safeguard.notify.dispatch import Dispatcher
from safeguard.notify.models import Message
from tests.feedback.helpers import office
from tests.learning.helpers import record_death
from tests.notify.fakes import TEST_API_KEY, fake_notify  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db
SURVEY = surveys.current("people_on_probation")


def _person(org):
    person = org["people"]["mine"]
    type(person).objects.filter(pk=person.pk).update(mobile="07700900123", email="alex@example.com")
    person.refresh_from_db()
    return person


def _answer_all(client, token, answers: dict, *, tablet=False):
    pages = [q for q in SURVEY.pages if not (tablet and q == SURVEY.contact)]
    for page in pages:
        response = client.post(
            f"/feedback/s/{token}/{page.id}/", {page.id: answers.get(page.id, "")}
        )
        assert response.status_code == 302, (page.id, response.content[:500])
    return client.post(f"/feedback/s/{token}/send/")


def test_the_link_is_sent_through_notify_and_names_nothing_about_the_case(org, fake_notify):  # noqa: F811
    person, pp = _person(org), org["staff"]["practitioner"]
    session = services.feedback_link_send(person_id=person.pk, channel="sms", actor=pp)
    message = Message.objects.get(pk=session.message_id)
    assert message.kind == "feedback" and message.reference.startswith("fbk-")
    assert session.token not in message.reference and person.crn not in message.reference
    Dispatcher(clock=lambda: message.send_after + dt.timedelta(seconds=1)).run()
    sent = NotificationsAPIClient(TEST_API_KEY, base_url=fake_notify.url).get_all_notifications()
    body = sent["notifications"][0]["body"]
    assert f"/feedback/s/{session.token}/" in body and person.crn not in body
    entry = AccessLogEntry.objects.get(event="feedback.link_sent")
    assert entry.person == person and entry.actor == pp


def test_a_link_answered_page_by_page_makes_an_anonymous_response(client, org):
    person, pp = _person(org), org["staff"]["practitioner"]
    session = services.feedback_link_send(person_id=person.pk, channel="email", actor=pp)
    token = session.token
    # Opening the link (or a phone's link preview) does not use it up.
    for _ in range(2):
        page = client.get(f"/feedback/s/{token}/")
        assert page.status_code == 200 and "Start" in page.content.decode()
    first = client.get(f"/feedback/s/{token}/happy_with_support/").content.decode()
    assert "Question 1 of 15" in first and 'type="radio"' in first
    assert person.first_name not in first and person.crn not in first
    answers = {q.id: "yes" for q in SURVEY.choice_questions}
    answers |= {
        "biggest_issue": "Housing",
        "sex": "female",
        "age_band": "25-34",
        "contact_me": "no",
    }
    check = None
    for page in SURVEY.pages:
        client.post(f"/feedback/s/{token}/{page.id}/", {page.id: answers.get(page.id, "")})
    check = client.get(f"/feedback/s/{token}/check/").content.decode()
    assert "Housing" in check and "Check your answers" in check
    sent = client.post(f"/feedback/s/{token}/send/")
    assert sent.status_code == 302 and sent["Location"] == "/feedback/thank-you/"
    response = FeedbackResponse.objects.get()
    assert response.person_id is None and not response.contact_requested
    assert (response.source, response.pdu_id, response.sex, response.age_band) == (
        "link",
        person.pdu_id,
        "female",
        "25-34",
    )
    assert FeedbackAnswer.objects.filter(response=response).count() == 10
    assert FeedbackComment.objects.get().text == "Housing"
    session.refresh_from_db()
    assert session.draft == {} and session.completed_on and session.person_id is None
    # Used once: every page of the link is now the same "does not work" page.
    assert client.get(f"/feedback/s/{token}/").status_code == 404
    assert client.post(f"/feedback/s/{token}/send/").status_code == 404
    answered = AccessLogEntry.objects.get(event="feedback.answered")
    assert answered.person is None and answered.actor is None and person.crn not in answered.detail


def test_the_person_is_named_only_if_they_ask_to_be_contacted(client, org):
    person, pp = _person(org), org["staff"]["practitioner"]
    token = services.feedback_link_send(person_id=person.pk, channel="sms", actor=pp).token
    _answer_all(client, token, {"happy_with_support": "no", "contact_me": "yes"})
    response = FeedbackResponse.objects.get()
    assert response.contact_requested and response.person == person


def test_nothing_answered_cannot_be_sent(client, org):
    person, pp = _person(org), org["staff"]["practitioner"]
    token = services.feedback_link_send(person_id=person.pk, channel="sms", actor=pp).token
    response = client.post(f"/feedback/s/{token}/send/")
    assert response.status_code == 302 and "empty=1" in response["Location"]
    page = client.get(response["Location"]).content.decode()
    assert "Answer at least one question" in page
    assert not FeedbackResponse.objects.exists()


def test_bad_answers_and_unknown_links(client, org):
    person, pp = _person(org), org["staff"]["practitioner"]
    token = services.feedback_link_send(person_id=person.pk, channel="sms", actor=pp).token
    bad = client.post(f"/feedback/s/{token}/happy_with_support/", {"happy_with_support": "maybe"})
    assert bad.status_code == 422 and "Choose one of the answers" in bad.content.decode()
    long = client.post(f"/feedback/s/{token}/biggest_issue/", {"biggest_issue": "x" * 2001})
    assert long.status_code == 422
    sneaky = client.post(f"/feedback/s/{token}/biggest_issue/", {"biggest_issue": "a\u202eb"})
    assert sneaky.status_code == 422
    assert client.get(f"/feedback/s/{token}/not_a_question/").status_code == 404
    assert client.get("/feedback/s/nonsense/").status_code == 404
    assert client.get(f"/feedback/s/{'x' * 200}/").status_code == 404
    expired = SurveySession.objects.get()
    SurveySession.objects.filter(pk=expired.pk).update(expires_at=timezone.now())
    assert client.get(f"/feedback/s/{token}/").status_code == 404


def test_a_link_is_refused_for_someone_who_has_died_and_stops_working(client, org):
    person, pp = _person(org), org["staff"]["practitioner"]
    token = services.feedback_link_send(person_id=person.pk, channel="sms", actor=pp).token
    record_death(person, org["staff"]["spo"])
    assert client.get(f"/feedback/s/{token}/").status_code == 404
    with pytest.raises(RecordClosed):
        services.feedback_link_send(person_id=person.pk, channel="sms", actor=pp)


def test_a_link_needs_a_mobile_or_email(org):
    from django.core.exceptions import ValidationError

    person = org["people"]["mine"]
    type(person).objects.filter(pk=person.pk).update(mobile="", email="")
    with pytest.raises(ValidationError):
        services.feedback_link_send(
            person_id=person.pk, channel="sms", actor=org["staff"]["practitioner"]
        )


def test_an_office_tablet_gives_each_person_a_fresh_anonymous_survey(client, org):
    spo = org["staff"]["spo"]
    here = office(org["team"].pdu)
    tablet = services.feedback_tablet_set_up(office_id=here.pk, actor=spo)
    assert AccessLogEntry.objects.filter(event="feedback.tablet_set_up", actor=spo).exists()
    home = client.get(f"/feedback/tablet/{tablet.token}/")
    assert home.status_code == 200 and here.name in home.content.decode()
    for _ in range(2):
        started = client.post(f"/feedback/tablet/{tablet.token}/")
        assert started.status_code == 302
        token = started["Location"].split("/")[3]
        page = client.get(f"/feedback/s/{token}/happy_with_support/").content.decode()
        assert "of 14" in page  # no contact question on a shared tablet
        assert client.get(f"/feedback/s/{token}/contact_me/").status_code == 404
        done = _answer_all(client, token, {"feels_safe_at_office": "no"}, tablet=True)
        thanks = client.get(done["Location"]).content.decode()
        assert f"/feedback/tablet/{tablet.token}/" in thanks
    responses = FeedbackResponse.objects.all()
    assert responses.count() == 2
    assert {(r.source, r.office_id, r.person_id) for r in responses} == {("tablet", here.pk, None)}
    services.feedback_tablet_stop(tablet_id=tablet.pk, actor=spo)
    assert client.get(f"/feedback/tablet/{tablet.token}/").status_code == 404


def test_a_tablet_is_only_for_an_office_in_ones_area(org):
    from django.core.exceptions import ValidationError

    far = office(org["people"]["far"].pdu, code="FAR1", name="Far office", location="Far")
    with pytest.raises(ValidationError):
        services.feedback_tablet_set_up(office_id=far.pk, actor=org["staff"]["spo"])


# ---- staff pages -------------------------------------------------------------------------


def test_the_send_link_page(client, org):
    person, pp = _person(org), org["staff"]["practitioner"]
    client.force_login(pp)
    url = f"/people/{person.crn}/feedback-link/"
    assert "Send a feedback survey" in client.get(url).content.decode()
    refused = client.post(url, {"channel": "pigeon"})
    assert refused.status_code == 200 and "govuk-error-summary" in refused.content.decode()
    assert client.post(url, {"channel": "sms"}).status_code == 302
    assert SurveySession.objects.filter(person=person).count() == 1
    client.force_login(org["staff"]["practitioner"])
    assert client.get(f"/people/{org['people']['far'].crn}/feedback-link/").status_code == 404


def test_the_tablets_page_shows_the_address_once(client, org):
    here = office(org["team"].pdu)
    client.force_login(org["staff"]["spo"])
    page = client.post("/feedback/tablets/", {"office": here.pk}).content.decode()
    assert "/feedback/tablet/" in page and "Tablet set up" in page
    again = client.get("/feedback/tablets/").content.decode()
    assert "/feedback/tablet/" not in again and here.name in again
    assert (
        "govuk-error-summary" in client.post("/feedback/tablets/", {"office": "x"}).content.decode()
    )


def test_a_person_who_asked_to_be_contacted_is_listed_and_the_contact_recorded(client, org):
    person, pp = _person(org), org["staff"]["practitioner"]
    token = services.feedback_link_send(person_id=person.pk, channel="sms", actor=pp).token
    _answer_all(
        client,
        token,
        {
            "good_relationship_with_practitioner": "no",
            "contact_me": "yes",
            "what_would_help": "A different practitioner",
        },
    )
    services.feedback_link_send(person_id=person.pk, channel="sms", actor=pp)  # an anonymous one
    head = org["staff"]["head"]
    client.force_login(head)
    assert "1 waiting" in client.get("/feedback/").content.decode()
    page = client.get("/feedback/contact-requests/").content.decode()
    assert person.crn in page and "A different practitioner" in page
    response = FeedbackResponse.objects.get(person=person)
    url = f"/feedback/contact-requests/{response.pk}/contacted/"
    assert client.post(url, {"note": ""}).status_code == 302
    response.refresh_from_db()
    assert response.contacted_at is None
    assert client.post(url, {"note": "Phoned, meeting the SPO on Tuesday"}).status_code == 302
    response.refresh_from_db()
    assert response.contacted_by == head and response.contact_note.startswith("Phoned")
    assert AccessLogEntry.objects.filter(event="feedback.contacted", person=person).exists()
    from safeguard.core.errors import IllegalTransition

    with pytest.raises(IllegalTransition):
        services.feedback_contact_record(response_id=response.pk, note="Again", actor=head)
    client.force_login(org["staff"]["far_regional"])
    assert person.crn not in client.get("/feedback/contact-requests/").content.decode()
    assert client.post(url, {"note": "x"}).status_code == 404


def test_a_named_response_must_have_asked_for_contact(org):
    from django.db import IntegrityError, transaction

    from safeguard.feedback.services import survey_row

    with pytest.raises(IntegrityError), transaction.atomic():
        FeedbackResponse.objects.create(
            survey=survey_row("people_on_probation"),
            source="link",
            answered_on=timezone.localdate(),
            person=org["people"]["mine"],
        )
