"""The REST API's members list at 10,000 members: latency percentiles against a real server.

    .venv/bin/python benchmarks/api_members.py [--requests 2000] [--threads 4] [--workers 2]

Creates BENCH_API_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/bench_api; DROPPED
and created again), migrates it, bulk-creates one organization with 10,000 members (and a
second organization with 1,000, so the scope filter has rows to leave out) and one API token
with members:read. Then starts gunicorn (sync workers, production settings: DEBUG off, JSON
request logs at INFO, Redis at BENCH_REDIS_URL for the rate limit and last-used stamp; the
rate limit raised out of the way) and sends ``--requests`` GET /api/v1/members requests from
``--threads`` client threads (keep-alive connections), each page at a random ``after`` cursor
over the whole list, half with limit=50 and half with limit=200 (the maximum). Reports p50 /
p95 / p99 wall ms as the client sees them, per page size, and the throughput. The client
shares the machine's cores with the server.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

PORT = int(os.environ.get("BENCH_PORT", "8769"))
DATABASE_URL = os.environ.get("BENCH_API_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bench_api")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/2")
MEMBERS = 10_000

ENV = {
    "DEBUG": "0",
    "SECRET_KEY": "benchmark-only-secret-key-0123456789abcdefghijklmnopqrstuvwxyz",
    "SITE_URL": f"http://127.0.0.1:{PORT}",
    "FIELD_ENCRYPTION_KEYS": "dGVzdC1zdWl0ZS1vbmx5LWtleS1uZXZlci1pbi11c2U=",
    "ALLOWED_HOSTS": "127.0.0.1",
    "SECURE_SSL_REDIRECT": "0",
    "SESSION_COOKIE_SECURE": "0",
    "CSRF_COOKIE_SECURE": "0",
    "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
    "LOG_LEVEL": "INFO",
    "DATABASE_URL": DATABASE_URL,
    "REDIS_URL": REDIS_URL,
    "API_RATE_LIMIT_PER_MINUTE": "100000000",
    "DJANGO_SETTINGS_MODULE": "mentorship.settings",
}


def recreate_database() -> None:
    import psycopg2

    base, name = DATABASE_URL.rsplit("/", 1)
    admin = psycopg2.connect(f"{base}/postgres")
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{name}"')
    admin.close()


def seed() -> str:
    """The organizations and the token; returns the token's secret."""
    import django

    django.setup()
    from django.core.management import call_command
    from django_scopes import scopes_disabled

    from api.services.tokens import token_create
    from mentorship.models import User
    from programs.models import Membership, Organization

    call_command("migrate", verbosity=0)
    with scopes_disabled():
        organizations = []
        for slug, size in (("bench", MEMBERS), ("other", 1_000)):
            organization = Organization.objects.create(
                name=f"{slug} organization", slug=slug, contact_email="a@example.org"
            )
            users = User.objects.bulk_create(
                User(email=f"{slug}-{n}@example.org", full_name=f"Person {n} of {slug}", password="!")
                for n in range(size)
            )
            Membership.objects.bulk_create(
                Membership(organization=organization, user=user, is_coordinator=(n == 0))
                for n, user in enumerate(users)
            )
            organizations.append(organization)
        coordinator = Membership.objects.filter(organization=organizations[0], is_coordinator=True).get()
        return token_create(actor=coordinator, name="Benchmark", scopes=["members:read"]).secret


def start_server(workers: int, log: Path) -> subprocess.Popen:
    server = subprocess.Popen(  # noqa: S603 — our own gunicorn, fixed arguments
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "mentorship.wsgi:application",
            "--workers",
            str(workers),
            "--bind",
            f"127.0.0.1:{PORT}",
            "--error-logfile",
            str(log),
        ],
        cwd=ROOT,
        env={**os.environ, **ENV},
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    for _ in range(200):
        try:
            connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=2)
            connection.request("GET", "/api/v1/openapi.json")
            if connection.getresponse().status == 200:
                return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit(f"gunicorn did not start: see {log}")


def run(secret: str, requests: int, threads: int, last_id: int, first_id: int) -> dict:
    results: list[tuple[int, float]] = []
    lock = threading.Lock()
    per_thread = requests // threads
    headers = {"Authorization": f"Bearer {secret}"}

    def client(seed: int) -> None:
        rng = random.Random(seed)
        connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
        mine = []
        for n in range(per_thread):
            limit = 50 if n % 2 else 200
            after = rng.randint(first_id - 1, last_id)
            started = time.perf_counter()
            connection.request("GET", f"/api/v1/members?after={after}&limit={limit}", headers=headers)
            response = connection.getresponse()
            body = response.read()
            elapsed = time.perf_counter() - started
            if response.status != 200:
                raise SystemExit(f"HTTP {response.status}: {body[:200]!r}")
            json.loads(body)
            mine.append((limit, elapsed))
        with lock:
            results.extend(mine)

    workers = [threading.Thread(target=client, args=(n,)) for n in range(threads)]
    started = time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    wall = time.perf_counter() - started
    return {"results": results, "wall": wall}


def percentiles(values: list[float]) -> tuple[float, float, float]:
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return 1000 * cuts[49], 1000 * cuts[94], 1000 * cuts[98]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    os.environ.update(ENV)
    scratch = Path(tempfile.mkdtemp(prefix="bench-api-"))
    # Production settings need a seal key pair (as benchmarks/load/run.sh makes one).
    subprocess.run(  # noqa: S603 — our own manage.py, fixed arguments
        [sys.executable, str(ROOT / "manage.py"), "generate_seal_key", "--out-dir", str(scratch / "seal")],
        check=True,
        stdout=subprocess.DEVNULL,
        env={**os.environ, "DEBUG": "1", "VAR_DIR": str(scratch / "var-keygen")},
    )
    os.environ["AGREEMENT_SIGNING_KEY"] = str(scratch / "seal/agreement-seal.key.pem")
    os.environ["AGREEMENT_SIGNING_CERT"] = str(scratch / "seal/agreement-seal.cert.pem")
    recreate_database()
    print("seeding...", file=sys.stderr)
    secret = seed()
    from django_scopes import scopes_disabled

    from programs.models import Membership

    with scopes_disabled():
        ids = list(Membership.objects.filter(organization__slug="bench").order_by("pk").values_list("pk", flat=True))
    log = scratch / "gunicorn.log"
    server = start_server(args.workers, log)
    try:
        run(secret, 200, args.threads, ids[-1], ids[0])  # warm-up
        measured = run(secret, args.requests, args.threads, ids[-1], ids[0])
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    rows = measured["results"]
    print(f"{len(ids):,} members; {len(rows):,} requests, {args.threads} threads, {args.workers} gunicorn workers")
    print("| page | requests | p50 ms | p95 ms | p99 ms |")
    print("|---|---:|---:|---:|---:|")
    for label, pick in (("limit=50", 50), ("limit=200", 200), ("all", None)):
        values = [elapsed for limit, elapsed in rows if pick is None or limit == pick]
        p50, p95, p99 = percentiles(values)
        print(f"| {label} | {len(values):,} | {p50:.1f} | {p95:.1f} | {p99:.1f} |")
    print(f"throughput: {len(rows) / measured['wall']:.0f} requests/s")


if __name__ == "__main__":
    main()
