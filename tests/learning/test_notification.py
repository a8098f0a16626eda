"""Recording a death: validation, the automatic closures, the read-only record, the person page,
the API, scoping and the access log."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from safeguard.core import workitems
from safeguard.core.errors import RecordClosed
from safeguard.core.models import AccessLogEntry, WorkItem
from safeguard.engagement.models import CheckIn, CheckInSchedule
from safeguard.learning import services
from safeguard.learning.models import DeathNotification, DeathReview
from safeguard.notify.models import Message, MessageStatus
from safeguard.people.deaths import deceased, ensure_not_deceased, is_deceased, not_deceased
from safeguard.people.models import Person
from tests.engagement.factories import CheckInFactory
from tests.factories import OverdueRegistrationFactory, exclude
from tests.helpers import bearer
from tests.learning.helpers import record_death

PROBLEM = "application/problem+json"


def api_post(client, url, payload, staff):
    return client.post(url, payload, content_type="application/json", **bearer(staff))


def valid_payload(**overrides):
    today = timezone.localdate()
    payload = {
        "date_of_death": (today - dt.timedelta(days=2)).isoformat(),
        "date_notified": (today - dt.timedelta(days=1)).isoformat(),
        "how_notified": "police",
        "circumstances": "drug_related",
        "place": "Hostel",
    }
    payload.update(overrides)
    return payload


def open_item(person, team, rule="registration_review_overdue", subject_id=1, assignee=None):
    return WorkItem.objects.create(
        rule=rule,
        subject_type="registration",
        subject_id=subject_id,
        person=person,
        team=team,
        assigned_to=assignee,
        due_on=timezone.localdate(),
    )


def queued_message(person, reference, status=MessageStatus.QUEUED):
    now = timezone.now()
    return Message.objects.create(
        reference=reference,
        person=person,
        topic="appointment:1",
        kind="reminder",
        channel="sms",
        template="appointment_reminder_sms",
        recipient="07700900123",
        scheduled_for=now,
        send_after=now,
        status=status,
    )


# ---- the service ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_recording_a_death_makes_a_notification_a_snapshot_and_a_review(org):
    person = org["people"]["mine"]
    notification = record_death(person, org["staff"]["practitioner"], circumstances="homicide")
    assert notification.supervision_type == "court_order"  # from the community order
    assert notification.region == person.pdu.region and notification.team == person.team
    assert notification.practitioner_at_death == org["staff"]["practitioner"]
    assert notification.review.status == "notified" and notification.review.reviewer is None
    assert notification.snapshot.data["person"]["crn"] == person.crn
    entry = AccessLogEntry.objects.filter(person=person, action="change_person").get()
    assert entry.event == "death.recorded"
    assert entry.changes["new"]["circumstances"] == "homicide"
    assert is_deceased(person) and is_deceased(person.pk)
    assert not is_deceased(org["people"]["colleagues"])


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"date_of_death": timezone.localdate() + dt.timedelta(days=1)}, "date_of_death"),
        ({"date_of_death": None}, "date_of_death"),
        ({"date_notified": timezone.localdate() + dt.timedelta(days=1)}, "date_notified"),
        ({"date_notified": timezone.localdate() - dt.timedelta(days=30)}, "date_notified"),
        ({"how_notified": "carrier_pigeon"}, "how_notified"),
        ({"how_notified": "other", "how_notified_detail": ""}, "how_notified_detail"),
        ({"circumstances": "misadventure"}, "circumstances"),
        ({"supervision_type": "parole"}, "supervision_type"),
        ({"place": "x" * 201}, "place"),
        (
            {"date_of_death": dt.date(1900, 1, 1), "date_notified": dt.date(1900, 1, 2)},
            "date_of_death",
        ),
    ],
)
def test_bad_notifications_are_refused_naming_the_field(org, overrides, field):
    with pytest.raises(ValidationError) as caught:
        record_death(org["people"]["mine"], org["staff"]["practitioner"], **overrides)
    assert field in caught.value.message_dict
    assert not DeathNotification.objects.exists()
    assert not WorkItem.objects.exists()


@pytest.mark.django_db
def test_only_casework_roles_who_see_the_case_can_record_a_death(org):
    person = org["people"]["mine"]
    with pytest.raises(PermissionDenied):
        record_death(person, org["staff"]["inspector"])
    with pytest.raises(Http404):
        record_death(person, org["staff"]["other_team_pp"])
    exclude(person, org["staff"]["colleague"])
    with pytest.raises(Http404):
        record_death(person, org["staff"]["colleague"])
    record_death(person, org["staff"]["spo"])
    with pytest.raises(services.AlreadyRecorded):
        record_death(person, org["staff"]["spo"])
    assert DeathNotification.objects.count() == 1


# ---- automatic closures ------------------------------------------------------------------------


@pytest.mark.django_db
def test_open_work_reminders_and_check_ins_are_closed_on_death(org):
    person, other = org["people"]["mine"], org["people"]["colleagues"]
    team = org["team"]
    mine_items = [open_item(person, team, subject_id=i) for i in (1, 2, 3)]
    done = open_item(person, team, rule="check_in_missed", subject_id=9)
    done.status = "done"
    done.save()
    others_item = open_item(other, team, subject_id=4)
    queued = queued_message(person, "rem-1")
    delivered = queued_message(person, "rem-2", status=MessageStatus.DELIVERED)
    other_message = queued_message(other, "rem-3")
    now = timezone.now()
    open_check_in = CheckInFactory(person=person)
    answered = CheckInFactory(person=person, completed_at=now, self_harm="no")
    schedule = CheckInSchedule.objects.create(
        person=person,
        frequency="weekly",
        channel="sms",
        next_due_at=now + dt.timedelta(days=7),
        created_by=org["staff"]["practitioner"],
    )
    others_check_in = CheckInFactory(person=other)

    notification = record_death(person, org["staff"]["spo"])

    assert all(WorkItem.objects.get(pk=i.pk).status == "closed" for i in mine_items)
    assert WorkItem.objects.get(pk=done.pk).status == "done"
    assert WorkItem.objects.get(pk=others_item.pk).status == "open"
    assert Message.objects.get(pk=queued.pk).status == MessageStatus.WITHDRAWN
    assert Message.objects.get(pk=delivered.pk).status == MessageStatus.DELIVERED
    assert Message.objects.get(pk=other_message.pk).status == MessageStatus.QUEUED
    closed = CheckIn.objects.get(pk=open_check_in.pk)
    assert closed.expires_at <= timezone.now() and closed.followed_up_at is not None
    assert "died" in closed.follow_up_note
    assert CheckIn.objects.get(pk=answered.pk).follow_up_note == ""
    assert CheckInSchedule.objects.get(pk=schedule.pk).active is False
    assert CheckIn.objects.get(pk=others_check_in.pk).followed_up_at is None
    # The snapshot was taken before the closures: it shows what was open.
    assert len(notification.snapshot.data["open_work_items"]) == 3


@pytest.mark.django_db
def test_a_failing_hook_leaves_nothing_half_written(org, registries):
    from safeguard.learning.closures import close_work_items

    person = org["people"]["mine"]
    item = open_item(person, org["team"])
    registries.on_death.replace(close_work_items, exploding_hook)
    with pytest.raises(RuntimeError):
        record_death(person, org["staff"]["spo"])
    assert not DeathNotification.objects.exists()
    assert WorkItem.objects.get(pk=item.pk).status == "open"
    assert not AccessLogEntry.objects.filter(action="change_person").exists()


def exploding_hook(person_id, actor):
    raise RuntimeError("boom")


@pytest.mark.django_db
def test_the_person_condition_and_the_guard(org):
    person = org["people"]["mine"]
    record_death(person, org["staff"]["spo"])
    assert list(Person.objects.filter(deceased()).values_list("crn", flat=True)) == [person.crn]
    assert person.crn not in Person.objects.filter(not_deceased()).values_list("crn", flat=True)
    # Null-safe on work items that concern no person (training items, for example).
    assert WorkItem.objects.filter(not_deceased("person_id")).count() == 0
    open_item(None, org["team"])
    assert WorkItem.objects.filter(not_deceased("person_id")).count() == 1
    with pytest.raises(RecordClosed) as caught:
        ensure_not_deceased(person)
    assert caught.value.message == "This record is closed because the person has died"
    ensure_not_deceased(org["people"]["colleagues"])  # the living pass
    ensure_not_deceased(None)


@pytest.mark.django_db
def test_a_scan_after_death_raises_nothing_new_for_the_person(org):
    person = org["people"]["mine"]
    OverdueRegistrationFactory(person=person, owner=org["staff"]["practitioner"])
    record_death(person, org["staff"]["spo"])
    workitems.scan_all(today=timezone.localdate(), person_ids=[person.pk])
    assert not WorkItem.objects.filter(person=person, status="open").exists()


# ---- pages -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_record_a_death_from_the_person_page(client, org):
    person = org["people"]["mine"]
    client.force_login(org["staff"]["practitioner"])
    page = client.get(f"/people/{person.crn}/").content.decode()
    assert f"/people/{person.crn}/death/" in page
    assert client.get(f"/people/{person.crn}/death/").status_code == 200
    today = timezone.localdate()
    response = client.post(
        f"/people/{person.crn}/death/",
        {
            "date_of_death": (today - dt.timedelta(days=1)).strftime("%d/%m/%Y"),
            "date_notified": today.strftime("%d/%m/%Y"),
            "how_notified": "family_or_friend",
            "circumstances": "awaiting_classification",
            "place": "",
            "supervision_type": "court_order",
        },
    )
    review = DeathReview.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/learning/reviews/{review.pk}/"
    person_page = client.get(f"/people/{person.crn}/").content.decode()
    assert "Died under supervision" in person_page and "read-only" in person_page
    assert f"/people/{person.crn}/death/" not in person_page
    again = client.get(f"/people/{person.crn}/death/")
    assert again.status_code == 302


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("overrides", "anchor", "message"),
    [
        ({"date_of_death": ""}, "id_date_of_death", "Enter the date of death"),
        ({"date_of_death": "31/02/2026"}, "id_date_of_death", "Enter a real date"),
        ({"circumstances": "nonsense"}, "id_circumstances", "Choose the apparent circumstances"),
        ({"how_notified": "other"}, "id_how_notified_detail", "Say how probation learned"),
        ({"date_notified": "01/01/2000"}, "id_date_notified", "cannot learn of a death before"),
    ],
)
def test_bad_input_on_the_death_form_shows_the_error_summary(
    client, org, overrides, anchor, message
):
    person = org["people"]["mine"]
    client.force_login(org["staff"]["practitioner"])
    today = timezone.localdate()
    data = {
        "date_of_death": (today - dt.timedelta(days=1)).strftime("%d/%m/%Y"),
        "date_notified": today.strftime("%d/%m/%Y"),
        "how_notified": "police",
        "circumstances": "self_inflicted",
        "supervision_type": "court_order",
    }
    data.update(overrides)
    response = client.post(f"/people/{person.crn}/death/", data)
    html = response.content.decode()
    assert response.status_code == 200
    assert "govuk-error-summary" in html and message in html and f'href="#{anchor}"' in html
    assert not DeathNotification.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("staff_key", "expected"),
    [
        ("practitioner", 200),
        ("spo", 200),
        ("other_team_pp", 404),
        ("far_regional", 404),
        ("inspector", 403),
        ("no_role", 403),  # no role, no capabilities
    ],
)
def test_the_death_form_is_scoped(client, org, staff_key, expected):
    client.force_login(org["staff"][staff_key])
    assert client.get(f"/people/{org['people']['mine'].crn}/death/").status_code == expected


# ---- API -----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_record_a_death_through_the_api(client, org):
    person = org["people"]["mine"]
    url = f"/api/v1/people/{person.crn}/death-notification"
    response = api_post(client, url, valid_payload(), org["staff"]["spo"])
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "notified" and body["circumstances"] == "drug_related"
    assert body["snapshot"]["person"]["crn"] == person.crn
    again = api_post(client, url, valid_payload(), org["staff"]["spo"])
    assert again.status_code == 409 and again["Content-Type"] == PROBLEM
    assert AccessLogEntry.objects.filter(
        channel="api", person=person, action="change_person"
    ).exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"circumstances": "misadventure"}, "circumstances"),
        ({"how_notified": "carrier_pigeon"}, "how_notified"),
        ({"date_of_death": "yesterday"}, "date_of_death"),
        ({"date_notified": "2000-01-01"}, "date_notified"),
        ({"supervision_type": "parole"}, "supervision_type"),
    ],
)
def test_bad_api_notifications_are_422_naming_the_field(client, org, overrides, field):
    url = f"/api/v1/people/{org['people']['mine'].crn}/death-notification"
    response = api_post(client, url, valid_payload(**overrides), org["staff"]["spo"])
    assert response.status_code == 422 and response["Content-Type"] == PROBLEM
    assert field in [e["field"] for e in response.json()["errors"]]
    assert not DeathNotification.objects.exists()


@pytest.mark.django_db
def test_the_api_is_scoped_and_audited(client, org):
    person = org["people"]["mine"]
    url = f"/api/v1/people/{person.crn}/death-notification"
    assert api_post(client, url, valid_payload(), org["staff"]["far_regional"]).status_code == 404
    assert api_post(client, url, valid_payload(), org["staff"]["inspector"]).status_code == 403
    exclude(person, org["staff"]["spo"])
    assert api_post(client, url, valid_payload(), org["staff"]["spo"]).status_code == 404
    assert client.post(url, valid_payload(), content_type="application/json").status_code == 401
    refused = AccessLogEntry.objects.filter(action="refused", crn=person.crn, channel="api")
    assert refused.count() == 2
    assert not DeathNotification.objects.exists()
