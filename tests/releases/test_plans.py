"""Release plans: opened by the scan 12 weeks before release and only once; the checklist as
data; item rules; readiness and the conditional items; the duty-to-refer timing prompt."""

import datetime as dt
import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.db import connection
from django.http import Http404

from safeguard.core.models import AccessLogEntry
from safeguard.people.models import CustodyStatus
from safeguard.referrals.models import Agency
from safeguard.releases import catalogue, selectors, services
from safeguard.releases.catalogue import ChecklistError, checklist, parse
from safeguard.releases.models import ReleasePlan, ReleasePlanItem
from safeguard.releases.sweeps import open_due_release_plans, record_accommodation_at_12_weeks
from tests.assessments.helpers import record_screen
from tests.factories import (
    PersonFactory,
    RegistrationFactory,
    SentReferralFactory,
    exclude,
)
from tests.releases.helpers import in_custody, open_plan, released, set_item, today

pytestmark = pytest.mark.django_db


def annotated(plan):
    return selectors.plan_with_readiness(plan.pk)


# ---- the checklist as data --------------------------------------------------------------------


def test_the_checklist_has_every_item_the_issue_asks_for():
    cl = checklist()
    assert set(catalogue.KEYS_USED_BY_CODE) <= set(cl.keys)
    for key in (
        "accommodation_night_of_release",
        "accommodation_first_12_weeks",
        "housing_duty_to_refer",
        "met_before_release",
        "risk_to_self_screen",
        "safety_plan",
        "gp_registration",
        "medication_on_release",
        "mental_health_handover",
        "substance_misuse_handover",
        "naloxone_offered",
        "id_bank_benefits",
        "first_appointment",
        "reminders_and_phone",
        "travel_to_first_appointment",
    ):
        item = cl.get(key)
        assert item is not None and item.label and item.hint and item.short
    assert {i.key: i.applies for i in cl.conditional_items} == {
        "housing_duty_to_refer": "accommodation_not_secured",
        "safety_plan": "at_risk",
        "naloxone_offered": "opioid_use_indicated",
    }
    # Every condition the file may name has an SQL expression.
    assert set(cl.conditions) == set(selectors.APPLIES)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["items"].append(dict(d["items"][0])), "appears twice"),
        (lambda d: d["items"][0].update(applies="sometimes"), "unknown condition"),
        (lambda d: d["items"][0].update(group="nowhere"), "unknown group"),
        (lambda d: d["items"][0].pop("label"), "missing"),
        (lambda d: d["items"].pop(0), "lacks items the code relies on"),
        (lambda d: d["conditions"].update(full_moon="x"), "Unknown conditions"),
    ],
)
def test_a_broken_checklist_file_is_refused(change, message):
    import json

    data = json.loads(catalogue.DATA_FILE.read_text())
    change(data)
    with pytest.raises(ChecklistError, match=message):
        parse(data)


# ---- opening plans 12 weeks before release ---------------------------------------------------------


def test_the_sweep_opens_a_plan_12_weeks_before_release_and_only_once(org):
    pp = org["staff"]["practitioner"]
    day = today()
    at_12_weeks = in_custody(org["team"], pp, release_in_days=84)
    just_outside = in_custody(org["team"], pp, release_in_days=85)
    soon = in_custody(org["team"], pp, release_in_days=3)
    past = in_custody(org["team"], pp, release_in_days=-1)  # date passed, still in custody
    no_date = in_custody(org["team"], pp, release_in_days=10)
    no_date.expected_release_date = None
    no_date.save()
    community = PersonFactory(team=org["team"], expected_release_date=day + dt.timedelta(days=5))

    assert open_due_release_plans(day) == 2
    plans = {p.person_id: p for p in ReleasePlan.objects.all()}
    assert set(plans) == {at_12_weeks.pk, soon.pk}
    assert plans[at_12_weeks.pk].release_date == at_12_weeks.expected_release_date
    assert plans[at_12_weeks.pk].status == "open"
    assert not ReleasePlanItem.objects.exists()  # every item starts "not started"
    assert {just_outside.pk, past.pk, no_date.pk, community.pk}.isdisjoint(plans)

    # Idempotent: again the same day, and the next day (when the 85-day one comes in).
    assert open_due_release_plans(day) == 0
    assert open_due_release_plans(day + dt.timedelta(days=1)) == 1
    assert ReleasePlan.objects.count() == 3
    assert ReleasePlan.objects.filter(person=just_outside).exists()


