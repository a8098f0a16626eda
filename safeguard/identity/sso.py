"""Single sign-on through OpenID Connect (mozilla-django-oidc), off unless ``OIDC_RP_CLIENT_ID``
is set.

The flow is the authorisation code flow with PKCE and a nonce. The ID token's signature is
checked against the provider's published keys, and its issuer, audience and subject here too
(``verify_id_token``). The account is found by issuer and subject only (``SignInIdentity``); its
role, teams, PDU and region come from the mapping table every time (``resolve_assignment``),
so a change of groups at the provider takes effect at the next sign-in. Someone whose claims
match no mapping, or conflicting ones, is not signed in and the page says why.

Sign-ins through single sign-on are logged as every sign-in is (django-axes' access log, through
``django.contrib.auth.login``). Nothing here logs a name, an email address or a claim: only the
member of staff's id, and a reason code for a refusal.
"""

import logging
import re
from dataclasses import dataclass, field

import jwt
import requests
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import SuspiciousOperation
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from safeguard.core.models import PDU, Region, Role, Team
from safeguard.identity.models import PLACE_NEEDED, SignInIdentity, SignInMapping

log = logging.getLogger(__name__)

BACKEND = "safeguard.identity.sso.SafeguardOIDCBackend"


class Refusal(models.TextChoices):
    NO_MAPPING = "no_mapping", "No sign-in mapping matches the account's groups"
    CONFLICT = "conflict", "The account's groups map to different roles or places"
    ACCOUNT_DISABLED = "account_disabled", "The member of staff's account is deactivated"
    PROVIDER = "provider", "The identity provider's answer could not be used"


class SignInRefused(Exception):
    def __init__(self, reason: Refusal, values: list[str] | None = None):
        super().__init__(reason.value)
        self.reason = reason
        # The claim values that were looked up, shown to the person (never logged) so that an
        # administrator can add the mapping.
        self.values = values or []


@dataclass
class Assignment:
    role: str
    teams: list[Team] = field(default_factory=list)
    pdu: PDU | None = None
    region: Region | None = None


def claim_values(claims: dict, claim: str) -> list[str]:
    """A claim's values as strings: a list claim's items, or a single string or number."""
    value = claims.get(claim)
    if isinstance(value, list | tuple):
        return [str(v) for v in value if isinstance(v, str | int) and not isinstance(v, bool)]
    if isinstance(value, str | int) and not isinstance(value, bool):
        return [str(value)]
    return []


def resolve_assignment(claims: dict) -> Assignment:
    """The role and place the mapping table gives these claims, or ``SignInRefused``.

    Every matching row must give the same role; a practitioner or SPO gets every team their
    rows name; a head of PDU exactly one PDU and a regional lead exactly one region."""
    # The claims the table maps, and those the provider is expected to send groups in (so that
    # the refusal page can list them even before the table has a row for them).
    used_claims = sorted(
        set(SignInMapping.objects.values_list("claim", flat=True))
        | set(settings.OIDC_MAPPING_CLAIMS)
    )
    wanted = Q(pk__in=[])
    looked_up = []
    for claim in used_claims:
        values = claim_values(claims, claim)
        looked_up += values
        if values:
            wanted |= Q(claim=claim, value__in=values)
    rows = list(
        SignInMapping.objects.filter(wanted).select_related(
            "team__pdu__region", "pdu__region", "region"
        )
    )
    if not rows:
        raise SignInRefused(Refusal.NO_MAPPING, looked_up)
    roles = {row.role for row in rows}
    if len(roles) != 1:
        raise SignInRefused(Refusal.CONFLICT, looked_up)
    role = Role(roles.pop())
    needed = PLACE_NEEDED.get(role)
    pdus = {row.place_pdu for row in rows} - {None}
    regions = {row.place_region for row in rows} - {None}
    if needed == "pdu" and len(pdus) != 1 or needed == "region" and len(regions) != 1:
        raise SignInRefused(Refusal.CONFLICT, looked_up)
    teams = sorted({row.team for row in rows if row.team_id}, key=lambda t: t.pk)
    if needed == "team" and not teams:
        raise SignInRefused(Refusal.NO_MAPPING, looked_up)
    return Assignment(
        role=role,
        teams=teams if needed == "team" else [],
        pdu=next(iter(pdus)) if len(pdus) == 1 and needed != "region" else None,
        region=next(iter(regions)) if len(regions) == 1 else None,
    )


def _username_for(claims: dict) -> str:
    """A readable, unused username: the provider's username claim (or the email's local part),
    with a number added if a local account already has it. Never used to match accounts."""
    raw = str(claims.get(settings.OIDC_USERNAME_CLAIM) or claims.get("email") or "")
    base = re.sub(r"[^\w.@+-]", "", raw)[:140] or "sso.user"
    Staff = get_user_model()
    candidate, n = base, 1
    while Staff.objects.filter(username=candidate).exists():
        n += 1
        candidate = f"{base}-{n}"
    return candidate


