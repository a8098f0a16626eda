"""A second factor for local accounts (django-otp): an authenticator app (TOTP) with one-time
recovery codes.

Local accounts remain for development and break-glass. Where ``SAFEGUARD_REQUIRE_MFA`` is on
(always in production; off by default in development and tests), a member of staff who signed
in with a password reaches nothing but the second-factor pages and signing out until they have
entered a code from their app or a recovery code in this session. Someone with no app yet is
asked to set one up first, once, and given their recovery codes. Sign-ins through single
sign-on are left to the identity provider, which applies the organisation's own second factor.
"""

import base64
import logging
from urllib.parse import urlencode

from django.conf import settings
from django.db import transaction
from django.shortcuts import redirect
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from safeguard.identity.sso import signed_in_through_sso

log = logging.getLogger(__name__)

RECOVERY_CODES = 10
APP_DEVICE_NAME = "Authenticator app"
RECOVERY_DEVICE_NAME = "Recovery codes"


def needs_second_factor(request) -> bool:
    """Whether this signed-in request must still show a second factor."""
    user = getattr(request, "user", None)
    if not (settings.SAFEGUARD_REQUIRE_MFA and user is not None and user.is_authenticated):
        return False
    if signed_in_through_sso(request):
        return False
    return not user.is_verified()


def app_device(user, *, confirmed=True) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=confirmed).order_by("-pk").first()


class SecondFactorMiddleware:
    """After ``django_otp.middleware.OTPMiddleware``: sends an unverified local sign-in to the
    second-factor pages. Views that need no sign-in (``login_not_required``: signing in and
    out, these pages, the public links) and the API (bearer tokens) are left alone."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if getattr(view_func, "login_required", True) is False:
            return None
        if request.path.startswith("/api/") or not needs_second_factor(request):
            return None
        target = "identity:two_factor" if app_device(request.user) else "identity:two_factor_set_up"
        return redirect(f"{reverse(target)}?{urlencode({'next': request.get_full_path()})}")


def unconfirmed_app_device(user) -> TOTPDevice:
    """The app being set up: kept until confirmed, so reloading the page shows the same key."""
    device = app_device(user, confirmed=False)
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=APP_DEVICE_NAME, confirmed=False)
    return device


def key_text(device: TOTPDevice) -> str:
    """The secret in base32, in groups of four, for typing into an app by hand."""
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def qr_svg(device: TOTPDevice) -> str:
    import qrcode
    import qrcode.image.svg

    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    svg = image.to_string(encoding="unicode")
    return svg[svg.index("<svg") :] if "<svg" in svg else svg


@transaction.atomic
def confirm_app(user, device: TOTPDevice) -> list[str]:
    """Make ``device`` the user's one app and give them new recovery codes (returned once)."""
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    return new_recovery_codes(user)


@transaction.atomic
def new_recovery_codes(user) -> list[str]:
    """Replace the user's recovery codes with new ones: each works once."""
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=c) for c in codes])
    return codes


def recovery_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


class Throttled(Exception):
    pass


def verify(user, code: str):
    """The device that accepts ``code`` (the app's 6 digits, or a recovery code, which is then
    used up), or None. ``Throttled`` after repeated wrong codes (django-otp's back-off)."""
    code = "".join(code.split()).lower().replace("-", "")
    if code.isdigit() and len(code) == 6:
        device = app_device(user)
    else:
        device = StaticDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        return None
    allowed, _ = device.verify_is_allowed()
    if not allowed:
        raise Throttled
    return device if device.verify_token(code) else None
