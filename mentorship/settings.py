"""Settings, read from the environment (12-factor).

Every variable has a safe default for local development *only* when ``DEBUG`` is on;
with ``DEBUG`` off (production) secrets must come from the environment, and a value
that cannot be parsed raises ``ImproperlyConfigured`` instead of being guessed.
"""

import os
import re
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from cryptography.fernet import Fernet
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from mentorship.object_storage import StorageConfigError, storages_from_env

BASE_DIR = Path(__file__).resolve().parent.parent

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str | None = None) -> str | None:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean (use 1/0, true/false, yes/no, on/off).")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not an integer.") from None


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


# Words that mark a value copied from documentation (.env.example) rather than generated.
_PLACEHOLDER_MARKERS = ("change-me", "changeme", "change_me", "replace-me", "replaceme", "placeholder")


def is_placeholder(value: str) -> bool:
    """A documented placeholder, not a secret: refused as a secret when DEBUG is off."""
    lowered = value.strip().lower()
    return any(marker in lowered for marker in _PLACEHOLDER_MARKERS) or lowered.startswith("django-insecure")


DEBUG = env_bool("DEBUG", False)

VAR_DIR = Path(env_str("VAR_DIR", str(BASE_DIR / "var")))

_GENERATE_SECRET_KEY = "python -c 'import secrets; print(secrets.token_urlsafe(64))'"
SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set when DEBUG is off. Generate one with: "
            f"{_GENERATE_SECRET_KEY}. For local development set DEBUG=1 (the Makefile does this for `make run`)."
        )
    SECRET_KEY = "django-insecure-local-development-only-never-use-in-production"
elif not DEBUG and is_placeholder(SECRET_KEY):
    raise ImproperlyConfigured(
        "SECRET_KEY is still a placeholder (from .env.example or the documentation), not a secret. "
        f"Generate one with: {_GENERATE_SECRET_KEY}"
    )

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

# Absolute base URL used in emails and other places without a request.
SITE_URL = (env_str("SITE_URL") or "").rstrip("/")
if not SITE_URL:
    if not DEBUG:
        raise ImproperlyConfigured("SITE_URL must be set when DEBUG is off (e.g. https://mentorship.example.org).")
    SITE_URL = "http://127.0.0.1:8000"
SITE_NAME = env_str("SITE_NAME", "Mentorship")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.humanize",  # allauth MFA templates load it
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_celery_beat",
    "csp",
    "django_prometheus",  # /metrics (mentorship/observability.py); its database wrappers are not used
    "mentorship",
    "programs",
    "relationships",
    "matching",
    "agreements",
    "circles",
    "events",
    "sso",
    "surveys",
    "privacy",
    "integrations",
    "api",
    "demo",
]

MIDDLEWARE = [
    # First: django-prometheus times the whole request (its After middleware is last).
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    # /healthz, /readyz and /metrics, before the host check and the HTTPS redirect.
    "mentorship.middleware.HealthCheckMiddleware",
    # The request id and the one log line per request (mentorship/observability.py).
    "mentorship.observability.RequestLogMiddleware",
    "mentorship.middleware.HtmlCodePointMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "mentorship.middleware.RequestSizeLimitMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "mentorship.middleware.SessionTimeoutMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "mentorship.middleware.CoordinatorMFAMiddleware",
    "csp.middleware.CSPMiddleware",
    "mentorship.middleware.UserTimezoneMiddleware",
    # Wraps the view: resolves /o/<slug>/, checks membership, and runs the view inside
    # the organization's django-scopes scope.
    "mentorship.tenancy.TenancyMiddleware",
    # Last: the request latency by view (django_http_requests_latency_seconds_by_view_method);
    # django-prometheus's After middleware with only the metrics we read.
    "mentorship.observability.PrometheusAfterMiddleware",
]

