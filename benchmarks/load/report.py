"""Print one load run's results (the JSON benchmarks/load/locustfile.py writes) as a Markdown table.

.venv/bin/python benchmarks/load/report.py benchmarks/load/results/u20.json [...]
"""

import json
import sys
from pathlib import Path


def table(path: Path) -> str:
    run = json.loads(path.read_text())
    think = f"{run['think_seconds']:g} s think time" if run["think_seconds"] else "no think time"
    lines = [
        f"### {run['clients']} concurrent clients ({run['measured_seconds']:.0f} s measured, {think})",
        "",
        f"Sign-in (not measured below): {run['sign_in']['count']} clients, median "
        f"{run['sign_in']['median_s']:.1f} s, slowest {run['sign_in']['max_s']:.1f} s.",
        "",
        "| page | requests | failures | p50 ms | p95 ms | p99 ms | max ms | req/s |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    busy = run["cores_busy"]
    per_request = 1000 / max(run["overall"]["rps"], 1e-9)  # ms of wall time per request; x cores = CPU ms
    lines[4:4] = [
        f"CPU (cores busy on average, of {run['cpus']}): gunicorn {busy['gunicorn']:.2f}, PostgreSQL "
        f"{busy['postgres']:.2f}, locust {busy['locust']:.2f}, other processes on the machine {busy['other']:.2f}. "
        f"Server CPU per request: {busy['gunicorn'] * per_request:.0f} ms gunicorn + "
        f"{busy['postgres'] * per_request:.0f} ms PostgreSQL.",
        "",
    ]
    rows = [*run["endpoints"].items(), ("**all**", run["overall"])]
    for name, r in rows:
        lines.append(
            f"| {name} | {r['requests']:,} | {r['failures']} | {r['p50_ms']:.0f} | {r['p95_ms']:.0f} | "
            f"{r['p99_ms']:.0f} | {r['max_ms']:.0f} | {r['rps']:.1f} |"
        )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print("\n".join(table(Path(arg)) for arg in sys.argv[1:]))
