"""Settings for 还款助手.

One module. Every value that differs between a laptop and production comes from
the environment (through django-environ, which raises ImproperlyConfigured on a
malformed value); the defaults are the embedded ones: SQLite under var/, a
file-system Celery broker, and email written to files under var/mail/.
"""

from datetime import timedelta
from pathlib import Path
from typing import Final

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent
# A developer checkout has a git-ignored .env (written by `make install`, DEBUG=true);
# its values are defaults only: the real environment always wins.
if (BASE_DIR / ".env").is_file():
    environ.Env.read_env(BASE_DIR / ".env", overwrite=False)
VAR_DIR = Path(environ.Env().str("VAR_DIR", default=str(BASE_DIR / "var")))

env = environ.Env()

DEBUG = env.bool("DEBUG", default=False)

SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "insecure-development-key-only-used-with-DEBUG-on"  # noqa: S105

ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"] if DEBUG else []
)
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "axes",
    "borrowers",
    "repayment_plans",
    # The project's own system checks (config/checks.py), e.g. for `check --deploy`.
    "config.checks.ChecksConfig",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Cache-Control: no-store for signed-in pages and downloads (after auth: reads request.user).
    "config.middleware.NoStoreMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, so that it turns a lockout flagged during the view into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "repayment_plans.reminders.views.unread_count",
            ],
        },
    },
]
# Form fields render through Jinja2 templates where they exist (Django's widgets,
# the project's field: config/renderers.py); the pages stay Django templates.
FORM_RENDERER = "config.renderers.FormRenderer"

# Database: SQLite under var/ unless DATABASE_URL says otherwise
# (postgres://user@127.0.0.1:5432/name in production and CI).
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
}
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=0))
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # Writers take the lock when their transaction starts and wait for it, so two
    # requests writing at once queue instead of failing with "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"transaction_mode": "IMMEDIATE", "timeout": 20}
    )
if DATABASES["default"]["ENGINE"].endswith("postgresql") and env.bool(
    "DATABASE_PREPARED_STATEMENTS", default=True
):
    # Parameters bound by the server, and a statement run 5 times on a connection
    # prepared there: PostgreSQL then plans it once, not at every run. Planning
    # was most of what the per-request reads cost PostgreSQL (the signed-in user
    # with its profiles: 0.11 ms to plan, 0.03 ms to run). Off
    # (DATABASE_PREPARED_STATEMENTS=false) behind a pooler that cannot keep
    # prepared statements, such as PgBouncer in transaction mode before 1.21.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"server_side_binding": True, "prepare_threshold": 5}
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "borrowers.User"
# Argon2 (memory-hard, Django's recommended hasher). Older PBKDF2 hashes still
# verify and are rehashed with Argon2 at the next successful login.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
# django-axes counts failed logins per (email, IP address) and refuses that
# combination for a cool-off period after AXES_FAILURE_LIMIT failures; its
# backend must come first so that a locked-out login never reaches the password.
# Besides, guesses spread over many addresses lock the email everywhere after
# AXES_ACCOUNT_FAILURE_LIMIT failures, and one address that tries many emails
# is refused after AXES_ADDRESS_FAILURE_LIMIT (borrowers.accounts.throttle.AxesHandler),
# both within the cool-off. Both are higher than the per-pair limit, so that a
# stranger's few guesses do not lock the owner out at home, nor one user's typos
# everyone behind the same carrier address. The counts are rows of the database
# (axes' database handler), so every web process and node counts together.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "borrowers.accounts.backends.ModelBackend",
]
AXES_ENABLED = env.bool("AXES_ENABLED", default=True)
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_HANDLER = "borrowers.accounts.throttle.AxesHandler"
AXES_ACCOUNT_FAILURE_LIMIT = env.int("AXES_ACCOUNT_FAILURE_LIMIT", default=10)
AXES_ADDRESS_FAILURE_LIMIT = env.int("AXES_ADDRESS_FAILURE_LIMIT", default=30)
AXES_RESET_ON_SUCCESS = True
# Attempts during a lockout do not prolong it: the page can say when it ends.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_USERNAME_CALLABLE = "borrowers.accounts.lockout.username_from"
AXES_LOCKOUT_CALLABLE = "borrowers.accounts.lockout.lockout_response"
# Reverse proxies in front of gunicorn that append to X-Forwarded-For (0: none,
# REMOTE_ADDR is the client); see borrowers.accounts.lockout.client_address.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
AXES_CLIENT_IP_CALLABLE = "borrowers.accounts.lockout.client_address"
# Nothing that identifies a person in axes' log lines (emails, IP addresses).
AXES_VERBOSE = False
AXES_SENSITIVE_PARAMETERS = ["username", "email", "ip_address", "user_agent"]

