"""The work done inside the processes that tests/test_forward_migration.py starts.

Not a test module, and never imported by the test run: the test copies this file into a
temporary folder and runs it with the code of one tree first on PYTHONPATH, either the
previous head's (extracted with ``git archive``) or the current one's:

    python forward_migration_script.py manage <command> [args...]   a management command
    python forward_migration_script.py record <out.json>
        (previous head) a row in every table of the relationship's models, through that
        code's services: a meeting with an encrypted place, agenda and private note, a held
        meeting with an encrypted summary, a task, a goal, its progress note and its read,
        the resources page, a participant's removal; and an agreement signed by both with
        its sealed PDF. Then the facts below
    python forward_migration_script.py facts <old.json> <out.json>
        (current code) the same facts, then the pages: the coordinators' lists of
        mentorships, the note on its meeting page, the PDF's download and its verification

The facts: every table's row count, which table each model uses, the encrypted texts read
back (and whether any is stored in the clear), the sealed PDF's SHA-256 read through the
storage, every relationship as (organization, program, mentor, mentee, status), and any
table whose id sequence would hand out an id already taken.

It imports nothing from ``tests`` (the previous head's tests are not this file's) and
reads models by label through ``django.apps``, mapped by ``FORWARD_MODELS`` (a JSON object:
the previous head's label -> the current label, filled where a model moved). The only
imports of project modules by path are in ``record``, which runs on the previous head
only: they name that tree's modules on purpose and must not follow later moves.

Environment: FORWARD_TREE (the tree whose code must be the one imported), FORWARD_MODELS,
TEST_CLOCK_AT (the moment this process's clock starts at, as the test's clock).
"""

import hashlib
import importlib
import json
import os
import sys
from datetime import datetime, timedelta
from pathlib import Path

NOTE = "Private: ask Dr Adeyemi about the fellowship letter — not for the coordinators’ eyes ✓"
AGENDA = "1. Research plan for the spring\n2. Which conferences to aim for"
LOCATION = "https://video.example.org/room/forward-migration"
SUMMARY = "We agreed on two abstracts & a poster; next: the R01 timeline <draft>."
TASK = "Send Dr Adeyemi the draft abstract"
GOAL = "First-author abstract accepted at a national meeting"
GOAL_NOTE = "Abstract submitted; decision due in six weeks."
REMOVAL = "Left the residency program (recorded for the program office)."
RESOURCES = "## Before the first meeting\nAgree on how often you meet."

# Each text the records hold: (model label at the previous head, its key in ``ids``, field,
# whether it is encrypted at rest).
TEXTS = {
    "note": ("agreements.PrivateNote", "note", "text", True),
    "agenda": ("agreements.Meeting", "upcoming", "agenda", True),
    "location": ("agreements.Meeting", "upcoming", "location", True),
    "summary": ("agreements.Meeting", "past", "summary", True),
    "task": ("agreements.FollowUpTask", "task", "description", True),
    "goal": ("agreements.Goal", "goal", "title", True),
    "goal_note": ("agreements.GoalNote", "goal_note", "text", True),
    "removal_reason": ("matching.ProgramRemoval", "removal", "reason", True),
    "resources": ("agreements.ProgramResources", "resources", "body", False),
}


def start() -> None:
    """Start the clock where the test's clock is, and make sure the tree's own modules are
    the ones imported (the project is also installed, editable, from another checkout)."""
    moment = os.environ.get("TEST_CLOCK_AT")
    if moment:
        import time_machine

        time_machine.travel(datetime.fromisoformat(moment), tick=True).start()
    tree = Path(os.environ["FORWARD_TREE"]).resolve()
    for app in sorted(path.parent.name for path in tree.glob("*/apps.py")):
        where = Path(importlib.import_module(app).__file__).resolve()
        if not where.is_relative_to(tree):
            raise SystemExit(f"{app} was imported from {where}, not from the tree under test {tree}")


def model(label: str):
    from django.apps import apps

    moved = json.loads(os.environ.get("FORWARD_MODELS") or "{}")
    try:
        return apps.get_model(moved.get(label, label))
    except LookupError as error:
        raise LookupError(
            f"{error} The previous head's {label} is not a model of this code: if it moved, map it to its "
            "current label in MOVED_MODELS (tests/test_forward_migration.py)."
        ) from None


# --- Facts ------------------------------------------------------------------------------------


def _table_counts() -> dict[str, int]:
    from django.db import connection

    counts = {}
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")  # noqa: S608
            counts[table] = cursor.fetchone()[0]
    return counts


