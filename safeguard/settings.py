"""Safeguard settings.

Everything that differs between machines comes from the environment. ``SAFEGUARD_ENV`` is
``development`` (the default, used by ``make run`` and the tests) or ``production``; production
refuses to start without its secrets so that no unsafe default can reach real people's data.
"""

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
    "safeguard.insights",
    "safeguard.releases",
    "safeguard.api",
    "safeguard.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "safeguard.core.middleware.LoginRequiredByDefaultMiddleware",
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
            ],
        },
    }
]

AUTH_USER_MODEL = "core.Staff"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
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
LOGIN_REDIRECT_URL = "people:caseload"
LOGOUT_REDIRECT_URL = "login"

# Lock an account (per username) after repeated failed sign-ins.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = 0.5  # hours
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False
# Lock per account, not per address: probation offices share one outgoing address, and
# locking by address would lock a whole office out after one person mistypes.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]

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
    SECURE_SSL_REDIRECT_EXEMPT = [r"^healthz$"]

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
    },
}

# Sections of the person page, in order (see safeguard/people/sections.py).
SAFEGUARD_PERSON_SECTIONS = [
    "safeguard.releases.sections.first_days_section",
    "safeguard.assessments.sections.risk_picture_section",
    "safeguard.registrations.sections.registrations_section",
    "safeguard.referrals.sections.referrals_section",
    "safeguard.referrals.meetings_views.meetings_section",
    "safeguard.releases.sections.release_section",
]

# Work-item rules run by `safeguarding_scan` (see safeguard/core/workitems.py), in this order.
SAFEGUARD_WORK_ITEM_RULES = [
    "safeguard.registrations.rules.REVIEW_OVERDUE",
    "safeguard.registrations.rules.HYGIENE_PROBLEM",
    "safeguard.assessments.rules.SCREEN_DUE",
    "safeguard.assessments.rules.SAFETY_PLAN_REVIEW_OVERDUE",
    "safeguard.referrals.rules.REFERRAL_OVERDUE",
    "safeguard.referrals.rules.REJECTED_WHILE_INDICATED",
    "safeguard.referrals.rules.ESCALATION_TO_ANSWER",
    "safeguard.referrals.rules.ESCALATION_OVERDUE",
    "safeguard.releases.rules.PLAN_12_WEEKS",
    "safeguard.releases.rules.PLAN_8_WEEKS",
    "safeguard.releases.rules.PLAN_4_WEEKS",
    "safeguard.releases.rules.PLAN_1_WEEK",
    "safeguard.releases.rules.AT_RISK_NO_ACCOMMODATION",
    "safeguard.releases.rules.FIRST_14_DAYS",
]

# Sweeps write rows the rules then look at; `safeguarding_scan` runs them first.
SAFEGUARD_SWEEPS = [
    "safeguard.releases.sweeps.open_due_release_plans",
    "safeguard.releases.sweeps.record_accommodation_at_12_weeks",
]
