"""Recording the release: the person's record changes in the same transaction; the plan becomes
the release record; bad input is refused; the first 14 days on the person's page."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from safeguard.core.models import AccessLogEntry
from safeguard.releases import services
from safeguard.releases.models import ReleasePlan
from tests.assessments.helpers import record_screen
from tests.factories import PersonFactory, RegistrationFactory, exclude
from tests.releases.helpers import in_custody, open_plan, released, set_item, today

pytestmark = pytest.mark.django_db


def record(person, actor, **kwargs):
    kwargs.setdefault("released_on", today())
    kwargs.setdefault("accommodation_type", "temporary")
    kwargs.setdefault("address", "Room 4, 12 Station Road, Maidstone ME14 1AA")
    return services.release_record(person_id=person.pk, actor=actor, **kwargs)


@pytest.mark.parametrize(
    ("accommodation_type", "status"),
    [
        ("settled", "settled"),
        ("temporary", "transient"),
        ("approved_premises", "approved_premises"),
        ("no_fixed_abode", "no_fixed_abode"),
    ],
)
def test_recording_the_release_updates_the_person(org, accommodation_type, status):
    pp = org["staff"]["practitioner"]
    person = in_custody(org["team"], pp, release_in_days=1, address_line="HMP Elmley")
    plan = open_plan(person)
    version = person.version
    released_on = today() - dt.timedelta(days=1)
    result = record(person, pp, released_on=released_on, accommodation_type=accommodation_type)
    assert result.pk == plan.pk
    assert (result.status, result.released_on, result.release_date) == (
        "released",
        released_on,
        released_on,
    )
    assert result.release_pdu_id == person.pdu_id and result.released_recorded_by == pp
    person.refresh_from_db()
    assert person.custody_status == "in_community"
    assert person.expected_release_date is None
    assert person.accommodation_status == status
    assert person.version == version + 1
    if accommodation_type == "no_fixed_abode":
        assert person.address_line == ""
    else:
        assert person.address_line.startswith("Room 4, 12 Station Road")
    assert person.history.first().history_change_reason.startswith("Released on")
    assert AccessLogEntry.objects.filter(
        person=person, action="change_person", detail__startswith="release recorded"
    ).exists()


def test_the_release_keeps_whether_the_person_was_at_risk_and_opioid_use(org):
    pp = org["staff"]["practitioner"]
    person = in_custody(org["team"], pp)
    RegistrationFactory(person=person, code="ALSH")
    record_screen(person, pp, su_opioids=True)
    plan = record(person, pp, accommodation_type="no_fixed_abode", address="")
    assert (plan.at_risk_at_release, plan.opioid_use_indicated_at_release) == (True, True)
    other = record(in_custody(org["team"], pp), pp)
    assert (other.at_risk_at_release, other.opioid_use_indicated_at_release) == (False, False)


def test_a_release_without_a_plan_is_recorded_too(org):
    pp = org["staff"]["practitioner"]
    person = in_custody(org["team"], pp, release_in_days=200)
    plan = record(person, pp)
    assert ReleasePlan.objects.get(person=person) == plan
    assert plan.status == "released"


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"accommodation_type": "tent"}, "accommodation_type"),
        ({"accommodation_type": ""}, "accommodation_type"),
        ({"released_on": None}, "released_on"),
        ({"released_on": dt.date.today() + dt.timedelta(days=2)}, "released_on"),
        ({"released_on": dt.date.today() - dt.timedelta(days=400)}, "released_on"),
        ({"accommodation_type": "settled", "address": ""}, "address"),
        ({"accommodation_type": "approved_premises", "address": "   "}, "address"),
        ({"address": "x" * 201}, "address"),
    ],
)
def test_bad_release_input_is_refused_naming_the_field(org, kwargs, field):
    pp = org["staff"]["practitioner"]
    person = in_custody(org["team"], pp)
    open_plan(person)
    with pytest.raises(ValidationError) as exc:
        record(person, pp, **kwargs)
    assert field in exc.value.message_dict
    person.refresh_from_db()
    assert person.custody_status == "in_custody"
    assert ReleasePlan.objects.get(person=person).status == "open"


def test_a_second_release_on_the_same_date_is_refused(org):
    pp = org["staff"]["practitioner"]
    person = PersonFactory(team=org["team"], practitioner=pp)
    released(person, today(), "settled", pp)
    person.custody_status = "in_custody"
    person.save()
    with pytest.raises(ValidationError) as exc:
        record(person, pp)
    assert "released_on" in exc.value.message_dict


def test_nobody_in_the_community_can_be_released(org):
    pp = org["staff"]["practitioner"]
    with pytest.raises(services.NotInCustody):
        record(org["people"]["mine"], pp)


def test_release_recording_is_scoped(org):
    pp = org["staff"]["practitioner"]
    person = in_custody(org["team"], pp)
    with pytest.raises(Http404):
        record(person, org["staff"]["other_team_pp"])
    exclude(person, org["staff"]["colleague"])
    with pytest.raises(Http404):
        record(person, org["staff"]["colleague"])
    with pytest.raises(PermissionDenied):
        record(person, org["staff"]["national"])
    person.refresh_from_db()
    assert person.custody_status == "in_custody"


def test_confirming_the_accommodation_after_release(org):
    pp = org["staff"]["practitioner"]
    plan = record(in_custody(org["team"], pp), pp)
    confirmed = services.release_confirm_accommodation(plan_id=plan.pk, actor=pp)
    assert confirmed.accommodation_confirmed_by == pp
    first = confirmed.accommodation_confirmed_at
    assert (
        services.release_confirm_accommodation(plan_id=plan.pk, actor=pp).accommodation_confirmed_at
        == first
    )
    with pytest.raises(services.PlanNotOpen):
        services.release_confirm_accommodation(
            plan_id=open_plan(in_custody(org["team"], pp)).pk, actor=pp
        )


# ---- the first 14 days on the person's page -----------------------------------------------------------


def test_the_first_14_days_are_highlighted_at_the_top_of_the_person_page(client, org):
    pp = org["staff"]["practitioner"]
    person = in_custody(org["team"], pp)
    plan = open_plan(person)
    set_item(plan, "gp_registration", "done", pp)
    record(person, pp, released_on=today() - dt.timedelta(days=3))
    client.force_login(pp)
    html = client.get(f"/people/{person.crn}/").content.decode()
    assert "First 14 days after release: day 4 of 14" in html
    assert html.index("First 14 days after release") < html.index("Risk picture")
    assert "None booked" in html  # no appointment since release
    assert "Not confirmed" in html and "Confirm the person is living there" in html

    response = client.post(f"/people/{person.crn}/release/confirm-accommodation/")
    assert response.status_code == 302
    html = client.get(f"/people/{person.crn}/").content.decode()
    assert "Confirmed" in html and "Confirm the person is living there" not in html


def test_the_first_14_days_show_the_first_appointment_and_check_in(client, org):
    from django.utils import timezone

    from safeguard.engagement.models import Appointment, CheckIn

    pp = org["staff"]["practitioner"]
    person = in_custody(org["team"], pp)
    record(person, pp, released_on=today() - dt.timedelta(days=1))
    Appointment.objects.create(
        person=person,
        kind="office",
        starts_at=timezone.now() - dt.timedelta(hours=20),
        outcome="failed_to_attend",
        created_by=pp,
    )
    CheckIn.objects.create(
        person=person,
        token_hash="x" * 64,
        channel="sms",
        created_by=pp,
        expires_at=timezone.now() + dt.timedelta(days=1),
        completed_at=timezone.now(),
    )
    client.force_login(pp)
    html = client.get(f"/people/{person.crn}/").content.decode()
    assert "Missed" in html and "check on their welfare today" in html
    assert "Answered" in html


def test_the_highlight_ends_after_day_14(client, org):
    pp = org["staff"]["practitioner"]
    person = PersonFactory(team=org["team"], practitioner=pp)
    released(person, today() - dt.timedelta(days=14), "settled", pp)
    client.force_login(pp)
    html = client.get(f"/people/{person.crn}/").content.decode()
    assert "First 14 days after release" not in html


def test_no_fixed_abode_is_not_offered_as_confirmed_accommodation(client, org):
    pp = org["staff"]["practitioner"]
    person = in_custody(org["team"], pp)
    record(person, pp, accommodation_type="no_fixed_abode", address="")
    client.force_login(pp)
    html = client.get(f"/people/{person.crn}/").content.decode()
    assert "keep working with the housing authority" in html
    assert "Confirm the person is living there" not in html
