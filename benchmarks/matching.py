"""Benchmark of the matching engine (matching/engine/) against reference solves (not part of the test suite).

    .venv/bin/python benchmarks/matching.py                       # 1,000x300, 5,000x1,500, 20,000x6,000
    .venv/bin/python benchmarks/matching.py --sizes 1000x300      # a subset
    .venv/bin/python benchmarks/matching.py --modes optimal,hub   # optimal, hub, stable, shortlist

It prints one markdown table: every mode at every size beside its reference solve, measured in
the same run, then a "targets" section. Every solve (engine or reference) runs in its own
subprocess; its time is the wall time of the solve call inside that process and its memory the
peak RSS of that process (VmHWM, read by the process itself once the solve is done: interpreter,
imports and pool included; not ``ru_maxrss``, which a child inherits from its parent's size).

* ``optimal`` — ``match(mode="optimal")`` against one OR-Tools min-cost flow on the FULL graph:
  every feasible pair (``Scorer.block`` feasibility) is an arc, its cost the exact float64 pair
  score (``Scorer.score(..., np.float64)``) times 1e6, rounded; ``solve_max_flow_with_min_cost``
  (most matches, then the highest score). Matched count must be equal and the total score
  (engine ``stats["total_score"]`` vs the reference's float64 sum over its pairs) equal within
  1e-6 relative.
* ``hub`` — pools from ``random_pool(n, m, seed=43, n_hubs=max(3, m // 50))``;
  ``match(mode="hub")`` against one OR-Tools min-cost flow on the allowed hub graph (arcs only
  where the mentor's hub is one the mentee ranked and the pair is feasible), lexicographic
  integer costs: most matches (max flow), then most 1st choices, then most 2nd, then the score.
  Each level's multiplier exceeds the largest change all levels below it can make on any
  matching; the score scale is the largest that keeps OR-Tools' cost range in int64. The rank
  profile (matched, 1st, 2nd, 3rd) must be equal; the total scores are printed side by side.
* ``stable`` — ``stable_match(proposing="mentee" | "mentor")`` against PyPI ``matching``
  1.4.3 (``matching.games.HospitalResident``, resident-optimal / hospital-optimal). PyPI's
  package has the same import name as this app's ``matching`` package, so it is installed
  outside the repo (``python -m pip install --target /work/wt/pypi-matching matching==1.4.3``;
  another directory through ``PYPI_MATCHING_DIR``) and run in a separate interpreter
  (``python -I -S``, cwd a temporary folder) whose sys.path starts with that directory and holds no repo
  path; the preference lists reach it through a temporary .npz file. Lists come from the exact
  float64 scores (``score_matrix``): a mentee ranks its feasible mentors by score descending,
  ties to the lower index; a mentor ranks its feasible mentees the same way; capacity = the
  mentor's capacity when eligible (0: left out). The pair sets must be identical and the
  blocking-pair count 0. The reference time is its ``solve()``; building the game (its input
  checks compare every list against every other, O(n·m·(n+m))) is shown apart and is in its memory.
* ``shortlist`` — stable mode "with own rankings": 10% of each side submit a shortlist of 5
  random people of the other side (``lists="shortlist"``); mentee- and mentor-proposing; no
  reference, only the blocking-pair check.

Blocking pairs are counted here, at every size, in row blocks with exact float64 scores
(``Scorer.score``) and ``Scorer.block`` feasibility: a feasible pair (i, j), not matched
together, where mentee i prefers j to its mentor (or is unmatched) and mentor j has a free
place or prefers i to its worst held mentee. Preference: own shortlist position first (people
with a list), then score descending, then the lower index. The check also counts invalid pairs
(infeasible, a mentee twice, a mentor over capacity).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the repo's ``matching`` package, ahead of this file's folder

from matching.engine.scoring import Scorer, score_matrix  # noqa: E402
from matching.engine.solve import match  # noqa: E402
from matching.engine.stable import stable_match  # noqa: E402
from matching.engine.synth import default_config, random_pool  # noqa: E402

SIZES = [(1000, 300), (5000, 1500), (20000, 6000)]
MODES = ("optimal", "hub", "stable", "shortlist")
PYPI_MATCHING_VERSION = "1.4.3"
PYPI_DIR = Path(os.environ.get("PYPI_MATCHING_DIR", "/work/wt/pypi-matching"))
COST_SCALE = 1_000_000  # full-graph reference: integer cost = round(score * 1e6)
BLOCK_ELEMENTS = 2_000_000  # pairs per row block (references and checks)
STABLE_REF_MAX_PAIRS = 7_500_000  # PyPI reference: tried up to 5,000 x 1,500
SHORTLIST_SHARE, SHORTLIST_LEN, SHORTLIST_SEED = 0.10, 5, 44
INT64_MAX = np.iinfo(np.int64).max


# --------------------------------------------------------------------------- pools and helpers


def pools(n: int, m: int, hub: bool = False):
    if hub:
        return random_pool(n, m, seed=43, n_hubs=max(3, m // 50))
    return random_pool(n, m, seed=42)


def capacity(mentors) -> np.ndarray:
    return np.where(mentors.eligible, mentors.capacity, 0).astype(np.int64)


def scorer_for(mentees, mentors, cfg) -> Scorer:
    return Scorer(mentees, mentors, cfg, mentor_ok=capacity(mentors) > 0)


def row_blocks(n: int, m: int):
    step = max(1, BLOCK_ELEMENTS // max(m, 1))
    for lo in range(0, n, step):
        yield np.arange(lo, min(n, lo + step))


def shortlists(n: int, m: int) -> tuple[dict[int, list[int]], dict[int, list[int]]]:
    """10% of each side list 5 random people of the other side (deterministic)."""
    rng = np.random.default_rng(SHORTLIST_SEED)
    out = []
    for own, other in ((n, m), (m, n)):
        who = np.sort(rng.choice(own, max(1, round(own * SHORTLIST_SHARE)), replace=False))
        out.append({int(x): rng.choice(other, min(SHORTLIST_LEN, other), replace=False).tolist() for x in who})
    return out[0], out[1]


def pairs_of(result) -> np.ndarray:
    return np.array([(a.mentee, a.mentor) for a in result.assignments], np.int64).reshape(-1, 2)


def save_result(out: Path, info: dict, pairs: np.ndarray | None = None) -> None:
    if pairs is not None:
        np.save(out / "pairs.npy", pairs)
    (out / "result.json").write_text(json.dumps(info))


def peak_rss_mb() -> float:
    """Peak RSS of this process (VmHWM). Not ru_maxrss: a child's ru_maxrss starts at its
    parent's RSS at fork time, which would hide small solves behind the benchmark's own size."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def fmt_size(n: int, m: int) -> str:
    return f"{n:,} × {m:,}"


