"""The referral as a PDF (to attach to the agency's portal or a secure email), and the cost of
the referral pages in queries."""

import pytest

from safeguard.core.models import AccessLogEntry
from safeguard.referrals.models import Referral
from tests.factories import RejectedReferralFactory, exclude
from tests.helpers import queries_for
from tests.pdfs import pdf_text, require_weasyprint
from tests.referrals.test_pages import S42, kent_asc, make_referral, s42_form


@pytest.fixture
def ready_referral(client, org):
    person = org["people"]["mine"]
    client.force_login(org["staff"]["practitioner"])
    make_referral(client, person)
    return Referral.objects.get()


@pytest.mark.django_db
def test_the_pdf_carries_what_the_page_shows_under_a_filename_without_personal_data(
    client, org, ready_referral
):
    require_weasyprint()
    person = org["people"]["mine"]
    response = client.get(f"/people/{person.crn}/referrals/{ready_referral.pk}/referral.pdf")
    disposition = response["Content-Disposition"]
    assert disposition.startswith('attachment; filename="referral-adult-social-care-s42-')
    assert person.crn.lower() not in disposition.lower()
    assert person.last_name.lower() not in disposition.lower()
    assert "no-store" in response["Cache-Control"]
    text = pdf_text(response)
    for shown in (
        "Adult social care: safeguarding concern (Care Act s42)",
        "Kent Adult Social Care",
        person.full_name,
        person.crn,
        "Ready to send",
        "Cuckooing: others are using his flat",
        "Neighbours report visitors",
        "Financial or material abuse",
        "Self-neglect",
        "He wants the visitors to stop coming",
        "The person agreed to the referral",
        "OFFICIAL-SENSITIVE",
    ):
        assert shown in text, shown
    entry = AccessLogEntry.objects.get(event="referral.pdf_downloaded")
    assert entry.person_id == person.pk and entry.actor == org["staff"]["practitioner"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("staff_key", "expected"),
    [("colleague", 404), ("other_team_pp", 404), ("head", 200), ("no_role", 403)],
)
def test_the_pdf_is_checked_as_the_referral_page_is(client, org, staff_key, expected):
    require_weasyprint()
    person = org["people"]["mine"]
    referral = RejectedReferralFactory(person=person)
    exclude(person, org["staff"]["colleague"])
    client.force_login(org["staff"][staff_key])
    page = client.get(f"/people/{person.crn}/referrals/{referral.pk}/")
    pdf = client.get(f"/people/{person.crn}/referrals/{referral.pk}/referral.pdf")
    assert page.status_code == pdf.status_code == expected
    if expected != 200:
        assert not AccessLogEntry.objects.filter(event="referral.pdf_downloaded").exists()


@pytest.mark.django_db
def test_a_referral_of_another_person_is_not_found_under_this_persons_crn(client, org):
    other = RejectedReferralFactory(person=org["people"]["colleagues"])
    client.force_login(org["staff"]["practitioner"])
    mine = org["people"]["mine"]
    assert client.get(f"/people/{mine.crn}/referrals/{other.pk}/referral.pdf").status_code == 404


@pytest.mark.django_db
def test_the_referral_pages_cost_the_same_queries_whatever_was_recorded(client, org):
    """No N+1: the kind's questions, check your answers and the referral page cost the same
    however many agencies, categories and escalations there are."""
    from tests.assessments.helpers import record_screen

    person = org["people"]["mine"]
    pp = org["staff"]["practitioner"]
    client.force_login(pp)
    base = f"/people/{person.crn}/referrals/new/{S42}/"
    dtr = f"/people/{person.crn}/referrals/new/housing_duty_to_refer/"
    client.get(base)
    questions, housing = queries_for(client, base), queries_for(client, dtr)
    record_screen(person, pp)
    with_screen = queries_for(client, base)
    assert with_screen <= questions + 2  # the screen and its questionnaire version

    one = s42_form(kent_asc(), abuse_categories=["neglect"])
    client.post(base, one)
    check_one = queries_for(client, f"{base}check/")
    every = s42_form(
        kent_asc(), abuse_categories=["neglect", "physical", "sexual", "domestic", "self_neglect"]
    )
    client.post(base, every)
    assert queries_for(client, f"{base}check/") == check_one
    assert queries_for(client, dtr) == housing

    client.post(f"{base}check/")
    referral = Referral.objects.get()
    detail = f"/people/{person.crn}/referrals/{referral.pk}/"
    first = queries_for(client, detail)
    rejected = RejectedReferralFactory(person=person, abuse_categories=["neglect"])
    many = RejectedReferralFactory(
        person=person, abuse_categories=["neglect", "physical", "sexual", "domestic"]
    )
    from safeguard.referrals import services

    for r in (rejected, many):
        services.escalation_raise(referral_id=r.pk, reason="Meets the test", actor=pp)
    one_rejected = queries_for(client, f"/people/{person.crn}/referrals/{rejected.pk}/")
    assert queries_for(client, f"/people/{person.crn}/referrals/{many.pk}/") == one_rejected
    assert first <= one_rejected
