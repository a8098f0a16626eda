"""Single sign-on end to end against the local OpenID provider: the mapping table decides role
and place, an unknown or conflicting mapping signs nobody in and says why, and accounts are
matched by issuer and subject only."""

import pytest
from django.urls import reverse

from safeguard.core.models import Role, Staff
from safeguard.identity.models import SignInMapping
from tests.identity.oidc import authorise, set_claims

pytestmark = pytest.mark.django_db


def sign_in_through_sso(client, sub, next_url=None):
    start = reverse("identity:sso_start") + (f"?next={next_url}" if next_url else "")
    response = client.get(start)
    assert response.status_code == 302
    return client.get(authorise(response["Location"], sub))


def map_group(value, role, **place):
    return SignInMapping.objects.create(claim="groups", value=value, role=role, **place)


def test_a_mapped_group_signs_in_with_its_role_and_team(client, sso, subject, home_team):
    map_group("safeguard-pp-kent", Role.PRACTITIONER, team=home_team)
    set_claims(
        sso,
        subject,
        groups=["everyone", "safeguard-pp-kent"],
        given_name="Robin",
        family_name="Field",
        email="robin.field@probation.example.com",
        preferred_username="robin.field",
    )
    response = sign_in_through_sso(client, subject)
    assert response.status_code == 302 and response["Location"] == reverse("people:caseload")
    staff = Staff.objects.get(sign_in_identities__subject=subject)
    assert staff.role == Role.PRACTITIONER
    assert list(staff.teams.all()) == [home_team]
    assert staff.pdu == home_team.pdu and staff.region == home_team.pdu.region
    assert (staff.first_name, staff.last_name, staff.username) == ("Robin", "Field", "robin.field")
    assert not staff.has_usable_password()
    assert client.get(reverse("people:caseload")).status_code == 200
