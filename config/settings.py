"""Shala settings, read from the environment with django-environ.

Every variable is listed here with its default. The defaults run a local demo on
SQLite with a file-system Celery broker; production sets at least SECRET_KEY,
DEBUG=false, ALLOWED_HOSTS, DATABASE_URL and REDIS_URL (see docs/configuration.md).
"""

from pathlib import Path
from urllib.parse import urlsplit

import environ
from csp import constants as csp
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# A `.env` file next to manage.py is read if present; real environment wins.
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# VAR_DIR: local runtime files: SQLite db, broker folders, media, mail (default: var/ next to
# manage.py; a test that runs the dev processes points it at a temporary folder)
VAR_DIR = Path(env.str("VAR_DIR", default=str(BASE_DIR / "var")))
for _sub in ("", "broker/out", "broker/processed", "broker/control", "mail", "media", "static"):
    (VAR_DIR / _sub).mkdir(parents=True, exist_ok=True)

# --- Core -------------------------------------------------------------------
# DEBUG (default: false)
DEBUG = env.bool("DEBUG", default=False)
# SECRET_KEY: Django's signing key (default: none). Required with DEBUG off: without it the
# site refuses to start rather than sign sessions and reset links with a key anyone can read
# here. With DEBUG on (`make run`) the public development key below stands in.
DEV_SECRET_KEY = "dev-insecure-shala-key-change-me-0123456789abcdef"
SECRET_KEY = env.str("SECRET_KEY", default="").strip()
if SECRET_KEY in ("", DEV_SECRET_KEY):
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set (or is the public development key) and DEBUG is off: refusing to start. "
            "Set SECRET_KEY to a long random value in the environment or in .env, e.g. the output of "
            "`python -c 'import secrets; print(secrets.token_urlsafe(50))'`, "
            "or set DEBUG=true for local development (docs/configuration.md)."
        )
    SECRET_KEY = DEV_SECRET_KEY
# ALLOWED_HOSTS, comma separated (default: localhost names)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])
# CSRF_TRUSTED_ORIGINS, comma separated full origins, e.g. https://book.example.com (default: none)
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# SITE_URL: absolute base URL used in emails and calendar links (default: http://localhost:8000)
SITE_URL = env.str("SITE_URL", default="http://localhost:8000")
# STUDIO_NAME: shown in page titles and emails (default: Shala Studio)
STUDIO_NAME = env.str("STUDIO_NAME", default="Shala Studio")
# STUDIO_ADDRESS: the studio's postal address on receipts; "\n" or "|" start a new line (default: empty)
STUDIO_ADDRESS = env.str("STUDIO_ADDRESS", default="")
# STUDIO_TAX_ID: the studio's tax number (VAT, NIF) on receipts (default: empty, left off)
STUDIO_TAX_ID = env.str("STUDIO_TAX_ID", default="")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sites",
    "django.contrib.postgres",
    "allauth",
    "allauth.account",
    "axes",
    "csp",  # django-csp: its system checks catch a policy in the pre-4.0 setting names
    "crispy_forms",
    "crispy_bootstrap5",
    "bootstrap",  # django-bootstrap-static: Bootstrap 5 CSS/JS served locally
    "recurrence",
    "phonenumber_field",
    "accounts",
    "schedules",
    "bookings",
    "waitlist",
    "notifications",
    "payments",
    "feedback",
    "privacy",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "corsheaders",
    "api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",  # Content-Security-Policy (below, "Security headers")
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",  # static files, compressed by whitenoise itself
    # Pages: above everything that reads or writes the body (docs/deployment.md: BREACH).
    "django.middleware.gzip.GZipMiddleware",
    # A session cookie that cannot be one of ours (a NUL, 10 kB) is dropped before it is looked up.
    "config.params.MalformedCookiesMiddleware",
    "corsheaders.middleware.CorsMiddleware",  # /api/v1/ only, for API_CORS_ALLOWED_ORIGINS (api/settings.py)
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "config.cache_headers.PrivatePagesMiddleware",  # no-store for signed-in users' pages
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "accounts.middleware.ViewerTimezoneMiddleware",
    "axes.middleware.AxesMiddleware",
    "config.middleware.DatabaseTimeoutMiddleware",  # lock timeout: 409 "busy"; statement timeout: 503
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"
SITE_ID = 1

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.tz",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "config.context_processors.studio",
                "notifications.context_processors.unread",
            ],
            # {% load money %}: amounts with their currency, as the active language writes them.
            "libraries": {"money": "config.money"},
        },
    },
]

