"""Every service that changes a case is refused once the person has died, and writes nothing.

The services are found, not listed by hand: every public function in the service modules that
takes an ``actor`` is one. Each must have a row in CALLS (how to call it on the dead person's
records) or in NOT_CASE_CHANGES (why it is not a change to a case); a new service with neither
fails ``test_every_service_is_covered``.
"""

import datetime as dt
import importlib
import inspect
import pkgutil

import pytest
from django.forms.models import model_to_dict
from django.utils import timezone

import safeguard
from safeguard.core.errors import RecordClosed
from safeguard.core.models import AccessLogEntry, WorkItem
from safeguard.notify.models import Message, MessageStatus
from safeguard.referrals.services import S42_PARTS
from tests.alerts.helpers import alert_on, urgent_item
from tests.engagement.factories import (
    AppointmentFactory,
    CheckInFactory,
    PastAppointmentFactory,
    ReminderPreferencesFactory,
)
from tests.factories import (
    DraftReferralFactory,
    RegistrationFactory,
    RejectedReferralFactory,
    SentReferralFactory,
    asc_agency,
)
from tests.learning.helpers import record_death
from tests.releases.helpers import in_custody, open_plan

TODAY = timezone.localdate()
LATER = timezone.now() + dt.timedelta(days=3)

# Functions that take an actor but do not change a case, and why.
NOT_CASE_CHANGES = {
    "core.audit.access_log_record": "writes the access log itself",
    "core.audit.access_log_refusal": "writes the access log itself",
    "people.gate.people_change": "the gate",
    "people.gate.person_change": "the gate",
    "people.gate.case_record_change": "the gate",
    "learning.closures.close_work_items": "an on-death hook: runs inside the recording of a death",
    "engagement.on_death.withdraw_reminders_and_check_ins": "an on-death hook",
    "learning.services.death_notification_record": "records the death (refused a second time: "
    "see tests/learning)",
    "core.tokens.api_token_issue": "API tokens are about staff",
    "core.tokens.api_token_revoke": "API tokens are about staff",
    "training.services.training_records_import": "training records are about staff",
    "training.services.training_record_add": "training records are about staff",
    "alerts.services.duty_rota_entry_add": "the duty rota is about staff",
    "alerts.services.duty_rota_entry_remove": "the duty rota is about staff",
    "alerts.on_death.withdraw_alert_emails": "an on-death hook",
    "referrals.services.referral_check": "checks a referral's answers before check-your-answers "
    "and writes nothing",
    "learning.services.board_pack_share_record": "a board pack holds aggregate figures, no case",
    "learning.services.board_pack_response_record": "a board's response to aggregate figures",
    "feedback.services.feedback_tablet_set_up": "a tablet is about an office, not a case",
    "feedback.services.feedback_tablet_stop": "a tablet is about an office, not a case",
    "feedback.services.feedback_responses_import": "feedback responses are anonymous",
    "feedback.services.feedback_paper_enter": "a paper feedback form is anonymous",
    "feedback.services.you_said_we_did_record": "an action about what people said, no case",
    "feedback.services.you_said_we_did_update": "an action about what people said, no case",
    # An audit judges the practice on a case from its snapshot, and goes on after a death.
    "audits.services.audit_exercise_create": "draws a sample and snapshots it; changes no case",
    "audits.services.audit_case_get": "a read",
    "audits.services.audit_assign": "an audit judges practice from a snapshot",
    "audits.services.audit_answers_record": "an audit judges practice from a snapshot",
    "audits.services.audit_disagreement_resolve": "an audit judges practice from a snapshot",
}
# The review of a death is work on the closed record: it must go on after the death.
REVIEW_OF_THE_DEATH = {
    "learning.services.death_reclassify",
    "learning.services.review_transition",
    "learning.services.review_factor_code",
    "learning.services.review_factor_remove",
    "learning.services.review_findings_update",
    "learning.services.review_action_add",
    "learning.services.review_action_complete",
}


def service_functions() -> dict[str, object]:
    found = {}
    for info in pkgutil.walk_packages(safeguard.__path__, "safeguard."):
        if any(part in info.name for part in (".migrations", ".management", ".demo", ".tests")):
            continue
        module = importlib.import_module(info.name)
        for name, fn in vars(module).items():
            if name.startswith("_") or not inspect.isfunction(fn):
                continue
            if fn.__module__ != module.__name__:
                continue
            if "actor" in inspect.signature(fn).parameters:
                found[f"{module.__name__.removeprefix('safeguard.')}.{name}"] = fn
    return found


