"""The role x route matrix: every page route and every API operation, for every role, on a case
of one's own, a case one is excluded from, a restricted case, another team's case and the case
of someone who has died.

The expected answer for each comes from two written tables, not from the code under test:
the capability table (``capabilities.toml``) and ``VISIBLE`` below. Without the route's
capability: 403. With it, on a case one may not see: 404, exactly as for a case that does not
exist. With both, a read answers and a change to the dead person's case is refused with 409.
Every refused write leaves the case's records as they were.

A new route is covered without editing this file, as long as its parameters are ones the
``world`` knows; one with a new parameter fails here until it is added.
"""

import datetime as dt
import json
import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from safeguard.alerts.models import Alert, DutyRotaEntry
from safeguard.api.api import api
from safeguard.assessments.models import SafetyPlan, VulnerabilityScreen
from safeguard.core.capabilities import PUBLIC, Capability, capabilities_of
from safeguard.core.models import AccessLogEntry, WorkItem
from safeguard.engagement import services as engagement
from safeguard.engagement.models import Appointment, CheckIn, ReminderPreferences
from safeguard.learning.models import DeathReview
from safeguard.meetings import services as meetings_services
from safeguard.meetings.models import Meeting, MeetingAction
from safeguard.notify.models import Message
from safeguard.pathways import services as pathway_services
from safeguard.pathways.models import (
    ContactReduction,
    GPRegistration,
    HospitalAttendance,
    OfficeWish,
    PathwayOffer,
    RecordedNeed,
)
from safeguard.referrals import services as referrals
from safeguard.referrals.models import Agency, Escalation, Referral
from safeguard.registrations.models import Registration
from safeguard.releases.models import ReleasePlan, ReleasePlanItem
from tests.alerts.helpers import alert_on, urgent_item
from tests.assessments.helpers import answers, record_screen, save_plan
from tests.engagement.factories import AppointmentFactory, CheckInFactory
from tests.factories import (
    S42_ALL_MET,
    RegistrationFactory,
    RejectedReferralFactory,
    asc_agency,
    exclude,
    restrict,
)
from tests.helpers import bearer
from tests.learning.helpers import record_death
from tests.releases.helpers import in_custody, open_plan

ROLES = ("practitioner", "spo", "head", "regional", "national", "inspector", "admin", "no_role")
CASES = ("own", "excluded", "restricted", "other_team", "dead")
# Which cases each role may see. "excluded" is on every role's exclusion list; "restricted" is
# open only to the practitioner's colleague; "other_team" is a team in the same PDU.
VISIBLE = {
    "practitioner": {"own", "dead"},
    "spo": {"own", "dead"},
    "head": {"own", "dead", "other_team"},
    "regional": {"own", "dead", "other_team"},
    "national": {"own", "dead", "other_team"},
    "inspector": {"own", "dead", "other_team"},
    "admin": {"own", "dead", "other_team"},
    "no_role": set(),
}
# Parameters that name a case (or a record about one): a route with any of them is scoped.
CASE_PARAMS = {
    "crn",
    "registration_id",
    "pk",
    "screen_id",
    "referral_id",
    "escalation_id",
    "meeting_id",
    "appointment_id",
    "check_in_id",
    "request_id",
    "plan_id",
    "review_id",
    "work_item_id",
    "item_id",
    "audit_case_id",
    "case_id",
    "response_id",
    "offer_id",
    "reduction_id",
    "need_id",
}
# Routes about the review of a death exist only for the dead; the others have no review.
DEATH_ONLY_PARAMS = {"review_id", "factor_id"}
TODAY = timezone.localdate()


def _capability_of(view) -> str | None:
    return getattr(view, "capability", None)


# ---- the routes ------------------------------------------------------------------------------


def page_routes() -> list[tuple[str, object]]:
    """Every page route (not the admin, which Django guards by its own staff flag, and not the
    API, whose operations are listed from django-ninja itself)."""
    found = []

    def walk(patterns, prefix=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern):
                found.append((prefix + str(pattern.pattern), pattern.callback))

    walk(get_resolver().url_patterns)
    return [(r, v) for r, v in found if not r.startswith(("admin/", "api/"))]