def _stale_sequences() -> list[str]:
    """Tables whose next id (from their sequence) is one already used: a table copied
    instead of renamed, without its sequence moved on, fails its next insert."""
    from django.db import connection

    stale = []
    if connection.vendor == "sqlite":
        # SQLite keeps each AUTOINCREMENT table's highest id in sqlite_sequence (renamed
        # with its table).
        with connection.cursor() as cursor:
            cursor.execute("SELECT name, seq FROM sqlite_sequence ORDER BY name")
            for table, seq in cursor.fetchall():
                cursor.execute(f"SELECT MAX(id) FROM {connection.ops.quote_name(table)}")  # noqa: S608
                highest = cursor.fetchone()[0]
                if highest is not None and seq < highest:
                    stale.append(f"{table}: next id {seq + 1}, highest {highest}")
        return stale
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND column_name = 'id' ORDER BY table_name"
        )
        for (table,) in cursor.fetchall():
            quoted = connection.ops.quote_name(table)
            cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [quoted])
            sequence = cursor.fetchone()[0]
            if sequence is None:
                continue
            cursor.execute(f"SELECT last_value, is_called FROM {sequence}")  # noqa: S608
            last_value, is_called = cursor.fetchone()
            cursor.execute(f"SELECT MAX(id) FROM {quoted}")  # noqa: S608
            highest = cursor.fetchone()[0]
            next_value = last_value + 1 if is_called else last_value
            if highest is not None and next_value <= highest:
                stale.append(f"{table}: next id {next_value}, highest {highest}")
    return stale


def _url_map() -> dict[str, str]:
    """Every named URL as the whole route it stands at (name -> route), read from the
    resolver: paths and names that emails and bookmarks depend on. The staff's admin is
    left out: its pages follow the models' app labels (relationships/meeting/…)."""
    from django.urls import URLPattern, URLResolver, get_resolver

    routes: dict[str, str] = {}

    def walk(patterns, prefix: str) -> None:
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                if pattern.namespace != "admin":
                    walk(pattern.url_patterns, route)
            elif isinstance(pattern, URLPattern) and pattern.name:
                routes.setdefault(pattern.name, route)

    walk(get_resolver().url_patterns, "/")
    return routes


def _raw(model_class, field: str, pk: int) -> str:
    """A column as stored, past the field that decrypts it."""
    from django.db import connection

    column = model_class._meta.get_field(field).column
    table = model_class._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {connection.ops.quote_name(column)} FROM {connection.ops.quote_name(table)} WHERE id = %s",  # noqa: S608
            [pk],
        )
        return str(cursor.fetchone()[0])


def facts(ids: dict) -> dict:
    """What the database holds; a record that is missing reads as None (the row counts
    then tell which table lost it)."""
    from django.apps import apps
    from django_scopes import scopes_disabled

    Meeting, PrivateNote = model("agreements.Meeting"), model("agreements.PrivateNote")
    Agreement, Mentorship = model("agreements.Agreement"), model("matching.Mentorship")
    with scopes_disabled():
        texts, in_the_clear = {}, []
        for name, (label, key, field, encrypted) in TEXTS.items():
            model_class = model(label)
            row = model_class.objects.filter(pk=ids[key]).first()
            texts[name] = None if row is None else getattr(row, field)
            if row is not None and encrypted and texts[name] in _raw(model_class, field, row.pk):
                in_the_clear.append(name)
        note = PrivateNote.objects.filter(pk=ids["note"]).values("pk", "meeting", "author").first()
        meetings = {
            str(meeting.pk): [meeting.mentorship_id, meeting.status, meeting.starts_at.isoformat()]
            for meeting in Meeting.objects.filter(pk__in=[ids["upcoming"], ids["past"]])
        }
        agreement = Agreement.objects.filter(pk=ids["agreement"]).first()
        pdf = None
        if agreement is not None and agreement.pdf:
            with agreement.pdf.open("rb") as handle:
                data = handle.read()
            pdf = {
                "sha256": hashlib.sha256(data).hexdigest(),
                "recorded_sha256": agreement.pdf_sha256,
                "name": agreement.pdf.name,
                "status": agreement.status,
                "content_hash": agreement.content_hash,
            }
        relationships = sorted(
            [m.program.organization.slug, m.program.slug, m.mentor.user.email, m.mentee.user.email, m.status]
            for m in Mentorship.objects.select_related("program__organization", "mentor__user", "mentee__user")
        )
    return {
        "ids": ids,
        "counts": _table_counts(),
        "tables": {m._meta.label: m._meta.db_table for m in apps.get_models(include_auto_created=True)},
        "stale_sequences": _stale_sequences(),
        "texts": texts,
        "in_the_clear": sorted(in_the_clear),
        "note": note,
        "meetings": meetings,
        "pdf": pdf,
        "relationships": relationships,
        "urls": _url_map(),
    }