@pytest.fixture
def world(org):
    """One person in the community and one in custody, with a record of every kind, then dead."""
    actor = org["staff"]["practitioner"]
    person = org["people"]["mine"]
    custody = in_custody(org["team"], actor, crn="A000009")
    from safeguard.meetings import services as meetings_services
    from safeguard.referrals import services as referrals

    rejected = RejectedReferralFactory(person=person, created_by=actor)
    escalation = referrals.escalation_raise(
        referral_id=rejected.pk, reason="The threshold was misread", actor=actor
    )
    from safeguard.engagement import services as engagement
    from safeguard.referrals.models import Agency

    police = Agency.objects.get(name="Kent Police")
    meeting = meetings_services.meeting_create(
        meeting_type_code="MARAC",
        held_on=TODAY - dt.timedelta(days=3),
        pdu_id=org["team"].pdu_id,
        chair="DI Example",
        person_ids=[person.pk],
        invited_agency_ids=[police.pk],
        actor=actor,
    )
    action = meetings_services.meeting_add_action(
        meeting_id=meeting.pk,
        owner_agency_id=police.pk,
        description="Check the address",
        due_on=TODAY + dt.timedelta(days=7),
        person_id=person.pk,
        actor=actor,
    )
    travel = engagement.travel_request_create(
        person_id=person.pk, amount="4.50", mode="bus", actor=actor
    )
    plan = open_plan(custody)
    from safeguard.assessments import services as assessment_services
    from tests.assessments.helpers import answers

    screen = assessment_services.screen_record(
        person_id=person.pk, version=2, answers=answers(ssh_thoughts="with_plan"), actor=actor
    )
    from safeguard.pathways import services as pathways
    from safeguard.pathways.models import ContactReduction

    records = {
        "person": person,
        "custody": custody,
        "offer": pathways.pathway_offer_record(
            person_id=person.pk, pathway="trauma_support", actor=actor
        ),
        "recorded_need": pathways.pathway_need_record(
            person_id=person.pk, need="maturity", actor=actor
        ),
        "reduction": ContactReduction.objects.create(
            person=person,
            kind="probation_reset",
            status="awaiting_decision",
            reasons=["alsh_active"],
            requested_by=actor,
            requested_at=timezone.now(),
        ),
        "draft": DraftReferralFactory(person=person, created_by=actor),
        "sent": SentReferralFactory(person=person, created_by=actor),
        "rejected": rejected,
        "escalation": escalation,
        "registration": RegistrationFactory(person=person),
        "appointment": AppointmentFactory(person=person),
        "past_appointment": PastAppointmentFactory(person=person),
        "preferences": ReminderPreferencesFactory(person=person),
        "check_in": CheckInFactory(person=person),
        "travel": travel,
        "meeting": meeting,
        "action": action,
        "plan": plan,
        "screen": screen,
        "work_item": WorkItem.objects.create(
            rule="registration_review_overdue",
            subject_type="registration",
            subject_id=1,
            person=person,
            team=org["team"],
            assigned_to=actor,
            priority="soon",
            due_on=TODAY,
        ),
    }
    record_death(person, org["staff"]["spo"])
    record_death(custody, org["staff"]["spo"])
    for record in records.values():
        record.refresh_from_db()
    return {"actor": actor, "spo": org["staff"]["spo"], **records}


def _version(record):
    return getattr(record, "version", None)