ROOT_URLCONF = "mentorship.urls"
WSGI_APPLICATION = "mentorship.wsgi.application"
ASGI_APPLICATION = "mentorship.asgi.application"

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
                "mentorship.context_processors.site",
                "mentorship.context_processors.tenancy",
                "programs.context_processors.memberships",
                "programs.context_processors.live",
            ],
            # {{ when|with_zone }} everywhere: a time of day always names its zone.
            # {% url %} remembering the addresses it has reversed (mentorship/templatetags/url_cache.py).
            "builtins": ["mentorship.templatetags.zones", "mentorship.templatetags.url_cache"],
        },
    },
]

# --- Data stores -------------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'db.sqlite3'}"
if DATABASE_URL.startswith("sqlite:///") and not DATABASE_URL.endswith(":memory:"):
    Path(DATABASE_URL.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL,
        conn_max_age=env_int("CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # A new connection to a database host that does not answer (down, or packets dropped)
    # fails in this many seconds (libpq counts at least 2) instead of the system's TCP
    # timeout (minutes), so /readyz answers 503. A connection already open is not covered.
    # ?connect_timeout= in DATABASE_URL wins.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("connect_timeout", env_int("DATABASE_CONNECT_TIMEOUT", 5))
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several processes (web, worker, beat) share the file: wait for locks instead of
    # failing, and let writers start their transaction up front.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    # Django's Redis cache, reusing its client (mentorship/cache.py).
    CACHES = {"default": {"BACKEND": "mentorship.cache.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# With Redis, sessions are read from the cache (and written through to the database): a page
# costs no session query. Without it each process has its own cache, which would let a
# signed-out session live on in another process, so sessions stay in the database.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db" if REDIS_URL else "django.contrib.sessions.backends.db"
# A person's memberships (who may see which organization) are read from the cache only when
# every process shares it: with a per-process cache a change made in another process (a
# worker, another gunicorn worker) would be seen only minutes later.
MEMBERSHIPS_CACHED = bool(REDIS_URL)

# --- Live updates (issue 18: Django Channels) -------------------------------------------
# Open pages hear that something changed for them over a websocket (programs/consumers.py)
# through the channel layer (mentorship/realtime.py). With REDIS_URL: Redis pub/sub, so that
# every process (web, worker, the ASGI servers) publishes to the one Redis and each ASGI
# server process delivers to the sockets it holds. Without it: in memory, for `make run`,
# where one process serves the pages and the websockets (an event published by the Celery
# worker there reaches no page; pages poll instead).
# Redis pub/sub channels ignore the database number: the prefix keeps sites apart.
CHANNEL_LAYER_PREFIX = env_str("CHANNEL_LAYER_PREFIX") or "mentorship"
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL], "prefix": CHANNEL_LAYER_PREFIX},
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
# Whether pages open the websocket or poll (static/js/live.js): "auto" opens it when the page
# itself was served through ASGI (`make run`: one server for both); "1" when an ASGI server
# answers /ws/ at the site's address though the pages come from gunicorn (docker-compose.yml:
# nginx sends /ws/ to the "realtime" service); "0" polls only.
_LIVE_WEBSOCKETS = (env_str("LIVE_WEBSOCKETS") or "auto").strip().lower()
LIVE_WEBSOCKETS = None if _LIVE_WEBSOCKETS == "auto" else env_bool("LIVE_WEBSOCKETS", False)

# --- Celery ------------------------------------------------------------------------
# Redis in production; without REDIS_URL an embedded filesystem broker under var/
# that needs no server, shared by the web process, the worker and beat.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL") or REDIS_URL or "filesystem://"
CELERY_BROKER_DIR = VAR_DIR / "celery-broker"
if CELERY_BROKER_URL.startswith("filesystem://"):
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_DIR / "queue"),
        "data_folder_out": str(CELERY_BROKER_DIR / "queue"),
        "control_folder": str(CELERY_BROKER_DIR / "control"),
        "processed_folder": str(CELERY_BROKER_DIR / "processed"),
        "store_processed": False,
    }
