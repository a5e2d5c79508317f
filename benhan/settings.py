"""Django settings for benhan.

Everything an operator may change comes from the environment (BENHAN_*), with safe defaults:
the embedded SQLite database under ./var, DEBUG off, and a secret key generated once into ./var
rather than committed.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("BENHAN_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def _env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def _secret_key() -> str:
    """The key comes from the environment in production; a local install keeps a generated one in var/."""
    if key := os.environ.get("BENHAN_SECRET_KEY"):
        return key
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = _env_bool("BENHAN_DEBUG")
ALLOWED_HOSTS = [h.strip() for h in os.environ.get("BENHAN_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]").split(",") if h.strip()]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("BENHAN_CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "oauth2_provider",
    "django_htmx",
    "benhan.core",
    "benhan.accounts",
    "benhan.fhir",
    "benhan.fhir.search",
    "benhan.fhir.bulk",
    "benhan.jobs",
    "benhan.facilities",
    "benhan.vn",
    "benhan.clinical",
    "benhan.documents",
    "benhan.exchange",
    "benhan.portal",
    "benhan.insurance",
    "benhan.reports",
    "benhan.booking",
    "benhan.questions",
    "benhan.feedback",
    "benhan.smart",
    "benhan.subscriptions",
    "benhan.notifications",
    "benhan.sharing",
    "benhan.province",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "benhan.fhir.rest.fastpath.BearerApiFastPath",  # /fhir with a bearer token skips the browser middleware
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "benhan.vn.language.VietnameseFirstLocaleMiddleware",  # cookie choice, else Vietnamese (not Accept-Language)
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "benhan.urls"
WSGI_APPLICATION = "benhan.wsgi.application"
ASGI_APPLICATION = "benhan.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "benhan" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- database -------------------------------------------------------------------------------
# BENHAN_DATABASE_URL=postgresql://user@host:5432/db for production; SQLite under var/ otherwise.
DATABASE_URL = os.environ.get("BENHAN_DATABASE_URL") or f"sqlite:///{VAR_DIR / 'benhan.sqlite3'}"
_db = dj_database_url.parse(DATABASE_URL, conn_max_age=int(os.environ.get("BENHAN_DB_CONN_MAX_AGE", "60")))
if _db["ENGINE"] == "django.db.backends.sqlite3":
    _db["CONN_MAX_AGE"] = 0
    # IMMEDIATE transactions take the write lock up front: concurrent writers queue instead of
    # failing with "database is locked" half-way through a transaction.
    _db["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
    }
    _db.setdefault("TEST", {})["NAME"] = str(VAR_DIR / f"test-{os.getpid()}.sqlite3")
elif _db["ENGINE"] == "django.db.backends.postgresql":
    # Short OLTP statements: a broad search's cost estimate can pass jit_above_cost, and compiling
    # it then costs more than running it.
    _db.setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")
DATABASES = {"default": _db}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "/ui/login/"

# --- sessions and security --------------------------------------------------------------------
SESSION_COOKIE_AGE = int(os.environ.get("BENHAN_SESSION_SECONDS", str(30 * 60)))
SESSION_SAVE_EVERY_REQUEST = True  # idle timeout, not absolute
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SECURE_COOKIES = _env_bool("BENHAN_SECURE_COOKIES")
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"

AXES_FAILURE_LIMIT = int(os.environ.get("BENHAN_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = 0.5  # hours
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "benhan.accounts.lockout.lockout_response"  # the Vietnamese login page, HTTP 429
OTP_TOTP_ISSUER = "benhan"

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "style-src": ["'self'"],
        "script-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

# --- OAuth2 / SMART ----------------------------------------------------------------------------
OAUTH2_PROVIDER = {
    "ACCESS_TOKEN_EXPIRE_SECONDS": 3600,
    "REFRESH_TOKEN_EXPIRE_SECONDS": 30 * 24 * 3600,
    "PKCE_REQUIRED": True,
    "SCOPES_BACKEND_CLASS": "benhan.accounts.scopes.SmartScopes",
    "ALLOWED_REDIRECT_URI_SCHEMES": ["http", "https"],
    # Lets a client ask for any scope its ClientProfile covers (system/Patient.rs under system/*.read).
    "OAUTH2_VALIDATOR_CLASS": "benhan.accounts.oauth_validator.SmartOAuth2Validator",
}
# Named explicitly so migrations that reference the (swappable) application model resolve it.
OAUTH2_PROVIDER_APPLICATION_MODEL = "oauth2_provider.Application"

# --- i18n ---------------------------------------------------------------------------------------
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", "Tiếng Việt"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "benhan" / "locale"]
FORMAT_MODULE_PATH = ["benhan.vn.formats"]  # dd/mm/yyyy dates, dot thousands separator
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "benhan" / "static"]  # the shared layout's CSS and htmx (not inside an app)
MEDIA_ROOT = VAR_DIR / "media"

# --- FHIR -----------------------------------------------------------------------------------------
FHIR_MAX_BODY_BYTES = int(os.environ.get("BENHAN_FHIR_MAX_BODY_BYTES", str(64 * 1024 * 1024)))
DATA_UPLOAD_MAX_MEMORY_SIZE = FHIR_MAX_BODY_BYTES
FHIR_BASE_URL = os.environ.get("BENHAN_BASE_URL", "http://127.0.0.1:8000").rstrip("/") + "/fhir"
# The facility this server acts for when a request names none (single-facility install).
DEFAULT_FACILITY = os.environ.get("BENHAN_FACILITY", "")
# The facility code of the provincial hub (patients are reported to its index); empty: no hub.
BENHAN_EXCHANGE_HUB = os.environ.get("BENHAN_EXCHANGE_HUB", "")
# Longest wait between delivery attempts: a node that was down catches up within this after it is back.
BENHAN_EXCHANGE_MAX_BACKOFF = float(os.environ.get("BENHAN_EXCHANGE_MAX_BACKOFF", "30"))

# Bulk export ($export): how long its files are kept, and the most resources in one NDJSON file.
BULK_EXPORT_EXPIRE_SECONDS = int(os.environ.get("BENHAN_BULK_EXPORT_EXPIRE_SECONDS", str(24 * 3600)))
BULK_EXPORT_FILE_MAX_RESOURCES = int(os.environ.get("BENHAN_BULK_EXPORT_FILE_MAX_RESOURCES", "100000"))
# Job queue: a failed attempt n is retried after base × 2^(n-1) seconds, at most the max.
JOBS_BACKOFF_BASE_SECONDS = float(os.environ.get("BENHAN_JOBS_BACKOFF_BASE_SECONDS", "2"))
JOBS_BACKOFF_MAX_SECONDS = float(os.environ.get("BENHAN_JOBS_BACKOFF_MAX_SECONDS", "3600"))

# Patient app (/app/): the SMS brandname gateway for one-time codes (benhan/portal/sms/gateway.py
# documents the assumed protocol); without a URL, codes only go to the server log (development).
PORTAL_SMS_URL = os.environ.get("BENHAN_SMS_URL", "")
PORTAL_SMS_API_KEY = os.environ.get("BENHAN_SMS_API_KEY", "")
PORTAL_SMS_BRANDNAME = os.environ.get("BENHAN_SMS_BRANDNAME", "BENHAN")
# Without a gateway, login codes go to the server log only when asked for (the local demo of make run).
PORTAL_SMS_TO_LOG = _env_bool("BENHAN_SMS_TO_LOG")
PORTAL_IDLE_SECONDS = int(os.environ.get("BENHAN_APP_IDLE_SECONDS", str(15 * 60)))
# Hours a "release after review" lab result waits for the doctor: "72", or "72,79001=48" per facility.
RESULT_REVIEW_HOURS = os.environ.get("BENHAN_RESULT_REVIEW_HOURS", "72")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("BENHAN_LOG_LEVEL", "WARNING")},
}

# Lockout is per account: a hospital's staff often share one public IP behind NAT, and locking the
# IP would lock the whole hospital out after one person's typos.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]

# SMART App Launch for patients (benhan/smart): the RSA key that signs ID tokens (PEM file); empty:
# one generated into var/ on first use.
SMART_SIGNING_KEY_FILE = os.environ.get("BENHAN_SMART_SIGNING_KEY", "")
# Patient-app login through an OpenID Connect provider (e.g. VNeID); off unless an issuer is set.
OIDC_ISSUER = os.environ.get("BENHAN_OIDC_ISSUER", "")
OIDC_CLIENT_ID = os.environ.get("BENHAN_OIDC_CLIENT_ID", "")
OIDC_CLIENT_SECRET = os.environ.get("BENHAN_OIDC_CLIENT_SECRET", "")
OIDC_SCOPE = os.environ.get("BENHAN_OIDC_SCOPE", "openid phone")
OIDC_NAME = os.environ.get("BENHAN_OIDC_NAME", "VNeID")
OIDC_CCCD_CLAIM = os.environ.get("BENHAN_OIDC_CCCD_CLAIM", "cccd")
OIDC_PHONE_CLAIM = os.environ.get("BENHAN_OIDC_PHONE_CLAIM", "phone_number")
