"""StreetVax settings, read from environment variables with safe defaults.

The embedded default (``make run``): SQLite in the project folder, Celery tasks run
eagerly in-process. Production: ``DATABASE_URL`` points at PostgreSQL and
``CELERY_BROKER_URL`` at Redis. With ``DJANGO_DEBUG`` off, ``DJANGO_SECRET_KEY`` is
required and startup stops without it.
"""

from datetime import date, timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

DEBUG = env.bool("DJANGO_DEBUG", default=False)

SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off (production)."
        )
    SECRET_KEY = "insecure-local-development-key-only-used-with-debug-on"  # noqa: S105

ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

DJANGO_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
]
THIRD_PARTY_APPS = [
    "import_export",
    "simple_history",
    "csp",
    "axes",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
]
LOCAL_APPS = [
    "campaign",
    "sites",
    "reports",
    "robots",
    "audit",
    "demo",
    "api",
]
INSTALLED_APPS = DJANGO_APPS + THIRD_PARTY_APPS + LOCAL_APPS

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # HTML and JSON compressed (static files come compressed from WhiteNoise, above it);
    # why this is safe with CSRF tokens in the pages: docs/decisions.md, "Compressed pages".
    "django.middleware.gzip.GZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "campaign.middleware.ChosenLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    # Django's, the user and their scope read from the cache (campaign/session_user.py).
    "campaign.session_user.CachedAuthenticationMiddleware",
    # A NUL in a parameter answers 400 (its page needs the user) before any view or query sees it.
    "portal.middleware.RefuseNulMiddleware",
    # Every page needs a login unless its view says @login_not_required.
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    # No browser or proxy keeps a logged-in page or download (a shared office computer).
    "portal.middleware.PrivatePagesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Records refused requests (403, 404, 405) of logged-in users in the audit trail.
    "audit.middleware.RefusedAccessMiddleware",
    # Last, as django-axes asks: turns a lockout into the login page's message.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

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
                "campaign.context_processors.navigation",
            ],
        },
    },
]

# https://django-environ.readthedocs.io/en/latest/types.html#environ-env-db-url
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = True
# A connection is kept for a minute between requests, and checked before a request reuses
# it: a connection the database dropped (a restart, pg_terminate_backend, a failover) is
# replaced instead of failing the request.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DJANGO_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded default has several writers at once (web threads, the in-process
    # rebuild): write-ahead logging lets readers and one writer work side by side, and
    # BEGIN IMMEDIATE takes the write lock at the start of a transaction, so a writer waits
    # its turn (up to `timeout` seconds) instead of failing with "database is locked" when
    # it upgrades a read lock that another writer holds.
    # https://docs.djangoproject.com/en/5.2/ref/databases/#database-is-locked-errors
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
        }
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# django-axes first: it refuses a locked-out username before the password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Time: stored in UTC, shown and "today" taken in the campaign's city.
TIME_ZONE = "Asia/Shanghai"
USE_TZ = True

# Freezes "today" for the demo (make run) so the 2021 campaign can be worked in; never set
# it in production.
_demo_date = env.str("STREETVAX_DEMO_DATE", default="")
STREETVAX_DEMO_DATE = date.fromisoformat(_demo_date) if _demo_date else None
# The portal's address as its users reach it: the links the group robots post are made
# from it (a robot's message is read outside any request).
STREETVAX_BASE_URL = env.str("STREETVAX_BASE_URL", default="http://127.0.0.1:8000")

# Language: Simplified Chinese by default, English selectable (compiled .mo committed).
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True

