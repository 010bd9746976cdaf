"""An existing database survives the move of the relationship's models (issue 14).

A database is built by the previous head (PREVIOUS_HEAD, extracted with ``git archive``):
its migrations, the demo data, then, through its own services, a row in every table of the
relationship's models: a meeting whose place, agenda and private note are stored encrypted,
a held meeting with its encrypted summary, a follow-up task, a goal with a progress note
and its read in the access log, the program's resources page, a participant removed from a
program (an ended pair), and an agreement signed by both parties with its sealed PDF. The
current code then migrates that same database forward, with the same keys and the same
file storage, and must find: every table's rows (under the table's new name where its
model moved), the note and the other texts decrypted as written and still encrypted at
rest, the PDF with the same SHA-256, the same relationships, id sequences past the rows
carried over, and, through its pages, each coordinator's list of mentorships naming every
pair (what `make run` on such a database shows), the note on its meeting page, and the PDF
downloaded and verified as sealed.

Both runs are separate processes (tests/forward_migration_script.py does their work), on a
database of their own: on the PostgreSQL server of DATABASE_URL (skipped without one), and
in an SQLite file, the embedded default `make run` uses. The whole test runs on one fixed
moment, which its processes follow, so it gives the same result on any day (and is not run
again a year ahead, .ci/run).
"""

import json
import os
import shutil
import subprocess
import sys
import tarfile
from io import BytesIO
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
import pytest
from cryptography.fernet import Fernet

from tests.clock import subprocess_env

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = Path(__file__).resolve().parent / "forward_migration_script.py"

# The previous head: the last commit before the relationship app (issue 14). The database
# the test migrates forward is made by this commit's code.
PREVIOUS_HEAD = "e6b8c1daf7c48c5a225cc4807d687912e326be3c"

# The relationship's models at PREVIOUS_HEAD, which issue 14 moves into their own app: the
# database the test builds holds rows in each of their tables.
RELATIONSHIP_MODELS = [
    "matching.Mentorship",
    "matching.PairExclusion",
    "matching.ProgramRemoval",
    "agreements.Meeting",
    "agreements.FollowUpTask",
    "agreements.PrivateNote",
    "agreements.Goal",
    "agreements.GoalNote",
    "agreements.ContentRead",
    "agreements.ProgramResources",
]

# The models that moved since PREVIOUS_HEAD: its model label -> the current one (issue 14:
# the relationship's own app). Each old table is compared with the table its model uses now
# (its ``_meta.db_table``, e.g. relationships_mentorship), and the note, the meetings and
# the relationships are read through the current models.
MOVED_MODELS: dict[str, str] = {label: "relationships." + label.split(".")[1] for label in RELATIONSHIP_MODELS}

# Django's own bookkeeping, which a migration may add to (its own rows, content types and
# permissions for models under their new label) but must not lose; every other table keeps
# exactly the rows it had.
MAY_GROW = {"django_migrations", "django_content_type", "auth_permission"}

# The environment the test run has that the two processes must not inherit: they read the
# production settings module with the values set below, their own database, storage and
# keys, and no shared Redis or broker.
_NOT_INHERITED = {
    "DJANGO_SETTINGS_MODULE",
    "PYTHONPATH",
    "REDIS_URL",
    "CELERY_BROKER_URL",
    "CELERY_RESULT_BACKEND",
    "MEDIA_ROOT",
    "STATIC_ROOT",
    "TEST_WORKER_DATABASE_NAME",
    "TEST_CLOCK_SHIFT_DAYS",
    "HTML_CAPTURE_DIR",
}


def _database_url() -> str:
    return os.environ.get("DATABASE_URL", "")


ON_POSTGRES = _database_url().startswith(("postgres://", "postgresql://"))

pytestmark = [
    # Seals an agreement's PDF with WeasyPrint (skipped without its libraries, tests/conftest.py).
    pytest.mark.pdf,
    pytest.mark.clock("2026-03-02 10:00"),
]


def _server():
    """psycopg2 connection to the server's maintenance database (to create and drop ours)."""
    import psycopg2

    config = dj_database_url.parse(_database_url())
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


def _extract_previous_head(into: Path) -> None:
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", "--format=tar", PREVIOUS_HEAD], capture_output=True, timeout=120
    )
    assert archive.returncode == 0, (
        f"git archive {PREVIOUS_HEAD} failed (the test needs the repository's history, not a shallow clone): "
        + archive.stderr.decode()
    )
    with tarfile.open(fileobj=BytesIO(archive.stdout)) as tar:
        tar.extractall(into, filter="data")