def test_a_moved_release_date_moves_the_open_plan_and_keeps_its_checklist(org):
    pp = org["staff"]["practitioner"]
    person = in_custody(org["team"], pp, release_in_days=40)
    open_due_release_plans(today())
    plan = ReleasePlan.objects.get(person=person)
    set_item(plan, "gp_registration", "done", pp)
    person.expected_release_date = today() + dt.timedelta(days=50)
    person.save()
    assert open_due_release_plans(today()) == 0
    plan.refresh_from_db()
    assert plan.release_date == person.expected_release_date
    assert ReleasePlan.objects.filter(person=person).count() == 1
    assert plan.items.get().key == "gp_registration"


def test_a_recorded_release_is_not_reopened_and_a_recall_gets_a_new_plan(org):
    pp = org["staff"]["practitioner"]
    person = in_custody(org["team"], pp, release_in_days=20)
    open_due_release_plans(today())
    services.release_record(
        person_id=person.pk,
        released_on=today(),
        accommodation_type="settled",
        address="1 High Street",
        actor=pp,
    )
    assert open_due_release_plans(today()) == 0
    person.refresh_from_db()
    person.custody_status = CustodyStatus.IN_CUSTODY  # recalled
    person.expected_release_date = today() + dt.timedelta(days=60)
    person.save()
    assert open_due_release_plans(today()) == 1
    assert list(
        ReleasePlan.objects.filter(person=person).order_by("pk").values_list("status", flat=True)
    ) == ["released", "open"]


def test_the_scan_command_runs_the_sweeps_first(org, capsys):
    person = in_custody(org["team"], org["staff"]["practitioner"], release_in_days=80)
    call_command("safeguarding_scan")
    out = capsys.readouterr().out
    assert "open_due_release_plans: 1" in out
    assert "release_plan_12_weeks: raised 1" in out  # the new plan's items are raised at once
    assert ReleasePlan.objects.filter(person=person).count() == 1
    call_command("safeguarding_scan")
    assert "open_due_release_plans: 0" in capsys.readouterr().out
    # --rule runs only the rules named, no sweeps.
    call_command("safeguarding_scan", rule=["release_plan_12_weeks"])
    assert "open_due_release_plans" not in capsys.readouterr().out


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL concurrency")
@pytest.mark.django_db(transaction=True)
def test_concurrent_sweeps_open_one_plan_per_person(org):
    from django.db import connections

    people = [in_custody(org["team"], release_in_days=10 + i) for i in range(30)]
    barrier = threading.Barrier(3)
    errors = []

    def run():
        try:
            barrier.wait()
            open_due_release_plans(today())
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert ReleasePlan.objects.count() == len(people)
    assert ReleasePlan.objects.filter(status="open").values("person").distinct().count() == 30


def test_the_12_week_accommodation_is_kept_once_12_weeks_have_passed(org):
    pp = org["staff"]["practitioner"]
    person = PersonFactory(team=org["team"], practitioner=pp, accommodation_status="transient")
    day = today()
    due = released(person, day - dt.timedelta(days=84), "temporary", pp)
    too_soon = released(PersonFactory(team=org["team"]), day - dt.timedelta(days=83), "settled", pp)
    too_old = released(PersonFactory(team=org["team"]), day - dt.timedelta(days=200), "settled", pp)
    assert record_accommodation_at_12_weeks(day) == 1
    assert record_accommodation_at_12_weeks(day) == 0
    for plan, expected in ((due, "transient"), (too_soon, ""), (too_old, "")):
        plan.refresh_from_db()
        assert plan.accommodation_at_12_weeks == expected


# ---- item rules ----------------------------------------------------------------------------------


def _update(plan, actor, **kwargs):
    kwargs.setdefault("key", "gp_registration")
    kwargs.setdefault("status", "done")
    if "version" not in kwargs:  # the current version, as a page that has just loaded it
        row = ReleasePlanItem.objects.filter(plan=plan, key=kwargs["key"]).first()
        kwargs["version"] = row.version if row else 0
    return services.release_plan_item_update(plan_id=plan.pk, actor=actor, **kwargs)


