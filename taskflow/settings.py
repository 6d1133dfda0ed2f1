"""TaskFlow settings: one module, everything driven by the environment.

Defaults give the embedded mode (SQLite + in-process cache) for `make run`.
Production is switched on with ENVIRONMENT=production and then refuses unsafe values.
Every secret may come from NAME_FILE instead of NAME (Docker/Kubernetes secrets).
"""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

from taskflow import api_tags, backends, checks, logconfig, queue

BASE_DIR = Path(__file__).resolve().parent.parent
env = environ.FileAwareEnv()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

ENVIRONMENT = env.str("ENVIRONMENT", default="development")  # development|production|test
if _problems := checks.environment_problems(ENVIRONMENT):
    # A misspelt "production" must not quietly run development mode with DEBUG on.
    raise ImproperlyConfigured(checks.refusal(_problems, production=False))
PRODUCTION = ENVIRONMENT == "production"
DEBUG = env.bool("DEBUG", default=not PRODUCTION)

_INSECURE_KEY = "django-insecure-taskflow-development-key-change-me"
SECRET_KEY = env.str("SECRET_KEY", default=_INSECURE_KEY)
# Rotation: the previous key(s) here keep sessions, password-reset links and signed
# values valid while they are re-signed with the new key (docs/operations.md).
SECRET_KEY_FALLBACKS = env.list("SECRET_KEY_FALLBACKS", default=[])
# Signs JWTs; None when unset (production refuses that, development signs with
# SECRET_KEY). A marker default, because django-environ reads "" as None for None.
_UNSET = "<unset>"
JWT_SIGNING_KEY: str | None = env.str("JWT_SIGNING_KEY", default=_UNSET)
if JWT_SIGNING_KEY is _UNSET:
    JWT_SIGNING_KEY = None
ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS", default=[] if PRODUCTION else ["127.0.0.1", "localhost", "testserver"]
)
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# --- Database -------------------------------------------------------------------------
DATABASE_URL = env.str("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'var' / 'db.sqlite3'}")

# The same rules are `check --deploy`'s taskflow.E00x checks (taskflow/checks.py).
if PRODUCTION and (
    _problems := checks.production_problems(
        debug=DEBUG,
        secret_key=SECRET_KEY,
        secret_key_fallbacks=SECRET_KEY_FALLBACKS,
        allowed_hosts=ALLOWED_HOSTS,
        jwt_signing_key=JWT_SIGNING_KEY,
        database_url=DATABASE_URL,
    )
):
    raise ImproperlyConfigured(checks.refusal(_problems, production=True))

USING_MONGO = backends.is_mongo_url(DATABASE_URL)
# Persistent SQL connections, health-checked before reuse (no effect on MongoDB).
DATABASES = {
    "default": backends.database_config(
        DATABASE_URL,
        conn_max_age=env.int("CONN_MAX_AGE", default=60),
        prepared_statements=env.bool("DB_PREPARED_STATEMENTS", default=False),
    )
}
DEFAULT_AUTO_FIELD = backends.default_auto_field(mongo=USING_MONGO)
MIGRATION_MODULES = backends.migration_modules(mongo=USING_MONGO)

# --- Applications ---------------------------------------------------------------------
INSTALLED_APPS = backends.installed_apps(
    [
        # The project package as an app (no models): its system checks
        # (taskflow/checks.py), and the worker's autodiscovery of <app>.tasks modules
        # registers its jobs (taskflow/tasks.py).
        "taskflow.apps.TaskflowConfig",
        "django.contrib.admin",
        "django.contrib.auth",
        "django.contrib.contenttypes",
        "django.contrib.sessions",
        "django.contrib.messages",
        "whitenoise.runserver_nostatic",
        "django.contrib.staticfiles",
        # allauth's security-key list (mfa/webauthn/authenticator_list.html) loads it.
        "django.contrib.humanize",
        "rest_framework",
        "django_filters",
        "drf_spectacular",
        "drf_spectacular_sidecar",
        # The job queue: `manage.py run_huey` is the worker (taskflow.jobs).
        "huey.contrib.djhuey",
        "accounts",
        "projects",
        "tasks",
        "notifications",
        "calendars",
        # After accounts: our templates (templates/account/, templates/mfa/) win anyway
        # (DIRS come first), and our login/register pages keep their URLs.
        "allauth",
        "allauth.account",
        "allauth.mfa",
    ],
    mongo=USING_MONGO,
)

