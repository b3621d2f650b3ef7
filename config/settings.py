"""Settings, read from the environment (django-environ).

With nothing set, the project runs on the embedded default: SQLite in ./var, files in ./var,
e-mail printed to the console, DEBUG on; scripts/run adds DJANGO_DEMO=true (DEBUG off, plain HTTP).
Production sets DJANGO_DEBUG=false (or DJANGO_ENV=production), SECRET_KEY, DATABASE_URL,
ALLOWED_HOSTS (see README, "Deploying for real").

Why this is long: Django reads its settings from this one module, and every setting here says
beside it why it has its value (security headers, lockout, second factor, tokens, retention, Redis
timeouts); splitting it would put a setting apart from the reason for it.
"""

from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from config.client_address import axes_client_ip_settings

BASE_DIR = Path(__file__).resolve().parent.parent
env = environ.Env()
env.read_env(BASE_DIR / ".env", overwrite=False)

VAR_DIR = Path(env.str("DJANGO_VAR_DIR", default=str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)  # the embedded default keeps its database and files here

DEV_SECRET_KEY = "dev-only-insecure-key-change-me-in-production-0123456789abcdef"
# Three ways to run. Development (nothing set): DEBUG on. The demo (scripts/run sets
# DJANGO_DEMO=true): DEBUG off, so that people see the product's own error pages and never Django's
# debug page, but over plain HTTP on this machine, with the development key and static files served
# from the source. Production (DJANGO_DEBUG=false without the demo, or DJANGO_ENV=production):
# SECRET_KEY required, HTTPS hardening on, and DEBUG refused.
DEMO = env.bool("DJANGO_DEMO", default=False)
DEBUG = env.bool("DJANGO_DEBUG", default=not DEMO)
PRODUCTION = env.str("DJANGO_ENV", default="") == "production" or (not DEBUG and not DEMO)
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("DJANGO_ENV=production refuses DJANGO_DEBUG=true: DEBUG shows code and settings to anyone.")
if PRODUCTION and DEMO:
    raise ImproperlyConfigured("DJANGO_ENV=production refuses DJANGO_DEMO=true.")
SECRET_KEY = env.str("SECRET_KEY", default=DEV_SECRET_KEY)
if PRODUCTION and SECRET_KEY == DEV_SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY must be set in production (DJANGO_DEBUG=false).")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "axes",
    "csp",
    # The audit trail of administration: config/audit.py says what it tracks.
    "auditlog",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_celery_beat",
    "rest_framework",
    "knox",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "enterprises",
    "tickets",
]

REST_FRAMEWORK = {
    # People use their session (with CSRF); integrations an API token an administrator issues
    # and revokes in the admin ("API tokens"), stored hashed (tickets.models.tokens).
    # Token first, so that a refusal is a 401 with "WWW-Authenticate: Token".
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "tickets.api.authentication.ApiTokenAuthentication",
        # The session, once past its second factor where the person must pass one.
        "tickets.api.authentication.VerifiedSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # JSON only: /api/docs/ is the API's page for people. DRF's browsable pages would be a second,
    # untranslated UI whose generic forms do not match the actions' arguments.
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # Every error is {"code", "message", ...} (tickets/api_errors.py).
    "EXCEPTION_HANDLER": "tickets.api.errors.exception_handler",
    # Per token (or per signed-in person). Callers without a valid token are refused before any
    # work; a token is 160 random bits, so guessing one is not a rate problem.
    "DEFAULT_THROTTLE_CLASSES": ["tickets.api.throttles.TokenRateThrottle"],
}
# Requests per token; a platform over the limit gets 429 with Retry-After.
API_RATE_LIMIT = env.str("API_RATE_LIMIT", default="600/min")
# API tokens (django-rest-knox, our own model with a name and last use): a new token lives
# API_TOKEN_DAYS unless the administrator says otherwise, at most API_TOKEN_MAX_DAYS; a plain-text
# token of the old kind is hashed by migration 0020 and lives API_TOKEN_MIGRATED_DAYS from then.
API_TOKEN_DAYS = env.int("API_TOKEN_DAYS", default=90)
API_TOKEN_MAX_DAYS = env.int("API_TOKEN_MAX_DAYS", default=365)
API_TOKEN_MIGRATED_DAYS = env.int("API_TOKEN_MIGRATED_DAYS", default=90)
if not 1 <= API_TOKEN_DAYS <= API_TOKEN_MAX_DAYS:
    raise ImproperlyConfigured("API_TOKEN_DAYS must be between 1 and API_TOKEN_MAX_DAYS.")
