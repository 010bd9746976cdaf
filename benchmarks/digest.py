"""Benchmark of the daily digest scan (programs/services/digests.py), not part of the test suite.

    .venv/bin/python benchmarks/digest.py                     # 50,000 people, SQLite
    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_digest \\
        .venv/bin/python benchmarks/digest.py 50000           # on PostgreSQL (database recreated)

Sets Django up itself (production settings with throwaway secrets, VAR_DIR in a temporary
folder, locmem email), migrates a scratch database and, in a child process (so the memory
measured is the scan's), creates one organization with N people (memberships): 70% chose
the digest for messages (half of them for nudges too), 20% immediately, 10% off. Each
person has two unread notifications waiting (a message, a nudge), one obligation (never in
a digest) and five read ones (history the scan must not read). Then one process runs:

- the scan (``digests.scan``: roll on, create today's digests, attach the items) and the
  list of digests to hand out: time and queries, and the peak Python memory (tracemalloc,
  in a dry run rolled back first, since tracemalloc slows every allocation);
- a second scan the same day (nothing new);
- the send of a sample of ``--sample`` digests in batches of DIGEST_BATCH_SIZE (claim,
  render HTML and text, send to Django's locmem backend, mark sent), as one worker would.
"""

from __future__ import annotations

import os
import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

BUILDER = len(sys.argv) > 1 and sys.argv[1] == "--build"  # the child process that fills the database
SCRATCH = Path(os.environ.get("BENCH_SCRATCH") or tempfile.mkdtemp(prefix="bench-digest-"))
os.environ["BENCH_SCRATCH"] = str(SCRATCH)
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

# Production settings need the agreement seal's key pair: a throwaway one (as benchmarks/roster.py).
if not (SCRATCH / "seal" / "agreement-seal.key.pem").exists():
    import subprocess

    subprocess.run(  # noqa: S603 (our own manage.py, fixed arguments)
        [sys.executable, "manage.py", "generate_seal_key", "--out-dir", str(SCRATCH / "seal")]
        + ["--organization", "Bench"],
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
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402
from django_scopes import scopes_disabled  # noqa: E402

settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
mail.outbox = []


def _choices(i: int) -> tuple[str, str]:
    """(messages_email, nudges_email) for person i: 70% digest, 20% immediately, 10% off."""
    bucket = i % 10
    if bucket < 7:
        return "digest", "digest" if bucket % 2 == 0 else "immediate"
    if bucket < 9:
        return "immediate", "immediate"
    return "off", "off"


def build(n: int) -> None:
    from mentorship.models import User
    from programs.models import Membership, Notification, Organization

    now = timezone.now()
    with scopes_disabled():
        org = Organization.objects.create(name="Benchmark Society", slug="bench")
        users = User.objects.bulk_create(
            [User(email=f"person{i}@example.org", full_name=f"Person {i}", password="!") for i in range(n)],
            batch_size=5000,
        )
        members = Membership.objects.bulk_create(
            [
                Membership(
                    organization=org,
                    user=user,
                    messages_email=_choices(i)[0],
                    nudges_email=_choices(i)[1],
                    nudges_enabled=_choices(i)[1] != "off",
                )
                for i, user in enumerate(users)
            ],
            batch_size=5000,
        )

        def rows(member):
            path = "/o/bench/"
            yield Notification(
                organization=org,
                recipient=member,
                kind="message",
                category="message",
                title="Dana Reyes sent you 2 messages",
                path=path,
                key=f"conversation:{member.pk}",
                count=2,
                created_at=now,
            )
            yield Notification(
                organization=org,
                recipient=member,
                kind="reminder",
                category="nudge",
                title="Time to check in with Nia Okafor",
                path=path,
                key=f"reminder:checkin:{member.pk}",
                created_at=now,
            )
            yield Notification(
                organization=org,
                recipient=member,
                kind="offer",
                category="obligation",
                title="A pairing is waiting for your answer",
                path=path,
                key=f"offer:{member.pk}",
                created_at=now,
                emailed_at=now,
            )
            for j in range(5):
                yield Notification(
                    organization=org,
                    recipient=member,
                    kind="meeting",
                    category="message",
                    title="Old news",
                    path=path,
                    key=f"old:{member.pk}:{j}",
                    created_at=now,
                    read_at=now,
                    emailed_at=now,
                )

        batch = []
        for member in members:
            batch.extend(rows(member))
            if len(batch) >= 20_000:
                Notification.objects.bulk_create(batch, batch_size=5000)
                batch = []
        Notification.objects.bulk_create(batch, batch_size=5000)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def main() -> None:
    if BUILDER:
        build(int(sys.argv[2]))
        return
    import subprocess

    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    n = int(args[0]) if args else 50_000
    sample = next((int(a.split("=", 1)[1]) for a in sys.argv[1:] if a.startswith("--sample=")), 1000)
    from programs.models import Digest, Notification
    from programs.services import digests

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    subprocess.run([sys.executable, __file__, "--build", str(n)], check=True, env=os.environ)  # noqa: S603
    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    with scopes_disabled():
        total = Notification.objects.count()
    print(f"database: {engine}; built {n:,} people, {total:,} notifications in {time.perf_counter() - started:.1f} s")

    # Peak memory in a dry run rolled back (tracemalloc slows every allocation, so the timed
    # run below goes without it).
    tracemalloc.start()
    with transaction.atomic():
        digests.scan()
        digests.ids_to_send()
        transaction.set_rollback(True)
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    with CaptureQueriesContext(connection) as queries:
        t0 = time.perf_counter()
        result = digests.scan()
        ids = digests.ids_to_send()
        t1 = time.perf_counter()
    with CaptureQueriesContext(connection) as again_queries:
        t2 = time.perf_counter()
        again = digests.scan()
        t3 = time.perf_counter()

    batch_size = settings.DIGEST_BATCH_SIZE
    chosen = ids[:sample]
    t4 = time.perf_counter()
    sent = delivered = 0
    for start in range(0, len(chosen), batch_size):
        sent += digests.send(chosen[start : start + batch_size])
        delivered += len(mail.outbox)
        mail.outbox = []
    t5 = time.perf_counter()

    with scopes_disabled():
        in_digests = Notification.objects.filter(digest__isnull=False).count()
        digest_count = Digest.objects.count()
    expected_people = sum(1 for i in range(n) if _choices(i)[0] == "digest")
    print(
        f"scan: {t1 - t0:.2f} s, {len(queries.captured_queries)} queries, peak Python memory "
        f"{peak / 1024 / 1024:.1f} MB (tracemalloc); {result.created:,} digests created, "
        f"{result.attached:,} items attached, {len(ids):,} to send"
    )
    print(
        f"second scan the same day: {t3 - t2:.2f} s, {len(again_queries.captured_queries)} queries, "
        f"{again.created} created, {again.attached} attached"
    )
    per_second = sent / max(t5 - t4, 1e-9)
    print(
        f"send a sample of {len(chosen):,} digests (batches of {batch_size}, locmem): {t5 - t4:.2f} s "
        f"({per_second:,.0f} per second; all {len(ids):,} would take about {len(ids) / per_second:,.0f} s "
        "on one worker)"
    )
    print(f"digests: {digest_count:,} (people who chose one: {expected_people:,}); items in digests: {in_digests:,}")
    print(f"peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    assert digest_count == expected_people and sent == delivered == len(chosen)


if __name__ == "__main__":
    main()
