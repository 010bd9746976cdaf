"""Before and after, side by side: one Markdown table per scenario of a benchmarks/load/run.sh run.

    .venv/bin/python benchmarks/load/report.py                       # benchmarks/load/results/
    .venv/bin/python benchmarks/load/report.py RESULTS_DIR [c20 t20 ...]

Reads RESULTS_DIR/run.json (the run's settings and machine, written by run.sh) and, per
scenario, <scenario>-before.json and <scenario>-after.json (written by locustfile.py);
without scenario names, every scenario with both files. Prints the tables and writes
them to RESULTS_DIR/summary.md.

Per page: requests, p50/p95/p99 (exact, nearest rank over every measured request) and
requests per second, before and after. The **all** row adds the server's CPU per request
(gunicorn workers' user+sys time plus the PostgreSQL backends of the side's database, read
from /proc over the measured window, divided by the requests answered in it) and the
after/before ratios of throughput and of CPU per request.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SIDES = ("before", "after")
PAGES = {
    "portal home": "portal home (pair members)",
    "relationship page": "relationship page (pair members)",
    "application list": "application list (coordinators)",
    "dashboard": "dashboard (coordinators)",
    "portal home [coordinator]": "portal home (coordinators)",
    "relationship page [coordinator]": "relationship page (coordinators)",
}
# Issue 17's targets, checked in the report (the lead judges them on a quiet machine).
CPU_TARGET_MS = 6.0
THROUGHPUT_TARGET = 4.0
P95_TARGET_MS = 150.0
# Other processes busier than this (cores, on average) make throughput and latency unreliable.
BUSY_MACHINE_CORES = 0.25


def ms(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value:.1f}" if value < 10 else f"{value:,.0f}"


def ratio(after: float | None, before: float | None) -> str:
    if not after or not before:
        return "–"
    return f"×{after / before:.2f}"


def cpu_ms_per_request(run: dict) -> dict[str, float]:
    requests = max(run["overall"]["requests"], 1)
    cpu = run["cpu_seconds"]
    gunicorn, postgres = 1000 * cpu["gunicorn"] / requests, 1000 * cpu["postgres"] / requests
    return {"gunicorn": gunicorn, "postgres": postgres, "server": gunicorn + postgres}


def scenario_title(name: str, run: dict) -> str:
    low, high = run["think_seconds"]
    pauses = f"pausing {low:g}–{high:g} s (uniform) after every request" if high else "without pauses (closed loop)"
    return f"{name}: {run['clients']} clients {pauses}, {run['measured_seconds']:.0f} s measured per side"


def table(name: str, runs: dict[str, dict]) -> str:
    after = runs["after"]
    names = [page for page in PAGES if any(page in run["endpoints"] for run in runs.values())]
    names += sorted({page for run in runs.values() for page in run["endpoints"]} - set(names))
    header = ["page"]
    for column in ("requests", "p50 ms", "p95 ms", "p99 ms", "req/s"):
        header += [f"{column} before", f"{column} after"]
    header += ["req/s after ÷ before", "server CPU ms/req before", "server CPU ms/req after", "CPU after ÷ before"]
    lines = [
        f"### {scenario_title(name, after)}",
        "",
        "| " + " | ".join(header) + " |",
        "|---|" + "---:|" * (len(header) - 1),
    ]

    def cells(rows: dict[str, dict | None]) -> list[str]:
        out = []
        for key, fmt in (("requests", "{:,}"), ("p50_ms", None), ("p95_ms", None), ("p99_ms", None), ("rps", "{:.1f}")):
            for side in SIDES:
                row = rows[side]
                if row is None:
                    out.append("–")
                else:
                    out.append(fmt.format(row[key]) if fmt else ms(row[key]))
        rates = [rows[side]["rps"] if rows[side] else None for side in SIDES]
        out.append(ratio(rates[1], rates[0]))
        return out

    for page in names:
        rows = {side: runs[side]["endpoints"].get(page) for side in SIDES}
        lines.append("| " + " | ".join([PAGES.get(page, page), *cells(rows), "–", "–", "–"]) + " |")
    cpu = {side: cpu_ms_per_request(runs[side]) for side in SIDES}
    totals = cells({side: runs[side]["overall"] for side in SIDES})
    totals = [f"**{cell}**" if cell != "–" else cell for cell in totals]
    lines.append(
        "| "
        + " | ".join(
            [
                "**all**",
                *totals,
                f"**{cpu['before']['server']:.1f}**",
                f"**{cpu['after']['server']:.1f}**",
                f"**{ratio(cpu['after']['server'], cpu['before']['server'])}**",
            ]
        )
        + " |"
    )
    lines.append("")
    lines += [f"- {note}" for note in notes(runs, cpu)]
    return "\n".join(lines) + "\n"


def verdict(value: float, target: float, at_most: bool) -> str:
    return "met" if (value <= target if at_most else value >= target) else "not met"


def notes(runs: dict[str, dict], cpu: dict[str, dict]) -> list[str]:
    before, after = runs["before"], runs["after"]
    out = [
        "Server CPU per request: "
        + "; ".join(
            f"{side} {cpu[side]['server']:.1f} ms ({cpu[side]['gunicorn']:.1f} gunicorn + "
            f"{cpu[side]['postgres']:.1f} PostgreSQL)"
            for side in SIDES
        )
        + f". Throughput {before['overall']['rps']:.1f} → {after['overall']['rps']:.1f} req/s "
        f"({ratio(after['overall']['rps'], before['overall']['rps'])}).",
        f"Cores busy on average (of {after['cpus']}): "
        + "; ".join(
            f"{side} gunicorn {runs[side]['cores_busy']['gunicorn']:.2f}, PostgreSQL "
            f"{runs[side]['cores_busy']['postgres']:.2f}, locust {runs[side]['cores_busy']['locust']:.2f}, "
            f"other processes {runs[side]['cores_busy']['other']:.2f}"
            for side in SIDES
        )
        + ".",
        "Load average (1 min) at the start and end of the measured window: "
        + "; ".join(
            f"{side} {runs[side]['load_average']['start'][0]:.2f} → {runs[side]['load_average']['end'][0]:.2f}"
            for side in SIDES
        )
        + ".",
    ]
    busy = max(runs[side]["cores_busy"]["other"] for side in SIDES)
    if busy > BUSY_MACHINE_CORES:
        out.append(
            f"**The machine was shared**: other processes kept up to {busy:.2f} cores busy, so throughput and "
            "latencies are lower than on a quiet machine and differ between the sides for that reason too; "
            "CPU per request is not affected much."
        )
    failures = {side: runs[side]["overall"]["failures"] for side in SIDES}
    text = f"Failures (any answer but 200): before {failures['before']}, after {failures['after']}"
    failing = [
        f"{side} {PAGES.get(page, page)} {row['failures']}"
        for side in SIDES
        for page, row in runs[side]["endpoints"].items()
        if row["failures"]
    ]
    out.append(text + (f" ({'; '.join(failing)})." if failing else "."))
    out.append(
        "Sign-in (not measured): "
        + "; ".join(
            f"{side} median {runs[side]['sign_in']['median_s']:.1f} s, slowest {runs[side]['sign_in']['max_s']:.1f} s"
            for side in SIDES
        )
        + "."
    )
    if before["accounts"]["digest"] != after["accounts"]["digest"]:
        out.append(
            "**The two sides' accounts differ** (people, pairings or program pages): each side used its own "
            f"seed's accounts file (before {before['accounts']['counts']}, after {after['accounts']['counts']})."
        )
    checks = []
    if after["think_seconds"][1] == 0:
        server = cpu["after"]["server"]
        gain = after["overall"]["rps"] / max(before["overall"]["rps"], 1e-9)
        checks.append(
            f"server CPU per request {server:.1f} ms (≤ {CPU_TARGET_MS:g}: {verdict(server, CPU_TARGET_MS, True)})"
        )
        checks.append(f"throughput ×{gain:.2f} (≥ ×{THROUGHPUT_TARGET:g}: {verdict(gain, THROUGHPUT_TARGET, False)})")
    else:
        p95 = after["overall"]["p95_ms"]
        checks.append(f"p95 {p95:.0f} ms (≤ {P95_TARGET_MS:g}: {verdict(p95, P95_TARGET_MS, True)})")
    out.append("Issue 17 targets, after: " + "; ".join(checks) + ".")
    return out


def preamble(meta: dict) -> str:
    if not meta:
        return "# Load benchmark: before and after\n"
    load = meta["load_average"]
    end = " ".join(load["end"]) if "end" in load else "?"
    lines = [
        f"# Load benchmark: before and after ({meta['started']})",
        "",
        f"- before: `{meta['before']['ref']}` ({meta['before']['describe']}); after: the working tree at "
        f"{meta['after']['describe']}.",
        f"- Machine: nproc {meta['nproc']}, {meta['memory_gb']:g} GB RAM, PostgreSQL {meta['postgresql']}; gunicorn "
        f"{meta['workers']} sync workers, locust on the same machine. Load average (1, 5, 15 min) at the start "
        f"{' '.join(load['start'])}, at the end {end}.",
        "- Each side has its own database seeded by its own seed.py with the same fixed seed"
        + (" (reused: SKIP_SEED=1)" if meta["skip_seed"] else f" (both seeds: {meta['seed_seconds']} s)")
        + "; in each scenario the before run comes first, the after run right after it, each with a fresh gunicorn.",
    ]
    if "total_seconds" in meta:
        lines.append(f"- The whole run took {meta['total_seconds'] / 60:.1f} min.")
    return "\n".join(lines) + "\n"


def report(results: Path, names: list[str]) -> str:
    meta_path = results / "run.json"
    meta = json.loads(meta_path.read_text()) if meta_path.exists() else {}
    if not names:
        names = meta.get("scenarios") or sorted(
            p.name.removesuffix("-before.json")
            for p in results.glob("*-before.json")
            if (results / p.name.replace("-before.json", "-after.json")).exists()
        )
    if not names:
        sys.exit(f"no <scenario>-before.json and -after.json pairs in {results}")
    parts = [preamble(meta)]
    for name in names:
        runs = {side: json.loads((results / f"{name}-{side}.json").read_text()) for side in SIDES}
        parts.append(table(name, runs))
    return "\n".join(parts)


if __name__ == "__main__":
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else HERE / "results"
    text = report(folder, sys.argv[2:])
    (folder / "summary.md").write_text(text)
    print(text)
