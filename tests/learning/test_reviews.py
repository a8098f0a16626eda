"""The review of a death: its states, reviewer independence, factors and actions, scoping and the
access log, through the services, the pages and the API."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from safeguard.core.models import AccessLogEntry, Role
from safeguard.learning import services
from safeguard.learning.models import DeathReview, Reclassification, ReviewFactor
from safeguard.learning.selectors import eligible_reviewers
from safeguard.people import services as people_services
from safeguard.people.models import Allocation
from tests.factories import PersonFactory, StaffFactory, exclude, restrict
from tests.helpers import bearer
from tests.learning.helpers import complete, record_death, start

PROBLEM = "application/problem+json"


def api_post(client, url, payload, staff):
    return client.post(url, payload, content_type="application/json", **bearer(staff))


@pytest.fixture
def review(org):
    return record_death(org["people"]["mine"], org["staff"]["spo"]).review


# ---- lifecycle ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_review_goes_notified_in_review_quality_assured_closed(org, review):
    colleague, spo, head = org["staff"]["colleague"], org["staff"]["spo"], org["staff"]["head"]
    complete(review, colleague, spo, factors=("SF01", "SF04"))
    review.refresh_from_db()
    assert review.status == "quality_assured" and review.quality_assured_by == spo
    services.review_transition(review_id=review.pk, to="closed", actor=head)
    review.refresh_from_db()
    assert review.status == "closed" and review.closed_by == head
    assert [t.to_status for t in review.transitions.all()] == [
        "in_review",
        "quality_assured",
        "closed",
    ]
    with pytest.raises(services.IllegalTransition):
        services.review_transition(review_id=review.pk, to="in_review", actor=head)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("setup", "to"),
    [
        ([], "quality_assured"),
        ([], "closed"),
        (["in_review"], "closed"),
        (["in_review"], "notified"),
    ],
)
def test_illegal_transitions_are_refused(org, review, setup, to):
    if "in_review" in setup:
        start(review, org["staff"]["colleague"], org["staff"]["spo"])
    with pytest.raises(services.IllegalTransition):
        services.review_transition(review_id=review.pk, to=to, actor=org["staff"]["head"])


@pytest.mark.django_db
def test_quality_assurance_needs_findings_and_someone_other_than_the_reviewer(org, review):
    colleague, spo = org["staff"]["colleague"], org["staff"]["spo"]
    start(review, colleague, spo)
    with pytest.raises(ValidationError) as caught:
        services.review_transition(review_id=review.pk, to="quality_assured", actor=spo)
    assert set(caught.value.message_dict) == {"summary", "learning"}
    review.refresh_from_db()
    services.review_findings_update(
        review_id=review.pk, version=review.version, summary="s", learning="l", actor=colleague
    )
    with pytest.raises(PermissionDenied):  # a practitioner is not a manager
        services.review_transition(review_id=review.pk, to="quality_assured", actor=colleague)
    services.review_transition(review_id=review.pk, to="quality_assured", actor=spo)
    with pytest.raises(ValidationError) as caught:  # sending back needs a note
        services.review_transition(review_id=review.pk, to="in_review", actor=spo)
    assert "note" in caught.value.message_dict
    services.review_transition(
        review_id=review.pk, to="in_review", note="More on housing", actor=spo
    )
    review.refresh_from_db()
    assert review.status == "in_review" and review.quality_assured_by is None


@pytest.mark.django_db
def test_a_manager_who_reviews_cannot_quality_assure_their_own_review(org, review):
    spo = org["staff"]["spo"]
    start(review, spo)
    review.refresh_from_db()
    services.review_findings_update(
        review_id=review.pk, version=review.version, summary="s", learning="l", actor=spo
    )
    with pytest.raises(PermissionDenied, match="reviewer cannot"):
        services.review_transition(review_id=review.pk, to="quality_assured", actor=spo)


@pytest.mark.django_db
def test_stale_findings_are_refused(org, review):
    colleague = org["staff"]["colleague"]
    start(review, colleague, org["staff"]["spo"])
    review.refresh_from_db()
    services.review_findings_update(
        review_id=review.pk, version=review.version, summary="a", learning="b", actor=colleague
    )
    with pytest.raises(services.StaleEdit):
        services.review_findings_update(
            review_id=review.pk, version=review.version, summary="c", learning="d", actor=colleague
        )


# ---- reviewer independence -----------------------------------------------------------------


@pytest.mark.django_db
def test_the_practitioner_cannot_review_their_own_case(org, review):
    pp = org["staff"]["practitioner"]
    with pytest.raises(ValidationError) as caught:
        start(review, pp)
    assert "reviewer" in caught.value.message_dict
    with pytest.raises(ValidationError):
        start(review, pp, org["staff"]["spo"])
    assert DeathReview.objects.get(pk=review.pk).status == "notified"
    assert pp not in eligible_reviewers(review=review)
    assert org["staff"]["colleague"] in eligible_reviewers(review=review)


@pytest.mark.django_db
def test_a_practitioner_who_held_the_case_in_the_last_12_months_is_not_independent(org):
    person = org["people"]["mine"]
    pp, colleague, spo = (org["staff"][k] for k in ("practitioner", "colleague", "spo"))
    people_services.person_allocate(
        person_id=person.pk,
        practitioner=colleague,
        team=org["team"],
        reason="workload",
        actor=spo,
        on=timezone.localdate() - dt.timedelta(days=100),
    )
    review = record_death(person, spo).review
    with pytest.raises(ValidationError):
        start(review, pp, spo)  # held it until 100 days ago
    with pytest.raises(ValidationError):
        start(review, colleague, spo)  # holds it now
    assert {s.username for s in eligible_reviewers(review=review)} >= {"spo", "head", "regional"}
    assert not {"pp", "pp2"} & {s.username for s in eligible_reviewers(review=review)}


@pytest.mark.django_db
def test_a_practitioner_who_held_the_case_long_ago_may_review(org):
    person = org["people"]["mine"]
    pp, colleague, spo = (org["staff"][k] for k in ("practitioner", "colleague", "spo"))
    Allocation.objects.filter(person=person).update(started_on=dt.date(2023, 1, 1))
    people_services.person_allocate(
        person_id=person.pk,
        practitioner=colleague,
        team=org["team"],
        reason="workload",
        actor=spo,
        on=timezone.localdate() - dt.timedelta(days=400),
    )
    review = record_death(person, spo).review
    start(review, pp, spo)
    assert DeathReview.objects.get(pk=review.pk).reviewer == pp


@pytest.mark.django_db
def test_a_quality_assurer_must_be_independent_too(org):
    person = org["people"]["mine"]
    spo = org["staff"]["spo"]
    second_spo = StaffFactory(
        username="spo2", role=Role.SENIOR_PROBATION_OFFICER, teams=[org["team"]]
    )
    people_services.person_allocate(
        person_id=person.pk,
        practitioner=spo,
        team=org["team"],
        reason="absence",
        actor=second_spo,
        on=timezone.localdate() - dt.timedelta(days=50),
    )
    people_services.person_allocate(
        person_id=person.pk,
        practitioner=org["staff"]["practitioner"],
        team=org["team"],
        reason="other",
        actor=second_spo,
        on=timezone.localdate() - dt.timedelta(days=10),
    )
    review = record_death(person, second_spo).review
    start(review, org["staff"]["colleague"], second_spo)
    review.refresh_from_db()
    services.review_findings_update(
        review_id=review.pk,
        version=review.version,
        summary="s",
        learning="l",
        actor=org["staff"]["colleague"],
    )
    with pytest.raises(PermissionDenied, match="held this case"):
        services.review_transition(review_id=review.pk, to="quality_assured", actor=spo)
    services.review_transition(review_id=review.pk, to="quality_assured", actor=second_spo)


@pytest.mark.django_db
def test_a_reviewer_must_be_able_to_see_the_case(org, review):
    with pytest.raises(ValidationError, match="see this case"):
        start(review, org["staff"]["other_team_pp"], org["staff"]["regional"])
    with pytest.raises(PermissionDenied):  # a practitioner cannot hand the review to others
        start(review, org["staff"]["spo"], org["staff"]["colleague"])
    exclude(org["people"]["mine"], org["staff"]["colleague"])
    with pytest.raises(ValidationError, match="see this case"):
        start(review, org["staff"]["colleague"], org["staff"]["spo"])
    assert org["staff"]["colleague"] not in eligible_reviewers(review=review)


@pytest.mark.django_db
def test_restricted_cases_offer_only_listed_reviewers(org):
    person = org["people"]["colleagues"]
    restrict(person, org["staff"]["colleague"], org["staff"]["spo"], org["staff"]["head"])
    review = record_death(person, org["staff"]["spo"]).review
    assert {s.username for s in eligible_reviewers(review=review)} == {"spo", "head"}


# ---- factors, findings, actions, reclassification -----------------------------------------


@pytest.mark.django_db
def test_only_the_reviewer_codes_factors_while_in_review(org, review):
    colleague = org["staff"]["colleague"]
    with pytest.raises(services.IllegalTransition):
        services.review_factor_code(
            review_id=review.pk, factor="SF01", evidence="e", actor=colleague
        )
    start(review, colleague, org["staff"]["spo"])
    with pytest.raises(PermissionDenied):
        services.review_factor_code(
            review_id=review.pk, factor="SF01", evidence="e", actor=org["staff"]["spo"]
        )
    _, created = services.review_factor_code(
        review_id=review.pk, factor="sf01", evidence="Released homeless", actor=colleague
    )
    assert created
    _, created = services.review_factor_code(
        review_id=review.pk, factor="SF01", evidence="Released to a tent", actor=colleague
    )
    assert not created and ReviewFactor.objects.get().evidence == "Released to a tent"
    for factor, evidence, field in [("SF99", "e", "factor"), ("SF02", "  ", "evidence")]:
        with pytest.raises(ValidationError) as caught:
            services.review_factor_code(
                review_id=review.pk, factor=factor, evidence=evidence, actor=colleague
            )
        assert field in caught.value.message_dict
    services.review_factor_remove(
        review_id=review.pk, factor_id=ReviewFactor.objects.get().pk, actor=colleague
    )
    assert not ReviewFactor.objects.exists()


@pytest.mark.django_db
def test_actions_have_an_agency_an_owner_and_a_date(org, review):
    colleague, spo = org["staff"]["colleague"], org["staff"]["spo"]
    start(review, colleague, spo)
    with pytest.raises(ValidationError) as caught:
        services.review_action_add(
            review_id=review.pk,
            agency_type="",
            owner="",
            description="",
            due_on=timezone.localdate() - dt.timedelta(days=1),
            factor="XX",
            actor=colleague,
        )
    assert set(caught.value.message_dict) == {
        "agency_type",
        "owner",
        "description",
        "due_on",
        "factor",
    }
    action = services.review_action_add(
        review_id=review.pk,
        agency_type="adult_social_care",
        agency="Kent Adult Social Care",
        owner="Head of safeguarding",
        description="Agree an escalation route for rejected concerns",
        due_on=timezone.localdate() + dt.timedelta(days=60),
        factor="SF04",
        actor=colleague,
    )
    with pytest.raises(PermissionDenied):
        services.review_action_complete(
            review_id=review.pk,
            action_id=action.pk,
            completed_on=timezone.localdate(),
            actor=org["staff"]["practitioner"],
        )
    services.review_action_complete(
        review_id=review.pk, action_id=action.pk, completed_on=timezone.localdate(), actor=spo
    )
    with pytest.raises(services.IllegalTransition):
        services.review_action_complete(
            review_id=review.pk, action_id=action.pk, completed_on=timezone.localdate(), actor=spo
        )


@pytest.mark.django_db
def test_reclassification_keeps_its_history(org, review):
    spo = org["staff"]["spo"]
    services.death_reclassify(
        review_id=review.pk, circumstances="drug_related", reason="Inquest conclusion", actor=spo
    )
    change = Reclassification.objects.get()
    assert (change.from_circumstances, change.to_circumstances) == (
        "self_inflicted",
        "drug_related",
    )
    review.notification.refresh_from_db()
    assert review.notification.circumstances == "drug_related"
    for circumstances, reason, field in [
        ("drug_related", "again", "circumstances"),
        ("alien", "x", "circumstances"),
        ("homicide", "", "reason"),
    ]:
        with pytest.raises(ValidationError) as caught:
            services.death_reclassify(
                review_id=review.pk, circumstances=circumstances, reason=reason, actor=spo
            )
        assert field in caught.value.message_dict
    with pytest.raises(PermissionDenied):
        services.death_reclassify(
            review_id=review.pk,
            circumstances="homicide",
            reason="x",
            actor=org["staff"]["colleague"],
        )
    # The snapshot is untouched by reclassification.
    assert review.notification.snapshot.data["person"]["crn"] == "A000001"


# ---- pages ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_review_through_the_pages(client, org, review):
    colleague, spo, head = org["staff"]["colleague"], org["staff"]["spo"], org["staff"]["head"]
    base = f"/learning/reviews/{review.pk}"
    client.force_login(spo)
    detail = client.get(f"{base}/").content.decode()
    assert "Start the review" in detail and "The case when the death was recorded" in detail
    start_page = client.get(f"{base}/start/").content.decode()
    assert f'value="{colleague.pk}"' in start_page
    assert f'value="{org["staff"]["practitioner"].pk}"' not in start_page
    bad = client.post(f"{base}/start/", {"reviewer": ""})
    assert "Choose the reviewer" in bad.content.decode()
    assert client.post(f"{base}/start/", {"reviewer": colleague.pk}).status_code == 302

    client.force_login(colleague)
    assert "Code a systemic factor" in client.get(f"{base}/").content.decode()
    assert client.get(f"{base}/factors/").status_code == 200
    bad = client.post(f"{base}/factors/", {"factor": "SF01", "evidence": ""})
    assert "Enter the evidence for the factor" in bad.content.decode()
    ok = client.post(f"{base}/factors/", {"factor": "SF01", "evidence": "Released homeless"})
    assert ok.status_code == 302
    findings = client.get(f"{base}/findings/").content.decode()
    version = DeathReview.objects.get(pk=review.pk).version
    assert f'value="{version}"' in findings
    ok = client.post(
        f"{base}/findings/",
        {"version": version, "summary": "What happened", "learning": "Housing before release"},
    )
    assert ok.status_code == 302
    stale = client.post(f"{base}/findings/", {"version": version, "summary": "x", "learning": "y"})
    assert "Someone else changed this review" in stale.content.decode()
    bad = client.post(
        f"{base}/actions/",
        {"agency_type": "", "owner": "x", "description": "d", "due_on": "01/01/2000"},
    )
    html = bad.content.decode()
    assert (
        "Choose the agency the action is for" in html and "must be today or in the future" in html
    )
    ok = client.post(
        f"{base}/actions/",
        {
            "agency_type": "housing",
            "agency": "Canterbury Housing Options",
            "owner": "Head of housing options",
            "description": "Accommodation before release",
            "due_on": (timezone.localdate() + dt.timedelta(days=30)).strftime("%d/%m/%Y"),
            "factor": "SF01",
        },
    )
    assert ok.status_code == 302
    assert client.get(f"{base}/move/?to=quality_assured").status_code == 403
    assert client.post(f"{base}/move/", {"to": "quality_assured"}).status_code == 403

    client.force_login(spo)
    assert client.get(f"{base}/move/?to=quality_assured").status_code == 200
    assert client.post(f"{base}/move/", {"to": "quality_assured"}).status_code == 302
    assert client.post(f"{base}/move/", {"to": "bogus"}).status_code == 404
    client.force_login(head)
    assert "Close the review" in client.get(f"{base}/").content.decode()
    assert client.post(f"{base}/move/", {"to": "closed"}).status_code == 302
    again = client.post(f"{base}/move/", {"to": "closed"})
    assert "cannot move to closed" in again.content.decode()
    assert DeathReview.objects.get(pk=review.pk).status == "closed"
    action = review.actions.get()
    done = client.post(
        f"{base}/actions/{action.pk}/done/",
        {"completed_on": timezone.localdate().strftime("%d/%m/%Y")},
    )
    assert done.status_code == 302
    reclass = client.post(f"{base}/reclassify/", {"circumstances": "", "reason": ""})
    assert "Choose the circumstances" in reclass.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("staff_key", "expected"),
    [
        ("practitioner", 200),
        ("spo", 200),
        ("head", 200),
        ("regional", 200),
        ("national", 200),
        ("inspector", 200),
        ("other_team_pp", 404),
        ("far_regional", 404),
        ("no_role", 403),  # no role, no capabilities
    ],
)
def test_the_review_page_is_scoped_and_audited(client, org, review, staff_key, expected):
    staff = org["staff"][staff_key]
    client.force_login(staff)
    response = client.get(f"/learning/reviews/{review.pk}/")
    assert response.status_code == expected
    action = "view_person" if expected == 200 else "refused"
    assert AccessLogEntry.objects.filter(actor=staff, action=action).exists()
    listing = client.get("/learning/reviews/").content.decode()
    assert (f"/learning/reviews/{review.pk}/" in listing) == (expected == 200)


@pytest.mark.django_db
def test_excluded_staff_cannot_see_the_review(client, org, review):
    exclude(org["people"]["mine"], org["staff"]["national"])
    client.force_login(org["staff"]["national"])
    assert client.get(f"/learning/reviews/{review.pk}/").status_code == 404
    assert (
        f"/learning/reviews/{review.pk}/" not in client.get("/learning/reviews/").content.decode()
    )


@pytest.mark.django_db
def test_review_pages_run_a_fixed_number_of_queries(client, org):
    spo = org["staff"]["spo"]
    client.force_login(org["staff"]["regional"])
    reviews = [record_death(org["people"]["mine"], spo).review]
    client.get("/learning/reviews/")
    counts = []
    for _ in range(2):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/learning/reviews/").status_code == 200
        counts.append(len(ctx.captured_queries))
        for _ in range(4):
            person = PersonFactory(team=org["team"], practitioner=org["staff"]["practitioner"])
            reviews.append(record_death(person, spo).review)
    assert counts[0] == counts[1]
    detail_counts = []
    for review in (reviews[0], reviews[-1]):
        complete(review, org["staff"]["colleague"], spo, factors=("SF01", "SF02", "SF03"))
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(f"/learning/reviews/{review.pk}/").status_code == 200
        detail_counts.append(len(ctx.captured_queries))
    assert detail_counts[0] == detail_counts[1]


# ---- API ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_review_api(client, org, review):
    colleague, spo = org["staff"]["colleague"], org["staff"]["spo"]
    url = f"/api/v1/death-reviews/{review.pk}"
    body = client.get(url, **bearer(spo)).json()
    assert body["status"] == "notified" and body["snapshot"]["person"]["crn"] == "A000001"

    refused = api_post(client, f"{url}/transition", {"to": "in_review", "reviewer": "pp"}, spo)
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "reviewer"
    unknown = api_post(client, f"{url}/transition", {"to": "in_review", "reviewer": "ghost"}, spo)
    assert unknown.status_code == 422
    illegal = api_post(client, f"{url}/transition", {"to": "closed"}, spo)
    assert illegal.status_code == 409 and illegal["Content-Type"] == PROBLEM
    bad_state = api_post(client, f"{url}/transition", {"to": "finished"}, spo)
    assert bad_state.status_code == 422 and bad_state.json()["errors"][0]["field"] == "to"
    ok = api_post(client, f"{url}/transition", {"to": "in_review", "reviewer": "pp2"}, spo)
    assert ok.status_code == 200 and ok.json()["reviewer"] == "pp2"

    factor = api_post(
        client, f"{url}/factors", {"factor": "SF09", "evidence": "No MH service"}, colleague
    )
    assert factor.status_code == 201 and factor.json()["factors"][0]["code"] == "SF09"
    recoded = api_post(
        client, f"{url}/factors", {"factor": "SF09", "evidence": "Updated"}, colleague
    )
    assert recoded.status_code == 200 and recoded.json()["factors"][0]["evidence"] == "Updated"
    not_reviewer = api_post(client, f"{url}/factors", {"factor": "SF01", "evidence": "e"}, spo)
    assert not_reviewer.status_code == 403
    unknown = api_post(client, f"{url}/factors", {"factor": "ZZ1", "evidence": "e"}, colleague)
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "factor"
    missing = api_post(client, f"{url}/factors", {"factor": "SF01"}, colleague)
    assert missing.status_code == 422 and missing.json()["errors"][0]["field"] == "evidence"

    listing = client.get("/api/v1/death-reviews?status=in_review&region=KSS", **bearer(spo)).json()
    assert listing["count"] == 1
    assert listing["items"][0] == {
        "id": review.pk,
        "crn": "A000001",
        "status": "in_review",
        "circumstances": "self_inflicted",
        "date_of_death": review.notification.date_of_death.isoformat(),
    }
    assert client.get("/api/v1/death-reviews?region=NE", **bearer(spo)).json()["count"] == 0
    bad_region = client.get("/api/v1/death-reviews?region=Atlantis", **bearer(spo))
    assert bad_region.status_code == 422 and bad_region.json()["errors"][0]["field"] == "region"
    bad_status = client.get("/api/v1/death-reviews?status=dead", **bearer(spo))
    assert bad_status.status_code == 422


@pytest.mark.django_db
def test_the_review_api_is_scoped_and_audited(client, org, review):
    url = f"/api/v1/death-reviews/{review.pk}"
    far = org["staff"]["far_regional"]
    assert client.get(url, **bearer(far)).status_code == 404
    assert client.get("/api/v1/death-reviews", **bearer(far)).json()["count"] == 0
    assert api_post(client, f"{url}/transition", {"to": "in_review"}, far).status_code == 404
    assert (
        api_post(client, f"{url}/factors", {"factor": "SF01", "evidence": "e"}, far).status_code
        == 404
    )
    assert (
        client.get("/api/v1/death-reviews/999999", **bearer(org["staff"]["national"])).status_code
        == 404
    )
    assert AccessLogEntry.objects.filter(actor=far, action="refused", channel="api").count() == 3
    assert AccessLogEntry.objects.filter(actor=far, action="list_people", channel="api").exists()
    regional = org["staff"]["regional"]
    assert client.get(url, **bearer(regional)).status_code == 200
    assert AccessLogEntry.objects.filter(
        actor=regional, action="view_person", channel="api", person=org["people"]["mine"]
    ).exists()
    inspector = api_post(
        client, f"{url}/transition", {"to": "in_review"}, org["staff"]["inspector"]
    )
    assert inspector.status_code == 403


REVIEW_PAGES = [
    ("get", ""),
    ("get", "start/"),
    ("get", "move/?to=quality_assured"),
    ("get", "findings/"),
    ("get", "factors/"),
    ("get", "actions/"),
    ("get", "actions/1/done/"),
    ("get", "reclassify/"),
    ("post", "factors/1/remove/"),
    ("post", "move/"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("method", "path"), REVIEW_PAGES)
def test_every_review_page_answers_404_out_of_scope_and_logs_it(client, org, review, method, path):
    for key in ("far_regional", "other_team_pp"):
        staff = org["staff"][key]
        client.force_login(staff)
        response = getattr(client, method)(f"/learning/reviews/{review.pk}/{path}")
        assert response.status_code == 404
        assert AccessLogEntry.objects.filter(actor=staff, action="refused").exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path", ["start/", "findings/", "factors/", "actions/", "move/?to=closed", "reclassify/"]
)
def test_review_pages_in_scope_are_audited_and_guarded(client, org, review, path):
    colleague = org["staff"]["colleague"]
    client.force_login(colleague)
    response = client.get(f"/learning/reviews/{review.pk}/{path}")
    # Not the reviewer (nobody is yet): only starting the review is open to a practitioner.
    assert response.status_code == (200 if path == "start/" else 403)
    assert AccessLogEntry.objects.filter(
        actor=colleague, action="view_person", person=org["people"]["mine"]
    ).exists()
