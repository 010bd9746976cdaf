"""Benchmark of circle formation (matching/engine/circles.py; not part of the test suite).

    .venv/bin/python benchmarks/circles_formation.py                      # 2,000 members, 200 circles
    .venv/bin/python benchmarks/circles_formation.py --sizes 10000x1000   # members x circles
    .venv/bin/python benchmarks/circles_formation.py --skew 0.5           # popularity skew

Pools from ``matching/engine/synth.py`` (``circle_pool``, seed 42): circles' free places
uniform in 8–12, each member ranks 3 distinct circles drawn with a popularity skew (circle c's
weight 1 / (c + 1) ** skew; 1.0 = Zipf, 0 = uniform), ``default_config()`` weights and the
same-institution rule. Each solve runs in its own subprocess: time = wall time of
``form_circles`` in it, memory = its peak RSS (VmHWM, interpreter and imports included).

Beside the engine, a greedy baseline: members in index order take their best-ranked circle
with a free place (first come, first served), as a sign-up sheet would.

Measured here (2 shared cores, 2026-12-05; times vary with the machine's load):

| members × circles | skew | solver | time s | peak MB | places | placed | 1st / 2nd / 3rd | unplaced: why |
|---|---|---|---|---|---|---|---|---|
| 2,000 × 200 | 1.0 | engine | 0.20–0.29 | 59 | 1,948 | 1,505 | 727 / 472 / 306 | 453 full, 42 ineligible |
| 2,000 × 200 | 1.0 | greedy | 0.01 | 38 | 1,948 | 1,369 | 668 / 432 / 269 | |
| 2,000 × 200 | 0.5 | engine | 0.10–0.30 | 59 | 1,967 | 1,955 | 1,274 / 368 / 313 | 3 full, 42 ineligible |
| 2,000 × 200 | 0.5 | greedy | 0.01 | 38 | 1,967 | 1,740 | 1,244 / 338 / 158 | |
| 20,000 × 2,000 | 0.5 | engine | 0.59 | 93 | 19,608 | 19,489 | 12,554 / 3,666 / 3,269 | 130 full, 380 inel., 1 excl. |
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from matching.engine.circles import form_circles  # noqa: E402
from matching.engine.synth import circle_pool, default_config  # noqa: E402

SIZES = [(2000, 200)]
SEED = 42


def peak_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def worker(kind: str, n: int, n_c: int, skew: float) -> dict:
    members, circles = circle_pool(n, n_c, seed=SEED, n_choices=3, capacity=(8, 12), skew=skew)
    cfg = default_config()
    t = time.perf_counter()
    if kind == "engine":
        res = form_circles(members, circles, cfg)
        seconds = time.perf_counter() - t
        ranks = [a.hub_rank for a in res.assignments]
        load = np.bincount([a.mentor for a in res.assignments], minlength=n_c)
        reasons: dict[str, int] = {}
        for _, why in res.unmatched:
            reasons[why] = reasons.get(why, 0) + 1
        extra = {"score": res.stats["total_score"], "reasons": reasons, "solver": res.stats["solver"]}
    else:
        free = np.where(circles.eligible, circles.capacity, 0).copy()
        inst = members.institution
        ranks, load = [], np.zeros(n_c, np.int64)
        for i in range(n):
            if not members.eligible[i]:
                continue
            for r, c in enumerate(members.hub_choices[i].tolist(), start=1):
                if c >= 0 and free[c] > 0 and inst[i] != circles.institution[c]:
                    free[c] -= 1
                    load[c] += 1
                    ranks.append(r)
                    break
        seconds = time.perf_counter() - t
        extra = {}
    return {
        "seconds": seconds,
        "peak_mb": peak_rss_mb(),
        "places": int(np.where(circles.eligible, circles.capacity, 0).sum()),
        "placed": len(ranks),
        "ranks": [ranks.count(1), ranks.count(2), ranks.count(3)],
        "over_capacity": int((load > circles.capacity).sum()),
        **extra,
    }


def run(kind: str, n: int, n_c: int, skew: float) -> dict:
    cmd = [sys.executable, __file__, "--worker", kind, "--sizes", f"{n}x{n_c}", "--skew", str(skew)]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True)  # noqa: S603 - this script
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default=",".join(f"{n}x{c}" for n, c in SIZES))
    ap.add_argument("--skew", type=float, default=1.0)
    ap.add_argument("--worker", choices=("engine", "greedy"))
    args = ap.parse_args()
    sizes = [tuple(int(x) for x in s.split("x")) for s in args.sizes.split(",")]
    if args.worker:
        print(json.dumps(worker(args.worker, *sizes[0], args.skew)))
        return
    print(
        "| members × circles | skew | solver | time s | peak MB | places | placed | 1st / 2nd / 3rd choice |"
        " over capacity | total score | unplaced, why |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for n, n_c in sizes:
        for kind in ("engine", "greedy"):
            r = run(kind, n, n_c, args.skew)
            score = f"{r['score']:.3f}" if "score" in r else ""
            why = "; ".join(f"{k}: {v}" for k, v in r.get("reasons", {}).items())
            print(
                f"| {n:,} × {n_c:,} | {args.skew} | {kind} | {r['seconds']:.2f} | {r['peak_mb']:.0f} |"
                f" {r['places']:,} | {r['placed']:,} | {' / '.join(map(str, r['ranks']))} |"
                f" {r['over_capacity']} | {score} | {why} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