KNOX_TOKEN_MODEL = "tickets.ApiToken"
REST_KNOX = {"AUTH_HEADER_PREFIX": "Token", "TOKEN_TTL": timedelta(days=API_TOKEN_DAYS), "AUTO_REFRESH": False}
# knox's own AuthToken is swapped for tickets.ApiToken: without its migrations no unused table is made.
MIGRATION_MODULES = {"knox": None}
SPECTACULAR_SETTINGS = {
    "TITLE": "企业诉求闭环办理系统 API",
    "DESCRIPTION": (
        "For the 12345 hotline platform, other government systems, departments' own systems and scripts: "
        "the same who-sees-what rule, forms, services and transition permissions as the web pages.\n\n"
        "**Sign in** with `Authorization: Token <key>` (an administrator issues and revokes tokens in the admin) "
        "or a browser session.\n\n"
        '**Errors** are `{"code", "message", "errors"?, "allowed"?}`: `code` is stable, `message` follows '
        "`Accept-Language` (zh-hans by default, or en). A transition not allowed now is 409 with the `allowed` ones.\n\n"
        "**Retries**: send `Idempotency-Key` with `POST /api/tickets/` and a repeat returns the same ticket.\n\n"
        "**Rate limit** per token; over it, 429 with `Retry-After`."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # The docs page's Swagger UI from our own static files: a city's intranet may not reach a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    # Every operation documents its error answers (tickets/api_errors.py).
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "tickets.api.errors.document_errors"],
    # One name for the ticket's rating wherever a ticket appears (list, detail, case file).
    "ENUM_NAME_OVERRIDES": {
        "RatingEnum": "tickets.models.Rating",
        "DispatchChannelEnum": "tickets.web.forms.DISPATCH_CHANNELS",
        "ChannelEnum": "tickets.models.Channel",
        # The ratings a confirmation takes (the company's, or a follow-up call's): 满意 / 基本满意.
        "ConfirmRatingEnum": "tickets.web.call_forms.CALL_RATINGS",
    },
}

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Content-Security-Policy and Permissions-Policy on every response (see below).
    "csp.middleware.CSPMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Keeps the 30-minute idle timeout with a session write at most once a minute (config/sessions.py).
    "config.sessions.IdleSessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.user.is_verified(): has this session passed the second factor (django-otp)?
    "django_otp.middleware.OTPMiddleware",
    # Sends a signed-in person who must pass the second factor, and has not, to it (tickets.rules.must_verify).
    "tickets.web.two_factor.SecondFactorMiddleware",
    # The audit trail's actor and address (config/audit.py): after the user is known.
    "config.audit.AuditMiddleware",
    # The working-day calendar read once per request (tickets.workdays.calendar_per_request).
    "tickets.web.calendar_read.CalendarPerRequestMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into its lockout response.
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
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "tickets.web.context_processors.navigation",
            ],
        },
    },
    # The hot tables of the long lists (config/jinja.py), included by {% ticket_table %}.
    {
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [BASE_DIR / "templates" / "jinja2"],
        "APP_DIRS": False,
        "OPTIONS": {"environment": "config.jinja.environment", "autoescape": True},
    },
]

# Forms render their widgets with Django's Jinja2 widget templates (config/form_renderer.py).
FORM_RENDERER = "config.form_renderer.FastFormRenderer"

DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # PostgreSQL's JIT spends seconds compiling the report's aggregate queries for no gain here.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")
    if env.str("TEST_DATABASE_NAME", default=""):
        # Lets parallel test runs on one server each use their own test database.
        DATABASES["default"]["TEST"] = {"NAME": env.str("TEST_DATABASE_NAME")}
else:
    # SQLite: wait for the writer instead of failing at once when two requests write together.
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
    # The report's covering index (ticket_report_facts) is a PostgreSQL optimisation; SQLite
    # builds it as a plain index on submitted_at, which is all the embedded default needs.
    SILENCED_SYSTEM_CHECKS = ["models.W040"]
    if env.str("TEST_DATABASE_NAME", default=""):
        DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / env.str("TEST_DATABASE_NAME"))}

