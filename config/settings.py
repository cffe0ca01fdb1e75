"""Confer's settings: everything comes from the environment, with defaults that work for a first run.

Every variable is listed in docs/configuration.md.
"""

from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_choice, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("CONFER_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", False)



def kept_secret(name):
    """Return the secret scripts/run keeps in the var dir for this variable (var/secret_key...), or "" if none.

    So that `manage.py createsuperuser` in a fresh shell finds the secrets the running server uses.
    """
    try:
        return (VAR_DIR / name.lower()).read_text().strip()
    except OSError:
        return ""


DEV_SECRET_KEY = "confer-dev-secret-key-do-not-use-in-production"
SECRET_KEY = env_str("SECRET_KEY", "") or kept_secret("SECRET_KEY") or DEV_SECRET_KEY
if SECRET_KEY == DEV_SECRET_KEY and not DEBUG:
    raise ImproperlyConfigured(
        f"SECRET_KEY is not set, and {VAR_DIR / 'secret_key'} does not exist. Set SECRET_KEY (scripts/run makes "
        "one for you in the var dir), or DEBUG=1 for development."
    )

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
SITE_NAME = env_str("SITE_NAME", "Confer")

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sites",
    "channels",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "allauth",
    "allauth.account",
    "accounts",
    "meetings",
    "signalling",
    "recordings",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
]

ROOT_URLCONF = "config.urls"
ASGI_APPLICATION = "config.asgi.application"
WSGI_APPLICATION = None

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
                "config.context_processors.site",
            ],
        },
    },
]

# Database: SQLite under var/ unless DATABASE_URL names another (postgres://... is supported).
DATABASE_URL = env_str("DATABASE_URL", "")
# Connections are kept (and checked before reuse): signalling reaches the database from one thread per worker
# for every room event, and opening a connection each time was most of a chat message's cost.
if DATABASE_URL:
    DATABASES = {
        "default": dj_database_url.parse(
            DATABASE_URL, conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 600, minimum=0), conn_health_checks=True
        )
    }
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": VAR_DIR / "confer.sqlite3"}}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE takes the write lock at BEGIN, so two workers admitting at once queue instead of failing.
    # WAL lets readers and the one writer work at once; synchronous=NORMAL drops an fsync per commit (a crash
    # loses at most the last commits, never the database), which signalling commits on every room event.
    DATABASES["default"]["CONN_MAX_AGE"] = None
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Channel layer: in-process unless REDIS_URL is set; several daphne workers need Redis.
REDIS_URL = env_str("REDIS_URL", "")
CHANNEL_CAPACITY = env_int("CHANNEL_CAPACITY", 1000, minimum=10)
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "signalling.layers.SignallingRedisChannelLayer",
            "CONFIG": {
                "hosts": [REDIS_URL], "capacity": CHANNEL_CAPACITY, "expiry": 60,
                "max_connections": env_int("REDIS_MAX_CONNECTIONS", 100, minimum=2),
            },
        }
    }
