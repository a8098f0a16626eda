"""Honest status: a referral completed in Safeguard is "ready to send" (nothing has gone to the
agency) until the practitioner records how and when they sent it; the response clock, the
monitoring figures and the work items follow that."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from safeguard.core import workitems
from safeguard.core.calendar import add_working_days
from safeguard.core.models import AccessLogEntry, WorkItem
from safeguard.referrals import insights, services
from safeguard.referrals.models import Referral, ReferralStatus
from safeguard.referrals.rules import NOT_SENT, READY_TO_SEND
from tests.factories import S42_ALL_MET, asc_agency


def ready(org, **overrides):
    params = {
        "person_id": org["people"]["mine"].pk,
        "kind": "adult_social_care_s42",
        "agency_id": asc_agency().pk,
        "care_act_s42": S42_ALL_MET,
        "abuse_categories": ["neglect"],
        "consent": "given",
        "send": False,
        "ready_to_send": True,
        "actor": org["staff"]["practitioner"],
    }
    params.update(overrides)
    return services.referral_create(**params)


@pytest.mark.django_db
def test_a_completed_referral_is_ready_to_send_with_no_clock_running(org):
    referral = ready(org)
    today = timezone.localdate()
    assert referral.status == ReferralStatus.READY_TO_SEND
    assert referral.sent_at is None and referral.due_by is None and referral.sent_method == ""
    assert referral.ready_at is not None
    assert referral.send_by == add_working_days(today, 2)
    assert AccessLogEntry.objects.filter(event="referral.ready_to_send").count() == 1


@pytest.mark.django_db
def test_an_immediate_risk_referral_should_be_sent_the_same_working_day(org):
    referral = ready(org, urgency="immediate")
    assert referral.send_by == add_working_days(timezone.localdate(), 0)


@pytest.mark.django_db
def test_recording_how_and_when_it_was_sent_starts_the_response_clock(org):
    pp = org["staff"]["practitioner"]
    referral = ready(org)
    sent_at = timezone.now() - dt.timedelta(hours=2)
    sent = services.referral_send(
        referral_id=referral.pk, method="secure_email", sent_at=sent_at, actor=pp
    )
    assert sent.status == ReferralStatus.SENT
    assert sent.sent_method == "secure_email" and sent.sent_at == sent_at
    assert sent.due_by == add_working_days(
        timezone.localtime(sent_at).date(), sent.agency.response_target_working_days
    )
    entry = AccessLogEntry.objects.filter(event="referral.sent").get()
    assert "secure email" in entry.detail


@pytest.mark.django_db
def test_sending_needs_a_method_and_a_time_not_in_the_future(org):
    pp = org["staff"]["practitioner"]
    referral = ready(org)
    with pytest.raises(ValidationError) as info:
        services.referral_send(referral_id=referral.pk, method="carrier_pigeon", actor=pp)
    assert "method" in info.value.message_dict
    with pytest.raises(ValidationError):
        services.referral_send(
            referral_id=referral.pk,
            method="portal",
            sent_at=timezone.now() + dt.timedelta(days=1),
            actor=pp,
        )
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.READY_TO_SEND and referral.version == 1


@pytest.mark.django_db
def test_a_referral_not_sent_cannot_be_acknowledged_or_decided(org):
    pp = org["staff"]["practitioner"]
    referral = ready(org)
    with pytest.raises(services.IllegalTransition):
        services.referral_acknowledge(referral_id=referral.pk, actor=pp)
    with pytest.raises(services.IllegalTransition):
        services.referral_decide(referral_id=referral.pk, outcome="accepted", actor=pp)
    with pytest.raises(services.IllegalTransition):
        services.referral_record_outcome(referral_id=referral.pk, outcome="Done", actor=pp)


@pytest.mark.django_db
def test_the_api_contract_still_records_a_referral_as_sent(org):
    referral = ready(org, send=True, ready_to_send=False)
    assert referral.status == ReferralStatus.SENT and referral.sent_at is not None


@pytest.mark.django_db
def test_ready_to_send_is_on_my_work_at_once_and_urgent_once_past_its_send_by_date(org):
    pp = org["staff"]["practitioner"]
    referral = ready(org)
    today = timezone.localdate()
    assert workitems.scan(READY_TO_SEND, today=today).raised == 1
    assert workitems.scan(NOT_SENT, today=today).raised == 0
    item = WorkItem.objects.get(rule="referral_ready_to_send", status="open")
    assert item.assigned_to == pp and item.due_on == referral.send_by
    assert item.priority == "today"

    later = referral.send_by + dt.timedelta(days=1)
    assert workitems.scan(READY_TO_SEND, today=later).resolved == 1
    assert workitems.scan(NOT_SENT, today=later).raised == 1
    assert WorkItem.objects.get(rule="referral_not_sent", status="open").priority == "urgent"

    services.referral_send(referral_id=referral.pk, method="phone", actor=pp)
    assert workitems.scan(NOT_SENT, today=later).resolved == 1
    assert not WorkItem.objects.filter(status="open", subject_id=referral.pk).exists()


@pytest.mark.django_db
def test_monitoring_counts_only_referrals_that_were_sent(org):
    ready(org)
    sent = ready(org, send=True, ready_to_send=False)
    qs = insights.filtered_referrals(user=org["staff"]["national"])
    assert list(qs.values_list("pk", flat=True)) == [sent.pk]
    assert Referral.objects.count() == 2


@pytest.mark.django_db
def test_the_api_lists_a_referral_ready_to_send_with_no_clock(client, org):
    from tests.helpers import bearer

    referral = ready(org)
    person = org["people"]["mine"]
    response = client.get(
        f"/api/v1/people/{person.crn}/referrals", **bearer(org["staff"]["practitioner"])
    )
    assert response.status_code == 200
    [row] = [r for r in response.json() if r["id"] == referral.pk]
    assert row["status"] == "ready_to_send"
    assert row["sent_at"] is None and row["due_by"] is None
    assert row["working_days_waiting"] is None


@pytest.mark.django_db
def test_an_s42_concern_ready_to_send_holds_back_a_reduction_in_contact(org):
    """The probation reset safeguard counts an s42 referral completed but not yet sent as
    open: the concern is there whether or not the agency has it yet (err toward acting)."""
    from safeguard.pathways.safeguard_rules import safeguard_reasons

    person = org["people"]["mine"]
    today = timezone.localdate()
    assert "s42_open" not in safeguard_reasons(person.pk, today=today)
    ready(org)
    assert "s42_open" in safeguard_reasons(person.pk, today=today)