# Language and time.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = env.str("TIME_ZONE", default="Asia/Shanghai")
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns when it is missing
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
# Stored files (proposal PDFs, negotiation evidence, court documents): the local
# file system under MEDIA_ROOT by default, which only one host sees. With
# AWS_STORAGE_BUCKET_NAME set, an S3-compatible bucket that every web process and
# worker shares. Either way the files are private: every download goes through a
# view that checks who is asking and streams the bytes from the storage; no URL
# of the bucket is ever handed out (objects are private, any URL would be signed).
# Names never overwrite an existing object: a second file of the same name gets a
# suffix, as on disk, so a stored PDF never changes under its row.
AWS_STORAGE_BUCKET_NAME = env.str("AWS_STORAGE_BUCKET_NAME", default="")
if AWS_STORAGE_BUCKET_NAME:
    _file_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": AWS_STORAGE_BUCKET_NAME,
            # Empty means the provider's default: AWS for the endpoint, boto3's own
            # lookup (instance role, ~/.aws) for the credentials.
            "endpoint_url": env.str("AWS_S3_ENDPOINT_URL", default="") or None,
            "region_name": env.str("AWS_S3_REGION_NAME", default="") or None,
            "access_key": env.str("AWS_ACCESS_KEY_ID", default="") or None,
            "secret_key": env.str("AWS_SECRET_ACCESS_KEY", default="") or None,
            "addressing_style": env.str("AWS_S3_ADDRESSING_STYLE", default="") or None,
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
            "custom_domain": None,
        },
    }
else:
    _file_storage = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
STORAGES = {
    "default": _file_storage,
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if env.bool("STATIC_MANIFEST", default=not DEBUG)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
# Hashed, compressed files from `collectstatic` in production; the test run
# (STATIC_MANIFEST=false) and DEBUG serve straight from static/.
WHITENOISE_USE_FINDERS = env.bool("WHITENOISE_USE_FINDERS", default=DEBUG)

# Email: files under var/mail/ by default; EMAIL_URL=smtp://user:pass@host:port
# (smtp+tls:// or smtps:// for encryption) switches to SMTP.
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="还款助手 <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_URL = env.str("EMAIL_URL", default="")
if EMAIL_URL:
    _email = environ.Env.email_url_config(EMAIL_URL)
    _options = {
        "host": _email.get("EMAIL_HOST") or "localhost",
        "port": int(_email.get("EMAIL_PORT") or 25),
        "username": _email.get("EMAIL_HOST_USER") or "",
        "password": _email.get("EMAIL_HOST_PASSWORD") or "",
        "use_tls": bool(_email.get("EMAIL_USE_TLS")),
        "use_ssl": bool(_email.get("EMAIL_USE_SSL")),
        "timeout": env.int("EMAIL_TIMEOUT", default=20),
    }
    MAILERS = {"default": {"BACKEND": _email["EMAIL_BACKEND"], "OPTIONS": _options}}
else:
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "OPTIONS": {"file_path": str(VAR_DIR / "mail")},
        }
    }

# Emails anyone can trigger for an address (password reset, the sign-up notice to
# an address that has an account): at most this many per address, and per client
# address (TRUSTED_PROXY_COUNT), per hour; past that the page looks the same and
# nothing is sent (borrowers.accounts.throttle).
ACCOUNT_EMAILS_PER_ADDRESS_HOUR = env.int("ACCOUNT_EMAILS_PER_ADDRESS_HOUR", default=3)
ACCOUNT_EMAILS_PER_CLIENT_HOUR = env.int("ACCOUNT_EMAILS_PER_CLIENT_HOUR", default=10)
# The cache those counts live in (and the caseload's daily check): per process by
# default; several web processes or nodes must share it: CACHE_URL (any cache URL)
# or, when it is unset, REDIS_URL (redis://…) selects the shared one.
REDIS_URL = env.str("REDIS_URL", default="")
CACHES = {"default": env.cache_url("CACHE_URL", default=REDIS_URL or "locmemcache://")}
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
    CACHES["default"]["BACKEND"] = "config.cache.RedisCache"  # one client per pool