# --- Database -----------------------------------------------------------------
# DATABASE_URL (default: SQLite file var/shala.sqlite3). PostgreSQL 15+ in production:
#   postgres://user:password@host:5432/shala
DATABASE_URL = env.str("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'shala.sqlite3'}")
# DB_CONN_MAX_AGE: seconds to keep a database connection open between requests (default: 60)
DATABASES = {"default": env.db_url_config(DATABASE_URL)}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE transactions serialise writers on SQLite, so services that rely on
    # row locks on PostgreSQL stay correct in the embedded demo too.
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].update({"transaction_mode": "IMMEDIATE", "timeout": 20})
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
IS_POSTGRES = DATABASES["default"]["ENGINE"].endswith("postgresql")

# --- Timeouts and limits (docs/deployment.md, "Timeouts and limits") ------------------------
# DATA_UPLOAD_MAX_NUMBER_FIELDS: most fields one request may send; more is a 400 page. The
# biggest forms (an admin page with its inlines full, tests/test_formset_limits.py) stay
# under it (default: 1000, Django's)
DATA_UPLOAD_MAX_NUMBER_FIELDS = env.int("DATA_UPLOAD_MAX_NUMBER_FIELDS", default=1000)
# Database timeouts (config/db_timeouts.py), in seconds; 0 leaves the limit to the server
# (the role's setting, else none). PostgreSQL only.
# DB_LOCK_TIMEOUT: how long a web request waits for a row lock; then "busy, try again" (409) (default: 3)
DB_LOCK_TIMEOUT = env.float("DB_LOCK_TIMEOUT", default=3.0)
# DB_STATEMENT_TIMEOUT: how long one statement of a web request may run; then "try again" (503) (default: 10)
DB_STATEMENT_TIMEOUT = env.float("DB_STATEMENT_TIMEOUT", default=10.0)
# DB_WORKER_LOCK_TIMEOUT: the same lock wait for Celery workers; the task fails, its next run redoes it (default: 10)
DB_WORKER_LOCK_TIMEOUT = env.float("DB_WORKER_LOCK_TIMEOUT", default=10.0)
# DB_WORKER_STATEMENT_TIMEOUT: the same statement limit for Celery workers (default: 300)
DB_WORKER_STATEMENT_TIMEOUT = env.float("DB_WORKER_STATEMENT_TIMEOUT", default=300.0)
if IS_POSTGRES:
    from config.db_timeouts import postgres_options

    _db_options = DATABASES["default"].setdefault("OPTIONS", {})
    _db_options["options"] = postgres_options(
        _db_options.get("options", ""), lock_timeout=DB_LOCK_TIMEOUT, statement_timeout=DB_STATEMENT_TIMEOUT
    )
# --- end of timeouts and limits -----------------------------------------------------------

