"""A draft referral is changed and completed: its answers come back in the questions, saving
keeps it a draft, continuing goes through check your answers to ready to send; a stale page,
a referral that is no longer a draft and a person who has died are refused, and nothing of a
refused change is written."""

import pytest
from django.core.exceptions import ValidationError

from safeguard.core.models import AccessLogEntry
from safeguard.referrals import services
from safeguard.referrals.models import Referral, ReferralStatus
from tests.helpers import queries_for
from tests.learning.helpers import record_death
from tests.referrals.test_pages import S42, kent_asc, s42_form

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(client, org):
    person = org["people"]["mine"]
    client.force_login(org["staff"]["practitioner"])
    data = s42_form(kent_asc(), action="draft", s42_unable_to_protect_self="no", person_views="")
    response = client.post(f"/people/{person.crn}/referrals/new/{S42}/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    return Referral.objects.get(status=ReferralStatus.DRAFT)


def _edit_url(draft):
    return f"/people/{draft.person.crn}/referrals/{draft.pk}/change/"


def test_the_draft_page_offers_to_change_it(client, draft):
    html = client.get(f"/people/{draft.person.crn}/referrals/{draft.pk}/").content.decode()
    assert f'href="{_edit_url(draft)}"' in html
    assert "Change and complete the draft" in html


def test_the_questions_come_back_with_the_drafts_answers(client, draft):
    html = client.get(_edit_url(draft)).content.decode()
    assert "Cuckooing: others are using his flat" in html
    assert "Neighbours report visitors" in html
    assert f'name="version" value="{draft.version}"' in html
    assert f'action="{_edit_url(draft)}"' in html
    assert "Back to the referral" in html
    assert 'value="no" checked' in html  # the draft's answer, not a pre-set one


def test_saving_again_keeps_it_a_draft_with_the_new_answers(client, draft):
    data = s42_form(kent_asc(), action="draft", version=draft.version, reason="Changed reason")
    response = client.post(_edit_url(draft), data)
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == ReferralStatus.DRAFT and draft.reason == "Changed reason"
    assert draft.s42_unable_to_protect_self is True
    assert Referral.objects.count() == 1
    entry = AccessLogEntry.objects.get(event="referral.draft_changed")
    assert entry.person == draft.person and entry.changes["old"]["status"] == "draft"


def test_continue_checks_the_answers_then_completes_the_draft(client, draft):
    data = s42_form(kent_asc(), version=draft.version, person_views="He wants it to stop")
    response = client.post(_edit_url(draft), data)
    assert response.status_code == 302
    check = response["Location"]
    assert check == f"{_edit_url(draft)}check/"
    html = client.get(check).content.decode()
    assert "Check your answers" in html and "He wants it to stop" in html
    assert f'href="{_edit_url(draft)}#id_reason"' in html
    draft.refresh_from_db()
    assert draft.status == ReferralStatus.DRAFT  # nothing is written until confirmed
    response = client.post(check)
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == ReferralStatus.READY_TO_SEND and draft.send_by is not None
    assert draft.person_views == "He wants it to stop" and draft.sent_at is None
    assert Referral.objects.count() == 1
    # It is no longer a draft: its questions lead back to the referral.
    assert client.get(_edit_url(draft))["Location"].endswith(f"/referrals/{draft.pk}/")


def test_bad_answers_show_the_error_summary_and_change_nothing(client, draft):
    data = s42_form(kent_asc(), action="draft", version=draft.version, reason="", urgency="x")
    response = client.post(_edit_url(draft), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "govuk-error-summary" in html and "Say why you are referring" in html
    draft.refresh_from_db()
    assert draft.reason == "Cuckooing: others are using his flat"


def test_a_stale_page_is_refused_and_changes_nothing(client, org, draft):
    services.referral_draft_change(
        referral_id=draft.pk,
        version=draft.version,
        actor=org["staff"]["practitioner"],
        kind=S42,
        agency_id=draft.agency_id,
        reason="Changed meanwhile",
        care_act_s42={
            "care_and_support_needs": {"indicated": True, "evidence": "x"},
            "experiencing_or_at_risk_of_abuse_or_neglect": {"indicated": True, "evidence": "y"},
            "unable_to_protect_self": {"indicated": False, "evidence": "z"},
        },
        abuse_categories=["self_neglect"],
        consent="given",
    )
    data = s42_form(kent_asc(), action="draft", version=draft.version, reason="Mine")
    response = client.post(_edit_url(draft), data)
    assert response.status_code == 200
    assert "govuk-error-summary" in response.content.decode()
    draft.refresh_from_db()
    assert draft.reason == "Changed meanwhile"


def test_a_draft_keeps_its_kind(org, draft):
    with pytest.raises(ValidationError):
        services.referral_draft_change(
            referral_id=draft.pk,
            version=draft.version,
            actor=org["staff"]["practitioner"],
            kind="adult_social_care_needs_assessment",
            agency_id=draft.agency_id,
            reason="x",
            consent="given",
        )
    draft.refresh_from_db()
    assert draft.kind == S42


def test_after_a_death_the_draft_cannot_be_changed(client, org, draft):
    record_death(draft.person, org["staff"]["practitioner"])
    data = s42_form(kent_asc(), action="draft", version=draft.version, reason="After")
    response = client.post(_edit_url(draft), data)
    assert response.status_code in (200, 409)
    draft.refresh_from_db()
    assert draft.reason == "Cuckooing: others are using his flat"
    assert not AccessLogEntry.objects.filter(event="referral.draft_changed").exists()


def test_others_cannot_open_the_draft(client, org, draft):
    client.force_login(org["staff"]["other_team_pp"])
    assert client.get(_edit_url(draft)).status_code == 404
    client.force_login(org["staff"]["inspector"])
    assert client.get(_edit_url(draft)).status_code == 403


def test_the_draft_questions_run_a_fixed_number_of_queries(client, draft):
    first = queries_for(client, _edit_url(draft))
    for _ in range(3):
        data = s42_form(kent_asc(), action="draft", version=Referral.objects.get().version)
        assert client.post(_edit_url(draft), data).status_code == 302
    assert queries_for(client, _edit_url(draft)) == first
