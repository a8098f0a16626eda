"""Safeguard settings.

Everything that differs between machines comes from the environment. ``SAFEGUARD_ENV`` is
``development`` (the default, used by ``make run`` and the tests) or ``production``; production
refuses to start without its secrets so that no unsafe default can reach real people's data.
"""

import json
import os
import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("SAFEGUARD_VAR_DIR", BASE_DIR / "var"))

SAFEGUARD_ENV = os.environ.get("SAFEGUARD_ENV", "development").strip().lower()
if SAFEGUARD_ENV not in {"development", "production"}:
    raise ImproperlyConfigured(
        f"SAFEGUARD_ENV must be 'development' or 'production', not {SAFEGUARD_ENV!r}."
    )
PRODUCTION = SAFEGUARD_ENV == "production"


def _required(name: str) -> str:
    value = os.environ.get(name, "").strip()
    if not value:
        raise ImproperlyConfigured(
            f"{name} must be set when SAFEGUARD_ENV=production. "
            "Safeguard will not start in production without it."
        )
    return value


def _development_secret_key() -> str:
    # A per-checkout random key, kept out of the repository, so no shared default key exists.
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


if PRODUCTION:
    SECRET_KEY = _required("SECRET_KEY")
    ALLOWED_HOSTS = [h.strip() for h in _required("ALLOWED_HOSTS").split(",") if h.strip()]
    DATABASE_URL = _required("DATABASE_URL")
    DEBUG = False
else:
    SECRET_KEY = os.environ.get("SECRET_KEY") or _development_secret_key()
    ALLOWED_HOSTS = [
        h.strip()
        for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")
        if h.strip()
    ]
    DATABASE_URL = os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'safeguard.sqlite3'}"
    DEBUG = os.environ.get("DEBUG", "").lower() in {"1", "true", "yes"}

DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets the task worker and the web server use the file at the same time.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
else:
    # A connection kept between requests is checked before reuse, so that after a database
    # restart each worker reconnects instead of failing one request with the dead connection.
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # PostgreSQL's JIT spends a second or more compiling the monitoring aggregates, which then
    # run in a fraction of that (measured in BENCHMARKS.md); no query here gains from it.
    # Behind PgBouncer, set it on the database instead: ALTER DATABASE ... SET jit = off.
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = os.environ.get(
        "DATABASE_OPTIONS", "-c jit=off"
    )
DATABASES["default"]["TEST"] = {"NAME": os.environ.get("TEST_DATABASE_NAME") or None}

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "simple_history",
    "axes",
    "csp",
    "django_tasks",
    "django_tasks_db",
    "safeguard.core",
    "safeguard.people",
    "safeguard.registrations",
    "safeguard.assessments",
    "safeguard.referrals",
    "safeguard.meetings",
    "safeguard.insights",
    "safeguard.notify",
    "safeguard.engagement",
    "safeguard.releases",
    "safeguard.learning",
    "safeguard.equality",
    "safeguard.training",
    "safeguard.alerts",
    "safeguard.feedback",
    "safeguard.audits",
    "safeguard.pathways",
    "safeguard.integration",
    "safeguard.api",
    "safeguard.demo",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "safeguard.identity",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    # Sees every response after the views and the middleware below (the API's token user too).
    "safeguard.core.middleware.NoStoreMiddleware",
    "safeguard.core.audit.AccessLogMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "safeguard.core.middleware.LoginRequiredByDefaultMiddleware",
    # Local (password) sign-ins show a second factor first where SAFEGUARD_REQUIRE_MFA is on.
    "safeguard.identity.mfa.SecondFactorMiddleware",
    # Axes must be last: it reads the outcome of authentication.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "safeguard.urls"
WSGI_APPLICATION = "safeguard.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "safeguard" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "safeguard.core.context_processors.navigation",
                "safeguard.core.case_source.context",
            ],
            # The govuk_time filter (and the other safeguard filters) on every page.
            "builtins": ["safeguard.core.templatetags.safeguard"],
        },
    }
]

AUTH_USER_MODEL = "core.Staff"

# One cache shared by every web worker and the task worker (rate limits on the public check-in
# pages must count across processes, which a per-process memory cache would not). Its table is
# created by a migration in the core app.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "safeguard_cache",
    }
}
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    # Single sign-on (OpenID Connect): inert unless OIDC_RP_CLIENT_ID is set (see below).
    "safeguard.identity.sso.SafeguardOIDCBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "my_work"
LOGOUT_REDIRECT_URL = "login"