# Uploaded import files wait here between the check and the confirmation. With several
# web hosts or workers, point it at shared storage.
MEDIA_ROOT = env.path("DJANGO_MEDIA_ROOT", default=BASE_DIR / "media")

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT: Path | None = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": env.str(
            "DJANGO_STATICFILES_STORAGE",
            default="whitenoise.storage.CompressedManifestStaticFilesStorage",
        )
    },
}
# Files browsers ask for at the site's root (favicon.ico), served by WhiteNoise from here:
# without one, every page logs a 404 in the browser's console.
WHITENOISE_ROOT = BASE_DIR / "static" / "root"
# Without collectstatic (tests, a runserver by hand) WhiteNoise reads the finders directly,
# uncompressed. `make run` and production run collectstatic, which writes each file's gzip
# and Brotli copies: `make run` sets STREETVAX_STATIC_FROM_SOURCE=false so that DEBUG's
# unhashed URLs are served from there, compressed (production's hashed URLs always are).
WHITENOISE_USE_FINDERS = env.bool("STREETVAX_STATIC_FROM_SOURCE", default=True)

# Celery: https://docs.celeryq.dev/en/stable/userguide/configuration.html
# No broker configured means the embedded default: tasks run eagerly in-process.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_TIME_LIMIT = 5 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 4 * 60
# A dead broker must cost a request nothing visible (docs/operations.md, Known traps): a job
# is sent once, never retried inside a request, with a connect timeout of half a second
# (max_retries 0: kombu's own reconnect loop, 2 s and more, is skipped). After a failed
# send the process leaves the broker alone for STREETVAX_BROKER_PAUSE_SECONDS
# (campaign.broker); the sweep catches up on what was not sent. The worker's consumer
# reconnects with its own loop (CELERY_BROKER_CONNECTION_MAX_RETRIES), not these.
CELERY_BROKER_CONNECTION_TIMEOUT = 0.5
STREETVAX_BROKER_PAUSE_SECONDS = env.float("STREETVAX_BROKER_PAUSE_SECONDS", default=5.0)
# visibility_timeout: a task taken by a worker that died without acknowledging it (the
# machine lost power, the worker got SIGKILL) goes back to the queue after this long; it
# must be longer than the longest task (the time limit below).
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_connect_timeout": 0.5,
    "socket_timeout": 2,
    "max_retries": 0,
    "visibility_timeout": env.int("STREETVAX_CELERY_VISIBILITY_TIMEOUT", default=10 * 60),
}
CELERY_TASK_PUBLISH_RETRY = False
# With acks_late on the tasks, a task whose worker process was killed is put back in the
# queue and runs again; the rebuild is idempotent, so running twice is safe.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# Beat keeps its last-run times in a file: outside the checkout (a deploy must not find it
# there, nor git): in STREETVAX_BEAT_DIR (an existing folder beat may write), by default the
# home folder of the account beat runs as.
CELERY_BEAT_SCHEDULE_FILENAME = str(
    Path(env.str("STREETVAX_BEAT_DIR", default=str(Path.home()))) / "streetvax-celerybeat-schedule"
)
# Beat: the schedule lives here, in code (crontab.guru: "0 1 * * *" is 01:00 every night).
CELERY_BEAT_SCHEDULE = {
    "rebuild-yesterday-and-today": {
        "task": "reports.tasks.snapshots_rebuild",
        "schedule": crontab(hour=1, minute=0),
    },
    "expire-unconfirmed-imports": {
        "task": "sites.tasks.tally_imports_expire",
        "schedule": crontab(minute=7),
    },
    "sweep-stale-dates": {
        "task": "reports.tasks.snapshots_rebuild_stale",
        "schedule": env.float("STREETVAX_SWEEP_SECONDS", default=300.0),
    },
    "send-queued-imports": {
        "task": "sites.tasks.tally_imports_send_queued",
        "schedule": env.float("STREETVAX_SWEEP_SECONDS", default=300.0),
    },
    # The group robots' evening reminders that are due, and what a lost task left unsent.
    "robots-sweep": {
        "task": "robots.tasks.robot_sweep",
        "schedule": 180.0,
    },
}

# django-import-export: an import either commits whole or writes nothing.
IMPORT_EXPORT_USE_TRANSACTIONS = True
# Admin exports: a cell starting with "=" and the like is not left for a spreadsheet to run.
IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT = True

