"""Single sign-on end to end against the local OpenID provider: the mapping table decides role
and place, an unknown or conflicting mapping signs nobody in and says why, and accounts are
matched by issuer and subject only."""

import logging

import pytest
from axes.models import AccessAttempt, AccessLog
from django.urls import reverse

from safeguard.core.models import Role, Staff
from safeguard.identity.models import SignInIdentity, SignInMapping
from tests.factories import PASSWORD, StaffFactory
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
    assert response.status_code == 302 and response["Location"] == reverse("my_work")
    staff = Staff.objects.get(sign_in_identities__subject=subject)
    assert staff.role == Role.PRACTITIONER
    assert list(staff.teams.all()) == [home_team]
    assert staff.pdu == home_team.pdu and staff.region == home_team.pdu.region
    assert (staff.first_name, staff.last_name, staff.username) == ("Robin", "Field", "robin.field")
    assert not staff.has_usable_password()
    assert client.get(reverse("people:caseload")).status_code == 200


def _personal(subject):
    return [subject, "Robin", "Field", "robin.field", "probation.example.com"]


def test_an_unknown_group_signs_nobody_in_and_says_why(client, sso, subject, caplog, home_team):
    map_group("safeguard-pp-kent", Role.PRACTITIONER, team=home_team)
    set_claims(sso, subject, groups=["finance-team"], given_name="Robin", family_name="Field")
    caplog.set_level(logging.INFO)
    response = sign_in_through_sso(client, subject)
    assert response.status_code == 403
    page = response.content.decode()
    assert "Your account is not set up for Safeguard yet" in page
    assert "None of the groups your account belongs to" in page
    assert "finance-team" in page  # for the service desk to map
    assert not Staff.objects.filter(sign_in_identities__subject=subject).exists()
    assert not SignInIdentity.objects.exists()
    assert client.get(reverse("people:caseload")).status_code == 302  # not signed in
    # Logged with a reason code only: no subject, name or group.
    logged = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("safeguard"))
    assert "no_mapping" in logged
    for secret in [*_personal(subject), "finance-team"]:
        assert secret not in logged


def test_an_empty_mapping_table_signs_nobody_in_and_lists_the_groups(client, sso, subject):
    set_claims(sso, subject, groups=["anything"], roles="Reader")
    response = sign_in_through_sso(client, subject)
    assert response.status_code == 403
    page = response.content.decode()
    assert "not set up for Safeguard" in page
    assert "<code>anything</code>" in page and "<code>Reader</code>" in page


def test_groups_that_give_different_roles_sign_nobody_in(client, sso, subject, home_team):
    map_group("pp", Role.PRACTITIONER, team=home_team)
    map_group("leads", Role.NATIONAL)
    set_claims(sso, subject, groups=["pp", "leads"])
    response = sign_in_through_sso(client, subject)
    assert response.status_code == 403
    assert "cannot tell which role to give you" in response.content.decode()
    assert not SignInIdentity.objects.exists()


def test_two_heads_of_pdu_groups_for_different_pdus_conflict(
    client, sso, subject, home_team, far_team
):
    map_group("head-a", Role.HEAD_OF_PDU, pdu=home_team.pdu)
    map_group("head-b", Role.HEAD_OF_PDU, pdu=far_team.pdu)
    set_claims(sso, subject, groups=["head-a", "head-b"])
    assert sign_in_through_sso(client, subject).status_code == 403


def test_two_team_groups_give_both_teams(client, sso, subject, home_team, other_team_same_pdu):
    map_group("pp-a", Role.PRACTITIONER, team=home_team)
    map_group("pp-b", Role.PRACTITIONER, team=other_team_same_pdu)
    set_claims(sso, subject, groups=["pp-a", "pp-b"])
    assert sign_in_through_sso(client, subject).status_code == 302
    staff = Staff.objects.get(sign_in_identities__subject=subject)
    assert set(staff.teams.all()) == {home_team, other_team_same_pdu}
    assert staff.pdu == home_team.pdu


