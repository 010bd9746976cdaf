"""The program-health dashboard and the application list, measured one request at a time.

    # CPU per request on the load benchmark's database (seed it first: benchmarks/load/seed.py)
    .venv/bin/python benchmarks/dashboard.py cpu [N]

    # tracemalloc peak of the dashboard and its CSVs at 5,000 and 50,000 active pairings
    .venv/bin/python benchmarks/dashboard.py memory [5000 50000]

Production-like settings as benchmarks/load/run.sh exports them (DEBUG off; throwaway
secrets; a seal key pair from ``DEBUG=1 manage.py generate_seal_key`` in
AGREEMENT_SIGNING_KEY / AGREEMENT_SIGNING_CERT). ``cpu`` reads BENCH_DATABASE_URL (the
seeded database, never changed) and BENCH_ACCOUNTS (the seed's accounts.json); it signs in
as the first coordinator through allauth (password, then a TOTP code) with Django's test
client, warms each page up, then reports time.process_time per request (mean over N), the
wall time and the query count. ``memory`` creates the database BENCH_MEMORY_DATABASE_URL
(default postgres://postgres@127.0.0.1:5432/bench_dashboard_memory; DROPPED and created
again), bulk-creates one organization with N active pairings (a third with a held
meeting, a tenth of the rest past their first-meeting deadline) and reports the
tracemalloc peak of rendering the dashboard and of streaming each pairing CSV.

Figures (2026-12-05, 2 shared vCPUs at load average ~10, PostgreSQL 15; CPU ms per request,
mean of 40, before -> after issue 17's changes):

- dashboard: 60 -> 9 ms, 19 -> 5 queries (panels cached a minute; uncached 46 ms, 22 queries);
  one program: 57 -> 10 ms. A plain coordinator page (the REDCap page) costs 6-7 ms here.
- application list, page 1: 28 -> 27 ms; the deepest page (Next links): 31 -> 27 ms, 7 queries.
- tracemalloc peak, 5,000 -> 50,000 pairings: dashboard 8.9 -> 86.6 MB before, 0.49 -> 0.47 MB
  after; overdue CSV 8.9 -> 86.6 MB before, 3.4 -> 3.6 MB after (streamed, 0.5 -> 5.6 MB of CSV).

Later the same day (load average ~2), with the application list's rows kept per coordinator and address and
its default order indexed (programs migration 0015): dashboard 4.6 ms (4 queries), one program 5.0 ms; the
application list 5.3-5.7 ms on every page, filtered, sorted or 199 Next links deep (4 queries: what the
repeat visit reads; a first visit adds the count and the rows query, 0.4 ms on the index for page 1).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import struct
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

MODE = sys.argv[1] if len(sys.argv) > 1 else "cpu"
os.environ["DEBUG"] = "0"
os.environ.setdefault("SECRET_KEY", "benchmark-only-secret-key-0123456789abcdefghijklmnopqrstuvwxyz")
os.environ.setdefault("SITE_URL", "http://127.0.0.1:8765")
os.environ.setdefault("FIELD_ENCRYPTION_KEYS", "dGVzdC1zdWl0ZS1vbmx5LWtleS1uZXZlci1pbi11c2U=")
os.environ["ALLOWED_HOSTS"] = "testserver,127.0.0.1"
for name in ("SECURE_SSL_REDIRECT", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE"):
    os.environ[name] = "0"
os.environ.pop("REDIS_URL", None)
os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")
os.environ.setdefault("LOG_LEVEL", "WARNING")
if MODE == "memory":
    os.environ["DATABASE_URL"] = os.environ.get(
        "BENCH_MEMORY_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bench_dashboard_memory"
    )
else:
    os.environ["DATABASE_URL"] = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bench_load")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mentorship.settings")


def _recreate(url: str) -> None:
    import psycopg2

    base, name = url.rsplit("/", 1)
    admin = psycopg2.connect(f"{base}/postgres")
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{name}"')
    admin.close()


if MODE == "memory":
    _recreate(os.environ["DATABASE_URL"])

import django  # noqa: E402

django.setup()

from django.db import connection, reset_queries  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402


def totp(secret: str) -> str:
    counter = int(time.time() // 30)
    digest = hmac.new(base64.b32decode(secret, casefold=True), struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 1_000_000:06d}"


def signed_in_client(email: str, password: str, secret: str) -> Client:
    client = Client()
    response = client.post("/accounts/login/", {"login": email, "password": password})
    if "/2fa/authenticate" in response.get("Location", ""):
        response = client.post("/accounts/2fa/authenticate/", {"code": totp(secret)})
    if "sessionid" not in client.cookies:
        raise SystemExit(f"sign-in failed for {email}: HTTP {response.status_code} {response.get('Location', '')}")
    return client


def measure(client: Client, path: str, n: int) -> dict:
    for _ in range(3):
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
    cpu, wall = [], []
    for _ in range(n):
        c0, w0 = time.process_time(), time.perf_counter()
        response = client.get(path)
        if response.streaming:
            b"".join(response.streaming_content)
        cpu.append(time.process_time() - c0)
        wall.append(time.perf_counter() - w0)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
        if response.streaming:
            b"".join(response.streaming_content)
    return {
        "cpu_ms": 1000 * sum(cpu) / n,
        "wall_ms": 1000 * sum(wall) / n,
        "queries": len(queries),
    }


def cpu(n: int) -> None:
    accounts = json.loads(Path(os.environ.get("BENCH_ACCOUNTS") or HERE / "load/results/accounts.json").read_text())
    org = accounts["organization"]
    me = accounts["coordinators"][0]
    client = signed_in_client(me["email"], accounts["password"], me["totp_secret"])
    pages = accounts["application_pages"]["society"]
    paths = {
        "dashboard": f"/o/{org}/health/",
        "dashboard, one program": f"/o/{org}/health/?program=society",
        "application list, page 1": f"/o/{org}/programs/society/applications/",
        "application list, filtered": f"/o/{org}/programs/society/applications/?status=submitted",
        "application list, sorted by applicant": f"/o/{org}/programs/society/applications/?sort=applicant",
        "overdue CSV": f"/o/{org}/health/overdue.csv",
    }
    deep = deep_page_path(client, f"/o/{org}/programs/society/applications/", pages)
    if deep:
        paths[f"application list, page {pages}"] = deep
    walked = walk_pages(client, f"/o/{org}/programs/society/applications/", pages - 1)
    if walked:
        paths[f"application list, page {pages - 1} (Next links)"] = walked
    print(f"{'page':45} {'CPU ms':>8} {'wall ms':>8} {'queries':>8}   (mean of {n}, DEBUG off)")
    for label, path in paths.items():
        reset_queries()
        result = measure(client, path, n)
        print(f"{label:45} {result['cpu_ms']:8.1f} {result['wall_ms']:8.1f} {result['queries']:8d}")


def deep_page_path(client: Client, first: str, pages: int) -> str | None:
    """The list's last page: ``?page=<n>`` where the list pages by number, else the
    "Last" link of the keyset pagination (a cursor)."""
    import re

    html = client.get(first).content.decode()
    last = re.search(r'href="(\?[^"]*)"[^>]*data-page="last"|data-page="last"[^>]*href="(\?[^"]*)"', html)
    if last:
        return first + (last.group(1) or last.group(2)).replace("&amp;", "&")
    if re.search(r"page=\d", html):
        return f"{first}?page={pages}"
    return None


def walk_pages(client: Client, first: str, number: int) -> str | None:
    """The address of page ``number``: ``?page=<n>`` where the list pages by number, else
    reached by following the keyset pagination's Next link from the first page."""
    import re
    from html import unescape

    html = client.get(first).content.decode()
    if not re.search(r'data-page="last"', html):
        return f"{first}?page={number}" if re.search(r"page=\d", html) else None
    url = first
    for _ in range(number - 1):
        found = re.search(r'href="(\?[^"]*)" rel="next"', html)
        if not found:
            return None
        url = first + unescape(found.group(1))
        html = client.get(url).content.decode()
    return url