MIDDLEWARE = [
    # Outermost: they time and log everything below, redirects and errors included.
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "taskflow.request_log.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "taskflow.security.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Django's sessions and user lookup; a cookie-less token read of the API skips the
    # session store (taskflow/middleware_browser.py).
    "taskflow.middleware_browser.TokenAwareSessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "taskflow.middleware_browser.TokenAwareAuthenticationMiddleware",
    # Ends a browser session revoked on another instance; keeps the sessions page fresh.
    "accounts.login_sessions.LoginSessionMiddleware",
    # "Today" and "overdue" in the signed-in user's zone (accounts/preferences.py).
    "accounts.middleware.UserTimezoneMiddleware",
    # Django's MessageMiddleware, its storage built only when a message is used.
    "taskflow.middleware.LazyMessageMiddleware",
    # allauth's request context (its stages, rate limits and flows read it).
    "allauth.account.middleware.AccountMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "taskflow.middleware.DatabaseUnavailableMiddleware",
    # A refused login on the admin's or the browsable API's login page: 429, not 500.
    "accounts.middleware.LoginRateLimitMiddleware",
    # django-prometheus's, its labelled children kept (taskflow.middleware).
    "taskflow.middleware.PrometheusAfterMiddleware",
]

# bench/urls.py adds a floor view for benchmarks without touching production routes.
ROOT_URLCONF = env.str("ROOT_URLCONF", default="taskflow.urls")
WSGI_APPLICATION = "taskflow.wsgi.application"

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
                "taskflow.sentry.browser_reporting",
                "projects.context_processors.project_switcher",
                "tasks.context_processors.pinned_filters",
            ],
        },
    },
]

# --- Auth -----------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
# ModelBackend behind the login limits: every door that checks a password counts
# (taskflow.ratelimit). Add no backend that skips it.
AUTHENTICATION_BACKENDS = ["accounts.backends.RateLimitedModelBackend"]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "tasks:dashboard"
LOGOUT_REDIRECT_URL = "home"
# A reset link works once (the token hashes the password) and for one hour.
PASSWORD_RESET_TIMEOUT = 3600

# --- django-allauth: reset, verification, email change, two factors (docs/architecture.md)
ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_UNIQUE_EMAIL = True
# none | optional | mandatory. Production default mandatory: an address is proven before
# it is used, and registration no longer tells whether an address is taken.
ACCOUNT_EMAIL_VERIFICATION = env.str(
    "ACCOUNT_EMAIL_VERIFICATION", default="mandatory" if PRODUCTION else "none"
)
if ACCOUNT_EMAIL_VERIFICATION not in ("none", "optional", "mandatory"):
    raise ImproperlyConfigured("ACCOUNT_EMAIL_VERIFICATION must be none, optional or mandatory")
ACCOUNT_CHANGE_EMAIL = True  # the new address confirms, the old one is told
ACCOUNT_EMAIL_NOTIFICATIONS = True
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[TaskFlow] "
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
MFA_PASSKEY_LOGIN_ENABLED = True
MFA_TOTP_ISSUER = "TaskFlow"
# WebAuthn needs a secure context; http://localhost is one, other http origins only in
# development.
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = DEBUG
# A second-factor ticket of the JSON login (POST auth/login/mfa/), in seconds.
MFA_TICKET_SECONDS = 300
if USING_MONGO:
    ALLAUTH_DEFAULT_AUTO_FIELD = backends.MONGO_AUTO_FIELD

