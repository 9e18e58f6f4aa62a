"""Settings for the platform catalogue, all driven by the environment.

One module on purpose: every value that differs between a laptop, CI and production comes from an
environment variable (or a ``.env`` file next to ``manage.py``), read with django-environ.
"""

from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONE, SELF

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env(
    DEBUG=(bool, False),
    ALLOWED_HOSTS=(list, ["localhost", "127.0.0.1", "[::1]"]),
    CSRF_TRUSTED_ORIGINS=(list, []),
    SECURE_SSL_REDIRECT=(bool, True),
    SECURE_HSTS_SECONDS=(int, 31_536_000),
    LOG_LEVEL=(str, "INFO"),
    API_PAGE_SIZE=(int, 20),
    API_MAX_PAGE_SIZE=(int, 100),
    API_THROTTLE_ANON=(str, "120/minute"),
    API_THROTTLE_USER=(str, "600/minute"),
    DATABASE_STATEMENT_TIMEOUT=(int, 10000),
    API_THROTTLE_SIMILAR_ANON=(str, "30/minute"),
    API_THROTTLE_LOGIN=(str, "10/minute"),
    NUM_PROXIES=(int, 0),
    LOGIN_FAILURE_LIMIT=(int, 5),
    LOGIN_LOCKOUT_MINUTES=(int, 15),
    API_TOKEN_TTL_DAYS=(int, 90),
)
environ.Env.read_env(BASE_DIR / ".env")

DEBUG = env("DEBUG")

if DEBUG:
    # Only for a laptop: a fixed key is harmless when nothing is exposed.
    SECRET_KEY = env("SECRET_KEY", default="django-insecure-local-development-only")
else:
    # No default: a production start without a real secret must fail loudly.
    SECRET_KEY = env("SECRET_KEY")

ALLOWED_HOSTS = env("ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS = env("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "knox",
    "axes",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "govuk_frontend_django",
    "platforms",
    "api",
    "catalogue.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # A page whose query hit statement_timeout answers the 503 busy page, not a 500.
    "catalogue.busy.ServiceBusyMiddleware",
    # Last, as django-axes asks: it turns a locked-out admin sign-in into a 429 page.
    "axes.middleware.AxesMiddleware",
]

# django-axes first: it refuses a locked-out sign-in before any password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # Django's, with a user's permissions read in one query (platforms/auth_backends.py).
    "platforms.auth_backends.ModelBackend",
]

ROOT_URLCONF = "catalogue.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

WSGI_APPLICATION = "catalogue.wsgi.application"

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
# Reuse connections, and check them before use so that a database restart is survived.
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# PostgreSQL stops any one statement that runs longer than this many milliseconds (0: never), so
# that an overloaded server sheds slow queries (the API answers 503) instead of queueing them.
# JIT compilation is off: it cost ~200 ms per search query for nothing (short OLTP queries).
DATABASE_STATEMENT_TIMEOUT = env("DATABASE_STATEMENT_TIMEOUT")
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"]["options"] = (
        f"-c statement_timeout={DATABASE_STATEMENT_TIMEOUT} -c jit=off"
        # Typo tolerance of search (platforms/search/postgres.py): "notfy" finds "Notify".
        " -c pg_trgm.word_similarity_threshold=0.45"
    )
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite is for one laptop, but runserver still serves requests in threads: WAL lets readers
    # and a writer work at once, IMMEDIATE takes the write lock when a transaction starts (so two
    # writers queue rather than deadlock), and the busy timeout makes them wait, not fail with
    # "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": env.int("SQLITE_BUSY_TIMEOUT", default=20),
        }
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# A shared store for the throttles' counts (and anything else cached), so that every worker and
# every server counts the same requests: Redis when CACHE_URL (or REDIS_URL) names one (the counts
# are then an atomic add/incr there), otherwise a table in the database (created by `migrate`),
# which needs no other service. With the database cache, the throttles count in their own table
# instead (api.models.ThrottleCount: one statement per request; see api/security.py).
_CACHE_URL = env("CACHE_URL", default=env("REDIS_URL", default=""))
CACHES = {
    "default": env.cache_url_config(_CACHE_URL)
    if _CACHE_URL
    else {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "catalogue_cache",
    }
}

# Sign-in lockout (django-axes) for the admin and the API's token endpoint: after
# LOGIN_FAILURE_LIMIT wrong passwords for one username from one client address, that pair is
# refused (429) for LOGIN_LOCKOUT_MINUTES, even with the right password.
AXES_FAILURE_LIMIT = env("LOGIN_FAILURE_LIMIT")
AXES_COOLOFF_TIME = timedelta(minutes=env("LOGIN_LOCKOUT_MINUTES"))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_HTTP_RESPONSE_CODE = 429
# No start-up banner on every management command.
AXES_VERBOSE = False
# The same client address as the API's throttles (NUM_PROXIES below).
AXES_CLIENT_IP_CALLABLE = "api.security.client_ip"