def memory(sizes: list[int]) -> None:
    import tracemalloc

    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    for size in sizes:
        org = populate(size)
        client = signed_in_client(org["email"], MEMORY_PASSWORD, org["totp_secret"])
        results = {}
        for label, path in (
            ("dashboard", f"/o/{org['slug']}/health/"),
            ("overdue CSV", f"/o/{org['slug']}/health/overdue.csv"),
            ("first-meetings CSV", f"/o/{org['slug']}/health/first-meetings.csv"),
            ("schedule CSV", f"/o/{org['slug']}/health/schedule.csv"),
        ):
            client.get(path)  # warm up: templates, URL resolvers
            tracemalloc.start()
            response = client.get(path)
            size_bytes = sum(len(chunk) for chunk in response.streaming_content) if response.streaming else 0
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            assert response.status_code == 200, (path, response.status_code, response.get("Location"))
            results[label] = (peak, size_bytes)
        print(f"{size:,} active pairings:")
        for label, (peak, size_bytes) in results.items():
            extra = f" ({size_bytes / 1e6:.1f} MB of CSV)" if size_bytes else ""
            print(f"  {label:20} peak {peak / 1e6:7.2f} MB{extra}")


MEMORY_PASSWORD = "dashboard-memory-benchmark-2026"


def populate(size: int) -> dict:
    """One organization of ``size`` active pairings (bulk-created; a pairing per mentee,
    a mentor per 2 mentees)."""
    import random
    from datetime import timedelta

    from allauth.account.models import EmailAddress
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone
    from django_scopes import scopes_disabled

    from programs.models import Membership, Organization, Program  # noqa: F401
    from relationships.models import Meeting, MeetingStatus, Mentorship

    rng = random.Random(17)
    User = get_user_model()
    slug = f"mem{size}"
    today = timezone.localdate()
    with scopes_disabled():
        organization = Organization.objects.create(name=f"Memory {size}", slug=slug)
        program = Program.objects.create(organization=organization, name="Society", slug="society")
        password = make_password(None)
        mentees = size
        mentors = size // 2 + 1
        users = User.objects.bulk_create(
            [
                User(email=f"{slug}-{i}@example.org", full_name=f"Person {i}", password=password)
                for i in range(mentees + mentors + 1)
            ],
            batch_size=2000,
        )
        memberships = Membership.objects.bulk_create(
            [Membership(organization=organization, user=user) for user in users], batch_size=2000
        )
        coordinator = memberships[-1]
        Membership.objects.filter(pk=coordinator.pk).update(is_coordinator=True)
        coordinator.user.set_password(MEMORY_PASSWORD)
        coordinator.user.save(update_fields=["password"])
        EmailAddress.objects.create(user=coordinator.user, email=coordinator.user.email, verified=True, primary=True)
        secret = generate_totp_secret()
        TOTP.activate(coordinator.user, secret)
        pairs = Mentorship.objects.bulk_create(
            [
                Mentorship(
                    organization=organization,
                    program=program,
                    mentor=memberships[mentees + i // 2],
                    mentee=memberships[i],
                    origin="proposal",
                    status="active",
                    stage="exploration",
                    started_on=today - timedelta(days=rng.randint(1, 700)),
                    planned_end_on=today + timedelta(days=300),
                )
                for i in range(size)
            ],
            batch_size=2000,
        )
        Meeting.objects.bulk_create(
            [
                Meeting(
                    organization=organization,
                    mentorship=pair,
                    starts_at=timezone.now() - timedelta(days=rng.randint(1, 300)),
                    status=MeetingStatus.HELD,
                    stage=pair.stage,
                )
                for pair in pairs[::3]
            ],
            batch_size=2000,
        )
    return {"slug": slug, "email": coordinator.user.email, "totp_secret": secret}


if __name__ == "__main__":
    if MODE == "cpu":
        cpu(int(sys.argv[2]) if len(sys.argv) > 2 else 50)
    elif MODE == "memory":
        memory([int(v) for v in sys.argv[2:]] or [5_000, 50_000])
    else:
        raise SystemExit(__doc__)
