"""Signing in: the sign-in page (with single sign-on when it is configured), the single sign-on
start and callback, and the second-factor pages.

All are ``@public``: they are reached before a sign-in is complete. The second-factor pages
check for a signed-in user themselves."""

import functools
import logging
from urllib.parse import urlencode

import jwt
import requests
from django import forms
from django.conf import settings
from django.contrib import auth, messages
from django.contrib.auth import views as auth_views
from django.core.exceptions import SuspiciousOperation
from django.http import Http404
from django.shortcuts import redirect, render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods
from django_otp import login as otp_login
from mozilla_django_oidc.views import OIDCAuthenticationRequestView

from safeguard.core.capabilities import public
from safeguard.identity import mfa
from safeguard.identity.sso import BACKEND, Refusal, SafeguardOIDCBackend, SignInRefused

log = logging.getLogger(__name__)


class SignInView(auth_views.LoginView):
    """Django's sign-in with a password (throttled by django-axes), and a way in through
    single sign-on when it is configured."""

    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["sso_enabled"] = settings.OIDC_ENABLED
        context["sso_provider_name"] = settings.OIDC_PROVIDER_NAME
        return context


sign_in = public(SignInView.as_view())


# ---- single sign-on --------------------------------------------------------------------------


@never_cache
@require_GET
@public
def sso_start(request):
    """Sends the browser to the identity provider (state, nonce and PKCE in the session)."""
    if not settings.OIDC_ENABLED:
        raise Http404
    return OIDCAuthenticationRequestView.as_view()(request)


_REFUSAL_STATUS = {Refusal.PROVIDER: 400}


def _refused(request, reason: Refusal, values=()):
    log.warning("Single sign-on refused: %s", reason.value)
    return render(
        request,
        "identity/sso_refused.html",
        {
            "reason": reason.value,
            "values": list(values)[:20],
            "provider": settings.OIDC_PROVIDER_NAME,
            "support": settings.SAFEGUARD_SUPPORT_CONTACT,
        },
        status=_REFUSAL_STATUS.get(reason, 403),
    )


@never_cache
@require_GET
@public
def sso_callback(request):
    """The provider sends the browser back here with a code, exchanged for tokens directly.

    Not through ``django.contrib.auth.authenticate``: that would count a refusal as a failed
    password (django-axes), and lock a whole office's address while its groups are unmapped."""
    if not settings.OIDC_ENABLED:
        raise Http404
    # The state is used once, whatever happens next (as mozilla-django-oidc's own view does).
    states = dict(request.session.get("oidc_states") or {})
    entry = states.pop(request.GET.get("state", ""), None)
    if entry is not None:
        request.session["oidc_states"] = states
    if request.GET.get("error") or entry is None or not request.GET.get("code"):
        return _refused(request, Refusal.PROVIDER)
    request.session.save()
    try:
        user = SafeguardOIDCBackend().authenticate(
            request,
            oidc_callback=True,
            nonce=entry.get("nonce"),
            code_verifier=entry.get("code_verifier"),
        )
    except SignInRefused as refusal:
        return _refused(request, refusal.reason, refusal.values)
    except (
        SuspiciousOperation,
        requests.RequestException,
        jwt.PyJWTError,
        ValueError,
        KeyError,
    ) as exc:
        # The kind of failure only: a provider's error text may quote what it was sent.
        log.warning("Single sign-on failed at the provider: %s", type(exc).__name__)
        return _refused(request, Refusal.PROVIDER)
    if user is None:
        return _refused(request, Refusal.PROVIDER)
    if not user.is_active:
        return _refused(request, Refusal.ACCOUNT_DISABLED)
    next_url = request.session.get("oidc_login_next")
    auth.login(request, user, backend=BACKEND)
    log.info("Signed in through single sign-on: staff %s", user.pk)
    return redirect(next_url or resolve_url(settings.LOGIN_REDIRECT_URL))


# ---- the second factor -----------------------------------------------------------------------