CALLS = {
    # people
    "people.services.person_update_details": lambda w: dict(
        person_id=w["person"].pk, version=w["person"].version, changes={"mobile": "07700900111"}
    ),
    "people.services.person_allocate": lambda w: dict(
        person_id=w["person"].pk,
        practitioner=w["actor"],
        team=w["person"].team,
        reason="workload",
    ),
    "people.work.work_item_reassign": lambda w: dict(
        item_id=w["work_item"].pk,
        to_id=w["person"].team.members.exclude(pk=w["actor"].pk).first().pk,
        expected_assignee_id=w["actor"].pk,
        actor=w["spo"],  # reassigning needs a senior probation officer
    ),
    # registrations
    "registrations.services.registration_add": lambda w: dict(
        person_id=w["person"].pk, code="ALSH", start_date=TODAY
    ),
    "registrations.services.registration_end": lambda w: dict(
        registration_id=w["registration"].pk, ended_on=TODAY, reason="no_longer_applies"
    ),
    "registrations.services.registration_review": lambda w: dict(
        registration_id=w["registration"].pk, reviewed_on=TODAY, outcome="continue"
    ),
    # assessments
    "assessments.services.screen_record": lambda w: dict(
        person_id=w["person"].pk, version=1, answers={}
    ),
    "assessments.services.screen_draft_save": lambda w: dict(
        person_id=w["person"].pk, domain="suicide_self_harm", answers={"ssh_history": "no"}
    ),
    "assessments.services.screen_draft_submit": lambda w: dict(person_id=w["person"].pk),
    "assessments.services.safety_plan_save": lambda w: dict(
        person_id=w["person"].pk, data={}, expected_version=0
    ),
    "assessments.services.screen_follow_up_record": lambda w: dict(
        screen_id=w["screen"].pk, note="Spoke to them today"
    ),
    # referrals
    "referrals.services.referral_create": lambda w: dict(
        person_id=w["person"].pk,
        kind="adult_social_care_s42",
        agency_id=asc_agency().pk,
        care_act_s42={
            part: {"indicated": True, "evidence": "Seen at home visit"} for part in S42_PARTS
        },
        abuse_categories=["neglect"],
        consent="given",
    ),
    "referrals.services.referral_send": lambda w: dict(
        referral_id=w["draft"].pk, method="secure_email"
    ),
    "referrals.services.referral_draft_change": lambda w: dict(
        referral_id=w["draft"].pk,
        version=w["draft"].version,
        kind=w["draft"].kind,
        agency_id=w["draft"].agency_id,
        care_act_s42={
            part: {"indicated": True, "evidence": "Seen at home visit"} for part in S42_PARTS
        },
        abuse_categories=["neglect"],
        consent="given",
        ready_to_send=True,
    ),
    "referrals.services.referral_acknowledge": lambda w: dict(referral_id=w["sent"].pk),
    "referrals.services.referral_decide": lambda w: dict(
        referral_id=w["sent"].pk, outcome="accepted"
    ),
    "referrals.services.referral_close_no_response": lambda w: dict(referral_id=w["sent"].pk),
    "referrals.services.referral_record_outcome": lambda w: dict(
        referral_id=w["rejected"].pk, outcome="no_further_action"
    ),
    "referrals.services.escalation_raise": lambda w: dict(
        referral_id=w["rejected"].pk, reason="Again"
    ),
    "referrals.services.escalation_resolve": lambda w: dict(
        escalation_id=w["escalation"].pk,
        response="Reconsidered",
        outcome="decision_upheld",
        actor=w["escalation"].holder,  # only the holder of the level may resolve it
    ),
    # meetings
    "meetings.services.meeting_create": lambda w: dict(
        meeting_type_code="MARAC",
        held_on=TODAY,
        pdu_id=w["person"].pdu_id,
        person_ids=[w["person"].pk],
        invited_agency_ids=[w["action"].owner_agency_id],
    ),
    "meetings.services.meeting_record_attendance": lambda w: dict(
        meeting_id=w["meeting"].pk, attended_agency_ids=[], version=_version(w["meeting"])
    ),
    "meetings.services.meeting_add_action": lambda w: dict(
        meeting_id=w["meeting"].pk,
        owner_agency_id=w["action"].owner_agency_id,
        description="Another",
        due_on=TODAY,
    ),
    "meetings.services.meeting_complete_action": lambda w: dict(
        action_id=w["action"].pk, completed_on=TODAY, version=_version(w["action"])
    ),
    # engagement
    "engagement.appointments.appointment_create": lambda w: dict(
        person_id=w["person"].pk, kind="office", starts_at=LATER
    ),
    "engagement.appointments.appointment_reschedule": lambda w: dict(
        appointment_id=w["appointment"].pk, starts_at=LATER, moved_by="probation", reason="Ill"
    ),
    "engagement.appointments.appointment_cancel": lambda w: dict(
        appointment_id=w["appointment"].pk, moved_by="probation", reason="Ill"
    ),
    "engagement.appointments.appointment_record_outcome": lambda w: dict(
        appointment_id=w["past_appointment"].pk, outcome="attended"
    ),
    "engagement.appointments.appointment_welfare_checked": lambda w: dict(
        appointment_id=w["past_appointment"].pk, note="Called"
    ),
    "engagement.reminders.reminder_preferences_save": lambda w: dict(
        person_id=w["person"].pk,
        channel="sms",
        lead_times_hours=[48],
        summary="none",
        consent=True,
        version=_version(w["preferences"]),
    ),
    "engagement.travel.travel_request_create": lambda w: dict(
        person_id=w["person"].pk, amount="3.00", mode="bus"
    ),
    "engagement.travel.travel_request_decide": lambda w: dict(
        request_id=w["travel"].pk, approve=True, actor=w["spo"]
    ),
    "engagement.travel.travel_request_mark_paid": lambda w: dict(
        request_id=w["travel"].pk, actor=w["spo"]
    ),
    "engagement.checkins.check_in_create": lambda w: dict(person_id=w["person"].pk, channel="sms"),
    "engagement.checkins.check_in_schedule_stop": lambda w: dict(person_id=w["person"].pk),
    "engagement.plan_links.safety_plan_link_send": lambda w: dict(
        person_id=w["person"].pk, channel="sms"
    ),
    "engagement.checkins.check_in_follow_up": lambda w: dict(
        check_in_id=w["check_in"].pk, note="Called back"
    ),
    "feedback.services.feedback_link_send": lambda w: dict(person_id=w["person"].pk, channel="sms"),
    "feedback.services.feedback_contact_record": lambda w: dict(
        response_id=_contact_request(w["person"]).pk, note="Called them"
    ),
    # releases
    "releases.services.release_plan_item_update": lambda w: dict(
        plan_id=w["plan"].pk,
        key="gp_registration",
        status="done",
        evidence="Park Surgery",
        version=0,
    ),
    "releases.services.release_record": lambda w: dict(
        person_id=w["custody"].pk,
        released_on=TODAY,
        accommodation_type="settled",
        address="1 Elm Road",
    ),
    "releases.services.release_confirm_accommodation": lambda w: dict(plan_id=w["plan"].pk),
    # pathways
    "pathways.services.pathway_offer_record": lambda w: dict(
        person_id=w["person"].pk, pathway="peer_mentoring"
    ),
    "pathways.services.pathway_offer_status_change": lambda w: dict(
        offer_id=w["offer"].pk, status="accepted", version=w["offer"].version
    ),
    "pathways.services.pathway_need_record": lambda w: dict(
        person_id=w["person"].pk, need="isolation"
    ),
    "pathways.services.pathway_need_end": lambda w: dict(
        need_id=w["recorded_need"].pk, version=w["recorded_need"].version
    ),
    "pathways.services.gp_registration_record": lambda w: dict(
        person_id=w["person"].pk, status="registered", practice="Elm Surgery", version=0
    ),
    "pathways.services.hospital_attendance_record": lambda w: dict(
        person_id=w["person"].pk,
        kind="admission",
        attended_on=TODAY,
        source="nhs",
        reason="overdose",
    ),
    "pathways.services.contact_reduction_request": lambda w: dict(
        person_id=w["person"].pk, kind="probation_reset"
    ),
    "pathways.services.contact_reduction_decide": lambda w: dict(
        reduction_id=w["reduction"].pk,
        approve=True,
        note="Agreed",
        version=w["reduction"].version,
        actor=w["spo"],
    ),
    "pathways.services.office_wish_record": lambda w: dict(
        person_id=w["person"].pk, not_at_office=True, reasons=["safety"], version=0
    ),
    # alerts
    "alerts.services.alert_acknowledge": lambda w: dict(
        alert_id=alert_on(urgent_item(w["person"])).pk
    ),
}


