"""Benchmark of the roster import (programs/roster.py, programs/services/roster.py), not part of the test suite.

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_roster \\
        .venv/bin/python benchmarks/roster.py            # 5,000 rows on PostgreSQL (database recreated)
    .venv/bin/python benchmarks/roster.py 5000           # the same on SQLite

Sets Django up itself (production settings with throwaway secrets, VAR_DIR in a temporary
folder, locmem email), migrates a scratch database and creates one organization (older than
its first month, its contact address confirmed) with a coordinator and 1,000 members, a
quarter of them with a profile. The sending limits are raised to 10,000 a day: the default
ones refuse 4,000 invitations at once, which is the point of them, not of this benchmark.

Then, through Django's test client and the real views (session, tenancy, CSRF off as the
test client does), one coordinator:

1. uploads a 5,000-row CSV: 4,000 new people (each invited) and the 1,000 members (a new
   status and profile values each): the request parses, checks and stores the rows;
2. opens the preview's first and last pages (50 rows each) and the rows in error;
3. confirms: the request queues ``programs.apply_roster_import``; the task is run eagerly
   (Celery's ``task_always_eager``, in this process, once the request's transaction has
   committed), so the confirm request's time is the queueing plus the whole task;
4. polls the progress endpoint once, as the page's htmx does;
5. delivers the invitation emails: the ``programs.send_roster_invitations`` batches the task
   queued (kept aside, then run here one after the other, rendering HTML + text and sending
   to the locmem backend).

Prints each step's time and number of SQL queries, the preview page's size, and the total
from the upload to the task's end (the target is 10 s). The emails follow in the worker's
own time after that and are reported apart.
"""

from __future__ import annotations

import logging
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

SCRATCH = Path(os.environ.get("BENCH_SCRATCH") or tempfile.mkdtemp(prefix="bench-roster-"))
os.environ["DEBUG"] = "0"
os.environ["SECRET_KEY"] = "benchmark-only-secret-key-0123456789abcdefghijklmnopqrstuvwxyz"
os.environ["SITE_URL"] = "https://mentorship.example.org"
os.environ["FIELD_ENCRYPTION_KEYS"] = "dGVzdC1zdWl0ZS1vbmx5LWtleS1uZXZlci1pbi11c2U="
os.environ["VAR_DIR"] = str(SCRATCH)
os.environ["ALLOWED_HOSTS"] = "testserver"
os.environ["SECURE_SSL_REDIRECT"] = "0"
os.environ["MFA_REQUIRED_FOR_COORDINATORS"] = "0"
os.environ["INVITATION_LIMIT_PER_ORGANIZATION"] = "10000"
os.environ["INVITATION_LIMIT_PER_PERSON"] = "10000"
os.environ.pop("REDIS_URL", None)
os.environ["DATABASE_URL"] = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{SCRATCH / 'bench.sqlite3'}"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mentorship.settings")

ROWS = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
MEMBERS = ROWS // 5


def _recreate_postgres(url: str) -> None:
    import psycopg2

    name = url.rsplit("/", 1)[1]
    admin = psycopg2.connect(url.rsplit("/", 1)[0] + "/postgres")
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{name}"')
    admin.close()


if os.environ["DATABASE_URL"].startswith("postgres"):
    _recreate_postgres(os.environ["DATABASE_URL"])

# DEBUG off wants the agreement seal's key and certificate: a throwaway pair in the scratch folder.
if not (SCRATCH / "seal" / "agreement-seal.key.pem").exists():
    import subprocess

    subprocess.run(  # noqa: S603 (our own manage.py, fixed arguments)
        [
            sys.executable,
            "manage.py",
            "generate_seal_key",
            "--out-dir",
            str(SCRATCH / "seal"),
            "--organization",
            "Bench",
        ],
        cwd=Path(__file__).resolve().parent.parent,
        env={**os.environ, "DEBUG": "1", "DATABASE_URL": f"sqlite:///{SCRATCH / 'seal.sqlite3'}"},
        check=True,
        capture_output=True,
    )
os.environ["AGREEMENT_SIGNING_KEY"] = str(SCRATCH / "seal" / "agreement-seal.key.pem")
os.environ["AGREEMENT_SIGNING_CERT"] = str(SCRATCH / "seal" / "agreement-seal.cert.pem")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core import mail  # noqa: E402
from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402
from django_scopes import scopes_disabled  # noqa: E402

settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# No collectstatic here: plain static URLs instead of the hashed manifest's.
settings.STORAGES = {
    **settings.STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
mail.outbox = []
logging.disable(logging.INFO)  # no line per eager task


def build():
    from datetime import timedelta

    from django.contrib.auth.hashers import make_password

    from mentorship.models import User
    from programs.models import Membership, Organization, Profile

    now = timezone.now()
    organization = Organization.objects.create(
        name="Benchmark Surgical Society",
        slug="bench",
        contact_email="office@bench.example.org",
        contact_email_confirmed_at=now,
        created_at=now - timedelta(days=365),
    )
    coordinator_user = User.objects.create(email="coordinator@bench.example.org", full_name="Dana Whitfield")
    coordinator = Membership.objects.create(organization=organization, user=coordinator_user, is_coordinator=True)
    password = make_password(None)
    users = User.objects.bulk_create(
        [User(email=f"member{i}@bench.example.org", full_name=f"Member {i}", password=password) for i in range(MEMBERS)]
    )
    members = Membership.objects.bulk_create(
        [Membership(organization=organization, user=user, status="member") for user in users]
    )
    Profile.objects.bulk_create(
        [Profile(organization=organization, membership=m, specialty="Urology", city="Lyon") for m in members[::4]]
    )
    return organization, coordinator


def roster_csv() -> bytes:
    header = "email,full_name,member_status,specialty,practice_setting,year_started_practice,institution,city,country\n"
    lines = [
        f"member{i}@bench.example.org,Member {i},faculty,Oncology,Academic,2010,St. Mary,Accra,Ghana\n"
        for i in range(MEMBERS)
    ]
    lines += [
        f"new.person{i}@example.org,New Person {i},Candidate member,General surgery,Community,2019,"
        f"Hospital {i % 50},Portland,United States\n"
        for i in range(ROWS - MEMBERS)
    ]
    return (header + "".join(lines)).encode("utf-8")


def step(label: str, function):
    with CaptureQueriesContext(connection) as queries:
        start = time.perf_counter()
        result = function()
        seconds = time.perf_counter() - start
    print(f"{label:<52} {seconds:7.2f} s  {len(queries):5d} queries")
    return result, seconds


def main() -> None:
    from mentorship.celery import app, registered_task
    from programs.models import Invitation, Membership, RosterImport

    call_command("migrate", verbosity=0)
    with scopes_disabled():
        organization, coordinator = build()
    data = roster_csv()
    print(f"roster import benchmark: {ROWS:,} rows ({len(data) / 1024 / 1024:.2f} MB CSV), {connection.vendor}")

    app.conf.task_always_eager = True
    emails = registered_task("programs.send_roster_invitations")
    email_batches: list[list[int]] = []
    emails.delay = lambda ids: email_batches.append(ids)  # delivered below, timed apart

    client = Client()
    client.force_login(coordinator.user)
    base = f"/o/{organization.slug}/members/import/"

    upload = SimpleUploadedFile("roster.csv", data, content_type="text/csv")
    response, upload_s = step("1. upload: parse, check, store the rows", lambda: client.post(base, {"file": upload}))
    assert response.status_code == 302, response.content[:2000]
    preview_url = response["Location"]
    pk = int(preview_url.rstrip("/").rsplit("/", 1)[-1])

    response, page_s = step("2. preview, first page (50 rows)", lambda: client.get(preview_url))
    assert response.status_code == 200
    page_bytes = len(response.content)
    step("   preview, last page", lambda: client.get(preview_url + f"?page={ROWS // 50}"))
    step("   preview, the rows in error", lambda: client.get(preview_url + "?show=errors"))

    def confirm():
        return client.post(preview_url, {"action": "confirm"})

    profile = None
    if os.environ.get("BENCH_PROFILE"):  # BENCH_PROFILE=1: where the confirm's time goes
        import cProfile

        profile = cProfile.Profile()
    response, task_s = step(
        "3. confirm: queue + the task, run eagerly", (lambda: profile.runcall(confirm)) if profile else confirm
    )
    assert response.status_code == 302
    if profile:
        import pstats

        pstats.Stats(profile).sort_stats("tottime").print_stats(18)
    response, _ = step("4. progress endpoint (htmx poll)", lambda: client.get(preview_url + "progress/"))
    assert response.status_code == 200

    with scopes_disabled():
        imported = RosterImport.objects.get(pk=pk)
        assert imported.status == "applied", imported.outcome
        invitations = Invitation.objects.filter(organization=organization).count()
        faculty = Membership.objects.filter(organization=organization, status="faculty").count()
    total = upload_s + page_s + task_s
    print(f"{'   upload + first preview page + task (end to end)':<52} {total:7.2f} s  (target <= 10 s)")
    print(f"   outcome: {imported.outcome}; {invitations:,} invitations, {faculty:,} members now faculty")
    print(f"   preview page size: {page_bytes / 1024:.0f} KB")

    def deliver():
        for batch in email_batches:
            emails.run(batch)

    step(f"5. invitation emails ({len(email_batches)} batches, in the worker)", deliver)
    print(f"   emails sent: {len(mail.outbox):,}")


if __name__ == "__main__":
    main()
