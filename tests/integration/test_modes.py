"""Two modes, one setting: in integrated mode (SAFEGUARD_CASE_SOURCE=delius) people,
allocations, registrations and custody facts are read-only in pages and the API (409, change
it in nDelius); everything Safeguard owns stays writable. Standalone is unchanged."""

import datetime as dt
import json

import pytest
from django.core.management import call_command
from django.utils import timezone

from safeguard.core import case_source
from safeguard.core.errors import OwnedByDelius
from safeguard.core.models import AccessLogEntry, WorkItem, WorkItemStatus
from safeguard.core.workitems import scan_all
from safeguard.people import services as people_services
from safeguard.people.models import AllocationReason
from safeguard.registrations import services as registration_services
from safeguard.registrations.models import Registration
from safeguard.releases import services as release_services
from tests.factories import OverdueRegistrationFactory, RegistrationFactory
from tests.helpers import bearer
from tests.releases.helpers import in_custody, open_plan

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
NDELIUS = "Change it in nDelius"


@pytest.fixture
def delius(settings):
    settings.SAFEGUARD_CASE_SOURCE = "delius"


def _changes():
    return AccessLogEntry.objects.filter(action="change_person").count()


def test_the_default_is_standalone(settings):
    assert case_source.current() == "standalone" and not case_source.integrated()
    settings.SAFEGUARD_CASE_SOURCE = "delius"
    assert case_source.integrated()


def test_services_for_ndelius_facts_refuse_in_integrated_mode(org, delius):
    pp = org["staff"]["practitioner"]
    person = org["people"]["mine"]
    registration = RegistrationFactory(person=person, owner=pp)
    before = (_changes(), Registration.objects.count(), person.version)
    with pytest.raises(OwnedByDelius):
        people_services.person_update_details(
            person_id=person.pk, version=person.version, changes={"mobile": "07700900123"}, actor=pp
        )
    with pytest.raises(OwnedByDelius):
        people_services.person_allocate(
            person_id=person.pk,
            practitioner=org["staff"]["colleague"],
            team=org["team"],
            reason=AllocationReason.WORKLOAD,
            actor=pp,
        )
    with pytest.raises(OwnedByDelius):
        registration_services.registration_add(
            person_id=person.pk, code="RVLN", start_date=TODAY, actor=pp
        )
    with pytest.raises(OwnedByDelius):
        registration_services.registration_review(
            registration_id=registration.pk, reviewed_on=TODAY, outcome="continue", actor=pp
        )
    with pytest.raises(OwnedByDelius):
        registration_services.registration_end(
            registration_id=registration.pk,
            ended_on=TODAY,
            reason="no_longer_applies",
            actor=pp,
        )
    inside = in_custody(org["team"], pp, crn="C000001")
    open_plan(inside)
    with pytest.raises(OwnedByDelius):
        release_services.release_record(
            person_id=inside.pk,
            released_on=TODAY,
            accommodation_type="settled",
            address="1 Elm Road",
            actor=pp,
        )
    person.refresh_from_db()
    assert (_changes(), Registration.objects.count(), person.version) == before


def test_scope_still_comes_first_in_integrated_mode(org, delius):
    """A case the actor may not see is 404, as in standalone: the mode tells nothing."""
    from django.http import Http404

    with pytest.raises(Http404):
        registration_services.registration_add(
            person_id=org["people"]["far"].pk,
            code="RVLN",
            start_date=TODAY,
            actor=org["staff"]["practitioner"],
        )


def test_api_answers_409_problem_saying_change_it_in_ndelius(client, org, delius):
    pp = org["staff"]["practitioner"]
    person = org["people"]["mine"]
    before = Registration.objects.count()
    response = client.post(
        f"/api/v1/people/{person.crn}/registrations",
        data=json.dumps({"code": "RVLN", "start_date": str(TODAY)}),
        content_type="application/json",
        **bearer(pp),
    )
    assert response.status_code == 409
    assert response["Content-Type"] == "application/problem+json"
    problem = response.json()
    assert problem["title"] == NDELIUS and "nDelius" in problem["detail"]
    assert Registration.objects.count() == before


