"""Backups that restore (issue 17): the database, the stored files, and, only on request
and to a separate place, the keys that read them.

A backup is a folder ``backup-<UTC timestamp>/`` holding:

- ``database.dump``: ``pg_dump -Fc`` of the configured PostgreSQL database, or
  ``database.sqlite3``: a consistent copy of the SQLite file (sqlite3's backup API);
- ``files/<alias>/<name>``: every stored file of the ``private`` storage (CVs, documents,
  sealed PDFs; encrypted files stay cipher text) and of the ``default`` storage (media),
  from the local disk or the bucket, byte for byte as stored;
- ``manifest.json``: when, the app's version, the migration head, the rows of every table
  and the SHA-256 of every file (the dump included).

The keys are never in it: encrypted columns and files need ``FIELD_ENCRYPTION_KEYS``, and
the seal key pair signs and verifies agreement PDFs. ``write_keys`` puts them in their own
folder, which must be kept apart (another medium, a secrets vault): a stolen data backup
without them reveals no encrypted text. Apps above the kernel add their own key material
through ``register_key_material`` (agreements: the seal key pair).

``restore`` checks every SHA-256 first, refuses a database that has tables unless forced,
then loads the dump (``pg_restore``) or the SQLite copy and writes the files back into the
configured storages under the same names, and checks the row counts.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, Storage, storages
from django.db import connection, connections

MANIFEST = "manifest.json"
POSTGRES_DUMP = "database.dump"
SQLITE_COPY = "database.sqlite3"
FILE_ALIASES = ("private", "default")
FORMAT = 1

_key_material: list[tuple[str, Callable[[], dict[str, bytes]]]] = []


class BackupError(Exception):
    """A backup or restore that cannot go on, with the reason (management commands show it)."""


def register_key_material(name: str, provider: Callable[[], dict[str, bytes]]) -> None:
    """An app above the kernel adds key material the backup's keys folder must hold:
    ``provider()`` returns file name -> bytes (written under ``<name>/``)."""
    if all(existing != name for existing, _ in _key_material):
        _key_material.append((name, provider))


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# --- Facts ----------------------------------------------------------------------------------


def app_version() -> str:
    try:
        return metadata.version("mentorship")
    except metadata.PackageNotFoundError:
        return "unknown"


def table_counts(using: str = "default") -> dict[str, int]:
    """Rows of every table of the database."""
    db = connections[using]
    counts = {}
    with db.cursor() as cursor:
        for table in sorted(db.introspection.table_names(cursor)):
            cursor.execute(f"SELECT COUNT(*) FROM {db.ops.quote_name(table)}")  # noqa: S608
            counts[table] = cursor.fetchone()[0]
    return counts


def migration_head(using: str = "default") -> dict[str, str]:
    """The last applied migration of every app (what the restored database is at)."""
    from django.db.migrations.recorder import MigrationRecorder

    head: dict[str, str] = {}
    recorder = MigrationRecorder(connections[using])
    if not recorder.has_table():
        return head
    for app, name in recorder.migration_qs.order_by("app", "name").values_list("app", "name"):
        head[app] = max(head.get(app, ""), name)
    return head


def code_migration_head() -> dict[str, str]:
    """The leaf migration of every app in this code."""
    from django.db.migrations.loader import MigrationLoader

    loader = MigrationLoader(None, ignore_no_migrations=True)
    head: dict[str, str] = {}
    for app, name in loader.graph.leaf_nodes():
        head[app] = max(head.get(app, ""), name)
    return head


# --- Stored files ---------------------------------------------------------------------------


def _local_names(storage: FileSystemStorage, skip: Path | None) -> Iterator[str]:
    root = Path(storage.location)
    if not root.is_dir():
        return
    for path in sorted(root.rglob("*")):
        if path.is_file() and not (skip and path.is_relative_to(skip)) and not path.name.startswith(".rotate-"):
            yield path.relative_to(root).as_posix()


def stored_names(alias: str) -> Iterator[str]:
    """Every file of a storage alias, on the local disk or in the bucket. The local
    ``default`` storage is MEDIA_ROOT, which holds the private folder: that one is the
    ``private`` alias's, not copied twice."""
    storage = storages[alias]
    walk = getattr(storage, "walk_names", None)
    if walk is not None:
        yield from sorted(walk())
        return
    if isinstance(storage, FileSystemStorage):
        private = storages["private"]
        skip = Path(private.location) if isinstance(private, FileSystemStorage) else None
        yield from _local_names(storage, skip)
        return
    bucket = getattr(storage, "bucket", None)
    if bucket is None:
        raise BackupError(f"Cannot list the files of storage {alias!r} ({type(storage).__name__}).")
    prefix = storage.location.rstrip("/") + "/" if storage.location else ""
    yield from sorted(item.key[len(prefix) :] for item in bucket.objects.filter(Prefix=prefix))