@pytest.mark.parametrize(
    ("role", "place", "expect"),
    [
        (Role.HEAD_OF_PDU, "team", ("pdu", "region")),
        (Role.HEAD_OF_PDU, "pdu", ("pdu", "region")),
        (Role.REGIONAL_LEAD, "region", ("region",)),
        (Role.NATIONAL, None, ()),
        (Role.INSPECTOR, None, ()),
    ],
)
def test_each_role_gets_the_place_it_works_in(client, sso, subject, home_team, role, place, expect):
    places = {"team": home_team, "pdu": home_team.pdu, "region": home_team.pdu.region}
    map_group("g", role, **({place: places[place]} if place else {}))
    set_claims(sso, subject, groups=["g"])
    assert sign_in_through_sso(client, subject).status_code == 302
    staff = Staff.objects.get(sign_in_identities__subject=subject)
    assert staff.role == role
    assert staff.pdu == (home_team.pdu if "pdu" in expect else None)
    assert staff.region == (home_team.pdu.region if "region" in expect else None)
    assert not staff.teams.exists()
    assert not staff.is_staff


def test_the_administrator_role_opens_the_admin_site(client, sso, subject):
    map_group("safeguard-admins", Role.ADMIN)
    set_claims(sso, subject, groups=["safeguard-admins"])
    sign_in_through_sso(client, subject)
    staff = Staff.objects.get(sign_in_identities__subject=subject)
    assert staff.is_staff and staff.is_superuser
    assert client.get("/admin/identity/signinmapping/").status_code == 200


def test_a_claim_other_than_groups_can_be_mapped(client, sso, subject):
    SignInMapping.objects.create(claim="roles", value="Safeguard.Inspector", role=Role.INSPECTOR)
    set_claims(sso, subject, roles="Safeguard.Inspector")
    assert sign_in_through_sso(client, subject).status_code == 302
    assert Staff.objects.get(sign_in_identities__subject=subject).role == Role.INSPECTOR


def test_the_next_sign_in_follows_a_change_of_groups(client, sso, subject, home_team):
    map_group("pp", Role.PRACTITIONER, team=home_team)
    map_group("spo", Role.SENIOR_PROBATION_OFFICER, team=home_team)
    set_claims(sso, subject, groups=["pp"])
    sign_in_through_sso(client, subject)
    client.post(reverse("logout"))
    set_claims(sso, subject, groups=["spo"])
    sign_in_through_sso(client, subject)
    staff = Staff.objects.get(sign_in_identities__subject=subject)
    assert staff.role == Role.SENIOR_PROBATION_OFFICER
    assert Staff.objects.filter(sign_in_identities__subject=subject).count() == 1
    # And losing every mapped group stops the next sign-in.
    client.post(reverse("logout"))
    set_claims(sso, subject, groups=[])
    assert sign_in_through_sso(client, subject).status_code == 403


def test_accounts_are_matched_by_subject_never_by_username_or_email(
    client, sso, subject, home_team
):
    local = StaffFactory(username="demo.admin", email="demo.admin@probation.example.com")
    local.role = Role.ADMIN
    local.save()
    map_group("pp", Role.PRACTITIONER, team=home_team)
    set_claims(
        sso,
        subject,
        groups=["pp"],
        preferred_username="demo.admin",
        email="demo.admin@probation.example.com",
    )
    sign_in_through_sso(client, subject)
    staff = Staff.objects.get(sign_in_identities__subject=subject)
    assert staff.pk != local.pk and staff.username == "demo.admin-2"
    assert staff.role == Role.PRACTITIONER
    local.refresh_from_db()
    assert local.role == Role.ADMIN and local.check_password(PASSWORD)


def test_a_deactivated_member_of_staff_cannot_sign_in(client, sso, subject, home_team):
    map_group("pp", Role.PRACTITIONER, team=home_team)
    set_claims(sso, subject, groups=["pp"])
    sign_in_through_sso(client, subject)
    client.post(reverse("logout"))
    Staff.objects.filter(sign_in_identities__subject=subject).update(is_active=False)
    response = sign_in_through_sso(client, subject)
    assert response.status_code == 403
    assert "has been closed" in response.content.decode()
    assert client.get(reverse("people:caseload")).status_code == 302


def test_sso_sign_ins_are_logged_as_password_sign_ins_are(client, sso, subject, home_team):
    map_group("pp", Role.PRACTITIONER, team=home_team)
    set_claims(sso, subject, groups=["pp"])
    sign_in_through_sso(client, subject)
    staff = Staff.objects.get(sign_in_identities__subject=subject)
    entry = AccessLog.objects.get(username=staff.username)
    assert entry.path_info == reverse("identity:sso_callback")
    assert SignInIdentity.objects.get(subject=subject).last_signed_in_at is not None