# --- Cache and sessions ---------------------------------------------------------
# REDIS_URL (default: none). When set, the cache and sessions live in Redis, and it
# is the default Celery broker. Without it, a per-process memory cache is used.
REDIS_URL = env.str("REDIS_URL", default="")
# -- Redis outages (docs/deployment.md, "When a dependency is down") --
# CACHE_CONNECT_TIMEOUT: seconds to wait for a connection to the cache's Redis (default: 0.5)
CACHE_CONNECT_TIMEOUT = env.float("CACHE_CONNECT_TIMEOUT", default=0.5)
# CACHE_SOCKET_TIMEOUT: seconds to wait for the cache's Redis to answer a command (default: 1)
CACHE_SOCKET_TIMEOUT = env.float("CACHE_SOCKET_TIMEOUT", default=1.0)
# CACHE_RETRY_AFTER: after a failed cache call, seconds the cache answers misses without
# trying Redis, so requests do not each wait for the timeout (default: 5)
CACHE_RETRY_AFTER = env.float("CACHE_RETRY_AFTER", default=5.0)
# SESSION_CACHE_TIMEOUT: seconds a session is trusted from the cache before it is read from
# the database again; bounds how long a log-out the cache missed can go unseen (default: 300)
SESSION_CACHE_TIMEOUT = env.int("SESSION_CACHE_TIMEOUT", default=300)
# -- end of Redis outages --
if REDIS_URL:
    CACHES = {
        "default": {
            # Django's, with one client per pool; a miss, logged and counted, when Redis is away.
            "BACKEND": "config.cache.DegradingRedisCache",
            "LOCATION": REDIS_URL,
            # CACHE_KEY_PREFIX: to share one Redis between sites (default: shala)
            "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="shala"),
            "OPTIONS": {
                "socket_connect_timeout": CACHE_CONNECT_TIMEOUT,
                "socket_timeout": CACHE_SOCKET_TIMEOUT,
                "RETRY_AFTER": CACHE_RETRY_AFTER,
            },
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Sessions are read from the cache and written through to the database, so a
# request does not pay a database round trip to find its session; a cache miss (or
# outage) reads the database (config.sessions: cached_db with a capped cache lifetime).
SESSION_ENGINE = "config.sessions"

# --- Auth -------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # must be first: refuses locked-out logins
    "accounts.backends.EmailBackend",  # the one that checks passwords (site and admin): one hash per try
    # Never reached by a log-in (EmailBackend ends every attempt); listed only so sessions
    # logged in through them before EmailBackend still find their user. Drop them later.
    "allauth.account.auth_backends.AuthenticationBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Argon2id first, at OWASP's recommended cost (accounts/hashers.py: why not Django's default);
# the others stay so older hashes still verify and are re-hashed at the next log-in. Django's
# own Argon2PasswordHasher is not listed beside it: its "argon2" would shadow ours.
PASSWORD_HASHERS = [
    "accounts.hashers.Argon2idHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.BCryptSHA256PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        # The display name too (sign-up checks it in accounts.forms before the user exists).
        "OPTIONS": {"user_attributes": ("email", "display_name", "first_name", "last_name")},
    },
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "schedules:timetable"

# django-allauth: e-mail as the login, verified before the first log-in.
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_SIGNUP_FORM_CLASS = "accounts.forms.SignupExtraForm"
ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"  # the lock-out wording of account/lockout.html
# ACCOUNT_EMAIL_VERIFICATION: mandatory | optional | none (default: mandatory)
ACCOUNT_EMAIL_VERIFICATION = env.str("ACCOUNT_EMAIL_VERIFICATION", default="mandatory")
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = f"[{STUDIO_NAME}] "
# allauth's built-in rate limits stay on (ACCOUNT_RATE_LIMITS defaults, in the cache), all per
# client address (accounts.client_ip) except: failed log-ins are limited per address only, never
# per e-mail across addresses, which let anyone lock anyone out; the (account, address) pair is
# axes' lock below.
ACCOUNT_RATE_LIMITS = {"login_failed": "10/m/ip"}
# Password reset for an address with no account: the page says the same as for a known one
# (ACCOUNT_PREVENT_ENUMERATION, allauth's default), and no mail goes out, so the form cannot
# be used to mail strangers (docs/deployment.md, "Log-in protection and password reset").
ACCOUNT_EMAIL_UNKNOWN_ACCOUNTS = False

# django-axes: lock out an account+address after repeated failures, admin included.
# AXES_FAILURE_LIMIT (default: 5), AXES_COOLOFF_HOURS (default: 1)
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=1.0)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "accounts.auth.axes_username"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "account/lockout.html"
AXES_CLIENT_IP_CALLABLE = "accounts.client_ip.client_ip"  # the address behind the proxies, below
# AXES_ENABLED (default: true)
AXES_ENABLED = env.bool("AXES_ENABLED", default=True)

# --- Client address behind reverse proxies (accounts.client_ip) ---------------------------
# TRUSTED_PROXY_COUNT: how many reverse proxies of yours stand in front of gunicorn, each
#   appending the address it was reached from to X-Forwarded-For (one nginx: 1). The client
#   is the entry that many places from the right; 0 ignores the header. Log-in lock-outs,
#   rate limits and booking events all use it (default: 0; the old name
#   AXES_IPWARE_PROXY_COUNT is still read)
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=env.int("AXES_IPWARE_PROXY_COUNT", default=0))
if TRUSTED_PROXY_COUNT < 0:
    raise ImproperlyConfigured("TRUSTED_PROXY_COUNT must be 0 or more.")