def api_operations() -> list[tuple[str, str, object]]:
    found = []
    for prefix, router in api._routers:
        for path, path_view in router.path_operations.items():
            for operation in path_view.operations:
                for method in operation.methods:
                    found.append((method, f"/api/v1{prefix}{path}", operation.view_func))
    return found


def undeclared(pages, operations) -> list[str]:
    """The routes that declare no capability (``@requires`` or ``@public``)."""
    found = [r for r, view in pages if _capability_of(view) is None]
    return found + [f"{m} {p}" for m, p, view in operations if _capability_of(view) is None]


def test_every_route_declares_its_capability():
    assert undeclared(page_routes(), api_operations()) == []
    declared = {_capability_of(v) for _, v in page_routes()}
    declared |= {_capability_of(v) for _, _, v in api_operations()}
    assert declared <= {*Capability, PUBLIC}
    assert len(page_routes()) > 70 and len(api_operations()) > 40  # the walk found them


def test_a_route_without_a_capability_is_caught():
    def undeclared_view(request):
        raise AssertionError("never called")

    pages = [*page_routes(), ("new-page/", undeclared_view)]
    operations = [*api_operations(), ("GET", "/api/v1/new", undeclared_view)]
    assert undeclared(pages, operations) == ["new-page/", "GET /api/v1/new"]


# ---- the world -------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _pdfs_not_drawn(monkeypatch):
    """The matrix asks who gets an answer, not what a PDF holds (its own tests read the PDFs),
    and WeasyPrint takes up to 2 s a document: the template is still rendered with the real
    context, only the drawing is skipped."""
    monkeypatch.setattr(
        "safeguard.core.pdf.render_pdf", lambda *, html, base_url: b"%PDF-1.7\n%%EOF\n"
    )


@pytest.fixture
def world(org, other_team_same_pdu):
    """For each case, a person in custody with a record of every kind, made while the case was
    open; then the limits are applied and the dead person dies."""
    pp = org["staff"]["practitioner"]
    team = org["team"]
    police = Agency.objects.get(name="Kent Police")
    makers = {
        "own": (team, pp),
        "excluded": (team, pp),
        "restricted": (team, pp),
        "other_team": (other_team_same_pdu, org["staff"]["other_team_pp"]),
        "dead": (team, pp),
    }
    cases = {}
    for n, (case, (home, actor)) in enumerate(makers.items()):
        person = in_custody(home, actor, crn=f"M{n + 1:06d}")
        referral = RejectedReferralFactory(person=person, created_by=actor)
        meeting = meetings_services.meeting_create(
            meeting_type_code="MARAC",
            held_on=TODAY - dt.timedelta(days=2),
            pdu_id=home.pdu_id,
            person_ids=[person.pk],
            invited_agency_ids=[police.pk],
            actor=actor,
        )
        records = {
            "person": person,
            "registration": RegistrationFactory(person=person, owner=actor),
            "screen": record_screen(person, actor),
            "referral": referral,
            "escalation": referrals.escalation_raise(
                referral_id=referral.pk, reason="The threshold was misread", actor=actor
            ),
            "meeting": meeting,
            "meeting_action": meetings_services.meeting_add_action(
                meeting_id=meeting.pk,
                owner_agency_id=police.pk,
                description="Check the address",
                due_on=TODAY + dt.timedelta(days=7),
                actor=actor,
            ),
            "appointment": AppointmentFactory(person=person),
            "check_in": CheckInFactory(person=person),
            "travel": engagement.travel_request_create(
                person_id=person.pk, amount="4.50", mode="bus", actor=actor
            ),
            "plan": open_plan(person),
            "safety_plan": save_plan(person, actor),
            "offer": pathway_services.pathway_offer_record(
                person_id=person.pk, pathway="trauma_support", actor=actor
            ),
            "recorded_need": pathway_services.pathway_need_record(
                person_id=person.pk, need="maturity", actor=actor
            ),
            "reduction": ContactReduction.objects.create(
                person=person,
                kind="probation_reset",
                status="awaiting_decision",
                reasons=["near_release"],
                requested_by=actor,
                requested_at=timezone.now(),
            ),
        }
        records["work_item"] = WorkItem.objects.create(
            rule="registration_review_overdue",
            subject_type="registration",
            subject_id=records["registration"].pk,
            person=person,
            team=home,
            assigned_to=actor,
            priority="soon",
            due_on=TODAY,
        )
        cases[case] = records
    for key in ROLES:
        exclude(cases["excluded"]["person"], org["staff"][key])
    restrict(cases["restricted"]["person"], org["staff"]["colleague"])
    notification = record_death(cases["dead"]["person"], org["staff"]["spo"])
    cases["dead"]["review"] = DeathReview.objects.get(notification=notification)
    return cases