def test_what_safeguard_owns_stays_writable_in_integrated_mode(client, org, delius):
    pp = org["staff"]["practitioner"]
    soon = (timezone.now() + dt.timedelta(days=3)).replace(microsecond=0).isoformat()
    response = client.post(
        f"/api/v1/people/{org['people']['mine'].crn}/appointments",
        data=json.dumps({"starts_at": soon, "kind": "phone"}),
        content_type="application/json",
        **bearer(pp),
    )
    assert response.status_code == 201, response.content


def test_pages_show_the_refusal_as_a_govuk_error_and_write_nothing(client, org, delius):
    pp = org["staff"]["practitioner"]
    person = org["people"]["mine"]
    registration = RegistrationFactory(person=person, owner=pp)
    client.force_login(pp)
    for url in (
        f"/people/{person.crn}/details/",
        f"/people/{person.crn}/registrations/add/",
        f"/people/{person.crn}/registrations/{registration.pk}/review/",
        f"/people/{person.crn}/registrations/{registration.pk}/end/",
    ):
        page = client.get(url)
        assert page.status_code == 200, url
        html = page.content.decode()
        assert "govuk-error-summary" in html and "Change it in nDelius" in html, url
    before = (_changes(), Registration.objects.count())
    refused = client.post(
        f"/people/{person.crn}/registrations/add/",
        {"code": "RVLN", "start_date": TODAY.strftime("%d/%m/%Y"), "notes": ""},
    )
    assert refused.status_code == 200
    assert "govuk-error-summary" in refused.content.decode()
    assert "Change it in nDelius" in refused.content.decode()
    assert (_changes(), Registration.objects.count()) == before


def test_person_page_hides_links_to_ndelius_facts_only_in_integrated_mode(client, org, settings):
    pp = org["staff"]["practitioner"]
    person = org["people"]["mine"]
    RegistrationFactory(person=person, owner=pp)
    client.force_login(pp)
    standalone = client.get(f"/people/{person.crn}/").content.decode()
    assert f"/people/{person.crn}/registrations/add/" in standalone
    assert f"/people/{person.crn}/details/" in standalone
    settings.SAFEGUARD_CASE_SOURCE = "delius"
    integrated = client.get(f"/people/{person.crn}/").content.decode()
    assert f"/people/{person.crn}/registrations/add/" not in integrated
    assert "/review/" not in integrated and f"/people/{person.crn}/details/" not in integrated
    assert "Registrations come from nDelius" in integrated


def test_hygiene_work_items_say_what_to_fix_in_ndelius(org, delius):
    person = org["people"]["mine"]
    pp = org["staff"]["practitioner"]
    RegistrationFactory(person=person, owner=pp, code="RVLN")
    RegistrationFactory(person=person, owner=pp, code="RVLN")  # a duplicate
    OverdueRegistrationFactory(person=person, owner=pp, code="ALSH")
    scan_all(today=TODAY)
    items = {
        i.rule: i.detail for i in WorkItem.objects.filter(person=person, status=WorkItemStatus.OPEN)
    }
    assert items["registration_hygiene_problem"].startswith("Fix in nDelius: ")
    assert "End the duplicate" in items["registration_hygiene_problem"]
    assert items["registration_review_overdue"].endswith("review it in nDelius")


def test_hygiene_work_items_in_standalone_keep_their_wording(org):
    person = org["people"]["mine"]
    pp = org["staff"]["practitioner"]
    RegistrationFactory(person=person, owner=pp, code="RVLN")
    RegistrationFactory(person=person, owner=pp, code="RVLN")
    scan_all(today=TODAY)
    item = WorkItem.objects.get(person=person, rule="registration_hygiene_problem")
    assert "nDelius" not in item.detail


def test_seed_demo_works_in_either_mode_and_gives_the_ndelius_codes(settings):
    from safeguard.core.models import Staff

    settings.SAFEGUARD_CASE_SOURCE = "delius"
    call_command("seed_demo", people=80, verbosity=0)
    practitioner = Staff.objects.get(username="demo.practitioner")
    assert practitioner.staff_code == "N07DEMP"
    assert practitioner.teams.get().code == "N07DEM"
    assert practitioner.caseload.exists()