# Template fragments that are the same for every user of a kind in a language
# (the navigation's links): each process keeps its own, never shared or stale.
CACHES["fragments"] = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
# A borrower's computed position is kept in that cache under a stamp that every
# write to its data renews (repayment_plans/position/load.py), for at most this
# many seconds; 0 computes it on every read. POSITION_CACHE_CHECK (the tests)
# computes it anyway on every cache hit and fails loudly when the two differ.
POSITION_CACHE_SECONDS = env.int("POSITION_CACHE_SECONDS", default=86400)
POSITION_CACHE_CHECK = env.bool("POSITION_CACHE_CHECK", default=False)
# The kept values each process also holds in its own memory, the most recently
# used first (repayment_plans/position/load.py, RecentlyKept); 0 holds none.
POSITION_CACHE_RECENT = env.int("POSITION_CACHE_RECENT", default=512)
# Sessions live in the database that every web process shares (never a file or a
# process's memory), so a session started on one node works on every other; the
# account deletion ends a person's sessions there (borrowers.data_rights).
# With a cache that every process shares (Redis), a session is read from it and
# written through to the database; a per-process cache is never trusted with one.
_PROCESS_CACHES = ("locmem.LocMemCache", "dummy.DummyCache")
SESSION_ENGINE = (
    "django.contrib.sessions.backends.db"
    if CACHES["default"]["BACKEND"].endswith(_PROCESS_CACHES)
    else "django.contrib.sessions.backends.cached_db"
)

# First retry delay of a failed email, doubled on every further try.
EMAIL_RETRY_BACKOFF_SECONDS = env.int("EMAIL_RETRY_BACKOFF_SECONDS", default=30)
# An email or reminder still waiting this long after it was recorded lost its task
# (a worker killed, a broker restarted): the beat's re-drive enqueues it again.
OUTBOX_REDRIVE_AFTER_SECONDS = env.int("OUTBOX_REDRIVE_AFTER_SECONDS", default=600)

# Celery: a file-system broker that needs no server by default; Redis (or any
# kombu URL) through CELERY_BROKER_URL.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://")
if CELERY_BROKER_URL == "filesystem://":
    _broker_dir = VAR_DIR / "celery" / "broker"
    _processed_dir = VAR_DIR / "celery" / "processed"
    _control_dir = VAR_DIR / "celery" / "control"
    for _folder in (_broker_dir, _processed_dir, _control_dir):
        _folder.mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir),
        "data_folder_out": str(_broker_dir),
        "processed_folder": str(_processed_dir),
        "control_folder": str(_control_dir),
        "store_processed": False,
    }
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_IGNORE_RESULT = True
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# The daily reminder sweep, at this local time (Asia/Shanghai by default).
REMINDER_SWEEP_HOUR = env.int("REMINDER_SWEEP_HOUR", default=9)
REMINDER_SWEEP_MINUTE = env.int("REMINDER_SWEEP_MINUTE", default=0)
CELERY_BEAT_SCHEDULE = {
    "daily-reminder-sweep": {
        "task": "repayment_plans.tasks.daily_reminder_sweep",
        "schedule": crontab(hour=REMINDER_SWEEP_HOUR, minute=REMINDER_SWEEP_MINUTE),
    },
    # Caseload figures move with the date alone; refresh them before anyone reads.
    "nightly-triage-refresh": {
        "task": "borrowers.tasks.nightly_triage_refresh",
        "schedule": crontab(hour=0, minute=5),
    },
    # The outbox: email deliveries and reminders whose task was lost are sent again.
    "redrive-outbox": {
        "task": "repayment_plans.tasks.redrive_outbox",
        "schedule": crontab(minute="*/5"),
    },
}

# Security. Production values are on unless DEBUG; `manage.py check --deploy`
# stays clean with DEBUG off and SECRET_KEY set.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_HTTPS = env.bool("SECURE_HTTPS", default=not DEBUG)
SESSION_COOKIE_SECURE = SECURE_HTTPS
CSRF_COOKIE_SECURE = SECURE_HTTPS
LANGUAGE_COOKIE_SECURE = SECURE_HTTPS
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE: Final = "Lax"
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF, CSP.NONCE],  # nonce only for the letter preview
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}

# Every handler redacts emails, mainland phone and ID numbers, query strings
# and secret link tokens (config/logging.py); the app itself logs ids only.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact": {"()": "config.logging.RedactingFilter"}},
    "formatters": {
        "django.server": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        }
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["redact"]},
        "django.server": {
            "class": "logging.StreamHandler",
            "formatter": "django.server",
            "filters": ["redact"],
        },
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        # Django's default handlers (an unfiltered console, mail to ADMINS with
        # the request's data) give way: its records reach the root's handler.
        "django": {"handlers": [], "level": "INFO"},
        "django.server": {"handlers": ["django.server"], "level": "INFO", "propagate": False},
        "django.db.backends": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

# Domain settings (defaults editable per deployment).
# The app warns when a debt's effective annual cost exceeds this percentage.
COST_WARNING_ANNUAL_PERCENT = env.str("COST_WARNING_ANNUAL_PERCENT", default="24")
# Days after which server backups are overwritten: what a deleted account's data
# may stay in a backup for (the My data page says so).
BACKUP_RETENTION_DAYS = env.int("BACKUP_RETENTION_DAYS", default=30)