def _values(records: dict, param: str, route: str):
    """The value of one URL parameter, for this case's records."""
    if param == "action_id":
        return records["meeting_action"].pk if route.startswith("meetings/") else 999999
    simple = {
        "crn": lambda r: r["person"].crn,
        "registration_id": lambda r: r["registration"].pk,
        "pk": lambda r: r["screen"].pk,
        "screen_id": lambda r: r["screen"].pk,
        "referral_id": lambda r: r["referral"].pk,
        "escalation_id": lambda r: r["escalation"].pk,
        "meeting_id": lambda r: r["meeting"].pk,
        "appointment_id": lambda r: r["appointment"].pk,
        "check_in_id": lambda r: r["check_in"].pk,
        "request_id": lambda r: r["travel"].pk,
        "plan_id": lambda r: r["plan"].pk,
        "review_id": lambda r: r["review"].pk,
        # An urgent item on the case, with its alert (made when first asked for).
        "work_item_id": lambda r: _alerted_item(r).pk,
        # The duty rota of the practitioner's team and PDU; no rota entry exists.
        "team_id": lambda r: r["person"].team_id,
        "pdu_id": lambda r: r["person"].pdu_id,
        "entry_id": lambda r: 999999,
        "item_id": lambda r: r["work_item"].pk,
        "offer_id": lambda r: r["offer"].pk,
        "reduction_id": lambda r: r["reduction"].pk,
        "need_id": lambda r: r["recorded_need"].pk,
        "factor_id": lambda r: 999999,
        "key": lambda r: "gp_registration",
        "action": lambda r: "outcome",
        "kind": lambda r: "adult_social_care_s42",  # the kind of a new referral
        "fmt": lambda r: "csv",
        # An office tablet in the person's PDU, and a "you said, we did" action for it.
        "tablet_id": lambda r: _tablet(r).pk,
        "yswd_id": lambda r: _yswd(r).pk,
        # One audit exercise (drawn by the national lead) holding every case of the world.
        "exercise_id": lambda r: _audit_case(r).exercise_id,
        "id": lambda r: _audit_case(r).exercise_id,
        "audit_case_id": lambda r: _audit_case(r).pk,
        # A feedback response from the person, who asked to be contacted.
        "response_id": lambda r: _contact_request(r).pk,
        "case_id": lambda r: _audit_case(r).pk,
        "domain": lambda r: "suicide_self_harm",  # a section of the screen in steps
    }
    if param not in simple:
        raise AssertionError(f"{route}: teach the matrix the parameter {param!r}")
    return simple[param](records)


def _tablet(records: dict):
    from safeguard.feedback.models import Office, OfficeTablet, SurveyVersion

    pdu = records["person"].pdu
    office, _ = Office.objects.get_or_create(
        code=f"O{pdu.pk}", defaults={"name": "Office", "pdu": pdu, "location": "Office"}
    )
    return OfficeTablet.objects.create(
        token_hash=f"matrix-{office.pk}-{OfficeTablet.objects.count()}",
        office=office,
        survey=SurveyVersion.objects.get(code="people_on_probation", version=1),
        created_by=records["person"].practitioner,
        expires_at=timezone.now() + dt.timedelta(days=1),
    )


