"""Confer's settings: everything comes from the environment, with defaults that work for a first run.

Every variable is listed in docs/configuration.md.
"""

import ipaddress
import os
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
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "allauth.mfa",
    "accounts",
    "meetings",
    "signalling",
    "recordings",
    "webhooks",
    "observability",
    "retention",
    "sfu",
]

MIDDLEWARE = [
    "observability.middleware.RequestContextMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "config.headers.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "accounts.middleware.StaffNeedMfaForAdmin",
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
    # Tests on a file too, not Django's shared-cache in-memory database: that one locks whole tables, and the
    # signalling server's database threads (signalling/db.py) must be tested as they run.
    DATABASES["default"].setdefault("TEST", {})["NAME"] = str(VAR_DIR / "test.sqlite3")
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

# --- Single sign-on (OpenID Connect) and MFA (docs/configuration.md "Sign-in", docs/operations.md) ---
from accounts.sso import ProviderConfigError, allauth_apps, parse_providers  # noqa: E402

try:
    OIDC_PROVIDER_LIST = parse_providers(env_str("OIDC_PROVIDERS", ""))
except ProviderConfigError as error:
    raise ImproperlyConfigured(str(error)) from None
OIDC_ONLY = env_bool("OIDC_ONLY", False)
MFA_REQUIRED_FOR_STAFF = env_bool("MFA_REQUIRED_FOR_STAFF", False)
SOCIALACCOUNT_PROVIDERS = {"openid_connect": {"APPS": allauth_apps(OIDC_PROVIDER_LIST)}}
SOCIALACCOUNT_ADAPTER = "accounts.adapters.SocialAccountAdapter"
SOCIALACCOUNT_AUTO_SIGNUP = True
SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = True
if OIDC_ONLY:
    if not OIDC_PROVIDER_LIST:
        raise ImproperlyConfigured("OIDC_ONLY is on but OIDC_PROVIDERS names no provider: nobody could sign in.")
    if MFA_REQUIRED_FOR_STAFF:
        raise ImproperlyConfigured(
            "MFA_REQUIRED_FOR_STAFF does not apply with OIDC_ONLY: nobody has a password here, so require MFA "
            "at your identity provider instead."
        )
    # allauth's SOCIALACCOUNT_ONLY hides and refuses password sign-in, sign-up and resets; allauth.mfa has no
    # place beside it (the identity provider asks for the second factor).
    SOCIALACCOUNT_ONLY = True
    INSTALLED_APPS.remove("allauth.mfa")
    if "ACCOUNT_EMAIL_VERIFICATION" in os.environ and ACCOUNT_EMAIL_VERIFICATION != "none":
        raise ImproperlyConfigured("OIDC_ONLY needs ACCOUNT_EMAIL_VERIFICATION=none (the provider vouches for emails).")
    ACCOUNT_EMAIL_VERIFICATION = "none"
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
MFA_PASSKEY_LOGIN_ENABLED = True
MFA_TOTP_ISSUER = SITE_NAME
# WebAuthn (passkeys) works only in a secure context: https, or http://localhost while developing.
# --- end of single sign-on and MFA ---

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

# Forwarded headers (X-Forwarded-For, X-Forwarded-Proto) are believed only from these proxies (config/proxies.py).
# BEHIND_HTTPS_PROXY says a proxy on this machine terminates HTTPS: it trusts 127.0.0.1 and ::1 unless
# TRUSTED_PROXIES names others.
BEHIND_HTTPS_PROXY = env_bool("BEHIND_HTTPS_PROXY", False)
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES", ["127.0.0.1", "::1"] if BEHIND_HTTPS_PROXY else [])
try:
    from config.proxies import parse_networks

    parse_networks(TRUSTED_PROXIES)
except ValueError as error:
    raise ImproperlyConfigured(f"TRUSTED_PROXIES: {error}") from None
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

# Browser-side defences (docs/security.md). HSTS is sent only over HTTPS, and on by default once the deployment says
# it serves HTTPS (BEHIND_HTTPS_PROXY or SECURE_COOKIES).
SECURE_HSTS_SECONDS = env_int("HSTS_SECONDS", 31536000 if (BEHIND_HTTPS_PROXY or SESSION_COOKIE_SECURE) else 0,
                              minimum=0)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Which sites may show Confer's pages in a frame (services that embed meetings): 'self' and these origins.
FRAME_ANCESTORS = env_list("FRAME_ANCESTORS", [])
X_FRAME_OPTIONS = "SAMEORIGIN"  # for browsers without CSP's frame-ancestors; CSP wins where both are known
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        # No inline script anywhere: every script is a file of ours. WebAssembly (background blur, noise
        # suppression) needs 'wasm-unsafe-eval', which lets WebAssembly compile and nothing else.
        "script-src": ["'self'", "'wasm-unsafe-eval'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:"],
        "media-src": ["'self'", "blob:"],
        # The signalling socket and the API, same origin ('self' covers ws:/wss:); blob: lets the page read back a
        # file it received (its own object URL, which no other origin can make).
        "connect-src": ["'self'", "blob:"],
        "worker-src": ["'self'", "blob:"],
        "font-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'self'", *FRAME_ANCESTORS],
    },
}

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
# A socket over its rate is not read again for as long as it takes to earn what it already sent, up to this long.
SIGNALLING_FLOOD_HOLD_MAX = env_int("SIGNALLING_FLOOD_HOLD_MAX", 5, minimum=1)
# An overloaded worker drops relays that waited this long for their turn, and tells their senders (signalling/load.py).
SIGNALLING_SHED_AFTER = env_int("SIGNALLING_SHED_AFTER_MS", 200, minimum=10) / 1000
MEETING_EMPTY_TIMEOUT = env_int("MEETING_EMPTY_TIMEOUT", 120, minimum=0)
# Threads a worker's signalling does its database work on (signalling/db.py), apart from Django's request thread.
SIGNALLING_DB_THREADS = env_int("SIGNALLING_DB_THREADS", 4, minimum=1, maximum=64)
SIGNALLING_GROUP_COMMIT = env_int("SIGNALLING_GROUP_COMMIT", 32, minimum=1, maximum=1000)
# Wrong room-password guesses allowed within the window before guessing must wait (signalling/limits.py).
ROOM_PASSWORD_GUESSES_PER_IDENTITY = env_int("ROOM_PASSWORD_GUESSES_PER_IDENTITY", 5, minimum=1)
ROOM_PASSWORD_GUESSES_PER_ADDRESS = env_int("ROOM_PASSWORD_GUESSES_PER_ADDRESS", 20, minimum=1)
ROOM_PASSWORD_GUESSES_PER_ROOM = env_int("ROOM_PASSWORD_GUESSES_PER_ROOM", 100, minimum=1)
ROOM_PASSWORD_GUESS_WINDOW = env_int("ROOM_PASSWORD_GUESS_WINDOW", 900, minimum=10)
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
    "DEFAULT_PARSER_CLASSES": ["meetings.parsers.StrictJSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "meetings.exceptions.exception_handler",
    # Throttles count by REMOTE_ADDR, which config.proxies sets; never by a client's own X-Forwarded-For.
    "NUM_PROXIES": 0,
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

# Logs: plain lines, or one JSON object per line (LOG_FORMAT=json). Every line carries the request id (and the room
# and peer where known), and passes a filter that redacts tokens, passwords and secrets (observability/logs.py).
LOG_FORMAT = env_choice("LOG_FORMAT", "plain", ["plain", "json"])
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "context": {"()": "observability.logs.ContextFilter"},
        "redact": {"()": "observability.logs.SettingsRedactSecrets"},
    },
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s%(context)s"},
        "json": {"()": "observability.logs.JsonFormatter"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT, "filters": ["context", "redact"]}
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.channels.server": {"level": "WARNING"},
        # Django's own console handler (DEBUG only) would print past the redacting filter: only ours.
        "django": {"handlers": [], "propagate": True},
    },
}

