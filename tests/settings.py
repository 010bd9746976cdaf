"""Test settings: the real settings module, with test-only overrides.

PostgreSQL and Redis are used when DATABASE_URL / REDIS_URL are set (CI sets them);
otherwise SQLite and the filesystem broker, so ``make test`` needs no servers.
"""

import os
import tempfile

from tests.clock import start_process_clock

# TEST_CLOCK_SHIFT_DAYS / TEST_CLOCK_AT move this process's clock (tests/clock.py): first, so
# everything made at start-up (the seal certificate below) is made on the moved clock too.
start_process_clock()

os.environ.setdefault("SECRET_KEY", "tests-only-secret-key-not-for-production-0123456789abcdef")
os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("SITE_URL", "http://testserver")
os.environ.setdefault("FIELD_ENCRYPTION_KEYS", "dGVzdC1zdWl0ZS1vbmx5LWtleS1uZXZlci1pbi11c2U=")
os.environ.setdefault("VAR_DIR", tempfile.mkdtemp(prefix="mentorship-tests-"))
if not os.environ.get("AGREEMENT_SIGNING_KEY"):
    # Production requires a seal key (settings refuse to start without one): the run makes
    # one pair, and the processes it starts (a worker, beat) inherit it, as containers do.
    # Its certificate is valid from 2000 to 2100, so a test frozen on any day (tests/clock.py)
    # seals with a certificate valid on that day.
    from datetime import UTC, datetime

    import time_machine

    from agreements.sealkey import generate_seal_key_pair

    with time_machine.travel(datetime(2000, 1, 2, tzinfo=UTC), tick=False):
        _key, _cert = generate_seal_key_pair(
            common_name="Mentorship agreements seal (tests)", organization="Tests", days=100 * 365
        )
    os.environ["AGREEMENT_SIGNING_KEY"], os.environ["AGREEMENT_SIGNING_CERT"] = _key.decode(), _cert.decode()

from mentorship.settings import *  # noqa: E402,F403

ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
# Coordinators' second factor is tested on its own (tests/test_mfa.py); elsewhere a
# coordinator signs in with a password only, as most fixtures do with force_login.
MFA_REQUIRED_FOR_COORDINATORS = False
MFA_REQUIRED_FOR_STAFF = False
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# A worker in another process (tests/surveys/test_reminder_worker.py) writes to files.
EMAIL_BACKEND = os.environ.get("TEST_EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}  # noqa: F405
# Tasks run inline unless a test starts a real worker (tests/conftest.py: celery_worker).
CELERY_TASK_ALWAYS_EAGER = os.environ.get("TEST_CELERY_EAGER", "1") == "1"
STATIC_ROOT = VAR_DIR / "static"  # noqa: F405
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
WHITENOISE_USE_FINDERS = True

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # A file, not Django's shared in-memory database: the live server's request threads
    # and the Celery worker thread each open their own connection to it.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}  # noqa: F405

# A worker or beat started by a test as a separate process uses the test's database.
if os.environ.get("TEST_WORKER_DATABASE_NAME"):
    DATABASES["default"]["NAME"] = os.environ["TEST_WORKER_DATABASE_NAME"]  # noqa: F405

# HTML_CAPTURE_DIR=<folder>: keep the HTML pages the tests are served, for the Nu HTML
# checker (.ci/html-check <folder>). Outermost, so it sees error pages too.
if os.environ.get("HTML_CAPTURE_DIR"):
    MIDDLEWARE = ["tests.html_capture.HtmlCaptureMiddleware", *MIDDLEWARE]  # noqa: F405

# Query counts stay the same with and without Redis: a person's memberships are read on every
# page here (tests/test_issue17_freshness.py turns the production behaviour on).
MEMBERSHIPS_CACHED = False

# Live updates (issue 18): with Redis, the pub/sub channels of this run only (Redis pub/sub
# ignores the database number, and other runs may share the server). Processes a test starts
# inherit VAR_DIR, so they share the prefix.
if REDIS_URL:  # noqa: F405
    import hashlib

    CHANNEL_LAYERS["default"]["CONFIG"]["prefix"] = "test-" + hashlib.sha1(str(VAR_DIR).encode()).hexdigest()[:12]  # noqa: F405, S324
