"""Check-in links and the person's pages: single use, expiry, guesses, self-harm path."""

import datetime as dt

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from safeguard.core import workitems
from safeguard.core.models import AccessLogEntry, WorkItem
from safeguard.engagement import checkins
from safeguard.engagement.checkin_views import MAX_FAILURES
from safeguard.engagement.models import CheckIn, CheckInSchedule
from safeguard.engagement.rules import (
    CHECK_IN_CALL_BACK,
    CHECK_IN_MISSED,
    CHECK_IN_SELF_HARM,
    CHECK_IN_SELF_HARM_DUTY,
)
from safeguard.notify.models import Message
from safeguard.notify.sealing import unseal
from safeguard.notify.timing import LONDON

WEEKDAY_OFFICE = dt.datetime(2026, 3, 10, 11, 0, tzinfo=LONDON)  # a Tuesday morning
SATURDAY_NIGHT = dt.datetime(2026, 3, 14, 23, 30, tzinfo=LONDON)


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def person(org):
    person = org["people"]["mine"]
    person.mobile = "07700 900123"
    person.email = "alex@example.com"
    person.save()
    return person


@pytest.fixture
def issued(person, org):
    """A fresh check-in and the token from its link."""
    check_in = checkins.check_in_create(
        person_id=person.pk, channel="sms", actor=org["staff"]["practitioner"]
    )
    return check_in, check_in.token


@pytest.fixture
def public():
    return Client(enforce_csrf_checks=True)  # as a basic phone: no CSRF cookie dance needed


def answer(public, token, step, data):
    return public.post(f"/check-in/{token}/{step}", data)


def complete(public, token, *, self_harm="no", call_back="no"):
    answer(public, token, "feeling", {"feeling": "3"})
    answer(public, token, "self_harm", {"self_harm": self_harm})
    answer(public, token, "help", {"help": ["housing", "money"]})
    answer(public, token, "call_back", {"call_back": call_back})
    answer(public, token, "anything_else", {"anything_else": "Bus fares went up"})
    return public.post(f"/check-in/{token}/check")


@pytest.mark.django_db
def test_the_link_holds_only_a_random_token_and_the_database_only_its_hash(issued, settings):
    check_in, token = issued
    stored = Message.objects.get(kind="check_in").personalisation["link"]
    assert token not in stored  # sealed at rest (safeguard.notify.sealing)
    assert unseal(stored) == f"{settings.SAFEGUARD_PUBLIC_URL}/check-in/{token}"
    assert len(token) >= 40
    assert check_in.token_hash != token and token not in check_in.token_hash
    assert not CheckIn.objects.filter(token_hash=token).exists()
    expected = timezone.now() + dt.timedelta(hours=settings.CHECK_IN_LINK_HOURS)
    assert abs((check_in.expires_at - expected).total_seconds()) < 60


@pytest.mark.django_db
def test_a_whole_check_in_without_signing_in(public, issued, person):
    check_in, token = issued
    start = public.get(f"/check-in/{token}")
    assert start.status_code == 200 and b"Hello Alex" in start.content
    assert "no-cache" in start["Cache-Control"] or "no-store" in start["Cache-Control"]
    first = public.get(f"/check-in/{token}/feeling")
    assert b"How are you feeling today?" in first.content and b"Question 1 of 5" in first.content
    response = complete(public, token)
    assert response.status_code == 302 and response["Location"] == "/check-in/sent"
    check_in.refresh_from_db()
    assert check_in.completed_at and check_in.feeling == 3 and check_in.self_harm == "no"
    assert check_in.help_with == ["housing", "money"] and check_in.call_back is False
    assert check_in.anything_else == "Bus fares went up"
    assert AccessLogEntry.objects.filter(
        person=person, actor=None, detail=f"check-in {check_in.pk} answered by the person"
    ).exists()
    assert public.get("/check-in/sent").status_code == 200


@pytest.mark.django_db
def test_used_expired_and_guessed_links_get_the_same_kind_404(public, issued, person, org):
    check_in, token = issued
    complete(public, token)
    expired = checkins.check_in_create(
        person_id=person.pk, channel="sms", actor=org["staff"]["practitioner"]
    )
    CheckIn.objects.filter(pk=expired.pk).update(
        expires_at=timezone.now() - dt.timedelta(minutes=1)
    )
    pages = []
    for bad in (token, expired.token, "A" * 43, "short"):
        for path in ("", "/feeling", "/check", "/support"):
            response = public.get(f"/check-in/{bad}{path}")
            assert response.status_code == 404, (bad, path)
            pages.append(response.content)
        cache.clear()
    assert len(set(pages)) == 1, "every refusal looks the same"
    assert b"contact your probation practitioner" in pages[0]
    assert b"116 123" in pages[0]
    # Answering through a used link changes nothing.
    answer(public, token, "feeling", {"feeling": "1"})
    check_in.refresh_from_db()
    assert check_in.feeling == 3


@pytest.mark.django_db
def test_an_unknown_step_is_404(public, issued):
    _, token = issued
    assert public.get(f"/check-in/{token}/offences").status_code == 404


