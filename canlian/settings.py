"""Canlian settings: one module, every environment-dependent value read from typed variables.

Variables: DEBUG, SECRET_KEY, CANLIAN_DATA_KEY (base64, 32 bytes, for field encryption),
DATABASE_URL, ALLOWED_HOSTS, CANLIAN_IDLE_TIMEOUT (seconds), CANLIAN_DB_TIMEOUT (seconds),
CANLIAN_LOCKOUT_MINUTES, CANLIAN_LOCKOUT_ATTEMPTS, CANLIAN_HTTPS, CANLIAN_MEDIA_ROOT,
CANLIAN_MAX_UPLOAD_MB, CANLIAN_IMPORT_INLINE_KB, CANLIAN_CJK_FONT, CANLIAN_CJK_FONT_INDEX. A production start
(DEBUG off) with a missing or development secret is refused by the system check `canlian.E001` and by the
WSGI entry point.
"""

from __future__ import annotations

import sys
from datetime import timedelta
from pathlib import Path

import dj_database_url

from canlian.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

TESTING = "pytest" in sys.modules or env_bool("CANLIAN_TESTING")
DEBUG = env_bool("DEBUG", default=False)

# Development defaults. They are public, so a production start with either of them is refused.
DEV_SECRET_KEY = "canlian-development-secret-key-do-not-use-in-production"  # noqa: S105
DEV_DATA_KEY = "Y2FubGlhbi1kZXZlbG9wbWVudC1kYXRhLWtleS0zMmI="  # 32 bytes, base64
SECRET_KEY = env_str("SECRET_KEY") or DEV_SECRET_KEY
CANLIAN_DATA_KEY = env_str("CANLIAN_DATA_KEY") or DEV_DATA_KEY

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if (DEBUG or TESTING) else [])

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.admin",
    "django.contrib.humanize",
    "django_htmx",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "django_tasks",
    "django_tasks_db",
    "canlian.common",
    "canlian.regions",
    "canlian.accounts",
    "canlian.audit",
    "canlian.registry",
    "canlian.programmes",
    "canlian.applications",
    "canlian.payments",
    "canlian.reports",
    "canlian.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "canlian.common.middleware.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "canlian.audit.middleware.RequestContextMiddleware",
    "canlian.accounts.middleware.PasswordChangeRequiredMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "canlian.urls"
WSGI_APPLICATION = "canlian.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "canlian.common.context_processors.navigation",
            ],
        },
    }
]

# Database: SQLite in WAL mode under var/ by default, PostgreSQL through DATABASE_URL.
DB_TIMEOUT = env_int("CANLIAN_DB_TIMEOUT", 20)
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{VAR_DIR / 'canlian.sqlite3'}",
        conn_max_age=0 if TESTING else 60,
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    DATABASES["default"]["OPTIONS"] = {
        "timeout": DB_TIMEOUT,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
    }
    # person_eligibility INCLUDEs the id for PostgreSQL's index-only scans; SQLite's indexes carry the rowid
    # anyway, so the ignored INCLUDE loses nothing there (registry.models.Person.Meta.indexes)
    SILENCED_SYSTEM_CHECKS = ["models.W040"]
else:
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"]["connect_timeout"] = DB_TIMEOUT

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

# Passwords and login policy (等保 2.0): Argon2, 8+ characters of 3 classes, lock-out, idle time-out.
# The suite uses Argon2 with cheap parameters (canlian/accounts/hashers.py); production Django's defaults.
PASSWORD_HASHERS = [
    "canlian.accounts.hashers.CheapArgon2PasswordHasher"
    if TESTING
    else "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "canlian.accounts.validators.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "canlian.accounts.validators.CharacterClassValidator", "OPTIONS": {"min_classes": 3}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "canlian.accounts.backends.LockoutBackend",  # axes: refuses locked-out accounts and addresses
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"

AXES_FAILURE_LIMIT = env_int("CANLIAN_LOCKOUT_ATTEMPTS", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("CANLIAN_LOCKOUT_MINUTES", 5))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]  # each on its own: per account and per IP
AXES_RESET_ON_SUCCESS = False  # the login view forgets only the account's own failures (login_failures_clear)
AXES_LOCKOUT_CALLABLE = "canlian.accounts.views.lockout_response"
AXES_VERBOSE = False

# Second factor (optional per account): TOTP codes from any authenticator app, no network needed.
OTP_TOTP_ISSUER = "区残联服务管理系统"

IDLE_TIMEOUT = env_int("CANLIAN_IDLE_TIMEOUT", 600)
SESSION_COOKIE_AGE = IDLE_TIMEOUT
SESSION_SAVE_EVERY_REQUEST = True  # the age counts from the last request: an idle time-out
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True

# Security headers. HTTPS is assumed in production unless CANLIAN_HTTPS=0 (an intranet without TLS).
HTTPS = env_bool("CANLIAN_HTTPS", default=not (DEBUG or TESTING))
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS
SECURE_HSTS_SECONDS = 31536000 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("CANLIAN_BEHIND_PROXY") else None
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)

# Language and time: Simplified Chinese by default, English through the catalogue in locale/en.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if (DEBUG or TESTING)
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
# Uploaded files (attachments, import files) live outside the web root and are served by views
# that check permissions, never as static files.
MEDIA_ROOT = Path(env_str("CANLIAN_MEDIA_ROOT") or VAR_DIR / "files")
MAX_UPLOAD_MB = env_int("CANLIAN_MAX_UPLOAD_MB", 50)
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# The CJK TrueType font embedded (as a subset) in printed forms: Debian's fonts-wqy-zenhei, installed by
# scripts/ensure-system-packages.sh. Noto CJK (CFF outlines) cannot be embedded by reportlab.
CJK_FONT_PATH = Path(env_str("CANLIAN_CJK_FONT") or "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc")
CJK_FONT_SUBFONT = env_int("CANLIAN_CJK_FONT_INDEX", 0)

# Background work: django-tasks with its database backend (no broker); immediate in tests.
TASKS = {
    "default": {
        "BACKEND": "django_tasks.backends.immediate.ImmediateBackend"
        if TESTING
        else "django_tasks_db.DatabaseBackend"
    }
}

# Imports of files up to this size are validated and written within the request; larger files run as
# a background job with a progress bar.
IMPORT_INLINE_MAX_KB = env_int("CANLIAN_IMPORT_INLINE_KB", 256)

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Audit events younger than this are never deleted (Cybersecurity Law: logs kept ≥ 6 months).
AUDIT_RETENTION_DAYS = 183
# An audit export up to this many events is written in the request (constant memory); a larger one runs
# as a background job with a progress bar.
AUDIT_EXPORT_INLINE_MAX_ROWS = 100_000
# A payment batch's build, check, roster export or bank-return import over more lines than this runs as a
# background job with a progress bar; smaller ones stay in the request (decision 0013).
PAYMENT_INLINE_MAX_LINES = env_int("CANLIAN_PAYMENT_INLINE_LINES", 2000)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {"axes": {"level": "ERROR"}},
}
