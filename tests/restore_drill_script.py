"""The work done inside the processes that tests/test_issue17_backup.py starts.

Not a test module: the test runs it in its own process, with the environment of the
database and storage it works on (the seeded one, then the restored one):

    python restore_drill_script.py manage <command> [args...]   a management command
    python restore_drill_script.py seed <out.json>
        after ``seed_demo``: a private note on a meeting of a live pair (an encrypted
        column), and a signed agreement whose sealed PDF is stored; then the facts
    python restore_drill_script.py facts <seed.json> <out.json>
        the facts of the same records, read from this process's database and storage

The facts: every table's rows, the note decrypted and as stored, the sealed PDF read
through the storage (SHA-256, the recorded SHA-256) and checked by the public /verify/
page, and every stored file's first bytes (encrypted files must stay cipher text).

Environment: TEST_CLOCK_AT (the moment this process's clock starts at, as the test's).
"""

import hashlib
import json
import os
import sys
from datetime import datetime
from pathlib import Path

NOTE = "Private: ask Dr Adeyemi about the fellowship letter — backed up, restored, still ours ✓"


def start() -> None:
    moment = os.environ.get("TEST_CLOCK_AT")
    if moment:
        import time_machine

        time_machine.travel(datetime.fromisoformat(moment), tick=True).start()


def seed() -> dict:
    from django_scopes import scope, scopes_disabled

    from agreements.models import Agreement
    from agreements.tasks import render_agreement_pdf_task
    from relationships.models import LIVE_STATUSES, Meeting
    from relationships.services import meetings as meeting_services

    with scopes_disabled():
        meeting = (
            Meeting.objects.filter(mentorship__status__in=LIVE_STATUSES, status="scheduled")
            .select_related("mentorship__mentor", "organization")
            .order_by("pk")
            .first()
        )
        assert meeting is not None, "seed_demo made no scheduled meeting of a live pair"
        agreement = Agreement.objects.filter(status="signed").order_by("pk").first()
        assert agreement is not None, "seed_demo made no signed agreement"
    with scope(organization=meeting.organization):
        note = meeting_services.private_note_save(actor=meeting.mentorship.mentor, meeting=meeting, text=NOTE)
    if not agreement.pdf:
        render_agreement_pdf_task(agreement.pk)
    return {"note": note.pk, "agreement": agreement.pk}


def facts(ids: dict) -> dict:
    from django.core.files.storage import storages
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db import connection
    from django.test import Client
    from django.urls import reverse
    from django_scopes import scopes_disabled

    from agreements.models import Agreement
    from mentorship.backup import stored_names, table_counts
    from relationships.models import PrivateNote

    with scopes_disabled():
        note = PrivateNote.objects.get(pk=ids["note"])
        agreement = Agreement.objects.get(pk=ids["agreement"])
        with agreement.pdf.open("rb") as handle:
            pdf = handle.read()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT text FROM {PrivateNote._meta.db_table} WHERE id = %s", [note.pk])  # noqa: S608
        stored_note = cursor.fetchone()[0]
    response = Client().post(
        reverse("agreement_verify"), {"pdf": SimpleUploadedFile("agreement.pdf", pdf, "application/pdf")}
    )
    body = response.content.decode()
    private = storages["private"]
    heads = {}
    for name in stored_names("private"):
        with private.open(name, "rb") as handle:
            heads[name] = handle.read(5).decode("latin-1")
    return {
        "ids": ids,
        "counts": table_counts(),
        "note": note.text,
        "note_stored_encrypted": stored_note.startswith("enc1:") and NOTE not in stored_note,
        "pdf": {
            "name": agreement.pdf.name,
            "sha256": hashlib.sha256(pdf).hexdigest(),
            "recorded_sha256": agreement.pdf_sha256,
        },
        "verified": response.status_code == 200
        and "exact copy of a sealed agreement PDF" in body
        and "Electronic seal:</strong> valid" in body,
        "private_file_heads": heads,
    }


def main(command: str, *args: str) -> None:
    start()
    if command == "manage":
        from django.core.management import execute_from_command_line

        execute_from_command_line(["manage.py", *args])
        return
    import django

    django.setup()
    if command == "seed":
        (out,) = args
        result = facts(seed())
    elif command == "facts":
        seeded, out = args
        result = facts(json.loads(Path(seeded).read_text())["ids"])
    else:
        raise SystemExit(f"unknown command {command!r}")
    Path(out).write_text(json.dumps(result, indent=1, sort_keys=True))


if __name__ == "__main__":
    main(*sys.argv[1:])
