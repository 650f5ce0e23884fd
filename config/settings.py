"""Shala settings, read from the environment with django-environ.

Every variable is listed here with its default. The defaults run a local demo on
SQLite with a file-system Celery broker; production sets at least SECRET_KEY,
DEBUG=false, ALLOWED_HOSTS, DATABASE_URL and REDIS_URL (see docs/configuration.md).
"""

from pathlib import Path

import environ

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
# SECRET_KEY (default: an insecure development key; always set it in production)
SECRET_KEY = env.str("SECRET_KEY", default="dev-insecure-shala-key-change-me-0123456789abcdef")
# DEBUG (default: false)
DEBUG = env.bool("DEBUG", default=False)
# ALLOWED_HOSTS, comma separated (default: localhost names)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])
# CSRF_TRUSTED_ORIGINS, comma separated full origins, e.g. https://book.example.com (default: none)
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# SITE_URL: absolute base URL used in emails and calendar links (default: http://localhost:8000)
SITE_URL = env.str("SITE_URL", default="http://localhost:8000")
# STUDIO_NAME: shown in page titles and emails (default: Shala Studio)
STUDIO_NAME = env.str("STUDIO_NAME", default="Shala Studio")

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
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",  # static files, compressed by whitenoise itself
    # Pages: above everything that reads or writes the body (docs/deployment.md: BREACH).
    "django.middleware.gzip.GZipMiddleware",
    # A session cookie that cannot be one of ours (a NUL, 10 kB) is dropped before it is looked up.
    "config.params.MalformedCookiesMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "accounts.middleware.ViewerTimezoneMiddleware",
    "axes.middleware.AxesMiddleware",
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

# --- Cache and sessions ---------------------------------------------------------
# REDIS_URL (default: none). When set, the cache and sessions live in Redis, and it
# is the default Celery broker. Without it, a per-process memory cache is used.
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "config.cache.PooledRedisCache",  # Django's, with one client per pool
            "LOCATION": REDIS_URL,
            # CACHE_KEY_PREFIX: to share one Redis between sites (default: shala)
            "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="shala"),
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Sessions are read from the cache and written through to the database, so a
# request does not pay a database round trip to find its session.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

# --- Auth -------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # must be first: refuses locked-out logins
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
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
# allauth's built-in rate limits stay on (ACCOUNT_RATE_LIMITS defaults); they use the cache.

# django-axes: lock out an account+address after repeated failures, admin included.
# AXES_FAILURE_LIMIT (default: 5), AXES_COOLOFF_HOURS (default: 1)
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=1.0)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "accounts.auth.axes_username"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "account/lockout.html"
# AXES_IPWARE_PROXY_COUNT: number of trusted reverse proxies in front of the app (default: 0)
AXES_IPWARE_PROXY_COUNT = env.int("AXES_IPWARE_PROXY_COUNT", default=0) or None
# AXES_ENABLED (default: true)
AXES_ENABLED = env.bool("AXES_ENABLED", default=True)

# --- Internationalisation and time ------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English")]
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

# Test-only switches: the concurrency tests flip these to prove they can catch a race.
# Not read from the environment; never change them in production.
SHALA_TEST_BOOKING_LOCK = True  # False: naive read-then-write spot claims (must oversell)
SHALA_TEST_BOOKING_RACE_PAUSE = 0.0  # seconds slept between reading and claiming spots
SHALA_TEST_WAITLIST_LOCK = True  # False: waitlist offers claimed read-then-write, no session lock
SHALA_TEST_WAITLIST_RACE_PAUSE = 0.0  # seconds slept between reading and claiming an offer
SHALA_TEST_THERAPY_LOCK = True  # False: no therapist row lock (only the exclusion constraints guard)
SHALA_TEST_THERAPY_RACE_PAUSE = 0.0  # seconds slept between the free-slot check and the hold

# --- Timetable ----------------------------------------------------------------------
# SCHEDULE_HORIZON_DAYS: how far ahead class sessions are generated (default: 56)
SCHEDULE_HORIZON_DAYS = env.int("SCHEDULE_HORIZON_DAYS", default=56)

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
    "send-booking-reminders": {
        "task": "bookings.send_reminders",
        "schedule": 5 * 60,
    },
    "sweep-outbox": {
        "task": "notifications.sweep_outbox",
        "schedule": 60,  # pending messages are retried within a minute
    },
    "expire-waitlist-offers": {
        "task": "waitlist.expire_offers",
        "schedule": 60,  # an offer's spot passes on within a minute of its expiry; idempotent
    },
    "cancel-underbooked-sessions": {
        "task": "schedules.cancel_underbooked_sessions",
        "schedule": 10 * 60,  # a class is decided at most ten minutes after its decision time
    },
}

# --- Security in production ---------------------------------------------------------------
# SECURE_SSL: set true behind HTTPS to send secure cookies, HSTS and redirect (default: false)
if env.bool("SECURE_SSL", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = 3600 * 24 * 30

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    # LOG_LEVEL (default: INFO)
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}