# --- Internationalisation and time ------------------------------------------------------
# English is the default; LocaleMiddleware (above) picks a visitor's language from the
# django_language cookie (the switcher, Django's set_language) or Accept-Language, and
# accounts.middleware then puts a signed-in person's profile language first. A language
# is added here, with its catalogue in locale/<code>/LC_MESSAGES/django.po
# (docs/configuration.md, "Languages"); the names are the languages' own.
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("es", "Español")]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "UTC"  # storage is UTC; pages render in the viewer's zone (accounts.middleware)
# DEFAULT_VIEWER_TIME_ZONE: zone for anonymous visitors whose browser did not tell us one
# (default: Europe/Madrid)
DEFAULT_VIEWER_TIME_ZONE = env.str("DEFAULT_VIEWER_TIME_ZONE", default="Europe/Madrid")
# Recurrence rules are wall times of a location; deserialise them naive (see schedules.fields).
RECURRENCE_USE_TZ = False

# --- Money ------------------------------------------------------------------------
# DEFAULT_CURRENCY: ISO 4217 code for new prices (default: EUR)
DEFAULT_CURRENCY = env.str("DEFAULT_CURRENCY", default="EUR")

# PRICES_INCLUDE_TAX_PERCENT: VAT included in prices, shown on bookings (default: 0 = none)
PRICES_INCLUDE_TAX_PERCENT = env.float("PRICES_INCLUDE_TAX_PERCENT", default=0)

# Test-only seam of the concurrency tests (config/race.py): pauses that widen a race
# window and guards a negative control switches off. Not read from the environment;
# empty in production, where both do nothing.
SHALA_RACE_PAUSES: dict[str, float] = {}  # point -> seconds slept there, e.g. {"booking-claim": 0.02}
SHALA_RACE_UNGUARDED: frozenset[str] = frozenset()  # guards switched off, e.g. {"booking"}

# --- Timetable ----------------------------------------------------------------------
# SCHEDULE_HORIZON_DAYS: how far ahead class sessions are generated (default: 56)
SCHEDULE_HORIZON_DAYS = env.int("SCHEDULE_HORIZON_DAYS", default=56)

# --- Public API and the embeddable timetable (api/settings.py, docs/configuration.md) -------
from api.settings import *  # noqa: E402, F403  REST_FRAMEWORK, CORS_*, SPECTACULAR_SETTINGS, EMBED_*, API_*