def _run(tree: Path, env: dict, work: Path, *args: str) -> None:
    """The script in its own process with ``tree``'s code first on the path; the current
    code reads the moved models under their current labels."""
    moved = MOVED_MODELS if tree == ROOT else {}
    result = subprocess.run(
        [sys.executable, str(work / SCRIPT.name), *args],
        cwd=tree,
        env=subprocess_env(env, PYTHONPATH=str(tree), FORWARD_TREE=str(tree), FORWARD_MODELS=json.dumps(moved)),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, (
        f"{' '.join(args)} in {tree} failed:\n{result.stdout[-4000:]}\n{result.stderr[-8000:]}"
    )


@pytest.mark.parametrize(
    "backend",
    [
        pytest.param(
            "postgresql",
            marks=pytest.mark.skipif(
                not ON_POSTGRES,
                reason="needs PostgreSQL (DATABASE_URL=postgres://…, as CI sets), the database production runs",
            ),
        ),
        # The embedded default `make run` uses: SQLite renames tables its own way.
        "sqlite",
    ],
)
def test_a_database_made_by_the_previous_head_migrates_forward_with_nothing_lost(tmp_path, backend):
    old_tree, work, var = tmp_path / "previous-head", tmp_path / "work", tmp_path / "var"
    for folder in (old_tree, work, var):
        folder.mkdir()
    _extract_previous_head(old_tree)
    shutil.copy(SCRIPT, work / SCRIPT.name)

    if backend == "postgresql":
        url = urlsplit(_database_url())
        name = f"test_{url.path.lstrip('/') or 'mentorship'}_forward"
        database_url = url._replace(path=f"/{name}").geturl()
    else:
        database_url = f"sqlite:///{var / 'previous-head.sqlite3'}"
    env = {key: value for key, value in os.environ.items() if key not in _NOT_INHERITED}
    env.update(
        DJANGO_SETTINGS_MODULE="mentorship.settings",
        DATABASE_URL=database_url,
        # Development defaults (DEBUG) for the rest: the secret key, the site URL, no second
        # factor for coordinators; seed_demo runs only there.
        DEBUG="1",
        ALLOWED_HOSTS="testserver,localhost,127.0.0.1",
        MFA_REQUIRED_FOR_COORDINATORS="0",
        MFA_REQUIRED_FOR_STAFF="0",
        # The same storage and keys in both runs, as a deployment keeps them across an upgrade.
        VAR_DIR=str(var),
        MEDIA_ROOT=str(var / "media"),
        FIELD_ENCRYPTION_KEYS=Fernet.generate_key().decode(),
        # The seal: the test run's pair (tests/settings.py), valid on any day the tests run.
        AGREEMENT_SIGNING_KEY=os.environ["AGREEMENT_SIGNING_KEY"],
        AGREEMENT_SIGNING_CERT=os.environ["AGREEMENT_SIGNING_CERT"],
        CELERY_TASK_ALWAYS_EAGER="1",
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
    )
    if backend == "postgresql":
        _recreate(name)
    try:
        _run(old_tree, env, work, "manage", "migrate", "--noinput", "-v", "0")
        _run(old_tree, env, work, "manage", "seed_demo")
        _run(old_tree, env, work, "record", str(work / "old.json"))
        _run(ROOT, env, work, "manage", "migrate", "--noinput", "-v", "0")
        _run(ROOT, env, work, "manage", "check")
        _run(ROOT, env, work, "facts", str(work / "old.json"), str(work / "new.json"))
    finally:
        if backend == "postgresql":
            _recreate(name, drop_only=True)
    old = json.loads((work / "old.json").read_text())
    new = json.loads((work / "new.json").read_text())

    # Every table's rows, under the table's current name where its model moved.
    owner = {table: label for label, table in old["tables"].items()}
    assert owner, "the previous head reported no models"
    lost, changed = [], []
    for table, count in sorted(old["counts"].items()):
        if table in owner:
            label = MOVED_MODELS.get(owner[table], owner[table])
            assert label in new["tables"], f"{owner[table]} (table {table}) is not a model now: map it in MOVED_MODELS"
            now_in = new["tables"][label]
        else:
            now_in = table
        now = new["counts"].get(now_in)
        if now is None:
            lost.append(f"{table}: {count} rows, and no table {now_in} now")
        elif now < count or (now != count and now_in not in MAY_GROW):
            changed.append(f"{table} -> {now_in}: {count} rows before, {now} after")
    assert lost == [] and changed == [], "\n".join(lost + changed)
    assert new["stale_sequences"] == []
    # The demo data and the records were there to carry: rows in every table of the
    # relationship's models, live and ended pairs, a signed agreement.
    empty = [label for label in RELATIONSHIP_MODELS if not old["counts"][old["tables"][label]]]
    assert empty == [], f"the database made by the previous head has no rows of {empty}"
    assert {"active", "ended"} <= {status for *_, status in old["relationships"]}
    assert old["pdf"]["status"] == "signed"

    # The encrypted texts, stored encrypted and read back as written.
    assert old["in_the_clear"] == [] and new["in_the_clear"] == []
    assert new["texts"] == old["texts"]
    assert new["note"] == old["note"] and new["meetings"] == old["meetings"]
    # The sealed PDF, through the storage.
    assert new["pdf"] == old["pdf"]
    assert new["pdf"]["sha256"] == old["pdf"]["recorded_sha256"]
    # The same relationships.
    assert new["relationships"] == old["relationships"]
    # Every URL name at the same path: the links in emails sent before the upgrade still work
    # (new pages may be added).
    assert len(old["urls"]) > 100 and old["urls"].items() <= new["urls"].items()

    # What people see: every pair in its coordinator's list, the note, the PDF.
    pages = new["pages"]
    assert pages["errors"] == [] and pages["missing_names"] == []
    assert pages["meeting_page"] == 200 and pages["note_shown"]
    assert pages["pdf_download"] == 200 and pages["downloaded_sha256"] == old["pdf"]["sha256"]
    assert pages["verified"]
