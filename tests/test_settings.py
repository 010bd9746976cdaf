"""Production settings: `check --deploy` is clean, and bad configuration fails loudly."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Variables the test run sets for itself, which a production process would not have.
_TEST_ONLY = {
    "DJANGO_SETTINGS_MODULE",
    "DEBUG",
    "SECRET_KEY",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
    "VAR_DIR",
    "SITE_URL",
    "FIELD_ENCRYPTION_KEYS",
    "AGREEMENT_SIGNING_KEY",
    "AGREEMENT_SIGNING_CERT",
}


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k not in _TEST_ONLY}
    environment.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120
    )


def test_check_deploy_prints_no_warnings_with_production_settings():
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="mentorship.example.org",
        SITE_URL="https://mentorship.example.org",
        FIELD_ENCRYPTION_KEYS="cHJvZHVjdGlvbi1saWtlLWtleS1mb3ItdGhlLXRzdCE=",
        # The seal pair the test run made (tests/settings.py), as PEM text.
        AGREEMENT_SIGNING_KEY=os.environ["AGREEMENT_SIGNING_KEY"],
        AGREEMENT_SIGNING_CERT=os.environ["AGREEMENT_SIGNING_CERT"],
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues (0 silenced)." in output
    assert "WARNING" not in output


def test_production_refuses_to_start_without_a_secret_key():
    result = _manage("check", DEBUG="0")
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr


def test_a_malformed_boolean_is_an_error_not_a_guess():
    result = _manage("check", DEBUG="maybe")
    assert result.returncode != 0
    assert "DEBUG='maybe' is not a boolean" in result.stderr
