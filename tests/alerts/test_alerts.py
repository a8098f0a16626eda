"""Alerts about urgent work: who they go to, the email (with no personal data) reaching the fake
Notify server within one dispatch, acknowledgement, escalation after 2 hours, and sweeps that
send once however often they run."""

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from safeguard.alerts import policy, selectors, services, sweeps
from safeguard.alerts.models import Alert, AlertEmail, AlertStatus, DutyRotaEntry, EmailReason
from safeguard.core import registry
from safeguard.core.models import AccessLogEntry, Role, WorkItem, WorkItemStatus
from safeguard.engagement import checkins
from safeguard.engagement.models import CheckIn
from safeguard.notify.dispatch import Dispatcher
from safeguard.notify.models import Message
from tests.alerts.helpers import (
    GOOD_FRIDAY_NOON,
    SATURDAY_NIGHT,
    TUESDAY_9PM,
    TUESDAY_11AM,
    urgent_item,
)
from tests.engagement.factories import CheckInFactory
from tests.factories import PersonFactory, StaffFactory, exclude, restrict
from tests.learning.helpers import record_death

pytestmark = pytest.mark.django_db


def on_duty(staff, *, team=None, pdu=None, around, hours=12):
    return DutyRotaEntry.objects.create(
        team=team,
        pdu=pdu,
        staff=staff,
        starts_at=around - dt.timedelta(hours=hours),
        ends_at=around + dt.timedelta(hours=hours),
        added_by=staff,
    )


def emailed(alert) -> list[tuple[str, str]]:
    return sorted((e.staff.username, e.reason) for e in alert.emails.all())


# ---- office hours and the rota ------------------------------------------------------------------


def test_office_hours_are_weekdays_in_the_day_except_bank_holidays():
    assert policy.in_office_hours(TUESDAY_11AM)
    assert not policy.in_office_hours(TUESDAY_9PM)
    assert not policy.in_office_hours(SATURDAY_NIGHT)
    assert not policy.in_office_hours(GOOD_FRIDAY_NOON)
    # Europe/London, whatever UTC says: 08:30 in summer is 07:30 UTC.
    summer = dt.datetime(2026, 7, 7, 7, 30, tzinfo=dt.UTC)
    assert policy.in_office_hours(summer)


def test_in_hours_the_alert_goes_to_the_practitioner(person, staff, org):
    on_duty(staff["colleague"], team=org["team"], around=TUESDAY_11AM)
    route = selectors.alert_route(urgent_item(person), person, TUESDAY_11AM)
    assert route.emails == [(staff["practitioner"], EmailReason.PRACTITIONER)]
    assert not route.out_of_hours and not route.nobody_on_duty


def test_out_of_hours_it_goes_to_the_teams_duty_officer(person, staff, org):
    on_duty(staff["colleague"], team=org["team"], around=TUESDAY_9PM)
    on_duty(staff["head"], pdu=org["team"].pdu, around=TUESDAY_9PM)
    assert selectors.duty_officer(org["team"], TUESDAY_9PM) == staff["colleague"]
    route = selectors.alert_route(urgent_item(person), person, TUESDAY_9PM)
    assert route.emails == [(staff["colleague"], EmailReason.DUTY_OFFICER)]
    assert route.out_of_hours


def test_with_nobody_on_the_team_rota_the_pdus_duty_officer(person, staff, org):
    on_duty(staff["head"], pdu=org["team"].pdu, around=SATURDAY_NIGHT)
    # Someone on duty for another team of the PDU does not count for this one.
    other = org["people"]["same_pdu"].team
    on_duty(staff["other_team_pp"], team=other, around=SATURDAY_NIGHT)
    assert selectors.duty_officer(org["team"], SATURDAY_NIGHT) == staff["head"]
    route = selectors.alert_route(urgent_item(person), person, SATURDAY_NIGHT)
    assert route.emails == [(staff["head"], EmailReason.DUTY_OFFICER)]


def test_with_nobody_on_duty_the_teams_spos_and_the_alert_says_so(person, staff, org):
    second_spo = StaffFactory(
        username="spo2",
        role=Role.SENIOR_PROBATION_OFFICER,
        teams=[org["team"]],
        email="spo2@justice.example",
    )
    # An entry that ended before the item was raised does not count.
    DutyRotaEntry.objects.create(
        team=org["team"],
        staff=staff["colleague"],
        starts_at=TUESDAY_9PM - dt.timedelta(hours=5),
        ends_at=TUESDAY_9PM - dt.timedelta(hours=1),
        added_by=staff["spo"],
    )
    assert selectors.duty_officer(org["team"], TUESDAY_9PM) is None
    urgent_item(person)
    assert services.alerts_raise(now=TUESDAY_9PM) == 1
    alert = Alert.objects.get()
    assert alert.nobody_on_duty and alert.out_of_hours and alert.status == AlertStatus.SENT
    assert emailed(alert) == [
        ("spo", EmailReason.NOBODY_ON_DUTY),
        (second_spo.username, EmailReason.NOBODY_ON_DUTY),
    ]