def test_updating_an_item_writes_it_and_the_access_log(org):
    pp = org["staff"]["practitioner"]
    plan = open_plan(in_custody(org["team"], pp))
    row = _update(plan, pp, evidence="Registered at Park Surgery", version=0)
    assert (row.status, row.evidence, row.version, row.updated_by) == (
        "done",
        "Registered at Park Surgery",
        1,
        pp,
    )
    entry = AccessLogEntry.objects.filter(action="change_person").latest("at")
    assert entry.person_id == plan.person_id and "gp_registration done" in entry.detail
    # Saving the same again changes nothing.
    assert _update(plan, pp, evidence="Registered at Park Surgery").version == 1
    row = _update(plan, pp, status="in_progress", evidence=None, version=1)
    assert (row.status, row.evidence, row.version) == (
        "in_progress",
        "Registered at Park Surgery",
        2,
    )
    assert row.history.count() == 2


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"status": "not_needed"}, "reason"),
        ({"status": "not_needed", "reason": "   "}, "reason"),
        ({"status": "finished"}, "status"),
        ({"status": ""}, "status"),
        ({"key": "moon_landing"}, "key"),
        ({"key": "accommodation_night_of_release", "status": "done"}, "evidence"),
        ({"key": "met_before_release", "status": "done", "evidence": ""}, "evidence"),
        ({"evidence": "x" * 4001}, "evidence"),
        ({"status": "declined", "reason": "y" * 2001}, "reason"),
        ({"version": -1}, "version"),
    ],
)
def test_bad_item_updates_are_refused_naming_the_field(org, kwargs, field):
    pp = org["staff"]["practitioner"]
    plan = open_plan(in_custody(org["team"], pp))
    with pytest.raises(ValidationError) as exc:
        _update(plan, pp, **kwargs)
    assert field in exc.value.message_dict
    assert not ReleasePlanItem.objects.exists()


def test_not_needed_with_a_reason_and_declined_without_one_are_accepted(org):
    pp = org["staff"]["practitioner"]
    plan = open_plan(in_custody(org["team"], pp))
    row = _update(plan, pp, key="mental_health_handover", status="not_needed", reason="No need")
    assert row.reason == "No need"
    row = _update(plan, pp, key="naloxone_offered", status="declined")
    assert row.status == "declined"
    # Moving away from "not needed" clears the reason.
    row = _update(plan, pp, key="mental_health_handover", status="in_progress")
    assert row.reason == ""


def test_a_stale_item_edit_is_refused(org):
    pp, colleague = org["staff"]["practitioner"], org["staff"]["colleague"]
    plan = open_plan(in_custody(org["team"], pp))
    _update(plan, pp, version=0)
    with pytest.raises(services.StaleEdit):
        _update(plan, colleague, status="in_progress", version=0)
    assert plan.items.get().status == "done"


def test_items_are_scoped_and_read_only_roles_cannot_change_them(org):
    pp = org["staff"]["practitioner"]
    plan = open_plan(in_custody(org["team"], pp))
    with pytest.raises(Http404):
        _update(plan, org["staff"]["other_team_pp"])
    assert AccessLogEntry.objects.filter(
        action="refused", actor=org["staff"]["other_team_pp"], detail__contains="release plan"
    ).exists()
    exclude(plan.person, org["staff"]["colleague"])
    with pytest.raises(Http404):
        _update(plan, org["staff"]["colleague"])
    with pytest.raises(PermissionDenied):
        _update(plan, org["staff"]["inspector"])
    assert not ReleasePlanItem.objects.exists()


def test_the_checklist_is_frozen_once_the_release_is_recorded(org):
    pp = org["staff"]["practitioner"]
    plan = released(PersonFactory(team=org["team"], practitioner=pp), today(), "settled", pp)
    with pytest.raises(services.PlanNotOpen):
        _update(plan, pp)


# ---- readiness and conditional items --------------------------------------------------------------


def test_readiness_counts_only_the_items_that_apply(org):
    pp = org["staff"]["practitioner"]
    person = in_custody(org["team"], pp)
    plan = annotated(open_plan(person))
    # 12 items always apply, and the duty to refer while accommodation is not secured.
    assert (plan.applicable_count, plan.open_count, plan.readiness) == (13, 13, 0)
    gaps = [g.key for g in selectors.gaps(plan)]
    assert "housing_duty_to_refer" in gaps
    assert "safety_plan" not in gaps and "naloxone_offered" not in gaps

    set_item(plan, "accommodation_first_12_weeks", "done", pp, evidence="Hostel")
    set_item(plan, "gp_registration", "not_needed", pp)
    set_item(plan, "id_bank_benefits", "declined", pp)
    set_item(plan, "medication_on_release", "in_progress", pp)
    plan = annotated(plan)
    # Secured: the duty to refer no longer applies; three closed of twelve.
    assert (plan.applicable_count, plan.open_count, plan.readiness) == (12, 9, 25)
    assert "housing_duty_to_refer" not in [g.key for g in selectors.gaps(plan)]