def _contact_request(person):
    from safeguard.feedback.models import FeedbackResponse
    from safeguard.feedback.services import survey_row

    return FeedbackResponse.objects.create(
        survey=survey_row("people_on_probation"),
        source="link",
        pdu_id=person.pdu_id,
        answered_on=TODAY,
        contact_requested=True,
        person=person,
    )


def test_every_service_is_covered():
    found = set(service_functions())
    declared = set(CALLS) | set(NOT_CASE_CHANGES) | REVIEW_OF_THE_DEATH
    assert found - declared == set(), "services with no row: say how to call them on the dead"
    assert declared - found == set(), "rows for services that no longer exist"


def _snapshot(world):
    rows = {}
    for key, record in world.items():
        if hasattr(record, "_meta"):
            fresh = type(record).objects.filter(pk=record.pk).first()
            rows[key] = fresh and model_to_dict(fresh)
    return rows


@pytest.mark.parametrize("name", sorted(CALLS))
def test_a_change_to_a_dead_persons_case_is_refused_and_writes_nothing(world, name):
    fn = service_functions()[name]
    kwargs = {"actor": world["actor"], **CALLS[name](world)}
    parameters = inspect.signature(fn).parameters
    kwargs = {k: v for k, v in kwargs.items() if k in parameters}
    before = _snapshot(world)
    changes = AccessLogEntry.objects.filter(action="change_person").count()
    queued = Message.objects.filter(status=MessageStatus.QUEUED).count()
    with pytest.raises(RecordClosed) as refused:
        fn(**kwargs)
    assert str(refused.value) == "This record is closed because the person has died"
    assert _snapshot(world) == before
    assert AccessLogEntry.objects.filter(action="change_person").count() == changes
    assert Message.objects.filter(status=MessageStatus.QUEUED).count() == queued
