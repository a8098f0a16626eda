"""Changing contact details and communication needs: validation, stale edits, history, audit."""

import pytest

from safeguard.core.models import AccessLogEntry
from safeguard.people.models import Person


def form_data(person, **overrides):
    data = {
        "version": person.version,
        "mobile": "07700 900123",
        "phone": "",
        "email": "someone@example.com",
        "address_line": "1 Example Road",
        "town": "Exampleton",
        "postcode": "ZZ1 1ZZ",
        "neurodivergence": "on",
        "interpreter_language": "",
        "communication_notes": "Prefers afternoon appointments",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


@pytest.mark.django_db
def test_practitioner_updates_details_with_history_and_audit(client, org):
    pp, person = org["staff"]["practitioner"], org["people"]["mine"]
    client.force_login(pp)
    response = client.post(f"/people/{person.crn}/details/", form_data(person))
    assert response.status_code == 302
    person.refresh_from_db()
    assert (person.mobile, person.neurodivergence, person.version) == ("07700 900123", True, 2)
    change = person.history.first()  # newest first; the oldest is the record's creation
    assert (change.history_type, change.history_user, change.mobile) == ("~", pp, "07700 900123")
    assert change.prev_record.mobile == ""
    assert AccessLogEntry.objects.filter(person=person, action="change_person").exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("mobile", "12345", b"Enter a UK mobile number"),
        ("mobile", "020 7946 0000", b"Enter a UK mobile number"),
        ("email", "not-an-email", b"Enter an email address in the correct format"),
        ("postcode", "123 ABC", b"Enter a real postcode"),
    ],
)
def test_bad_input_shows_the_error_summary_and_saves_nothing(client, org, field, value, message):
    pp, person = org["staff"]["practitioner"], org["people"]["mine"]
    client.force_login(pp)
    response = client.post(f"/people/{person.crn}/details/", form_data(person, **{field: value}))
    assert response.status_code == 200
    assert b"govuk-error-summary" in response.content
    assert message in response.content
    assert f'href="#id_{field}"'.encode() in response.content
    person.refresh_from_db()
    assert person.version == 1 and person.mobile == ""
    assert not AccessLogEntry.objects.filter(action="change_person").exists()


@pytest.mark.django_db
def test_a_stale_edit_is_refused_not_silently_overwritten(client, org):
    pp, person = org["staff"]["practitioner"], org["people"]["mine"]
    client.force_login(pp)
    stale = form_data(person)
    Person.objects.filter(pk=person.pk).update(version=2, email="newer@example.com")
    response = client.post(f"/people/{person.crn}/details/", stale)
    assert response.status_code == 200
    assert b"Someone else changed this record" in response.content
    person.refresh_from_db()
    assert person.email == "newer@example.com"


@pytest.mark.django_db
@pytest.mark.parametrize(("staff_key", "expected"), [("national", 403), ("inspector", 403)])
def test_read_only_roles_cannot_change_details(client, org, staff_key, expected):
    person = org["people"]["mine"]
    client.force_login(org["staff"][staff_key])
    assert client.post(f"/people/{person.crn}/details/", form_data(person)).status_code == expected
    person.refresh_from_db()
    assert person.version == 1


@pytest.mark.django_db
def test_no_one_outside_scope_can_change_details(client, org):
    person = org["people"]["mine"]
    client.force_login(org["staff"]["other_team_pp"])
    assert client.post(f"/people/{person.crn}/details/", form_data(person)).status_code == 404