# --------------------------------------------------------------------------- workers (one per subprocess)


def worker_engine(kind: str, n: int, m: int, out: Path, proposing: str) -> None:
    if kind == "optimal":
        mentees, mentors = pools(n, m)
        t = time.perf_counter()
        res = match(mentees, mentors, default_config(), mode="optimal")
    elif kind == "hub":
        mentees, mentors = pools(n, m, hub=True)
        t = time.perf_counter()
        res = match(mentees, mentors, default_config(), mode="hub")
    elif kind == "stable":
        mentees, mentors = pools(n, m)
        t = time.perf_counter()
        res = stable_match(mentees, mentors, default_config(), proposing=proposing)
    else:  # shortlist
        mentees, mentors = pools(n, m)
        la, lb = shortlists(n, m)
        a_prefs = [la.get(i) for i in range(n)]
        b_prefs = [lb.get(j) for j in range(m)]
        t = time.perf_counter()
        res = stable_match(mentees, mentors, default_config(), a_prefs, b_prefs, proposing=proposing, lists="shortlist")
    seconds = time.perf_counter() - t
    info = {"seconds": seconds, "peak_mb": peak_rss_mb()}
    info.update(matched=int(res.stats["matched"]), total_score=float(res.stats["total_score"]))
    save_result(out, info, pairs_of(res))


def worker_optimal_ref(n: int, m: int, out: Path) -> None:
    """One OR-Tools min-cost flow over every feasible pair; arcs added block by block."""
    from ortools.graph.python import min_cost_flow

    mentees, mentors = pools(n, m)
    cfg = default_config()
    t = time.perf_counter()
    cap = capacity(mentors)
    sc = scorer_for(mentees, mentors, cfg)
    f = min_cost_flow.SimpleMinCostFlow()
    src, snk = n + m, n + m + 1
    f.add_arcs_with_capacity_and_unit_cost(
        np.full(n, src, np.int32), np.arange(n, dtype=np.int32), np.ones(n, np.int64), np.zeros(n, np.int64)
    )
    cols = np.arange(m)
    masks, arcs = [], 0
    for rows in row_blocks(n, m):
        _, _, ok = sc.block(rows, False)
        s64 = sc.score(rows[:, None], cols[None, :], np.float64)
        r, c = np.nonzero(ok)
        cost = -np.rint(np.broadcast_to(s64, ok.shape)[r, c] * COST_SCALE).astype(np.int64)
        f.add_arcs_with_capacity_and_unit_cost(
            rows[r].astype(np.int32), (n + c).astype(np.int32), np.ones(len(r), np.int64), cost
        )
        masks.append(np.packbits(ok))  # 1 bit per pair: the arc order is rebuilt after the solve
        arcs += len(r)
        del s64, r, c, cost, ok
    f.add_arcs_with_capacity_and_unit_cost(
        (n + cols).astype(np.int32), np.full(m, snk, np.int32), cap, np.zeros(m, np.int64)
    )
    f.set_node_supply(src, n)
    f.set_node_supply(snk, -n)
    t_build = time.perf_counter() - t
    status = f.solve_max_flow_with_min_cost()
    if status != f.OPTIMAL:
        raise RuntimeError(f"OR-Tools status {status}")
    found, arc = [], n
    for rows, packed in zip(row_blocks(n, m), masks, strict=True):
        ok = np.unpackbits(packed, count=len(rows) * m).reshape(len(rows), m).view(bool)
        r, c = np.nonzero(ok)
        used = f.flows(np.arange(arc, arc + len(r), dtype=np.int32)) > 0
        found.append(np.stack([rows[r[used]], c[used]], axis=1))
        arc += len(r)
    seconds = time.perf_counter() - t
    peak = peak_rss_mb()
    pairs = np.concatenate(found) if found else np.zeros((0, 2), np.int64)
    total = float(sc.score(pairs[:, 0], pairs[:, 1], np.float64).sum()) if len(pairs) else 0.0
    info = {"seconds": seconds, "peak_mb": peak, "build_s": t_build, "arcs": arcs}
    info.update(matched=len(pairs), total_score=total)
    save_result(out, info, pairs)