def test_a_refused_sso_sign_in_is_not_a_failed_password(client, sso, subject):
    set_claims(sso, subject, groups=["unmapped"])
    for _ in range(3):
        assert sign_in_through_sso(client, subject).status_code == 403
    assert not AccessAttempt.objects.exists()


def test_the_page_asked_for_is_opened_after_signing_in(client, sso, subject, home_team):
    map_group("pp", Role.PRACTITIONER, team=home_team)
    set_claims(sso, subject, groups=["pp"])
    assert sign_in_through_sso(client, subject, "/caseload/")["Location"] == "/caseload/"
    client.post(reverse("logout"))
    away = sign_in_through_sso(client, subject, "https://elsewhere.example.com/")
    assert away["Location"] == reverse("my_work")


def test_a_callback_with_an_unknown_state_or_an_error_signs_nobody_in(client, sso):
    for query in ("code=abc&state=forged", "error=access_denied&state=x", "", "state=x"):
        response = client.get(f"{reverse('identity:sso_callback')}?{query}")
        assert response.status_code == 400, query
        assert "signing in did not work" in response.content.decode()
    assert client.get(reverse("people:caseload")).status_code == 302


def test_a_state_is_used_once(client, sso, subject, home_team):
    map_group("pp", Role.PRACTITIONER, team=home_team)
    set_claims(sso, subject, groups=["pp"])
    callback = authorise(client.get(reverse("identity:sso_start"))["Location"], subject)
    assert client.get(callback).status_code == 302
    client.post(reverse("logout"))
    assert client.get(callback).status_code == 400


def test_a_token_from_another_issuer_is_refused(client, sso, subject, home_team, settings):
    map_group("pp", Role.PRACTITIONER, team=home_team)
    set_claims(sso, subject, groups=["pp"])
    settings.OIDC_OP_ISSUER = "https://login.example.com"
    assert sign_in_through_sso(client, subject).status_code == 400
    assert not SignInIdentity.objects.exists()


def test_a_token_for_another_client_is_refused(client, sso, subject, home_team, settings):
    map_group("pp", Role.PRACTITIONER, team=home_team)
    set_claims(sso, subject, groups=["pp"])
    start = client.get(reverse("identity:sso_start"))["Location"]
    callback = authorise(start, subject)
    settings.OIDC_RP_CLIENT_ID = "another-client"  # the token was issued to safeguard-tests
    assert client.get(callback).status_code == 400


def test_without_oidc_settings_there_is_no_single_sign_on(client, settings):
    settings.OIDC_ENABLED = False
    assert client.get(reverse("identity:sso_start")).status_code == 404
    assert client.get(reverse("identity:sso_callback")).status_code == 404
    page = client.get(reverse("login")).content.decode()
    assert "sso-sign-in" not in page and 'id="id_username"' in page


def test_the_sign_in_page_offers_single_sign_on_first(client, sso):
    page = client.get(reverse("login")).content.decode()
    assert "Sign in with the test provider" in page
    assert page.index("sso-sign-in") < page.index('id="id_username"')
    assert (
        client.get(reverse("login") + "?next=/my-work/")
        .content.decode()
        .count("/sign-in/sso/?next=/my-work/")
    )


def test_password_sign_in_still_works_with_sso_on(client, sso):
    StaffFactory(username="breakglass")
    response = client.post(reverse("login"), {"username": "breakglass", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == reverse("my_work")


def test_the_callback_s_queries_do_not_grow_with_teams_or_mappings(
    client, sso, home_team, django_assert_max_num_queries
):
    teams = list(home_team.pdu.region.pdus.first().teams.all()[:1]) + [home_team]
    for n in range(30):
        map_group(f"other-{n}", Role.NATIONAL)
    for n, team in enumerate(teams):
        map_group(f"pp-{n}", Role.PRACTITIONER, team=team)
    counts = []
    for groups in (["pp-0"], [f"pp-{n}" for n in range(len(teams))]):
        sub = f"count-{len(groups)}"
        set_claims(sso, sub, groups=groups)
        callback = authorise(client.get(reverse("identity:sso_start"))["Location"], sub)
        with django_assert_max_num_queries(40) as captured:
            assert client.get(callback).status_code == 302
        counts.append(len(captured))
        client.post(reverse("logout"))
    assert counts[1] <= counts[0] + 2, counts