@pytest.mark.django_db
def test_guessing_is_rate_limited(public):
    for _ in range(MAX_FAILURES):
        assert public.get("/check-in/guess-guess-guess").status_code == 404
    response = public.get("/check-in/guess-guess-guess")
    assert response.status_code == 429 and response["Retry-After"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("step", "data", "message"),
    [
        ("feeling", {}, b"Choose how you are feeling"),
        ("feeling", {"feeling": "9"}, b"Choose how you are feeling"),
        ("self_harm", {"self_harm": "maybe"}, b"Choose yes, no or I would rather not say"),
        ("help", {"help": ["yachts"]}, b"Choose from the list"),
        ("call_back", {}, b"Choose yes or no"),
        ("anything_else", {"anything_else": "x" * 2001}, b"2000 characters or fewer"),
    ],
)
def test_bad_answers_show_an_error_and_save_nothing(public, issued, step, data, message):
    check_in, token = issued
    response = answer(public, token, step, data)
    assert response.status_code == 400
    assert b"govuk-error-summary" in response.content and message in response.content
    assert b"<title>Error:" in response.content
    check_in.refresh_from_db()
    assert check_in.started_at is None


@pytest.mark.django_db
def test_answers_cannot_be_sent_before_the_first_two_questions(public, issued):
    _, token = issued
    response = public.post(f"/check-in/{token}/check")
    assert response.status_code == 400 and b"Answer the first 2 questions" in response.content


@pytest.mark.django_db
def test_self_harm_yes_shows_crisis_contacts_at_once_and_raises_an_urgent_item(
    public, issued, org, django_capture_on_commit_callbacks, monkeypatch
):
    monkeypatch.setattr(checkins.timezone, "now", lambda: WEEKDAY_OFFICE)
    check_in, token = issued
    CheckIn.objects.filter(pk=check_in.pk).update(expires_at=WEEKDAY_OFFICE + dt.timedelta(days=1))
    answer(public, token, "feeling", {"feeling": "1"})
    with django_capture_on_commit_callbacks(execute=True):
        response = answer(public, token, "self_harm", {"self_harm": "yes"})
    assert response.status_code == 302 and response["Location"].endswith("/support")
    support = public.get(response["Location"]).content.decode()
    assert "116 123" in support and "NHS 111" in support and "option 2" in support
    # The item is raised now, before the form is finished.
    item = WorkItem.objects.get(rule="check_in_self_harm")
    assert item.priority == "urgent" and item.assigned_to == org["staff"]["practitioner"]
    assert item.subject_id == check_in.pk
    assert not WorkItem.objects.filter(rule="check_in_self_harm_out_of_hours").exists()
    # Finishing shows the contacts again.
    public.post(f"/check-in/{token}/help", {"help": "none"})
    public.post(f"/check-in/{token}/call_back", {"call_back": "yes"})
    done = public.post(f"/check-in/{token}/check")
    assert done["Location"] == "/check-in/sent?support=1"
    assert b"116 123" in public.get(done["Location"]).content


@pytest.mark.django_db
def test_out_of_hours_the_duty_spo_gets_one_too(public, issued, org, monkeypatch):
    monkeypatch.setattr(checkins.timezone, "now", lambda: SATURDAY_NIGHT)
    check_in, token = issued
    CheckIn.objects.filter(pk=check_in.pk).update(expires_at=SATURDAY_NIGHT + dt.timedelta(days=1))
    answer(public, token, "self_harm", {"self_harm": "yes"})
    today = SATURDAY_NIGHT.date()
    workitems.scan(CHECK_IN_SELF_HARM, today=today)
    workitems.scan(CHECK_IN_SELF_HARM_DUTY, today=today)
    duty = WorkItem.objects.get(rule="check_in_self_harm_out_of_hours")
    assert duty.assigned_to == org["staff"]["spo"] and duty.priority == "urgent"
    assert (
        WorkItem.objects.get(rule="check_in_self_harm").assigned_to == org["staff"]["practitioner"]
    )


@pytest.mark.django_db
@pytest.mark.parametrize("rota", ["team", "pdu"])
def test_out_of_hours_the_duty_officer_on_the_rota_gets_it(public, issued, org, monkeypatch, rota):
    """The duty item goes to whoever the rota names when the answer came in (the team's rota,
    else the PDU's), not to the team's first SPO."""
    from safeguard.alerts.models import DutyRotaEntry

    colleague = org["staff"]["colleague"]
    team = org["team"]
    DutyRotaEntry.objects.create(
        team=team if rota == "team" else None,
        pdu=team.pdu if rota == "pdu" else None,
        staff=colleague,
        starts_at=SATURDAY_NIGHT - dt.timedelta(hours=6),
        ends_at=SATURDAY_NIGHT + dt.timedelta(hours=6),
        added_by=org["staff"]["spo"],
    )
    monkeypatch.setattr(checkins.timezone, "now", lambda: SATURDAY_NIGHT)
    check_in, token = issued
    CheckIn.objects.filter(pk=check_in.pk).update(expires_at=SATURDAY_NIGHT + dt.timedelta(days=1))
    answer(public, token, "self_harm", {"self_harm": "yes"})
    workitems.scan(CHECK_IN_SELF_HARM_DUTY, today=SATURDAY_NIGHT.date())
    duty = WorkItem.objects.get(rule="check_in_self_harm_out_of_hours")
    assert duty.assigned_to == colleague


