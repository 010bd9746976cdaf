"""Locust scenario for the load benchmark (run by benchmarks/load/run.sh).

Two kinds of client, 9 to 1:

- a pair member (a mentee or a mentor of one of the seeded pairings): the portal home
  ``/o/<org>/`` (weight 3) and their relationship page ``/o/<org>/mentorships/<pk>/`` (2);
- a coordinator: the application list ``/o/<org>/programs/<program>/applications/``
  (weight 4; half on page 1, 30% a later page reached through the list's own Next and Last
  links, 20% with a status filter), the program-health
  dashboard ``/o/<org>/health/`` (3; a third filtered to one program), the portal home
  (2) and any pairing's relationship page (1).

Every client signs in once through allauth's form (CSRF token from the page; a TOTP code
when MFA asks for one), from its own loopback address (127.0.0.x), so allauth's per-IP
login limit sees one sign-in per address as it would from real people. Sign-ins are not
measured: when the last client is in, the statistics are reset and the run stops
BENCH_MEASURE_SECONDS (60) later. No think time by default (a closed loop: each client
sends its next request when the last one is answered); BENCH_THINK="1-5" makes each
client pause a uniform 1 to 5 seconds after every request instead.

At the end it writes BENCH_RESULT (JSON): exact percentiles per page over every measured
request, and the CPU seconds the server (gunicorn's workers, the PostgreSQL backends of
BENCH_DATABASE_NAME), this load generator and the whole machine used in the measured
window, from /proc. The window is closed (CPU read, clock stopped, later answers ignored)
before the clients are stopped, so CPU and requests cover the same seconds.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import html
import itertools
import json
import math
import os
import random
import re
import struct
import time
from pathlib import Path

import gevent
import psutil
from locust import HttpUser, between, constant, events, task
from requests.adapters import HTTPAdapter

HERE = Path(__file__).resolve().parent
ACCOUNTS = json.loads(Path(os.environ.get("BENCH_ACCOUNTS") or HERE / "results" / "accounts.json").read_text())
ORG = ACCOUNTS["organization"]
MEASURE_SECONDS = float(os.environ.get("BENCH_MEASURE_SECONDS", "60"))


def _think_range(raw: str) -> tuple[float, float]:
    """BENCH_THINK: "" or "0" (no pause), "3" (always 3 s) or "1-5" (uniform 1 to 5 s)."""
    low, _, high = (raw or "0").partition("-")
    low, high = float(low), float(high or low)
    if low < 0 or high < low:
        raise SystemExit(f"BENCH_THINK={raw!r}: give seconds as MIN-MAX with 0 <= MIN <= MAX, e.g. 1-5")
    return low, high


THINK = _think_range(os.environ.get("BENCH_THINK", ""))
CSRF_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
ANCHOR_RE = re.compile(r"<a\s[^>]*>")
HREF_RE = re.compile(r'href="([^"]*)"')

_pair_members = itertools.cycle(ACCOUNTS["pair_members"])
_coordinators = itertools.cycle(ACCOUNTS["coordinators"])
_addresses = itertools.count(10)
_signed_in = {"count": 0, "seconds": [], "started": None}
_window: dict = {}  # the measured window: "meter" while it is open; "seconds", "cpu", "load" once closed


def _cpu_seconds(process: psutil.Process) -> float:
    try:
        times = process.cpu_times()
    except psutil.Error:
        return 0.0
    return times.user + times.system


def _server_processes() -> dict[int, tuple[str, psutil.Process]]:
    """The gunicorn workers and the PostgreSQL backends connected to the benchmark database."""
    found = {}
    master = os.environ.get("BENCH_GUNICORN_PID")
    if master:
        with contextlib.suppress(psutil.Error):
            found |= {worker.pid: ("gunicorn", worker) for worker in psutil.Process(int(master)).children()}
    database = os.environ.get("BENCH_DATABASE_NAME", "bench_load")
    for process in psutil.process_iter(["cmdline"]):
        cmdline = " ".join(process.info["cmdline"] or [])
        if cmdline.startswith("postgres:") and f" {database} " in f"{cmdline} ":
            found[process.pid] = ("postgres", process)
    return found


class CpuMeter:
    """CPU seconds used during the measurement by the server (gunicorn workers, the
    benchmark database's PostgreSQL backends), by this load generator and by the whole
    machine. Sampled every second, so a backend that closes its connection mid-run
    (CONN_MAX_AGE) loses at most its last second."""

    def __init__(self) -> None:
        self.seen: dict[int, list] = {}  # pid -> [kind, cpu at start or 0 if born later, last cpu]
        for pid, (kind, process) in _server_processes().items():
            cpu = _cpu_seconds(process)
            self.seen[pid] = [kind, cpu, cpu]
        self.locust = _cpu_seconds(psutil.Process())
        self.machine = self._machine()
        gevent.spawn(self._poll)

    @staticmethod
    def _machine() -> float:
        times = psutil.cpu_times()
        return sum(times) - times.idle - getattr(times, "iowait", 0.0)

    def sample(self) -> None:
        for pid, (kind, process) in _server_processes().items():
            entry = self.seen.setdefault(pid, [kind, 0.0, 0.0])  # born during the run: all its CPU counts
            entry[2] = max(entry[2], _cpu_seconds(process))

    def _poll(self) -> None:
        while True:
            gevent.sleep(1)
            self.sample()

    def used(self) -> dict[str, float]:
        self.sample()
        used = {"gunicorn": 0.0, "postgres": 0.0}
        for kind, first, last in self.seen.values():
            used[kind] += last - first
        used["locust"] = _cpu_seconds(psutil.Process()) - self.locust
        used["machine"] = self._machine() - self.machine
        used["other"] = max(0.0, used["machine"] - used["gunicorn"] - used["postgres"] - used["locust"])
        return used


class SourceAddressAdapter(HTTPAdapter):
    """Connect from a given loopback address (Linux routes all of 127.0.0.0/8 to lo)."""

    def __init__(self, address: str, **kwargs):
        self.address = address
        super().__init__(**kwargs)

    def init_poolmanager(self, *args, **kwargs):
        kwargs["source_address"] = (self.address, 0)
        super().init_poolmanager(*args, **kwargs)


def totp(secret: str, at: float | None = None) -> str:
    counter = int((at or time.time()) // 30)
    digest = hmac.new(base64.b32decode(secret, casefold=True), struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 1_000_000:06d}"


def _load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def _open_window() -> None:
    _window["load_start"] = _load_average()
    _window["meter"] = CpuMeter()
    _signed_in["started"] = time.time()


def _close_window(runner) -> None:
    """Read the CPU and stop the clock first, then stop the clients: requests still in
    flight are neither counted nor charged."""
    _window["cpu"] = _window["meter"].used()
    _window["seconds"] = time.time() - _signed_in["started"]
    _window["load_end"] = _load_average()
    runner.quit()


class Client(HttpUser):
    abstract = True
    wait_time = between(*THINK) if THINK[1] > 0 else constant(0)

    def account(self) -> dict:
        raise NotImplementedError

    def on_start(self) -> None:
        n = next(_addresses)
        self.client.mount("http://", SourceAddressAdapter(f"127.0.{n // 250}.{n % 250 + 1}"))
        self.me = self.account()
        started = time.perf_counter()
        try:
            self.sign_in()
        except Exception:
            # Without every client signed in the measurement never starts: stop the run now.
            self.environment.process_exit_code = 1
            gevent.spawn(self.environment.runner.quit)
            raise
        _signed_in["seconds"].append(time.perf_counter() - started)
        _signed_in["count"] += 1
        runner = self.environment.runner
        if _signed_in["count"] == runner.target_user_count and _signed_in["started"] is None:
            # Everybody is in: measure from now on, for MEASURE_SECONDS.
            self.environment.stats.reset_all()
            _open_window()
            gevent.spawn_later(MEASURE_SECONDS, _close_window, runner)

    def _post_form(self, path: str, fields: dict, name: str):
        page = self.client.get(path, name=f"{name} (form)")
        token = CSRF_RE.search(page.text)
        if not token:
            raise RuntimeError(f"no CSRF token on {path} (HTTP {page.status_code})")
        return self.client.post(page.url, data={"csrfmiddlewaretoken": token.group(1), **fields}, name=name)

    def sign_in(self) -> None:
        response = self._post_form(
            "/accounts/login/", {"login": self.me["email"], "password": ACCOUNTS["password"]}, "sign in"
        )
        if "/2fa/authenticate" in response.url:
            if not self.me.get("totp_secret"):
                raise RuntimeError(f"{self.me['email']}: MFA asked for a code but the seed set up no TOTP")
            response = self._post_form(
                "/accounts/2fa/authenticate/", {"code": totp(self.me["totp_secret"])}, "sign in (TOTP)"
            )
        if "/accounts/" in response.url or "sessionid" not in self.client.cookies:
            raise RuntimeError(f"{self.me['email']}: sign-in failed, ended on {response.url} ({response.status_code})")

    def page(self, path: str, name: str) -> str:
        with self.client.get(path, name=name, catch_response=True, allow_redirects=False) as response:
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code} {response.headers.get('Location', '')}")
                return ""
            return response.text


class PairMember(Client):
    weight = 9

    def account(self) -> dict:
        return next(_pair_members)

    @task(3)
    def portal_home(self) -> None:
        self.page(f"/o/{ORG}/", "portal home")

    @task(2)
    def relationship(self) -> None:
        self.page(f"/o/{ORG}/mentorships/{self.me['mentorship']}/", "relationship page")


class Coordinator(Client):
    weight = 1

    def account(self) -> dict:
        return next(_coordinators)

    def on_start(self) -> None:
        self.later_pages: dict[str, dict[str, str]] = {}  # program -> {"next": url, "last": url}
        super().on_start()

    @task(4)
    def applications(self) -> None:
        """Half page 1; 30% a later page through the list's own links (the Next link of the
        last later page this coordinator saw, or a third of the time the Last link), so the
        same clicks work on numbered pages (?page=n) and on cursor pages (?after=...); 20%
        a status filter."""
        program = random.choice(ACCOUNTS["programs"])
        first = f"/o/{ORG}/programs/{program}/applications/"
        links = self.later_pages.get(program)
        roll = random.random()
        if roll < 0.5 or (roll < 0.8 and not links):
            found = self.list_page(first, first)
            self.later_pages.setdefault(program, found)  # keeps the walk's place when there is one
        elif roll < 0.8:
            if "last" in links and random.random() < 1 / 3:
                self.list_page(links["last"], first)
            elif "next" in links:
                following = self.list_page(links["next"], first).get("next")
                if following:
                    links["next"] = following
                else:
                    del self.later_pages[program]  # the end: start again from page 1
            else:
                self.later_pages[program] = self.list_page(first, first)
        else:
            query = f"?status={random.choice(['submitted', 'eligible', 'waitlisted'])}&role=mentee"
            self.page(f"{first}{query}", "application list")

    def list_page(self, url: str, base: str) -> dict[str, str]:
        """Request one page of an application list; its Next and Last links, as paths."""
        text = self.page(url, "application list")
        found = {}
        for anchor in ANCHOR_RE.findall(text):
            href = HREF_RE.search(anchor)
            if not href:
                continue
            target = (
                base + html.unescape(href.group(1)) if href.group(1).startswith("?") else html.unescape(href.group(1))
            )
            if 'rel="next"' in anchor:
                found["next"] = target
            elif 'data-page="last"' in anchor or ", the last" in anchor:
                found["last"] = target
        return found

    @task(3)
    def dashboard(self) -> None:
        query = f"?program={random.choice(ACCOUNTS['programs'])}" if random.random() < 1 / 3 else ""
        self.page(f"/o/{ORG}/health/{query}", "dashboard")

    @task(2)
    def portal_home(self) -> None:
        self.page(f"/o/{ORG}/", "portal home [coordinator]")

    @task(1)
    def relationship(self) -> None:
        pk = random.choice(ACCOUNTS["mentorship_ids"])
        self.page(f"/o/{ORG}/mentorships/{pk}/", "relationship page [coordinator]")


_samples: dict[str, list[float]] = {}
_failures: dict[str, int] = {}


@events.request.add_listener
def _record(request_type, name, response_time, response_length, exception=None, **kwargs) -> None:
    if _signed_in["started"] is None or "seconds" in _window:  # signing in, or the window is closed
        return
    _samples.setdefault(name, []).append(response_time)
    if exception is not None:
        _failures[name] = _failures.get(name, 0) + 1


def _percentile(ordered: list[float], q: float) -> float:
    """Nearest-rank percentile of sorted milliseconds."""
    return ordered[max(0, min(len(ordered) - 1, math.ceil(len(ordered) * q / 100) - 1))] if ordered else 0.0


def _accounts_digest() -> str:
    """What the clients use, without the TOTP secrets (random per seed): equal digests on
    two sides mean the same people, pairings and program pages."""
    same = {key: value for key, value in ACCOUNTS.items() if key != "coordinators"}
    same["coordinators"] = [c["email"] for c in ACCOUNTS["coordinators"]]
    return hashlib.sha256(json.dumps(same, sort_keys=True).encode()).hexdigest()[:16]


@events.quitting.add_listener
def _write_results(environment, **kwargs) -> None:
    """Exact percentiles of every measured request (locust's CSV rounds them), as JSON."""
    out = os.environ.get("BENCH_RESULT")
    if not out or _signed_in["started"] is None:
        return
    if "seconds" not in _window:  # stopped early (run-time limit, Ctrl-C): close the window now
        _window["cpu"] = _window["meter"].used()
        _window["seconds"] = time.time() - _signed_in["started"]
        _window["load_end"] = _load_average()
    seconds = _window["seconds"]
    used = _window["cpu"]

    def row(times: list[float], failures: int) -> dict:
        ordered = sorted(times)
        return {
            "requests": len(ordered),
            "failures": failures,
            "p50_ms": _percentile(ordered, 50),
            "p95_ms": _percentile(ordered, 95),
            "p99_ms": _percentile(ordered, 99),
            "max_ms": ordered[-1] if ordered else 0.0,
            "rps": len(ordered) / seconds,
        }

    sign_ins = sorted(_signed_in["seconds"])
    Path(out).write_text(
        json.dumps(
            {
                "clients": environment.runner.target_user_count,
                "measured_seconds": seconds,
                "think_seconds": list(THINK),
                "cpus": psutil.cpu_count(),
                "load_average": {"start": _window["load_start"], "end": _window["load_end"]},
                "database": os.environ.get("BENCH_DATABASE_NAME", "bench_load"),
                "accounts": {"digest": _accounts_digest(), "counts": ACCOUNTS.get("counts", {})},
                # CPU seconds used in the measured window, by whom, and per measured second (cores busy).
                "cpu_seconds": used,
                "cores_busy": {key: value / seconds for key, value in used.items()},
                "sign_in": {"count": len(sign_ins), "median_s": sign_ins[len(sign_ins) // 2], "max_s": sign_ins[-1]},
                "endpoints": {name: row(times, _failures.get(name, 0)) for name, times in sorted(_samples.items())},
                "overall": row([t for times in _samples.values() for t in times], sum(_failures.values())),
            },
            indent=1,
        )
    )
