"""schemathesis over the whole API (issue 13 part 2), in process through Django's WSGI app, on
the test database (SQLite or PostgreSQL, whichever the run uses), with real CRNs and ids so that
operations get past 404, as a regional lead (the role with most capabilities).

Fails on any 5xx, on a status code or content type the OpenAPI document does not state for the
operation, and on a response body or header that does not match its schema. A request that the
schema allows but the service refuses (a 422 for a date outside its window, say) is fine: the
bounds are in the document as descriptions where JSON Schema cannot state them.

``SAFEGUARD_FUZZ_EXAMPLES`` sets the examples per operation (default 12; the run adds about a
minute per database on two cores)."""

import json
import os
import secrets

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.utils import timezone
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from safeguard.api.api import api
from safeguard.core.models import ApiToken
from tests.engagement.factories import AppointmentFactory
from tests.factories import (
    RegistrationFactory,
    RejectedReferralFactory,
    SentReferralFactory,
    asc_agency,
)

EXAMPLES = int(os.environ.get("SAFEGUARD_FUZZ_EXAMPLES", "12"))

schema = schemathesis.openapi.from_dict(json.loads(json.dumps(api.get_openapi_schema())))
schema.app = get_wsgi_application()

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]


@pytest.fixture
def wsgi_keeps_the_test_connection():
    """Django closes the database connection when a request through its WSGI handler ends;
    its test client stops that, and so must a test that calls the WSGI app itself (on
    PostgreSQL the test's transaction would be lost)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def seeded(org, wsgi_keeps_the_test_connection):
    """One of each thing the API names by id, around the regional lead's region."""
    from safeguard.learning import services as learning_services
    from safeguard.referrals import services as referral_services
    from safeguard.releases import selectors as release_selectors
    from tests.releases.helpers import in_custody, open_plan

    regional = org["staff"]["regional"]
    mine = org["people"]["mine"]
    agency = asc_agency()
    referral = SentReferralFactory(person=mine, agency=agency)
    rejected = RejectedReferralFactory(person=mine, agency=agency)
    escalation = referral_services.escalation_raise(
        referral_id=rejected.pk, reason="No reason given", actor=regional
    )
    appointment = AppointmentFactory(person=mine)
    registration = RegistrationFactory(person=mine)
    custody = in_custody(org["team"], org["staff"]["practitioner"])
    plan = open_plan(custody)
    key = release_selectors.plan_checklist(release_selectors.plan_with_readiness(plan.pk))[0].key
    notification = learning_services.death_notification_record(
        person_id=org["people"]["colleagues"].pk,
        date_of_death=timezone.localdate(),
        date_notified=timezone.localdate(),
        how_notified="police",
        circumstances="natural_causes",
        place="Home",
        actor=regional,
    )
    token = secrets.token_urlsafe(24)
    ApiToken.objects.create(staff=regional, token_hash=ApiToken.hash_token(token))
    return {
        "token": token,
        "path": {
            "crn": mine.crn,
            "referral_id": referral.pk,
            "escalation_id": escalation.pk,
            "appointment_id": appointment.pk,
            "registration_id": registration.pk,
            "review_id": notification.review.pk,
            "plan_id": plan.pk,
            "key": key,
            "screen_id": 1,
        },
        "plan_crn": custody.crn,
        "agency": agency.pk,
    }


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_the_api_never_errs_and_keeps_to_its_schema(case, seeded):
    for name in case.path_parameters or {}:
        if name in seeded["path"]:
            case.path_parameters[name] = seeded["path"][name]
    if case.path.endswith("/release-plan") or case.path.endswith("/release"):
        case.path_parameters["crn"] = seeded["plan_crn"]
    if isinstance(case.body, dict) and "agency" in case.body:
        case.body["agency"] = seeded["agency"]
    case.call_and_validate(headers={"Authorization": f"Bearer {seeded['token']}"}, checks=CHECKS)