# Content-Security-Policy (django-csp): only this site's own scripts, styles, images and fonts.
# No inline script anywhere; pages that need more (the Redoc documentation) widen it themselves.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF, "data:"],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
        "base-uri": [SELF],
    }
}

# History is read-only in the admin: reverting would bypass the services' rules.
SIMPLE_HISTORY_REVERT_DISABLED = True

# Django 6 behaviour now: a URL typed without a scheme means https.
FORMS_URLFIELD_ASSUME_HTTPS = True

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
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

# Where the catalogue is published: the base of the absolute IRIs in the DCAT-AP export.
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")

# Request bodies: the API takes JSON and imported files, never more than this.
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=5 * 1024 * 1024)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "knox.auth.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_RENDERER_CLASSES": [
        # DRF's bytes, written by orjson (api/renderers.py).
        "api.renderers.JSONRenderer",
        # DRF's, fitted to the Content-Security-Policy.
        "api.security.BrowsableAPIRenderer",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # One error shape for every 4xx (api/exceptions.py).
    "EXCEPTION_HANDLER": "api.exceptions.catalogue_exception_handler",
    "DEFAULT_PAGINATION_CLASS": "api.pagination.CataloguePagination",
    "URL_FORMAT_OVERRIDE": "format",
    "DEFAULT_THROTTLE_CLASSES": [
        "api.security.AnonRateThrottle",
        "api.security.SignedInRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env("API_THROTTLE_ANON"),
        "user": env("API_THROTTLE_USER"),
        "similar_anon": env("API_THROTTLE_SIMILAR_ANON"),
        "login": env("API_THROTTLE_LOGIN"),
    },
    # How many reverse proxies (load balancer, CDN) stand in front of the app and append to
    # X-Forwarded-For. 0: the header is ignored and the client is the connection's address, so a
    # client cannot pick its own throttle key by sending the header.
    "NUM_PROXIES": env("NUM_PROXIES"),
}

# API tokens (django-rest-knox): only a SHA-512 digest is stored, each token expires, and
# deleting it (admin, `manage.py revoke_api_tokens`) revokes it.
REST_KNOX = {
    "TOKEN_TTL": timedelta(days=env("API_TOKEN_TTL_DAYS")) if env("API_TOKEN_TTL_DAYS") else None,
    "AUTH_HEADER_PREFIX": "Token",
    "AUTO_REFRESH": False,
}
API_PAGE_SIZE = env("API_PAGE_SIZE")
API_MAX_PAGE_SIZE = env("API_MAX_PAGE_SIZE")

SPECTACULAR_SETTINGS = {
    "TITLE": "Cross-government platform catalogue API",
    "DESCRIPTION": (
        "Register, find and reuse the common technology platforms that UK government "
        "organisations run. Reads are open; writes need a token."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    # No validator badge: Swagger UI would send the schema to validator.swagger.io.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": r"/api/v[0-9]+",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "api.schema.describe_the_validation",
    ],
    "ENUM_NAME_OVERRIDES": {
        "PlatformPhaseEnum": "platforms.models.Platform.Phase",
        "PlatformStateEnum": "platforms.models.Platform.State",
        "AdoptionStatusEnum": "platforms.models.Adoption.Status",
        "DependencyKindEnum": "platforms.models.Dependency.Kind",
        "OrganisationKindEnum": "platforms.models.Organisation.Kind",
        "OrganisationStatusEnum": "platforms.models.Organisation.Status",
    },
    "TAGS": [
        {"name": "Platforms", "description": "Shared platforms and their lifecycle."},
        {"name": "Adoptions", "description": "Who reuses which platform."},
        {"name": "Dependencies", "description": "Which platform needs which."},
        {"name": "Organisations", "description": "Government bodies."},
        {"name": "Capabilities", "description": "The needs platforms meet."},
        {"name": "Standards", "description": "Standards platforms conform to."},
        {"name": "Authentication", "description": "API tokens."},
        {"name": "Search", "description": "Ranked search with facets, and similar platforms."},
        {
            "name": "Interoperability",
            "description": "Imports (publiccode.yml, Backstage, CSV); exports (CSV, JSON, DCAT).",
        },
    ],
}

# Production hardening; `manage.py check --deploy` is clean with DEBUG off.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if not DEBUG:
    SECURE_SSL_REDIRECT = env("SECURE_SSL_REDIRECT")
    # The health check answers over plain HTTP inside the container network.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = env("SECURE_HSTS_SECONDS")
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    # Off only for a plain-HTTP demo (docker compose on a laptop); never behind real TLS.
    SESSION_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=True)
    CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "structured": {
            "format": "level=%(levelname)s time=%(asctime)s logger=%(name)s message=%(message)s",
        },
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "structured"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL")},
}
