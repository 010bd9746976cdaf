"""A person's export of everything held about them (GDPR art. 15 and 20).

``request_export`` records a queued ``DataExport`` and hands it to the
``privacy.build_export`` task, which runs every registered exporter (``privacy.registry``),
writes the ZIP (README.txt, data.json nested by organization, one CSV per kind, the person's
uploaded files and the sealed PDFs of the agreements they signed), stores it encrypted in
private storage and emails a link that expires. Progress is written to the row as it goes
(outside any long transaction), so the page polling it sees it move. The ZIP is written to a
temporary file (spooled to disk past ``SPOOL_BYTES``), each file streamed into it."""

import io
import json
import shutil
import tempfile
import zipfile
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.core.files import File
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django_scopes import scopes_disabled

from mentorship import csvexport
from mentorship.celery import registered_task
from mentorship.exceptions import ServiceError
from mentorship.mail import queue_email, render_email
from privacy.models import EXPORT_LIFETIME, EXPORT_STALE_AFTER, DataExport, ExportStatus
from privacy.registry import EXPORTERS
from programs.models import Membership

TOKEN_SALT = "privacy.export-download"
# The ZIP stays in memory up to this size, then goes to a temporary file on disk.
SPOOL_BYTES = 8 * 1024 * 1024
CHUNK = 1024 * 1024
README = """Your data from {site}
================================

Built on {built} for {name} <{email}>.

data.json      everything below, nested by organization ("account" is outside any).
<kind>.csv     the same rows, one file per kind of record, for a spreadsheet.
files/         the files you uploaded (CV, message attachments, documents) and the sealed
               PDFs of the agreements you signed (their SHA-256 is in agreements.csv).

Not included: the other party's private notes (they are theirs), and answers you gave to
anonymous surveys (nothing links them to you, by design).

Kinds: {kinds}
"""


def request_export(*, user) -> DataExport:
    """Queue a new export for ``user``: one at a time (a second request while one is queued
    or being built is refused)."""
    if not user.is_authenticated or not user.is_active:
        raise ServiceError("Sign in to download your data.")
    try:
        with transaction.atomic():
            _mark_stale_failed(DataExport.objects.filter(user=user))
            export = DataExport.objects.create(user=user)
    except IntegrityError:
        raise ServiceError("Your data is already being prepared. Wait for it to finish.") from None
    transaction.on_commit(lambda: registered_task("privacy.build_export").delay(export.pk))
    return export


def download_token(export: DataExport) -> str:
    return signing.TimestampSigner(salt=TOKEN_SALT).sign(str(export.pk))


def check_token(export: DataExport, token: str) -> bool:
    try:
        value = signing.TimestampSigner(salt=TOKEN_SALT).unsign(token, max_age=EXPORT_LIFETIME)
    except signing.BadSignature:
        return False
    return value == str(export.pk)


def download_url(export: DataExport) -> str:
    return settings.SITE_URL + reverse(
        "privacy_export_download", kwargs={"pk": export.pk, "token": download_token(export)}
    )


def _set_progress(export: DataExport, percent: int, **fields) -> None:
    export.progress = percent
    for name, value in fields.items():
        setattr(export, name, value)
    DataExport.objects.filter(pk=export.pk).update(progress=percent, heartbeat_at=timezone.now(), **fields)


