"""Benchmark of the speed-mentoring schedule (matching/engine/speed.py; not part of the test suite).

    .venv/bin/python benchmarks/speed_schedule.py                    # 200x60x8 and 1000x200x10
    .venv/bin/python benchmarks/speed_schedule.py --sizes 200x60x8   # mentees x mentors x rounds

Pools from ``matching/engine/synth.py`` (``speed_pool``, seed 42: about 2% of each side
ineligible, same-institution conflict rule on, ``default_config()`` weights). Each solve runs
in its own subprocess: its time is the wall time of ``speed_schedule`` (scoring included) in
that process, its memory the process's peak RSS (VmHWM: interpreter, imports and pool
included). Every schedule is checked (a pair meets once, one mentee per table and one table
per mentee in each round, only allowed pairs).

Beside it, a common baseline: round by round, the best-score assignment of mentees to tables
among the pairs that have not met yet (``scipy.optimize.linear_sum_assignment``, forbidden
pairs at a large cost). It fills every table each round when it can, but it neither spreads
the meetings fairly nor maximises the score over the whole event.

Measured here (2 shared cores, 2026-12-05; times vary with the machine's load):

| M × N × K | solver | time s | peak MB | meetings | mentees with 0,1,2,… meetings | below share | score |
|---|---|---|---|---|---|---|---|
| 200 × 60 × 8 | engine | 0.08–0.22 | 58 | 472 | 7, 0, 107, 86 | 0 | 4013.601 |
| 200 × 60 × 8 | baseline | 0.37–1.84 | 80 | 472 | 21, 50, 43, 41, 24, 13, 5, 2, 1 | 64 | 4098.168 |
| 1,000 × 200 × 10 | engine | 0.27–0.77 | 95 | 1,950 | 19, 12, 969 | 12 | 17939.353 |
| 1,000 × 200 × 10 | baseline | 0.44–1.52 | 107 | 1,950 | 196, 274, 221, 143, 86, 48, 14, 12, 2, 3, 1 | 451 | 18523.44 |

"Below share": mentees who could meet someone yet have fewer than floor(min(N·K, M·min(K,N))/M).
(The 7 / 19 mentees with no meeting are ineligible or have every pair forbidden; at 1,000 ×
200 the 195 eligible tables seat 1,950 meetings, so 12 mentees get 1 instead of 2. The
baseline's higher score is the price of fairness: it gives some mentees 8 meetings and 64 /
451 mentees who could meet fewer than their share.)
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

from matching.engine.scoring import score_matrix  # noqa: E402
from matching.engine.speed import fair_share, speed_schedule  # noqa: E402
from matching.engine.synth import default_config, speed_pool  # noqa: E402

SIZES = [(200, 60, 8), (1000, 200, 10)]
SEED = 42


def peak_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def check(slots, allowed, k) -> int:
    """Number of broken constraints in a list of (round, mentee, mentor) slots."""
    bad, pairs, seats, tables = 0, set(), set(), set()
    for r, i, j in slots:
        bad += (not allowed[i, j]) + ((i, j) in pairs) + ((r, i) in seats) + ((r, j) in tables) + (not 0 <= r < k)
        pairs.add((i, j))
        seats.add((r, i))
        tables.add((r, j))
    return bad


def worker(kind: str, m: int, n: int, k: int) -> dict:
    mentees, mentors = speed_pool(m, n, seed=SEED)
    cfg = default_config()
    mentors.capacity[:] = 1  # capacity is ignored by the schedule; score_matrix reads it
    t = time.perf_counter()
    if kind == "engine":
        sched = speed_schedule(mentees, mentors, cfg, rounds=k)
        slots, meetings = sched.slots, sched.meetings
        extra = {"certificate": sched.stats["certificate"], "timings": sched.stats["timings"]}
    else:
        from scipy.optimize import linear_sum_assignment

        s = score_matrix(mentees, mentors, cfg)
        ok = np.isfinite(s)
        met = np.zeros_like(ok)
        slots = []
        big = 1e9
        for r in range(k):
            free = ok & ~met
            cost = np.where(free, -np.where(ok, s, 0), big)
            ri, ci = linear_sum_assignment(cost)
            for i, j in zip(ri.tolist(), ci.tolist(), strict=True):
                if free[i, j]:
                    slots.append((r, i, j))
                    met[i, j] = True
        meetings = np.bincount([i for _, i, _ in slots], minlength=m)
        extra = {}
    seconds = time.perf_counter() - t
    s = score_matrix(mentees, mentors, cfg)
    ok = np.isfinite(s)
    lo, _ = fair_share(m, n, k)
    eligible_rows = ok.any(axis=1)
    return {
        "seconds": seconds,
        "peak_mb": peak_rss_mb(),
        "meetings": len(slots),
        "score": float(sum(s[i, j] for _, i, j in slots)),
        "histogram": np.bincount(meetings, minlength=min(k, n) + 1).tolist(),
        "below_share_but_could_meet": int(((meetings < lo) & eligible_rows).sum()),
        "broken_constraints": check(slots, ok, k),
        **extra,
    }


def run(kind: str, m: int, n: int, k: int) -> dict:
    out = subprocess.run(  # noqa: S603 - this script, our own arguments
        [sys.executable, __file__, "--worker", kind, "--sizes", f"{m}x{n}x{k}"],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default=",".join(f"{m}x{n}x{k}" for m, n, k in SIZES))
    ap.add_argument("--worker", choices=("engine", "baseline"))
    ap.add_argument("--no-baseline", action="store_true")
    args = ap.parse_args()
    sizes = [tuple(int(x) for x in s.split("x")) for s in args.sizes.split(",")]
    if args.worker:
        print(json.dumps(worker(args.worker, *sizes[0])))
        return
    print(
        "| mentees × mentors × rounds | solver | time s | peak MB | meetings | meetings per mentee (0,1,2,…) |"
        " below fair share (could meet) | total score | broken constraints |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for m, n, k in sizes:
        kinds = ("engine",) if args.no_baseline else ("engine", "baseline")
        for kind in kinds:
            r = run(kind, m, n, k)
            print(
                f"| {m:,} × {n:,} × {k} | {kind} | {r['seconds']:.2f} | {r['peak_mb']:.0f} | {r['meetings']:,} |"
                f" {r['histogram']} | {r['below_share_but_could_meet']} | {r['score']:.3f} |"
                f" {r['broken_constraints']} |",
                flush=True,
            )
            if kind == "engine":
                print(f"|  | certificate: {r['certificate']} |||||||", flush=True)


if __name__ == "__main__":
    main()