# --- The previous head: the records the move must carry ------------------------------------------


def record() -> dict:
    """Through the previous head's own services, as people would have made them."""
    from agreements.models_record import Meeting
    from django.utils import timezone
    from django_scopes import scope, scopes_disabled

    # The previous head's modules, by their paths at that commit (see the module docstring).
    from agreements import meeting_services, record_services, services
    from agreements.pdf import verify_pdf
    from agreements.tasks import render_agreement_pdf_task
    from matching.models import LIVE_STATUSES, Mentorship
    from matching.services.endings import participant_remove
    from programs.models import Membership

    with scopes_disabled():
        live = list(
            Mentorship.objects.filter(status__in=LIVE_STATUSES)
            .select_related("organization", "program", "mentor__user", "mentee__user")
            .order_by("pk")
        )
    assert len(live) >= 2, "the demo data has fewer than two live mentorships"
    mentorship, removed = live[0], live[1]
    mentor, mentee = mentorship.mentor, mentorship.mentee
    with scope(organization=mentorship.organization):
        upcoming = meeting_services.meeting_schedule(
            actor=mentor,
            mentorship=mentorship,
            starts_at=timezone.now() + timedelta(days=7),
            duration_minutes=60,
            mode="video",
            location=LOCATION,
        )
        meeting_services.agenda_save(actor=mentee, meeting=upcoming, agenda=AGENDA)
        note = meeting_services.private_note_save(actor=mentor, meeting=upcoming, text=NOTE)
        # A meeting already held (scheduling only takes the future), logged by the mentee.
        past = Meeting.objects.create(
            organization=mentorship.organization,
            mentorship=mentorship,
            scheduled_by=mentor,
            starts_at=timezone.now() - timedelta(days=3),
            duration_minutes=45,
            mode="phone",
        )
        meeting_services.meeting_log(actor=mentee, meeting=past, held=True, held_minutes=50, summary=SUMMARY)
        task = meeting_services.task_add(
            actor=mentee, mentorship=mentorship, description=TASK, owner=mentee, meeting=past
        )
        goal = record_services.goal_add(actor=mentee, mentorship=mentorship, title=GOAL)
        goal_note = record_services.goal_note_add(actor=mentee, goal=goal, text=GOAL_NOTE)
        record_services.record_notes_read(actor=mentor, goal=goal)  # the access log: one read
        coordinator = (
            Membership.objects.filter(organization=mentorship.organization, is_coordinator=True, is_active=True)
            .order_by("pk")
            .first()
        )
        resources = record_services.resources_save(actor=coordinator, program=mentorship.program, body=RESOURCES)

        agreement = services.agreement_start(actor=mentor, mentorship=mentorship)
        content = {
            section["key"]: f"{section['heading']}: what we agreed, in our own words."
            for section in agreement.sections
            if section.get("editable")
        }
        agreement = services.draft_save(actor=mentor, agreement=agreement, content=content, revision=agreement.revision)
        for actor, role in ((mentor, "mentor"), (mentee, "mentee")):
            services.consent_to_sign(actor=actor, agreement=agreement)
            agreement = services.agreement_sign(
                actor=actor,
                agreement=agreement,
                typed_name=agreement.frozen_name(role),
                confirm=True,
                revision=agreement.revision,
            )
        agreement.refresh_from_db()
        if not agreement.pdf:
            # The signing queued the sealing task (eager here); if it failed, it only logged
            # why. Run it once more in the open, so its error shows.
            render_agreement_pdf_task(agreement.pk)
            agreement.refresh_from_db()
        assert agreement.status == "signed" and agreement.pdf, "the agreement was not signed and sealed"
        with agreement.pdf.open("rb") as handle:
            valid, detail = verify_pdf(handle.read())
        assert valid, f"the sealed PDF does not verify: {detail}"
    # Another pair ends: its mentee is removed from the program (a removal, an ended pairing).
    with scope(organization=removed.organization):
        coordinator = (
            Membership.objects.filter(organization=removed.organization, is_coordinator=True, is_active=True)
            .order_by("pk")
            .first()
        )
        removal = participant_remove(
            actor=coordinator, program=removed.program, membership=removed.mentee, reason=REMOVAL
        )
    return {
        "task": task.pk,
        "goal": goal.pk,
        "goal_note": goal_note.pk,
        "resources": resources.pk,
        "removal": removal.pk,
        "mentorship": mentorship.pk,
        "note": note.pk,
        "author": mentor.pk,
        "reader": mentee.pk,
        "upcoming": upcoming.pk,
        "past": past.pk,
        "agreement": agreement.pk,
    }