def _audit_case(records: dict):
    from safeguard.audits.models import AuditCase, AuditExercise
    from safeguard.audits.services import tool_row
    from safeguard.core.models import Staff

    exercise = AuditExercise.objects.filter(title="Matrix").first() or AuditExercise.objects.create(
        title="Matrix",
        tool=tool_row(),
        criteria={"registers": ["RVLN"], "pdus": [], "per_pdu": 5, "seed": 1},
        seed=1,
        created_by=Staff.objects.get(username="national"),
    )
    person = records["person"]
    return AuditCase.objects.get_or_create(
        exercise=exercise,
        person=person,
        defaults={"pdu_id": person.pdu_id, "snapshot": {}, "snapshot_taken_at": timezone.now()},
    )[0]


def _contact_request(records: dict):
    from safeguard.feedback.models import FeedbackResponse
    from safeguard.feedback.services import survey_row

    person = records["person"]
    return FeedbackResponse.objects.get_or_create(
        person=person,
        defaults={
            "survey": survey_row("people_on_probation"),
            "source": "link",
            "pdu_id": person.pdu_id,
            "answered_on": TODAY,
            "contact_requested": True,
        },
    )[0]


def _yswd(records: dict):
    from safeguard.feedback.models import YouSaidWeDid

    return YouSaidWeDid.objects.create(
        theme="feels_safe_at_office",
        you_said="The waiting room is crowded",
        we_did="More rooms",
        due_on=TODAY,
        pdu=records["person"].pdu,
        created_by=records["person"].practitioner,
    )


def _alerted_item(records: dict):
    item = urgent_item(records["person"], subject_id=records["check_in"].pk)
    alert_on(item)
    return item


def _url(route: str, records: dict) -> str:
    def fill(match):
        return str(_values(records, match.group("name"), route))

    path = re.sub(r"<(?:\w+:)?(?P<name>\w+)>", fill, route)
    return "/" + path if not path.startswith("/") else path


def _api_url(path: str, records: dict) -> str:
    return re.sub(r"\{(?P<name>\w+)\}", lambda m: str(_values(records, m["name"], path)), path)


def _params(route: str) -> set[str]:
    return set(re.findall(r"<(?:\w+:)?(\w+)>", route)) | set(re.findall(r"\{(\w+)\}", route))


def _fingerprint(world) -> tuple:
    """What a refused write must leave as it was: every record of every case, and the log of
    changes."""
    people = [records["person"].pk for records in world.values()]
    return (
        AccessLogEntry.objects.filter(action="change_person").count(),
        Message.objects.count(),
        sorted(Registration.objects.filter(person__in=people).values_list("pk", "version")),
        VulnerabilityScreen.objects.filter(person__in=people).count(),
        SafetyPlan.objects.filter(person__in=people).count(),
        sorted(Referral.objects.filter(person__in=people).values_list("pk", "version")),
        sorted(Escalation.objects.values_list("pk", "status")),
        sorted(Meeting.objects.values_list("pk", "version")),
        sorted(MeetingAction.objects.values_list("pk", "version")),
        sorted(Appointment.objects.filter(person__in=people).values_list("pk", "outcome")),
        ReminderPreferences.objects.count(),
        CheckIn.objects.filter(person__in=people).count(),
        sorted(ReleasePlan.objects.filter(person__in=people).values_list("pk", "version")),
        ReleasePlanItem.objects.count(),
        sorted(DeathReview.objects.values_list("pk", "version")),
        sorted(Alert.objects.values_list("pk", "status")),
        DutyRotaEntry.objects.count(),
        sorted(WorkItem.objects.values_list("pk", "assigned_to_id", "status")),
        sorted(PathwayOffer.objects.values_list("pk", "version")),
        sorted(RecordedNeed.objects.values_list("pk", "version")),
        sorted(ContactReduction.objects.values_list("pk", "status", "version")),
        HospitalAttendance.objects.count(),
        sorted(GPRegistration.objects.values_list("pk", "version")),
        sorted(OfficeWish.objects.values_list("pk", "version")),
    )