# --- Static and media files -----------------------------------------------------------------
STATIC_URL = "static/"
# STATIC_ROOT: where collectstatic puts files for whitenoise to serve (default: var/static)
STATIC_ROOT = env.path("STATIC_ROOT", default=VAR_DIR / "static")
# Our own files, and front-end packages installed from npm (package.json, package-lock.json)
# by `make install`, served locally under their package name: never copied in by hand.
STATICFILES_DIRS = [BASE_DIR / "static", ("htmx", BASE_DIR / "node_modules" / "htmx.org" / "dist")]
# STATIC_MANIFEST: hashed, compressed file names (run collectstatic first; default: false)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if env.bool("STATIC_MANIFEST", default=False)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
# MEDIA_ROOT: uploaded photos (default: var/media); MEDIA_URL (default: /media/)
MEDIA_ROOT = env.path("MEDIA_ROOT", default=VAR_DIR / "media")
MEDIA_URL = env.str("MEDIA_URL", default="/media/")
# SERVE_MEDIA: let Django serve MEDIA_ROOT (default: true; use the web server in production)
SERVE_MEDIA = env.bool("SERVE_MEDIA", default=True)

FORMS_URLFIELD_ASSUME_HTTPS = True  # Django 6 default, opted into now
CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"
# PHONENUMBER_DEFAULT_REGION: country assumed for phone numbers typed without +code (default: ES)
PHONENUMBER_DEFAULT_REGION = env.str("PHONENUMBER_DEFAULT_REGION", default="ES")

# --- Email ----------------------------------------------------------------------------
# EMAIL_URL (default: consolemail://, messages printed by the web/worker process).
#   smtp://user:password@mail.example.com:587 (add +tls: smtp+tls://...),
#   filemail:// to write them to var/mail, or devmail:// (what `make run` uses) to print
#   them and keep each as an .eml file in var/mail, listed at /dev/inbox/ with DEBUG on.
EMAIL_URL = env.str("EMAIL_URL", default="consolemail://")
if EMAIL_URL == "devmail://":
    EMAIL_BACKEND = "notifications.devmail.EmailBackend"
else:
    vars().update(env.email_url_config(EMAIL_URL))
EMAIL_FILE_PATH = str(VAR_DIR / "mail")
# DEFAULT_FROM_EMAIL (default: "Shala Studio <no-reply@localhost>")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default=f"{STUDIO_NAME} <no-reply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Notifications ------------------------------------------------------------------
# BOOKING_REMINDER_HOURS: when clients are reminded, hours before the start (default: 24,2)
BOOKING_REMINDER_HOURS = [int(h) for h in env.list("BOOKING_REMINDER_HOURS", default=["24", "2"])]
# FEEDBACK_AFTER_MINUTES: a feedback request goes out this long after a session ends (default: 60; 0 = never)
FEEDBACK_AFTER_MINUTES = env.int("FEEDBACK_AFTER_MINUTES", default=60)
# BALANCE_DUE_REMINDER_HOURS: a client who still owes money on a booking is told once, this
# many hours before it starts (default: 48; 0 turns the message off)
BALANCE_DUE_REMINDER_HOURS = env.int("BALANCE_DUE_REMINDER_HOURS", default=48)
# SMS (Twilio) and WhatsApp (Meta Cloud API) are off unless configured:
# TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, TWILIO_FROM_NUMBER (default: empty = SMS off)
TWILIO_ACCOUNT_SID = env.str("TWILIO_ACCOUNT_SID", default="")
TWILIO_AUTH_TOKEN = env.str("TWILIO_AUTH_TOKEN", default="")
TWILIO_FROM_NUMBER = env.str("TWILIO_FROM_NUMBER", default="")
SMS_ENABLED = bool(TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN and TWILIO_FROM_NUMBER)
# WHATSAPP_TOKEN, WHATSAPP_PHONE_NUMBER_ID (default: empty = WhatsApp off)
WHATSAPP_TOKEN = env.str("WHATSAPP_TOKEN", default="")
WHATSAPP_PHONE_NUMBER_ID = env.str("WHATSAPP_PHONE_NUMBER_ID", default="")
WHATSAPP_ENABLED = bool(WHATSAPP_TOKEN and WHATSAPP_PHONE_NUMBER_ID)
# WHATSAPP_TEMPLATE: name of the approved message template WhatsApp messages are sent with;
# it must have exactly one body parameter ({{1}}), which gets the message text, and be
# approved in each language clients use (default: shala_notification)
WHATSAPP_TEMPLATE = env.str("WHATSAPP_TEMPLATE", default="shala_notification")
# WHATSAPP_API_VERSION: Graph API version of the Cloud API calls (default: v21.0)
WHATSAPP_API_VERSION = env.str("WHATSAPP_API_VERSION", default="v21.0")

