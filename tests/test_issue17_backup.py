"""Issue 17: backups that restore (the drill).

A database is seeded in its own process (``seed_demo``, a private note on a meeting, a
signed agreement with its sealed PDF), on the local disk or in an S3 bucket (moto on
loopback). ``manage.py backup`` writes the backup and, with ``--keys-to``, the keys to a
separate folder. A fresh database and an empty storage (a new bucket) then get
``manage.py restore``, in a process whose keys come only from that keys folder, and must
hold: every table's rows, the note decrypted as written (and still encrypted at rest), the
sealed PDF with the same SHA-256, verified by the public /verify/ page, every private file
still cipher text. The backup itself holds no key, and restore refuses a database that is
not empty. Runs on the PostgreSQL server of DATABASE_URL (skipped without one) and on SQLite.
"""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
import pytest
from cryptography.fernet import Fernet

from tests import s3_support
from tests.clock import subprocess_env

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = Path(__file__).resolve().parent / "restore_drill_script.py"

moto_endpoint = s3_support.moto_endpoint

# What the test run has that the processes must not inherit: each has its own database,
# storage and keys (tests/test_forward_migration.py does the same).
_NOT_INHERITED = {
    "DJANGO_SETTINGS_MODULE",
    "REDIS_URL",
    "CELERY_BROKER_URL",
    "CELERY_RESULT_BACKEND",
    "MEDIA_ROOT",
    "STATIC_ROOT",
    "TEST_WORKER_DATABASE_NAME",
    "TEST_CLOCK_SHIFT_DAYS",
    "HTML_CAPTURE_DIR",
    "FIELD_ENCRYPTION_KEYS",
    "AGREEMENT_SIGNING_KEY",
    "AGREEMENT_SIGNING_CERT",
    *s3_support.s3_environment("", "").keys(),
}

ON_POSTGRES = os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))

pytestmark = [pytest.mark.pdf, pytest.mark.clock("2026-03-02 10:00")]


def _server():
    import psycopg2

    config = dj_database_url.parse(os.environ["DATABASE_URL"])
    connection = psycopg2.connect(
        dbname="postgres",
        user=config["USER"] or None,
        password=config["PASSWORD"] or None,
        host=config["HOST"] or None,
        port=config["PORT"] or None,
    )
    connection.autocommit = True
    return connection


def _recreate(name: str, *, drop_only: bool = False) -> None:
    connection = _server()
    try:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            if not drop_only:
                cursor.execute(f'CREATE DATABASE "{name}"')
    finally:
        connection.close()


def _run(env: dict, *args: str, expect_ok: bool = True) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [sys.executable, str(SCRIPT), *args],
        cwd=ROOT,
        env=subprocess_env(env, PYTHONPATH=str(ROOT)),
        capture_output=True,
        text=True,
        timeout=600,
    )
    if expect_ok:
        assert result.returncode == 0, f"{' '.join(args)} failed:\n{result.stdout[-4000:]}\n{result.stderr[-8000:]}"
    return result


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