elif CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    # A task taken by a worker that died unacknowledged goes back to the queue after this.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 60 * 60)}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND") or REDIS_URL or None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# Periodic jobs; django-celery-beat copies these into its database schedule at start.
# Exactly one beat process may run (docker-compose.yml): two would double every job's
# enqueueing — harmless for reminders (their keys are unique), wasteful for the rest.
REMINDER_SCAN_EVERY_SECONDS = env_int("REMINDER_SCAN_EVERY_SECONDS", 0)  # tests: a few seconds
DIGEST_SCAN_EVERY_SECONDS = env_int("DIGEST_SCAN_EVERY_SECONDS", 0)  # tests: a few seconds
CELERY_BEAT_SCHEDULE = {
    "expire-mentorship-requests": {"task": "matching.expire_requests", "schedule": 60 * 60},
    # The daily reminder scan (surveys/tasks.py), early in the morning UTC.
    "scan-reminders": {
        "task": "surveys.scan_reminders",
        "schedule": REMINDER_SCAN_EVERY_SECONDS or crontab(minute=15, hour=6),
    },
    # Hands out reminders left behind by a lost task or a worker that died mid-batch.
    "sweep-reminders": {"task": "surveys.sweep_reminders", "schedule": 10 * 60},
    # The daily digest (programs/tasks.py), after the reminder scan has recorded the day's nudges.
    "send-digests": {
        "task": "programs.scan_digests",
        "schedule": DIGEST_SCAN_EVERY_SECONDS or crontab(minute=0, hour=7),
    },
    # Hands out digests left behind by a lost task or a worker that died mid-batch.
    "sweep-digests": {"task": "programs.sweep_digests", "schedule": 10 * 60},
    # Circles past their end date end, forming circles whose start date came become active.
    "circles-end-due": {"task": "circles.end_due", "schedule": crontab(minute=30, hour=0)},
    # Speed-mentoring events whose picks have closed: mutual picks are offered (events/tasks.py).
    "close-speed-picks": {"task": "events.close_due_picks", "schedule": 60 * 60},
    # Personal data (privacy/tasks.py): expired exports' files deleted; members inactive past
    # their organization's retention period told, then anonymized.
    "privacy-purge-exports": {"task": "privacy.purge_exports", "schedule": crontab(minute=15, hour="*/6")},
    "privacy-retention-scan": {"task": "privacy.retention_scan", "schedule": crontab(minute=45, hour=2)},
}
# A worker's claim on a reminder lapses after this long (it died); the row is sent again.
REMINDER_CLAIM_LEASE_SECONDS = env_int("REMINDER_CLAIM_LEASE_SECONDS", 15 * 60)
# A new-message email waits this long and goes only if the message is still unread then
# (relationships.services.messages): two people writing with the page open are not emailed.
MESSAGE_EMAIL_DELAY_SECONDS = env_int("MESSAGE_EMAIL_DELAY_SECONDS", 120)
REMINDER_BATCH_SIZE = env_int("REMINDER_BATCH_SIZE", 200)
# The daily digest's claim lease and batch size, as for reminders.
DIGEST_CLAIM_LEASE_SECONDS = env_int("DIGEST_CLAIM_LEASE_SECONDS", 15 * 60)
DIGEST_BATCH_SIZE = env_int("DIGEST_BATCH_SIZE", 200)

# Keys for text encrypted at rest (meeting summaries, agendas, tasks, private notes):
# comma-separated Fernet keys, the first encrypts, all decrypt (rotation). Required when
# DEBUG is off; a fixed development key is used only in DEBUG.
_GENERATE_FERNET_KEY = "python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'"
FIELD_ENCRYPTION_KEYS = env_list("FIELD_ENCRYPTION_KEYS", [])
if not FIELD_ENCRYPTION_KEYS:
    if not DEBUG:
        raise ImproperlyConfigured(
            f"FIELD_ENCRYPTION_KEYS must be set when DEBUG is off. Generate one with: {_GENERATE_FERNET_KEY}"
        )
    FIELD_ENCRYPTION_KEYS = ["ZGV2ZWxvcG1lbnQtb25seS1rZXktbm90LWluLXByb2Q="]  # development only