# Every use of Redis (the cache, the broker's publish) waits at most this long to connect and for
# each answer: a hung Redis costs a page that long, never an error for a saved action.
REDIS_TIMEOUT = env.float("REDIS_TIMEOUT", default=2.0)
# The API's rate counters must be shared by every web worker: Redis when there is one (while it
# fails, each process counts on its own: config.cache), else a table in the database
# (`manage.py createcachetable`, which scripts/run and the tests run), never one process's memory.
CACHES = {
    "default": {
        "BACKEND": "config.cache.FailSafeRedisCache",
        "LOCATION": env.str("REDIS_URL"),
        "KEY_PREFIX": "qiye",
        "OPTIONS": {"socket_connect_timeout": REDIS_TIMEOUT, "socket_timeout": REDIS_TIMEOUT},
    }
    if env.str("REDIS_URL", default="")
    else {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "qiye_cache"}
}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "enterprises.User"

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

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Login-failure lockout (django-axes, enterprises/lockout.py): 5 failures for one username from one
# address lock it there for 30 min; 20 from any addresses lock the account everywhere.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
ACCOUNT_FAILURE_LIMIT = env.int("ACCOUNT_FAILURE_LIMIT", default=20)
if ACCOUNT_FAILURE_LIMIT < AXES_FAILURE_LIMIT:
    raise ImproperlyConfigured("ACCOUNT_FAILURE_LIMIT must be at least AXES_FAILURE_LIMIT.")
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=30))
# Per address and per account, in this order (enterprises.lockout reads them so).
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "username"]
AXES_HANDLER = "enterprises.lockout.AddressAndAccountHandler"
# A try while locked out does not extend the lock: the lockout page says when it lifts.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "tickets.web.accounts.locked_out"
# The client's address: REMOTE_ADDR, or behind this many reverse proxies the X-Forwarded-For they
# set (config/client_address.py; README's nginx: 1).
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
vars().update(axes_client_ip_settings(TRUSTED_PROXY_COUNT))
IPWARE_STRICT = True  # a forwarded-for header of the wrong length is not believed
AXES_RESET_ON_SUCCESS = True
AXES_ENABLED = env.bool("AXES_ENABLED", default=True)
AXES_VERBOSE = False
# Sign-ins and sign-outs (axes' access log) and every failed try (its failure log) are kept for the
# audit, and pruned with the access log after ACCESS_LOG_RETENTION_DAYS (tickets.jobs.access).
AXES_ENABLE_ACCESS_FAILURE_LOG = True

# The second factor (django-otp, README "Signing in safely"): with REQUIRE_2FA_FOR_STAFF every role
# but company signs in with a code from an authenticator app (TOTP) after the password, enrolling
# at the first login; anyone with an enrolled app is asked for it whatever the setting. On in
# production, off in development and the demo (whose admin2fa login shows it).
REQUIRE_2FA_FOR_STAFF = env.bool("REQUIRE_2FA_FOR_STAFF", default=PRODUCTION)
OTP_TOTP_ISSUER = env.str("OTP_TOTP_ISSUER", default="企业诉求闭环办理系统")
# The admin shows no device's secret key (nor its QR code): an administrator resets a device, the
# person enrols a new one.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
# Wrong codes wait 1, 2, 4, 8… seconds before the next try, per device (django-otp's own throttling).
OTP_TOTP_THROTTLE_FACTOR = 1
OTP_STATIC_THROTTLE_FACTOR = 1

# Session timeout: 30 idle minutes, and gone when the browser closes. The session is saved (its
# expiry moved on) by any request that changes it and otherwise at most once a minute
# (config.sessions.IdleSessionMiddleware), not on every request: a page view writes nothing.
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=30 * 60)
SESSION_REFRESH_SECONDS = env.int("SESSION_REFRESH_SECONDS", default=60)
# The header's unread badge is counted at most this often per person, in between read from the
# cache; forgotten at once when their notifications change (tickets.selectors.notifications). 0:
# counted on every page.
UNREAD_BADGE_SECONDS = env.int("UNREAD_BADGE_SECONDS", default=60)
SESSION_SAVE_EVERY_REQUEST = False
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(VAR_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    # Attachments are private: stored outside any served directory, read only through the
    # permission-checked download view. There is deliberately no MEDIA_URL route.
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": env.str("PRIVATE_MEDIA_ROOT", default=str(VAR_DIR / "private"))},
    },
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# Outside production static files are served from the source by whitenoise (no collectstatic),
# with DEBUG off too (the demo).
WHITENOISE_USE_FINDERS = not PRODUCTION

# Attachments: what a user may upload.
ATTACHMENT_MAX_BYTES = env.int("ATTACHMENT_MAX_BYTES", default=10 * 1024 * 1024)
ATTACHMENT_MAX_FILES = 5
ATTACHMENT_ALLOWED_EXTENSIONS = ["pdf", "jpg", "jpeg", "png", "doc", "docx", "xls", "xlsx", "txt", "zip"]
DATA_UPLOAD_MAX_MEMORY_SIZE = 60 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

