"""The person's own safety plan: reasons for living, what helps from the screen, their copy,
printing, and a single-use link by text or email through the real Notify client."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from notifications_python_client.notifications import NotificationsAPIClient

from safeguard.engagement import plan_links
from safeguard.engagement.models import SafetyPlanLink
from safeguard.notify.dispatch import Dispatcher
from safeguard.notify.models import Message
from tests.assessments.helpers import record_screen, save_plan
from tests.notify.fakes import TEST_API_KEY, fake_notify  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db


def _person(org):
    person = org["people"]["mine"]
    type(person).objects.filter(pk=person.pk).update(mobile="07700900123", email="alex@example.com")
    person.refresh_from_db()
    return person


def test_a_new_plan_starts_from_what_the_person_said_helps(client, org):
    person, pp = org["people"]["mine"], org["staff"]["practitioner"]
    record_screen(person, pp, ssh_thoughts="sometimes", ssh_what_helps="My daughter and my dog")
    client.force_login(pp)
    form = client.get(f"/people/{person.crn}/safety-plan/edit/").content.decode()
    assert "My daughter and my dog" in form
    assert 'name="reasons_for_living"' in form and 'name="person_has_copy"' in form


def test_the_plan_records_reasons_for_living_and_the_persons_copy(client, org):
    person, pp = org["people"]["mine"], org["staff"]["practitioner"]
    plan = save_plan(person, pp, reasons_for_living="Seeing my grandson", person_has_copy=True)
    assert (plan.reasons_for_living, plan.person_has_copy) == ("Seeing my grandson", True)
    with pytest.raises(ValidationError):
        save_plan(person, pp, expected_version=1, person_has_copy="yes")
    client.force_login(pp)
    page = client.get(f"/people/{person.crn}/safety-plan/").content.decode()
    assert "Seeing my grandson" in page and "They have a copy" in page
    printed = client.get(f"/people/{person.crn}/safety-plan/print/")
    assert printed.status_code == 200
    html = printed.content.decode()
    assert "My safety plan" in html and "Seeing my grandson" in html
    # The person's copy (what prints) names no CRN; only the practitioner's links around it do.
    copy = html.split('id="my-safety-plan"', 1)[1].split("</main>", 1)[0]
    assert person.crn not in copy and "probation" not in copy.lower()


def test_printing_needs_a_current_plan(client, org):
    person = org["people"]["mine"]
    client.force_login(org["staff"]["practitioner"])
    assert client.get(f"/people/{person.crn}/safety-plan/print/").status_code == 404


def test_the_link_reaches_the_fake_notify_server_and_opens_once(client, org, fake_notify):  # noqa: F811
    person, pp = _person(org), org["staff"]["practitioner"]
    save_plan(person, pp, reasons_for_living="Seeing my grandson")
    link = plan_links.safety_plan_link_send(person_id=person.pk, channel="sms", actor=pp)
    message = Message.objects.get(pk=link.message_id)
    assert message.kind == "safety_plan" and link.token not in message.reference
    Dispatcher(clock=lambda: message.send_after + dt.timedelta(seconds=1)).run()
    sent = NotificationsAPIClient(TEST_API_KEY, base_url=fake_notify.url).get_all_notifications()
    body = sent["notifications"][0]["body"]
    assert "safety plan" in body and f"/safety-plan/{link.token}" in body
    assert "Seeing my grandson" not in body  # the plan itself never goes in a message

    client.logout()
    url = f"/safety-plan/{link.token}"
    # Opening the page (or a phone's link preview) does not use the link up.
    assert "Show my safety plan" in client.get(url).content.decode()
    assert "Show my safety plan" in client.get(url).content.decode()
    opened = client.post(url)
    assert opened.status_code == 200
    assert "Seeing my grandson" in opened.content.decode()
    link.refresh_from_db()
    assert link.status == "opened" and link.opened_at
    assert client.post(url).status_code == 404
    assert client.get(url).status_code == 404


def test_a_link_stops_working_when_the_plan_is_replaced_or_it_expires(client, org):
    person, pp = _person(org), org["staff"]["practitioner"]
    save_plan(person, pp)
    replaced = plan_links.safety_plan_link_send(person_id=person.pk, channel="email", actor=pp)
    save_plan(person, pp, expected_version=1)
    assert client.post(f"/safety-plan/{replaced.token}").status_code == 404
    expired = plan_links.safety_plan_link_send(person_id=person.pk, channel="sms", actor=pp)
    SafetyPlanLink.objects.filter(pk=expired.pk).update(
        expires_at=timezone.now() - dt.timedelta(minutes=1)
    )
    assert client.post(f"/safety-plan/{expired.token}").status_code == 404
    assert client.get("/safety-plan/not-a-real-token").status_code == 404


def test_sending_refuses_bad_input_and_the_dead(client, org):
    from safeguard.core.errors import RecordClosed
    from tests.learning.helpers import record_death

    person, pp = _person(org), org["staff"]["practitioner"]
    with pytest.raises(ValidationError):  # no plan yet
        plan_links.safety_plan_link_send(person_id=person.pk, channel="sms", actor=pp)
    save_plan(person, pp)
    with pytest.raises(ValidationError):
        plan_links.safety_plan_link_send(person_id=person.pk, channel="pigeon", actor=pp)
    client.force_login(pp)
    page = client.post(f"/people/{person.crn}/safety-plan/send/", {})
    assert page.status_code == 200 and "Choose text message or email" in page.content.decode()
    ok = client.post(f"/people/{person.crn}/safety-plan/send/", {"channel": "sms"})
    assert ok.status_code == 302
    assert SafetyPlanLink.objects.filter(person=person).count() == 1
    record_death(person, org["staff"]["spo"])
    with pytest.raises(RecordClosed):
        plan_links.safety_plan_link_send(person_id=person.pk, channel="sms", actor=pp)
    assert SafetyPlanLink.objects.filter(person=person).count() == 1
