"""The pages people on probation open name who to contact (their practitioner and office
phone), carry a phase banner, a favicon, a privacy notice and an accessibility statement, and
say neither "probation" nor the practitioner's name to someone whose messages are discreet."""

import pytest

from safeguard.core.models import Role
from safeguard.engagement.checkins import check_in_create
from safeguard.engagement.contact import office_phone
from tests.engagement.factories import ReminderPreferencesFactory
from tests.factories import PersonFactory, RegistrationFactory, StaffFactory


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def practitioner(home_team):
    return StaffFactory(
        username="contact.pp",
        first_name="Robin",
        last_name="Ashdown",
        role=Role.PRACTITIONER,
        teams=[home_team],
    )


def _link(person, pp):
    return check_in_create(person_id=person.pk, channel="sms", actor=pp).token


@pytest.mark.django_db
def test_a_check_in_page_names_the_practitioner_and_the_office_phone(
    client, home_team, practitioner, django_assert_max_num_queries
):
    person = PersonFactory(team=home_team, practitioner=practitioner, mobile="07700 900123")
    token = _link(person, practitioner)
    with django_assert_max_num_queries(12):
        html = client.get(f"/check-in/{token}").content.decode()
    assert "Your probation practitioner is Robin Ashdown" in html
    phone = office_phone(person)
    assert phone.startswith("01632 960") and phone in html  # Ofcom's drama range
    assert 'href="tel:01632960' in html
    assert "govuk-phase-banner" in html and "Beta" in html
    assert 'rel="icon"' in html
    assert 'href="/check-in/privacy"' in html and 'href="/check-in/accessibility"' in html


@pytest.mark.django_db
def test_a_discreet_persons_pages_say_neither_probation_nor_the_practitioners_name(
    client, home_team, practitioner
):
    person = PersonFactory(team=home_team, practitioner=practitioner, mobile="07700 900123")
    RegistrationFactory(person=person, code="ADVV")
    token = _link(person, practitioner)
    html = client.get(f"/check-in/{token}").content.decode()
    assert "Ashdown" not in html
    header = html.split("</header>")[0]
    assert "probation" not in header.lower()
    assert "<title>" in html and "Probation" not in html.split("<title>")[1].split("</title>")[0]
    assert office_phone(person) in html


@pytest.mark.django_db
def test_asking_for_discreet_messages_makes_the_pages_discreet_too(client, home_team, practitioner):
    person = PersonFactory(team=home_team, practitioner=practitioner, mobile="07700 900123")
    ReminderPreferencesFactory(person=person, recorded_by=practitioner, wording="discreet")
    html = client.get(f"/check-in/{_link(person, practitioner)}").content.decode()
    assert "Ashdown" not in html


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url", "heading"),
    [
        ("/check-in/privacy", "Privacy notice"),
        ("/check-in/accessibility", "Accessibility statement"),
    ],
)
def test_the_notices_need_no_sign_in_and_are_not_cached(client, url, heading):
    response = client.get(url)
    assert response.status_code == 200
    assert f'<h1 class="govuk-heading-l">{heading}</h1>' in response.content.decode()
    assert "no-store" in response["Cache-Control"] or "no-cache" in response["Cache-Control"]
    assert client.post(url).status_code == 405