def test_the_safety_plan_applies_when_at_risk_by_registration_or_by_screen(org):
    pp = org["staff"]["practitioner"]
    registered = in_custody(org["team"], pp)
    RegistrationFactory(person=registered, code="RVLN")
    screened = in_custody(org["team"], pp)
    record_screen(screened, pp, ssh_thoughts="sometimes")  # risk to self medium
    low = in_custody(org["team"], pp)
    record_screen(low, pp)
    for person, expected in ((registered, True), (screened, True), (low, False)):
        plan = annotated(open_plan(person))
        assert plan.at_risk is expected
        state = next(s for s in selectors.plan_checklist(plan) if s.key == "safety_plan")
        assert state.applies is expected


def test_naloxone_applies_where_the_latest_screen_indicates_opioid_use(org):
    pp = org["staff"]["practitioner"]
    person = in_custody(org["team"], pp)
    plan = open_plan(person)
    record_screen(person, pp, su_opioids=True)
    assert annotated(plan).opioid_use_indicated is True
    assert annotated(plan).at_risk is False  # opioid use alone is a medium domain, low overall
    record_screen(person, pp)  # a later screen without it
    assert annotated(plan).opioid_use_indicated is False
    record_screen(person, pp, su_overdose="witnessed")
    assert annotated(plan).opioid_use_indicated is True


# ---- the duty-to-refer timing prompt ----------------------------------------------------------------


def test_duty_to_refer_prompt_before_and_inside_56_days(org):
    pp = org["staff"]["practitioner"]
    early = annotated(open_plan(in_custody(org["team"], pp, release_in_days=70)))
    prompt = selectors.duty_to_refer_prompt(early, today())
    assert prompt is not None and not prompt.late
    assert prompt.refer_by == early.release_date - dt.timedelta(days=56)

    on_the_day = annotated(open_plan(in_custody(org["team"], pp, release_in_days=56)))
    assert not selectors.duty_to_refer_prompt(on_the_day, today()).late

    late = annotated(open_plan(in_custody(org["team"], pp, release_in_days=55)))
    prompt = selectors.duty_to_refer_prompt(late, today())
    assert prompt.late and prompt.days_to_release == 55


def test_a_sent_duty_to_refer_referral_closes_the_item_and_the_prompt(org):
    pp = org["staff"]["practitioner"]
    person = in_custody(org["team"], pp, release_in_days=30)
    plan = open_plan(person)
    housing = Agency.objects.get(name="Kent Housing Options")
    # A draft does not count, nor a referral sent long before this release.
    from tests.factories import DraftReferralFactory

    DraftReferralFactory(person=person, kind="housing_duty_to_refer", agency=housing)
    old = SentReferralFactory(person=person, kind="housing_duty_to_refer", agency=housing)
    old.sent_at = old.sent_at - dt.timedelta(weeks=40)
    old.save()
    assert selectors.duty_to_refer_prompt(annotated(plan), today()).late
    SentReferralFactory(person=person, kind="housing_duty_to_refer", agency=housing)
    fresh = annotated(plan)
    assert fresh.duty_to_refer_sent
    assert selectors.duty_to_refer_prompt(fresh, today()) is None
    state = next(s for s in selectors.plan_checklist(fresh) if s.key == "housing_duty_to_refer")
    assert state.closed and not state.is_gap


def test_no_prompt_once_accommodation_is_secured_or_the_item_is_closed(org):
    pp = org["staff"]["practitioner"]
    secured = open_plan(in_custody(org["team"], pp, release_in_days=30))
    set_item(secured, "accommodation_first_12_weeks", "done", pp, evidence="Flat")
    assert selectors.duty_to_refer_prompt(annotated(secured), today()) is None
    referred_elsewhere = open_plan(in_custody(org["team"], pp, release_in_days=30))
    set_item(referred_elsewhere, "housing_duty_to_refer", "done", pp, evidence="Made by prison")
    assert selectors.duty_to_refer_prompt(annotated(referred_elsewhere), today()) is None
