"""Server cost of single pages, one request at a time, in one process (no gunicorn, no locust).

    benchmarks/load/seed.py                        # once (see README.md), writes results/accounts.json
    .venv/bin/python benchmarks/load/pages.py      # the table below, 200 requests per page
    .venv/bin/python benchmarks/load/pages.py -n 500 --users 20 --page "portal home (pair members)"
    .venv/bin/python benchmarks/load/pages.py --profile "relationship page (pair members)"

Settings are production's, as run.sh gives gunicorn (DEBUG off, the cached template loader,
persistent connections with health checks, no Redis: the cache is this process's memory), with
the same throwaway secrets; the database is BENCH_DATABASE_URL. Each request goes through
Django's WSGI handler as gunicorn calls it (every middleware, the request_started and
request_finished signals), with the session cookie of a signed-in account: ``force_login``
gives each account a session (coordinators have a TOTP authenticator, so the MFA
middleware lets them through, as after a real sign-in). Requests cycle through ``--users``
accounts of each kind (20 by default, like the load run's 20 clients).

For each page it prints, over ``-n`` requests after ``--warmup`` unmeasured ones: the mean CPU
time of this process (``time.process_time``: Python and the database driver, not PostgreSQL's
own work), the mean wall time, the queries per request and the mean time spent waiting for
PostgreSQL (wall time inside ``cursor.execute``, measured by a ``connection.execute_wrapper``).
Every answer must be 200. The machine is shared: compare CPU times, and repeat.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import itertools
import json
import os
import pstats
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(ROOT))

SCRATCH = Path(os.environ.get("BENCH_SCRATCH") or tempfile.mkdtemp(prefix="bench-pages-"))
os.environ["DEBUG"] = "0"
os.environ.setdefault("SECRET_KEY", "benchmark-only-secret-key-0123456789abcdefghijklmnopqrstuvwxyz")
os.environ.setdefault("SITE_URL", "http://127.0.0.1:8765")
os.environ.setdefault("FIELD_ENCRYPTION_KEYS", "dGVzdC1zdWl0ZS1vbmx5LWtleS1uZXZlci1pbi11c2U=")
os.environ["ALLOWED_HOSTS"] = "127.0.0.1"
os.environ.update(SECURE_SSL_REDIRECT="0", SESSION_COOKIE_SECURE="0", CSRF_COOKIE_SECURE="0")
os.environ.setdefault("VAR_DIR", str(SCRATCH / "var"))
os.environ.setdefault("STATIC_ROOT", str(SCRATCH / "static"))
os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")
os.environ.setdefault("LOG_LEVEL", "WARNING")
# BENCH_REDIS_URL: the cache and sessions in Redis, as in production (docker-compose.yml);
# without it the cache is this process's memory and sessions are read from PostgreSQL.
os.environ.pop("REDIS_URL", None)
os.environ.pop("CELERY_BROKER_URL", None)
if os.environ.get("BENCH_REDIS_URL"):
    os.environ["REDIS_URL"] = os.environ["BENCH_REDIS_URL"]
os.environ["DATABASE_URL"] = os.environ.get("BENCH_DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/bench_load"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mentorship.settings")
ACCOUNTS_FILE = Path(os.environ.get("BENCH_ACCOUNTS") or HERE / "results" / "accounts.json")


def _seal_key() -> None:
    """Production settings need a sealing key pair: a throwaway one unless given."""
    if os.environ.get("AGREEMENT_SIGNING_KEY") and os.environ.get("AGREEMENT_SIGNING_CERT"):
        return
    out = SCRATCH / "secrets"
    if not (out / "agreement-seal.key.pem").exists():
        env = dict(os.environ, DEBUG="1")
        subprocess.run(  # noqa: S603 - our own manage.py, fixed arguments
            [sys.executable, str(ROOT / "manage.py"), "generate_seal_key", "--out-dir", str(out)],
            check=True,
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
        )
    os.environ["AGREEMENT_SIGNING_KEY"] = str(out / "agreement-seal.key.pem")
    os.environ["AGREEMENT_SIGNING_CERT"] = str(out / "agreement-seal.cert.pem")


class Timer:
    """connection.execute_wrapper: counts queries and the wall time spent in them (and, with
    ``keep``, each statement with its parameters and time)."""

    def __init__(self, keep: bool = False) -> None:
        self.queries = 0
        self.seconds = 0.0
        self.kept: list[tuple[float, str, object]] | None = [] if keep else None

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            took = time.perf_counter() - started
            self.seconds += took
            self.queries += 1
            if self.kept is not None:
                self.kept.append((took, sql, params))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", type=int, default=200, help="measured requests per page")
    parser.add_argument("--warmup", type=int, default=30, help="unmeasured requests per page first")
    parser.add_argument("--users", type=int, default=20, help="accounts of each kind to cycle through")
    parser.add_argument("--page", action="append", help="only this page (repeatable)")
    parser.add_argument("--profile", help="profile this page with cProfile and print the top functions")
    parser.add_argument("--sort", default="cumulative", help="cProfile sort key (cumulative, tottime)")
    parser.add_argument("--top", type=int, default=60)
    parser.add_argument("--profile-out", help="also write the cProfile data to this file (pstats)")
    parser.add_argument("--queries", help="print this page's statements, each with its time, for one request")
    args = parser.parse_args()

    _seal_key()
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    call_command("collectstatic", interactive=False, verbosity=0)  # the manifest pages link through
    from django.core.wsgi import get_wsgi_application
    from django.db import connection
    from django.test import Client, RequestFactory

    from mentorship.models import User

    accounts = json.loads(ACCOUNTS_FILE.read_text())
    org = accounts["organization"]
    handler = get_wsgi_application()
    factory = RequestFactory()
    cookie_name = settings.SESSION_COOKIE_NAME

    def session_cookie(email: str) -> str:
        client = Client()
        client.force_login(User.objects.get(email=email))
        return f"{cookie_name}={client.cookies[cookie_name].value}"

    pair_members = accounts["pair_members"][: args.users]
    coordinators = accounts["coordinators"][: args.users]
    members = [(session_cookie(a["email"]), a["mentorship"]) for a in pair_members]
    coords = [session_cookie(a["email"]) for a in coordinators]
    pairings = accounts["mentorship_ids"]

    def cycle(values):
        return itertools.cycle(values)

    member_cycle, coord_cycle, pairing_cycle = cycle(members), cycle(coords), cycle(pairings[::7])
    pages = {
        "portal home (pair members)": lambda: (f"/o/{org}/", next(member_cycle)[0]),
        "relationship page (pair members)": lambda: (lambda m: (f"/o/{org}/mentorships/{m[1]}/", m[0]))(
            next(member_cycle)
        ),
        "portal home (coordinators)": lambda: (f"/o/{org}/", next(coord_cycle)),
        "relationship page (coordinators)": lambda: (
            f"/o/{org}/mentorships/{next(pairing_cycle)}/",
            next(coord_cycle),
        ),
        "application list (coordinators)": lambda: (f"/o/{org}/programs/society/applications/", next(coord_cycle)),
        "dashboard (coordinators)": lambda: (f"/o/{org}/health/", next(coord_cycle)),
        "nav badges (pair members)": lambda: (f"/o/{org}/nav/badges/", next(member_cycle)[0]),
    }
    chosen = args.page or ([args.profile or args.queries] if args.profile or args.queries else list(pages))
    unknown = [name for name in chosen if name not in pages]
    if unknown:
        sys.exit(f"unknown page {unknown}; pages: {list(pages)}")

    def start_response(status, headers, exc_info=None):
        start_response.status = status

    def request(name: str, timer: Timer) -> None:
        path, cookie = pages[name]()
        environ = factory._base_environ(PATH_INFO=path, REQUEST_METHOD="GET", HTTP_COOKIE=cookie)
        environ["SERVER_NAME"] = "127.0.0.1"
        environ["HTTP_HOST"] = "127.0.0.1"
        with connection.execute_wrapper(timer):
            response = handler(environ, start_response)
            try:
                body = b"".join(response)
            finally:
                response.close()  # request_finished: close_old_connections, as gunicorn
        if not start_response.status.startswith("200"):
            sys.exit(f"{name} {path}: {start_response.status}\n{body[:2000].decode(errors='replace')}")

    if args.queries:
        for _ in range(args.warmup):
            request(args.queries, Timer())
        timer = Timer(keep=True)
        request(args.queries, timer)
        for took, sql, params in timer.kept:
            print(f"-- {1000 * took:.2f} ms\n{sql}\n   params: {params}\n")
        return

    if args.profile:
        for _ in range(args.warmup):
            request(args.profile, Timer())
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(args.n):
            request(args.profile, Timer())
        profiler.disable()
        if args.profile_out:
            profiler.dump_stats(args.profile_out)
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats(args.sort).print_stats(args.top)
        print(out.getvalue())
        return

    print(f"{args.n} requests per page after {args.warmup} warm-up, {args.users} accounts of each kind, DEBUG off\n")
    print("| page | CPU ms mean | CPU ms median | wall ms mean | queries | PostgreSQL ms |")
    print("|---|---:|---:|---:|---:|---:|")
    for name in chosen:
        for _ in range(args.warmup):
            request(name, Timer())
        cpu, wall, queries, db = [], [], [], []
        for _ in range(args.n):
            timer = Timer()
            cpu0, wall0 = time.process_time(), time.perf_counter()
            request(name, timer)
            cpu.append(time.process_time() - cpu0)
            wall.append(time.perf_counter() - wall0)
            queries.append(timer.queries)
            db.append(timer.seconds)
        q = sorted(set(queries))
        q_text = str(q[0]) if len(q) == 1 else f"{q[0]}–{q[-1]}"
        print(
            f"| {name} | {1000 * statistics.mean(cpu):.2f} | {1000 * statistics.median(cpu):.2f} "
            f"| {1000 * statistics.mean(wall):.2f} | {q_text} | {1000 * statistics.mean(db):.2f} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