def test_a_duty_officer_who_may_not_see_the_case_is_passed_over(person, staff, org):
    on_duty(staff["colleague"], team=org["team"], around=TUESDAY_9PM)
    on_duty(staff["head"], pdu=org["team"].pdu, around=TUESDAY_9PM)
    exclude(person, staff["colleague"])
    route = selectors.alert_route(urgent_item(person), person, TUESDAY_9PM)
    assert route.emails == [(staff["head"], EmailReason.DUTY_OFFICER)]
    # A restricted case: only the practitioner may see it; nobody else is ever told.
    restrict(person, staff["practitioner"])
    route = selectors.alert_route(urgent_item(person), person, TUESDAY_9PM)
    assert route.emails == []
    assert services.alerts_raise(now=TUESDAY_9PM) == 1
    alert = Alert.objects.get()
    assert alert.status == AlertStatus.FAILED and not alert.emails.exists()


def test_unallocated_in_hours_goes_to_the_items_assignee(org, staff):
    nobody_s = PersonFactory(team=org["team"], practitioner=None)
    item = urgent_item(nobody_s, assigned_to=staff["spo"])
    route = selectors.alert_route(item, nobody_s, TUESDAY_11AM)
    assert route.emails == [(staff["spo"], EmailReason.ASSIGNEE)]


def test_never_the_person_on_probation_and_never_without_an_address(person, staff):
    staff["practitioner"].email = person.email.upper()  # the same address as the person's
    staff["practitioner"].save()
    route = selectors.alert_route(urgent_item(person), person, TUESDAY_11AM)
    assert route.emails == [(staff["spo"], EmailReason.NOBODY_ON_DUTY)]
    # No SPO with an address: the head of the PDU; then nobody at all.
    staff["spo"].email = ""
    staff["spo"].save()
    route = selectors.alert_route(urgent_item(person), person, TUESDAY_11AM)
    assert route.emails == [(staff["head"], EmailReason.NOBODY_ON_DUTY)]
    staff["head"].in_post = False
    staff["head"].save()
    assert selectors.alert_route(urgent_item(person), person, TUESDAY_11AM).emails == []


def test_some_rules_tell_the_spo_at_once(person, staff, monkeypatch):
    assert "very_high_risk_to_self" in policy.TELL_SPO_AT_ONCE
    monkeypatch.setattr(policy, "TELL_SPO_AT_ONCE", frozenset({"check_in_self_harm"}))
    urgent_item(person)
    services.alerts_raise(now=TUESDAY_11AM)
    assert emailed(Alert.objects.get()) == [
        ("pp", EmailReason.PRACTITIONER),
        ("spo", EmailReason.SPO_AT_ONCE),
    ]


# ---- the sweep, the email and the fake Notify server ---------------------------------------------


def test_running_the_sweep_twice_sends_once(person, staff, monkeypatch):
    urgent_item(person)
    monkeypatch.setattr(timezone, "now", lambda: TUESDAY_11AM)
    assert sweeps.alert_and_escalate(None) == 1
    assert sweeps.alert_and_escalate(None) == 0
    assert sweeps.alert_new_urgent_items(None) == 0
    assert Alert.objects.count() == 1 and Message.objects.count() == 1
    assert AccessLogEntry.objects.filter(event="alert.sent", person=person).count() == 1


def test_items_that_are_not_urgent_or_not_open_are_not_alerted(person, staff):
    item = urgent_item(person)
    WorkItem.objects.filter(pk=item.pk).update(status=WorkItemStatus.DONE)
    other = urgent_item(person, subject_id=999)
    WorkItem.objects.filter(pk=other.pk).update(priority="today")
    assert services.alerts_raise(now=TUESDAY_11AM) == 0


def test_no_alert_about_someone_who_has_died(person, staff, org):
    item = urgent_item(person)
    record_death(person, staff["spo"])
    item.refresh_from_db()
    assert item.status != WorkItemStatus.OPEN  # the death closed it
    WorkItem.objects.filter(pk=item.pk).update(status=WorkItemStatus.OPEN)  # even if open
    assert services.alerts_raise(now=TUESDAY_11AM) == 0
    assert not Alert.objects.exists()