class SafeguardOIDCBackend(OIDCAuthenticationBackend):
    """mozilla-django-oidc's backend, matching accounts by issuer and subject.

    Always listed in ``AUTHENTICATION_BACKENDS`` (so that a single sign-on session is recognised)
    but inert unless called by the callback view: a password sign-in's credentials do not fit
    ``authenticate``'s signature, so Django skips it."""

    def __init__(self, *args, **kwargs):
        # Settings are read when used, not here: Django makes a backend for every password
        # sign-in, with single sign-on configured or not.
        self.UserModel = get_user_model()

    OIDC_OP_TOKEN_ENDPOINT = property(lambda self: settings.OIDC_OP_TOKEN_ENDPOINT)
    OIDC_OP_USER_ENDPOINT = property(lambda self: settings.OIDC_OP_USER_ENDPOINT)
    OIDC_OP_JWKS_ENDPOINT = property(lambda self: settings.OIDC_OP_JWKS_ENDPOINT)
    OIDC_RP_CLIENT_ID = property(lambda self: settings.OIDC_RP_CLIENT_ID)
    OIDC_RP_CLIENT_SECRET = property(lambda self: settings.OIDC_RP_CLIENT_SECRET)
    OIDC_RP_SIGN_ALGO = property(lambda self: settings.OIDC_RP_SIGN_ALGO)
    OIDC_RP_IDP_SIGN_KEY = property(lambda self: None)

    def authenticate(self, request, *, oidc_callback=False, nonce=None, code_verifier=None):
        if not (oidc_callback and settings.OIDC_ENABLED and request is not None):
            return None
        return super().authenticate(request, nonce=nonce, code_verifier=code_verifier)

    def retrieve_matching_jwk(self, token):
        """The provider's key for this token. A token without a key id is accepted only from a
        provider that publishes a single signing key (the local test provider does this)."""
        header = jwt.get_unverified_header(token)
        if "kid" in header:
            return super().retrieve_matching_jwk(token)
        response = requests.get(self.OIDC_OP_JWKS_ENDPOINT, timeout=settings.OIDC_TIMEOUT)
        response.raise_for_status()
        keys = [
            key
            for key in response.json().get("keys", [])
            if key.get("use", "sig") == "sig"
            and key.get("alg", header.get("alg")) == header.get("alg")
        ]
        if len(keys) != 1:
            raise SuspiciousOperation("The token names no key, and the provider has several.")
        return jwt.PyJWK(keys[0])

    def verify_id_token(self, payload: dict) -> None:
        """What mozilla-django-oidc leaves to us: the token is from our provider, for us."""
        if payload.get("iss") != settings.OIDC_OP_ISSUER:
            raise SuspiciousOperation("ID token issuer is not the configured one.")
        audience = payload.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        if settings.OIDC_RP_CLIENT_ID not in audiences:
            raise SuspiciousOperation("ID token is not for this client.")
        if not payload.get("sub"):
            raise SuspiciousOperation("ID token has no subject.")

    def get_or_create_user(self, access_token, id_token, payload):
        self.verify_id_token(payload)
        userinfo = self.get_userinfo(access_token, id_token, payload)
        if userinfo.get("sub") != payload["sub"]:
            raise SuspiciousOperation("User information is about another subject.")
        claims = {**payload, **userinfo}
        assignment = resolve_assignment(claims)
        return self._sign_in_as(payload["iss"], payload["sub"], claims, assignment)

    @transaction.atomic
    def _sign_in_as(self, issuer, subject, claims, assignment: Assignment):
        identity = (
            SignInIdentity.objects.select_for_update()
            .select_related("staff")
            .filter(issuer=issuer, subject=subject)
            .first()
        )
        if identity is not None:
            staff = identity.staff
            if not staff.is_active:
                raise SignInRefused(Refusal.ACCOUNT_DISABLED)
        else:
            staff = self.UserModel(username=_username_for(claims))
            staff.set_unusable_password()  # signs in through the provider only
        staff.first_name = str(claims.get("given_name") or staff.first_name or "")[:150]
        staff.last_name = str(claims.get("family_name") or staff.last_name or "")[:150]
        staff.email = str(claims.get("email") or staff.email or "")[:254]
        staff.role = assignment.role
        staff.pdu = assignment.pdu
        staff.region = assignment.region
        staff.in_post = True
        # As the demo's administrator: the admin role is the admin site's superuser.
        staff.is_staff = staff.is_superuser = assignment.role == Role.ADMIN
        staff.save()
        staff.teams.set(assignment.teams)
        now = timezone.now()
        if identity is None:
            identity = SignInIdentity.objects.create(
                issuer=issuer, subject=subject, staff=staff, last_signed_in_at=now
            )
        else:
            identity.last_signed_in_at = now
            identity.save(update_fields=["last_signed_in_at"])
        return staff


def signed_in_through_sso(request) -> bool:
    from django.contrib.auth import BACKEND_SESSION_KEY

    return request.session.get(BACKEND_SESSION_KEY) == BACKEND
