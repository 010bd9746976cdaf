"""Keys and deployment (issue 13, items 14-16): production refuses to start without the seal
key or with a documented placeholder for a secret, every container gets the same seal key,
and the demo's published password never lands in production by accident."""

import os
import re
import secrets
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings
from django_scopes import scopes_disabled

from agreements.sealkey import CERT_FILENAME, KEY_FILENAME, generate_seal_key_pair, key_matches_certificate

ROOT = Path(__file__).resolve().parent.parent

# What the test run sets for itself (tests/settings.py) and a production process would not
# have, plus anything of the deployment that a test states explicitly.
_STRIPPED = {
    "DJANGO_SETTINGS_MODULE",
    "DEBUG",
    "SECRET_KEY",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
    "VAR_DIR",
    "SITE_URL",
    "ALLOWED_HOSTS",
    "FIELD_ENCRYPTION_KEYS",
    "AGREEMENT_SIGNING_KEY",
    "AGREEMENT_SIGNING_CERT",
    "AGREEMENT_SIGNING_KEY_PASSWORD",
    "AGREEMENT_SIGNING_CHAIN",
    "AGREEMENT_SIGNING_TRUSTED_CERTS",
    "BEHIND_TLS_PROXY",
    "TRUSTED_PROXY_COUNT",
    "TRUSTED_CLIENT_IP_HEADER",
    "EMAIL_HOST_PASSWORD",
}


def _run(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k not in _STRIPPED}
    environment.update(env)
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=180
    )