# --- NAT traversal: STUN/TURN servers and the ICE transport policy (docs/turn.md, docs/configuration.md "ICE") ---
# TURN credentials are made per participant from TURN_SECRET (coturn's use-auth-secret); the secret never leaves the server.
TURN_URLS = env_list("TURN_URLS", [])
TURN_SECRET = env_str("TURN_SECRET", "")
# Short, and renewed by clients in a meeting: coturn cannot revoke a credential, so this bounds how long someone
# removed from a meeting can still relay through TURN (docs/security.md).
TURN_CREDENTIAL_LIFETIME = env_int("TURN_CREDENTIAL_LIFETIME", 600, minimum=300, maximum=7 * 86400)
# How many times an hour one account may fetch credentials from the connectivity check, /check/.
TURN_CHECKS_PER_HOUR = env_int("TURN_CHECKS_PER_HOUR", 10, minimum=1)
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

# --- Composing recordings into one file per meeting (recordings/composer.py, docs/recording.md) ---
RECORDING_COMPOSE = env_bool("RECORDING_COMPOSE", True)
# Every `manage.py recorder` also composes (niced below the live recordings); off: `manage.py compose_recordings`.
RECORDER_COMPOSES = env_bool("RECORDER_COMPOSES", True)
COMPOSE_FFMPEG = env_str("COMPOSE_FFMPEG", "/usr/bin/ffmpeg")
_compose_size = env_str("COMPOSE_VIDEO_SIZE", "1280x720")
try:
    COMPOSE_VIDEO_SIZE = tuple(int(part) for part in _compose_size.lower().split("x"))
    if len(COMPOSE_VIDEO_SIZE) != 2 or not all(160 <= n <= 3840 and n % 2 == 0 for n in COMPOSE_VIDEO_SIZE):
        raise ValueError
except ValueError:
    raise ImproperlyConfigured(
        f"COMPOSE_VIDEO_SIZE={_compose_size!r} is not WIDTHxHEIGHT with even numbers from 160 to 3840"
    ) from None