def _expected(staff, role: str, capability, case: str | None) -> int | None:
    """403, 404, or None for "answers" (the route's own rules then apply)."""
    if capability != PUBLIC and capability not in capabilities_of(staff):
        return 403
    if case is not None and case not in VISIBLE[role]:
        return 404
    return None


def _cases_for(route: str) -> list[str | None]:
    params = _params(route)
    if params & DEATH_ONLY_PARAMS:
        return ["dead"]
    return list(CASES) if params & CASE_PARAMS else [None]


PAGE_ROUTES = [r for r, view in page_routes() if _capability_of(view) != PUBLIC]


@pytest.mark.django_db
@pytest.mark.parametrize("route", PAGE_ROUTES)
def test_page_route_for_every_role_and_case(client, org, world, route):
    capability = _capability_of(dict(page_routes())[route])
    seen_answer = False
    for case in _cases_for(route):
        records = world[case] if case else world["own"]
        url = _url(route, records)
        for role in ROLES:
            client.force_login(org["staff"][role])
            expected = _expected(org["staff"][role], role, capability, case)
            response = client.get(url)
            if response.status_code == 405:  # a change with no page of its own: POST it
                before = _fingerprint(world)
                response = client.post(url, {})
                if expected is not None:
                    assert _fingerprint(world) == before, (role, case, url)
            elif expected is not None:
                before = _fingerprint(world)
                refused = client.post(url, {})
                assert refused.status_code in (expected, 405), (role, case, url)
                assert _fingerprint(world) == before, (role, case, url)
            if expected is None:
                refused_here = response.status_code == 403 and route not in ONE_PERSON_ROUTES
                assert response.status_code < 500 and not refused_here, (
                    role,
                    case,
                    url,
                    response.status_code,
                )
                seen_answer |= response.status_code != 404
            else:
                assert response.status_code == expected, (role, case, url, response.status_code)
    # The URL was a real one: someone got an answer other than "not found".
    assert seen_answer or route in NOT_FOUND_FOR_EVERYONE, route


# Routes whose sample URL is refused for everyone by the route's own rules, not by scope.
NOT_FOUND_FOR_EVERYONE = {
    "learning/reviews/<int:review_id>/factors/<int:factor_id>/remove/",  # no such factor
    "learning/reviews/<int:review_id>/actions/<int:action_id>/done/",  # no such action
    "people/<str:crn>/release/confirm-accommodation/",  # not released yet
    "people/<str:crn>/appointments/<int:appointment_id>/welfare-check/",  # not missed
    "learning/reviews/<int:review_id>/move/",  # the sample names no move
    "duty-rota/entries/<int:entry_id>/remove/",  # the sample names no entry
}
# Routes that, beyond the role's capability, allow only one person: the review's reviewer (or a
# manager), the holder of an escalation's level. Anyone else in a capable role gets 403.
ONE_PERSON_ROUTES = {
    "learning/reviews/<int:review_id>/findings/",
    "learning/reviews/<int:review_id>/factors/",
    "learning/reviews/<int:review_id>/factors/<int:factor_id>/remove/",
    "learning/reviews/<int:review_id>/actions/",
    "learning/reviews/<int:review_id>/actions/<int:action_id>/done/",
    "learning/reviews/<int:review_id>/reclassify/",
    "people/<str:crn>/referrals/<int:referral_id>/escalations/<int:escalation_id>/resolve/",
    "/escalations/{escalation_id}/resolve",
    "/death-reviews/{review_id}/factors",
    # Only a case's auditor or moderator answers it; only whoever drew the sample resolves.
    "/audits/{id}/cases/{case_id}/answers",
    "/audits/{id}/cases/{case_id}/resolutions",
    "audits/<int:exercise_id>/cases/<int:audit_case_id>/resolve/",
}