# The cache: the rendered ranking tables, sessions beside their database rows, the API's
# write counts. Production points STREETVAX_CACHE_URL at Redis (redis://host:6379/1), one
# cache for every process and host; without it, each process has its own memory cache (the
# embedded default). A Redis that cannot be reached is an empty cache, never an error
# (portal/cache.py); its timeouts are short so a dead host costs a page little.
_cache_url = env.str("STREETVAX_CACHE_URL", default="")
CACHES = {
    "default": (
        {
            "BACKEND": "portal.cache.ForgivingRedisCache",
            "LOCATION": _cache_url,
            "KEY_PREFIX": "streetvax",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 1},
        }
        if _cache_url
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

# Sessions live in the database, read through the cache (cached_db: a request reads its
# session from the cache, a miss or a dead cache from the database; writes go to both), and
# end after a working day (9 hours from the login or the last request), or when the user
# logs out. A password change ends the user's other
# sessions (Django's session hash); a deactivated user is out on the next request.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SESSION_COOKIE_AGE = 9 * 60 * 60
SESSION_SAVE_EVERY_REQUEST = False

# Deployment hardening. The cookie and HTTPS settings only make sense behind HTTPS, so they
# follow DEBUG: `make run` serves http://127.0.0.1:8000 with DEBUG on.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if not DEBUG:
    SESSION_COOKIE_SECURE = env.bool("DJANGO_SECURE_COOKIES", default=True)
    CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
    SECURE_SSL_REDIRECT = env.bool("DJANGO_SSL_REDIRECT", default=SESSION_COOKIE_SECURE)
    # A load balancer may probe the health check over plain HTTP.
    SECURE_REDIRECT_EXEMPT = [r"^health/$"]
    SECURE_HSTS_SECONDS = env.int("DJANGO_HSTS_SECONDS", default=365 * 24 * 60 * 60)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Content security policy (django-csp): scripts, styles, fonts and images only from our own
# static files; no inline script or style, no framing, forms post only to us. Page data
# for charts comes through json_script blocks, which are data, not code.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

# Login protection (django-axes): a USERNAME is locked for 15 minutes after 5 failed
# logins, whatever address they come from. Locking by address would lock out a whole
# street office behind one NAT address; the username is what an attacker guesses at.
# The lock counts from the fifth failure; more failures during it do not extend it. The
# address recorded is REMOTE_ADDR (django-ipware is not installed), so a forged
# X-Forwarded-For neither hides the client nor resets the count.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# Every failed login is kept (with "locked out" when it was refused by the lock) and shown
# to administrators in the admin, beside the logins and the current attempts.
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_ENABLE_ADMIN = True
# Usernames cut to the longest an account can have: axes keeps them in 255 characters.
AXES_USERNAME_CALLABLE = "portal.login.axes_username"

# Checks of `manage.py check --deploy` that are decisions, not oversights:
# - security.W021 (HSTS preload): entering the browsers' preload list is the domain
#   owner's decision, and an intranet host cannot be listed at all;
# - axes.W006 (no "ip_address" lockout parameter): locking by address would lock out a
#   whole street office behind one address, which is what the username lock avoids.
SILENCED_SYSTEM_CHECKS = ["security.W021", "axes.W006"]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("DJANGO_LOG_LEVEL", default="INFO")},
}

# The HTTP API under /api/v1/ (the api app): tokens only (no session, so no CSRF), JSON
# in and out, errors as RFC 9457 problem details. Writes are limited per token through
# Django's cache (per process unless a shared cache is configured).
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["api.authentication.ApiTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["api.permissions.TokenReads"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "rest_framework.parsers.JSONParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "api.problems.problem_exception_handler",
    "DEFAULT_THROTTLE_RATES": {
        "api_writes": env.str("STREETVAX_API_WRITE_RATE", default="30/min"),
    },
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "StreetVax API",
    "DESCRIPTION": (
        "Tally import and figures of the StreetVax vaccination portal. Send the token as "
        "`Authorization: Bearer <token>`. Errors are RFC 9457 problem details, in Chinese "
        "unless `Accept-Language: en` is sent."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # The description and its docs page are open: they hold no data.
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    # Swagger UI's files come from the drf-spectacular-sidecar package, served as our own
    # static files: the docs page loads nothing from the internet.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
}
