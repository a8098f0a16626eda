"""Case audits: reproducible stratified samples, read-only snapshots, auditors and moderators,
disagreements resolved and recorded, results with intervals by PDU and question, exports,
scope, audit entries and bad input."""

import csv
import io
import json

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given, settings
from hypothesis import strategies as st

from safeguard.audits import services, tools
from safeguard.audits.models import AuditCase, AuditResolution
from safeguard.core.errors import IllegalTransition, NotPermitted
from safeguard.core.models import AccessLogEntry
from tests.factories import PersonFactory, RegistrationFactory
from tests.helpers import bearer

pytestmark = pytest.mark.django_db
TOOL = tools.current("vulnerability_case_audit")


@pytest.fixture
def cases(org, other_team_same_pdu):
    """12 RVLN or RVAD cases in the home PDU's two teams, 2 with ALSH only."""
    people = []
    for n in range(12):
        team = org["team"] if n % 2 else other_team_same_pdu
        person = PersonFactory(crn=f"R{n:06d}", team=team)
        RegistrationFactory(person=person, code="RVLN" if n % 3 else "RVAD")
        people.append(person)
    for n in range(2):
        RegistrationFactory(person=PersonFactory(crn=f"S{n:06d}", team=org["team"]), code="ALSH")
    return people


def _draw(actor, **changes):
    kwargs = {
        "title": "Vulnerable cases, autumn",
        "registers": ["RVLN", "RVAD"],
        "per_pdu": 5,
        "seed": 42,
        "moderation_percent": 40,
        "auditors": ["head", "regional"],
        "moderators": ["inspector", "national"],
        **changes,
    }
    return services.audit_exercise_create(**kwargs, actor=actor)


def _crns(exercise):
    return sorted(AuditCase.objects.filter(exercise=exercise).values_list("person__crn", flat=True))


def _answers(value="yes", **overrides):
    return {
        q.id: {"answer": overrides.get(q.id, value), "rationale": f"Seen in the case: {q.id}"}
        for q in TOOL.questions
    }


def test_the_same_seed_draws_the_same_cases(org, cases):
    national = org["staff"]["national"]
    first, again = _draw(national), _draw(national)
    assert _crns(first) == _crns(again) and len(_crns(first)) == 5
    assert _crns(_draw(national, seed=43)) != _crns(first)
    assert not any(c.startswith("S") for c in _crns(first))  # only the registers asked for
    moderated = lambda e: sorted(  # noqa: E731
        AuditCase.objects.filter(exercise=e, moderated=True).values_list("person__crn", flat=True)
    )
    assert moderated(first) == moderated(again) and len(moderated(first)) == 2
    entry = AccessLogEntry.objects.filter(event="audit.sample_drawn").first()
    assert entry.actor == national and "seed 42" in entry.detail


@given(seed=st.integers(0, 2**40), per_pdu=st.integers(1, 8))
@settings(max_examples=30, deadline=None)
def test_draw_sample_is_a_function_of_seed_and_cases(seed, per_pdu):
    from safeguard.people.models import Person

    people = Person.objects.none()
    assert services.draw_sample(people, per_pdu=per_pdu, seed=seed) == []
    ids = list(range(1, 30))
    a = services.moderation_sample(ids, percent=25, seed=seed)
    assert a == services.moderation_sample(list(reversed(ids)), percent=25, seed=seed)
    assert len(a) == round(len(ids) * 0.25)


def test_the_sample_is_stratified_by_pdu(org, cases):
    far = []
    for n in range(4):
        person = PersonFactory(crn=f"F{n:06d}", team=org["people"]["far"].team)
        RegistrationFactory(person=person, code="RVLN")
        far.append(person)
    exercise = _draw(
        org["staff"]["national"], per_pdu=3, auditors=[], moderators=[], moderation_percent=0
    )
    by_pdu = {}
    for case in AuditCase.objects.filter(exercise=exercise).select_related("pdu"):
        by_pdu[case.pdu.code] = by_pdu.get(case.pdu.code, 0) + 1
    assert sorted(by_pdu.values()) == [3, 3]
    # A regional lead draws only from the cases they can see.
    regional = _draw(org["staff"]["regional"], auditors=[], moderators=[], moderation_percent=0)
    assert {c.pdu_id for c in AuditCase.objects.filter(exercise=regional)} == {org["team"].pdu_id}