def _api_bodies(world) -> dict[tuple[str, str], dict]:
    """A valid body for each change, so that the answer is decided by who asks, not by a
    validation error first."""
    soon = (timezone.now() + dt.timedelta(days=3)).replace(microsecond=0).isoformat()
    return {
        ("POST", "/people/{crn}/registrations"): {"code": "ALSH", "start_date": str(TODAY)},
        ("POST", "/registrations/{registration_id}/review"): {"outcome": "continue"},
        ("POST", "/registrations/{registration_id}/end"): {"reason": "no_longer_applies"},
        ("POST", "/people/{crn}/referrals"): {
            "kind": "adult_social_care_s42",
            "agency": asc_agency().pk,
            "care_act_s42": S42_ALL_MET,
            "abuse_categories": ["financial_or_material"],
            "consent": {"consent_to_referral": True},
        },
        ("POST", "/referrals/{referral_id}/decision"): {"outcome": "accepted"},
        ("POST", "/referrals/{referral_id}/escalations"): {"reason": "Still no service"},
        ("POST", "/escalations/{escalation_id}/resolve"): {
            "response": "Reconsidered",
            "outcome": "decision_upheld",
        },
        ("POST", "/people/{crn}/vulnerability-screens"): {"version": 1, "answers": answers()},
        ("POST", "/people/{crn}/appointments"): {"starts_at": soon, "kind": "phone"},
        ("POST", "/appointments/{appointment_id}/reschedule"): {
            "starts_at": soon,
            "reason": "Ill",
        },
        ("POST", "/appointments/{appointment_id}/cancel"): {"reason": "Ill"},
        ("POST", "/appointments/{appointment_id}/outcome"): {"outcome": "attended"},
        ("PUT", "/people/{crn}/reminder-preferences"): {
            "channel": "none",
            "lead_times_hours": [],
            "summary": "none",
            "consent": False,
            "version": 0,
        },
        ("POST", "/people/{crn}/check-ins"): {"channel": "sms"},
        ("PATCH", "/release-plans/{plan_id}/items/{key}"): {"status": "in_progress", "version": 0},
        ("POST", "/people/{crn}/release"): {
            "released_on": str(TODAY),
            "accommodation_type": "settled",
            "address": "1 Elm Road",
        },
        ("POST", "/people/{crn}/death-notification"): {
            "date_of_death": str(TODAY - dt.timedelta(days=2)),
            "date_notified": str(TODAY - dt.timedelta(days=1)),
            "how_notified": "police",
            "circumstances": "drug_related",
        },
        ("POST", "/death-reviews/{review_id}/factors"): {"factor": "SF01", "evidence": "Seen"},
        ("POST", "/death-reviews/{review_id}/transition"): {"to": "in_review"},
        ("POST", "/feedback/responses"): {
            "survey": "people_on_probation",
            "responses": [{"answers": {"happy_with_support": "maybe"}}],
        },
        ("POST", "/audits"): {
            "title": "Matrix audit",
            "registers": ["RVLN"],
            "per_pdu": 1,
            "seed": 7,
        },
        ("POST", "/audits/{id}/cases/{case_id}/answers"): {
            "answers": {"assessment_analyses_safety": {"answer": "yes", "rationale": "Seen"}}
        },
        ("POST", "/audits/{id}/cases/{case_id}/resolutions"): {
            "question": "assessment_analyses_safety",
            "final_answer": "yes",
            "note": "Agreed",
        },
        ("POST", "/people/{crn}/pathway-offers"): {"pathway": "peer_mentoring"},
        ("POST", "/pathway-offers/{offer_id}/status"): {"status": "accepted", "version": 1},
        ("POST", "/people/{crn}/hospital-attendances"): {
            "kind": "emergency_department",
            "attended_on": str(TODAY),
            "source": "nhs",
            "reason": "overdose",
        },
        ("POST", "/people/{crn}/contact-reduction"): {"kind": "probation_reset"},
        ("POST", "/training/records"): {
            "records": [{"username": "pp", "course": "NOPE", "completed_on": str(TODAY)}]
        },
    }


API_OPERATIONS = [(m, p) for m, p, _ in api_operations()]


