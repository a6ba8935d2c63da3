"""Ambon 112 settings: one file, read from the environment.

With no environment at all it runs the embedded default (SQLite, in-memory channel layer,
Celery tasks in-process, the deadline ticker inside the server). `DATABASE_URL` and `REDIS_URL`
switch to PostgreSQL and Redis with no code change. The security posture is never inferred from
them: only `AMBON112_ENV=production` turns it on (HSTS, secure cookies, the startup refusals of
ambon112/production.py).
"""

import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


REDIS_URL = os.environ.get("REDIS_URL", "")
DATABASE_URL = os.environ.get("DATABASE_URL", "")
# Embedded = no Redis: channel layer, tasks and the deadline ticker all live in the web process.
EMBEDDED = not REDIS_URL
# Production is said, never guessed from REDIS_URL or DATABASE_URL: a test run or a drill uses
# Redis and PostgreSQL too. In production the server and the Celery worker and beat refuse to
# start with a public SECRET_KEY or active demo accounts (ambon112/production.py).
AMBON112_ENV = os.environ.get("AMBON112_ENV", "development").strip().lower() or "development"
if AMBON112_ENV not in {"development", "production"}:
    raise ImproperlyConfigured(
        f"AMBON112_ENV must be 'production' or 'development', not {AMBON112_ENV!r}."
    )
PRODUCTION = AMBON112_ENV == "production"

DEBUG = env_bool("DEBUG", False)
# Public, in this file: good for the embedded default only; production refuses to start with it.
EMBEDDED_SECRET_KEY = "embedded-default-not-secret-change-me-in-production"  # noqa: S105
SECRET_KEY = os.environ.get("SECRET_KEY", "") or EMBEDDED_SECRET_KEY

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

# Demo accounts are refused in production (agencies/services.py, ambon112/production.py).
DEMO_PASSWORD = os.environ.get("DEMO_PASSWORD", "ambon112-demo")

INSTALLED_APPS = [
    # Admin modules are registered in ambon112/urls.py: django-leaflet's own admin module
    # needs GDAL, which the embedded default does not require.
    "django.contrib.admin.apps.SimpleAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "channels",
    "leaflet",
    "axes",
    "csp",
    "ambon112",
    "agencies",
    "incidents",
    "dispatch",
    "hazards",
    "reports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "ambon112.middleware.ChosenLanguageMiddleware",
    "core.validation.QueryTextMiddleware",  # after the language: its 400 is translated
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "agencies.acting.ActingPersonMiddleware",  # who made a change, for the change log
    "ambon112.middleware.PersonalDataMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "ambon112.urls"
ASGI_APPLICATION = "ambon112.asgi.application"
WSGI_APPLICATION = None

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
                "ambon112.context_processors.console",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
# How long a request whose commit's answer was lost waits for the database to answer whether
# the commit happened (core/postgresql), before it reports the failure.
COMMIT_IN_DOUBT_WAIT_S = float(os.environ.get("COMMIT_IN_DOUBT_WAIT_S", "10"))
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL)}
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        from core.pipeline_cursor import PipelineCursor  # psycopg's, imported for PostgreSQL only

        # Django's backend, with a commit whose answer was lost resolved (core/postgresql).
        DATABASES["default"]["ENGINE"] = "core.postgresql"

        # Under ASGI every request may run on another thread: persistent per-thread
        # connections would pile up, so connections come from psycopg's pool instead.
        DATABASES["default"]["OPTIONS"] = {
            # A database that does not answer fails a connection attempt in 2 s.
            "connect_timeout": 2,
            # Parameters travel apart from the SQL, so a statement a connection has run five
            # times is prepared: PostgreSQL parses and plans it once per connection, not on
            # every execution (planning the ticket's and the assignment's joined reads took
            # more time than running them).
            "server_side_binding": True,
            "prepare_threshold": 5,
            # Its row count waits for the statement's answer in pipeline mode (core/db.py).
            "cursor_factory": PipelineCursor,
            "pool": {
                "min_size": int(os.environ.get("DB_POOL_MIN", "2")),
                "max_size": int(os.environ.get("DB_POOL_MAX", "10")),
                "timeout": 10,
            },
        }
        # A pooled connection is checked before use by core/postgresql, so that after a
        # database restart no request fails on a connection the restart broke; psycopg's own
        # check (a round trip on every request) stays off.
        DATABASES["default"]["CONN_HEALTH_CHECKS"] = False
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.get("SQLITE_PATH", str(BASE_DIR / "var" / "ambon112.sqlite3")),
            "OPTIONS": {
                # One writer at a time, taken at BEGIN: the event log's commit-order promise.
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Realtime, tasks, cache -----------------------------------------------------------------
# Every console socket gets a heartbeat with its feed's head this often (ambon112/realtime.py);
# a console that hears nothing for three of them shows "Offline" and reconnects.
CONSOLE_HEARTBEAT_S = float(os.environ.get("CONSOLE_HEARTBEAT_S", "5"))
# A socket's membership of its feed's group lapses this long after it last joined; every
# heartbeat joins again, so only a socket whose server is gone lapses. Short in drills.
CHANNEL_GROUP_EXPIRY_S = int(os.environ.get("CHANNEL_GROUP_EXPIRY_S", "86400"))
if REDIS_URL:
    from redis.asyncio.retry import Retry
    from redis.backoff import ExponentialWithJitterBackoff

    CHANNEL_LAYERS = {
        "default": {
            # Publish/subscribe: one PUBLISH per feed and commit (ambon112/layers.py says what
            # it does not promise, and why the consoles' heartbeat makes that good).
            "BACKEND": "ambon112.layers.FeedLayer",
            "CONFIG": {
                # channels-redis hands each host dict to redis-py's ConnectionPool.from_url.
                "hosts": [
                    {
                        "address": REDIS_URL,
                        # A command's answer is awaited this long; the subscriptions' reader
                        # polls with its own short timeout, so an idle feed is never cut off.
                        "socket_timeout": 15,
                        # A Redis that is down is an error within 2 s, not after the 5 s default.
                        "socket_connect_timeout": 2,
                        # A connection idle this long is PINGed before use (and replaced if the
                        # PING fails) instead of failing the command it was taken for.
                        "health_check_interval": 10,
                        # A command that fails on a connection (a pooled one broken by a Redis
                        # restart, a failed health check) is retried on a new one. With a pool
                        # given, redis-py does not retry at all unless told to.
                        "retry": Retry(ExponentialWithJitterBackoff(base=0.05, cap=0.5), 2),
                    }
                ],
                # Redis's channels are shared by all its databases: ours are named by ours.
                "prefix": f"ambon112.{urlsplit(REDIS_URL).path.strip('/') or '0'}.",
            },
        }
    }
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            # A Redis that does not answer is an error within a second, not a hung request.
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
else:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels.layers.InMemoryChannelLayer",
            "CONFIG": {"group_expiry": CHANNEL_GROUP_EXPIRY_S},
        }
    }
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = EMBEDDED
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = "UTC"
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# The deadline ticker in the embedded server runs the beat schedule itself.
EMBEDDED_TICKER = env_bool("EMBEDDED_TICKER", EMBEDDED)