def test_the_email_carries_no_personal_data(person, staff):
    item = urgent_item(person)
    services.alerts_raise(now=TUESDAY_11AM)
    message = Message.objects.get()
    assert message.person_id is None  # so the dispatcher never swaps in the person's address
    assert message.recipient == "pp@justice.example"
    assert message.kind == "alert" and message.template == "urgent_work_alert_email"
    assert message.personalisation == {
        "link": f"http://127.0.0.1:8000/alerts/items/{item.pk}/"
    } or message.personalisation["link"].endswith(f"/alerts/items/{item.pk}/")
    assert set(message.personalisation) == {"link"}
    text = f"{message.reference} {message.topic} {message.personalisation}"
    for personal in (person.crn, person.first_name, person.last_name, person.email, "Mine"):
        assert personal not in text
    assert message.reference.startswith("alr-")


def test_a_self_harm_answer_reaches_notify_as_an_email_within_one_dispatch(
    fake_notify, person, staff, org, monkeypatch, django_capture_on_commit_callbacks
):
    """End to end: the person says yes on their phone; the item is raised after commit, the
    alert follows at once, and one dispatcher run hands the email to (fake) Notify through the
    real notifications-python-client."""
    monkeypatch.setattr(checkins.timezone, "now", lambda: TUESDAY_11AM)
    check_in = checkins.check_in_create(
        person_id=person.pk, channel="sms", actor=staff["practitioner"]
    )
    CheckIn.objects.filter(pk=check_in.pk).update(expires_at=TUESDAY_11AM + dt.timedelta(days=1))
    with django_capture_on_commit_callbacks(execute=True):
        Client().post(f"/check-in/{check_in.token}/self_harm", {"self_harm": "yes"})
    item = WorkItem.objects.get(rule="check_in_self_harm")
    alert = Alert.objects.get(work_item=item)
    assert emailed(alert) == [("pp", EmailReason.PRACTITIONER)]

    report = Dispatcher(clock=lambda: TUESDAY_11AM).run()
    assert report.sent >= 1
    sent = [n for n in fake_notify.state.notifications if n["type"] == "email"]
    assert len(sent) == 1
    email = sent[0]
    assert email["recipient"] == "pp@justice.example"
    assert email["subject"] == "An urgent item is waiting in Safeguard"
    assert f"/alerts/items/{item.pk}/" in email["body"]
    for personal in (person.crn, person.first_name, person.last_name):
        assert personal not in email["body"] + email["subject"] + email["reference"]
    message = alert.emails.get().message
    message.refresh_from_db()
    assert message.status == "sent" and fake_notify.state.references()[message.reference] == 1
    # Nothing twice: the sweep and another dispatch send nothing more.
    sweeps.alert_and_escalate(None)
    Dispatcher(clock=lambda: TUESDAY_11AM).run()
    assert len([n for n in fake_notify.state.notifications if n["type"] == "email"]) == 1


def test_the_gate_alerts_after_a_change_raises_urgent_work(
    person, staff, registries, django_capture_on_commit_callbacks
):
    """A change through the gate refreshes work items after commit; the alert hook runs after
    the refresh (``registry.after_work_refresh``)."""
    from safeguard.core.audit import Channel
    from safeguard.people.gate import person_change

    seen = []
    registries.after_work_refresh.add(lambda ids: seen.append(ids) or 0, order=99)
    assert sweeps.alert_new_urgent_items in registry.after_work_refresh
    # A "yes" recorded with no item yet: the refresh after the change raises it.
    CheckInFactory(person=person, self_harm="yes")
    with (
        django_capture_on_commit_callbacks(execute=True),
        person_change(actor=staff["practitioner"], person_id=person.pk, channel=Channel.WEB),
    ):
        pass
    assert seen == [[person.pk]]
    assert Alert.objects.filter(person=person).count() == 1


# ---- acknowledgement and escalation -------------------------------------------------------------


@pytest.fixture
def alerted(person, staff):
    item = urgent_item(person)
    services.alerts_raise(now=TUESDAY_11AM)
    return item, Alert.objects.get(work_item=item)


def test_unacknowledged_after_2_hours_the_spos_are_emailed(alerted, staff):
    item, alert = alerted
    assert services.alerts_escalate(now=TUESDAY_11AM + dt.timedelta(minutes=119)) == 0
    later = TUESDAY_11AM + dt.timedelta(hours=2)
    assert services.alerts_escalate(now=later) == 1
    assert services.alerts_escalate(now=later + dt.timedelta(hours=1)) == 0  # once
    alert.refresh_from_db()
    assert alert.status == AlertStatus.ESCALATED and alert.escalated_at == later
    assert emailed(alert) == [("pp", EmailReason.PRACTITIONER), ("spo", EmailReason.ESCALATION)]
    escalation = alert.emails.get(reason=EmailReason.ESCALATION).message
    assert escalation.template == "urgent_work_escalation_email"
    assert escalation.personalisation["waited"] == "2 hours"
    assert AccessLogEntry.objects.filter(event="alert.escalated").count() == 1