# Reference numbers look like QY-2026-000123.
TICKET_REFERENCE_PREFIX = env.str("TICKET_REFERENCE_PREFIX", default="QY")

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="noreply@qiye.example.gov.cn")

# Where links in e-mails point.
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
# The city's name, heading the monthly bulletin and the public page ("晋城市"); empty: no name.
CITY_NAME = env.str("CITY_NAME", default="")

# Background work (Celery). With REDIS_URL set, tasks go to a worker through Redis. Without it
# (the embedded default) tasks run in-process: `celery beat` then runs the periodic work itself.
REDIS_URL = env.str("REDIS_URL", default="")
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# A request that queues a task must not hang or fail when the broker is down: try briefly, then
# leave the work to the next sweep (all its state is in the database).
CELERY_BROKER_CONNECTION_TIMEOUT = env.float("CELERY_BROKER_CONNECTION_TIMEOUT", default=2.0)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
    "socket_connect_timeout": REDIS_TIMEOUT,
    "socket_timeout": REDIS_TIMEOUT,
}
# No retry of a publish: one that failed is the periodic task's (a hung broker costs one timeout).
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 0, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True

# Deadlines and reminders (DESIGN.md §4), in working days.
REMINDER_DUE_SOON_WORKING_DAYS = env.int("REMINDER_DUE_SOON_WORKING_DAYS", default=1)
SUPERVISION_RED_AFTER_WORKING_DAYS = env.int("SUPERVISION_RED_AFTER_WORKING_DAYS", default=5)
AUTO_CLOSE_AFTER_WORKING_DAYS = env.int("AUTO_CLOSE_AFTER_WORKING_DAYS", default=7)
# A department may ask to return a ticket (or a co-handler to be released) within this many
# working days of its assignment (DESIGN.md §9, 退单审核).
RETURN_WINDOW_WORKING_DAYS = env.int("RETURN_WINDOW_WORKING_DAYS", default=2)
# Verification calls (回访核实, DESIGN.md §9): the percentage of last month's tickets closed online
# or without an answer that are drawn each month for a call.
VERIFICATION_SAMPLE_PERCENT = env.int("VERIFICATION_SAMPLE_PERCENT", default=20)
# Rating review (DESIGN.md §9): the lead department may ask for one within this many working days of a 不满意.
RATING_APPEAL_WORKING_DAYS = env.int("RATING_APPEAL_WORKING_DAYS", default=5)
# E-mail retries: after attempt n, wait EMAIL_RETRY_BASE_SECONDS * 2**(n-1), at most EMAIL_MAX_ATTEMPTS tries.
EMAIL_RETRY_BASE_SECONDS = env.int("EMAIL_RETRY_BASE_SECONDS", default=60)
EMAIL_MAX_ATTEMPTS = env.int("EMAIL_MAX_ATTEMPTS", default=8)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=20)
# How long a sending worker holds the deliveries it claimed: one that dies mid-way leaves them to
# the next poll after this. A batch stops sending a fifth of it before the end (each step of a send
# may wait EMAIL_TIMEOUT), so it must be well over EMAIL_TIMEOUT.
DELIVERY_LEASE_SECONDS = env.int("DELIVERY_LEASE_SECONDS", default=10 * 60)
if DELIVERY_LEASE_SECONDS < 10 * EMAIL_TIMEOUT:
    raise ImproperlyConfigured(
        f"DELIVERY_LEASE_SECONDS ({DELIVERY_LEASE_SECONDS}) must be at least ten times EMAIL_TIMEOUT ({EMAIL_TIMEOUT})"
    )