def hub_weights(n_max: int, spread_int: int) -> tuple[int, int]:
    """K1 (1st choice), K2 (2nd choice) so that each level beats everything below on any matching
    of at most ``n_max`` pairs whose per-pair score part lies in [0, spread_int]."""
    k2 = n_max * spread_int + 1
    k1 = n_max * (k2 + spread_int) + 1
    return k1, k2


def worker_hub_ref(n: int, m: int, out: Path) -> None:
    """One OR-Tools min-cost flow on the allowed hub graph with lexicographic integer costs."""
    from ortools.graph.python import min_cost_flow

    mentees, mentors = pools(n, m, hub=True)
    cfg = default_config()
    t = time.perf_counter()
    cap = capacity(mentors)
    sc = scorer_for(mentees, mentors, cfg)
    rr, cc = [], []
    for rows in row_blocks(n, m):
        _, _, ok = sc.block(rows, True)  # infeasible or hub not ranked -> False
        r, c = np.nonzero(ok)
        rr.append(rows[r])
        cc.append(c)
    ii, jj = np.concatenate(rr), np.concatenate(cc)
    s64 = sc.score(ii, jj, np.float64)
    rank = np.asarray(sc.hub_rank(ii, jj))
    n_max = int(min(len(np.unique(ii)), cap[np.unique(jj)].sum())) + 1
    lo = float(s64.min()) if len(s64) else 0.0
    spread = float(s64.max()) - lo if len(s64) else 0.0
    nodes = n + m + 2
    limit = INT64_MAX // (2 * (nodes + 1))  # OR-Tools refuses larger costs (it scales them by nodes + 1)
    scale = float(COST_SCALE)
    while True:
        spread_int = int(np.ceil(spread * scale)) + 1
        k1, k2 = hub_weights(n_max, spread_int)
        if k1 + k2 + spread_int <= limit or scale < 1e-3:
            break
        scale /= 2
    t_build = time.perf_counter() - t
    attempts = []
    while True:
        ts = time.perf_counter()
        spread_int = int(np.ceil(spread * scale)) + 1
        k1, k2 = hub_weights(n_max, spread_int)
        gain = np.rint((s64 - lo) * scale).astype(np.int64) + k1 * (rank == 1) + k2 * (rank == 2)
        f = min_cost_flow.SimpleMinCostFlow()
        src, snk = n + m, n + m + 1
        e = len(ii)
        f.add_arcs_with_capacity_and_unit_cost(
            np.concatenate([np.full(n, src), ii, n + np.arange(m)]).astype(np.int32),
            np.concatenate([np.arange(n), n + jj, np.full(m, snk)]).astype(np.int32),
            np.concatenate([np.ones(n + e, np.int64), cap]),
            np.concatenate([np.zeros(n, np.int64), -gain, np.zeros(m, np.int64)]),
        )
        f.set_node_supply(src, n)
        f.set_node_supply(snk, -n)
        status = f.solve_max_flow_with_min_cost()
        attempts.append({"scale": scale, "status": int(status), "seconds": time.perf_counter() - ts})
        if status == f.OPTIMAL:
            break
        if status != f.BAD_COST_RANGE or scale < 1e-3:
            raise RuntimeError(f"OR-Tools status {status}")
        scale /= 16  # cost range too wide for the solver's potentials: coarser score part
    used = f.flows(np.arange(n, n + e, dtype=np.int32)) > 0
    seconds = t_build + attempts[-1]["seconds"]
    pairs = np.stack([ii[used], jj[used]], axis=1)
    info = {
        "seconds": seconds,
        "peak_mb": peak_rss_mb(),
        "build_s": t_build,
        "arcs": int(e),
        "matched": len(pairs),
        "total_score": float(s64[used].sum()),
        "score_scale": scale,
        "attempts": attempts,
    }
    save_result(out, info, pairs)


