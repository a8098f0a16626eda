"""What each app registers in its AppConfig.ready(): the person page, the scan and the death
hooks run in the same order as when these lists lived in settings."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from safeguard.core import registry
from safeguard.core.registry import Registry


def names(reg):
    return [(e.app, getattr(e.item, "code", None) or e.item.__name__) for e in reg.entries()]


def test_the_person_page_sections_in_order():
    assert names(registry.person_sections) == [
        ("learning", "deceased_banner_section"),
        ("assessments", "live_risk_section"),
        ("releases", "first_days_section"),
        ("assessments", "risk_picture_section"),
        ("pathways", "health_section"),
        ("registrations", "registrations_section"),
        ("referrals", "referrals_section"),
        ("releases", "release_section"),
        ("meetings", "meetings_section"),
        ("engagement", "engagement_section"),
        ("pathways", "pathways_section"),
        ("training", "practitioner_training_section"),
        ("learning", "record_death_section"),
    ]


def test_the_work_item_rules_in_order():
    assert [code for _, code in names(registry.work_item_rules)] == [
        "registration_review_overdue",
        "registration_hygiene_problem",
        "SCREEN_DUE",
        "SAFETY_PLAN_REVIEW_OVERDUE",
        "very_high_risk_to_self",
        "screen_urgent_action",
        "risk_to_self_not_known",
        "safety_plan_review_after_disclosure",
        "referral_ready_to_send",
        "referral_not_sent",
        "referral_past_target",
        "asc_rejected_s42_indicated",
        "escalation_to_answer",
        "escalation_past_target",
        "missed_appointment_welfare",
        "appointments_moved_by_probation",
        "check_in_self_harm",
        "check_in_self_harm_out_of_hours",
        "check_in_call_back",
        "check_in_missed",
        "handover_after_reallocation",
        "contact_details_failed",
        "release_plan_12_weeks",
        "release_plan_8_weeks",
        "release_plan_4_weeks",
        "release_plan_1_week",
        "release_at_risk_no_accommodation",
        "release_first_14_days",
        "mandatory_training_due",
        "pathway_need_no_offer",
        "contact_reduction_awaiting_decision",
    ]


def test_sweeps_death_hooks_and_conditions_in_order():
    assert names(registry.sweeps) == [
        ("releases", "open_due_release_plans"),
        ("releases", "record_accommodation_at_12_weeks"),
        ("engagement", "send_due_check_ins"),
        ("engagement", "send_due_summaries"),
        ("alerts", "alert_and_escalate"),
        ("referrals", "escalate_past_target"),
    ]
    # Closing work items comes first; the snapshot is taken before any hook runs.
    assert names(registry.on_death) == [
        ("learning", "close_work_items"),
        ("engagement", "withdraw_reminders_and_check_ins"),
        ("alerts", "withdraw_alert_emails"),
    ]
    assert names(registry.work_item_conditions) == [("people", "not_deceased")]
    assert names(registry.after_work_refresh) == [("alerts", "alert_new_urgent_items")]


def test_a_taken_order_key_is_refused_and_registering_twice_is_harmless():
    def one(): ...

    def two(): ...

    reg = Registry("sample", "for this test")
    reg.register("a", 20, one)
    reg.register("a", 20, one)  # ready() running again
    reg.register("b", 10, two)
    assert list(reg) == [two, one]
    with pytest.raises(ImproperlyConfigured, match="order 20 is taken"):
        reg.register("b", 20, two)


def test_a_test_can_narrow_replace_or_add_and_everything_is_put_back():
    def one(): ...

    def two(): ...

    def extra(): ...

    reg = Registry("sample", "for this test")
    reg.register("a", 10, one)
    reg.register("b", 20, two)
    with reg.limited_to("b"):
        assert list(reg) == [two]
    with reg.replaced_by(two, one):
        assert list(reg) == [two, one]
    with reg.added(extra):
        assert list(reg) == [extra, one, two]
    assert list(reg) == [one, two] and extra not in reg


def test_the_registries_fixture(registries):
    registries.sweeps.limit_to("releases")
    assert [s.__name__ for s in registry.sweeps] == [
        "open_due_release_plans",
        "record_accommodation_at_12_weeks",
    ]