def read_stored(storage: Storage, name: str) -> bytes:
    """A file's bytes as stored. The aliases are the raw backends (``storages["private"]``
    does not decrypt), so cipher text is copied as cipher text."""
    with storage.open(name, "rb") as handle:
        return handle.read()


def write_stored(storage: Storage, name: str, data: bytes) -> None:
    """Put a file back under exactly its name (replacing one that is there)."""
    replace = getattr(storage, "replace", None)
    if storage.exists(name):
        if replace is not None:
            replace(name, data)
            return
        storage.delete(name)
    saved = storage.save(name, ContentFile(data))
    if saved != name:
        storage.delete(saved)
        raise BackupError(f"The storage saved {name} as {saved}; the database names {name}.")


# --- The database ---------------------------------------------------------------------------


def _postgres_env(db: dict) -> dict[str, str]:
    env = dict(os.environ)
    for variable, key in (("PGHOST", "HOST"), ("PGPORT", "PORT"), ("PGUSER", "USER"), ("PGPASSWORD", "PASSWORD")):
        if db.get(key):
            env[variable] = str(db[key])
    return env


def _run(command: list[str], env: dict[str, str]) -> None:
    if shutil.which(command[0]) is None:
        raise BackupError(f"{command[0]} is not installed (the PostgreSQL client tools are needed).")
    result = subprocess.run(command, env=env, capture_output=True, text=True)  # noqa: S603
    if result.returncode != 0:
        raise BackupError(f"{command[0]} failed: {result.stderr.strip()[-2000:]}")


def dump_database(folder: Path) -> Path:
    db = settings.DATABASES["default"]
    if connection.vendor == "postgresql":
        target = folder / POSTGRES_DUMP
        _run(["pg_dump", "-Fc", "--no-owner", "--no-privileges", "-f", str(target), db["NAME"]], _postgres_env(db))
        return target
    if connection.vendor == "sqlite":
        target = folder / SQLITE_COPY
        source = sqlite3.connect(str(db["NAME"]))
        copy = sqlite3.connect(str(target))
        try:
            source.backup(copy)  # a consistent copy, even while others write
        finally:
            copy.close()
            source.close()
        return target
    raise BackupError(f"Backups support PostgreSQL and SQLite, not {connection.vendor}.")


def load_database(dump: Path, *, force: bool) -> None:
    db = settings.DATABASES["default"]
    connection.close()
    if dump.name == POSTGRES_DUMP:
        if connection.vendor != "postgresql":
            raise BackupError("This backup holds a PostgreSQL dump; the configured database is not PostgreSQL.")
        command = ["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", "-d", db["NAME"]]
        if force:
            command += ["--clean", "--if-exists"]
        _run([*command, str(dump)], _postgres_env(db))
        return
    if connection.vendor != "sqlite":
        raise BackupError("This backup holds an SQLite database; the configured database is not SQLite.")
    source = sqlite3.connect(str(dump))
    target = sqlite3.connect(str(db["NAME"]))
    try:
        source.backup(target)
    finally:
        target.close()
        source.close()


# --- Backup ---------------------------------------------------------------------------------


def timestamp() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")


def _inside(path: Path, other: Path) -> bool:
    path, other = path.resolve(), other.resolve()
    return path == other or path.is_relative_to(other) or other.is_relative_to(path)


def create_backup(destination: Path, *, log: Callable[[str], None] = lambda line: None) -> Path:
    """Write ``destination/backup-<timestamp>/`` and return it."""
    folder = Path(destination) / f"backup-{timestamp()}"
    folder.mkdir(parents=True, mode=0o700)
    dump = dump_database(folder)
    log(f"Database: {dump.name} ({dump.stat().st_size} bytes)")
    files: dict[str, dict[str, str]] = {}
    for alias in FILE_ALIASES:
        storage, files[alias] = storages[alias], {}
        for name in stored_names(alias):
            data = read_stored(storage, name)
            target = folder / "files" / alias / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
            files[alias][name] = sha256_bytes(data)
        log(f"Files ({alias}): {len(files[alias])}")
    manifest = {
        "format": FORMAT,
        "created_at": datetime.now(UTC).isoformat(),
        "app_version": app_version(),
        "database": {"vendor": connection.vendor, "file": dump.name, "sha256": sha256_file(dump)},
        "migration_head": migration_head(),
        "tables": table_counts(),
        "files": files,
        "keys": "not included: see README, Backups and restore (manage.py backup --keys-to)",
    }
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True))
    return folder