# --- Online payment (Stripe Checkout; payments/stripe_api.py) ------------------------------
# STRIPE_SECRET_KEY, STRIPE_PUBLISHABLE_KEY, STRIPE_WEBHOOK_SECRET (default: empty = online
# payment off: every class and therapy is paid at the studio, whatever its payment mode)
STRIPE_SECRET_KEY = env.str("STRIPE_SECRET_KEY", default="")
STRIPE_PUBLISHABLE_KEY = env.str("STRIPE_PUBLISHABLE_KEY", default="")
STRIPE_WEBHOOK_SECRET = env.str("STRIPE_WEBHOOK_SECRET", default="")
# STRIPE_API_BASE: where the Stripe API is reached (default: https://api.stripe.com; the
# browser tests point it at a stand-in served on this machine)
STRIPE_API_BASE = env.str("STRIPE_API_BASE", default="https://api.stripe.com")
# STRIPE_CHECKOUT_ORIGIN: where Stripe's hosted Checkout page lives; the Content-Security-Policy
# lets the booking form's redirect go there (default: https://checkout.stripe.com)
STRIPE_CHECKOUT_ORIGIN = env.str("STRIPE_CHECKOUT_ORIGIN", default="https://checkout.stripe.com")
# PAYMENT_HOLD_MINUTES: how long spots or therapy time wait for an online payment (default: 15)
PAYMENT_HOLD_MINUTES = env.int("PAYMENT_HOLD_MINUTES", default=15)

# --- Outbound requests: therapists' calendar addresses (schedules/outbound.py) ----------
# EXTERNAL_CALENDAR_ALLOW_PRIVATE: let calendar addresses reach private networks (LAN,
# loopback, unique-local IPv6), e.g. a studio's own calendar server; link-local and cloud
# metadata addresses stay refused (default: false)
EXTERNAL_CALENDAR_ALLOW_PRIVATE = env.bool("EXTERNAL_CALENDAR_ALLOW_PRIVATE", default=False)
# EXTERNAL_CALENDAR_ALLOWED_PORTS: ports a calendar address may name, comma separated (default: 443)
EXTERNAL_CALENDAR_ALLOWED_PORTS = [int(p) for p in env.list("EXTERNAL_CALENDAR_ALLOWED_PORTS", default=["443"])]
# EXTERNAL_CALENDAR_CA_BUNDLE: CA file to verify calendar servers with, for a private CA
# (default: empty = certifi's public CAs)
EXTERNAL_CALENDAR_CA_BUNDLE = env.str("EXTERNAL_CALENDAR_CA_BUNDLE", default="")
# --- end of outbound requests --------------------------------------------------------------

# --- Celery -----------------------------------------------------------------------------
# CELERY_BROKER_URL (default: REDIS_URL if set, else kombu's file-system transport
# under var/broker, which needs no server).
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL or "filesystem://localhost//")
if CELERY_BROKER_URL.startswith("filesystem://"):
    # The folders are all it uses, but without a host name kombu warns "No hostname was
    # supplied" at every start of the worker and beat.
    if CELERY_BROKER_URL.rstrip("/") == "filesystem:":
        CELERY_BROKER_URL = "filesystem://localhost//"
    _broker_dir = VAR_DIR / "broker"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "out"),
        "data_folder_out": str(_broker_dir / "out"),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