@pytest.mark.parametrize("storage", ["local", "s3"])
@pytest.mark.parametrize(
    "backend",
    [
        pytest.param(
            "postgresql",
            marks=pytest.mark.skipif(not ON_POSTGRES, reason="needs PostgreSQL (DATABASE_URL=postgres://…, as CI)"),
        ),
        "sqlite",
    ],
)
def test_a_backup_restores_into_a_fresh_database_with_nothing_lost(tmp_path, backend, storage, request):
    var, backups, keys_home = tmp_path / "var", tmp_path / "backups", tmp_path / "keys-elsewhere"
    var.mkdir()
    if backend == "postgresql":
        url = urlsplit(os.environ["DATABASE_URL"])
        base = f"test_{url.path.lstrip('/') or 'mentorship'}_drill"
        names = {"seeded": f"{base}_seeded", "restored": f"{base}_restored"}
        database = {role: url._replace(path=f"/{name}").geturl() for role, name in names.items()}
    else:
        database = {role: f"sqlite:///{var / role}.sqlite3" for role in ("seeded", "restored")}
    field_key = Fernet.generate_key().decode()
    base_env = {key: value for key, value in os.environ.items() if key not in _NOT_INHERITED}
    base_env.update(
        DJANGO_SETTINGS_MODULE="mentorship.settings",
        DEBUG="1",  # seed_demo runs only there; the keys below are real ones all the same
        ALLOWED_HOSTS="testserver,localhost,127.0.0.1",
        MFA_REQUIRED_FOR_COORDINATORS="0",
        MFA_REQUIRED_FOR_STAFF="0",
        VAR_DIR=str(var),
        CELERY_TASK_ALWAYS_EAGER="1",
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
    )
    seeded_env = {
        **base_env,
        "DATABASE_URL": database["seeded"],
        "MEDIA_ROOT": str(var / "media"),
        "FIELD_ENCRYPTION_KEYS": field_key,
        "AGREEMENT_SIGNING_KEY": os.environ["AGREEMENT_SIGNING_KEY"],
        "AGREEMENT_SIGNING_CERT": os.environ["AGREEMENT_SIGNING_CERT"],
    }
    restored_env = {**base_env, "DATABASE_URL": database["restored"], "MEDIA_ROOT": str(var / "media-restored")}
    buckets, endpoint = {}, ""
    if storage == "s3":
        endpoint = request.getfixturevalue("moto_endpoint")
        buckets = {role: s3_support.new_bucket(endpoint) for role in ("seeded", "restored")}
        seeded_env.update(s3_support.s3_environment(endpoint, buckets["seeded"], prefix="site"))
        restored_env.update(s3_support.s3_environment(endpoint, buckets["restored"], prefix="site"))
    if backend == "postgresql":
        for name in names.values():
            _recreate(name)
    try:
        _run(seeded_env, "manage", "migrate", "--noinput", "-v", "0")
        _run(seeded_env, "manage", "seed_demo")
        _run(seeded_env, "seed", str(tmp_path / "seeded.json"))
        # The keys beside the backup are refused; apart from it they are written.
        refused = _run(seeded_env, "manage", "backup", str(backups), "--keys-to", str(backups), expect_ok=False)
        assert refused.returncode != 0 and "keep them apart" in refused.stderr
        shutil.rmtree(backups)
        _run(seeded_env, "manage", "backup", str(backups), "--keys-to", str(keys_home))
        (backup,) = backups.iterdir()
        (keys,) = keys_home.iterdir()

        # The restore knows the keys only from the keys folder.
        restored_env.update(
            FIELD_ENCRYPTION_KEYS=(keys / "FIELD_ENCRYPTION_KEYS").read_text(),
            AGREEMENT_SIGNING_KEY=str(keys / "agreement-seal" / "agreement-seal.key.pem"),
            AGREEMENT_SIGNING_CERT=str(keys / "agreement-seal" / "agreement-seal.cert.pem"),
        )
        _run(restored_env, "manage", "restore", str(backup))
        _run(restored_env, "facts", str(tmp_path / "seeded.json"), str(tmp_path / "restored.json"))
        # A second restore finds the database no longer empty.
        again = _run(restored_env, "manage", "restore", str(backup), expect_ok=False)
        assert again.returncode != 0 and "not empty" in again.stderr
        # With --force it replaces what is there: a person added and a note deleted since the
        # backup are undone, and everything else is as backed up.
        change = (
            "from django_scopes import scopes_disabled\n"
            "from mentorship.models import User\n"
            "from relationships.models import PrivateNote\n"
            "User.objects.create_user(email='after-the-backup@example.net', password=None)\n"
            "with scopes_disabled():\n"
            "    PrivateNote.objects.all().delete()\n"
            "    print('notes', PrivateNote.objects.count())\n"
        )
        assert "notes 0" in _run(restored_env, "manage", "shell", "-c", change).stdout
        _run(restored_env, "manage", "restore", str(backup), "--force")
        _run(restored_env, "facts", str(tmp_path / "seeded.json"), str(tmp_path / "forced.json"))
    finally:
        if backend == "postgresql":
            for name in names.values():
                _recreate(name, drop_only=True)

    seeded = json.loads((tmp_path / "seeded.json").read_text())
    restored = json.loads((tmp_path / "restored.json").read_text())
    manifest = json.loads((backup / "manifest.json").read_text())

    # Every table's rows; the manifest says the same.
    assert restored["counts"] == seeded["counts"] == manifest["tables"]
    forced = json.loads((tmp_path / "forced.json").read_text())
    assert forced["counts"] == seeded["counts"] and forced["note"] == seeded["note"] and forced["verified"]
    assert seeded["counts"]["relationships_privatenote"] >= 1 and seeded["counts"]["agreements_agreement"] >= 1
    # The note decrypts to what was written, and is stored encrypted in both databases.
    assert restored["note"] == seeded["note"]
    assert "backed up, restored" in restored["note"]
    assert seeded["note_stored_encrypted"] and restored["note_stored_encrypted"]
    # The sealed PDF: the same bytes, still verified by /verify/.
    assert restored["pdf"] == seeded["pdf"]
    assert restored["pdf"]["sha256"] == restored["pdf"]["recorded_sha256"]
    assert seeded["verified"] and restored["verified"]
    # Every private file back under its name, still cipher text.
    assert restored["private_file_heads"] == seeded["private_file_heads"]
    assert len(seeded["private_file_heads"]) >= 1
    assert set(seeded["private_file_heads"].values()) == {"enc1:"}
    assert set(manifest["files"]["private"]) == set(seeded["private_file_heads"])
    if storage == "s3":
        objects = s3_support.bucket_objects(endpoint, buckets["restored"])
        assert {key.removeprefix("site/private/") for key in objects} == set(seeded["private_file_heads"])
        assert not (var / "media-restored").exists()

    # The backup holds no key: neither the field key nor the seal's private key is in any
    # of its files, and the keys folder is readable by its owner only.
    key_pem = (keys / "agreement-seal" / "agreement-seal.key.pem").read_bytes()
    body = b"".join(key_pem.splitlines()[1:-1])
    for name, data in _files(backup).items():
        assert field_key.encode() not in data, name
        assert body[:64] not in data, name
    assert oct((keys / "FIELD_ENCRYPTION_KEYS").stat().st_mode & 0o777) == "0o600"
    assert manifest["migration_head"]["relationships"] and manifest["app_version"]