def _csv_bytes(rows: list[dict]) -> bytes:
    columns: list[str] = []
    for row in rows:
        for key in row:
            if key not in columns:
                columns.append(key)
    out = io.StringIO()
    writer = csvexport.writer(out)
    writer.writerow(columns)
    for row in rows:
        writer.writerow(
            [
                json.dumps(v, ensure_ascii=False) if isinstance(v, dict | list) else v
                for v in (row.get(c) for c in columns)
            ]
        )
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def write_zip(user, out, progress=None) -> None:
    """Write the ZIP to the binary file ``out``: every registered exporter's rows and files,
    each file streamed in (never the whole archive in memory). ``progress(percent)`` hears
    how far it got (the exporters take the first 80%, the files the rest)."""
    progress = progress or (lambda percent: None)
    with scopes_disabled():
        memberships = list(Membership.objects.filter(user=user).select_related("organization").order_by("pk"))
        rows: dict[str, list[dict]] = {}
        files = []
        names = list(EXPORTERS)
        for index, name in enumerate(names, 1):
            part = EXPORTERS[name](user, memberships)
            for kind, kind_rows in part.rows.items():
                rows.setdefault(kind, []).extend(kind_rows)
            files.extend(part.files)
            progress(5 + 75 * index // len(names))
        nested: dict = {"account": {}, "organizations": {}}
        for kind, kind_rows in rows.items():
            for row in kind_rows:
                org = row.get("organization")
                if org is None:
                    nested["account"].setdefault(kind, []).append(row)
                else:
                    nested["organizations"].setdefault(org, {}).setdefault(kind, []).append(row)
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr(
                "README.txt",
                README.format(
                    site=settings.SITE_NAME,
                    built=timezone.now().strftime("%Y-%m-%d %H:%M UTC"),
                    name=user.full_name,
                    email=user.email,
                    kinds=", ".join(sorted(rows)),
                ),
            )
            archive.writestr("data.json", json.dumps(nested, ensure_ascii=False, indent=2, default=str))
            del nested
            for kind in sorted(rows):
                archive.writestr(f"{kind}.csv", _csv_bytes(rows[kind]))
            for index, (arcname, read) in enumerate(files, 1):
                try:
                    _copy_into(archive, arcname, read)
                except OSError:
                    continue  # a file missing from storage: the row still names it
                if index % 10 == 0:
                    progress(80 + 15 * index // len(files))


def _copy_into(archive: zipfile.ZipFile, arcname: str, read) -> None:
    """One file into the archive, stored as is. ``read()`` returns bytes or an open binary
    file (copied in chunks, then closed)."""
    data = read()
    info = zipfile.ZipInfo(arcname, date_time=timezone.now().timetuple()[:6])
    info.compress_type = zipfile.ZIP_STORED
    if isinstance(data, bytes | bytearray):
        archive.writestr(info, data)
        return
    with data, archive.open(info, "w", force_zip64=True) as target:
        shutil.copyfileobj(data, target, CHUNK)


def build_zip(user, progress=None) -> bytes:
    """The ZIP's bytes (for tests and the benchmark; the task writes to a temporary file)."""
    buffer = io.BytesIO()
    write_zip(user, buffer, progress)
    return buffer.getvalue()


def _mark_stale_failed(queryset) -> int:
    """Exports queued or being built whose worker stopped reporting (it died, or the task was
    redelivered while it ran): failed, so the person can ask again."""
    now = timezone.now()
    stale = Q(status=ExportStatus.RUNNING) & (
        Q(heartbeat_at__lt=now - EXPORT_STALE_AFTER)
        | Q(heartbeat_at__isnull=True, created_at__lt=now - EXPORT_STALE_AFTER)
    )
    stale |= Q(status=ExportStatus.QUEUED, created_at__lte=now - timedelta(days=1))
    return queryset.filter(stale).update(status=ExportStatus.FAILED, error="Timed out.")


def run_export(export_id: int) -> DataExport | None:
    """The ``privacy.build_export`` task's work: claim the queued export, build, store, email."""
    claimed = DataExport.objects.filter(pk=export_id, status=ExportStatus.QUEUED).update(
        status=ExportStatus.RUNNING, progress=1, heartbeat_at=timezone.now()
    )
    if not claimed:
        return None
    export = DataExport.objects.select_related("user").get(pk=export_id)
    try:
        with tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES, suffix=".zip") as handle:
            write_zip(export.user, handle, progress=lambda percent: _set_progress(export, percent))
            size = handle.tell()
            handle.seek(0)
            with transaction.atomic():
                locked = DataExport.objects.select_for_update().get(pk=export_id)
                locked.file.save("export.zip", File(handle, name="export.zip"), save=False)
                now = timezone.now()
                locked.size = size
                locked.status = ExportStatus.READY
                locked.progress = 100
                locked.ready_at = now
                locked.expires_at = now + EXPORT_LIFETIME
                locked.save()
                user = locked.user
                queue_email(
                    render_email(
                        "email/privacy_export_ready",
                        {"url": download_url(locked), "expires_at": locked.expires_at, "size": locked.size},
                        to=[user.email],
                        recipient_name=user.full_name,
                    )
                )
        return locked
    except Exception as exc:
        DataExport.objects.filter(pk=export_id).update(status=ExportStatus.FAILED, error=str(exc)[:300])
        raise


def purge_expired() -> int:
    """Delete the files of exports past their expiry (the ``privacy.purge_exports`` beat task)."""
    count = 0
    now = timezone.now()
    stale = DataExport.objects.filter(status=ExportStatus.READY, expires_at__lte=now)
    _mark_stale_failed(DataExport.objects.all())
    for export in stale.only("pk", "file")[:500]:
        if export.file:
            export.file.delete(save=False)
        DataExport.objects.filter(pk=export.pk).update(status=ExportStatus.EXPIRED, file="", progress=100)
        count += 1
    return count


def open_export(export: DataExport):
    return export.file.open("rb")