# --- Cache ----------------------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
# A shared cache lets revocation and stats state be cached across instances; the
# in-process cache cannot be trusted for "not revoked" answers (see accounts.revocation).
CACHE_IS_SHARED = bool(REDIS_URL)
if REDIS_URL:
    _redis_options = {
        "CLIENT_CLASS": "django_redis.client.DefaultClient",
        "SOCKET_CONNECT_TIMEOUT": 0.5,
        "SOCKET_TIMEOUT": 0.5,
        # Redis down must not take pages down: reads miss, writes are dropped, and
        # every ignored error is logged (django_redis.cache logger).
        "IGNORE_EXCEPTIONS": True,
        "LOG_IGNORED_EXCEPTIONS": True,
    }
    CACHES = {
        "default": {
            # django_redis.cache.RedisCache, timed for Prometheus (taskflow.cache_metrics)
            "BACKEND": "taskflow.cache_metrics.TimedRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "tf",
            "OPTIONS": _redis_options,
        },
        "ratelimit": {
            # taskflow.cache.FallbackRedisCache, timed for Prometheus
            "BACKEND": "taskflow.cache_metrics.TimedFallbackRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "tf",
            "OPTIONS": {**_redis_options, "IGNORE_EXCEPTIONS": False},
        },
    }
else:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "ratelimit": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "ratelimit",
        },
    }
DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
STATS_CACHE_TTL = env.int("STATS_CACHE_TTL", default=60)
# The bell's unread count is cached only in a cache every process shares (Redis): the
# worker that creates a notification must reach the web processes' cached count.
NOTIFICATIONS_UNREAD_TTL = env.int("NOTIFICATIONS_UNREAD_TTL", default=300 if REDIS_URL else 0)

# --- Background jobs (taskflow.jobs, docs/operations.md) ------------------------------
# Redis when there is one (any number of workers on any number of machines), else a
# SQLite file beside the embedded database. The queue may have its own Redis: a cache
# Redis with an eviction policy (allkeys-lru) could evict waiting jobs.
JOBS_REDIS_URL = env.str("JOBS_REDIS_URL", default=REDIS_URL)
JOBS_SQLITE_PATH = env.path("JOBS_SQLITE_PATH", default=BASE_DIR / "var" / "jobs.sqlite3")
# Run jobs in the calling process instead of queueing them (debugging only).
JOBS_IMMEDIATE = env.bool("JOBS_IMMEDIATE", default=False)
# First retry after this many seconds, then doubling (taskflow.jobs.job).
JOBS_RETRY_DELAY = env.float("JOBS_RETRY_DELAY", default=30.0)
# When the daily prune job runs (cron syntax, UTC): expired revocations and keys.
PRUNE_SCHEDULE = env.str("PRUNE_SCHEDULE", default="17 3 * * *")
# How long a task stays in the trash before the purge job deletes it for good, and
# when that job runs (cron syntax, UTC; it deletes at most a batch per run).
TRASH_DAYS = env.int("TRASH_DAYS", default=30)
TRASH_PURGE_SCHEDULE = env.str("TRASH_PURGE_SCHEDULE", default="37 * * * *")
# When the workers look for due reminders (cron syntax, UTC; once per minute at most,
# however many workers: notifications/delivery.py).
REMINDER_SCHEDULE = env.str("REMINDER_SCHEDULE", default="* * * * *")
# How long a worker's claim on a reminder holds before another may take it: longer
# than one delivery (EMAIL_TIMEOUT included); a killed worker's reminder waits this long.
REMINDER_LEASE_SECONDS = env.int("REMINDER_LEASE_SECONDS", default=300)
HUEY = {
    "name": "taskflow",
    "immediate": JOBS_IMMEDIATE,
    "utc": True,
    # Jobs record their effects in the database; stored results would only pile up.
    "results": False,
    "consumer": {
        # Threads per `run_huey` process; `run_huey -w N` overrides.
        "workers": env.int("JOB_WORKERS", default=2),
        "worker_type": "thread",
        "check_worker_health": True,
        # SIGTERM (docker stop, honcho, systemd) lets running jobs finish first.
        "graceful_signal": "TERM",
        "shutdown_timeout": env.float("JOB_SHUTDOWN_TIMEOUT", default=8.0),
    },
}
if JOBS_REDIS_URL:
    HUEY.update(
        huey_class="taskflow.queue.RedisQueue",
        url=queue.redis_url_with_timeouts(JOBS_REDIS_URL),
    )