else:
    CHANNEL_LAYERS = {
        "default": {"BACKEND": "signalling.layers.InProcessChannelLayer", "CONFIG": {"capacity": CHANNEL_CAPACITY}}
    }

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
SITE_ID = 1
LOGIN_REDIRECT_URL = "home"
ACCOUNT_LOGOUT_REDIRECT_URL = "home"
ACCOUNT_LOGIN_METHODS = {"username", "email"}
ACCOUNT_SIGNUP_FIELDS = ["username*", "email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = env_choice("ACCOUNT_EMAIL_VERIFICATION", "optional", ["none", "optional", "mandatory"])
ACCOUNT_SIGNUP_FORM_CLASS = "accounts.forms.SignupForm"
ACCOUNT_LOGOUT_ON_GET = False

# Email: printed to the console unless EMAIL_HOST is set.
EMAIL_HOST = env_str("EMAIL_HOST", "")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = env_int("EMAIL_PORT", 587)
    EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Confer <confer@localhost>")

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("zh-hans", "简体中文")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
try:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise warns about a missing one before collectstatic
except OSError:
    pass
# Static files are served by WhiteNoise with or without DEBUG; finders let it serve without collectstatic too.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
MEDIA_URL = "/media/"

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_HTTPS_PROXY", False) else None
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

# Room tokens: signed with their own secret, never SECRET_KEY.
ROOM_TOKEN_SECRET = env_str("ROOM_TOKEN_SECRET", "") or kept_secret("ROOM_TOKEN_SECRET")
if not ROOM_TOKEN_SECRET:
    if SECRET_KEY == DEV_SECRET_KEY or DEBUG:
        ROOM_TOKEN_SECRET = "confer-dev-room-token-secret-not-for-production"
    else:
        raise ImproperlyConfigured("ROOM_TOKEN_SECRET is not set (scripts/run makes one for you).")
if len(ROOM_TOKEN_SECRET.encode()) < 32 and not DEBUG:
    raise ImproperlyConfigured("ROOM_TOKEN_SECRET must be at least 32 bytes (HS256 needs a key as long as its hash).")
ROOM_TOKEN_ISSUER = env_str("ROOM_TOKEN_ISSUER", "confer")
ROOM_TOKEN_AUDIENCE = env_str("ROOM_TOKEN_AUDIENCE", "confer-signalling")
ROOM_TOKEN_LIFETIME = timedelta(seconds=env_int("ROOM_TOKEN_LIFETIME", 600, minimum=10, maximum=86400))
ROOM_TOKEN_LEEWAY = env_int("ROOM_TOKEN_LEEWAY", 5, minimum=0, maximum=300)

# Signalling limits and timeouts (docs/protocol.md).
SIGNALLING_JOIN_TIMEOUT = env_int("SIGNALLING_JOIN_TIMEOUT", 5, minimum=1)
SIGNALLING_MAX_MESSAGE_BYTES = env_int("SIGNALLING_MAX_MESSAGE_BYTES", 65536, minimum=1024)
SIGNALLING_HEARTBEAT_SECONDS = env_int("SIGNALLING_HEARTBEAT_SECONDS", 10, minimum=1)
SIGNALLING_STALE_SECONDS = env_int("SIGNALLING_STALE_SECONDS", 30, minimum=2)
SIGNALLING_CLIENT_TIMEOUT = env_int("SIGNALLING_CLIENT_TIMEOUT", 30, minimum=2)
SIGNALLING_RESUME_GRACE = env_int("SIGNALLING_RESUME_GRACE", 30, minimum=0)
SIGNALLING_RATE = env_int("SIGNALLING_RATE", 50, minimum=1)
SIGNALLING_BURST = env_int("SIGNALLING_BURST", 200, minimum=1)
SIGNALLING_FLOOD_LIMIT = env_int("SIGNALLING_FLOOD_LIMIT", 100, minimum=1)
MEETING_EMPTY_TIMEOUT = env_int("MEETING_EMPTY_TIMEOUT", 120, minimum=0)
CHAT_HISTORY = env_int("CHAT_HISTORY", 50, minimum=0, maximum=1000)
CHAT_MAX_LENGTH = env_int("CHAT_MAX_LENGTH", 2000, minimum=1, maximum=20000)
ROOM_DEFAULT_MAX_PARTICIPANTS = env_int("ROOM_DEFAULT_MAX_PARTICIPANTS", 8, minimum=2, maximum=100)

# ICE servers handed to browsers. Nothing public is contacted unless configured here.
STUN_URLS = env_list("STUN_URLS", [])

REST_FRAMEWORK = {
    # An explicit API key wins over a session cookie; without either, the answer is 401 with WWW-Authenticate.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "meetings.authentication.ApiKeyAuthentication",
        "meetings.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "meetings.exceptions.exception_handler",
    # Counted in Django's cache: per process with the default LocMemCache (docs/api.md, "Throttling").
    "DEFAULT_THROTTLE_RATES": {"tokens": env_str("TOKEN_THROTTLE_RATE", "60/min")},
}
SPECTACULAR_SETTINGS = {
    "PATH_CONVERTER_OVERRIDES": {"db_id": {"type": "integer", "minimum": 0, "maximum": 999999999999999999}},
    "TITLE": "Confer API",
    "DESCRIPTION": "Rooms and short-lived room tokens for Confer video meetings. See docs/api.md.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI's files come from drf-spectacular-sidecar, not a CDN, so /api/docs/ works offline.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.channels.server": {"level": "WARNING"}},
}