for _position, _key in enumerate(FIELD_ENCRYPTION_KEYS, start=1):
    # A key that is not a Fernet key (a placeholder, a truncated paste) fails here, at
    # startup, rather than at the first page that reads or writes encrypted text.
    try:
        Fernet(_key.encode())
    except ValueError:
        raise ImproperlyConfigured(
            f"FIELD_ENCRYPTION_KEYS: key {_position} is not a Fernet key (32 url-safe base64-encoded bytes)"
            + (", it is still the placeholder from .env.example" if is_placeholder(_key) else "")
            + f". Generate one with: {_GENERATE_FERNET_KEY}"
        ) from None

# The key and certificate that seal agreement PDFs (PAdES): PEM text or file paths. Required
# when DEBUG is off: the worker seals and the web verifies, so every container must hold the
# same pair (docker-compose.yml mounts it into each). In DEBUG only, a development key is
# generated under var/signing/. After a rotation keep the old certificates in
# AGREEMENT_SIGNING_TRUSTED_CERTS so earlier PDFs still verify.
AGREEMENT_SIGNING_KEY = env_str("AGREEMENT_SIGNING_KEY") or None
AGREEMENT_SIGNING_CERT = env_str("AGREEMENT_SIGNING_CERT") or None
AGREEMENT_SIGNING_KEY_PASSWORD = env_str("AGREEMENT_SIGNING_KEY_PASSWORD") or None
AGREEMENT_SIGNING_CHAIN = env_str("AGREEMENT_SIGNING_CHAIN") or None
AGREEMENT_SIGNING_TRUSTED_CERTS = env_str("AGREEMENT_SIGNING_TRUSTED_CERTS") or None
if not DEBUG:
    _missing = [name for name in ("AGREEMENT_SIGNING_KEY", "AGREEMENT_SIGNING_CERT") if not globals()[name]]
    if _missing:
        raise ImproperlyConfigured(
            f"{' and '.join(_missing)} must be set when DEBUG is off: the worker seals agreement PDFs and the "
            "web checks them at /verify/, so every container needs the same key and certificate (PEM text or "
            "file paths). Generate a pair with: DEBUG=1 python manage.py generate_seal_key --out-dir secrets "
            "(README, Production)."
        )
for _name in (
    "AGREEMENT_SIGNING_KEY",
    "AGREEMENT_SIGNING_CERT",
    "AGREEMENT_SIGNING_CHAIN",
    "AGREEMENT_SIGNING_TRUSTED_CERTS",
):
    _value = globals()[_name]
    if _value and "-----BEGIN" not in _value and not (Path(_value).is_file() and os.access(_value, os.R_OK)):
        raise ImproperlyConfigured(
            f"{_name}={_value!r} is neither PEM text nor a file this process can read "
            "(in docker compose: is the secret file in place and readable by uid 1000?)."
        )

# --- Accounts (django-allauth) ------------------------------------------------------
AUTH_USER_MODEL = "mentorship.User"
# Who belongs to which organization: read by the kernel's tenancy and second factor
# (mentorship.tenancy.get_membership_model), as AUTH_USER_MODEL is by get_user_model().
TENANCY_MEMBERSHIP_MODEL = "programs.Membership"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_LOGOUT_REDIRECT_URL = "home"
ACCOUNT_ADAPTER = "programs.adapters.InvitationAccountAdapter"  # sign-up by invitation
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_SIGNUP_FORM_CLASS = "mentorship.forms.SignupExtraForm"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = f"[{SITE_NAME}] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "http" if DEBUG else "https"
ACCOUNT_RATE_LIMITS_ENABLED = True
ACCOUNT_RATE_LIMITS = {
    # allauth's defaults, stated so nobody turns them off by accident.
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "confirm_email": "1/3m/key",
    "change_password": "5/m/user",
    "manage_email": "10/m/user",
    # /verify/ (agreements.views_pdf): each check may parse an uploaded PDF.
    "verify_agreement": "30/10m/ip",
}

