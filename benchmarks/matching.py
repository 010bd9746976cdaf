"""Benchmark of the matching engine, matching/engine/ (not part of the test suite).

    .venv/bin/python benchmarks/matching.py            # all sizes, one subprocess each
    .venv/bin/python benchmarks/matching.py 5000 1500  # one size

Per size: scoring time, solve time (incl. pricing), total time, peak RSS of the process,
matched / total score against the greedy baseline and against a full-graph exact
min-cost flow (when it fits), and the share of first choices in hub mode.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from matching.engine.scoring import Scorer  # noqa: E402
from matching.engine.solve import greedy_match, match  # noqa: E402
from matching.engine.synth import default_config, random_pool  # noqa: E402

SIZES = [(1000, 300), (5000, 1500), (20000, 6000)]
FULL_REFERENCE_MAX_PAIRS = 8_000_000


def full_graph_reference(mentees, mentors, cfg):
    """Every feasible pair as an arc of one min-cost flow (OR-Tools), same float32 scores."""
    from ortools.graph.python import min_cost_flow

    n, m = len(mentees), len(mentors)
    cap = np.where(mentors.eligible, mentors.capacity, 0)
    sc = Scorer(mentees, mentors, cfg, mentor_ok=cap > 0)
    t = time.perf_counter()
    s, _, _ = sc.block(np.arange(n), False)
    ii, jj = np.nonzero(np.isfinite(s))
    w = s[ii, jj].astype(np.float64)
    f = min_cost_flow.SimpleMinCostFlow()
    src, snk = n + m, n + m + 1
    e = len(w)
    f.add_arcs_with_capacity_and_unit_cost(
        np.concatenate([np.full(n, src), ii, n + np.arange(m)]).astype(np.int32),
        np.concatenate([np.arange(n), n + jj, np.full(m, snk)]).astype(np.int32),
        np.concatenate([np.ones(n + e, np.int64), cap.astype(np.int64)]),
        np.concatenate([np.zeros(n, np.int64), -np.rint(w * 1e5).astype(np.int64), np.zeros(m, np.int64)]),
    )
    f.set_node_supply(src, n)
    f.set_node_supply(snk, -n)
    f.solve_max_flow_with_min_cost()
    used = f.flows(np.arange(n, n + e)) > 0
    pairs = list(zip(ii[used].tolist(), jj[used].tolist(), strict=True))
    return len(pairs), pairs, time.perf_counter() - t


def run_one(n: int, m: int) -> dict:
    mentees, mentors = random_pool(n, m, seed=42)
    cfg = default_config()
    t = time.perf_counter()
    res = match(mentees, mentors, cfg)
    wall = time.perf_counter() - t
    out = {
        "size": f"{n} x {m}",
        "scoring_s": res.stats["timings"]["scoring"],
        "solve_s": res.stats["timings"]["solve"] + res.stats["timings"]["pricing"],
        "total_s": wall,
        "matched": res.stats["matched"],
        "total_score": res.stats["total_score"],
        "pricing_rounds": res.stats["pricing_rounds"],
        "candidate_edges": res.stats["candidate_edges"],
        "solver": res.stats["solver"],
    }
    out["peak_rss_mb_after_solve"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    g = greedy_match(mentees, mentors, cfg)
    out["greedy_matched"] = g.stats["matched"]
    out["greedy_score"] = g.stats["total_score"]
    if n * m <= FULL_REFERENCE_MAX_PAIRS:
        k, pairs, dt = full_graph_reference(mentees, mentors, cfg)
        sc = Scorer(mentees, mentors, cfg, mentor_ok=mentors.capacity > 0)
        ia = np.array([p[0] for p in pairs])
        jb = np.array([p[1] for p in pairs])
        out["full_graph_matched"] = k
        out["full_graph_score"] = float(sc.score(ia, jb, np.float64).sum()) if pairs else 0.0
        out["full_graph_s"] = dt
    else:
        out["full_graph_matched"] = None
    hm, hb = random_pool(n, m, seed=43, n_hubs=max(3, m // 50))
    t = time.perf_counter()
    hres = match(hm, hb, default_config(), mode="hub")
    out["hub_s"] = time.perf_counter() - t
    hist = hres.stats["choice_ranks"]
    out["hub_choice_ranks"] = hist
    out["hub_first_choice_share"] = hist["1"] / n
    return out


def main() -> None:
    if len(sys.argv) == 3:
        print(json.dumps(run_one(int(sys.argv[1]), int(sys.argv[2]))))
        return
    rows = []
    for n, m in SIZES:
        proc = subprocess.run(  # noqa: S603 - runs this same script
            [sys.executable, __file__, str(n), str(m)], capture_output=True, text=True, check=True, timeout=1800
        )
        r = json.loads(proc.stdout.strip().splitlines()[-1])
        rows.append(r)
        print(json.dumps(r), flush=True)
    print()
    print(
        "| size | scoring s | solve s | total s | peak RSS MB | matched | score | greedy matched | greedy score "
        "| full-graph matched / score | hub 1st/2nd/3rd/none | hub 1st share |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        full = (
            f"{r['full_graph_matched']} / {r['full_graph_score']:.2f}"
            if r["full_graph_matched"] is not None
            else "does not fit"
        )
        h = r["hub_choice_ranks"]
        print(
            f"| {r['size']} | {r['scoring_s']:.2f} | {r['solve_s']:.2f} | {r['total_s']:.2f} "
            f"| {r['peak_rss_mb_after_solve']:.0f} | {r['matched']} | {r['total_score']:.2f} "
            f"| {r['greedy_matched']} | {r['greedy_score']:.2f} | {full} "
            f"| {h['1']}/{h['2']}/{h['3']}/{h['none']} | {r['hub_first_choice_share']:.1%} |"
        )


if __name__ == "__main__":
    main()
