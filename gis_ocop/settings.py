"""Settings for gis-ocop, read from the environment only.

See README.md ("Configuration") for every variable. Production mode (DEBUG off) refuses to start
with the development secret key.
"""

from __future__ import annotations

import datetime
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from gis_ocop import env

BASE_DIR = Path(__file__).resolve().parent.parent

DEVELOPMENT_SECRET_KEY = "dev-only-insecure-key-for-gis-ocop-never-use-in-production"  # noqa: S105

DEBUG = env.boolean("DEBUG", default=False)
SECRET_KEY = env.string("SECRET_KEY") or DEVELOPMENT_SECRET_KEY
if not DEBUG and SECRET_KEY == DEVELOPMENT_SECRET_KEY:
    raise ImproperlyConfigured(
        "DEBUG is off but SECRET_KEY is the development key. Set SECRET_KEY (or SECRET_KEY_FILE) "
        "to a long random value, or set DEBUG=1 for local development."
    )

ALLOWED_HOSTS = env.string_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])
PUBLIC_BASE_URL = (env.string("PUBLIC_BASE_URL") or "http://127.0.0.1:8000").rstrip("/")
CSRF_TRUSTED_ORIGINS = env.string_list("CSRF_TRUSTED_ORIGINS", [PUBLIC_BASE_URL])

# Base map: a configurable tile URL; every page must still work when tiles do not load.
BASEMAP_TILE_URL = env.string("BASEMAP_TILE_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png")
BASEMAP_ATTRIBUTION = env.string(
    "BASEMAP_ATTRIBUTION", '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a>'
)

# Spatial rules of the registry (see apps/zones and apps/outlets).
# The province this installation serves (2025 code; 66 = Đắk Lắk): sales points elsewhere are "outside".
OCOP_PROVINCE_CODE = env.string("OCOP_PROVINCE_CODE", "66")
# Largest overlap (m², on the ellipsoid) tolerated between zones of two active growing-area codes.
OCOP_ZONE_OVERLAP_TOLERANCE_M2 = env.integer("OCOP_ZONE_OVERLAP_TOLERANCE_M2", 100)
# Without boundary polygons, a province's extent is the hull of its communes' centroids grown by this margin.
OCOP_PROVINCE_EXTENT_MARGIN_M = env.integer("OCOP_PROVINCE_EXTENT_MARGIN_M", 20000)
# Zone imports of at least this many features take the set-based path (apps/transfer/bulk.py; same rules).
OCOP_IMPORT_BULK_THRESHOLD = env.integer("OCOP_IMPORT_BULK_THRESHOLD", 100)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.gis",
    "django.contrib.postgres",
    "rest_framework",
    "rest_framework.authtoken",
    "rest_framework_gis",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "leaflet",
    "apps.common",
    "apps.territory",
    "apps.codes",
    "apps.producers",
    "apps.products",
    "apps.ratings",
    "apps.zones",
    "apps.facilities",
    "apps.certifications",
    "apps.outlets",
    "apps.tourism",
    "apps.indications",
    "apps.traceability",
    "apps.stamps",
    "apps.portal",
    "apps.demo",
    "apps.layers",
    "apps.maps",
    "apps.workspace",
    "apps.transfer",
    "apps.accounts",
    "apps.evaluation",
    "apps.reports",
    "axes",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "apps.common.middleware.LeanPathMiddleware",  # stamp scans and tiles skip sessions, auth, messages and CSRF below
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",  # last: turns a locked-out login into its lockout answer
]

# The anonymous hot paths served by apps.common.middleware.LeanPathMiddleware: stamp scans and vector tiles.
LEAN_PATHS = [
    {"prefixes": ("/01/", "/s/"), "mount": "/", "urlconf": "apps.stamps.urls",
     "names": ("stamps-digital-link", "stamps-short")},
    {"prefixes": ("/tiles/",), "mount": "/tiles/", "urlconf": "apps.layers.tile_urls", "names": ("tile",)},
]