# --- Single sign-on per organization (issue 20, sso/) ----------------------------------------
# allauth's social accounts with its OpenID Connect and SAML 2.0 providers; each organization's
# connection (sso.models.IdentityProvider) keeps one SocialApp. The account adapter adds "SSO
# only" domains to sign-up by invitation. An SSO identity links to an existing account only on
# an address the provider verified, in the connection's allowed domains that the organization
# proved it owns (a DNS TXT record or site staff: sso.services.domains; sso/adapters.py).
INSTALLED_APPS += [
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "allauth.socialaccount.providers.saml",
]
ACCOUNT_ADAPTER = "sso.adapters.SSOAccountAdapter"  # programs' sign-up by invitation, plus "SSO only"
SOCIALACCOUNT_ADAPTER = "sso.adapters.SSOSocialAccountAdapter"
SOCIALACCOUNT_EMAIL_AUTHENTICATION = True
SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = True
SOCIALACCOUNT_AUTO_SIGNUP = True
SOCIALACCOUNT_STORE_TOKENS = False
SOCIALACCOUNT_LOGIN_ON_GET = False
SOCIALACCOUNT_REQUESTS_TIMEOUT = 5
# Discovery documents and SAML metadata are fetched from the address a coordinator typed:
# private, loopback and link-local addresses are refused unless this is on (DEBUG, the tests).
SSO_ALLOW_PRIVATE_URLS = env_bool("SSO_ALLOW_PRIVATE_URLS", DEBUG)
# The DNS servers asked for a domain's verification TXT record (sso.services.domains), as
# "address" or "address:port", comma separated; empty: the system's resolver.
SSO_DNS_NAMESERVERS = env_list("SSO_DNS_NAMESERVERS", [])

# Two-factor authentication (allauth.mfa): an authenticator app (TOTP) with recovery codes,
# and security keys / passkeys (WebAuthn) where the browser has them. Offered to everyone;
# coordinators and site staff must set one up before they reach any data (production default).
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
MFA_ADAPTER = "mentorship.adapters.MFAAdapter"  # TOTP keys and recovery seeds encrypted at rest
MFA_TOTP_ISSUER = SITE_NAME
# One 30-second step either side (RFC 6238 section 5.2): a code typed as the phone turns over
# to the next one still counts, which is also what keeps code-typing tests from failing at a step boundary.
MFA_TOTP_TOLERANCE = 1
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = DEBUG  # http://127.0.0.1 in development
MFA_REQUIRED_FOR_COORDINATORS = env_bool("MFA_REQUIRED_FOR_COORDINATORS", not DEBUG)
# Site staff and superusers reach every organization's data in the Django admin.
MFA_REQUIRED_FOR_STAFF = env_bool("MFA_REQUIRED_FOR_STAFF", not DEBUG)

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- Email -------------------------------------------------------------------------
# In development (DEBUG) with no EMAIL_BACKEND chosen, sent email is kept as .eml files under
# var/mail/ and shown at /dev/mailbox/ (mentorship/devmail.py) instead of on the console.
# DEV_MAILBOX turns that page on or off on its own (it is never on with DEBUG off unless set).
DEV_MAILBOX = env_bool("DEV_MAILBOX", DEBUG and not env_str("EMAIL_BACKEND"))
DEV_MAILBOX_DIR = Path(env_str("DEV_MAILBOX_DIR", str(VAR_DIR / "mail")))
EMAIL_BACKEND = env_str("EMAIL_BACKEND") or (
    "mentorship.devmail.MailboxBackend" if DEV_MAILBOX else "django.core.mail.backends.console.EmailBackend"
)
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
if not DEBUG and EMAIL_HOST_PASSWORD and is_placeholder(EMAIL_HOST_PASSWORD):
    raise ImproperlyConfigured("EMAIL_HOST_PASSWORD is still a placeholder (from .env.example), not the password.")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 30)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", f"{SITE_NAME} <noreply@localhost>")