# --- Auth -----------------------------------------------------------------------------------
AUTH_USER_MODEL = "agencies.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # Django's ModelBackend, reading the signed-in account in one SELECT (agencies/sessions.py).
    "agencies.sessions.AccountBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    # BSSN 4/2021: at least 12 characters.
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    # Long but guessable: the service's own name, repeated units, keyboard and digit runs.
    {"NAME": "agencies.validators.PatternPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
# Consoles in the secure room are not force-logged-out: a long session, renewed on use.
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_COOKIE_AGE", 60 * 60 * 24 * 7))
SESSION_SAVE_EVERY_REQUEST = False
# Django's database sessions, read in one SELECT (agencies/sessions.py).
SESSION_ENGINE = "agencies.sessions"

# Lock an account after 5 failed logins; failures older than 15 minutes stop counting.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
# By account *and* address: failures from one address lock that account at that address only,
# so nobody elsewhere can lock an account out of the control room's consoles; and by account,
# not address alone, so one person's typos do not lock out the room (its consoles share one
# address). Behind a proxy the address is the client's only when the proxy is trusted
# (FORWARDED_ALLOW_IPS, README). A supervisor unlocks an account early (agencies/services.py).
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked.html"
AXES_VERBOSE = False

# --- API ------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "agencies.authentication.MachineTokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["agencies.permissions.IsStaff"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # JSON with limits: size, nesting depth, text PostgreSQL can store (core/validation.py).
    "DEFAULT_PARSER_CLASSES": ["core.validation.SafeJSONParser"],
    "DEFAULT_METADATA_CLASS": "core.validation.ApiMetadata",
    "DEFAULT_SCHEMA_CLASS": "core.schema.ApiSchema",
    "EXCEPTION_HANDLER": "ambon112.api.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    # The API speaks JSON only; `format` is an ordinary parameter (the report export's file type).
    "URL_FORMAT_OVERRIDE": None,
}
# The largest body any client sends is a tracker's 500 positions (about 60 kB); the admin's forms
# are smaller still. Applies to API bodies too (core.validation.SafeJSONParser).
DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
SPECTACULAR_SETTINGS = {
    "TITLE": "Ambon 112 API",
    "DESCRIPTION": "Computer-aided dispatch for the 112 emergency number of Kota Ambon.",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["agencies.permissions.IsStaff"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Choice sets that share a field name with another app's: named for what they are.
    "ENUM_NAME_OVERRIDES": {
        "MajorIncidentKindEnum": "hazards.models.MajorIncident.Kind",
        "CapCategoryEnum": "hazards.models.PublicWarning.Category",
    },
}

# --- Language and time ----------------------------------------------------------------------
LANGUAGE_CODE = "id"
LANGUAGES = [("id", _("Bahasa Indonesia")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Asia/Jayapura"  # WIT, UTC+9; stored in UTC
USE_TZ = True
PHONE_REGION = "ID"

# --- Call intake policy (docs/architecture.md "The clock", "States") ----------------------------
CLOCK_SKEW_LIMIT_S = 5  # adapter times further than this from the server's are flagged
# A time from a device's clock (the telephony adapter's `at`, a tracker's fix) further than this
# from the server's is refused (400), not stored: year 1 or 9999 is a broken clock. Within it a
# skew is stored and flagged (above): a PBX clock minutes off, or even on the wrong time zone
# (UTC±14 h), or an adapter replaying its backlog after a day's outage, never loses a call.
DEVICE_TIME_WINDOW_S = int(os.environ.get("DEVICE_TIME_WINDOW_S", str(24 * 3600)))
# Every position given to the system (a call's location, an AML fix, an incident, a unit) lies
# in this box: Maluku province (about 2.8°–8.3° S, 125.7°–134.9° E: Buru and Seram to Wetar,
# Tanimbar and Aru) with a margin. Ambon Island's own areas (agencies/data) are far inside it;
# units of Maluku Tengah's agencies work on Seram too. (south, west, north, east), degrees.
SERVICE_BOUNDS = (-9.0, 124.0, -2.0, 136.0)
# An AML SMS locates the newest call from its number that rang this many seconds before it
# (so also one that just ended); one that comes first is held for a call ringing this soon after.
AML_HOLD_S = int(os.environ.get("AML_HOLD_S", "300"))
DUPLICATE_RADIUS_M = int(os.environ.get("DUPLICATE_RADIUS_M", "500"))
DUPLICATE_WINDOW_H = float(os.environ.get("DUPLICATE_WINDOW_H", "2"))
# A number with this many prank or ghost calls in the window is flagged for the supervisor,
# who may block it for BLOCK_HOURS (calls from it are still shown, marked).
NUISANCE_CALLS = int(os.environ.get("NUISANCE_CALLS", "3"))
NUISANCE_WINDOW_H = float(os.environ.get("NUISANCE_WINDOW_H", "24"))
BLOCK_HOURS = float(os.environ.get("BLOCK_HOURS", "24"))

# Dispatch (docs/architecture.md "Places"): a unit's tracked position older than this falls back to
# its station; a unit further than RECOMMEND_MAX_ETA_MIN away is left out of the recommendation as
# too far.
UNIT_POSITION_MAX_AGE_MIN = int(os.environ.get("UNIT_POSITION_MAX_AGE_MIN", "30"))
RECOMMEND_MAX_ETA_MIN = int(os.environ.get("RECOMMEND_MAX_ETA_MIN", "60"))
# Crews on phones (issue #19): a phone posts its position at most every CREW_POSITION_INTERVAL_S
# (a faster one is told to slow down, 429); a phone's fix (a crew's, a caller's through a
# location link) claiming an accuracy worse than PHONE_FIX_MAX_ACCURACY_M is refused;
# a step tapped more than CREW_LATE_AFTER_S before it reached the server (kept on a phone with no
# signal) is recorded at its tap time and marked late. Crews read callers' numbers masked unless
# CREW_SEES_CALLER_NUMBER (an ambulance calling the patient back, where the centre allows it).
CREW_POSITION_INTERVAL_S = int(os.environ.get("CREW_POSITION_INTERVAL_S", "10"))
PHONE_FIX_MAX_ACCURACY_M = 5000
CREW_LATE_AFTER_S = int(os.environ.get("CREW_LATE_AFTER_S", "30"))
CREW_SEES_CALLER_NUMBER = env_bool("CREW_SEES_CALLER_NUMBER", False)
# A caller's location link (issue #19) works once, for this many minutes; a call gets at most
# LOCATION_LINKS_PER_CALL of them. LOCATION_LINK_SENDER is the dotted path of a function
# `send(*, number, url)` that hands the link to the SMS/WhatsApp gateway (the hook for one);
# unset, the call-taker reads the link out or copies it.
LOCATION_LINK_TTL_MIN = int(os.environ.get("LOCATION_LINK_TTL_MIN", "30"))
LOCATION_LINKS_PER_CALL = 5
# The caller's page answers one address at most this many times in 10 minutes (guessing links).
LOCATION_LINK_TRIES_PER_10_MIN = 20
LOCATION_LINK_SENDER = os.environ.get("LOCATION_LINK_SENDER", "")
# Where call-takers forward incidents to agencies themselves (Ambon 112 does); False leaves it
# to the dispatchers and supervisors.
CALL_TAKERS_FORWARD = env_bool("CALL_TAKERS_FORWARD", True)
# The deadline check runs every second; /healthz answers 503 when its last completed run is
# older than this (nothing would escalate).
DEADLINE_CHECK_STALE_AFTER_S = float(os.environ.get("DEADLINE_CHECK_STALE_AFTER_S", "5"))

# Hazards (issue #20). BMKG's open earthquake feeds, JSON or XML (README): none by default, for
# a machine without internet. Read every BMKG_POLL_S seconds.
BMKG_LATEST_URL = os.environ.get("BMKG_LATEST_URL", "")
BMKG_FELT_URL = os.environ.get("BMKG_FELT_URL", "")
BMKG_POLL_S = float(os.environ.get("BMKG_POLL_S", "60"))
# A quake matters (supervisor alert, call-takers' banner) when at least this strong and this near
# Ambon Island's shore, felt in one of these places, or when BMKG says it may cause a tsunami.
HAZARD_MIN_MAGNITUDE = float(os.environ.get("HAZARD_MIN_MAGNITUDE", "5.0"))
HAZARD_RADIUS_KM = float(os.environ.get("HAZARD_RADIUS_KM", "200"))
HAZARD_FELT_PLACES = env_list("HAZARD_FELT_PLACES", "Ambon,Maluku Tengah,Malteng,Masohi")
# The call-takers' banner shows a quake this long after it was received.
HAZARD_BANNER_H = float(os.environ.get("HAZARD_BANNER_H", "6"))
# Public warnings (CAP 1.2): who sends them, and the address the public reaches this server at
# (each message's <web> link).
CAP_SENDER = os.environ.get("CAP_SENDER", "112@ambon.go.id")
CAP_SENDER_NAME = os.environ.get("CAP_SENDER_NAME", "Call Center 112 Kota Ambon")
CAP_IDENTIFIER_PREFIX = os.environ.get("CAP_IDENTIFIER_PREFIX", "id.ambon112")
CAP_STATUS = os.environ.get("CAP_STATUS", "Actual")  # Exercise on a training server
PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "http://127.0.0.1:8000").rstrip("/")

# --- Signed exports and the daily seal (issue #17) -------------------------------------------
# The centre's Ed25519 private key (PEM), made once by `manage.py create_signing_key`: a file
# outside the database and the repository (var/ is never committed). Without it no export is
# given out and no day is sealed. Production points this at a path on its own volume or secret.
SIGNING_KEY_PATH = Path(
    os.environ.get("AMBON112_SIGNING_KEY", "") or BASE_DIR / "var" / "signing-key.pem"
)

# --- Static files ---------------------------------------------------------------------------
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "var" / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

LEAFLET_CONFIG = {
    "DEFAULT_CENTER": (-3.6954, 128.1814),
    "DEFAULT_ZOOM": 12,
    "TILES": os.environ.get("MAP_TILE_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png"),
    "ATTRIBUTION_PREFIX": "Ambon 112",
    "RESET_VIEW": False,
}

# --- Security -------------------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", PRODUCTION)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
# Production runs behind a TLS reverse proxy that says so with X-Forwarded-Proto (README).
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if PRODUCTION else None
# HSTS is sent on HTTPS responses only (as seen through the proxy header); never on the embedded
# default's plain http://127.0.0.1, where it would pin a developer's browser.
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000")) if PRODUCTION else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
# Usually the proxy redirects http to https itself; /healthz stays reachable over plain HTTP for
# probes inside the deployment.
SECURE_SSL_REDIRECT = PRODUCTION and env_bool("SECURE_SSL_REDIRECT", False)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:", "blob:", *env_list("MAP_TILE_HOSTS", "tile.openstreetmap.org")],
        "connect-src": [SELF],
        "font-src": [SELF],
        "media-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    }
}

# --- Logging: one JSON object per line ------------------------------------------------------
LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(levelname)s %(name)s %(message)s",
            "timestamp": "time",  # ISO 8601, UTC
            "rename_fields": {"levelname": "level", "name": "logger"},
        }
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # One line per heartbeat every second otherwise.
        "celery.app.trace": {"level": "WARNING"},
        "celery.worker.strategy": {"level": "WARNING"},
        "uvicorn.access": {"level": os.environ.get("ACCESS_LOG_LEVEL", "WARNING")},
    },
}
