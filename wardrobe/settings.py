"""Settings for the wardrobe project: one module, differences come from the environment.

Every environment variable, its default and the production set are documented in
``docs/configuration.md``; keep the two in step.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONE, SELF

from wardrobe.core.cache import fail_open

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
if (BASE_DIR / ".env").is_file():
    environ.Env.read_env(BASE_DIR / ".env")

DEBUG = env.bool("DEBUG", default=False)

if DEBUG:
    SECRET_KEY = env.str("SECRET_KEY", default="django-insecure-dev-only-key-do-not-use-in-production")
else:
    SECRET_KEY = env.str("SECRET_KEY")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"] + (["*"] if DEBUG else []))
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "axes",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "accounts",
    "wardrobe.core",
    "wardrobe.legacy",
    "wardrobe.closet",
    "wardrobe.outfits",
    "wardrobe.weather",
    "wardrobe.suggestions",
    "wardrobe.preferences",
    "wardrobe.backup",
    "wardrobe.care",
    "wardrobe.stats",
    "wardrobe.packing",
    "wardrobe.wishlist",
    "workers",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Content-Security-Policy, then Permissions-Policy and the private cache default (wardrobe.core.headers),
    # outside WhiteNoise so static files get them too.
    "csp.middleware.CSPMiddleware",
    "wardrobe.core.headers.HardeningHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # 413 for a body over MAX_REQUEST_BYTES, before it is read (nothing above reads a body; answers in the
    # user's language, with the headers of the middleware above).
    "wardrobe.core.upload_limits.RequestSizeLimitMiddleware",
    # Last: turns a login refused by django-axes into the lockout page / 429 (accounts.security).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "wardrobe.urls"
WSGI_APPLICATION = "wardrobe.wsgi.application"

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
                "wardrobe.closet.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
}
# Keep each process's database connection between requests (seconds; 0: a new connection per request,
# which cost the closet page 2-4 ms of CPU and more of wall time), checked before reuse.
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DB_CONN_MAX_AGE", default=60))
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The web server's threads and the worker write to the same file: wait for locks instead of failing.
    # A transaction takes the write lock when it begins (IMMEDIATE): one that read first and then wrote
    # would otherwise fail at once with "database is locked" while another writes (SQLite does not wait
    # then: https://www.sqlite.org/lang_transaction.html), as 13 of 40 uploads of 20 photos at a time did.
    # WAL lets pages be read while a write goes on. Both as Django's SQLite notes advise.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# django-axes first: it refuses logins of a locked-out username + address before any password check.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "accounts.backends.ModelBackend",  # Django's, reading the profile with the user
]

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

LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "closet:closet"
# Where a new account goes after sign-up: adding its first photos.
SIGNUP_REDIRECT_URL = "closet:upload"
LOGOUT_REDIRECT_URL = "accounts:login"

LANGUAGE_CODE = env.str("LANGUAGE_CODE", default="en")
LANGUAGES = [("en", "English"), ("ko", "한국어")]
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600  # the switcher's choice is remembered for a year
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")

# User files are never served from a public URL: owner-checked views stream them.
MEDIA_ROOT = env.path("MEDIA_ROOT", default=VAR_DIR / "media")
# The views hand files over through django-sendfile2 (see docs/configuration.md): ``simple`` streams them
# from Django, ``nginx`` answers with ``X-Accel-Redirect: SENDFILE_URL + <storage name>``.
SENDFILE_BACKEND = env.str("SENDFILE_BACKEND", default="django_sendfile.backends.simple")
SENDFILE_ROOT = str(MEDIA_ROOT)
SENDFILE_URL = env.str("SENDFILE_URL", default="/protected-media/")

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

# Uploads
MAX_UPLOAD_BYTES = env.int("MAX_UPLOAD_BYTES", default=25 * 1024 * 1024)
MAX_IMAGE_PIXELS = env.int("MAX_IMAGE_PIXELS", default=40_000_000)
MIN_IMAGE_SIDE = env.int("MIN_IMAGE_SIDE", default=32)  # pixels
MAX_ASPECT_RATIO = env.float("MAX_ASPECT_RATIO", default=10.0)  # long side / short side
MAX_UPLOAD_FILES = env.int("MAX_UPLOAD_FILES", default=20)
DATA_UPLOAD_MAX_NUMBER_FILES = MAX_UPLOAD_FILES
# The most bytes one request body may hold (wardrobe.core.upload_limits): a larger Content-Length is a 413
# before the body is read. Default: the upload form's MAX_UPLOAD_FILES files of MAX_UPLOAD_BYTES, plus
# 4 MiB for its other fields (Django's DATA_UPLOAD_MAX_MEMORY_SIZE, 2.5 MiB) and the multipart envelope.
MAX_REQUEST_BYTES = env.int("MAX_REQUEST_BYTES", default=MAX_UPLOAD_FILES * MAX_UPLOAD_BYTES + 4 * 1024 * 1024)
# The most bytes an archive to import may hold (wardrobe.backup: the export zip, the CSV zip); default
# what a request may hold less 4 MiB for the envelope (500 MiB by default).
IMPORT_MAX_BYTES = env.int("IMPORT_MAX_BYTES", default=MAX_REQUEST_BYTES - 4 * 1024 * 1024)
# Stores at most MAX_UPLOAD_BYTES of any uploaded file and stops reading past MAX_REQUEST_BYTES.
FILE_UPLOAD_HANDLERS = ["wardrobe.core.upload_limits.LimitedUploadHandler"]
# Uploads are scaled down to this long side (pixels) and only that copy is stored; 0: kept as uploaded.
MAX_PHOTO_SIDE = env.int("MAX_PHOTO_SIDE", default=2048)
# Photos one user may have waiting for the worker (pending + processing); more: 429. 0: no limit.
MAX_PENDING_PHOTOS = env.int("MAX_PENDING_PHOTOS", default=50)

# New detections whose combined confidence is below this wait in the review queue (per-user default).
REVIEW_THRESHOLD = env.float("REVIEW_THRESHOLD", default=0.75)
# New garments whose mask the model rates below this (expected IoU) wait for review, shown as the photo.
MASK_QUALITY_THRESHOLD = env.float("MASK_QUALITY_THRESHOLD", default=0.85)
# Currencies offered for prices (ISO 4217).
CURRENCIES = env.list("CURRENCIES", default=["KRW", "USD", "EUR", "GBP", "JPY", "CNY", "CAD", "AUD"])

# Weather (wardrobe.weather; see docs/configuration.md): Open-Meteo's forecast and place search, no key.
OPEN_METEO_URL = env.str("OPEN_METEO_URL", default="https://api.open-meteo.com/v1/forecast")
GEOCODING_URL = env.str("GEOCODING_URL", default="https://geocoding-api.open-meteo.com/v1/search")
WEATHER_TIMEOUT_S = env.float("WEATHER_TIMEOUT_S", default=5.0)
WEATHER_CACHE_SECONDS = env.int("WEATHER_CACHE_SECONDS", default=1800)

# Vision: empty means "cuda if available, else cpu", resolved in the worker process.
VISION_DEVICE = env.str("VISION_DEVICE", default="")
# Folder with detector.pt and classifier.pt; empty: the committed vision/weights.
VISION_WEIGHTS_DIR = env.str("VISION_WEIGHTS_DIR", default="")

# How the closet hands photos to the workers (wardrobe.closet.queue): the Celery task below.
PHOTO_QUEUE_BACKEND = env.str("PHOTO_QUEUE_BACKEND", default="workers.queue.CeleryPhotoQueue")
# "Do I own something like this?" (POST /api/closet/match/): how long the web process waits for a
# worker's answer (seconds) before a 503 with Retry-After.
MATCH_WAIT_SECONDS = env.float("MATCH_WAIT_SECONDS", default=20.0)

# Celery
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://")
CELERY_BROKER_TRANSPORT_OPTIONS: dict = {}
if CELERY_BROKER_URL.startswith("filesystem://"):
    _broker_dir = VAR_DIR / "broker"
    for _sub in ("queue", "processed", "control"):
        (_broker_dir / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        "store_processed": False,
        "control_folder": str(_broker_dir / "control"),
    }
elif CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        # An unacknowledged task (its worker was killed) goes back to the queue after this long; it
        # must exceed the task time limit. The sweeper below usually recovers such photos sooner.
        "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600),
        "socket_connect_timeout": 3,
    }
CELERY_TASK_ROUTES = {
    "workers.tasks.process_photo": {"queue": "vision"},
    "workers.tasks.garment_in_box": {"queue": "vision"},
    "workers.tasks.sweep_photos": {"queue": "vision"},
}
CELERY_TASK_DEFAULT_QUEUE = "vision"
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A task is acknowledged only when it has finished, and handed back when its worker process dies,
# so a killed worker loses nothing; tasks are idempotent (services.process_photo).
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# Time limits per photo, in seconds (enforced by the prefork pool): the soft one ends the photo as
# failed with a message, the hard one kills the worker process (then the sweeper takes over).
PHOTO_TASK_SOFT_TIME_LIMIT = env.float("PHOTO_TASK_SOFT_TIME_LIMIT", default=300.0)
PHOTO_TASK_TIME_LIMIT = env.float("PHOTO_TASK_TIME_LIMIT", default=PHOTO_TASK_SOFT_TIME_LIMIT + 30)
# A photo whose processing was started this many times (crashes, time-outs) ends as failed.
PHOTO_MAX_ATTEMPTS = env.int("PHOTO_MAX_ATTEMPTS", default=3)
# Sweeper: re-enqueue photos left 'pending' (never handed to the broker, or queued longer than
# SWEEP_PENDING_AFTER seconds while the queue is empty) or 'processing' for longer than
# SWEEP_PROCESSING_AFTER seconds. Runs every SWEEP_INTERVAL seconds under celery beat, and as
# `manage.py sweep_photos`.
SWEEP_INTERVAL = env.float("SWEEP_INTERVAL", default=60.0)
SWEEP_PENDING_AFTER = env.float("SWEEP_PENDING_AFTER", default=300.0)
SWEEP_PROCESSING_AFTER = env.float("SWEEP_PROCESSING_AFTER", default=PHOTO_TASK_TIME_LIMIT + 60)
# Appearance vectors of another embedding model (or none) are recomputed by the workers, at most
# EMBED_REFRESH_BATCH garments every EMBED_REFRESH_INTERVAL seconds (0: never; then `garments_embed`).
EMBED_REFRESH_INTERVAL = env.float("EMBED_REFRESH_INTERVAL", default=300.0)
EMBED_REFRESH_BATCH = env.int("EMBED_REFRESH_BATCH", default=100)
CELERY_BEAT_SCHEDULE = {
    "sweep-photos": {"task": "workers.tasks.sweep_photos", "schedule": SWEEP_INTERVAL},
}
if EMBED_REFRESH_INTERVAL > 0:
    CELERY_BEAT_SCHEDULE["embed-stale-garments"] = {
        "task": "workers.tasks.embed_stale_garments",
        "schedule": EMBED_REFRESH_INTERVAL,
    }
CELERY_BEAT_SCHEDULE_FILENAME = str(env.path("CELERY_BEAT_SCHEDULE_FILENAME", default=VAR_DIR / "celerybeat-schedule"))
# Publishing a task must not hang an upload while the broker is down: give up fast, the photo
# stays 'pending' and the sweeper enqueues it once the broker is back.
CELERY_BROKER_CONNECTION_TIMEOUT = env.float("CELERY_BROKER_CONNECTION_TIMEOUT", default=3.0)
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.5, "interval_max": 0.5}
# The worker itself keeps trying to reconnect to the broker for ever.
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_BACKEND = None
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]

# Caches: the throttle counters, weather answers and outfit pictures (see docs/configuration.md; Redis when
# there are several web processes). Redis fails open (wardrobe.core.cache): while it is down the
# cache answers as empty, so the throttles count nothing instead of the site answering 500.
CACHES = {"default": fail_open(env.cache_url("CACHE_URL", default="locmemcache://"))}

# Reverse proxies that append to X-Forwarded-For; the client address is the one they saw.
NUM_PROXIES = env.int("NUM_PROXIES", default=0)

# Login lockout (django-axes; see docs/configuration.md). Failures are counted per username + client address.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.float("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "accounts.security.client_ip"
AXES_LOCKOUT_CALLABLE = "accounts.security.lockout_response"
AXES_HTTP_RESPONSE_CODE = 429
AXES_VERBOSE = False  # no banner on every management command

# REST API
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.TokenAuthentication",  # DRF's, in the user's saved language
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # DRF's JSON renderer, which also sends a page kept rendered as it is (core/api/raw_json.py).
    "DEFAULT_RENDERER_CLASSES": [
        "wardrobe.core.api.raw_json.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_PAGINATION_CLASS": "wardrobe.core.api.pagination.PageSizePagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "wardrobe.core.api.schema.AutoSchema",
    "EXCEPTION_HANDLER": "wardrobe.core.api.exceptions.exception_handler",
    # Throttles (see docs/configuration.md): anonymous / signed-in rates for every request, ``auth`` for the
    # views with ``throttle_scope = "auth"``, ``upload`` for POST /api/photos/. Counters live in CACHES.
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
        "rest_framework.throttling.ScopedRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("THROTTLE_ANON_RATE", default="60/min") or None,
        "user": env.str("THROTTLE_USER_RATE", default="600/min") or None,
        "auth": env.str("THROTTLE_AUTH_RATE", default="10/min") or None,
        "upload": env.str("THROTTLE_UPLOAD_RATE", default="60/min") or None,
    },
    "NUM_PROXIES": NUM_PROXIES,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Wardrobe API",
    "DESCRIPTION": "Upload photos, get back segmented and classified garments.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# Security. SECURE_COOKIES=1: the site is served over HTTPS (directly or behind a TLS proxy).
HTTPS = env.bool("SECURE_COOKIES", default=False)
BEHIND_TLS_PROXY = env.bool("BEHIND_TLS_PROXY", default=False)
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
LANGUAGE_COOKIE_SECURE = HTTPS
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_SAMESITE = "Lax"
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if BEHIND_TLS_PROXY else None
# Redirecting needs to know the scheme: on by default only when the proxy tells it.
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=HTTPS and BEHIND_TLS_PROXY)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=365 * 24 * 3600 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=SECURE_HSTS_SECONDS > 0)
# Off by default: hstspreload.org asks projects that ship HTTPS defaults not to send `preload` for
# their users (being on the browsers' list is hard to undo). Django's check security.W021 only
# recommends it, so it is silenced while the operator has not opted in.
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (django-csp; README, "Security"): scripts and styles only from the site's own
# files (no inline code, no eval), pictures also from data: and blob: URLs (the upload page's previews),
# no plugins, no <base>, forms post here only, no page framed anywhere.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:", "blob:"],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}