COMPOSE_FRAME_RATE = env_int("COMPOSE_FRAME_RATE", 30, minimum=1, maximum=60)
COMPOSE_NICE = env_int("COMPOSE_NICE", 10, minimum=0, maximum=19)
COMPOSE_POLL_SECONDS = env_int("COMPOSE_POLL_SECONDS", 5, minimum=1)
COMPOSE_STALE_SECONDS = env_int("COMPOSE_STALE_SECONDS", 120, minimum=10)
# --- end of Composing ---
# --- Webhooks (webhooks/, `python manage.py deliver_webhooks`; docs/operations.md "Webhooks") ---
WEBHOOK_TIMEOUT = env_int("WEBHOOK_TIMEOUT", 10, minimum=1, maximum=60)
WEBHOOK_RETRY_BASE = env_int("WEBHOOK_RETRY_BASE", 10, minimum=1, maximum=3600)
WEBHOOK_RETRY_FOR = env_int("WEBHOOK_RETRY_FOR", 26 * 3600, minimum=1)
WEBHOOK_DISABLE_AFTER = env_int("WEBHOOK_DISABLE_AFTER", 24 * 3600, minimum=1)
# --- end of Webhooks ---

# --- Metrics: /metrics (observability/; docs/operations.md "Metrics") ---
METRICS_TOKEN = env_str("METRICS_TOKEN", "")
METRICS_ALLOWED_IPS = env_list("METRICS_ALLOWED_IPS", [])
try:
    METRICS_ALLOWED_NETWORKS = [ipaddress.ip_network(item, strict=False) for item in METRICS_ALLOWED_IPS]
except ValueError as error:
    raise ImproperlyConfigured(f"METRICS_ALLOWED_IPS: {error}") from None
if METRICS_TOKEN and len(METRICS_TOKEN) < 16:
    raise ImproperlyConfigured("METRICS_TOKEN must be at least 16 characters.")
# prometheus_client reads this variable itself, at import; settings only make sure the directory exists.
PROMETHEUS_MULTIPROC_DIR = env_str("PROMETHEUS_MULTIPROC_DIR", "")
if PROMETHEUS_MULTIPROC_DIR:
    Path(PROMETHEUS_MULTIPROC_DIR).mkdir(parents=True, exist_ok=True)
# --- end of Metrics ---

# --- Retention: `python manage.py apply_retention` (docs/operations.md "Retention"); 0 keeps for ever ---
CHAT_RETENTION_DAYS = env_int("CHAT_RETENTION_DAYS", 0, minimum=0)
MEETING_RETENTION_DAYS = env_int("MEETING_RETENTION_DAYS", 0, minimum=0)
RECORDING_RETENTION_DAYS = env_int("RECORDING_RETENTION_DAYS", 0, minimum=0)
WEBHOOK_RETENTION_DAYS = env_int("WEBHOOK_RETENTION_DAYS", 30, minimum=0)
# --- end of Retention ---
# --- Media through the server: Janus instances Confer's signalling workers drive (docs/sfu.md, docs/configuration.md) ---
# The Janus WebSocket API of each instance, on loopback or a private network, never a public address. Empty: every
# meeting stays browser to browser (mesh), and rooms set to "through the server" fall back to it.
JANUS_URLS = env_list("JANUS_URLS", [])
for _url in JANUS_URLS:
    if not _url.startswith(("ws://", "wss://")):
        raise ImproperlyConfigured(f"JANUS_URLS: {_url!r} is not a ws:// or wss:// URL")
# Janus's token_auth_secret: Confer signs a short-lived token for every request it makes; nobody else has it.
JANUS_TOKEN_SECRET = env_str("JANUS_TOKEN_SECRET", "")
# The VideoRoom plugin's admin_key: only Confer may create rooms.
JANUS_ADMIN_KEY = env_str("JANUS_ADMIN_KEY", "")
if JANUS_URLS and (len(JANUS_TOKEN_SECRET) < 16 or len(JANUS_ADMIN_KEY) < 16):
    raise ImproperlyConfigured(
        "JANUS_URLS is set: set JANUS_TOKEN_SECRET and JANUS_ADMIN_KEY too (at least 16 characters each), the same "
        "values as Janus's token_auth_secret and the VideoRoom admin_key (python manage.py janus_config writes both)."
    )
# "automatic" rooms go through the server once they have more than this many people (docs/performance.md, "Mesh
# against the server route", says why 4).
SFU_AUTO_THRESHOLD = env_int("SFU_AUTO_THRESHOLD", 4, minimum=2, maximum=100)
# A new room's media route: "mesh", "sfu" or "auto".
ROOM_DEFAULT_MEDIA_ROUTE = env_choice("ROOM_DEFAULT_MEDIA_ROUTE", "auto", ["mesh", "sfu", "auto"])
# How many simultaneous subscriptions (Janus handles) one socket may hold: the page uses one, the recorder one per person.
SFU_MAX_SUBSCRIPTIONS = env_int("SFU_MAX_SUBSCRIPTIONS", 60, minimum=1, maximum=500)
# Per-publisher video bitrate cap Janus tells browsers (REMB), bits a second.
SFU_PUBLISHER_BITRATE = env_int("SFU_PUBLISHER_BITRATE", 1_500_000, minimum=64_000)
# --- end of Media through the server ---