def test_the_snapshot_is_taken_at_sampling_and_never_changes(client, org, cases):
    exercise = _draw(org["staff"]["national"])
    case = AuditCase.objects.filter(exercise=exercise).first()
    before = case.snapshot
    assert before["crn"] == case.person.crn
    assert {r["code"] for r in before["registrations"]} & {"RVLN", "RVAD"}
    RegistrationFactory(person=case.person, code="ALSH")
    case.refresh_from_db()
    assert case.snapshot == before
    client.force_login(org["staff"]["national"])
    page = client.get(f"/audits/{exercise.pk}/cases/{case.pk}/").content.decode()
    assert case.person.crn in page and "ALSH" not in page
    assert AccessLogEntry.objects.filter(event="audit.snapshot_viewed", person=case.person).exists()


def test_auditing_and_moderation_with_a_disagreement_resolved_and_recorded(org, cases):
    national = org["staff"]["national"]
    exercise = _draw(national)
    case = (
        AuditCase.objects.filter(exercise=exercise, moderated=True)
        .select_related("auditor", "moderator")
        .first()
    )
    auditor, moderator = case.auditor, case.moderator
    assert auditor != moderator
    with pytest.raises(IllegalTransition):  # the moderator waits for the auditor
        services.audit_answers_record(
            exercise_id=exercise.pk, case_id=case.pk, answers=_answers(), actor=moderator
        )
    services.audit_answers_record(
        exercise_id=exercise.pk, case_id=case.pk, answers=_answers(), actor=auditor
    )
    with pytest.raises(IllegalTransition):  # answered once
        services.audit_answers_record(
            exercise_id=exercise.pk, case_id=case.pk, answers=_answers(), actor=auditor
        )
    case = services.audit_answers_record(
        exercise_id=exercise.pk,
        case_id=case.pk,
        answers=_answers(assessment_analyses_safety="no", referrals_made="not_applicable"),
        actor=moderator,
    )
    assert case.status == "disagreement"
    open_ones = [d["question"] for d in services.disagreements(case)]
    assert open_ones == ["assessment_analyses_safety", "referrals_made"]
    with pytest.raises(NotPermitted):
        services.audit_disagreement_resolve(
            exercise_id=exercise.pk,
            case_id=case.pk,
            question="referrals_made",
            final_answer="yes",
            note="x",
            actor=org["staff"]["regional"],
        )
    services.audit_disagreement_resolve(
        exercise_id=exercise.pk,
        case_id=case.pk,
        question="assessment_analyses_safety",
        final_answer="no",
        note="The plan does not say how she will be kept safe",
        actor=national,
    )
    case = services.audit_disagreement_resolve(
        exercise_id=exercise.pk,
        case_id=case.pk,
        question="referrals_made",
        final_answer="yes",
        note="The referral was needed and made",
        actor=national,
    )
    assert case.status == "complete"
    resolution = AuditResolution.objects.get(case=case, question="assessment_analyses_safety")
    assert (resolution.auditor_answer, resolution.moderator_answer, resolution.final_answer) == (
        "yes",
        "no",
        "no",
    )
    assert AccessLogEntry.objects.filter(event="audit.disagreement_resolved").count() == 2
    assert AccessLogEntry.objects.filter(event="audit.case_moderated", actor=moderator).exists()
    with pytest.raises(IllegalTransition):
        services.audit_disagreement_resolve(
            exercise_id=exercise.pk,
            case_id=case.pk,
            question="referrals_made",
            final_answer="no",
            note="again",
            actor=national,
        )


def test_only_the_assigned_auditor_answers(org, cases):
    exercise = _draw(org["staff"]["national"])
    case = AuditCase.objects.filter(exercise=exercise, auditor__username="head").first()
    with pytest.raises(NotPermitted):
        services.audit_answers_record(
            exercise_id=exercise.pk,
            case_id=case.pk,
            answers=_answers(),
            actor=org["staff"]["regional"],
        )


@pytest.mark.parametrize(
    "answers",
    [
        {},
        {"assessment_analyses_safety": {"answer": "yes", "rationale": "x"}},
        "not a dict",
    ],
)
def test_every_question_needs_an_answer_and_a_rationale(org, cases, answers):
    exercise = _draw(org["staff"]["national"])
    case = AuditCase.objects.filter(exercise=exercise, auditor__username="head").first()
    with pytest.raises(ValidationError):
        services.audit_answers_record(
            exercise_id=exercise.pk, case_id=case.pk, answers=answers, actor=org["staff"]["head"]
        )
    bad = _answers()
    bad["referrals_made"]["rationale"] = " "
    with pytest.raises(ValidationError):
        services.audit_answers_record(
            exercise_id=exercise.pk, case_id=case.pk, answers=bad, actor=org["staff"]["head"]
        )
    bad = _answers(referrals_made="maybe")
    with pytest.raises(ValidationError):
        services.audit_answers_record(
            exercise_id=exercise.pk, case_id=case.pk, answers=bad, actor=org["staff"]["head"]
        )