@pytest.mark.django_db
@pytest.mark.parametrize(("method", "path"), API_OPERATIONS)
def test_api_operation_for_every_role_and_case(client, org, world, method, path):
    view = next(v for m, p, v in api_operations() if (m, p) == (method, path))
    capability = _capability_of(view)
    short = path.removeprefix("/api/v1")
    body = _api_bodies(world).get((method, short))
    if method != "GET":
        assert body is not None, f"give the matrix a valid body for {method} {short}"
    for case in _cases_for(short):
        records = world[case] if case else world["own"]
        url = _api_url(path, records)
        for role in ROLES:
            expected = _expected(org["staff"][role], role, capability, case)
            before = _fingerprint(world)
            response = client.generic(
                method,
                url,
                data=None if body is None else json.dumps(body),
                content_type="application/json",
                **bearer(org["staff"][role]),
            )
            if expected is not None:
                assert response.status_code == expected, (role, case, url, response.content)
                assert response["Content-Type"] == "application/problem+json"
                assert _fingerprint(world) == before, (role, case, url)
                continue
            refused_here = response.status_code == 403 and short not in ONE_PERSON_ROUTES
            assert response.status_code < 500 and not refused_here, (
                role,
                case,
                url,
                response.content,
            )
            if case == "dead" and method != "GET" and capability == Capability.CHANGE_CASES:
                # The record is closed: the change is refused and nothing is written.
                assert response.status_code == 409, (role, url, response.content)
                assert _fingerprint(world) == before, (role, url)


# ---- public routes: signing in, single sign-on, the second factor, the health check --------

PUBLIC_PAGE_ROUTES = [
    r for r, view in page_routes() if _capability_of(view) == PUBLIC and not _params(r)
]
SSO_AND_MFA = {
    "OIDC_ENABLED": True,
    "OIDC_RP_CLIENT_ID": "safeguard",
    "OIDC_RP_CLIENT_SECRET": "s3cret",
    "OIDC_OP_ISSUER": "https://sign-in.example.gov.uk",
    "OIDC_OP_AUTHORIZATION_ENDPOINT": "https://sign-in.example.gov.uk/authorize",
    "OIDC_OP_TOKEN_ENDPOINT": "https://sign-in.example.gov.uk/token",
    "OIDC_OP_USER_ENDPOINT": "https://sign-in.example.gov.uk/userinfo",
    "OIDC_OP_JWKS_ENDPOINT": "https://sign-in.example.gov.uk/jwks",
    "SAFEGUARD_REQUIRE_MFA": True,
}


def test_the_sign_in_routes_are_public_routes():
    for route in (
        "sign-in/",
        "sign-in/sso/",
        "sign-in/sso/callback/",
        "sign-in/two-factor/",
        "sign-in/two-factor/set-up/",
        "sign-in/two-factor/recovery-codes/",
    ):
        assert route in PUBLIC_PAGE_ROUTES, route


@pytest.mark.django_db
@pytest.mark.parametrize("configuration", ["plain", "sso_and_mfa"])
@pytest.mark.parametrize("route", PUBLIC_PAGE_ROUTES)
def test_public_page_route_for_every_role_and_for_nobody(
    client, org, settings, route, configuration
):
    """No role, and nobody signed in, gets a server error from a public route, with single
    sign-on and the second factor off or on; and none of them opens a case-bearing page to an
    unverified password sign-in."""
    if configuration == "sso_and_mfa":
        for name, value in SSO_AND_MFA.items():
            setattr(settings, name, value)
    url = "/" + route
    for role in (None, *ROLES):
        client.logout()
        if role is not None:
            client.force_login(org["staff"][role])
        for method in ("get", "post"):
            response = getattr(client, method)(url, {})
            assert response.status_code < 500, (role, method, url, response.status_code)
            location = response.get("Location", "")
            if configuration == "sso_and_mfa" and role is not None and location:
                # Where a public page sends an unverified password sign-in, it is sent on to
                # the second factor before anything else opens.
                onward = client.get(location.removeprefix("http://testserver"))
                assert onward.status_code < 500, (role, url, location)
                if location.startswith("/") and not location.startswith("/sign-"):
                    assert onward.status_code == 302, (role, url, location)
                    assert onward["Location"].startswith("/sign-in/two-factor/"), (role, url)


