"""The sign-in mapping table: what a row must name for its role, the admin pages that keep it,
and a property: whatever a provider sends, the answer is a role every matching row agrees on,
or a refusal, never anything else."""

import pytest
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from safeguard.core.models import Role
from safeguard.identity.models import SignInMapping
from safeguard.identity.sso import Refusal, SignInRefused, claim_values, resolve_assignment

pytestmark = pytest.mark.django_db


def mapping(**fields):
    return SignInMapping(claim="groups", value="g", **fields)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"role": Role.PRACTITIONER}, "team"),
        ({"role": Role.SENIOR_PROBATION_OFFICER}, "team"),
        ({"role": Role.HEAD_OF_PDU}, "pdu"),
        ({"role": Role.REGIONAL_LEAD}, "region"),
    ],
)
def test_a_role_that_works_somewhere_must_name_where(fields, field):
    with pytest.raises(ValidationError) as raised:
        mapping(**fields).full_clean()
    assert field in raised.value.message_dict


def test_a_national_role_names_no_place(home_team):
    with pytest.raises(ValidationError) as raised:
        mapping(role=Role.NATIONAL, region=home_team.pdu.region).full_clean()
    assert "role" in raised.value.message_dict
    mapping(role=Role.NATIONAL).full_clean()


def test_places_must_agree(home_team, far_team):
    with pytest.raises(ValidationError) as raised:
        mapping(role=Role.HEAD_OF_PDU, team=home_team, pdu=far_team.pdu).full_clean()
    assert "pdu" in raised.value.message_dict
    with pytest.raises(ValidationError) as raised:
        mapping(role=Role.REGIONAL_LEAD, pdu=home_team.pdu, region=far_team.pdu.region).full_clean()
    assert "region" in raised.value.message_dict
    mapping(role=Role.HEAD_OF_PDU, team=home_team).full_clean()
    mapping(role=Role.REGIONAL_LEAD, region=home_team.pdu.region).full_clean()


def test_a_value_is_mapped_once_per_claim(home_team):
    SignInMapping.objects.create(value="g", role=Role.NATIONAL)
    with pytest.raises(ValidationError):
        mapping(role=Role.INSPECTOR).full_clean()


def test_admins_keep_the_table_in_the_admin_site(client, org, home_team):
    admin = org["staff"]["admin"]
    admin.is_superuser = True  # as the demo's administrator is
    admin.save()
    client.force_login(admin)
    assert client.get("/admin/identity/signinmapping/").status_code == 200
    assert client.get("/admin/identity/signinmapping/add/").status_code == 200
    refused = client.post(
        "/admin/identity/signinmapping/add/",
        {"claim": "groups", "value": "pp-kent", "role": Role.PRACTITIONER},
    )
    assert refused.status_code == 200 and "Choose the team this role works in" in (
        refused.content.decode()
    )
    added = client.post(
        "/admin/identity/signinmapping/add/",
        {"claim": "groups", "value": "pp-kent", "role": Role.PRACTITIONER, "team": home_team.pk},
    )
    assert added.status_code == 302
    row = SignInMapping.objects.get(value="pp-kent")
    assert row.history.count() == 1  # who changed the table is kept
    assert client.get(f"/admin/identity/signinmapping/{row.pk}/history/").status_code == 200
    assert client.get("/admin/identity/signinidentity/").status_code == 200
    # Where an administrator resets a lost authenticator app (django-otp's own admin).
    assert client.get("/admin/otp_totp/totpdevice/").status_code == 200
    assert client.get("/admin/otp_static/staticdevice/").status_code == 200


def test_only_admin_site_users_reach_the_table(client, org):
    client.force_login(org["staff"]["national"])
    assert client.get("/admin/identity/signinmapping/").status_code == 302


def test_claim_values_reads_lists_strings_and_numbers_only():
    assert claim_values({"groups": ["a", 2, None, {"x": 1}, True]}, "groups") == ["a", "2"]
    assert claim_values({"groups": "a"}, "groups") == ["a"]
    assert claim_values({"groups": {"a": 1}}, "groups") == []
    assert claim_values({}, "groups") == []


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=4), inner),
    max_leaves=8,
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    claims=st.dictionaries(
        st.sampled_from(["groups", "roles", "sub", "x"]),
        JSON | st.lists(st.sampled_from(["pp", "spo", "lead", "head", "zz"]), max_size=4),
    )
)
def test_any_claims_give_one_agreed_role_or_a_refusal(home_team, claims):
    if not SignInMapping.objects.exists():
        SignInMapping.objects.create(value="pp", role=Role.PRACTITIONER, team=home_team)
        SignInMapping.objects.create(
            value="spo", role=Role.SENIOR_PROBATION_OFFICER, team=home_team
        )
        SignInMapping.objects.create(value="lead", role=Role.NATIONAL)
        SignInMapping.objects.create(
            claim="roles", value="head", role=Role.HEAD_OF_PDU, pdu=home_team.pdu
        )
    matched = {
        row.role
        for row in SignInMapping.objects.all()
        if row.value in claim_values(claims, row.claim)
    }
    try:
        assignment = resolve_assignment(claims)
    except SignInRefused as refusal:
        assert refusal.reason == (Refusal.CONFLICT if len(matched) > 1 else Refusal.NO_MAPPING)
    else:
        assert matched == {assignment.role}
        if assignment.role in (Role.PRACTITIONER, Role.SENIOR_PROBATION_OFFICER):
            assert assignment.teams == [home_team]
        else:
            assert assignment.teams == []