else:
    # Never schedule a countdown longer than this: due times live in the database.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
# -- Broker outages (docs/deployment.md, "When a dependency is down") --
# BROKER_CONNECT_TIMEOUT: seconds to wait for a connection to the broker (default: 1)
BROKER_CONNECT_TIMEOUT = env.float("BROKER_CONNECT_TIMEOUT", default=1.0)
# BROKER_SOCKET_TIMEOUT: seconds a Redis broker may take to answer a publish; without it a
# hung broker holds the request forever. Keep it above 1 (the workers' BRPOP wait) (default: 2)
BROKER_SOCKET_TIMEOUT = env.float("BROKER_SOCKET_TIMEOUT", default=2.0)
# BROKER_RETRY_AFTER: after a failed publish, seconds a process leaves messages to the
# one-minute outbox sweep instead of trying the broker again (default: 10)
BROKER_RETRY_AFTER = env.float("BROKER_RETRY_AFTER", default=10.0)
CELERY_BROKER_CONNECTION_TIMEOUT = BROKER_CONNECT_TIMEOUT
if CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    CELERY_BROKER_TRANSPORT_OPTIONS.update(
        socket_connect_timeout=BROKER_CONNECT_TIMEOUT, socket_timeout=BROKER_SOCKET_TIMEOUT
    )
# -- end of broker outages --
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = "UTC"
# CELERY_TASK_ALWAYS_EAGER: run tasks inline (tests and debugging only; default: false)
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    "expire-therapy-requests": {
        "task": "bookings.expire_therapy_requests",
        "schedule": 5 * 60,  # unanswered requests free their tentative hold within five minutes
    },
    "sync-external-calendars": {
        "task": "schedules.sync_external_calendars",
        "schedule": 15 * 60,  # therapists' Google/Outlook busy times are at most a quarter of an hour old
    },
    "extend-class-sessions": {
        "task": "schedules.extend_class_sessions",
        "schedule": 24 * 3600,  # daily; regeneration is idempotent
    },
    "send-daily-agendas": {
        "task": "bookings.send_daily_agendas",
        "schedule": 60 * 60,  # hourly; each practitioner gets theirs once, from 06:00 in their zone
    },
    "close-attendance": {
        "task": "bookings.close_attendance",
        "schedule": 10 * 60,  # a booking is closed at most ten minutes after its policy's window
    },
    "send-booking-reminders": {
        "task": "bookings.send_reminders",
        "schedule": 5 * 60,
    },
    "send-balance-due-reminders": {
        "task": "payments.send_balance_due_reminders",
        "schedule": 15 * 60,  # once per booking (its key); a quarter of an hour late at most
    },
    "sweep-outbox": {
        "task": "notifications.sweep_outbox",
        "schedule": 60,  # pending messages are retried within a minute
    },
    "expire-holds": {
        "task": "bookings.expire_holds",
        "schedule": 60,  # a hold nobody released is freed within a minute of its deadline + grace; idempotent
    },
    "expire-payment-holds": {
        "task": "payments.expire_payment_holds",
        "schedule": 60,  # spots waiting for an online payment are freed within a minute of the deadline
    },
    "expire-waitlist-offers": {
        "task": "waitlist.expire_offers",
        "schedule": 60,  # an offer's spot passes on within a minute of its expiry; idempotent
    },
    "cancel-underbooked-sessions": {
        "task": "schedules.cancel_underbooked_sessions",
        "schedule": 10 * 60,  # a class is decided at most ten minutes after its decision time
    },
    "request-feedback": {
        "task": "feedback.request_due_feedback",
        "schedule": 10 * 60,  # asked within ten minutes of FEEDBACK_AFTER_MINUTES; once per booking
    },
}