def test_out_of_hours_the_duty_spo_on_the_rota_is_told_too(person, staff, org):
    duty_spo = StaffFactory(
        username="duty.spo",
        role=Role.SENIOR_PROBATION_OFFICER,
        teams=[org["team"]],
        email="duty.spo@justice.example",
    )
    on_duty(duty_spo, team=org["team"], around=SATURDAY_NIGHT, hours=6)
    urgent_item(person)
    services.alerts_raise(now=SATURDAY_NIGHT)
    alert = Alert.objects.get()
    assert emailed(alert) == [("duty.spo", EmailReason.DUTY_OFFICER)]
    services.alerts_escalate(now=SATURDAY_NIGHT + dt.timedelta(hours=2, minutes=5))
    assert emailed(alert) == sorted(
        [
            ("duty.spo", EmailReason.DUTY_OFFICER),
            ("duty.spo", EmailReason.ESCALATION),
            ("spo", EmailReason.ESCALATION),
        ]
    )


def test_an_acknowledged_alert_does_not_escalate(alerted, staff, client):
    item, alert = alerted
    client.force_login(staff["practitioner"])
    page = client.get(f"/alerts/items/{item.pk}/")
    assert page.status_code == 200 and b"Acknowledge" in page.content
    assert AccessLogEntry.objects.filter(
        actor=staff["practitioner"], action="view_person", person=item.person
    ).exists()
    response = client.post(f"/alerts/items/{item.pk}/acknowledge/")
    assert response.status_code == 302
    alert.refresh_from_db()
    assert alert.status == AlertStatus.ACKNOWLEDGED
    assert alert.acknowledged_by == staff["practitioner"]
    entry = AccessLogEntry.objects.get(event="alert.acknowledged")
    assert entry.actor == staff["practitioner"] and entry.person == item.person
    assert entry.changes["old"] == {"status": "sent"}
    assert services.alerts_escalate(now=TUESDAY_11AM + dt.timedelta(hours=3)) == 0
    # Twice is refused with a message, and nothing is written.
    again = client.post(f"/alerts/items/{item.pk}/acknowledge/")
    assert again.status_code == 409 and b"already acknowledged" in again.content
    assert AccessLogEntry.objects.filter(event="alert.acknowledged").count() == 1


def test_acknowledging_needs_csrf_and_a_case_one_may_see(alerted, staff, org):
    item, alert = alerted
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(staff["practitioner"])
    assert strict.post(f"/alerts/items/{item.pk}/acknowledge/").status_code == 403
    outsider = Client()
    outsider.force_login(staff["other_team_pp"])
    assert outsider.get(f"/alerts/items/{item.pk}/").status_code == 404
    assert outsider.post(f"/alerts/items/{item.pk}/acknowledge/").status_code == 404
    reader = Client()
    reader.force_login(staff["inspector"])
    assert reader.get(f"/alerts/items/{item.pk}/").status_code == 200
    assert reader.post(f"/alerts/items/{item.pk}/acknowledge/").status_code == 403
    alert.refresh_from_db()
    assert alert.status == AlertStatus.SENT


def test_an_alert_notify_could_not_deliver_fails_and_escalates_at_once(fake_notify, alerted, staff):
    item, alert = alerted
    message = alert.emails.get().message
    Message.objects.filter(pk=message.pk).update(recipient="perm-fail@simulator.notify")
    Message.objects.filter(pk=message.pk).update(status="permanent_failure")
    assert services.alerts_mark_failed(now=TUESDAY_11AM) == 1
    alert.refresh_from_db()
    assert alert.status == AlertStatus.FAILED
    assert services.alerts_escalate(now=TUESDAY_11AM + dt.timedelta(minutes=5)) == 1
    alert.refresh_from_db()
    assert alert.status == AlertStatus.ESCALATED
    assert AlertEmail.objects.filter(alert=alert, reason=EmailReason.ESCALATION).count() == 1


def test_no_escalation_once_the_item_is_done(alerted):
    item, alert = alerted
    WorkItem.objects.filter(pk=item.pk).update(status=WorkItemStatus.DONE)
    assert services.alerts_escalate(now=TUESDAY_11AM + dt.timedelta(hours=5)) == 0


def test_the_periodic_sweep_is_registered_and_escalates(alerted, monkeypatch):
    item, alert = alerted
    assert sweeps.alert_and_escalate in registry.sweeps
    monkeypatch.setattr(timezone, "now", lambda: TUESDAY_11AM + dt.timedelta(hours=2, minutes=1))
    assert sweeps.alert_and_escalate(None) == 1
    assert sweeps.alert_and_escalate(None) == 0
    alert.refresh_from_db()
    assert alert.status == AlertStatus.ESCALATED