# The external channels (DESIGN.md §12, tickets.notifications.channels), each off until its
# variables are set. Shared by SMS, WeCom and DingTalk: each request to a provider waits at most
# CHANNEL_TIMEOUT seconds; after attempt n a failed delivery waits CHANNEL_RETRY_BASE_SECONDS *
# 2**(n-1), at most CHANNEL_MAX_ATTEMPTS tries.
CHANNEL_TIMEOUT = env.float("CHANNEL_TIMEOUT", default=10.0)
CHANNEL_RETRY_BASE_SECONDS = env.int("CHANNEL_RETRY_BASE_SECONDS", default=60)
CHANNEL_MAX_ATTEMPTS = env.int("CHANNEL_MAX_ATTEMPTS", default=8)
# Text messages: SMS_PROVIDER=tencent (Tencent Cloud SMS) or aliyun (Alibaba Cloud SMS). SMS_SIGN_NAME is the registered sign
# (签名); SMS_TEMPLATE the default template id, SMS_TEMPLATES per kind of notification
# ("overdue=1234567,long_overdue=1234568"); every template has three parameters: what happened,
# the ticket's reference, the link. SMS_ENDPOINT overrides the provider's API host (the fakes).
SMS_PROVIDER = env.str("SMS_PROVIDER", default="")
SMS_SECRET_ID = env.str("SMS_SECRET_ID", default="")
SMS_SECRET_KEY = env.str("SMS_SECRET_KEY", default="")
SMS_APP_ID = env.str("SMS_APP_ID", default="")
SMS_REGION = env.str("SMS_REGION", default="ap-guangzhou")
SMS_SIGN_NAME = env.str("SMS_SIGN_NAME", default="")
SMS_TEMPLATE = env.str("SMS_TEMPLATE", default="")
SMS_TEMPLATES = env.dict("SMS_TEMPLATES", default={})
SMS_ENDPOINT = env.str("SMS_ENDPOINT", default="")
# 企业微信 (WeCom) application messages from the city's self-built app (自建应用).
WECOM_CORP_ID = env.str("WECOM_CORP_ID", default="")
WECOM_AGENT_ID = env.str("WECOM_AGENT_ID", default="")
WECOM_SECRET = env.str("WECOM_SECRET", default="")
WECOM_API_BASE_URL = env.str("WECOM_API_BASE_URL", default="https://qyapi.weixin.qq.com/cgi-bin/")
# 钉钉 (DingTalk) work notifications (工作通知) from the city's internal app (企业内部应用).
DINGTALK_APP_KEY = env.str("DINGTALK_APP_KEY", default="")
DINGTALK_APP_SECRET = env.str("DINGTALK_APP_SECRET", default="")
DINGTALK_AGENT_ID = env.str("DINGTALK_AGENT_ID", default="")
DINGTALK_API_BASE_URL = env.str("DINGTALK_API_BASE_URL", default="https://oapi.dingtalk.com")
if DELIVERY_LEASE_SECONDS < 10 * CHANNEL_TIMEOUT:
    raise ImproperlyConfigured(
        f"DELIVERY_LEASE_SECONDS ({DELIVERY_LEASE_SECONDS}) must be at least ten times CHANNEL_TIMEOUT ({CHANNEL_TIMEOUT})"
    )
# Set by scripts/run when it starts the fake providers (manage.py fake_providers): the admin names
# the channels pointed at them as fakes.
FAKE_PROVIDERS = env.bool("FAKE_PROVIDERS", default=False)

# The access log (who opened which ticket, case file, file, export or report) is kept this many
# days, then pruned daily; the database refuses to delete a row younger than 180 days (等保).
ACCESS_LOG_RETENTION_DAYS = env.int("ACCESS_LOG_RETENTION_DAYS", default=200)
if ACCESS_LOG_RETENTION_DAYS < 180:
    raise ImproperlyConfigured("ACCESS_LOG_RETENTION_DAYS must be at least 180: audit records are kept six months (等保).")

# Production hardening (each can be relaxed behind a TLS-terminating proxy).
if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
    SECURE_CONTENT_TYPE_NOSNIFF = True
    SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy (django-csp): scripts, styles, images and fonts from our own static files
# only, no inline script or style, no plugins, no framing, forms post only here. The few inline
# scripts of packages' admin pages carry the request's nonce (templates/admin/...); the stored
# case-file print page has a stricter policy of its own (tickets/web/exports.py).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [NONE],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "manifest-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [NONE],
        "object-src": [NONE],
    }
}
# Permissions-Policy (django-permissions-policy): no page here uses the camera, the microphone,
# the location or any other device or payment feature, nor lets a frame use them.
PERMISSIONS_POLICY: dict[str, list[str]] = {
    feature: []
    for feature in (
        "accelerometer", "autoplay", "browsing-topics", "camera", "display-capture", "encrypted-media",
        "geolocation", "gyroscope", "hid", "idle-detection", "magnetometer", "microphone", "midi", "payment",
        "picture-in-picture", "publickey-credentials-get", "screen-wake-lock", "serial", "usb", "xr-spatial-tracking",
    )
}  # fmt: skip

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}

APP_NAME = _("Enterprise Issue Resolution System")
