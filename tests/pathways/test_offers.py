"""The offer lifecycle through the gate: offered, accepted, declined (with its reason),
started, completed; versions, audit with old and new values, history, bad input."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404

from safeguard.core.errors import IllegalTransition, NotPermitted, StaleEdit
from safeguard.core.models import AccessLogEntry
from safeguard.pathways import services
from safeguard.pathways.models import OfferStatus, PathwayOffer
from safeguard.people.models import Sex
from tests.factories import PersonFactory
from tests.pathways.helpers import offer, today

pytestmark = pytest.mark.django_db


@pytest.fixture
def pp(org):
    return org["staff"]["practitioner"]


@pytest.fixture
def person(org):
    return org["people"]["mine"]


def move(o, status, pp, **kwargs):
    return services.pathway_offer_status_change(
        offer_id=o.pk, status=status, version=o.version, actor=pp, **kwargs
    )


def test_the_whole_lifecycle_is_audited_with_versions_and_history(person, pp):
    o = offer(person, pp, offered_on=today() - dt.timedelta(days=10), need="trauma")
    assert (o.status, o.version, o.offered_on) == ("offered", 1, today() - dt.timedelta(days=10))
    o = move(o, "accepted", pp, on=today() - dt.timedelta(days=8))
    o = move(o, "started", pp, on=today() - dt.timedelta(days=5))
    o = move(o, "completed", pp)
    assert o.status == OfferStatus.COMPLETED and o.version == 4
    assert o.accepted_on == today() - dt.timedelta(days=8) and o.completed_on == today()
    events = list(
        AccessLogEntry.objects.filter(person=person, event__startswith="pathway_offer.")
        .order_by("pk")
        .values_list("event", flat=True)
    )
    assert events == ["pathway_offer.recorded"] + ["pathway_offer.status_changed"] * 3
    last = AccessLogEntry.objects.filter(event="pathway_offer.status_changed").order_by("pk").last()
    assert (
        last.changes["old"]["status"] == "started" and last.changes["new"]["status"] == "completed"
    )
    assert o.history.count() == 4


def test_declined_needs_a_reason_and_ends_the_offer(person, pp):
    o = offer(person, pp)
    with pytest.raises(ValidationError) as refused:
        move(o, "declined", pp)
    assert "reason" in refused.value.message_dict
    o = move(o, "declined", pp, reason="Already sees a counsellor")
    assert o.reason == "Already sees a counsellor" and o.declined_on == today()
    with pytest.raises(IllegalTransition):
        move(o, "accepted", pp)


def test_an_offer_recorded_as_already_declined(person, pp):
    with pytest.raises(ValidationError):
        offer(person, pp, status="declined")
    o = offer(person, pp, status="declined", reason="Not now", offered_on=today())
    assert o.status == "declined" and o.declined_on == today()


@pytest.mark.parametrize(
    ("start", "to"),
    [("offered", "started"), ("offered", "completed"), ("accepted", "completed")],
)
def test_steps_cannot_be_skipped(person, pp, start, to):
    o = offer(person, pp, status=start)
    with pytest.raises(IllegalTransition):
        move(o, to, pp)


def test_a_stale_or_missing_version_is_refused(person, pp):
    o = offer(person, pp)
    move(o, "accepted", pp)
    with pytest.raises(StaleEdit):
        move(o, "started", pp)  # o still holds version 1
    with pytest.raises(StaleEdit):
        services.pathway_offer_status_change(offer_id=o.pk, status="started", actor=pp)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"pathway": "no_such"}, "pathway"),
        ({"pathway": ""}, "pathway"),
        ({"status": "completed"}, "status"),
        ({"offered_on": dt.date.today() + dt.timedelta(days=3)}, "offered_on"),
        ({"offered_on": dt.date(1990, 1, 1)}, "offered_on"),
        ({"need": "no_gp"}, "need"),
        ({"provider": "x" * 200}, "provider"),
        ({"reason": "bad\u202etext", "status": "declined"}, "reason"),
        (
            {
                "status": "accepted",
                "decided_on": dt.date.today() - dt.timedelta(days=9),
                "offered_on": dt.date.today(),
            },
            "decided_on",
        ),
    ],
)
def test_bad_input_is_refused_naming_the_field_and_writes_nothing(person, pp, kwargs, field):
    with pytest.raises(ValidationError) as refused:
        offer(person, pp, **({"pathway": "trauma_support"} | kwargs))
    assert field in refused.value.message_dict
    assert not PathwayOffer.objects.exists()


def test_a_date_before_the_last_step_is_refused(person, pp):
    o = offer(person, pp, offered_on=today() - dt.timedelta(days=3))
    with pytest.raises(ValidationError):
        move(o, "accepted", pp, on=today() - dt.timedelta(days=5))


def test_a_single_sex_service_is_offered_only_to_those_it_is_for(org, pp):
    man = PersonFactory(team=org["team"], practitioner=pp, sex=Sex.MALE)
    with pytest.raises(ValidationError) as refused:
        offer(man, pp, pathway="womens_centre")
    assert "pathway" in refused.value.message_dict
    woman = PersonFactory(team=org["team"], practitioner=pp, sex=Sex.FEMALE)
    assert offer(woman, pp, pathway="womens_centre").pathway == "womens_centre"


def test_scope_and_capability(org, pp):
    with pytest.raises(Http404):
        offer(org["people"]["far"], pp)
    with pytest.raises(NotPermitted):
        offer(org["people"]["mine"], org["staff"]["inspector"])
    o = offer(org["people"]["mine"], pp)
    with pytest.raises(Http404):
        services.pathway_offer_status_change(
            offer_id=o.pk, status="accepted", version=1, actor=org["staff"]["far_regional"]
        )