@pytest.mark.parametrize(
    "changes",
    [
        {"registers": []},
        {"registers": ["NOPE"]},
        {"per_pdu": 0},
        {"per_pdu": 10_000},
        {"seed": -1},
        {"moderation_percent": 101},
        {"title": ""},
        {"auditors": ["nobody"]},
        {"auditors": ["pp"]},  # a practitioner cannot audit
        {"moderators": []},
        {"registers": ["ALSH"], "pdus": ["NOPE"]},
    ],
)
def test_bad_exercises_are_refused(org, cases, changes):
    with pytest.raises(ValidationError):
        _draw(org["staff"]["national"], **changes)
    assert not AuditCase.objects.exists()


def test_drawing_needs_the_capability(org, cases):
    with pytest.raises(NotPermitted):
        _draw(org["staff"]["head"])


def _complete_everything(exercise, org):
    for case in AuditCase.objects.filter(exercise=exercise).select_related("auditor", "moderator"):
        answers = _answers("yes" if case.person.crn < "R000006" else "no")
        services.audit_answers_record(
            exercise_id=exercise.pk, case_id=case.pk, answers=answers, actor=case.auditor
        )
        if case.moderated:
            services.audit_answers_record(
                exercise_id=exercise.pk, case_id=case.pk, answers=answers, actor=case.moderator
            )


def test_results_by_pdu_and_question_with_intervals_and_exports(client, org, cases):
    national = org["staff"]["national"]
    exercise = _draw(national, per_pdu=12, moderation_percent=25)
    _complete_everything(exercise, org)
    response = client.get(f"/api/v1/audits/{exercise.pk}/results", **bearer(national))
    assert response.status_code == 200, response.content
    data = response.json()
    assert (data["cases"], data["complete"]) == (12, 12)
    row = next(
        r
        for r in data["rows"]
        if r["question"] == "assessment_analyses_safety" and r["pdu"] == "All"
    )
    # 6 of 12 (CRNs R000000 to R000005 answered yes): 50.0%, Wilson 25.4% to 74.6%.
    assert (row["count"], row["n"], row["percent"], row["ci_low"], row["ci_high"]) == (
        6,
        12,
        50.0,
        25.4,
        74.6,
    )
    client.force_login(national)
    page = client.get(f"/audits/{exercise.pk}/results/").content.decode()
    assert "50.0%" in page and "6 of 12" in page
    exported = client.get(f"/audits/{exercise.pk}/results.csv")
    assert exported["Content-Type"].startswith("text/csv")
    lines = list(csv.reader(io.StringIO(exported.content.decode())))
    assert lines[1][:3] == ["Section", "Question", "PDU"]
    assert client.get(f"/audits/{exercise.pk}/results.xlsx").status_code == 200
    assert AccessLogEntry.objects.filter(event="audit.results_viewed").count() == 4


def test_scope_a_case_one_may_not_see_is_not_found(client, org, cases):
    exercise = _draw(org["staff"]["national"])
    case = AuditCase.objects.filter(exercise=exercise).first()
    client.force_login(org["staff"]["far_regional"])
    assert client.get(f"/audits/{exercise.pk}/").status_code == 404
    assert client.get(f"/audits/{exercise.pk}/cases/{case.pk}/").status_code == 404
    response = client.get(f"/api/v1/audits/{exercise.pk}", **bearer(org["staff"]["far_regional"]))
    assert response.status_code == 404
    for role in ("practitioner", "spo"):
        client.force_login(org["staff"][role])
        assert client.get("/audits/").status_code == 403


