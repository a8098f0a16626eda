"""RFC 9457 problem details for every API error."""

from django.http import JsonResponse

PROBLEM_CONTENT_TYPE = "application/problem+json"


def problem(request, *, status: int, title: str, detail: str = "", errors=None, headers=None):
    body = {"type": "about:blank", "title": title, "status": status}
    if detail:
        body["detail"] = detail
    if errors:
        body["errors"] = errors
    body["instance"] = request.path
    response = JsonResponse(body, status=status, content_type=PROBLEM_CONTENT_TYPE)
    for key, value in (headers or {}).items():
        response[key] = value
    return response