# Failed sign-ins are throttled per account (AXES_FAILURE_LIMIT, 5) and per address (across any
# usernames, SAFEGUARD_SIGN_IN_ADDRESS_FAILURE_LIMIT, 30: higher, because a probation office
# signs in from one shared address). See safeguard/core/signin.py. The address is the client's,
# read through the trusted proxy header below when one is configured.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
SAFEGUARD_SIGN_IN_ADDRESS_FAILURE_LIMIT = int(
    os.environ.get("SAFEGUARD_SIGN_IN_ADDRESS_FAILURE_LIMIT", "30")
)
AXES_COOLOFF_TIME = 0.5  # hours
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_HANDLER = "safeguard.core.signin.SafeguardAxesHandler"
AXES_CLIENT_IP_CALLABLE = "safeguard.core.signin.axes_client_ip"
AXES_LOCKOUT_CALLABLE = "safeguard.core.signin.lockout_response"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
# Who people locked out (or with a question) should contact, shown on the lockout page, e.g.
# "the Probation IT service desk on 0800 000 0000". Empty: "your IT service desk".
SAFEGUARD_SUPPORT_CONTACT = os.environ.get("SAFEGUARD_SUPPORT_CONTACT", "").strip()

# The client's address, for rate limits and sign-in lockouts (safeguard/core/clients.py).
# Behind a load balancer set the header it writes and how many proxies there are, e.g.
# SAFEGUARD_TRUSTED_PROXY_HEADER=X-Forwarded-For and SAFEGUARD_TRUSTED_PROXY_COUNT=1. Unset (the
# default) the header is never read, only the connection's own address.
SAFEGUARD_TRUSTED_PROXY_HEADER = os.environ.get("SAFEGUARD_TRUSTED_PROXY_HEADER", "").strip()
SAFEGUARD_TRUSTED_PROXY_COUNT = int(os.environ.get("SAFEGUARD_TRUSTED_PROXY_COUNT", "1"))

SESSION_COOKIE_AGE = 60 * 60 * 8  # a working day at most
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = os.environ.get("SECURE_SSL_REDIRECT", "true").lower() != "false"
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    # Health checks from the load balancer come over plain HTTP: answer them, do not redirect.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

from csp.constants import NONCE, NONE, SELF  # noqa: E402

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

# GOV.UK Frontend's compiled CSS asks for its fonts and images under /assets/, so static files
# are served from there. ``make assets`` copies what the pages need out of node_modules.
STATIC_URL = "/assets/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "safeguard" / "static", VAR_DIR / "vendor"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_MAX_AGE = 3600

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

