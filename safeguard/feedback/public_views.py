"""The survey pages people on probation answer: from a link sent to them, or on a tablet in
the office. No sign-in, one question a page, plain English, no JavaScript needed, and nothing
about their case on any page.

Opening a link, or any of its pages, does not use it up: only sending the answers does. Every
failed link gives the same kind 404 page, and failures are limited per client address and per
token in fixed windows, as for check-in links. CSRF: the unguessable token in the address is
the credential (as for check-ins), so these forms are exempt."""

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from safeguard.core.capabilities import public
from safeguard.core.clients import client_address, limit_key
from safeguard.core.ratelimit import Window
from safeguard.feedback import services, surveys
from safeguard.feedback.models import SessionKind

ADDRESS_FAILURES = Window("feedback-fail-address", 10, 600)
TOKEN_FAILURES = Window("feedback-fail-token", 10, 600)
TABLET_COOKIE = "feedback_tablet"


def _public(view):
    return login_not_required(csrf_exempt(never_cache(view)))


def _not_found(request, token=None):
    address = ADDRESS_FAILURES.hit(limit_key(client_address(request)))
    by_token = TOKEN_FAILURES.hit(token) if token else 0
    if address > ADDRESS_FAILURES.limit or by_token > TOKEN_FAILURES.limit:
        seconds = ADDRESS_FAILURES.seconds_left()
        response = render(
            request,
            "feedback/public/too_many.html",
            {"minutes": max(1, -(-seconds // 60))},
            status=429,
        )
        response["Retry-After"] = str(seconds)
        return response
    return render(request, "feedback/public/not_found.html", status=404)


def _pages(session, survey: surveys.Survey) -> list[surveys.Question]:
    """The pages of this session: on a tablet nobody can be contacted, so no contact page."""
    if session.kind == SessionKind.TABLET:
        return [q for q in survey.pages if q != survey.contact]
    return list(survey.pages)


def _context(session, token, **extra):
    survey = services.survey_of(session.survey)
    return {
        "token": token,
        "survey": survey,
        "tablet": session.kind == SessionKind.TABLET,
        "total": len(_pages(session, survey)),
        **extra,
    }


@_public
@require_http_methods(["GET"])
@public
def start(request, token):
    session = services.session_by_token(token)
    if session is None:
        return _not_found(request, token)
    context = _context(session, token)
    context["first"] = reverse(
        "feedback_public:question",
        kwargs={"token": token, "question": context["survey"].pages[0].id},
    )
    return render(request, "feedback/public/start.html", context)


@_public
@require_http_methods(["GET", "POST"])
@public
def question(request, token, question):
    session = services.session_by_token(token)
    if session is None:
        return _not_found(request, token)
    survey = services.survey_of(session.survey)
    pages = [q.id for q in _pages(session, survey)]
    if question not in pages:
        return _not_found(request, token)
    page = survey.by_id[question]
    index = pages.index(question)
    value = session.draft.get(question, "")
    error = None
    if request.method == "POST":
        value = request.POST.get(question, "")
        try:
            saved = services.session_answer(session_id=session.pk, question=question, value=value)
        except ValidationError as exc:
            error = exc.message_dict.get(question, exc.messages)[0]
        else:
            if saved is None:
                return _not_found(request, token)
            if index + 1 < len(pages):
                return redirect("feedback_public:question", token=token, question=pages[index + 1])
            return redirect("feedback_public:check", token=token)
    back = (
        reverse("feedback_public:question", kwargs={"token": token, "question": pages[index - 1]})
        if index
        else reverse("feedback_public:start", kwargs={"token": token})
    )
    return render(
        request,
        "feedback/public/question.html",
        _context(
            session,
            token,
            page=page,
            value=value,
            error=error,
            number=index + 1,
            back=back,
            action=request.path,
            skip=page.type == surveys.TEXT or page in survey.about_you,
        ),
        status=422 if error else 200,
    )


@_public
@require_http_methods(["GET"])
@public
def check(request, token):
    session = services.session_by_token(token)
    if session is None:
        return _not_found(request, token)
    survey = services.survey_of(session.survey)
    rows = [
        {
            "page": page,
            "answer": (
                session.draft.get(page.id, "")
                if page.type == surveys.TEXT
                else page.label_for(session.draft.get(page.id, ""))
            ),
            "change": reverse(
                "feedback_public:question", kwargs={"token": token, "question": page.id}
            ),
        }
        for page in _pages(session, survey)
    ]
    return render(
        request,
        "feedback/public/check.html",
        _context(session, token, rows=rows, error=request.GET.get("empty") == "1"),
    )


@_public
@require_http_methods(["POST"])
@public
def send(request, token):
    session = services.session_by_token(token)
    if session is None:
        return _not_found(request, token)
    try:
        response = services.session_submit(session_id=session.pk)
    except ValidationError:
        return redirect(reverse("feedback_public:check", kwargs={"token": token}) + "?empty=1")
    if response is None:
        return _not_found(request, token)
    return redirect("feedback_public:thank_you")


@_public
@require_http_methods(["GET"])
@public
def thank_you(request):
    tablet_token = request.COOKIES.get(TABLET_COOKIE, "")
    tablet = services.tablet_by_token(tablet_token) if tablet_token else None
    return render(
        request,
        "feedback/public/thank_you.html",
        {
            "again": reverse("feedback_public:tablet", kwargs={"token": tablet_token})
            if tablet
            else ""
        },
    )


@_public
@require_http_methods(["GET", "POST"])
@public
def tablet(request, token):
    """The tablet's home page: a fresh anonymous survey for each person who starts one."""
    found = services.tablet_by_token(token)
    if found is None:
        return _not_found(request, token)
    if request.method == "POST":
        session = services.tablet_session_start(token)
        if session is None:
            return _not_found(request, token)
        response = redirect("feedback_public:start", token=session.token)
    else:
        response = render(
            request,
            "feedback/public/tablet.html",
            {"office": found.office, "survey": services.survey_of(found.survey)},
        )
    # So that the thank-you page can offer the next person a fresh start on this tablet.
    response.set_cookie(
        TABLET_COOKIE,
        token,
        max_age=60 * 60 * 24 * 90,
        httponly=True,
        secure=request.is_secure(),
        samesite="Lax",
        path="/feedback/",
    )
    return response
