"""The check-in pages people open from a text or email: no sign-in, one question a page, plain
English, no JavaScript needed.

Every way a link can fail (unknown, already used, expired) gives the same kind 404 page, so a
guess learns nothing. Failed lookups are limited per client address (read through the trusted
proxy, see ``safeguard.core.clients``) and per token, in fixed windows; a genuine link is
looked up first and always opens.

CSRF: these forms are exempt. The unguessable token in the address is the credential, and
anyone able to forge a request would need it; requiring a cookie as well would only lock out
basic phones that drop cookies.
"""

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from safeguard.core.capabilities import public
from safeguard.core.clients import client_address, limit_key
from safeguard.core.ratelimit import Window
from safeguard.engagement import checkins, plan_links
from safeguard.engagement.contact import contact_for
from safeguard.engagement.models import HELP_TOPICS, SelfHarmAnswer

RATE_WINDOW_SECONDS = 600
MAX_FAILURES = 10  # unknown, used or expired links per client address per window
MAX_TOKEN_FAILURES = 10  # failed openings of any one token per window, from anywhere
ADDRESS_FAILURES = Window("checkin-fail-address", MAX_FAILURES, RATE_WINDOW_SECONDS)
TOKEN_FAILURES = Window("checkin-fail-token", MAX_TOKEN_FAILURES, RATE_WINDOW_SECONDS)

FEELINGS = [
    ("5", "Very good"),
    ("4", "Good"),
    ("3", "OK"),
    ("2", "Not good"),
    ("1", "Very bad"),
]
QUESTIONS = {
    "feeling": {"title": "How are you feeling today?", "next": "self_harm"},
    "self_harm": {
        "title": "Have you had thoughts of harming yourself?",
        "hint": "Since your last appointment or check-in. Your answer goes to your probation "
        "practitioner so they can help.",
        "next": "help",
    },
    "help": {
        "title": "Do you need help with any of these?",
        "hint": "Choose all that apply.",
        "next": "call_back",
    },
    "call_back": {
        "title": "Would you like a call from your probation practitioner before your next "
        "appointment?",
        "next": "anything_else",
    },
    "anything_else": {
        "title": "Is there anything else you want to tell us?",
        "hint": "You do not have to write anything.",
        "next": "check",
    },
}


def _failed(request, token) -> bool:
    """Count a failed lookup against the client's address and against the token; True once
    either has failed too often in this window."""
    address = ADDRESS_FAILURES.hit(limit_key(client_address(request)))
    by_token = TOKEN_FAILURES.hit(token) if token else 0
    return address > ADDRESS_FAILURES.limit or by_token > TOKEN_FAILURES.limit