SERVER_EMAIL = env_str("SERVER_EMAIL", DEFAULT_FROM_EMAIL)

# Sending limits (programs/sending.py): emails that people make the site send to addresses
# they choose, counted from the database over a sliding 24 hours (feedback: per hour).
INVITATION_LIMIT_PER_ORGANIZATION = env_int("INVITATION_LIMIT_PER_ORGANIZATION", 500)
INVITATION_LIMIT_NEW_ORGANIZATION = env_int("INVITATION_LIMIT_NEW_ORGANIZATION", 50)
NEW_ORGANIZATION_DAYS = env_int("NEW_ORGANIZATION_DAYS", 30)
INVITATION_LIMIT_PER_PERSON = env_int("INVITATION_LIMIT_PER_PERSON", 200)
INVITATION_SENDS_PER_INVITATION = env_int("INVITATION_SENDS_PER_INVITATION", 3)
CONTACT_CONFIRMATIONS_PER_ORGANIZATION = env_int("CONTACT_CONFIRMATIONS_PER_ORGANIZATION", 3)
CONTACT_CONFIRMATION_DAYS = env_int("CONTACT_CONFIRMATION_DAYS", 7)
FEEDBACK_LIMIT_PER_PERSON = env_int("FEEDBACK_LIMIT_PER_PERSON", 10)
FEEDBACK_EMAILS_PER_ORGANIZATION_PER_HOUR = env_int("FEEDBACK_EMAILS_PER_ORGANIZATION_PER_HOUR", 10)

# Reply by email (optional; README, "Reply by email"): a message notification's Reply-To is
# a signed per-person address at INBOUND_EMAIL_DOMAIN (mentorship/inbound.py), whose mail the
# provider posts raw to /inbound/email/ with INBOUND_EMAIL_SECRET. All three, or none.
REPLY_BY_EMAIL = env_bool("REPLY_BY_EMAIL", False)
INBOUND_EMAIL_DOMAIN = (env_str("INBOUND_EMAIL_DOMAIN") or "").strip().lower().rstrip(".")
INBOUND_EMAIL_SECRET = (env_str("INBOUND_EMAIL_SECRET") or "").strip()
# The largest raw message accepted: a 10 MB attachment is about 14 MB once base64-encoded.
INBOUND_EMAIL_MAX_BYTES = env_int("INBOUND_EMAIL_MAX_BYTES", 20 * 1024 * 1024)
_GENERATE_INBOUND_SECRET = "python -c 'import secrets; print(secrets.token_urlsafe(32))'"
if REPLY_BY_EMAIL:
    _missing = [name for name in ("INBOUND_EMAIL_DOMAIN", "INBOUND_EMAIL_SECRET") if not globals()[name]]
    if _missing:
        raise ImproperlyConfigured(
            f"REPLY_BY_EMAIL is on but {' and '.join(_missing)} {'is' if len(_missing) == 1 else 'are'} not set: "
            "the domain whose mail the provider forwards to /inbound/email/, and the secret its webhook "
            f"presents (generate one with: {_GENERATE_INBOUND_SECRET}). Or set REPLY_BY_EMAIL=0."
        )
    if not re.fullmatch(r"(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}", INBOUND_EMAIL_DOMAIN):
        raise ImproperlyConfigured(
            f"INBOUND_EMAIL_DOMAIN={INBOUND_EMAIL_DOMAIN!r} is not a domain name (e.g. reply.mentorship.example.org)."
        )
    if is_placeholder(INBOUND_EMAIL_SECRET) or len(INBOUND_EMAIL_SECRET) < 24:
        raise ImproperlyConfigured(
            "INBOUND_EMAIL_SECRET is a placeholder or shorter than 24 characters, not a secret. "
            f"Generate one with: {_GENERATE_INBOUND_SECRET}"
        )