# The PyPI reference runs in ``python -I -S -c REF_CODE``: no site-packages, no repo path, no cwd.
REF_CODE = r"""
import json, sys, threading, time, warnings
pypi_dir, prefs_file, optimal, out_file = sys.argv[1:5]
sys.path.insert(0, pypi_dir)
import numpy as np
import matching
if not matching.__file__.startswith(pypi_dir):
    raise SystemExit("wrong matching package: " + matching.__file__)
from importlib.metadata import version
from matching.games import HospitalResident
d = np.load(prefs_file)
a_ptr, a_idx, b_ptr, b_idx, cap = (d[k] for k in ("a_ptr", "a_idx", "b_ptr", "b_idx", "cap"))
n, m = len(a_ptr) - 1, len(b_ptr) - 1
residents = {i: a_idx[a_ptr[i]:a_ptr[i + 1]].tolist() for i in range(n) if a_ptr[i + 1] > a_ptr[i]}
hospitals = {j: b_idx[b_ptr[j]:b_ptr[j + 1]].tolist() for j in range(m) if b_ptr[j + 1] > b_ptr[j] and cap[j] > 0}
capacities = {j: int(cap[j]) for j in hospitals}
sys.setrecursionlimit(10**7)  # the game deep-copies a linked object graph
threading.stack_size(1 << 30)
box = {}
def run():
    warnings.simplefilter("ignore")
    t0 = time.perf_counter()
    game = HospitalResident.create_from_dictionaries(residents, hospitals, capacities)
    t1 = time.perf_counter()
    print("setup-done", t1 - t0, flush=True)
    result = game.solve(optimal=optimal)
    t2 = time.perf_counter()
    box["pairs"] = [(r.name, h.name) for h, lst in result.items() for r in lst]
    box["setup_s"], box["solve_s"] = t1 - t0, t2 - t1
    for line in open("/proc/self/status").read().splitlines():
        if line.startswith("VmHWM:"):
            box["peak_mb"] = int(line.split()[1]) / 1024
th = threading.Thread(target=run)
th.start()
th.join()
if "pairs" not in box:
    raise SystemExit("reference failed")
box["version"] = version("matching")
json.dump(box, open(out_file, "w"))
"""


def pypi_status() -> tuple[bool, str]:
    """(installed, version or reason)."""
    if not (PYPI_DIR / "matching" / "games" / "hospital_resident.py").exists():
        return False, f"not installed (no {PYPI_DIR}/matching)"
    dist = sorted(PYPI_DIR.glob("matching-*.dist-info"))
    ver = dist[-1].name[len("matching-") : -len(".dist-info")] if dist else "?"
    return True, ver


def write_stable_prefs(n: int, m: int, path: Path) -> None:
    """Preference lists from the exact float64 scores, as CSR arrays (mentees, then mentors)."""
    mentees, mentors = pools(n, m)
    cap = capacity(mentors)
    s = score_matrix(mentees, mentors, default_config())
    s[:, cap <= 0] = -np.inf
    fin = np.isfinite(s)
    out = {"cap": cap}
    for side, mat, ok in (("a", s, fin), ("b", s.T, fin.T)):
        order = np.argsort(-mat, axis=1, kind="stable")  # score descending, ties to the lower index
        keep = np.take_along_axis(ok, order, axis=1)
        out[f"{side}_idx"] = order[keep].astype(np.int32)
        out[f"{side}_ptr"] = np.concatenate([[0], np.cumsum(keep.sum(axis=1))]).astype(np.int64)
        del order, keep
    np.savez(path, **out)


# --------------------------------------------------------------------------- running one child


def mem_available_mb() -> float:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("inf")


def rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def run_child(cmd, timeout: float, mem_limit_mb: float, cwd=None, watch_line: str | None = None) -> dict:
    """Run one solve; returns status, sampled peak RSS (MB) and its output. Killed past the time
    or memory limit."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, cwd=cwd)  # noqa: S603 - our own commands
        t0 = time.monotonic()
        killed, polled = None, 0.0
        while True:
            pid, status = os.waitpid(proc.pid, os.WNOHANG)
            if pid:
                break
            polled = max(polled, rss_mb(proc.pid))
            if killed is None:
                if time.monotonic() - t0 > timeout:
                    killed = f"timeout after {timeout:.0f} s"
                elif polled > mem_limit_mb:
                    killed = f"memory above {mem_limit_mb:,.0f} MB"
                if killed:
                    proc.kill()
            time.sleep(0.1)
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(errors="replace"), err.read().decode(errors="replace")
    res = {
        "ok": proc.returncode == 0 and killed is None,
        "peak_mb": polled,  # sampled every 0.1 s; a finished solve reports its exact VmHWM
        "wall_s": time.monotonic() - t0,
        "killed": killed,
        "stdout": stdout,
        "error": None if proc.returncode == 0 else (stderr.strip().splitlines() or [f"exit {proc.returncode}"])[-1],
    }
    if watch_line is not None:
        res["saw_line"] = watch_line in stdout
    return res


class Runner:
    def __init__(self, args):
        self.args = args
        self.tmp = Path(tempfile.mkdtemp(prefix="matching-bench-"))
        self.mem_limit = args.mem_limit_gb * 1024 if args.mem_limit_gb else 0.9 * mem_available_mb()

    def engine(self, kind: str, n: int, m: int, proposing: str = "mentee") -> dict:
        return self._worker(kind, n, m, proposing)

    def _worker(self, kind: str, n: int, m: int, proposing: str = "mentee") -> dict:
        out = Path(tempfile.mkdtemp(dir=self.tmp))
        cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", kind, "--sizes", f"{n}x{m}"]
        cmd += ["--out", str(out), "--proposing", proposing]
        res = run_child(cmd, self.args.timeout, self.mem_limit)
        return self._collect(res, out)

    def _collect(self, res: dict, out: Path) -> dict:
        if res["ok"] and (out / "result.json").exists():
            res.update(json.loads((out / "result.json").read_text()))
            if (out / "pairs.npy").exists():
                res["pairs"] = np.load(out / "pairs.npy")
        else:
            res["ok"] = False
        return res

    def pypi(self, n: int, m: int, prefs: Path, optimal: str) -> dict:
        out = Path(tempfile.mkdtemp(dir=self.tmp))
        cmd = [sys.executable, "-I", "-S", "-c", REF_CODE, str(PYPI_DIR), str(prefs), optimal, str(out / "ref.json")]
        res = run_child(cmd, self.args.ref_timeout, self.mem_limit, cwd=out, watch_line="setup-done")
        if res["ok"]:
            data = json.loads((out / "ref.json").read_text())
            res["seconds"] = data["solve_s"]
            res["setup_s"] = data["setup_s"]
            res["peak_mb"] = data.get("peak_mb", res["peak_mb"])
            res["version"] = data["version"]
            res["pairs"] = np.array(data["pairs"], np.int64).reshape(-1, 2)
        return res

    def cleanup(self):
        shutil.rmtree(self.tmp, ignore_errors=True)


# --------------------------------------------------------------------------- checks


def blocking_check(n: int, m: int, pairs: np.ndarray, lists=None) -> dict:
    """Blocking pairs and invalid pairs of a stable result, exact float64, in row blocks."""
    mentees, mentors = pools(n, m)
    cfg = default_config()
    cap = capacity(mentors)
    sc = scorer_for(mentees, mentors, cfg)
    la, lb = lists if lists else ({}, {})
    big = np.int32(SHORTLIST_LEN + 1 if lists else 1)
    # sparse shortlist positions: (mentee, mentor, position) for each side
    ea = np.array([(i, j, p) for i, lst in la.items() for p, j in enumerate(lst)], np.int64).reshape(-1, 3)
    eb = np.array([(i, j, p) for j, lst in lb.items() for p, i in enumerate(lst)], np.int64).reshape(-1, 3)
    ea, eb = ea[np.argsort(ea[:, 0], kind="stable")], eb[np.argsort(eb[:, 0], kind="stable")]

    def positions(e, rows):
        out = np.full((len(rows), m), big, np.int32)
        lo, hi = np.searchsorted(e[:, 0], [rows[0], rows[-1] + 1])
        out[e[lo:hi, 0] - rows[0], e[lo:hi, 1]] = e[lo:hi, 2]
        return out

    def pos_of(e, ii, jj):
        out = np.full(len(ii), big, np.int32)
        key = {(int(a), int(b)): int(p) for a, b, p in e}
        for x, (a, b) in enumerate(zip(ii.tolist(), jj.tolist(), strict=True)):
            out[x] = key.get((a, b), big)
        return out

    ii, jj = pairs[:, 0], pairs[:, 1]
    invalid = int(len(ii) - len(np.unique(ii)))
    load = np.bincount(jj, minlength=m)
    invalid += int(np.maximum(load - cap, 0).sum())
    mentor_of = np.full(n, -1, np.int64)
    mentor_of[ii] = jj
    s_pair = sc.score(ii, jj, np.float64) if len(ii) else np.zeros(0)
    # mentee side: key of the current mentor
    cur_pos = np.full(n, big, np.int32)
    cur_s = np.full(n, -np.inf)
    cur_pos[ii] = pos_of(ea, ii, jj)
    cur_s[ii] = s_pair
    # mentor side: the worst held mentee (largest position, then lowest score, then highest index)
    pb = pos_of(eb, ii, jj)
    order = np.lexsort((ii, -s_pair, pb, jj))
    last = np.ones(len(order), bool)
    if len(order):
        last[:-1] = jj[order][1:] != jj[order][:-1]
    w_idx = order[last]
    worst_pos = np.full(m, big, np.int32)
    worst_s = np.full(m, np.inf)
    worst_i = np.full(m, n, np.int64)
    worst_pos[jj[w_idx]] = pb[w_idx]
    worst_s[jj[w_idx]] = s_pair[w_idx]
    worst_i[jj[w_idx]] = ii[w_idx]
    free = load < cap
    cols = np.arange(m)[None, :]
    blocking = 0
    for rows in row_blocks(n, m):
        _, _, ok = sc.block(rows, False)
        cur = mentor_of[rows]
        # every pair of the result must be feasible
        has = cur >= 0
        invalid += int((~ok[np.nonzero(has)[0], cur[has]]).sum())
        s = np.broadcast_to(sc.score(rows[:, None], cols, np.float64), ok.shape)
        pa = positions(ea, rows)
        pm = positions(eb, rows)
        cp, cs = cur_pos[rows][:, None], cur_s[rows][:, None]
        wants = (cur[:, None] < 0) | (pa < cp) | ((pa == cp) & ((s > cs) | ((s == cs) & (cols < cur[:, None]))))
        wp, ws, wi = worst_pos[None, :], worst_s[None, :], worst_i[None, :]
        rr = rows[:, None]
        takes = free[None, :] | (pm < wp) | ((pm == wp) & ((s > ws) | ((s == ws) & (rr < wi))))
        blocking += int(np.count_nonzero(ok & (cur[:, None] != cols) & wants & takes))
    return {"blocking": blocking, "invalid": invalid}


def hub_profile(n: int, m: int, pairs: np.ndarray) -> tuple[int, int, int, int]:
    mentees, mentors = pools(n, m, hub=True)
    sc = scorer_for(mentees, mentors, default_config())
    r = np.asarray(sc.hub_rank(pairs[:, 0], pairs[:, 1])) if len(pairs) else np.zeros(0)
    return len(pairs), int((r == 1).sum()), int((r == 2).sum()), int((r == 3).sum())


def same_pairs(a: np.ndarray, b: np.ndarray) -> int:
    """Number of pairs in one set and not the other."""
    sa = {tuple(x) for x in a.tolist()}
    sb = {tuple(x) for x in b.tolist()}
    return len(sa ^ sb)


# --------------------------------------------------------------------------- one size


def ref_cell(ref: dict | None, skip: str | None) -> tuple[str, str, str]:
    """(seconds, MB, note) for the table when the reference did not give a result."""
    if skip:
        return "—", "—", skip
    if ref is None:
        return "—", "—", "no reference"
    if ref.get("killed"):
        return "—", f"{ref['peak_mb']:,.0f}", f"does not run: {ref['killed']}"
    return "—", "—", f"failed: {ref.get('error')}"


def row(size, mode, eng, reference, ref, check, skip=None) -> dict:
    out = {"size": size, "mode": mode, "reference": reference, "check": check}
    out["eng_s"] = eng["seconds"] if eng.get("ok") else None
    out["eng_mb"] = eng["peak_mb"] if eng.get("ok") else None
    if not eng.get("ok"):
        out["check"] = f"engine failed: {eng.get('killed') or eng.get('error')}"
    if ref is not None and ref.get("ok") and not skip:
        out["ref_s"], out["ref_mb"] = ref["seconds"], ref["peak_mb"]
    elif ref is None and not skip:
        out["ref_s"] = out["ref_mb"] = None
    else:
        _, _, note = ref_cell(ref, skip)
        out["ref_s"] = out["ref_mb"] = None
        out["reference"] = f"{reference} — {note}" if reference else note
    return out


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def run_size(runner: Runner, n: int, m: int, modes, state: dict) -> list[dict]:
    size = fmt_size(n, m)
    rows = []
    if "optimal" in modes:
        eng = runner.engine("optimal", n, m)
        log(f"{size} optimal engine: {eng.get('seconds', 0):.2f} s, {eng['peak_mb']:.0f} MB")
        ref = runner._worker("optimal-ref", n, m)
        log(f"{size} optimal reference: {ref.get('seconds', 0):.2f} s, {ref['peak_mb']:.0f} MB")
        check = "—"
        if eng.get("ok") and ref.get("ok"):
            rel = abs(eng["total_score"] - ref["total_score"]) / max(abs(ref["total_score"]), 1e-12)
            good = eng["matched"] == ref["matched"] and rel <= 1e-6
            check = (
                f"matched {eng['matched']:,} vs {ref['matched']:,}; score {eng['total_score']:.6f} vs "
                f"{ref['total_score']:.6f} (rel. diff {rel:.1e}) {'OK' if good else 'MISMATCH'}"
            )
            state["checks"].append(good)
        arcs = f" ({ref['arcs']:,} arcs)" if ref.get("ok") else ""
        rows.append(row(size, "optimal", eng, f"OR-Tools min-cost flow, full graph{arcs}", ref, check))
    if "hub" in modes:
        eng = runner.engine("hub", n, m)
        log(f"{size} hub engine: {eng.get('seconds', 0):.2f} s, {eng['peak_mb']:.0f} MB")
        ref = runner._worker("hub-ref", n, m)
        log(f"{size} hub reference: {ref.get('seconds', 0):.2f} s, {ref['peak_mb']:.0f} MB")
        check = "—"
        if eng.get("ok") and ref.get("ok"):
            pe, pr = hub_profile(n, m, eng["pairs"]), hub_profile(n, m, ref["pairs"])
            rel = abs(eng["total_score"] - ref["total_score"]) / max(abs(ref["total_score"]), 1e-12)
            good = pe == pr
            check = (
                f"matched/1st/2nd/3rd {'/'.join(map(str, pe))} vs {'/'.join(map(str, pr))} "
                f"{'OK' if good else 'MISMATCH'}; score {eng['total_score']:.6f} vs {ref['total_score']:.6f} "
                f"(rel. diff {rel:.1e}; reference score step {1 / ref['score_scale']:.1e} per pair)"
            )
            state["checks"].append(good)
            state["hub"][(n, m)] = (eng["seconds"], ref["seconds"])
        arcs = f" ({ref['arcs']:,} arcs)" if ref.get("ok") else ""
        rows.append(row(size, "hub", eng, f"OR-Tools min-cost flow, hub graph, lexicographic costs{arcs}", ref, check))
    if "stable" in modes:
        installed, ver = pypi_status()
        skip = None
        if not installed:
            skip = ver
        elif n * m > runner.args.stable_ref_max_pairs:
            skip = f"does not run: {n * m:,} pairs" + state["pypi_hint"](n, m)
        elif state["pypi_timed_out"]:
            skip = f"does not run: timed out at {state['pypi_timed_out']}"
        else:
            est = state["pypi_mb_per_pair"] * n * m
            if est > runner.mem_limit:
                skip = f"does not run: estimated {est:,.0f} MB > {runner.mem_limit:,.0f} MB available"
        prefs = runner.tmp / f"prefs-{n}x{m}.npz"
        if not skip:
            write_stable_prefs(n, m, prefs)
        setup_timeout = None
        for proposing, optimal in (("mentee", "resident"), ("mentor", "hospital")):
            eng = runner.engine("stable", n, m, proposing)
            log(f"{size} stable {proposing} engine: {eng.get('seconds', 0):.2f} s, {eng['peak_mb']:.0f} MB")
            ref, this_skip = None, skip or setup_timeout
            if not this_skip:
                ref = runner.pypi(n, m, prefs, optimal)
                log(f"{size} stable {optimal}-optimal ref: {ref.get('seconds', 0):.2f} s, {ref['peak_mb']:.0f} MB")
                if ref.get("ok"):
                    state["pypi_mb_per_pair"] = max(state["pypi_mb_per_pair"], ref["peak_mb"] / (n * m))
                    state["pypi_setup"] = (n, m, ref["setup_s"])
                elif ref.get("killed") and not ref.get("saw_line"):
                    # building the game (the same for both optimal sides) did not finish
                    setup_timeout = f"does not run: building the game alone exceeded the limit ({ref['killed']})"
                    state["pypi_timed_out"] = size
                elif ref.get("killed"):
                    state["pypi_timed_out"] = size
            parts = []
            if eng.get("ok"):
                bc = blocking_check(n, m, eng["pairs"])
                good = bc["blocking"] == 0 and bc["invalid"] == 0
                parts.append(f"engine: {eng['matched']:,} matched, blocking pairs {bc['blocking']}")
                if bc["invalid"]:
                    parts.append(f"INVALID pairs {bc['invalid']}")
                if ref is not None and ref.get("ok"):
                    diff = same_pairs(eng["pairs"], ref["pairs"])
                    rb = blocking_check(n, m, ref["pairs"])
                    parts.append("same pairs" if diff == 0 else f"DIFFERENT pairs: {diff}")
                    parts.append(f"reference blocking pairs {rb['blocking']}")
                    good = good and diff == 0
                parts.append("OK" if good else "FAIL")
                state["checks"].append(good)
            name = f"PyPI matching {ver if installed else PYPI_MATCHING_VERSION} HospitalResident, {optimal}-optimal"
            if ref is not None and ref.get("ok"):
                name += f" (solve; building the game {ref['setup_s']:.1f} s more)"
            r = row(size, f"stable, {proposing}-proposing", eng, name, ref, "; ".join(parts) or "—", this_skip)
            rows.append(r)
            state["stable"][(n, m, proposing)] = (eng.get("seconds"), eng.get("peak_mb")) if eng.get("ok") else None
    if "shortlist" in modes:
        lists = shortlists(n, m)
        for proposing in ("mentee", "mentor"):
            eng = runner.engine("shortlist", n, m, proposing)
            log(f"{size} shortlist {proposing} engine: {eng.get('seconds', 0):.2f} s, {eng['peak_mb']:.0f} MB")
            check = "—"
            if eng.get("ok"):
                bc = blocking_check(n, m, eng["pairs"], lists)
                good = bc["blocking"] == 0 and bc["invalid"] == 0
                check = f"{eng['matched']:,} matched, blocking pairs {bc['blocking']}"
                check += f", INVALID pairs {bc['invalid']}" if bc["invalid"] else ""
                check += " OK" if good else " FAIL"
                state["checks"].append(good)
            rows.append(
                row(
                    size,
                    f"stable with own rankings, {proposing}-proposing",
                    eng,
                    "none (blocking-pair check only)",
                    None,
                    check,
                )
            )
    return rows


# --------------------------------------------------------------------------- output


def fmt(x, spec):
    return "—" if x is None else format(x, spec)


def print_table(rows: list[dict]) -> None:
    print(
        "| size (mentees × mentors) | mode | engine s | engine peak MB | reference | reference s "
        "| reference peak MB | time engine/ref | memory engine/ref | result check |"
    )
    print("|---|---|---:|---:|---|---:|---:|---:|---:|---|")
    for r in rows:
        t_ratio = r["eng_s"] / r["ref_s"] if r["eng_s"] is not None and r["ref_s"] else None
        m_ratio = r["eng_mb"] / r["ref_mb"] if r["eng_mb"] is not None and r["ref_mb"] else None
        print(
            f"| {r['size']} | {r['mode']} | {fmt(r['eng_s'], '.2f')} | {fmt(r['eng_mb'], ',.0f')} "
            f"| {r['reference']} | {fmt(r['ref_s'], '.2f')} | {fmt(r['ref_mb'], ',.0f')} "
            f"| {fmt(t_ratio, '.3f')} | {fmt(m_ratio, '.2f')} | {r['check']} |"
        )


def print_targets(state: dict) -> None:
    def verdict(ok):
        return "not measured" if ok is None else ("PASS" if ok else "FAIL")

    print("\n## targets\n")
    for n, m, t_max, mb_max in ((20000, 6000, 10.0, 2048.0), (5000, 1500, 1.0, None)):
        for proposing in ("mentee", "mentor"):
            got = state["stable"].get((n, m, proposing))
            limit = f"≤ {t_max:g} s" + (f" and < {mb_max / 1024:g} GB" if mb_max else "")
            ok = None if got is None else (got[0] <= t_max and (mb_max is None or got[1] < mb_max))
            seen = "" if got is None else f" (measured {got[0]:.2f} s, {got[1]:,.0f} MB)"
            print(f"- stable {proposing}-proposing at {fmt_size(n, m)} {limit}: {verdict(ok)}{seen}")
    hub = state["hub"].get((20000, 6000))
    ok = None if hub is None else hub[0] <= hub[1]
    seen = "" if hub is None else f" (engine {hub[0]:.2f} s, reference {hub[1]:.2f} s)"
    print(f"- hub engine time ≤ hub reference time at {fmt_size(20000, 6000)}: {verdict(ok)}{seen}")
    checks = state["checks"]
    print(f"- result checks: {sum(checks)} of {len(checks)} OK")


# --------------------------------------------------------------------------- main


def parse_sizes(text: str) -> list[tuple[int, int]]:
    out = []
    for part in text.split(","):
        n, m = part.lower().split("x")
        out.append((int(n), int(m)))
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sizes", default=",".join(f"{n}x{m}" for n, m in SIZES), help="e.g. 1000x300,5000x1500")
    p.add_argument("--modes", default=",".join(MODES), help="any of " + ",".join(MODES))
    p.add_argument("--timeout", type=float, default=3600, help="seconds per engine or OR-Tools solve")
    p.add_argument("--ref-timeout", type=float, default=600, help="seconds per PyPI matching solve")
    p.add_argument("--stable-ref-max-pairs", type=int, default=STABLE_REF_MAX_PAIRS)
    p.add_argument("--mem-limit-gb", type=float, default=None, help="kill a solve above this RSS (default 90%% free)")
    p.add_argument("--json", help="also write the rows as JSON to this file")
    p.add_argument("--worker", help=argparse.SUPPRESS)
    p.add_argument("--out", help=argparse.SUPPRESS)
    p.add_argument("--proposing", default="mentee", help=argparse.SUPPRESS)
    args = p.parse_args()
    sizes = parse_sizes(args.sizes)
    if args.worker:
        (n, m), out = sizes[0], Path(args.out)
        if args.worker == "optimal-ref":
            worker_optimal_ref(n, m, out)
        elif args.worker == "hub-ref":
            worker_hub_ref(n, m, out)
        else:
            worker_engine(args.worker, n, m, out, args.proposing)
        return
    modes = [x.strip() for x in args.modes.split(",") if x.strip()]
    unknown = set(modes) - set(MODES)
    if unknown:
        p.error(f"unknown modes {sorted(unknown)}")
    runner = Runner(args)

    def pypi_hint(n, m):
        if "pypi_setup" not in state:
            return ""
        n0, m0, s0 = state["pypi_setup"]
        est = s0 * (n * m * (n + m)) / (n0 * m0 * (n0 + m0))
        est_text = f"{est / 3600:,.0f} h" if est >= 3600 else f"{est:,.0f} s"
        return f"; building the game grows as n·m·(n+m) ({s0:.0f} s at {fmt_size(n0, m0)}: ~{est_text} here)"

    state = {
        "checks": [],
        "hub": {},
        "stable": {},
        "pypi_timed_out": None,
        "pypi_mb_per_pair": 0.0,
        "pypi_hint": pypi_hint,
    }
    installed, ver = pypi_status()
    log(f"PyPI matching: {ver if installed else 'not installed'} ({PYPI_DIR})")
    if installed and ver != PYPI_MATCHING_VERSION:
        log(f"warning: the table was written for matching {PYPI_MATCHING_VERSION}, found {ver}")
    rows = []
    try:
        for n, m in sizes:
            rows += run_size(runner, n, m, modes, state)
    finally:
        runner.cleanup()
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1))
    print()
    print_table(rows)
    print_targets(state)


if __name__ == "__main__":
    main()
