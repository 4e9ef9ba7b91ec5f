"""Settings, all from the environment (see README: "Settings").

Embedded defaults (SQLite and Celery's filesystem transport under var/) need no server. DJANGO_ENV=production is
the one switch for a deployment: DEBUG off, SECRET_KEY (or SECRET_KEY_FILE), ALLOWED_HOSTS and CREDENTIALS_KEYS
required, HTTPS-only cookies, HSTS, the SSL redirect behind the proxy's X-Forwarded-Proto, hashed and compressed
static files, JSON logs (docs/deploy.md).
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from typing import Any

from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from config.env import (
    broker_url,
    credentials_keys,
    database_config,
    env_bool,
    env_choice,
    env_int,
    env_list,
    env_str,
    secret_key,
    worker_metrics_addr,
)

# Models and data ship inside packages; the hub is never contacted.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("VAR_DIR", str(BASE_DIR / "var"))).resolve()
VAR_DIR.mkdir(parents=True, exist_ok=True)

DJANGO_ENV = env_choice("DJANGO_ENV", ("development", "production"), "development")
PRODUCTION = DJANGO_ENV == "production"
DEBUG = env_bool("DEBUG", not PRODUCTION)
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("DEBUG must be off when DJANGO_ENV=production")
_DEV_SECRET = "dev-only-insecure-secret-key-change-me-0123456789abcdefghijklmnop"
SECRET_KEY = secret_key(_DEV_SECRET if DEBUG else None)
if not DEBUG and SECRET_KEY == _DEV_SECRET:
    raise ImproperlyConfigured("SECRET_KEY must be set to a real secret when DEBUG is off")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", None if PRODUCTION else ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
SESSION_ENGINE = "campaigns.web.sessions"  # Django's database sessions, read in SQL
# Ad-platform credentials are encrypted with the first of these keys (campaigns/services/credentials.py). Outside
# production a fixed development key stands in, so nothing encrypted with it is a secret.
_DEV_CREDENTIALS_KEY = "dev:ZGV2LW9ubHktY3JlZGVudGlhbHMta2V5LTMyYnl0ZXM="
CREDENTIALS_KEYS = credentials_keys("CREDENTIALS_KEYS", None if PRODUCTION else _DEV_CREDENTIALS_KEY)

if PRODUCTION:
    # TLS ends at the proxy, which must set X-Forwarded-Proto (and strip it from clients' requests).
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = True
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]  # probes and scrapes inside the network
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 365 * 24 * 3600, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_prometheus",
    "rest_framework",
    "knox",  # API tokens: stored hashed, expiring, revocable (logout, logout-all, password change)
    "axes",  # locks a username+address out after repeated failed logins (web and API)
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI's files served from here, not from a CDN
    "campaigns",
]

MIDDLEWARE = [
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "campaigns.uploads.UploadLimitMiddleware",  # refuses an oversized body before anything reads it
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "campaigns.web.language.UserLanguageMiddleware",  # a signed-in user's saved language (after auth)
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
    "axes.middleware.AxesMiddleware",  # turns a locked-out login into the lockout answer (429)
]

# Content-Security-Policy (django-csp): only our own scripts, styles and images (docs/security.md). The pages keep
# no inline <script>, <style>, style="" or on…="" (static/campaigns/site.js and site.css hold them).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],  # Swagger UI's and uPlot's icons are data: URLs
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

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
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "campaigns.web.context.organization_context",
            ],
        },
    },
]

DATABASES = {"default": database_config("DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
# django-prometheus' wrappers of the same backends count queries, errors and connections for /metrics.
_ENGINE = DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
DATABASES["default"]["ENGINE"] = f"django_prometheus.db.backends.{_ENGINE}"
if _ENGINE == "sqlite3":
    # A file, not :memory:, so that worker processes started by integration tests see the test database; one
    # per process, so that two test runs in one checkout do not share it.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test_db_{os.getpid()}.sqlite3")}
    DATABASES["default"]["OPTIONS"] = {"timeout": 30, "transaction_mode": "IMMEDIATE"}
# A new connection per request costs PostgreSQL a backend process (~15 ms on a busy host: more than the campaign
# list's own queries, bench/api_bench.py); production keeps each web worker's connection, checked before reuse.
DATABASES["default"]["CONN_MAX_AGE"] = env_int("DB_CONN_MAX_AGE", 60 if PRODUCTION else 0, minimum=0)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# PostgreSQL: parameters bound by the server, and a statement that a connection has run DB_PREPARE_THRESHOLD times
# is prepared, so the server stops parsing and planning the pages' same queries again (bench/page_profile.py: a
# third to a half less of the server's CPU per page). 0 turns both off, for a pooler that cannot keep prepared
# statements (PgBouncer before 1.21 in transaction mode).
DB_PREPARE_THRESHOLD = env_int("DB_PREPARE_THRESHOLD", 5, minimum=0)
if _ENGINE == "postgresql" and DB_PREPARE_THRESHOLD:
    DATABASES["default"]["OPTIONS"] = {
        **DATABASES["default"].get("OPTIONS", {}),
        "server_side_binding": True,
        "prepare_threshold": DB_PREPARE_THRESHOLD,
    }
# PostgreSQL's JIT compiles any query whose estimated cost passes jit_above_cost, again at every execution: 30 to
# 50 ms for the exports page's 1 ms digest query once another tenant's 300,000 keywords inflated its estimate. The
# product's queries are short and read through indexes, so its connections (web and workers) turn JIT off;
# DB_JIT=true keeps the server's setting (behind PgBouncer, which refuses the `options` startup parameter).
if _ENGINE == "postgresql" and not env_bool("DB_JIT", False):
    _options = DATABASES["default"].setdefault("OPTIONS", {})
    _options["options"] = f"{_options.get('options', '')} -c jit=off".strip()
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": env_int("PASSWORD_MIN_LENGTH", 12, minimum=8)},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# django-axes checks every authenticate() first; a username+address pair is locked out after LOGIN_FAILURE_LIMIT
# failures for LOGIN_COOLOFF_MINUTES (the web form and POST /api/auth/token/ alike; a success resets the count).
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_COOLOFF_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "campaigns.web.account.locked_out"
# The client's address for the lockout and the throttles: X-Forwarded-For's entry added by the nearest of this many
# trusted proxies (production: one, which must append or set the header), else REMOTE_ADDR. Never the whole header,
# which a client could vary to dodge both.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 1 if PRODUCTION else 0, minimum=0)
AXES_CLIENT_IP_CALLABLE = "campaigns.web.account.client_ip"
PASSWORD_RESET_TIMEOUT = env_int("PASSWORD_RESET_TIMEOUT", 2 * 3600, minimum=300)  # seconds a reset link works
# Invitations and password reset mail: the console outside production, SMTP from the environment in production.
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend" if PRODUCTION else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 587, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Ad optimizer <noreply@localhost>")

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("es", "Español")]
TIME_ZONE = env_str("TIME_ZONE", "Europe/Madrid")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"  # manage.py collectstatic; whitenoise serves it
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Production serves hashed, compressed copies (collectstatic first); development and tests read static/ as is.
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION
STATICFILES_DIRS = [BASE_DIR / "static"]  # vendored htmx and uPlot: no JavaScript build step
LOCALE_PATHS = [BASE_DIR / "locale"]
LOGIN_URL = "campaigns:login"
LOGIN_REDIRECT_URL = "campaigns:home"
LOGOUT_REDIRECT_URL = "campaigns:login"

LOG_FORMAT = env_choice("LOG_FORMAT", ("json", "text"), "json" if PRODUCTION else "text")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": "config.logs.JsonFormatter"},
        "text": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}

# The most a JSON (or form) body may hold; uploaded files are not counted. The API's largest request is a few
# kilobytes; Django's default is 2.5 MB.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 1024 * 1024, minimum=1024)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # scripts: "Authorization: Token KEY" from POST /api/auth/token/ (knox's check, in one query)
        "campaigns.api.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",  # the browser, with CSRF
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # JSON nested too deep or too large is a JSON 400, not a 500 or an HTML page (campaigns/api/parsers.py, errors.py)
    "DEFAULT_PARSER_CLASSES": [
        "campaigns.api.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "EXCEPTION_HANDLER": "campaigns.api.errors.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": ["rest_framework.throttling.ScopedRateThrottle"],
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
    "DEFAULT_THROTTLE_RATES": {
        "imports": env_str("API_THROTTLE_IMPORTS", "30/hour"),
        "generation": env_str("API_THROTTLE_GENERATION", "60/hour"),
        "auth": env_str("API_THROTTLE_AUTH", "10/minute"),  # POST /api/auth/token/, per client address
        # the sign-up and password-reset forms (each sends an email), per client address
        "account_mail": env_str("ACCOUNT_MAIL_THROTTLE", "10/hour"),
    },
}
REST_KNOX = {
    "TOKEN_TTL": timedelta(days=env_int("API_TOKEN_TTL_DAYS", 30, minimum=1)),
    "AUTO_REFRESH": False,  # a token dies at its expiry however often it is used: log in again for a new one
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Ad optimizer API",
    "DESCRIPTION": "Campaigns, search terms, suggestions and imports. Money is integer micros.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # The schema and its docs page describe every endpoint: for signed-in users (session or token) only.
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SWAGGER_UI_DIST": "SIDECAR",  # drf-spectacular-sidecar's copy, served as our static files
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # `check --deploy` is about the deployment's settings; the schema's own warnings are for the API tests
    # (`manage.py spectacular --validate --fail-on-warn`), not a reason to refuse a deployment.
    "ENABLE_DJANGO_DEPLOY_CHECK": False,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "campaigns.api.schema.add_error_responses",
    ],
    # Choice sets shared by several models get one name each (else the schema names them by a hash).
    "ENUM_NAME_OVERRIDES": {
        "CampaignStatusEnum": "campaigns.models.CampaignStatus",
        "JobStatusEnum": "campaigns.models.JobStatus",  # generation and import jobs
        "KeywordLevelEnum": "campaigns.models.KeywordLevel",
        "AdStrengthLevelEnum": "ml.ad_strength.LEVELS",
        "AdStrengthHintEnum": "ml.ad_strength.HINT_CODES",
    },
}

# Tokens the LLM may generate per organization per local day (generation jobs are refused past it).
GENERATION_DAILY_TOKEN_QUOTA = env_int("GENERATION_DAILY_TOKEN_QUOTA", 2_000_000, minimum=1)
# Report uploads: a body over the limit is refused from its Content-Length, unread (413). An accepted file is kept in
# IMPORT_UPLOAD_DIR until its import job ends; in production the web and the workers must share that folder.
IMPORT_MAX_UPLOAD_MB = env_int("IMPORT_MAX_UPLOAD_MB", 200, minimum=1)
IMPORT_UPLOAD_DIR = Path(env_str("IMPORT_UPLOAD_DIR", str(VAR_DIR / "uploads"))).resolve()
# Django's own copy of a large upload goes beside it, so that storing it is a rename, not a second copy.
FILE_UPLOAD_TEMP_DIR = str(IMPORT_UPLOAD_DIR / "incoming")
Path(FILE_UPLOAD_TEMP_DIR).mkdir(parents=True, exist_ok=True)

# Where applied budget changes go: "offline" (recorded here, applied with the exported files) or "file:PATH".
BUDGET_PLATFORM = env_str("BUDGET_PLATFORM", "offline")

# Prometheus: a worker serves its own metrics on this port (0: off); /metrics asks for this bearer token when set,
# and production must set it: the scrape names campaigns' counts and the site's traffic.
WORKER_METRICS_PORT = env_int("WORKER_METRICS_PORT", 0, minimum=0)
# The worker's server has no token: loopback unless told otherwise, and every interface in production only when
# WORKER_METRICS_ALL_INTERFACES says the network in front of it is private (docs/deploy.md, Metrics).
WORKER_METRICS_ADDR = worker_metrics_addr(
    "WORKER_METRICS_ADDR",
    "127.0.0.1",
    refuse_all_interfaces=PRODUCTION
    and WORKER_METRICS_PORT > 0
    and not env_bool("WORKER_METRICS_ALL_INTERFACES", False),
)
METRICS_TOKEN = env_str("METRICS_TOKEN", "")
METRICS_TOKEN_MIN = 20
if PRODUCTION and len(METRICS_TOKEN) < METRICS_TOKEN_MIN:
    raise ImproperlyConfigured(
        f"METRICS_TOKEN must be set, {METRICS_TOKEN_MIN} characters or more, when "
        "DJANGO_ENV=production: /metrics answers only to that bearer token"
    )

# --- Celery -------------------------------------------------------------------------------------------------
CELERY_BROKER_URL = broker_url("CELERY_BROKER_URL", "filesystem://")
CELERY_FS_DIR = VAR_DIR / "celery"
CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, Any]  # kombu's options of the broker's transport
if CELERY_BROKER_URL.startswith("filesystem://"):
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_FS_DIR / "queue"),
        "data_folder_out": str(CELERY_FS_DIR / "queue"),
        "processed_folder": str(CELERY_FS_DIR / "processed"),
        "control_folder": str(CELERY_FS_DIR / "control"),  # broadcast exchanges; default is ./control
        "store_processed": False,
    }
    _default_backend = f"file://{CELERY_FS_DIR / 'results'}"
    for _folder in ("queue", "processed", "results", "control"):
        (CELERY_FS_DIR / _folder).mkdir(parents=True, exist_ok=True)
elif CELERY_BROKER_URL.split(":", 1)[0] in {"redis", "rediss"}:
    # Longer than any task's hard limit plus retries, so a late-acked task is redelivered only when its
    # worker is really gone.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3 * 3600}
    _default_backend = CELERY_BROKER_URL
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {}
    _default_backend = "rpc://"
CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND", _default_backend)
CELERY_RESULT_EXPIRES = 24 * 3600
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_ROUTES = {
    "campaigns.tasks.generate_*": {"queue": "llm"},
    "campaigns.tasks.run_generation_job": {"queue": "llm"},
}
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 15 * 60, minimum=1)
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 20 * 60, minimum=1)
if CELERY_TASK_TIME_LIMIT <= CELERY_TASK_SOFT_TIME_LIMIT:
    raise ImproperlyConfigured("CELERY_TASK_TIME_LIMIT must be greater than CELERY_TASK_SOFT_TIME_LIMIT")
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# Rebalancing: how often beat looks for organizations whose local day needs a plan, and the queue of those runs
# (empty: the default queue). CLOCK_FILE (a file holding an ISO datetime with its offset) replaces the wall clock
# of that lookup for simulations and the two-beats test; never set it in production.
REBALANCE_BEAT_SECONDS = env_int("REBALANCE_BEAT_SECONDS", 3600, minimum=1)
REBALANCE_QUEUE = env_str("REBALANCE_QUEUE", "")
CLOCK_FILE = env_str("CLOCK_FILE", "")
if CLOCK_FILE and PRODUCTION:
    raise ImproperlyConfigured("CLOCK_FILE replaces the wall clock: it must not be set when DJANGO_ENV=production")
CELERY_BEAT_SCHEDULE = {
    "rebalance-budgets": {
        "task": "campaigns.tasks.rebalance_due_organizations",
        # hourly by default: each organization's plan is made once per local day, whichever run is first
        "schedule": REBALANCE_BEAT_SECONDS,
        "options": {"queue": REBALANCE_QUEUE} if REBALANCE_QUEUE else {},
    },
    "nightly-account-summaries": {
        "task": "campaigns.tasks.summarize_all_organizations",
        "schedule": 24 * 3600,
    },
}