# ---- integrated mode (SAFEGUARD_CASE_SOURCE=delius) ---------------------------------------------

# What nDelius owns in integrated mode: the routes that change a person's details, allocation,
# registrations or custody. Written here, not read from the code under test.
DELIUS_OWNED_OPERATIONS = {
    ("POST", "/people/{crn}/registrations"),
    ("POST", "/registrations/{registration_id}/review"),
    ("POST", "/registrations/{registration_id}/end"),
    ("POST", "/people/{crn}/release"),
}
DELIUS_OWNED_PAGES = {
    "people/<str:crn>/details/",
    "people/<str:crn>/registrations/add/",
    "people/<str:crn>/registrations/<int:registration_id>/review/",
    "people/<str:crn>/registrations/<int:registration_id>/end/",
    "people/<str:crn>/release/",
}
WRITE_OPERATIONS = [(m, p) for m, p in API_OPERATIONS if m != "GET"]


def test_the_integrated_mode_tables_name_real_routes():
    shorts = {(m, p.removeprefix("/api/v1")) for m, p in WRITE_OPERATIONS}
    assert shorts >= DELIUS_OWNED_OPERATIONS
    assert set(PAGE_ROUTES) >= DELIUS_OWNED_PAGES


@pytest.mark.django_db
@pytest.mark.parametrize(("method", "path"), WRITE_OPERATIONS)
def test_api_change_in_integrated_mode_for_every_role_and_case(
    client, org, world, settings, method, path
):
    """In integrated mode the changes nDelius owns are 409 "change it in nDelius" for everyone
    who could otherwise make them, and write nothing; scope and capability still come first
    (403, 404), and every other change is answered as in standalone."""
    settings.SAFEGUARD_CASE_SOURCE = "delius"
    view = next(v for m, p, v in api_operations() if (m, p) == (method, path))
    capability = _capability_of(view)
    short = path.removeprefix("/api/v1")
    body = _api_bodies(world)[(method, short)]
    owned = (method, short) in DELIUS_OWNED_OPERATIONS
    for case in _cases_for(short):
        records = world[case] if case else world["own"]
        url = _api_url(path, records)
        for role in ROLES:
            expected = _expected(org["staff"][role], role, capability, case)
            before = _fingerprint(world)
            response = client.generic(
                method,
                url,
                data=json.dumps(body),
                content_type="application/json",
                **bearer(org["staff"][role]),
            )
            if expected is not None:
                assert response.status_code == expected, (role, case, url, response.content)
                assert _fingerprint(world) == before, (role, case, url)
                continue
            assert response.status_code < 500, (role, case, url, response.content)
            refused_by_delius = (
                response.status_code == 409
                and response.json().get("title") == "Change it in nDelius"
            )
            if owned and capability == Capability.CHANGE_CASES:
                assert refused_by_delius, (role, case, url, response.content)
                assert response["Content-Type"] == "application/problem+json"
                assert _fingerprint(world) == before, (role, case, url)
            else:
                assert not refused_by_delius, (role, case, url)


@pytest.mark.django_db
@pytest.mark.parametrize("route", sorted(DELIUS_OWNED_PAGES))
def test_page_for_an_ndelius_fact_in_integrated_mode(client, org, world, settings, route):
    """The page says, as a GOV.UK error, to change it in nDelius; a POST writes nothing."""
    settings.SAFEGUARD_CASE_SOURCE = "delius"
    capability = _capability_of(dict(page_routes())[route])
    for case in _cases_for(route):
        url = _url(route, world[case])
        for role in ROLES:
            client.force_login(org["staff"][role])
            expected = _expected(org["staff"][role], role, capability, case)
            response = client.get(url)
            if expected is not None:
                assert response.status_code == expected, (role, case, url)
                continue
            html = response.content.decode()
            assert response.status_code == 200, (role, case, url, response.status_code)
            assert "govuk-error-summary" in html and "Change it in nDelius" in html, (role, url)
            before = _fingerprint(world)
            client.post(url, {})
            assert _fingerprint(world) == before, (role, case, url)
