"""Benchmark of the live updates' websockets (issue 18), not part of the test suite.

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_websockets \\
    BENCH_REDIS_URL=redis://127.0.0.1:6379/15 .venv/bin/python benchmarks/websockets.py [--connections 1000]

Production settings (DEBUG off, throwaway secrets) on PostgreSQL (the database is dropped and
recreated) and the Redis channel layer (pub/sub, a prefix of this run's own). One uvicorn
process serves mentorship/asgi.py as docker-compose.yml's "realtime" service runs it. A child
process makes one organization with N members and a signed-in session for each, written
straight into the session store (cached_db: PostgreSQL and Redis). Then this process (asyncio,
the ``websockets`` client) opens N websockets at once, each with its member's session cookie
and the site's Origin, and keeps them all open while events are published from another
process, each carrying its publish time (microseconds, the same machine's clock):

- one by one: ``send_now([member], event)`` to one member at a time, members in turn, at a
  steady rate (``--rate`` per second, ``--events`` in all);
- fan-out: ``send_now(all N members, event)``, one call (N group sends), ``--bursts`` times;
- the full path: ``publish([member], event)`` inside a transaction that writes a row (the
  member's row, locked and updated), sent once it commits; timed from before the transaction.

Latency is publish → received in the browser-side client, per delivery. Reported: p50 / p95 /
p99 / max per phase, every delivery accounted for (none lost, none to the wrong member), the
connection set-up (handshakes, all N), and the server's RSS and CPU time.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
# This file is named like the client library it uses: keep its folder off the import path.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]
sys.path.insert(0, str(ROOT))

import argparse  # noqa: E402
import asyncio  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import resource  # noqa: E402
import secrets  # noqa: E402
import socket  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

SCRATCH = Path(os.environ.get("BENCH_SCRATCH") or tempfile.mkdtemp(prefix="bench-websockets-"))
os.environ["BENCH_SCRATCH"] = str(SCRATCH)
os.environ.update(
    {
        "DEBUG": "0",
        "SECRET_KEY": "benchmark-only-secret-key-0123456789abcdefghijklmnopqrstuvwxyz",
        "SITE_URL": "http://127.0.0.1",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "0",
        "FIELD_ENCRYPTION_KEYS": "dGVzdC1zdWl0ZS1vbmx5LWtleS1uZXZlci1pbi11c2U=",
        "VAR_DIR": str(SCRATCH),
        "LOG_LEVEL": "WARNING",
        "DATABASE_URL": os.environ.get("BENCH_DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/bench_websockets",
        "REDIS_URL": os.environ.get("BENCH_REDIS_URL") or "redis://127.0.0.1:6379/15",
        "CHANNEL_LAYER_PREFIX": os.environ.get("CHANNEL_LAYER_PREFIX") or f"bench-{secrets.token_hex(4)}",
        "DJANGO_SETTINGS_MODULE": "mentorship.settings",
    }
)
if not os.environ.get("AGREEMENT_SIGNING_KEY"):
    # Production settings require the seal pair: a throwaway one, inherited by the children.
    from agreements.sealkey import generate_seal_key_pair

    _key, _cert = generate_seal_key_pair(common_name="Benchmark seal", organization="Benchmark")
    os.environ["AGREEMENT_SIGNING_KEY"], os.environ["AGREEMENT_SIGNING_CERT"] = _key.decode(), _cert.decode()
HOST = "127.0.0.1"
ORG = "bench"


def _django():
    import django

    django.setup()


# --- The database: N members, each signed in ------------------------------------------------


def recreate_database(url: str) -> None:
    import psycopg2

    name = url.rsplit("/", 1)[1]
    admin = psycopg2.connect(url.rsplit("/", 1)[0] + "/postgres")
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{name}"')
    admin.close()


def build(n: int, out: Path) -> None:
    """Child process: the organization, N members, a session for each -> out (JSON)."""
    _django()
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django_scopes import scopes_disabled

    from mentorship.models import User
    from programs.models import Membership, Organization

    store_class = import_module(settings.SESSION_ENGINE).SessionStore
    now = int(time.time())
    with scopes_disabled():
        org = Organization.objects.create(name="Benchmark Society", slug=ORG)
        users = User.objects.bulk_create(
            [User(email=f"member{i}@bench.invalid", full_name=f"Member {i}", password="!") for i in range(n)],
            batch_size=2000,
        )
        members = Membership.objects.bulk_create([Membership(organization=org, user=u) for u in users])
    rows = []
    for user, member in zip(users, members, strict=True):
        store = store_class()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store["_auth_started"] = now
        store["_last_seen"] = now
        store.create()
        rows.append({"membership": member.pk, "session": store.session_key})
    out.write_text(json.dumps(rows))


# --- The publisher (another process) ----------------------------------------------------------


def publisher(plan_path: Path) -> None:
    """Child process: publish what the plan says, each event stamped with its publish time."""
    _django()
    from django.db import transaction
    from django_scopes import scopes_disabled

    from mentorship.realtime import publish, send_now
    from programs.models import Membership

    plan = json.loads(plan_path.read_text())
    members, seq = plan["members"], plan["first_seq"]
    phase = plan["phase"]

    def stamp() -> int:
        return time.time_ns() // 1000

    if phase == "one_by_one":
        interval = 1 / plan["rate"]
        started = time.monotonic()
        for i in range(plan["events"]):
            due = started + i * interval
            if (pause := due - time.monotonic()) > 0:
                time.sleep(pause)
            member = members[i % len(members)]
            send_now([member], {"event": "bench", "seq": seq + i, "member": member, "t": stamp()})
    elif phase == "fan_out":
        for burst in range(plan["bursts"]):
            send_now(members, {"event": "bench", "seq": seq + burst, "member": 0, "t": stamp()})
            time.sleep(plan["pause"])
    elif phase == "full_path":
        interval = 1 / plan["rate"]
        started = time.monotonic()
        with scopes_disabled():
            for i in range(plan["events"]):
                due = started + i * interval
                if (pause := due - time.monotonic()) > 0:
                    time.sleep(pause)
                member = members[i % len(members)]
                sent = stamp()
                with transaction.atomic():
                    row = Membership.objects.select_for_update().get(pk=member)
                    Membership.objects.filter(pk=row.pk).update(is_committee=row.is_committee)
                    publish([member], {"event": "bench", "seq": seq + i, "member": member, "t": sent})
    print("published", flush=True)


def run_publisher(plan: dict) -> float:
    path = SCRATCH / f"plan-{plan['phase']}.json"
    path.write_text(json.dumps(plan))
    started = time.monotonic()
    subprocess.run(  # noqa: S603
        [sys.executable, __file__, "--publish", str(path)], cwd=ROOT, check=True, env=os.environ.copy()
    )
    return time.monotonic() - started


# --- The server -----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def start_server(port: int, conn_max_age: str | None) -> subprocess.Popen:
    env = dict(os.environ)
    if conn_max_age is not None:
        env["CONN_MAX_AGE"] = conn_max_age
    argv = [
        sys.executable, "-m", "uvicorn", "mentorship.asgi:application", "--host", HOST, "--port", str(port),
        "--lifespan", "off", "--ws", "websockets-sansio", "--ws-max-size", "65536", "--no-access-log",
        "--log-level", "warning", "--backlog", "4096",
    ]  # fmt: skip
    log = open(SCRATCH / "uvicorn.log", "ab")  # noqa: SIM115 — the child writes to it
    process = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((HOST, port), timeout=1):
                return process
        except OSError:
            if process.poll() is not None:
                raise RuntimeError((SCRATCH / "uvicorn.log").read_text()[-3000:]) from None
            time.sleep(0.2)
    raise RuntimeError("uvicorn did not start")


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# --- The clients ----------------------------------------------------------------------------


class Client:
    def __init__(self, membership: int, session: str):
        self.membership, self.session = membership, session
        self.received: list[dict] = []
        self.latencies_us: list[int] = []
        self.wrong = 0
        self.socket = None
        self.handshake_s = 0.0

    async def open(self, port: int, gate: asyncio.Semaphore) -> None:
        from websockets.asyncio.client import connect

        async with gate:
            started = time.perf_counter()
            self.socket = await connect(
                f"ws://{HOST}:{port}/ws/o/{ORG}/live/",
                origin=f"http://{HOST}:{port}",
                additional_headers={"Cookie": f"sessionid={self.session}"},
                open_timeout=60,
                ping_interval=None,  # the server pings; 1,000 client pings would only add noise
            )
            self.handshake_s = time.perf_counter() - started

    async def listen(self) -> None:
        from websockets.exceptions import ConnectionClosed

        try:
            async for raw in self.socket:
                now = time.time_ns() // 1000
                event = json.loads(raw)
                if event.get("member") not in (0, self.membership):
                    self.wrong += 1
                self.received.append(event)
                self.latencies_us.append(now - event["t"])
        except ConnectionClosed:
            pass


def percentiles(values_us: list[int]) -> dict:
    if not values_us:
        return {"n": 0}
    ordered = sorted(values_us)

    def at(q: float) -> float:
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] / 1000

    return {
        "n": len(ordered),
        "p50_ms": at(0.50),
        "p95_ms": at(0.95),
        "p99_ms": at(0.99),
        "max_ms": ordered[-1] / 1000,
        "mean_ms": statistics.fmean(ordered) / 1000,
    }


async def measure(args, rows: list[dict], port: int, server: subprocess.Popen) -> dict:
    report: dict = {"connections": len(rows)}
    clients = [Client(row["membership"], row["session"]) for row in rows]
    gate = asyncio.Semaphore(args.concurrent_handshakes)
    report["rss_before_mb"] = rss_mb(server.pid)
    cpu0 = cpu_seconds(server.pid)
    started = time.perf_counter()
    results = await asyncio.gather(*(client.open(port, gate) for client in clients), return_exceptions=True)
    report["connect_all_s"] = time.perf_counter() - started
    failed = [r for r in results if isinstance(r, BaseException)]
    report["connect_failed"] = len(failed)
    if failed:
        report["connect_error"] = repr(failed[0])
    clients = [c for c in clients if c.socket is not None]
    report["open"] = len(clients)
    handshakes = [int(c.handshake_s * 1e6) for c in clients]
    report["handshake"] = percentiles(handshakes)
    report["connect_cpu_s"] = cpu_seconds(server.pid) - cpu0
    listeners = [asyncio.ensure_future(c.listen()) for c in clients]
    await asyncio.sleep(2)  # every subscription has reached Redis
    report["rss_connected_mb"] = rss_mb(server.pid)
    members = [c.membership for c in clients]
    by_member = {c.membership: c for c in clients}

    async def phase(name: str, plan: dict, expected: int) -> None:
        for c in clients:
            c.received, c.latencies_us = [], []
        cpu = cpu_seconds(server.pid)
        took = await asyncio.to_thread(run_publisher, plan)
        deadline = time.monotonic() + 30
        while sum(len(c.received) for c in clients) < expected and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.5)
        latencies = [lat for c in clients for lat in c.latencies_us]
        report[name] = {
            **percentiles(latencies),
            "expected": expected,
            "received": sum(len(c.received) for c in clients),
            "wrong_member": sum(c.wrong for c in clients),
            "publisher_s": took,
            "server_cpu_s": cpu_seconds(server.pid) - cpu,
        }
        print(f"{name}: {report[name]}", file=sys.stderr, flush=True)

    await phase(
        "one_by_one",
        {"phase": "one_by_one", "members": members, "first_seq": 0, "events": args.events, "rate": args.rate},
        args.events,
    )
    await phase(
        "fan_out",
        {"phase": "fan_out", "members": members, "first_seq": 10**6, "bursts": args.bursts, "pause": 1.0},
        args.bursts * len(members),
    )
    await phase(
        "full_path",
        {
            "phase": "full_path",
            "members": members,
            "first_seq": 2 * 10**6,
            "events": args.full_events,
            "rate": args.rate,
        },
        args.full_events,
    )
    assert by_member  # every client kept
    report["rss_after_mb"] = rss_mb(server.pid)
    report["still_open"] = sum(1 for c in clients if c.socket.state.name == "OPEN")
    for c in clients:
        await c.socket.close()
    for listener in listeners:
        listener.cancel()
    return report


def table(report: dict, args) -> str:
    rows = [
        "| phase | deliveries | received | p50 ms | p95 ms | p99 ms | max ms | server CPU s |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    labels = {
        "one_by_one": f"send_now, one member at a time ({args.rate}/s)",
        "fan_out": f"send_now to all {report['open']} members at once (×{args.bursts})",
        "full_path": f"publish() after a committed write ({args.rate}/s)",
    }
    for key, label in labels.items():
        r = report[key]
        rows.append(
            f"| {label} | {r['expected']:,} | {r['received']:,} | {r.get('p50_ms', 0):.1f} | {r.get('p95_ms', 0):.1f} "
            f"| {r.get('p99_ms', 0):.1f} | {r.get('max_ms', 0):.1f} | {r['server_cpu_s']:.1f} |"
        )
    h = report["handshake"]
    rows += [
        "",
        f"- {report['open']:,} of {report['connections']:,} websockets open at once "
        f"({report['connect_failed']} failed), all opened in {report['connect_all_s']:.1f} s "
        f"({args.concurrent_handshakes} handshakes at a time); handshake p50 {h['p50_ms']:.0f} ms, "
        f"p95 {h['p95_ms']:.0f} ms, max {h['max_ms']:.0f} ms; server CPU for the handshakes "
        f"{report['connect_cpu_s']:.1f} s.",
        f"- Server RSS: {report['rss_before_mb']:.0f} MB started, {report['rss_connected_mb']:.0f} MB with every "
        f"socket open, {report['rss_after_mb']:.0f} MB after the events; still open at the end: "
        f"{report['still_open']:,}.",
        f"- Deliveries to the wrong member: {sum(report[k]['wrong_member'] for k in labels)}.",
    ]
    return "\n".join(rows)


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "--build":
        build(int(sys.argv[2]), Path(sys.argv[3]))
        return
    if len(sys.argv) > 2 and sys.argv[1] == "--publish":
        publisher(Path(sys.argv[2]))
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--connections", type=int, default=1000)
    parser.add_argument("--events", type=int, default=2000, help="one-by-one events")
    parser.add_argument("--rate", type=int, default=200, help="events per second, one-by-one and full path")
    parser.add_argument("--bursts", type=int, default=5, help="fan-out bursts to every member")
    parser.add_argument("--full-events", type=int, default=500, help="events through publish() after a commit")
    parser.add_argument("--concurrent-handshakes", type=int, default=100)
    parser.add_argument("--conn-max-age", help="the server's CONN_MAX_AGE (default: the settings', 60 s)")
    parser.add_argument("--json", type=Path, help="also save the figures")
    args = parser.parse_args()

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = min(hard, max(soft, 4 * args.connections + 256))
    resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))  # the server inherits it

    print(f"scratch {SCRATCH}; database, migrations, {args.connections} members...", file=sys.stderr, flush=True)
    recreate_database(os.environ["DATABASE_URL"])
    subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, check=True, env=os.environ.copy()
    )
    import redis

    redis.Redis.from_url(os.environ["REDIS_URL"]).flushdb()
    sessions = SCRATCH / "sessions.json"
    subprocess.run(  # noqa: S603
        [sys.executable, __file__, "--build", str(args.connections), str(sessions)],
        cwd=ROOT,
        check=True,
        env=os.environ.copy(),
    )
    rows = json.loads(sessions.read_text())
    port = free_port()
    server = start_server(port, args.conn_max_age)
    try:
        report = asyncio.run(measure(args, rows, port, server))
    finally:
        server.terminate()
        server.wait(30)
    report["machine"] = {"cpus": os.cpu_count(), "load_average": os.getloadavg()}
    print(table(report, args))
    print(f"\nload average at the end: {os.getloadavg()}")
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