def test_the_api_draws_reads_answers_and_refuses_bad_input(client, org, cases):
    national = org["staff"]["national"]
    body = {
        "title": "By API",
        "registers": ["RVLN", "RVAD"],
        "per_pdu": 4,
        "seed": 9,
        "moderation_percent": 0,
        "auditors": ["head"],
    }
    created = client.post(
        "/api/v1/audits", json.dumps(body), content_type="application/json", **bearer(national)
    )
    assert created.status_code == 201, created.content
    again = client.post(
        "/api/v1/audits", json.dumps(body), content_type="application/json", **bearer(national)
    )
    assert [c["crn"] for c in created.json()["cases"]] == [c["crn"] for c in again.json()["cases"]]
    exercise = created.json()
    detail = client.get(f"/api/v1/audits/{exercise['id']}", **bearer(org["staff"]["head"])).json()
    case_id = detail["cases"][0]["id"]
    url = f"/api/v1/audits/{exercise['id']}/cases/{case_id}/answers"
    head = bearer(org["staff"]["head"])
    answered = client.post(
        url, json.dumps({"answers": _answers()}), content_type="application/json", **head
    )
    assert answered.status_code == 200 and answered.json()["status"] == "complete"
    twice = client.post(
        url, json.dumps({"answers": _answers()}), content_type="application/json", **head
    )
    assert twice.status_code == 409
    for bad in (
        {"answers": {"x": {"answer": "maybe", "rationale": "r"}}},
        {"answers": {}},
        {"answers": "yes"},
    ):
        response = client.post(url, json.dumps(bad), content_type="application/json", **head)
        assert response.status_code in (409, 422), response.content
    for bad in ({**body, "per_pdu": 0}, {**body, "seed": "x"}, {**body, "registers": []}, {}):
        response = client.post(
            "/api/v1/audits", json.dumps(bad), content_type="application/json", **bearer(national)
        )
        assert response.status_code == 422, response.content
    assert (
        client.post(
            "/api/v1/audits",
            json.dumps(body),
            content_type="application/json",
            **bearer(org["staff"]["head"]),
        ).status_code
        == 403
    )


def test_the_audit_pages(client, org, cases, django_assert_max_num_queries):
    national = org["staff"]["national"]
    client.force_login(national)
    assert "Draw a new sample" in client.get("/audits/").content.decode()
    form = {
        "title": "From the page",
        "registers": "RVLN, RVAD",
        "per_pdu": "5",
        "seed": "11",
        "moderation_percent": "20",
        "auditors": "head, regional",
        "moderators": "inspector",
    }
    assert client.post("/audits/new/", form).status_code == 302
    bad = client.post("/audits/new/", {**form, "registers": "NOPE"})
    assert "govuk-error-summary" in bad.content.decode()
    exercise = AuditCase.objects.first().exercise
    with django_assert_max_num_queries(12):
        page = client.get(f"/audits/{exercise.pk}/")
    assert page.status_code == 200 and "R0000" in page.content.decode()
    case = AuditCase.objects.filter(exercise=exercise, auditor__username="head").first()
    client.force_login(org["staff"]["head"])
    form_page = client.get(f"/audits/{exercise.pk}/cases/{case.pk}/").content.decode()
    assert (
        "Does assessment sufficiently analyse how to keep the person on probation safe?"
        in form_page
    )
    data = {}
    for q in TOOL.questions:
        data[f"{q.id}-answer"] = "yes"
        data[f"{q.id}-rationale"] = "Seen"
    missing = client.post(
        f"/audits/{exercise.pk}/cases/{case.pk}/", {**data, "referrals_made-rationale": ""}
    )
    assert missing.status_code == 422 and "Give the reasons" in missing.content.decode()
    assert client.post(f"/audits/{exercise.pk}/cases/{case.pk}/", data).status_code == 302
    case.refresh_from_db()
    assert case.status in ("complete", "awaiting_moderation")


def test_a_case_is_reassigned_only_before_it_is_audited_and_to_someone_who_can_see_it(org, cases):
    national = org["staff"]["national"]
    exercise = _draw(national, moderation_percent=0)
    case = AuditCase.objects.filter(exercise=exercise).first()
    moved = services.audit_assign(
        exercise_id=exercise.pk, case_id=case.pk, auditor="inspector", actor=national
    )
    assert moved.auditor == org["staff"]["inspector"]
    assert AccessLogEntry.objects.filter(
        event="audit.auditors_assigned", person=case.person
    ).exists()
    with pytest.raises(ValidationError):
        services.audit_assign(
            exercise_id=exercise.pk, case_id=case.pk, auditor="far_regional", actor=national
        )
    with pytest.raises(NotPermitted):
        services.audit_assign(
            exercise_id=exercise.pk, case_id=case.pk, auditor="head", actor=org["staff"]["head"]
        )
    services.audit_answers_record(
        exercise_id=exercise.pk,
        case_id=case.pk,
        answers=_answers(),
        actor=org["staff"]["inspector"],
    )
    with pytest.raises(IllegalTransition):
        services.audit_assign(
            exercise_id=exercise.pk, case_id=case.pk, auditor="head", actor=national
        )
