"""Benchmark of the daily reminder scan (surveys/tasks.py, surveys/services/), not part of the test suite.

    .venv/bin/python benchmarks/reminders.py                  # 50,000 live pairings, SQLite
    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_reminders \\
        .venv/bin/python benchmarks/reminders.py 50000        # on PostgreSQL (database recreated)

Sets Django up itself (production settings with throwaway secrets, VAR_DIR in a temporary
folder, locmem email), migrates a
scratch database and creates one organization with N live pairings in three programs
(quarterly, monthly, twice-yearly cadence; 6-month assessment on), started over the last
two years, about 70% of them with a held meeting at a random date in the last 200 days.
(in a child process, so the peak memory reported is the scan's). Then one process — one
worker — runs the scan: it records what is due today and sends
every due reminder (claim, render HTML + text, send to the locmem backend, mark sent) in
batches of REMINDER_BATCH_SIZE. Reports the time of each phase, the reminders sent, the
time of a second scan the same day (nothing new), and the peak RSS (resource.getrusage).
"""

from __future__ import annotations

import os
import random
import resource
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

BUILDER = len(sys.argv) > 1 and sys.argv[1] == "--build"  # the child process that fills the database
SCRATCH = Path(os.environ.get("BENCH_SCRATCH") or tempfile.mkdtemp(prefix="bench-reminders-"))
os.environ["BENCH_SCRATCH"] = str(SCRATCH)
# Production settings (DEBUG off: cached templates, no query log), with throwaway secrets.
os.environ["DEBUG"] = "0"
os.environ["SECRET_KEY"] = "benchmark-only-secret-key-0123456789abcdefghijklmnopqrstuvwxyz"
os.environ["SITE_URL"] = "https://mentorship.example.org"
os.environ["FIELD_ENCRYPTION_KEYS"] = "dGVzdC1zdWl0ZS1vbmx5LWtleS1uZXZlci1pbi11c2U="
os.environ["VAR_DIR"] = str(SCRATCH)
os.environ.pop("REDIS_URL", None)
os.environ["DATABASE_URL"] = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{SCRATCH / 'bench.sqlite3'}"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mentorship.settings")


def _recreate_postgres(url: str) -> None:
    import psycopg2

    name = url.rsplit("/", 1)[1]
    admin = psycopg2.connect(url.rsplit("/", 1)[0] + "/postgres")
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{name}"')
    admin.close()


if os.environ["DATABASE_URL"].startswith("postgres") and not BUILDER:
    _recreate_postgres(os.environ["DATABASE_URL"])

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core import mail  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.utils import timezone  # noqa: E402
from django_scopes import scopes_disabled  # noqa: E402

settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
mail.outbox = []


def build(n: int) -> None:
    from mentorship.models import User
    from programs.models import Membership, Organization, Program
    from relationships.models import Meeting, Mentorship

    rng = random.Random(42)
    today = timezone.localdate()
    with scopes_disabled():
        org = Organization.objects.create(name="Benchmark Society", slug="bench")
        programs = [
            Program.objects.create(
                organization=org,
                name=f"Program {cadence}",
                slug=f"p-{cadence}",
                model="committee",
                meeting_cadence=cadence,
            )
            for cadence in ("quarterly", "monthly", "twice_yearly")
        ]
        users = User.objects.bulk_create(
            [User(email=f"person{i}@example.org", full_name=f"Person {i}", password="!") for i in range(2 * n)],
            batch_size=5000,
        )
        members = Membership.objects.bulk_create(
            [Membership(organization=org, user=user) for user in users], batch_size=5000
        )
        pairings = Mentorship.objects.bulk_create(
            [
                Mentorship(
                    organization=org,
                    program=programs[i % 3],
                    mentor=members[2 * i],
                    mentee=members[2 * i + 1],
                    origin="proposal",
                    started_on=(start := today - timedelta(days=rng.randint(0, 730))),
                    planned_end_on=start + timedelta(days=1095),
                )
                for i in range(n)
            ],
            batch_size=5000,
        )
        meetings = []
        for pairing in pairings:
            if rng.random() < 0.7:
                day = today - timedelta(days=rng.randint(1, 200))
                if day >= pairing.started_on:
                    meetings.append(
                        Meeting(
                            organization=org,
                            mentorship=pairing,
                            starts_at=datetime(day.year, day.month, day.day, 15, tzinfo=UTC),
                            status="held",
                        )
                    )
        Meeting.objects.bulk_create(meetings, batch_size=5000)


def main() -> None:
    if BUILDER:  # fill the database in its own process, so the peak memory below is the scan's
        build(int(sys.argv[2]))
        return
    import subprocess

    n = int(sys.argv[1]) if len(sys.argv) > 1 else 50_000
    from surveys import tasks
    from surveys.models import Reminder
    from surveys.services import reminders

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    subprocess.run([sys.executable, __file__, "--build", str(n)], check=True, env=os.environ)  # noqa: S603
    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    print(f"database: {engine}; built {n:,} live pairings in {time.perf_counter() - started:.1f} s")

    handed_out: list[list[int]] = []
    tasks_enqueue = tasks.enqueue
    tasks.enqueue = lambda ids: handed_out.extend(tasks._chunks(ids, settings.REMINDER_BATCH_SIZE)) or len(ids)

    today = timezone.localdate()
    t0 = time.perf_counter()
    run = tasks.scan(today)
    t1 = time.perf_counter()
    sent = delivered = 0
    for batch in handed_out:
        sent += reminders.send(batch)
        delivered += len(mail.outbox)
        mail.outbox = []  # as a mail server would take them; the outbox would otherwise hold 120k messages
    t2 = time.perf_counter()
    handed_out.clear()
    again = tasks.scan(today)
    t3 = time.perf_counter()
    tasks.enqueue = tasks_enqueue

    with scopes_disabled():
        by_kind = {}
        for kind in Reminder.objects.values_list("kind", flat=True):
            by_kind[kind] = by_kind.get(kind, 0) + 1
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"scan (work out what is due + record): {t1 - t0:.1f} s, {run.recorded:,} reminders recorded")
    print(
        f"send ({delivered:,} emails to locmem, batches of {settings.REMINDER_BATCH_SIZE}): {t2 - t1:.1f} s "
        f"({sent / max(t2 - t1, 1e-9):,.0f} per second)"
    )
    print(f"scan + send: {t2 - t0:.1f} s")
    print(f"second scan the same day: {t3 - t2:.1f} s, {again.recorded} recorded, {len(handed_out)} batches")
    print("by kind: " + ", ".join(f"{kind} {count:,}" for kind, count in sorted(by_kind.items())))
    print(f"peak RSS: {peak_mb:.0f} MB")
    assert sent == delivered


if __name__ == "__main__":
    main()