SAFEGUARD_DEMO_PASSWORD = os.environ.get("SAFEGUARD_DEMO_PASSWORD", "safeguard-demo")
SAFEGUARD_PAGE_SIZE = 50
# How long a new API bearer token works (manage.py api_tokens create --days overrides it).
SAFEGUARD_API_TOKEN_DAYS = int(os.environ.get("SAFEGUARD_API_TOKEN_DAYS", "90"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        # Request logs carry paths only (see gunicorn.conf.py); never query strings or bodies.
        "django.request": {"level": "ERROR"},
        "axes": {"level": "WARNING"},
        # WeasyPrint logs every step of every PDF at INFO; its warnings (a refused URL) stay.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

# Person-page sections, work-item rules, sweeps and on-death hooks are not settings: each app
# registers its own in AppConfig.ready() (see safeguard/core/registry.py).

# ---- GOV.UK Notify and engagement (safeguard.notify, safeguard.engagement) -------------------
# Without NOTIFY_API_KEY nothing is sent: messages stay queued and the admin shows why.
# Development and tests point NOTIFY_BASE_URL at `manage.py fake_notify`.
NOTIFY_API_KEY = os.environ.get("NOTIFY_API_KEY", "").strip()
NOTIFY_BASE_URL = os.environ.get(
    "NOTIFY_BASE_URL", "https://api.notifications.service.gov.uk"
).strip()
# The bearer token Notify sends with delivery receipts (set the same one in Notify).
NOTIFY_CALLBACK_TOKEN = os.environ.get("NOTIFY_CALLBACK_TOKEN", "").strip()
# Template ids per environment, e.g. '{"appointment_reminder_sms": "<uuid>"}'; the catalogue in
# safeguard/notify/catalogue.py holds the defaults.
NOTIFY_TEMPLATE_IDS = json.loads(os.environ.get("NOTIFY_TEMPLATE_IDS", "") or "{}")
# Notify allows 3,000 messages a minute per key: every dispatcher process together keeps below
# this (one budget in the database, notify.dispatch.SharedBudget).
NOTIFY_RATE_PER_MINUTE = int(os.environ.get("NOTIFY_RATE_PER_MINUTE", "2700"))
NOTIFY_MAX_ATTEMPTS = int(os.environ.get("NOTIFY_MAX_ATTEMPTS", "5"))
# Phone networks block numbers that get many texts: stay far below their limit.
NOTIFY_TEXTS_PER_HOUR_PER_NUMBER = int(os.environ.get("NOTIFY_TEXTS_PER_HOUR_PER_NUMBER", "3"))
# A message still "sending" this long after it was claimed belonged to a dispatcher that died
# (dispatchers start no send after half of it). At least 60.
NOTIFY_SENDING_TIMEOUT_SECONDS = int(os.environ.get("NOTIFY_SENDING_TIMEOUT_SECONDS", "300"))
NOTIFY_HTTP_TIMEOUT_SECONDS = int(os.environ.get("NOTIFY_HTTP_TIMEOUT_SECONDS", "10"))
# Requests to Notify in flight at once from one dispatcher (all under the rate above).
NOTIFY_SEND_CONCURRENCY = int(os.environ.get("NOTIFY_SEND_CONCURRENCY", "4"))


# Secret personalisation in the outbox (the link in a check-in or safety-plan message) is
# encrypted at rest with these Fernet keys (safeguard/notify/sealing.py): the first seals, any
# opens. Comma-separated; make one with `python -c "from cryptography.fernet import Fernet;
# print(Fernet.generate_key().decode())"`. Required in production; in development it is derived
# from SECRET_KEY.
def _outbox_keys() -> list[str]:
    if PRODUCTION:
        raw = _required("SAFEGUARD_OUTBOX_KEY")
    else:
        raw = os.environ.get("SAFEGUARD_OUTBOX_KEY", "").strip()
    if not raw:
        import base64
        import hashlib

        digest = hashlib.sha256(b"safeguard-outbox-key:" + SECRET_KEY.encode()).digest()
        return [base64.urlsafe_b64encode(digest).decode()]
    from cryptography.fernet import Fernet

    keys = [k.strip() for k in raw.split(",") if k.strip()]
    for key in keys:
        try:
            Fernet(key)
        except ValueError as exc:
            raise ImproperlyConfigured(
                "SAFEGUARD_OUTBOX_KEY must be Fernet keys (32 url-safe base64-encoded bytes), "
                "separated by commas."
            ) from exc
    return keys


SAFEGUARD_OUTBOX_KEYS = _outbox_keys()
# Check-in links: how long they work, and the address people open them at.
CHECK_IN_LINK_HOURS = int(os.environ.get("CHECK_IN_LINK_HOURS", "72"))
SAFEGUARD_PUBLIC_URL = os.environ.get("SAFEGUARD_PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/")


# ---- Single sign-on and the second factor (safeguard.identity) -------------------------------
# OpenID Connect sign-in (mozilla-django-oidc), for HMPPS Auth, Microsoft Entra ID or any
# provider: off unless OIDC_RP_CLIENT_ID is set; then the provider's endpoints, issuer and the
# client secret are required too (in production they must be https). Who may sign in, and as
# what, is the sign-in mapping table in the admin site (safeguard/identity/models.py).
OIDC_RP_CLIENT_ID = os.environ.get("OIDC_RP_CLIENT_ID", "").strip()
OIDC_ENABLED = bool(OIDC_RP_CLIENT_ID)
_OIDC_REQUIRED = (
    "OIDC_RP_CLIENT_SECRET",
    "OIDC_OP_ISSUER",
    "OIDC_OP_AUTHORIZATION_ENDPOINT",
    "OIDC_OP_TOKEN_ENDPOINT",
    "OIDC_OP_USER_ENDPOINT",
    "OIDC_OP_JWKS_ENDPOINT",
)


def _oidc_setting(name: str) -> str:
    value = os.environ.get(name, "").strip()
    if not OIDC_ENABLED:
        return value
    if not value:
        raise ImproperlyConfigured(
            f"{name} must be set when OIDC_RP_CLIENT_ID is set"
            + (" and SAFEGUARD_ENV=production." if PRODUCTION else ".")
            + " Unset OIDC_RP_CLIENT_ID to turn single sign-on off."
        )
    if PRODUCTION and name != "OIDC_RP_CLIENT_SECRET" and not value.startswith("https://"):
        raise ImproperlyConfigured(f"{name} must be an https:// address in production.")
    return value


OIDC_RP_CLIENT_SECRET, OIDC_OP_ISSUER = (_oidc_setting(n) for n in _OIDC_REQUIRED[:2])
OIDC_OP_AUTHORIZATION_ENDPOINT = _oidc_setting("OIDC_OP_AUTHORIZATION_ENDPOINT")
OIDC_OP_TOKEN_ENDPOINT = _oidc_setting("OIDC_OP_TOKEN_ENDPOINT")
OIDC_OP_USER_ENDPOINT = _oidc_setting("OIDC_OP_USER_ENDPOINT")
OIDC_OP_JWKS_ENDPOINT = _oidc_setting("OIDC_OP_JWKS_ENDPOINT")
OIDC_RP_SIGN_ALGO = os.environ.get("OIDC_RP_SIGN_ALGO", "RS256").strip()
if OIDC_ENABLED and OIDC_RP_SIGN_ALGO[:2] not in {"RS", "ES", "PS"}:
    raise ImproperlyConfigured("OIDC_RP_SIGN_ALGO must be a public-key algorithm, such as RS256.")
OIDC_RP_SCOPES = os.environ.get("OIDC_RP_SCOPES", "openid email profile").strip()
# The claim that names the account at the provider (only for a readable username).
OIDC_USERNAME_CLAIM = os.environ.get("OIDC_USERNAME_CLAIM", "preferred_username").strip()
# The claims that carry groups or app roles (a mapping row can name any claim; these are also
# listed on the refusal page so that someone not yet mapped can tell the service desk theirs).
OIDC_MAPPING_CLAIMS = [
    c.strip() for c in os.environ.get("OIDC_MAPPING_CLAIMS", "groups,roles").split(",") if c.strip()
]
# What the sign-in page calls the provider: "Sign in with <this>".
OIDC_PROVIDER_NAME = (
    os.environ.get("OIDC_PROVIDER_NAME", "").strip() or "your organisation's account"
)
OIDC_USE_PKCE = True
OIDC_USE_NONCE = True
OIDC_TIMEOUT = int(os.environ.get("OIDC_TIMEOUT", "10"))
OIDC_AUTHENTICATION_CALLBACK_URL = "identity:sso_callback"
OIDC_STORE_ACCESS_TOKEN = OIDC_STORE_ID_TOKEN = False

# A second factor (an authenticator app, with recovery codes) for password sign-ins: always
# in production, where it cannot be turned off; off by default in development and tests.
_mfa = os.environ.get("SAFEGUARD_REQUIRE_MFA", "").strip().lower()
if PRODUCTION and _mfa in {"0", "false", "no", "off"}:
    raise ImproperlyConfigured(
        "SAFEGUARD_REQUIRE_MFA cannot be turned off when SAFEGUARD_ENV=production."
    )
SAFEGUARD_REQUIRE_MFA = PRODUCTION or _mfa in {"1", "true", "yes", "on"}
OTP_TOTP_ISSUER = "Safeguard"
# ---- nDelius: integrated mode, HMPPS domain events and the bulk load (safeguard.integration) --
# "standalone" (the default and the demo): Safeguard is the record. "delius": people,
# allocations, registrations and custody facts come from nDelius and are read-only here.
SAFEGUARD_CASE_SOURCE = os.environ.get("SAFEGUARD_CASE_SOURCE", "standalone").strip().lower()
if SAFEGUARD_CASE_SOURCE not in ("standalone", "delius"):
    raise ImproperlyConfigured("SAFEGUARD_CASE_SOURCE must be 'standalone' or 'delius'.")
# The SQS queue the HMPPS domain events arrive on (`manage.py consume_events`). The endpoint,
# region and credentials are boto3's own variables: AWS_ENDPOINT_URL, AWS_REGION or
# AWS_DEFAULT_REGION, AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or a role).
HMPPS_EVENTS_QUEUE_URL = os.environ.get("HMPPS_EVENTS_QUEUE_URL", "").strip()
HMPPS_EVENTS_WAIT_SECONDS = int(os.environ.get("HMPPS_EVENTS_WAIT_SECONDS", "20"))
# Bearer token for the case summaries the events' detailUrl points at (optional).
DELIUS_API_TOKEN = os.environ.get("DELIUS_API_TOKEN", "").strip()
DELIUS_API_TIMEOUT_SECONDS = int(os.environ.get("DELIUS_API_TIMEOUT_SECONDS", "10"))
# If set, a detailUrl must start with it (the token is never sent anywhere else).
DELIUS_API_URL = os.environ.get("DELIUS_API_URL", "").strip()