ROOT_URLCONF = "gis_ocop.urls"
WSGI_APPLICATION = "gis_ocop.wsgi.application"
ASGI_APPLICATION = "gis_ocop.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "gis_ocop" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "apps.portal.context_processors.site",
            ],
        },
    },
]

# PostGIS is the only database.
_database_url = env.string("DATABASE_URL")
if not _database_url:
    raise ImproperlyConfigured(
        "DATABASE_URL is not set. Run through ./ocop (it starts a local PostGIS and sets it), "
        "or export DATABASE_URL=postgis://user:password@host:5432/dbname."
    )
DATABASES = {"default": dj_database_url.parse(_database_url, conn_max_age=env.integer("DB_CONN_MAX_AGE", 60))}
DATABASES["default"]["ENGINE"] = "django.contrib.gis.db.backends.postgis"
# Django's health check costs a round trip (SELECT 1) at the start of every request that uses the database: off by
# default, as in Django. A connection that died (the database restarted) fails that one request and is then
# closed and replaced; DB_CONN_HEALTH_CHECKS=1 trades the round trip for not losing that request.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = env.boolean("DB_CONN_HEALTH_CHECKS", default=False)
# Server-side prepared statements (psycopg): only queries run on server-binding cursors are prepared — Django's own
# are bound client-side and never are — i.e. the stamp resolver's scan call. Off for poolers that cannot keep them.
DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = (
    5 if env.boolean("DB_PREPARED_STATEMENTS", default=True) else None)
DATABASES["default"].setdefault("TEST", {})["NAME"] = env.string("TEST_DATABASE_NAME") or None
# PostGIS functions declare high costs, so PostgreSQL's JIT compiles plain map queries (a tile, a page of
# features) and spends 15-50 ms doing it on every request; these short queries never gain from JIT.
DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# Officers sign in through the admin's login page (rate-limited, see apps/accounts).
LOGIN_URL = "admin:login"
# Opt into Django 6's default: a URL typed without a scheme is taken as https.
FORMS_URLFIELD_ASSUME_HTTPS = True

# Debian 12 ships GDAL 3.6, which cannot block file/network access from spatial references (GDAL 3.9+
# can). Only authenticated officers upload spatial files; upgrade GDAL and drop this where possible.
SILENCED_SYSTEM_CHECKS = env.string_list("SILENCED_SYSTEM_CHECKS", ["gis.W001"])

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Logins: django-axes counts failures first; then passwords; then roles and scopes (apps/accounts/permissions.py)
# answer Django's permission checks.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "apps.accounts.backends.RolePermissionBackend",
]
# Lock a username + IP pair out after LOGIN_FAILURE_LIMIT failed logins, for LOGIN_LOCKOUT_MINUTES minutes.
AXES_FAILURE_LIMIT = env.integer("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env.integer("LOGIN_LOCKOUT_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
# The client IP is REMOTE_ADDR (X-Forwarded-For is spoofable): behind a proxy, have it pass the client address.

# Vietnamese first, English available.
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Vietnamese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "gis_ocop" / "locale"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
# Leaflet.markercluster comes from the xstatic-leaflet-markercluster package (PyPI), found by apps/maps.
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
    "apps.maps.staticfiles.MarkerClusterFinder",
]
# Leaflet-Geoman (zone editor) comes from npm: package-lock.json, installed by ./ocop and the Dockerfile (npm ci).
STATICFILES_DIRS = [("leaflet-geoman", BASE_DIR / "node_modules" / "@geoman-io" / "leaflet-geoman-free" / "dist")]
STATIC_ROOT = Path(env.string("STATIC_ROOT") or BASE_DIR / "staticfiles")
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env.string("MEDIA_ROOT") or BASE_DIR / "media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG

# Security: production defaults are strict; each can be relaxed explicitly from the environment.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.boolean("SECURE_SSL_REDIRECT", default=not DEBUG)
SESSION_COOKIE_SECURE = env.boolean("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.boolean("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_HSTS_SECONDS = env.integer("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.boolean("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env.boolean("SECURE_HSTS_PRELOAD", default=not DEBUG)
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
X_FRAME_OPTIONS = "DENY"

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",
    # Sessions for pages, tokens ("Authorization: Token …") for API clients; no HTTP Basic (no passwords per request).
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "PAGE_SIZE": 100,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "gis-ocop API",
    "DESCRIPTION": "OCOP registry, map layers and traceability for Vietnam's One Commune One Product programme.",
    "VERSION": "1",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# django-leaflet: bundled Leaflet served from our static files; tiles from the configured URL.
LEAFLET_CONFIG = {
    "DEFAULT_CENTER": (12.71, 108.24),
    "DEFAULT_ZOOM": 8,
    "MIN_ZOOM": 3,
    "MAX_ZOOM": 19,
    "TILES": [
        (
            "Base map",
            BASEMAP_TILE_URL,
            {"attribution": BASEMAP_ATTRIBUTION, "maxZoom": 19, "referrerPolicy": "strict-origin-when-cross-origin"},
        )
    ],
    "RESET_VIEW": False,
    "NO_GLOBALS": False,
}

# Cache: per-process memory by default. Rate limits of the stamp resolver live here, so with several
# workers or servers point CACHE_BACKEND/CACHE_LOCATION at a shared cache (e.g. Django's Redis or database cache).
CACHES = {
    "default": {
        "BACKEND": env.string("CACHE_BACKEND", "django.core.cache.backends.locmem.LocMemCache"),
        "LOCATION": env.string("CACHE_LOCATION", "gis-ocop"),
    }
}

# QR stamps and the resolver (apps/stamps): clone heuristics, per-client rate limits (a limit of 0 turns it off)
# and how long at most a lot's rendered product page is cached (0 = render on every scan). A change made through the
# platform shows on the next scan whatever this is (the lot's page_version: apps/stamps/freshness.py); this bounds only
# changes made around it (SQL by hand, QuerySet.update), within twice this delay at worst (apps/stamps/localcache.py).
STAMPS_CLONE_MAX_SCANS = env.integer("STAMPS_CLONE_MAX_SCANS", 20)
STAMPS_CLONE_MAX_SPEED_KMH = env.integer("STAMPS_CLONE_MAX_SPEED_KMH", 120)
STAMPS_CLONE_MIN_DISTANCE_KM = env.integer("STAMPS_CLONE_MIN_DISTANCE_KM", 20)
STAMPS_RATE_LIMIT_CACHE = env.string("STAMPS_RATE_LIMIT_CACHE", "default")
STAMPS_RATE_LIMIT_PER_MINUTE = env.integer("STAMPS_RATE_LIMIT_PER_MINUTE", 120)
STAMPS_RATE_LIMIT_UNKNOWN_PER_MINUTE = env.integer("STAMPS_RATE_LIMIT_UNKNOWN_PER_MINUTE", 20)
STAMPS_PAGE_CACHE_SECONDS = env.integer("STAMPS_PAGE_CACHE_SECONDS", 900)
# Hot anonymous GETs answered in front of Django from what its views already rendered (apps.common.fastpath): stamp
# scans and vector tiles. FAST_PATH=0 sends them through Django like every other request.
FAST_PATH_HANDLERS = ["apps.stamps.fastpath.ScanHandler", "apps.layers.fastpath.TileHandler"] \
    if env.boolean("FAST_PATH", True) else []

# OCOP evaluation cycle (apps/evaluation): certificate expiry reminders (days ahead), extra addresses that receive
# them, and a TrueType font with Vietnamese glyphs for the certificate PDF.
OCOP_EXPIRY_REMINDER_DAYS = [int(day) for day in env.string_list("OCOP_EXPIRY_REMINDER_DAYS", ["90", "30"])]
OCOP_EVALUATION_NOTIFY_EMAILS = env.string_list("OCOP_EVALUATION_NOTIFY_EMAILS", [])
OCOP_CERTIFICATE_FONT = env.string("OCOP_CERTIFICATE_FONT", "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
OCOP_CERTIFICATE_BOLD_FONT = env.string("OCOP_CERTIFICATE_BOLD_FONT",
                                        "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.string("LOG_LEVEL", "INFO")},
}
