"""Referral rules: validation, due dates in working days, transitions and the escalation ladder."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from safeguard.core import workitems
from safeguard.core.models import AccessLogEntry, Role, WorkItem
from safeguard.core.organisation import load_organisation  # noqa: F401 - loaded by migration
from safeguard.referrals import services
from safeguard.referrals.models import Agency, Referral, ReferralStatus
from safeguard.referrals.rules import (
    ESCALATION_OVERDUE,
    ESCALATION_TO_ANSWER,
    REFERRAL_OVERDUE,
    REJECTED_WHILE_INDICATED,
)
from safeguard.referrals.sweeps import escalate_past_target
from tests.factories import (
    S42_ALL_MET,
    OverdueReferralFactory,
    RejectedReferralFactory,
    SentReferralFactory,
    StaffFactory,
    asc_agency,
)

LONDON = ZoneInfo("Europe/London")


def make_s42(org, **overrides):
    params = {
        "person_id": org["people"]["mine"].pk,
        "kind": "adult_social_care_s42",
        "agency_id": asc_agency().pk,
        "care_act_s42": S42_ALL_MET,
        "abuse_categories": ["financial_or_material", "self_neglect"],
        "consent": "given",
        "actor": org["staff"]["practitioner"],
    }
    params.update(overrides)
    return services.referral_create(**params)


@pytest.mark.django_db
def test_a_referral_sent_on_christmas_eve_2025_with_a_2_day_target_is_due_on_the_30th(org):
    sent = dt.datetime(2025, 12, 24, 15, 0, tzinfo=LONDON)
    agency = asc_agency()
    agency.response_target_working_days = 2
    agency.save()
    referral = make_s42(org, agency_id=agency.pk, sent_at=sent)
    assert referral.status == "sent"
    assert referral.due_by == dt.date(2025, 12, 30)


@pytest.mark.django_db
def test_the_agencys_local_target_sets_the_due_date(org):
    kent = Agency.objects.get(name="Kent Adult Social Care")
    assert kent.response_target_working_days == 3
    sent = dt.datetime(2026, 11, 23, 9, 0, tzinfo=LONDON)  # a Monday
    referral = make_s42(org, agency_id=kent.pk, sent_at=sent)
    assert referral.due_by == dt.date(2026, 11, 26)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"care_act_s42": None}, "care_act_s42.care_and_support_needs"),
        (
            {"care_act_s42": {**S42_ALL_MET, "unable_to_protect_self": {"indicated": True}}},
            "care_act_s42.unable_to_protect_self",
        ),
        ({"abuse_categories": []}, "abuse_categories"),
        ({"abuse_categories": ["bad_luck"]}, "abuse_categories"),
        ({"consent": "refused"}, "reason_without_consent"),
        ({"agency_id": 999999}, "agency"),
        ({"kind": "astrology"}, "kind"),
        ({"urgency": "whenever"}, "urgency"),
    ],
)
def test_an_incomplete_s42_referral_is_refused_naming_the_field(org, overrides, field):
    with pytest.raises(ValidationError) as info:
        make_s42(org, **overrides)
    assert field in info.value.message_dict
    assert not Referral.objects.exists()


@pytest.mark.django_db
def test_a_referral_must_go_to_the_right_kind_of_agency(org):
    housing = Agency.objects.filter(kind="housing").first()
    with pytest.raises(ValidationError) as info:
        make_s42(org, agency_id=housing.pk)
    assert "agency" in info.value.message_dict


@pytest.mark.django_db
def test_duty_to_refer_needs_consent_choice_of_authority_and_consent_to_share(org):
    housing = Agency.objects.get(name="Kent Housing Options")
    base = {
        "person_id": org["people"]["mine"].pk,
        "kind": "housing_duty_to_refer",
        "agency_id": housing.pk,
        "actor": org["staff"]["practitioner"],
    }
    with pytest.raises(ValidationError) as info:
        services.referral_create(**base)
    assert set(info.value.message_dict) == {
        "consent",
        "consent_to_share_contact_details",
        "chosen_housing_authority",
        "reason",
    }
    base["reason"] = "Threatened with homelessness within 56 days"
    welsh = housing.local_authority.__class__.objects.filter(region__code="WA").first()
    with pytest.raises(ValidationError) as info:
        services.referral_create(
            **base,
            consent="given",
            consent_to_share_contact_details=True,
            chosen_housing_authority=welsh,
        )
    assert "English housing authorities" in str(info.value)
    referral = services.referral_create(
        **base,
        consent="given",
        consent_to_share_contact_details=True,
        chosen_housing_authority=housing.local_authority,
    )
    assert referral.status == "sent"


@pytest.mark.django_db
def test_allowed_and_refused_transitions(org):
    pp = org["staff"]["practitioner"]
    draft = make_s42(org, send=False)
    assert draft.status == "draft" and draft.due_by is None
    with pytest.raises(services.IllegalTransition):
        services.referral_decide(referral_id=draft.pk, outcome="accepted", actor=pp)
    services.referral_send(referral_id=draft.pk, method="portal", actor=pp)
    services.referral_acknowledge(referral_id=draft.pk, actor=pp)
    with pytest.raises(services.IllegalTransition):
        services.referral_send(referral_id=draft.pk, method="portal", actor=pp)
    decided = services.referral_decide(referral_id=draft.pk, outcome="accepted", actor=pp)
    assert decided.status == "accepted" and decided.decision_working_days == 0
    with pytest.raises(services.IllegalTransition):
        services.referral_decide(referral_id=draft.pk, outcome="rejected", reason="other", actor=pp)
    with pytest.raises(services.IllegalTransition):
        services.referral_close_no_response(referral_id=draft.pk, actor=pp)
    services.referral_record_outcome(referral_id=draft.pk, outcome="Care package", actor=pp)
    assert AccessLogEntry.objects.filter(detail__contains="accepted").exists()


@pytest.mark.django_db
def test_a_rejection_needs_a_coded_reason(org):
    referral = make_s42(org)
    with pytest.raises(ValidationError):
        services.referral_decide(
            referral_id=referral.pk,
            outcome="rejected",
            reason="",
            actor=org["staff"]["practitioner"],
        )
    assert Referral.objects.get().status == "sent"


@pytest.mark.django_db
def test_decision_working_days_are_counted_across_the_weekend(org):
    pp = org["staff"]["practitioner"]
    referral = make_s42(org, sent_at=dt.datetime(2026, 11, 20, 10, tzinfo=LONDON))  # Friday
    decided = services.referral_decide(
        referral_id=referral.pk,
        outcome="rejected",
        reason="below_threshold",
        decided_at=dt.datetime(2026, 11, 24, 10, tzinfo=LONDON),  # Tuesday
        actor=pp,
    )
    assert decided.decision_working_days == 2


@pytest.mark.django_db
def test_read_only_roles_cannot_refer(org):
    with pytest.raises(PermissionDenied):
        make_s42(org, actor=org["staff"]["national"])


@pytest.mark.django_db
def test_the_escalation_ladder_end_to_end(org, far_team):
    pp, spo, head, regional = (org["staff"][k] for k in ("practitioner", "spo", "head", "regional"))
    national = org["staff"]["national"]
    referral = RejectedReferralFactory(person=org["people"]["mine"])
    today = timezone.localdate()

    first = services.escalation_raise(referral_id=referral.pk, reason="Meets s42", actor=pp)
    assert (first.level, first.holder) == (1, spo)
    with pytest.raises(services.IllegalTransition):  # level 1 still open and in time
        services.escalation_raise(referral_id=referral.pk, reason="Again", actor=pp)
    with pytest.raises(PermissionDenied):  # only the holder's level resolves it
        services.escalation_resolve(
            escalation_id=first.pk, response="x", outcome="decision_upheld", actor=pp
        )
    services.escalation_resolve(
        escalation_id=first.pk,
        response="ASC manager will not change",
        outcome="decision_upheld",
        actor=spo,
    )
    second = services.escalation_raise(referral_id=referral.pk, reason="Still at risk", actor=spo)
    assert (second.level, second.holder) == (2, head)

    # Level 2 passes its target without an answer: level 3 may now be raised.
    second.due_by = today - dt.timedelta(days=1)
    second.save()
    third = services.escalation_raise(referral_id=referral.pk, reason="No answer", actor=head)
    assert (third.level, third.holder) == (3, regional)
    services.escalation_resolve(
        escalation_id=third.pk,
        response="Raised with the SAB",
        outcome="decision_upheld",
        actor=regional,
    )
    fourth = services.escalation_raise(referral_id=referral.pk, reason="National", actor=regional)
    assert (fourth.level, fourth.holder) == (4, national)
    services.escalation_resolve(
        escalation_id=fourth.pk, response="Agreed", outcome="decision_changed", actor=national
    )
    with pytest.raises(services.IllegalTransition):
        services.escalation_raise(referral_id=referral.pk, reason="Five?", actor=regional)


@pytest.mark.django_db
def test_an_accepted_referral_cannot_be_escalated(org):
    referral = SentReferralFactory(person=org["people"]["mine"], status="accepted")
    with pytest.raises(services.IllegalTransition):
        services.escalation_raise(
            referral_id=referral.pk, reason="x", actor=org["staff"]["practitioner"]
        )


@pytest.mark.django_db
def test_work_items_for_referrals_are_raised_and_resolved(org):
    today = timezone.localdate()
    pp, spo, head = org["staff"]["practitioner"], org["staff"]["spo"], org["staff"]["head"]
    overdue = OverdueReferralFactory(person=org["people"]["mine"])
    rejected = RejectedReferralFactory(person=org["people"]["mine"])
    not_indicated = RejectedReferralFactory(
        person=org["people"]["mine"], s42_unable_to_protect_self=False
    )
    assert workitems.scan(REFERRAL_OVERDUE, today=today).raised == 1
    assert workitems.scan(REJECTED_WHILE_INDICATED, today=today).raised == 1
    items = {(i.rule, i.subject_id): i for i in WorkItem.objects.all()}
    assert items[("referral_past_target", overdue.pk)].assigned_to == pp
    assert ("asc_rejected_s42_indicated", not_indicated.pk) not in items

    escalation = services.escalation_raise(referral_id=rejected.pk, reason="Meets s42", actor=pp)
    assert workitems.scan(REJECTED_WHILE_INDICATED, today=today).resolved == 1
    workitems.scan(ESCALATION_TO_ANSWER, today=today)
    assert WorkItem.objects.get(rule="escalation_to_answer").assigned_to == spo

    escalation.due_by = today - dt.timedelta(days=1)
    escalation.save()
    # Past its target: the holder's item becomes urgent, and the sweep asks the next level.
    workitems.scan(ESCALATION_OVERDUE, today=today)
    overdue_item = WorkItem.objects.get(rule="escalation_past_target")
    assert (overdue_item.assigned_to, overdue_item.priority) == (spo, "urgent")
    assert workitems.scan(ESCALATION_TO_ANSWER, today=today).resolved == 1
    assert escalate_past_target(today) == 1
    workitems.scan(ESCALATION_TO_ANSWER, today=today)
    assert WorkItem.objects.get(rule="escalation_to_answer", status="open").assigned_to == head

    services.referral_decide(referral_id=overdue.pk, outcome="accepted", actor=pp)
    assert workitems.scan(REFERRAL_OVERDUE, today=today).resolved == 1


@pytest.mark.django_db
def test_the_holder_is_the_spo_of_the_persons_team_not_another(org, far_team):
    StaffFactory(role=Role.SENIOR_PROBATION_OFFICER, teams=[far_team])
    referral = RejectedReferralFactory(person=org["people"]["mine"])
    escalation = services.escalation_raise(
        referral_id=referral.pk, reason="x", actor=org["staff"]["practitioner"]
    )
    assert escalation.holder == org["staff"]["spo"]
    assert referral.status == ReferralStatus.REJECTED