@pytest.mark.django_db
def test_following_up_resolves_the_items(client, public, issued, org):
    check_in, token = issued
    complete(public, token, self_harm="yes", call_back="yes")
    today = timezone.localdate()
    for rule in (CHECK_IN_SELF_HARM, CHECK_IN_CALL_BACK):
        assert workitems.scan(rule, today=today).raised == 1
    checkins.check_in_follow_up(
        check_in_id=check_in.pk,
        note="Spoke to them, safety plan reviewed",
        actor=org["staff"]["practitioner"],
    )
    for rule in (CHECK_IN_SELF_HARM, CHECK_IN_CALL_BACK):
        assert workitems.scan(rule, today=today).resolved == 1


@pytest.mark.django_db
def test_a_missed_check_in_raises_a_follow_up_item(issued):
    check_in, _ = issued
    CheckIn.objects.filter(pk=check_in.pk).update(expires_at=timezone.now() - dt.timedelta(hours=1))
    assert workitems.scan(CHECK_IN_MISSED, today=timezone.localdate()).raised == 1


@pytest.mark.django_db
def test_regular_check_ins_are_sent_when_due_and_only_once(person, org):
    first = checkins.check_in_create(
        person_id=person.pk,
        channel="email",
        frequency="fortnightly",
        actor=org["staff"]["practitioner"],
    )
    schedule = CheckInSchedule.objects.get()
    later = schedule.next_due_at + dt.timedelta(minutes=5)
    assert checkins.check_ins_send_due(now=later) == 1
    assert checkins.check_ins_send_due(now=later) == 0
    schedule.refresh_from_db()
    assert schedule.next_due_at > later
    assert CheckIn.objects.filter(person=person).count() == 2
    assert first.schedule == schedule


@pytest.mark.django_db
def test_a_check_in_sent_at_night_by_text_waits_until_morning(person, org):
    night = dt.datetime(2026, 3, 10, 22, 0, tzinfo=LONDON)
    checkins.check_in_create(
        person_id=person.pk, channel="sms", actor=org["staff"]["practitioner"], now=night
    )
    message = Message.objects.get(kind="check_in")
    assert message.send_after == dt.datetime(2026, 3, 11, 8, 0, tzinfo=LONDON)


@pytest.mark.django_db
def test_a_delivered_check_in_link_is_scrubbed_from_the_outbox(issued):
    from safeguard.notify.services import apply_notify_status

    message = Message.objects.get(kind="check_in")
    Message.objects.filter(pk=message.pk).update(status="sent")
    message.refresh_from_db()
    apply_notify_status(message, "delivered")
    message.refresh_from_db()
    assert "/check-in/" not in message.personalisation["link"]


@pytest.mark.django_db
def test_read_only_roles_cannot_send_check_ins(person, org):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        checkins.check_in_create(
            person_id=person.pk, channel="sms", actor=org["staff"]["inspector"]
        )


@pytest.mark.django_db
def test_office_hours():
    assert checkins.in_office_hours(WEEKDAY_OFFICE)
    assert not checkins.in_office_hours(SATURDAY_NIGHT)
    assert not checkins.in_office_hours(dt.datetime(2026, 12, 25, 11, tzinfo=LONDON))  # Christmas
    assert not checkins.in_office_hours(dt.datetime(2026, 3, 10, 18, 30, tzinfo=LONDON))


def _broken(today):
    raise RuntimeError("another area's rule is broken")


@pytest.mark.django_db
def test_a_broken_rule_elsewhere_never_stops_the_crisis_page(
    public, issued, registries, django_capture_on_commit_callbacks
):
    from safeguard.core.workitems import WorkItemRule

    broken_rule = WorkItemRule(
        code="check_in_broken",
        title="x",
        subject_type="person",
        candidates=_broken,
        priority="routine",
    )
    registries.work_item_rules.add(broken_rule)
    _, token = issued
    with django_capture_on_commit_callbacks(execute=True):
        response = answer(public, token, "self_harm", {"self_harm": "yes"})
    assert response.status_code == 302 and response["Location"].endswith("/support")
    assert WorkItem.objects.filter(rule="check_in_self_harm", priority="urgent").exists()


@pytest.mark.django_db
def test_rate_limit_counts_are_shared_by_every_web_worker():
    """Counts live in the database cache, which every gunicorn worker reads, not in one
    process's memory: a count written here is in the shared table."""
    from django.db import connection

    cache.set("checkin:req:198.51.100.7", 5, 60)
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM safeguard_cache")
        assert cursor.fetchone()[0] >= 1