def _slow_down(request):
    seconds = ADDRESS_FAILURES.seconds_left()
    response = render(
        request,
        "checkin/too_many.html",
        {"minutes": max(1, -(-seconds // 60))},
        status=429,
    )
    response["Retry-After"] = str(seconds)
    return response


def _not_found(request, token=None):
    """Every failed lookup ends here: the same kind 404 page, or 429 once there have been too
    many from this address or for this token."""
    if _failed(request, token):
        return _slow_down(request)
    return render(request, "checkin/not_found.html", status=404)


def _open(request, token):
    """The usable check-in for this token, or a response to send instead.

    The token is looked up first, whatever has failed before: a genuine link always opens, so
    that nobody is kept from saying they are thinking of harming themselves because someone
    else (on the same network, or behind the same proxy) has been guessing. The limits slow
    down scanning; what protects the links is their 256 random bits."""
    check_in = checkins.check_in_by_token(token)
    if check_in is None:
        return None, _not_found(request, token)
    request.checkin_contact = contact_for(check_in.person)  # the pages' "who to call"
    return check_in, None


def _public(view):
    """No sign-in, no caching (the pages may be on a shared phone), and no CSRF cookie."""
    return login_not_required(csrf_exempt(never_cache(view)))


@_public
@require_http_methods(["GET"])
@public
def start(request, token):
    check_in, refused = _open(request, token)
    if refused:
        return refused
    return render(
        request,
        "checkin/start.html",
        {"token": token, "first_name": check_in.person.first_name, "expires": check_in.expires_at},
    )


def _initial(check_in, step):
    if step == "feeling":
        return str(check_in.feeling or "")
    if step == "self_harm":
        return check_in.self_harm
    if step == "help":
        return check_in.help_with
    if step == "call_back":
        return "" if check_in.call_back is None else ("yes" if check_in.call_back else "no")
    return check_in.anything_else


@_public
@require_http_methods(["GET", "POST"])
@public
def question(request, token, step):
    if step not in QUESTIONS:
        return _not_found(request, token)
    check_in, refused = _open(request, token)
    if refused:
        return refused
    error = None
    value = _initial(check_in, step)
    if request.method == "POST":
        try:
            saved = checkins.check_in_answer(check_in_id=check_in.pk, step=step, data=request.POST)
        except ValidationError as exc:
            error = exc.messages[0]
            value = request.POST.getlist("help") if step == "help" else request.POST.get(step, "")
        else:
            if saved is None:
                return _not_found(request, token)
            if step == "self_harm" and saved.self_harm == SelfHarmAnswer.YES:
                return redirect("check_in_support", token=token)
            if request.GET.get("from") == "check":
                return redirect("check_in_check", token=token)
            next_step = QUESTIONS[step]["next"]
            if next_step == "check":
                return redirect("check_in_check", token=token)
            return redirect("check_in_question", token=token, step=next_step)
    steps = list(QUESTIONS)
    back = (
        reverse("check_in_start", args=[token])
        if step == steps[0]
        else reverse("check_in_question", args=[token, steps[steps.index(step) - 1]])
    )
    return render(
        request,
        f"checkin/{step}.html",
        {
            "token": token,
            "step": step,
            "question": QUESTIONS[step],
            "number": steps.index(step) + 1,
            "total": len(steps),
            "error": error,
            "value": value,
            "feelings": FEELINGS,
            "help_topics": HELP_TOPICS,
            "self_harm_options": SelfHarmAnswer.choices,
            "yes_no": [("yes", "Yes"), ("no", "No")],
            "back": back,
            "action": request.get_full_path(),
        },
        status=400 if error else 200,
    )


@_public
@require_http_methods(["GET"])
@public
def support(request, token):
    """Shown at once after a "yes" to thoughts of self-harm."""
    check_in, refused = _open(request, token)
    if refused:
        return refused
    return render(request, "checkin/support.html", {"token": token})


@_public
@require_http_methods(["GET", "POST"])
@public
def check(request, token):
    check_in, refused = _open(request, token)
    if refused:
        return refused
    error = None
    if request.method == "POST":
        try:
            done = checkins.check_in_submit(check_in_id=check_in.pk)
        except ValidationError as exc:
            error = exc.messages[0]
        else:
            if done is None:
                return _not_found(request, token)
            return redirect(
                reverse("check_in_sent") + ("?support=1" if done.self_harm == "yes" else "")
            )
    help_labels = dict(HELP_TOPICS)
    return render(
        request,
        "checkin/check.html",
        {
            "token": token,
            "check_in": check_in,
            "feeling": dict(FEELINGS).get(str(check_in.feeling or ""), "Not answered"),
            "self_harm": SelfHarmAnswer(check_in.self_harm).label
            if check_in.self_harm
            else "Not answered",
            "help": [help_labels[h] for h in check_in.help_with if h in help_labels],
            "error": error,
        },
        status=400 if error else 200,
    )


@_public
@require_http_methods(["GET"])
@public
def sent(request):
    return render(
        request,
        "checkin/sent.html",
        {"support": request.GET.get("support") == "1", "now": timezone.now()},
    )


# ---- the person's own safety plan, by a single-use link ---------------------------------


@_public
@require_http_methods(["GET", "POST"])
@public
def safety_plan(request, token):
    """GET says what the link is and does not use it up (a phone's link preview would
    otherwise spend it); the button (POST) opens the plan, once. Limited as the check-in
    pages are: only failures count, and a usable link always opens."""
    if request.method == "GET":
        if not plan_links.safety_plan_link_valid(token):
            return _not_found(request, token)
        return render(request, "checkin/safety_plan_start.html", {"token": token})
    plan = plan_links.safety_plan_open(token)
    if plan is None:
        return _not_found(request, token)
    request.checkin_contact = contact_for(plan.person)
    return render(
        request,
        "checkin/safety_plan.html",
        {"plan": plan, "first_name": plan.person.first_name},
    )


# ---- notices for people on probation ------------------------------------------------------


@_public
@require_http_methods(["GET"])
@public
def privacy(request):
    return render(request, "checkin/privacy.html")


@_public
@require_http_methods(["GET"])
@public
def accessibility(request):
    return render(request, "checkin/accessibility.html")