# --- NAT traversal: STUN/TURN servers and the ICE transport policy (docs/turn.md, docs/configuration.md "ICE") ---
# TURN credentials are made per participant from TURN_SECRET (coturn's use-auth-secret); the secret never leaves the server.
TURN_URLS = env_list("TURN_URLS", [])
TURN_SECRET = env_str("TURN_SECRET", "")
TURN_CREDENTIAL_LIFETIME = env_int("TURN_CREDENTIAL_LIFETIME", 4 * 3600, minimum=300, maximum=7 * 86400)
ICE_TRANSPORT_POLICY = env_choice("ICE_TRANSPORT_POLICY", "all", ["all", "relay"])
for _url in STUN_URLS:
    if not _url.startswith(("stun:", "stuns:")):
        raise ImproperlyConfigured(f"STUN_URLS: {_url!r} is not a stun: or stuns: URL")
for _url in TURN_URLS:
    if not _url.startswith(("turn:", "turns:")):
        raise ImproperlyConfigured(f"TURN_URLS: {_url!r} is not a turn: or turns: URL")
if TURN_URLS and not TURN_SECRET:
    raise ImproperlyConfigured("TURN_URLS is set but TURN_SECRET is not: set it to coturn's static-auth-secret.")
if ICE_TRANSPORT_POLICY == "relay" and not TURN_URLS:
    raise ImproperlyConfigured("ICE_TRANSPORT_POLICY=relay needs TURN_URLS: with no relay, no call could connect.")
# --- end of NAT traversal ---

# --- Recording: the recorder process, `python manage.py recorder` (docs/recording.md, docs/configuration.md) ---
# Where the recorder connects to join rooms as a hidden peer: a daphne worker of this deployment.
RECORDER_SIGNALLING_URL = env_str("RECORDER_SIGNALLING_URL", "ws://127.0.0.1:8000").rstrip("/")
RECORDER_MAX_SECONDS = env_int("RECORDER_MAX_SECONDS", 4 * 3600, minimum=1)
RECORDER_MAX_BYTES = env_int("RECORDER_MAX_BYTES", 20 * 1024**3, minimum=1024)
RECORDER_MIN_FREE_BYTES = env_int("RECORDER_MIN_FREE_BYTES", 1024**3, minimum=0)
RECORDER_HEARTBEAT_SECONDS = env_int("RECORDER_HEARTBEAT_SECONDS", 5, minimum=1)
RECORDER_MAX_RECORDINGS = env_int("RECORDER_MAX_RECORDINGS", 4, minimum=1)
RECORDER_START_TIMEOUT = env_int("RECORDER_START_TIMEOUT", 20, minimum=2)
RECORDER_EMPTY_ROOM_SECONDS = env_int("RECORDER_EMPTY_ROOM_SECONDS", 300, minimum=0)
# The addresses the recorder gathers ICE host candidates on; empty means every non-loopback address. Tests on a
# loopback-only host set 127.0.0.1 (aioice leaves loopback out by default).
RECORDER_ICE_HOST_ADDRESSES = env_list("RECORDER_ICE_HOST_ADDRESSES", [])
# --- end of Recording ---
