"""Every read of a person and every refused attempt lands in the access log."""

import pytest

from safeguard.core.models import AccessLogEntry
from tests.helpers import bearer

Action = AccessLogEntry.Action


@pytest.mark.django_db
def test_reading_a_person_on_a_page_is_logged(client, org):
    pp, person = org["staff"]["practitioner"], org["people"]["mine"]
    client.force_login(pp)
    client.get(f"/people/{person.crn}/")
    entry = AccessLogEntry.objects.get(person=person)
    assert (entry.actor, entry.action, entry.channel) == (pp, Action.VIEW_PERSON, "web")


@pytest.mark.django_db
def test_reading_a_person_through_the_api_is_logged(client, org):
    pp, person = org["staff"]["practitioner"], org["people"]["mine"]
    client.get(f"/api/v1/people/{person.crn}", **bearer(pp))
    entry = AccessLogEntry.objects.get(person=person)
    assert (entry.actor, entry.action, entry.channel) == (pp, Action.VIEW_PERSON, "api")


@pytest.mark.django_db
def test_refused_reads_are_logged_with_the_crn_asked_for(client, org):
    pp, far = org["staff"]["practitioner"], org["people"]["far"]
    client.force_login(pp)
    client.get(f"/people/{far.crn}/")
    client.get("/api/v1/people/Z123456", **bearer(pp))
    refused = AccessLogEntry.objects.filter(action=Action.REFUSED).order_by("id")
    assert [(e.crn, e.channel, e.person_id) for e in refused] == [
        (far.crn, "web", far.pk),
        ("Z123456", "api", None),
    ]


@pytest.mark.django_db
def test_caseload_and_search_are_logged_without_names(client, org):
    pp = org["staff"]["practitioner"]
    client.force_login(pp)
    client.get("/caseload/")
    client.post("/search/", {"q": "Mine"})
    actions = list(AccessLogEntry.objects.order_by("id").values_list("action", "detail"))
    assert [a for a, _ in actions] == [Action.LIST_PEOPLE, Action.SEARCH]
    assert all("Mine" not in detail for _, detail in actions)


@pytest.mark.django_db
def test_access_log_reads_newest_first_and_records_being_read(client, org):
    pp, national, person = (
        org["staff"]["practitioner"],
        org["staff"]["national"],
        org["people"]["mine"],
    )
    client.force_login(pp)
    client.get(f"/people/{person.crn}/")
    response = client.get(f"/api/v1/people/{person.crn}/access-log", **bearer(national))
    items = response.json()["items"]
    assert items[0]["action"] == Action.VIEW_ACCESS_LOG
    assert items[0]["actor"] == "national"
    assert items[-1] == {**items[-1], "actor": "pp", "action": "view_person", "channel": "web"}


@pytest.mark.django_db
def test_access_log_entries_cannot_be_rewritten(org):
    entry = AccessLogEntry.objects.create(action=Action.SEARCH, channel="web")
    entry.detail = "tampered"
    with pytest.raises(ValueError):
        entry.save()
    with pytest.raises(ValueError):
        entry.delete()