def _write_pair(folder: Path) -> tuple[Path, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    key_pem, cert_pem = generate_seal_key_pair(common_name="Test seal", organization="Tests")
    key_path, cert_path = folder / KEY_FILENAME, folder / CERT_FILENAME
    key_path.write_bytes(key_pem)
    cert_path.write_bytes(cert_pem)
    return key_path, cert_path


@pytest.fixture(scope="module")
def seal_pair(tmp_path_factory) -> tuple[Path, Path]:
    return _write_pair(tmp_path_factory.mktemp("seal"))


def _production(seal_pair, tmp_path, **overrides: str) -> dict[str, str]:
    key_path, cert_path = seal_pair
    env = {
        "DEBUG": "0",
        "VAR_DIR": str(tmp_path),
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "mentorship.example.org",
        "SITE_URL": "https://mentorship.example.org",
        "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "AGREEMENT_SIGNING_KEY": str(key_path),
        "AGREEMENT_SIGNING_CERT": str(cert_path),
    }
    env.update(overrides)
    return {k: v for k, v in env.items() if v is not None}


# --- Item 14: the seal key is required, and the same in every container ---------------------------


@pytest.mark.parametrize(
    "missing",
    [("AGREEMENT_SIGNING_KEY",), ("AGREEMENT_SIGNING_CERT",), ("AGREEMENT_SIGNING_KEY", "AGREEMENT_SIGNING_CERT")],
)
def test_production_refuses_to_start_without_the_seal_key_and_certificate(seal_pair, tmp_path, missing):
    env = _production(seal_pair, tmp_path, **dict.fromkeys(missing))
    result = _run("manage.py", "check", env=env)
    assert result.returncode != 0, result.stdout
    assert f"{' and '.join(missing)} must be set when DEBUG is off" in result.stderr
    assert "generate_seal_key" in result.stderr
    # No development key was made in its place.
    assert not (tmp_path / "signing").exists()


def test_a_seal_key_file_that_is_not_there_stops_startup(seal_pair, tmp_path):
    env = _production(seal_pair, tmp_path, AGREEMENT_SIGNING_KEY="/run/secrets/agreement_seal_key")
    result = _run("manage.py", "check", env=env)
    assert result.returncode != 0
    assert "AGREEMENT_SIGNING_KEY='/run/secrets/agreement_seal_key' is neither PEM text nor a file" in result.stderr


def test_a_key_from_another_pair_fails_the_startup_check(seal_pair, tmp_path):
    other_key, _ = _write_pair(tmp_path / "other")
    result = _run("manage.py", "check", env=_production(seal_pair, tmp_path, AGREEMENT_SIGNING_KEY=str(other_key)))
    assert result.returncode != 0
    assert "agreements.E002" in result.stderr and "is not the certificate of AGREEMENT_SIGNING_KEY" in result.stderr


def test_the_configured_pair_passes_the_startup_check(seal_pair, tmp_path):
    result = _run("manage.py", "check", env=_production(seal_pair, tmp_path))
    assert result.returncode == 0, result.stderr


@pytest.mark.django_db
def test_generate_seal_key_writes_a_private_pair_that_seals_and_verifies(tmp_path, capsys):
    from io import BytesIO

    from pypdf import PdfWriter

    from agreements.pdf import seal_pdf, verify_pdf

    out = tmp_path / "secrets"
    call_command("generate_seal_key", "--out-dir", str(out), "--organization", "Western Surgical Society")
    key_path, cert_path = out / KEY_FILENAME, out / CERT_FILENAME
    assert key_path.stat().st_mode & 0o777 == 0o600
    assert key_matches_certificate(key_path.read_bytes(), cert_path.read_bytes())
    assert f"AGREEMENT_SIGNING_KEY={key_path}" in capsys.readouterr().out
    # It never replaces a pair silently: earlier PDFs would stop verifying.
    before = key_path.read_bytes()
    with pytest.raises(CommandError, match="already exist"):
        call_command("generate_seal_key", "--out-dir", str(out))
    assert key_path.read_bytes() == before

    blank = BytesIO()
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.write(blank)
    with override_settings(AGREEMENT_SIGNING_KEY=str(key_path), AGREEMENT_SIGNING_CERT=str(cert_path)):
        sealed = seal_pdf(blank.getvalue(), reason="test")  # the worker
        ok, message = verify_pdf(sealed)  # the web, reading the same files
    assert ok, message


def _app_services(compose: dict) -> dict[str, dict]:
    return {name: svc for name, svc in compose["services"].items() if "build" in svc}


def test_compose_gives_every_app_container_the_same_seal_key_from_files_kept_out_of_git_and_the_image():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = _app_services(compose)
    assert set(services) >= {"web", "worker", "beat"}
    sources = set()
    for name, service in services.items():
        env = service["environment"]
        assert env["DEBUG"] == "0", name
        mounted = set(service.get("secrets", []))
        for setting, secret in (("AGREEMENT_SIGNING_KEY", None), ("AGREEMENT_SIGNING_CERT", None)):
            path = env.get(setting)
            assert path and path.startswith("/run/secrets/"), (name, setting)
            secret = path.removeprefix("/run/secrets/")
            assert secret in mounted, (name, secret)
            sources.add((setting, compose["secrets"][secret]["file"]))
    # One file per setting for all containers, under secrets/ (ignored by git and docker).
    assert sources == {
        ("AGREEMENT_SIGNING_KEY", f"./secrets/{KEY_FILENAME}"),
        ("AGREEMENT_SIGNING_CERT", f"./secrets/{CERT_FILENAME}"),
    }
    assert "secrets/" in (ROOT / ".gitignore").read_text().split()
    assert "secrets" in (ROOT / ".dockerignore").read_text().split()


def test_the_image_build_settings_still_load():
    """The Dockerfile runs collectstatic with build-only values: they must pass the
    settings' checks (a real key is mounted only at run time)."""
    dockerfile = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    line = next(line for line in dockerfile.splitlines() if "collectstatic" in line and line.startswith("RUN"))
    env = {}
    for token in shlex.split(line.removeprefix("RUN")):
        if re.fullmatch(r"[A-Z_]+=.*", token):
            name, value = token.split("=", 1)
            env[name] = value
        else:
            break
    assert {"AGREEMENT_SIGNING_KEY", "AGREEMENT_SIGNING_CERT", "SECRET_KEY"} <= set(env)
    result = _run("manage.py", "check", "--tag", "staticfiles", env=env)
    assert result.returncode == 0, result.stderr


# --- Item 15: no placeholder secret starts production ---------------------------------------------


def _env_example() -> dict[str, str]:
    values = {}
    for line in (ROOT / ".env.example").read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            name, _, value = line.partition("=")
            values[name] = value
    return values


# A real value for each secret that .env.example leaves as a placeholder.
_REAL = {
    "SECRET_KEY": lambda: secrets.token_urlsafe(64),
    "FIELD_ENCRYPTION_KEYS": lambda: Fernet.generate_key().decode(),
    "EMAIL_HOST_PASSWORD": lambda: secrets.token_urlsafe(24),
}


def _placeholders() -> list[str]:
    return [name for name, value in _env_example().items() if "change-me" in value.lower()]


def test_env_example_marks_its_secrets_as_placeholders():
    assert {"SECRET_KEY", "FIELD_ENCRYPTION_KEYS"} <= set(_placeholders())
    assert set(_placeholders()) <= set(_REAL), "give the new placeholder a real value in _REAL"


@pytest.mark.parametrize("placeholder", _placeholders())
def test_each_placeholder_secret_of_env_example_stops_startup(seal_pair, tmp_path, placeholder):
    """.env.example as copied, with every other secret filled in: startup refuses the one
    left as it came, names it and says how to generate one, so `check --deploy` never sees it."""
    env = {**_env_example(), **{name: _REAL[name]() for name in _placeholders() if name != placeholder}}
    env.update({k: v for k, v in _production(seal_pair, tmp_path).items() if k not in _env_example()})
    result = _run("manage.py", "check", "--deploy", env=env)
    assert result.returncode != 0, result.stdout
    assert placeholder in result.stderr and "placeholder" in result.stderr
    assert "Generate one with" in result.stderr or placeholder == "EMAIL_HOST_PASSWORD"


def test_env_example_with_its_secrets_filled_in_passes_check_deploy(seal_pair, tmp_path):
    env = {**_env_example(), **{name: _REAL[name]() for name in _placeholders()}}
    env.update({k: v for k, v in _production(seal_pair, tmp_path).items() if k not in _env_example()})
    result = _run("manage.py", "check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.mark.parametrize(
    "value",
    [
        # .env.example's value before issue 13: 63 characters, so check --deploy accepted it.
        "change-me-to-a-long-random-string-of-at-least-fifty-characters",
        "CHANGE-ME",
        "changeme",
        "replace-me-with-a-generated-secret-key",
        "django-insecure-local-development-only-never-use-in-production",
    ],
)
def test_a_documented_secret_key_placeholder_stops_startup(seal_pair, tmp_path, value):
    result = _run("manage.py", "check", "--deploy", env=_production(seal_pair, tmp_path, SECRET_KEY=value))
    assert result.returncode != 0, result.stdout
    assert "SECRET_KEY is still a placeholder" in result.stderr
    assert "secrets.token_urlsafe" in result.stderr


def test_a_field_encryption_key_that_is_not_a_fernet_key_stops_startup(seal_pair, tmp_path):
    keys = f"{Fernet.generate_key().decode()},not-a-key"
    result = _run("manage.py", "check", env=_production(seal_pair, tmp_path, FIELD_ENCRYPTION_KEYS=keys))
    assert result.returncode != 0
    assert "FIELD_ENCRYPTION_KEYS: key 2 is not a Fernet key" in result.stderr


# --- Item 16: the demo and its published password stay out of production --------------------------


@pytest.mark.django_db
def test_seed_demo_refuses_to_run_with_debug_off(settings):
    from programs.models import Organization

    settings.DEBUG = False
    with pytest.raises(CommandError, match="--i-know-this-is-not-production"):
        call_command("seed_demo")
    with scopes_disabled():
        assert not Organization.objects.exists()
    from mentorship.models import User

    assert not User.objects.exists()


@pytest.mark.django_db
def test_seed_demo_runs_unchanged_for_local_development(settings, capsys):
    """`make run` exports DEBUG=1: the demo is made without any flag, as before."""
    from demo.common import DEMO_PASSWORD
    from programs.models import Organization

    settings.DEBUG = True
    call_command("seed_demo")
    with scopes_disabled():
        assert Organization.objects.count() == 3
    assert DEMO_PASSWORD in capsys.readouterr().out


def test_the_readme_production_steps_do_not_load_the_demo():
    readme = (ROOT / "README.md").read_text()
    production = readme.split("## Production", 1)[1].split("\n## ", 1)[0]
    assert "seed_demo" not in production or "--i-know-this-is-not-production" in production
    for line in production.splitlines():
        if "seed_demo" in line and line.lstrip().startswith(("docker", "python", "$")):
            assert "--i-know-this-is-not-production" in line, line
    assert "make run" in (ROOT / "Makefile").read_text() and "export DEBUG ?= 1" in (ROOT / "Makefile").read_text()