else:
    _stray = [name for name in ("INBOUND_EMAIL_DOMAIN", "INBOUND_EMAIL_SECRET") if globals()[name]]
    if _stray:
        raise ImproperlyConfigured(
            f"{' and '.join(_stray)} set but REPLY_BY_EMAIL is off: set REPLY_BY_EMAIL=1 to take replies by "
            "email, or unset them."
        )
if INBOUND_EMAIL_MAX_BYTES < 1024 * 1024:
    raise ImproperlyConfigured("INBOUND_EMAIL_MAX_BYTES must be at least 1 MB (1048576).")

# --- Internationalization ---------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"  # stored in UTC; shown in each person's own time zone
USE_I18N = True
USE_TZ = True

# --- Static files --------------------------------------------------------------------
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
# The largest request body accepted (uploads included); forms set tighter limits per file.
MAX_REQUEST_BODY_BYTES = env_int("MAX_REQUEST_BODY_BYTES", 25 * 1024 * 1024)
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
# Media and private files: the local disk under MEDIA_ROOT, or an S3-compatible bucket
# when S3_BUCKET is set (S3_ENDPOINT_URL, S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY,
# S3_REGION, S3_PREFIX; mentorship/object_storage.py). The "private" alias holds the
# files only permission-checked views serve (mentorship/storage.py).
try:
    STORAGES = storages_from_env(
        os.environ,
        staticfiles_backend="django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage",
    )
except StorageConfigError as _error:
    raise ImproperlyConfigured(str(_error)) from None
if not DEBUG and env_str("S3_SECRET_ACCESS_KEY") and is_placeholder(env_str("S3_SECRET_ACCESS_KEY")):
    raise ImproperlyConfigured("S3_SECRET_ACCESS_KEY is still a placeholder (from .env.example), not the secret.")

# --- Security ------------------------------------------------------------------------
# On by default whenever DEBUG is off; each can be relaxed explicitly (e.g. behind a
# TLS-terminating proxy that does its own redirect).
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)
# Behind the TLS-terminating proxy every request comes from the proxy's address: the
# client's own address is the one the proxy adds to X-Forwarded-For (or puts in its own
# header, e.g. X-Real-IP). mentorship.clientaddr.client_ip() reads it the same way for
# allauth's rate limits, ours and the audit trails; without the proxy these headers are
# ignored (anyone can send them).
BEHIND_TLS_PROXY = env_bool("BEHIND_TLS_PROXY", False)
if BEHIND_TLS_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # How many proxies of ours append to X-Forwarded-For: the client's address is that
    # many entries from the right; entries further left were sent by the client.
    ALLAUTH_TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 1)
    if ALLAUTH_TRUSTED_PROXY_COUNT < 1:
        raise ImproperlyConfigured("TRUSTED_PROXY_COUNT must be at least 1 with BEHIND_TLS_PROXY on.")
    ALLAUTH_TRUSTED_CLIENT_IP_HEADER = env_str("TRUSTED_CLIENT_IP_HEADER") or None
else:
    for _name in ("TRUSTED_PROXY_COUNT", "TRUSTED_CLIENT_IP_HEADER"):
        if env_str(_name):
            raise ImproperlyConfigured(f"{_name} only applies behind the TLS proxy: set BEHIND_TLS_PROXY=1 too.")
    ALLAUTH_TRUSTED_PROXY_COUNT = 0
    ALLAUTH_TRUSTED_CLIENT_IP_HEADER = None
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# Signed out after 2 hours without a request, and 12 hours after signing in at the latest.
SESSION_IDLE_TIMEOUT = env_int("SESSION_IDLE_TIMEOUT", 2 * 60 * 60)
SESSION_ABSOLUTE_TIMEOUT = env_int("SESSION_ABSOLUTE_TIMEOUT", 12 * 60 * 60)
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", SESSION_ABSOLUTE_TIMEOUT)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy (django-csp 4; Django 6's SECURE_CSP uses the same model).
# No inline scripts anywhere: scripts come from our own static files or carry a nonce.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}