# --- Privacy (docs/privacy.md) --------------------------------------------------------------
# PRIVACY_EXPORT_LINK_HOURS: how long the e-mailed link to a client's data export works (default: 72)
PRIVACY_EXPORT_LINK_HOURS = env.int("PRIVACY_EXPORT_LINK_HOURS", default=72)
# PRIVACY_ERASURE_COOLING_OFF_DAYS: days between asking to delete an account and its erasure,
# during which the client can cancel (default: 14)
PRIVACY_ERASURE_COOLING_OFF_DAYS = env.int("PRIVACY_ERASURE_COOLING_OFF_DAYS", default=14)
# PRIVACY_PAYMENT_RETENTION_YEARS: payment and refund records are kept this long for the tax
# authorities, with the client anonymised (default: 6, Spain's commercial code)
PRIVACY_PAYMENT_RETENTION_YEARS = env.int("PRIVACY_PAYMENT_RETENTION_YEARS", default=6)
# PRIVACY_NOTE_RETENTION_YEARS: therapists' session notes are emptied this many years after
# the session (default: 0, kept until the client's erasure)
PRIVACY_NOTE_RETENTION_YEARS = env.int("PRIVACY_NOTE_RETENTION_YEARS", default=0)
CELERY_BEAT_SCHEDULE["purge-past-retention"] = {
    "task": "privacy.purge_past_retention",
    "schedule": 24 * 3600,  # daily; idempotent
}
CELERY_BEAT_SCHEDULE["erase-due-accounts"] = {
    "task": "privacy.erase_due_accounts",
    "schedule": 60 * 60,  # hourly: an account is anonymised within an hour of its cooling-off end
}

# --- Security in production ---------------------------------------------------------------
# SECURE_SSL: set true behind HTTPS to send secure cookies, HSTS and redirect (default: false)
if env.bool("SECURE_SSL", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    # HSTS: browsers refuse plain HTTP to this host (and its subdomains) for this long.
    # SECURE_HSTS_SECONDS (default: 31536000, one year; 0 sends no HSTS header)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=365 * 24 * 3600)
    # SECURE_HSTS_INCLUDE_SUBDOMAINS: HSTS covers every subdomain too (default: true)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
    # SECURE_HSTS_PRELOAD: the header consents to the browsers' preload list; the domain is
    # only listed once someone submits it (default: true; false if it must never be listed)
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)

# --- Security headers (docs/deployment.md, "Security headers") ----------------------------
_media_url = urlsplit(MEDIA_URL)
_media_origin = [f"{_media_url.scheme}://{_media_url.netloc}"] if _media_url.netloc else []
# Content-Security-Policy (django-csp): only our own scripts, styles, fonts and images,
# nothing inline (the templates carry no inline script, style element or style attribute,
# and htmx is told not to inject its indicator style: base.html's htmx-config), no
# plugins, no framing, forms post only to this site (and a booking paid online is
# redirected on to Stripe's hosted Checkout page: STRIPE_CHECKOUT_ORIGIN).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [csp.SELF],
        "script-src": [csp.SELF],
        "style-src": [csp.SELF],
        # Bootstrap's CSS draws its icons (menu, select arrow, check marks) from data: URIs;
        # uploaded photos come from MEDIA_URL (its origin is added when it is another host).
        "img-src": [csp.SELF, "data:", *_media_origin],
        "object-src": [csp.NONE],
        "base-uri": [csp.SELF],
        "form-action": [csp.SELF, STRIPE_CHECKOUT_ORIGIN],
        "frame-ancestors": [csp.NONE],
    }
}
# Permissions-Policy (django-permissions-policy): the pages use no device or browser API
# that asks the visitor's permission, so none is allowed, for this site or any frame.
PERMISSIONS_POLICY: dict[str, list[str]] = {
    feature: []
    for feature in (
        "accelerometer",
        "browsing-topics",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "hid",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "serial",
        "usb",
    )
}
# --- end of security headers ----------------------------------------------------------------

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    # LOG_LEVEL (default: INFO)
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}
