"""The JSON API under /api/v1/: bearer tokens, the same scoping as the pages, problem+json."""

import json
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig, ValidationError
from django.db import InterfaceError, OperationalError
from django.http import Http404
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from safeguard.api.auth import StaffToken
from safeguard.api.problems import PROBLEM_CONTENT_TYPE, problem
from safeguard.core.errors import DomainError
from safeguard.core.views import RETRY_AFTER_SECONDS

PROBLEM_SCHEMA = {
    "type": "object",
    "description": "RFC 9457 problem details",
    "required": ["type", "title", "status"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["field", "message"],
                "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
            },
        },
    },
}

# What any operation may answer besides its own responses, all as problem+json.
ERRORS_EVERY_OPERATION = {
    "401": "No valid bearer token",
    "403": "The caller's role may not do this",
    "404": "Not found, or not visible to the caller",
    "422": "A parameter or the body is not what the operation accepts (the field is named)",
    "503": "The database cannot be reached just now: try again after Retry-After seconds",
}
ERRORS_WITH_A_BODY = {
    "400": "The body is not JSON",
    "413": "The body is larger than the service accepts (DATA_UPLOAD_MAX_MEMORY_SIZE)",
    "409": "A stale edit, an illegal transition or a closed record",
}


# A worked example request body per operation, as data: "METHOD /api/v1/path" -> body.
EXAMPLES = {
    key: body
    for key, body in json.loads((Path(__file__).parent / "examples.json").read_text()).items()
    if not key.startswith("_")
}


class SafeguardAPI(NinjaAPI):
    """The API, whose OpenAPI document also states the problem+json errors of each operation."""

    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        schema.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
        problem_content = {
            PROBLEM_CONTENT_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}
        }
        for path, methods in schema.get("paths", {}).items():
            for method, operation in methods.items():
                body = operation.get("requestBody", {}).get("content", {}).get("application/json")
                if body is not None and (example := EXAMPLES.get(f"{method.upper()} {path}")):
                    body["example"] = example
                errors = dict(ERRORS_EVERY_OPERATION)
                if method in ("post", "put", "patch"):
                    errors.update(ERRORS_WITH_A_BODY)
                responses = operation.setdefault("responses", {})
                for code, description in errors.items():
                    responses.setdefault(
                        code, {"description": description, "content": problem_content}
                    )
        return schema


api = SafeguardAPI(
    title="Safeguard API",
    version="1",
    description="People on probation and the risks to them. Every call is scoped to the caller "
    "and written to the access log.",
    auth=StaffToken(),
    urls_namespace="api",
    docs_url="/docs",
)


@api.exception_handler(AuthenticationError)
def _unauthorised(request, exc):
    return problem(
        request,
        status=401,
        title="Unauthorised",
        detail="Send a valid token as 'Authorization: Bearer <token>'.",
        headers={"WWW-Authenticate": 'Bearer realm="safeguard"'},
    )


def _field_name(loc) -> str:
    """("body", "payload", "start_date") -> "start_date"; ("query", "limit") -> "limit"."""
    parts = [str(p) for p in loc]
    if parts[:1] == ["body"] and len(parts) > 2:
        parts = parts[2:]
    elif parts[:1] in (["body"], ["query"], ["path"]):
        parts = parts[1:]
    return ".".join(parts)


@api.exception_handler(NinjaValidationError)
def _invalid(request, exc):
    errors = [
        {"field": _field_name(e.get("loc", ())), "message": e.get("msg", "Invalid value")}
        for e in exc.errors
    ]
    return problem(
        request,
        status=422,
        title="Unprocessable content",
        detail="; ".join(f"{e['field']}: {e['message']}" for e in errors),
        errors=errors,
    )


@api.exception_handler(ValidationError)
def _domain_invalid(request, exc):
    messages = exc.message_dict if hasattr(exc, "error_dict") else {"": exc.messages}
    errors = [{"field": f, "message": m} for f, ms in messages.items() for m in ms]
    return problem(
        request,
        status=422,
        title="Unprocessable content",
        detail="; ".join(e["message"] for e in errors),
        errors=errors,
    )


@api.exception_handler(DomainError)
def _refused(request, exc):
    """Every service refusal, mapped once: stale edit and illegal transition 409, closed
    record 409, not permitted 403."""
    # A refusal may name several reasons (the probation reset safeguard names each condition).
    errors = getattr(exc, "errors", None) or [{"field": exc.field or "", "message": exc.message}]
    return problem(request, status=exc.status, title=exc.title, detail=exc.message, errors=errors)


@api.exception_handler(Http404)
def _not_found(request, exc):
    return problem(request, status=404, title="Not found")


@api.exception_handler(PermissionDenied)
def _forbidden(request, exc):
    return problem(request, status=403, title="Forbidden", detail=str(exc))


@api.exception_handler(HttpError)
def _http_error(request, exc):
    return problem(request, status=exc.status_code, title=str(exc.message))


from safeguard.api import assessments, people, referrals, registrations, workitems  # noqa: E402

api.add_router("", people.router)
api.add_router("", registrations.router)
api.add_router("", workitems.router)
api.add_router("", referrals.router)
api.add_router("", assessments.router)

from safeguard.api import engagement  # noqa: E402

api.add_router("", engagement.router)

from safeguard.api import releases  # noqa: E402

api.add_router("", releases.router)

from safeguard.api import learning  # noqa: E402

api.add_router("", learning.router)

from safeguard.api import feedback  # noqa: E402

api.add_router("", feedback.router)

from safeguard.api import audits  # noqa: E402

api.add_router("", audits.router)


@api.exception_handler(RequestDataTooBig)
def _too_big(request, exc):
    return problem(
        request,
        status=413,
        title="Request body too large",
        detail=f"Send at most {settings.DATA_UPLOAD_MAX_MEMORY_SIZE:,} bytes in one request "
        "(split a large load into several).",
    )


@api.exception_handler(OperationalError)
@api.exception_handler(InterfaceError)
def _database_unavailable(request, exc):
    # No detail: a driver's message can carry connection parameters.
    return problem(
        request,
        status=503,
        title="Service unavailable",
        detail="The database cannot be reached just now. Try again shortly.",
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


from safeguard.api import pathways  # noqa: E402

api.add_router("", pathways.router)
from safeguard.api import equality  # noqa: E402

api.add_router("", equality.router)


@api.exception_handler(Exception)
def _unexpected(request, exc):
    import logging

    logging.getLogger("safeguard.api").exception("Unhandled API error on %s", request.path)
    return problem(request, status=500, title="Internal server error")