# --- The REST API (api/, issue 20) ----------------------------------------------------
# Calls one API token may make per minute; past it the API answers 429 with Retry-After.
API_RATE_LIMIT_PER_MINUTE = env_int("API_RATE_LIMIT_PER_MINUTE", 120)

# --- Observability (mentorship/observability.py) --------------------------------------
# Logs: one JSON object per line in production (LOG_FORMAT=json, the default with DEBUG off),
# with the request id, the organization and membership as ids, and no personal text;
# development keeps plain lines. Every line of a request or of a task it queued carries
# the request id (also sent back in the X-Request-ID response header).
LOG_FORMAT = (env_str("LOG_FORMAT") or ("plain" if DEBUG else "json")).strip().lower()
if LOG_FORMAT not in ("json", "plain"):
    raise ImproperlyConfigured(f"LOG_FORMAT={LOG_FORMAT!r}: use json or plain.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
        "json": {"()": "mentorship.observability.JsonLogFormatter"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
# The worker and beat log through LOGGING too (JSON in production), not Celery's own format.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# /metrics is open to loopback and private addresses (Prometheus inside the network); from
# anywhere else only with "Authorization: Bearer <METRICS_TOKEN>", else 404.
METRICS_TOKEN = env_str("METRICS_TOKEN") or ""
if METRICS_TOKEN and not DEBUG and is_placeholder(METRICS_TOKEN):
    raise ImproperlyConfigured(
        "METRICS_TOKEN is still a placeholder (from .env.example). Generate one with: "
        "python -c 'import secrets; print(secrets.token_urlsafe(32))'"
    )
# django-prometheus: no migration gauges (they query the database at every start).
PROMETHEUS_EXPORT_MIGRATIONS = False

# --- Webhooks and calendar feeds (issue 20, integrations/) -----------------------------------
# A webhook URL that resolves to a private, loopback, link-local, multicast or reserved address
# is refused (when saved and again at every delivery) unless this is on: development only.
WEBHOOKS_ALLOW_PRIVATE_URLS = env_bool("WEBHOOKS_ALLOW_PRIVATE_URLS", DEBUG)
# https:// only, outside development.
WEBHOOKS_REQUIRE_HTTPS = env_bool("WEBHOOKS_REQUIRE_HTTPS", not DEBUG)
# Seconds before each retry of a failed delivery (1 min, 5 min, 30 min, 2 h, 6 h): six attempts.
WEBHOOK_RETRY_DELAYS = [int(s) for s in env_list("WEBHOOK_RETRY_DELAYS", ["60", "300", "1800", "7200", "21600"])]
WEBHOOK_TIMEOUT_SECONDS = env_int("WEBHOOK_TIMEOUT_SECONDS", 5)
# A webhook whose deliveries failed (every attempt) this many times in a row is turned off.
WEBHOOK_DISABLE_AFTER_FAILURES = env_int("WEBHOOK_DISABLE_AFTER_FAILURES", 5)
# Deliveries whose queued attempt was lost (a broker restart, a worker that died) are queued again.
CELERY_BEAT_SCHEDULE["sweep-webhook-deliveries"] = {"task": "integrations.sweep_webhook_deliveries", "schedule": 600}
# Finished webhook deliveries (payloads, the receivers' answers) are kept this many days, then
# deleted by a daily task (security review of issue 20).
WEBHOOK_DELIVERY_RETENTION_DAYS = env_int("WEBHOOK_DELIVERY_RETENTION_DAYS", 90)
CELERY_BEAT_SCHEDULE["purge-webhook-deliveries"] = {
    "task": "integrations.purge_webhook_deliveries",
    "schedule": crontab(minute=45, hour=3),
}