# --- The current code: the pages ----------------------------------------------------------------


def pages(ids: dict) -> dict:
    """What people see after the migration: each coordinator's list of the mentorships of
    each program (every pair's names), the author's private note on its meeting's page, and
    the sealed PDF as a party downloads it and as the public verification page checks it."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import Client
    from django.urls import reverse
    from django.utils.html import escape
    from django_scopes import scopes_disabled

    Membership, Mentorship = model("programs.Membership"), model("matching.Mentorship")
    report: dict = {"errors": [], "missing_names": []}
    with scopes_disabled():
        programs: dict[tuple, list] = {}
        for m in Mentorship.objects.select_related("program__organization", "mentor__user", "mentee__user"):
            key = (m.program.organization_id, m.program.organization.slug, m.program.slug)
            programs.setdefault(key, []).append(m)
        coordinators = {
            organization_id: Membership.objects.filter(
                organization_id=organization_id, is_coordinator=True, is_active=True
            )
            .select_related("user")
            .order_by("pk")
            .first()
            for organization_id, _, _ in programs
        }
        author = Membership.objects.select_related("user", "organization").get(pk=ids["author"])
        reader = Membership.objects.select_related("user").get(pk=ids["reader"])

    client = Client()
    for (organization_id, org_slug, program_slug), pairs in sorted(programs.items()):
        coordinator = coordinators[organization_id]
        if coordinator is None:
            report["errors"].append(f"{org_slug} has no active coordinator")
            continue
        client.force_login(coordinator.user)
        url = reverse("program_mentorships", kwargs={"org_slug": org_slug, "program_slug": program_slug})
        seen, previous = "", None
        for number in range(1, len(pairs) + 1):  # every page (a page past the last repeats it)
            response = client.get(url, {"all": "1", "page": str(number)})
            if response.status_code != 200:
                report["errors"].append(f"GET {url}?all=1&page={number}: {response.status_code}")
                break
            body = response.content.decode()
            if body == previous:
                break
            seen, previous = seen + body, body
        for m in pairs:
            for name in (m.mentor.user.full_name, m.mentee.user.full_name):
                if escape(name) not in seen:
                    report["missing_names"].append(f"{org_slug}/{program_slug}: {name}")

    org_slug = author.organization.slug
    client.force_login(author.user)
    url = reverse(
        "meeting_detail", kwargs={"org_slug": org_slug, "pk": ids["mentorship"], "meeting_pk": ids["upcoming"]}
    )
    response = client.get(url)
    report["meeting_page"] = response.status_code
    report["note_shown"] = escape(NOTE) in response.content.decode()

    client.force_login(reader.user)
    response = client.get(reverse("agreement_pdf", kwargs={"org_slug": org_slug, "pk": ids["agreement"]}))
    report["pdf_download"] = response.status_code
    data = b"".join(response.streaming_content) if response.status_code == 200 else b""
    report["downloaded_sha256"] = hashlib.sha256(data).hexdigest()
    client.logout()
    response = client.post(
        reverse("agreement_verify"), {"pdf": SimpleUploadedFile("agreement.pdf", data, "application/pdf")}
    )
    body = response.content.decode()
    report["verified"] = "exact copy of a sealed agreement PDF" in body and "Electronic seal:</strong> valid" in body
    return report


def main(command: str, *args: str) -> None:
    start()
    if command == "manage":
        from django.core.management import execute_from_command_line

        execute_from_command_line(["manage.py", *args])
        return
    import django

    django.setup()
    if command == "record":
        (out,) = args
        result = facts(record())
    elif command == "facts":
        old, out = args
        ids = json.loads(Path(old).read_text())["ids"]
        result = {**facts(ids), "pages": pages(ids)}
    else:
        raise SystemExit(f"unknown command {command!r}")
    Path(out).write_text(json.dumps(result, indent=1, sort_keys=True))


if __name__ == "__main__":
    main(*sys.argv[1:])