else:
    HUEY.update(huey_class="taskflow.queue.SqliteQueue", filename=str(JOBS_SQLITE_PATH))

# --- Email (taskflow.email) ------------------------------------------------------------
# smtp://user:password@host:587/?… (smtp+tls:// STARTTLS, smtp+ssl:// implicit TLS) in
# production; by default a file per message in var/mail/ (read what was sent).
EMAIL_URL = env.str(
    "EMAIL_URL", default="smtp://localhost:25" if PRODUCTION else "filemail:///var/mail"
)
_email = environ.Env.email_url_config(EMAIL_URL)
EMAIL_BACKEND = _email["EMAIL_BACKEND"]
EMAIL_HOST = _email["EMAIL_HOST"] or "localhost"
EMAIL_PORT = _email["EMAIL_PORT"] or 25
EMAIL_HOST_USER = _email["EMAIL_HOST_USER"] or ""
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default=_email["EMAIL_HOST_PASSWORD"] or "")
EMAIL_USE_TLS = _email.get("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = _email.get("EMAIL_USE_SSL", False)
# filemail:///var/mail is relative to the project (django-environ drops the first /);
# filemail:////srv/mail is absolute.
EMAIL_FILE_PATH = str(BASE_DIR / _email["EMAIL_FILE_PATH"]) if _email["EMAIL_FILE_PATH"] else None
# Seconds before a silent SMTP server counts as a failure (and the job retries).
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="TaskFlow <taskflow@localhost>")
SERVER_EMAIL = env.str("SERVER_EMAIL", default=DEFAULT_FROM_EMAIL)

# --- Links in emails -------------------------------------------------------------------
# The public address of the site: invitation emails link to it (no request to read it
# from when an email is sent).
SITE_URL = env.str("SITE_URL", default="http://localhost:8000")

# --- Rate limits ----------------------------------------------------------------------
RATELIMIT_USE_CACHE = "ratelimit"
# Failed password checks per client network (IPv4 address, IPv6 /64), all doors together;
# registration attempts per network use it too.
LOGIN_RATE = env.str("LOGIN_RATE", default="20/15m")
# Failed password checks per account, whichever network they come from.
LOGIN_ACCOUNT_RATE = env.str("LOGIN_ACCOUNT_RATE", default="10/15m")
# A network an account logged in from within this many days keeps its own failure
# bucket for that account, so a stranger cannot lock the owner out from there.
LOGIN_KNOWN_NETWORK_DAYS = env.int("LOGIN_KNOWN_NETWORK_DAYS", default=30)
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

# --- API ------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.RevocableJWTAuthentication",
        "accounts.authentication.PersonalTokenAuthentication",  # Authorization: Token tf_…
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": [
        "taskflow.renderers.JSONRenderer",  # DRF's, the common case encoded by orjson
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_PARSER_CLASSES": [
        "taskflow.parsers.JSONParser",  # deep nesting is a 400, not a RecursionError
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "taskflow.negotiation.ContentNegotiation",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "taskflow.schema.AutoSchema",
    "DEFAULT_THROTTLE_CLASSES": ["taskflow.throttling.FixedWindowUserRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"user": env.str("API_USER_RATE", default="1200/min")},
    "EXCEPTION_HANDLER": "taskflow.errors.api_exception_handler",
    "NON_FIELD_ERRORS_KEY": "non_field_errors",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "TaskFlow API",
    "DESCRIPTION": "Tasks for people and small teams.\n\n"
    "To try an operation here: run **Authentication → Sign in** (POST /api/auth/login/) "
    "with your email and password, copy the `access` value of the answer, open "
    "**Authorize** and paste it under jwtAuth. An access token lasts minutes; "
    "**Refresh the access token** (POST /api/auth/refresh/) gives a new one.\n\n"
    "Scripts can use a personal API token instead (made on the API tokens page, "
    "/accounts/tokens/, or with POST /api/auth/tokens/): send "
    "`Authorization: Token tf_…`.\n\n"
    'Errors answer `{"detail": "...", "code": "..."}`; invalid input answers a map '
    "of field names to messages.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "TAGS": api_tags.TAGS,
    # Headings are the operations' summaries (no operation ids); a pasted token
    # survives a page reload.
    "SWAGGER_UI_SETTINGS": {
        "deepLinking": True,
        "persistAuthorization": True,
        "displayOperationId": False,
    },
    # The API speaks JSON; form parsers stay only for the browsable API's forms.
    "PARSER_WHITELIST": ["rest_framework.parsers.JSONParser"],
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "taskflow.schema.declare_common_responses",
        "taskflow.schema.blank_strings_any_of",
        "taskflow.schema.order_security",
    ],
    "ENUM_NAME_OVERRIDES": {
        "TaskStatusEnum": "tasks.models.Status.choices",
        "ProjectRoleEnum": "projects.models.Role.choices",
    },
}
SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env.int("JWT_ACCESS_MINUTES", default=15)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env.int("JWT_REFRESH_DAYS", default=7)),
    "SIGNING_KEY": SECRET_KEY if JWT_SIGNING_KEY is None else JWT_SIGNING_KEY,
    "ALGORITHM": "HS256",
    "USER_ID_FIELD": "id",
    "USER_ID_CLAIM": "user_id",
    "UPDATE_LAST_LOGIN": False,
    "AUTH_HEADER_TYPES": ("Bearer",),
}

DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024  # 1 MB request bodies at most
IDEMPOTENCY_KEY_TTL = timedelta(hours=24)

# --- I18N / time ----------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

# --- Static files ---------------------------------------------------------------------
STATIC_URL = env.str("STATIC_URL", default="/static/")
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_MAX_AGE = 31536000 if PRODUCTION else 0

# --- Security -------------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (taskflow.security): origins an integration adds, e.g. Sentry's
# browser SDK when SENTRY_DSN is set. Scripts never get 'unsafe-inline'.
CSP_EXTRA_SCRIPT_SRC: list[str] = []
CSP_EXTRA_CONNECT_SRC: list[str] = []
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # the small JS enhancer reads the token for fetch()
if TRUSTED_PROXY_COUNT:
    # The proxy terminates TLS and tells us so; only trusted when a proxy is declared.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
if PRODUCTION:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

# --- Observability (docs/observability.md) ---------------------------------------------
LOG_LEVEL = logconfig.level_name(env.str("LOG_LEVEL", default="INFO"))
LOG_FORMAT = env.str("LOG_FORMAT", default="console" if DEBUG else "json")
LOGGING = logconfig.build_logging(level=LOG_LEVEL, fmt=LOG_FORMAT)
logconfig.configure_structlog()
DJANGO_STRUCTLOG_STATUS_START_LOG_LEVEL = logging.DEBUG  # one INFO line per request

# /metrics: scrapers from these addresses/networks, or with `Bearer <METRICS_TOKEN>`.
METRICS_ALLOWED_IPS = env.list(
    "METRICS_ALLOWED_IPS", default=[] if PRODUCTION else ["127.0.0.1", "::1"]
)
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")

SENTRY_DSN = env.str("SENTRY_DSN", default="")
if SENTRY_DSN:
    from taskflow import sentry

    sentry.init(
        dsn=SENTRY_DSN,
        environment=ENVIRONMENT,
        release=env.str("SENTRY_RELEASE", default="") or sentry.git_release(BASE_DIR),
        traces_sample_rate=env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0),
        include_local_variables=env.bool("SENTRY_INCLUDE_LOCALS", default=False),
    )
# Browser errors: only with Sentry's loader script, and the CSP widened only then.
SENTRY_BROWSER_LOADER_URL = env.str("SENTRY_BROWSER_LOADER_URL", default="")
if SENTRY_BROWSER_LOADER_URL:
    from taskflow.sentry import browser_csp

    _script_src, _connect_src = browser_csp(
        SENTRY_BROWSER_LOADER_URL, env.str("SENTRY_BROWSER_DSN", default="")
    )
    CSP_EXTRA_SCRIPT_SRC = [*CSP_EXTRA_SCRIPT_SRC, *_script_src]
    CSP_EXTRA_CONNECT_SRC = [*CSP_EXTRA_CONNECT_SRC, *_connect_src]