def _signed_in(view):
    """A second-factor page: public to the route table, but only for someone signed in."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect(settings.LOGIN_URL)
        return view(request, *args, **kwargs)

    return wrapper


def _next(request) -> str:
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    if wanted and url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return wanted
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def _page(request, template: str, context: dict):
    """A second-factor page: no service navigation while the second factor is still to come
    (every link in it would lead back here)."""
    if mfa.needs_second_factor(request):
        context = {**context, "service_navigation": None}
    return render(request, template, context)


def _with_next(name: str, request, wanted: str | None = None) -> str:
    return f"{resolve_url(name)}?{urlencode({'next': wanted or _next(request)})}"


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Code",
        max_length=32,
        error_messages={"required": "Enter the code from your authenticator app"},
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "spellcheck": "false"}),
    )


@never_cache
@require_http_methods(["GET", "POST"])
@public
@_signed_in
def two_factor(request):
    """Enter a code from the authenticator app, or a recovery code."""
    if not mfa.needs_second_factor(request):
        return redirect(_next(request))
    if mfa.app_device(request.user) is None:
        return redirect(_with_next("identity:two_factor_set_up", request))
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device = mfa.verify(request.user, form.cleaned_data["code"])
        except mfa.Throttled:
            device = None
            form.add_error("code", "Too many wrong codes. Wait a minute, then try again")
        else:
            if device is None:
                form.add_error("code", "The code is not right. Enter the newest code in your app")
        if device is not None:
            otp_login(request, device)
            used_recovery = device.persistent_id.startswith("otp_static")
            log.info(
                "Second factor verified: staff %s (%s)",
                request.user.pk,
                "recovery code" if used_recovery else "authenticator app",
            )
            if used_recovery:
                left = mfa.recovery_codes_left(request.user)
                messages.success(
                    request,
                    f"You used a recovery code. You have {left} left: "
                    "get new ones from your account's recovery codes page.",
                )
            return redirect(_next(request))
    return _page(
        request,
        "identity/two_factor.html",
        {"form": form, "next": _next(request), "support": settings.SAFEGUARD_SUPPORT_CONTACT},
    )


@never_cache
@require_http_methods(["GET", "POST"])
@public
@_signed_in
def two_factor_set_up(request):
    """Set up an authenticator app: scan the code (or type the key), then enter a code."""
    user = request.user
    confirmed = mfa.app_device(user)
    if confirmed is not None and not user.is_verified():
        # Replacing an app needs the old one first: a stolen password must not add one.
        return redirect(_with_next("identity:two_factor", request))
    device = mfa.unconfirmed_app_device(user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        code = "".join(form.cleaned_data["code"].split())
        if not device.verify_is_allowed()[0]:
            form.add_error("code", "Too many wrong codes. Wait a minute, then try again")
        elif device.verify_token(code):
            codes = mfa.confirm_app(user, device)
            otp_login(request, device)
            log.info("Authenticator app set up: staff %s", user.pk)
            return _page(
                request,
                "identity/recovery_codes.html",
                {"codes": codes, "next": _next(request), "first_time": True},
            )
        else:
            form.add_error("code", "The code is not right. Enter the newest code in your app")
    return _page(
        request,
        "identity/two_factor_set_up.html",
        {
            "form": form,
            "next": _next(request),
            "key": mfa.key_text(device),
            "qr": mfa.qr_svg(device),
            "replacing": confirmed is not None,
        },
    )


@never_cache
@require_http_methods(["GET", "POST"])
@public
@_signed_in
def recovery_codes(request):
    """How many recovery codes are left, and new ones (the old ones stop working)."""
    user = request.user
    if mfa.needs_second_factor(request):
        return redirect(_with_next("identity:two_factor", request, request.path))
    if mfa.app_device(user) is None:
        return redirect("identity:two_factor_set_up")
    if request.method == "POST":
        codes = mfa.new_recovery_codes(user)
        log.info("Recovery codes replaced: staff %s", user.pk)
        return render(
            request,
            "identity/recovery_codes.html",
            {"codes": codes, "next": _next(request), "first_time": False},
        )
    return render(
        request, "identity/recovery_codes_left.html", {"left": mfa.recovery_codes_left(user)}
    )