def write_keys(destination: Path, *, backup_folder: Path | None = None) -> Path:
    """``destination/keys-<timestamp>/``: the field-encryption keys and every registered
    key material (the seal key pair), readable by the owner only."""
    if backup_folder is not None and _inside(Path(destination), Path(backup_folder).parent):
        raise BackupError(
            "The keys must not be written into the backup's folder: keep them apart from the data "
            "(another disk, a secrets vault), or a stolen backup can be read."
        )
    folder = Path(destination) / f"keys-{timestamp()}"
    folder.mkdir(parents=True, mode=0o700)

    def put(relative: str, data: bytes) -> str:
        path = folder / relative
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        return sha256_bytes(data)

    written = {"FIELD_ENCRYPTION_KEYS": put("FIELD_ENCRYPTION_KEYS", ",".join(settings.FIELD_ENCRYPTION_KEYS).encode())}
    for name, provider in _key_material:
        for file_name, data in provider().items():
            written[f"{name}/{file_name}"] = put(f"{name}/{file_name}", data)
    manifest = {"created_at": datetime.now(UTC).isoformat(), "app_version": app_version(), "files": written}
    put("manifest.json", json.dumps(manifest, indent=2, sort_keys=True).encode())
    return folder


# --- Restore --------------------------------------------------------------------------------


def read_manifest(folder: Path) -> dict:
    path = Path(folder) / MANIFEST
    if not path.is_file():
        raise BackupError(f"{folder} is not a backup: it has no {MANIFEST}.")
    try:
        manifest = json.loads(path.read_text())
    except ValueError as error:
        raise BackupError(f"{path} is damaged: {error}") from None
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{path} has format {manifest.get('format')!r}; this code reads format {FORMAT}.")
    return manifest


def verify_backup(folder: Path) -> dict:
    """Check every SHA-256 of the manifest; return the manifest."""
    folder = Path(folder)
    manifest = read_manifest(folder)
    problems = []
    dump = folder / manifest["database"]["file"]
    if not dump.is_file():
        problems.append(f"{dump.name} is missing")
    elif sha256_file(dump) != manifest["database"]["sha256"]:
        problems.append(f"{dump.name} does not match its SHA-256")
    for alias, names in manifest["files"].items():
        for name, digest in names.items():
            path = folder / "files" / alias / name
            if not path.is_file():
                problems.append(f"files/{alias}/{name} is missing")
            elif sha256_file(path) != digest:
                problems.append(f"files/{alias}/{name} does not match its SHA-256")
    if problems:
        raise BackupError("The backup is damaged: " + "; ".join(problems[:20]))
    return manifest


def database_is_empty() -> bool:
    with connection.cursor() as cursor:
        return not connection.introspection.table_names(cursor)


def restore_backup(folder: Path, *, force: bool = False, log: Callable[[str], None] = lambda line: None) -> dict:
    """Restore the backup into the configured database and storages; return what was
    checked afterwards (``tables``: per table, rows in the manifest and now)."""
    folder = Path(folder)
    manifest = verify_backup(folder)
    log("Checked the SHA-256 of every file of the backup.")
    if not database_is_empty() and not force:
        raise BackupError(
            "The configured database is not empty. Restore into a new, empty database, or pass --force "
            "to replace what it holds."
        )
    if manifest["database"]["vendor"] != connection.vendor:
        raise BackupError(
            f"The backup is of a {manifest['database']['vendor']} database; the configured one is {connection.vendor}."
        )
    load_database(folder / manifest["database"]["file"], force=force)
    log(f"Database loaded from {manifest['database']['file']}.")
    for alias, names in manifest["files"].items():
        storage = storages[alias]
        for name, digest in names.items():
            write_stored(storage, name, (folder / "files" / alias / name).read_bytes())
            if sha256_bytes(read_stored(storage, name)) != digest:
                raise BackupError(f"{alias}/{name} reads back different from the backup.")
        log(f"Files ({alias}): {len(names)} restored and read back.")
    counts = table_counts()
    differ = {t: (n, counts.get(t)) for t, n in manifest["tables"].items() if counts.get(t) != n}
    if differ:
        raise BackupError(f"Row counts differ after the restore (table: backup, now): {differ}")
    log(f"Row counts match in {len(counts)} tables.")
    behind = {app: name for app, name in code_migration_head().items() if manifest["migration_head"].get(app) != name}
    if behind:
        log(f"The backup is at other migrations than this code for {sorted(behind)}: run manage.py migrate.")
    return {"tables": counts, "files": {alias: len(names) for alias, names in manifest["files"].items()}}
