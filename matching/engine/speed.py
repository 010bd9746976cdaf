"""Speed mentoring: N mentors at N tables, M mentees rotating through K rounds.

:func:`speed_schedule_from_scores` is the exact solver; :func:`speed_schedule` builds its
inputs from the dyad :class:`Scorer` (exact float64 pair scores; excluded pairs, conflict
rules and ineligible people are not allowed; a mentor's capacity and ``config.locked_pairs``
are ignored: a table takes one mentee per round). It holds the M×N score matrix (float64).

Constraints: a mentee meets a given mentor at most once, a table seats one mentee per round,
a mentee sits at one table per round.

Objective (``SPEED_OBJECTIVE``), lexicographic:

1. the most meetings in total;
2. shared as evenly as possible: the most mentees with at least 1 meeting, then the most with
   at least 2, and so on (the meeting counts are the "decreasingly minimal" ones). When every
   pair is allowed this gives each mentee ``floor`` or ``ceil`` of
   ``min(N·K, M·min(K, N)) / M`` meetings (its fair share); when some mentee can meet fewer
   mentors, the tables it leaves free go to the others, still as evenly as possible;
3. the highest total pair score.

Method. The meetings are a simple bipartite graph of maximum degree ≤ K, and any such graph
splits into K matchings (König's edge-colouring theorem), so choosing meetings and seating
them are separate problems:

* a min-cost flow (OR-Tools ``SimpleMinCostFlow.solve_max_flow_with_min_cost``): source → mentee
  (one unit arc per possible meeting, the t-th costing (2t - 1)·S, a convex cost whose sum is
  S·Σ meetings²), mentee → mentor (capacity 1, cost -score on an integer scale), mentor → sink
  (capacity K). Max flow = level 1. On a polymatroid's bases (the mentees' meeting counts of a
  maximum flow are such bases) the least square sum is exactly the decreasingly-minimal
  vector (Frank & Murota), i.e. level 2; S exceeds every possible change of the score part,
  so the score only breaks ties (level 3). The result is certified: no augmenting path and no
  negative cycle in the residual graph (integer Bellman-Ford).
* a König edge colouring by alternating-path recolouring (always succeeds on a bipartite
  graph of maximum degree ≤ K), then a balancing pass (swapping alternating paths of two
  rounds) so that rounds hold as equal numbers of meetings as possible (differ by ≤ 1).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from matching.engine.inputs import MatchConfig, Participants
from matching.engine.scoring import Scorer, row_blocks

SPEED_OBJECTIVE = (
    "max total meetings, then meetings shared as evenly as possible (most mentees with at least 1,"
    " then at least 2, ...; floor or ceil of min(N·K, M·min(K,N))/M each when every pair is allowed),"
    " then max total pair score (exact)"
)

REASON_INELIGIBLE = "not eligible"
REASON_NO_ALLOWED = "may meet no mentor (every pair is excluded, a conflict or not eligible)"
REASON_FEW_ALLOWED = "may meet only {n} mentor(s)"
REASON_TABLES_FULL = "the tables of the mentors they may meet are full in the rounds left"


@dataclass
class SpeedSchedule:
    rounds: int
    slots: list[tuple[int, int, int]]  # (round 0..K-1, mentee index, mentor index = table), sorted
    meetings: np.ndarray  # meetings per mentee (len M)
    total_score: float
    objective: str
    unmet: list[tuple[int, str]]  # mentees with fewer meetings than their fair share, with a reason
    stats: dict = field(default_factory=dict)


def fair_share(n_mentees: int, n_mentors: int, rounds: int) -> tuple[int, int]:
    """(floor, ceil) of min(N·K, M·min(K, N)) / M: every mentee's share when all pairs are allowed."""
    if n_mentees == 0:
        return 0, 0
    total = min(n_mentors * rounds, n_mentees * min(rounds, n_mentors))
    return total // n_mentees, -(-total // n_mentees)


# --------------------------------------------------------------------------- public entry points


def speed_schedule(
    mentees: Participants, mentors: Participants, config: MatchConfig, rounds: int, backend: str = "auto"
) -> SpeedSchedule:
    """The exact schedule of a speed-mentoring event (see the module docstring for the objective)."""
    t0 = time.perf_counter()
    m, n = len(mentees), len(mentors)
    scorer = Scorer(mentees, mentors, config, mentor_ok=mentors.eligible.copy())
    scores = np.full((m, n), -np.inf)
    if m and n:
        for rows in row_blocks(np.arange(m), n, config.block_elements):
            scores[rows] = scorer.exact_block(rows)
    allowed = np.isfinite(scores)
    t_scoring = time.perf_counter() - t0
    out = speed_schedule_from_scores(np.where(allowed, scores, 0.0), rounds, allowed, backend=backend)
    out.unmet = [(i, REASON_INELIGIBLE if not mentees.eligible[i] else why) for i, why in out.unmet]
    out.stats["timings"]["scoring"] = t_scoring
    out.stats["timings"]["total"] = time.perf_counter() - t0
    return out


def speed_schedule_from_scores(
    scores: np.ndarray, rounds: int, allowed: np.ndarray | None = None, backend: str = "auto"
) -> SpeedSchedule:
    """The exact schedule from an M×N score matrix; ``allowed`` (M×N bool) False = may not meet.
    Non-finite scores are not allowed either. ``backend``: ``"auto"`` or ``"ortools"``."""
    if backend not in ("auto", "ortools"):
        raise ValueError("backend must be 'auto' or 'ortools'")
    t0 = time.perf_counter()
    scores = np.asarray(scores, np.float64)
    if scores.ndim != 2:
        raise ValueError("scores must be an M×N matrix")
    m, n = scores.shape
    k = int(rounds)
    if k < 0:
        raise ValueError("rounds must be >= 0")
    ok = np.isfinite(scores)
    if allowed is not None:
        allowed = np.asarray(allowed, bool)
        if allowed.shape != scores.shape:
            raise ValueError("allowed must have the shape of scores")
        ok &= allowed
    allowed_cnt = ok.sum(axis=1)
    lo, hi = fair_share(m, n, k)

    rows, cols = np.nonzero(ok) if k > 0 else (np.zeros(0, np.int64), np.zeros(0, np.int64))
    s = scores[rows, cols]
    flow = _solve(m, n, k, rows, cols, s)
    t_flow = time.perf_counter() - t0

    t1 = time.perf_counter()
    pr, pc = rows[flow["used"]], cols[flow["used"]]
    colour = _edge_colour(pr, pc, m, n, k)
    colour = _balance(pr, pc, colour, m, n, k)
    t_colour = time.perf_counter() - t1

    slots = sorted(zip(colour.tolist(), pr.tolist(), pc.tolist(), strict=True))
    meetings = np.bincount(pr, minlength=m).astype(np.int64)
    _check(slots, m, n, k, ok)
    total = float(scores[pr, pc].sum()) if len(pr) else 0.0
    unmet = []
    for i in np.nonzero(meetings < lo)[0].tolist():
        a = int(allowed_cnt[i])
        if a == 0:
            unmet.append((i, REASON_NO_ALLOWED))
        elif meetings[i] < a:
            unmet.append((i, REASON_TABLES_FULL))
        else:
            unmet.append((i, REASON_FEW_ALLOWED.format(n=a)))
    per_round = np.bincount(colour, minlength=k)
    stats = {
        "objective": SPEED_OBJECTIVE,
        "solver": "ortools-min-cost-flow + König edge colouring",
        "mentees": m,
        "mentors": n,
        "rounds": k,
        "allowed_pairs": int(ok.sum()),
        "meetings": int(len(pr)),
        "max_meetings_if_all_allowed": min(n * k, m * min(k, n)),
        "fair_share": (lo, hi),
        "meetings_histogram": np.bincount(meetings, minlength=min(k, n) + 1).tolist(),
        "meetings_per_round": per_round.tolist(),
        "square_sum": int((meetings**2).sum()),
        "total_score": total,
        "score_resolution": flow["resolution"],
        "certificate": flow["certificate"],
        "timings": {"flow": t_flow, "colouring": t_colour, "total": time.perf_counter() - t0},
    }
    return SpeedSchedule(k, slots, meetings, total, SPEED_OBJECTIVE, unmet, stats)


# --------------------------------------------------------------------------- flow


def _solve(m: int, n: int, k: int, rows: np.ndarray, cols: np.ndarray, s: np.ndarray) -> dict:
    e = len(rows)
    if e == 0:
        return {"used": np.zeros(0, bool), "resolution": 0.0, "certificate": "nothing to schedule"}
    from ortools.graph.python import min_cost_flow

    cap_i = np.minimum(np.bincount(rows, minlength=m), k)  # meetings a mentee can have at most
    units = int(cap_i.sum())
    upper = int(min(units, n * k))
    kc = int(cap_i.max())
    src, snk = m + n, m + n + 1
    n_nodes = m + n + 2
    smax_abs = max(float(np.abs(s).max()), 1e-9)
    limit = 2**61
    res = 10**9
    while True:
        spread = 2 * res  # |score_int| <= res
        big_s = upper * spread + 1
        max_cost = (2 * kc - 1) * big_s
        if res <= 10 or (max_cost * (n_nodes + 1) * 4 < limit and max_cost * (upper + 1) * 4 < limit):
            break
        res //= 2
    scale = res / smax_abs
    g = np.rint(s * scale).astype(np.int64)
    # source arcs: unit t (1-based) of mentee i costs (2t - 1)·S
    src_i = np.repeat(np.arange(m), cap_i)
    t_of = np.arange(units) - np.repeat(np.cumsum(cap_i) - cap_i, cap_i) + 1
    tails = np.concatenate([np.full(units, src), rows, m + np.arange(n)]).astype(np.int32)
    heads = np.concatenate([src_i, m + cols, np.full(n, snk)]).astype(np.int32)
    capa = np.concatenate([np.ones(units + e, np.int64), np.full(n, k, np.int64)])
    cost = np.concatenate([(2 * t_of - 1) * big_s, -g, np.zeros(n, np.int64)]).astype(np.int64)
    f = min_cost_flow.SimpleMinCostFlow()
    f.add_arcs_with_capacity_and_unit_cost(tails, heads, capa, cost)
    f.set_node_supply(src, upper)
    f.set_node_supply(snk, -upper)
    status = f.solve_max_flow_with_min_cost()
    if status != f.OPTIMAL:
        raise RuntimeError(f"min-cost flow failed: {status}")
    flows = f.flows(np.arange(len(tails))).astype(np.int64)
    certificate = certify_flow(n_nodes, src, snk, tails.astype(np.int64), heads.astype(np.int64), capa, cost, flows)
    return {"used": flows[units : units + e] > 0, "resolution": 1.0 / scale, "certificate": certificate}


def certify_flow(n_nodes, src, snk, tails, heads, capa, cost, flows) -> str:
    """Proof of optimality of an integer flow: the sink is unreachable from the source in the
    residual graph (maximum flow) and the residual graph has no negative cycle (minimum cost
    among maximum flows): Bellman-Ford from a virtual root reaches a fixed point."""
    if (flows < 0).any() or (flows > capa).any():
        raise RuntimeError("flow outside its capacities")
    bal = np.bincount(tails, flows, n_nodes) - np.bincount(heads, flows, n_nodes)
    inner = np.ones(n_nodes, bool)
    inner[[src, snk]] = False
    if np.abs(bal[inner]).max(initial=0) > 0:
        raise RuntimeError("flow not conserved")
    fwd = flows < capa
    back = flows > 0
    rt = np.concatenate([tails[fwd], heads[back]])
    rh = np.concatenate([heads[fwd], tails[back]])
    rc = np.concatenate([cost[fwd], -cost[back]])
    # 1. maximum flow: breadth-first search from the source
    seen = np.zeros(n_nodes, bool)
    seen[src] = True
    frontier = seen.copy()
    while frontier.any():
        nxt = np.zeros(n_nodes, bool)
        nxt[rh[frontier[rt]]] = True
        nxt &= ~seen
        seen |= nxt
        frontier = nxt
    if seen[snk]:
        raise RuntimeError("flow is not maximum: an augmenting path exists")
    # 2. no negative cycle: integer Bellman-Ford from a virtual root (all distances 0), each
    # pass relaxing only the arcs out of the nodes whose distance changed in the pass before
    order = np.argsort(rt, kind="stable")
    rt, rh, rc = rt[order], rh[order], rc[order]
    ptr = np.searchsorted(rt, np.arange(n_nodes + 1))
    d = np.zeros(n_nodes, np.int64)
    changed = np.arange(n_nodes)
    for it in range(n_nodes + 1):
        lo, hi = ptr[changed], ptr[changed + 1]
        cnt = hi - lo
        idx = np.repeat(lo - np.cumsum(cnt) + cnt, cnt) + np.arange(int(cnt.sum()))
        nd = d.copy()
        np.minimum.at(nd, rh[idx], d[rt[idx]] + rc[idx])
        changed = np.nonzero(nd < d)[0]
        d = nd
        if not len(changed):
            return (
                "proven on the scores rounded to score_resolution: no augmenting path and no negative"
                f" residual cycle (Bellman-Ford fixed point after {it + 1} passes)"
            )
    raise RuntimeError("negative residual cycle: the flow is not of minimum cost")


# --------------------------------------------------------------------------- rounds (edge colouring)


def _edge_colour(pr: np.ndarray, pc: np.ndarray, m: int, n: int, k: int) -> np.ndarray:
    """Proper k-edge-colouring of the bipartite graph (mentee pr[e], mentor pc[e]) of maximum
    degree <= k, by alternating-path recolouring (König). ``mate[v][c]`` = edge of colour c at v."""
    e = len(pr)
    colour = np.full(e, -1, np.int64)
    if e == 0:
        return colour
    mate = [[-1] * k for _ in range(m + n)]
    ends = [(int(a), m + int(b)) for a, b in zip(pr.tolist(), pc.tolist(), strict=True)]
    col = [-1] * e
    for x, (u, v) in enumerate(ends):
        mu, mv = mate[u], mate[v]
        a = mu.index(-1)  # free at u (degree <= k)
        if mv[a] != -1:
            b = mv.index(-1)  # free at v
            # swap a and b along the alternating path that starts at v with its a edge; it cannot
            # reach u (bipartite), so afterwards a is free at both ends
            path = []
            w, c = v, a
            while mate[w][c] != -1:
                y = mate[w][c]
                path.append(y)
                p, q = ends[y]
                w = q if p == w else p
                c = b if c == a else a
            for y in path:
                p, q = ends[y]
                old = col[y]
                if mate[p][old] == y:
                    mate[p][old] = -1
                if mate[q][old] == y:
                    mate[q][old] = -1
            for y in path:
                p, q = ends[y]
                new = b if col[y] == a else a
                col[y] = new
                mate[p][new] = y
                mate[q][new] = y
        col[x] = a
        mu[a] = x
        mv[a] = x
    colour[:] = col
    return colour


def _balance(pr: np.ndarray, pc: np.ndarray, colour: np.ndarray, m: int, n: int, k: int) -> np.ndarray:
    """Make the rounds' sizes differ by at most one: while round a has at least two more
    meetings than round b, the a/b edges form alternating paths and even cycles, one of the
    paths has one more a edge than b edges, and swapping its colours moves one meeting."""
    e = len(pr)
    if e == 0 or k < 2:
        return colour
    colour = colour.copy()
    ends = [(int(a), m + int(b)) for a, b in zip(pr.tolist(), pc.tolist(), strict=True)]
    for _ in range(e * k + 1):
        size = np.bincount(colour, minlength=k)
        a, b = int(size.argmax()), int(size.argmin())
        if size[a] - size[b] <= 1:
            return colour
        sel = np.nonzero((colour == a) | (colour == b))[0].tolist()
        at: dict[int, list[int]] = {}
        for y in sel:
            for v in ends[y]:
                at.setdefault(v, []).append(y)
        need = (int(size[a]) - int(size[b])) // 2  # paths to swap in this pass
        seen: set[int] = set()
        for y0 in sel:
            if y0 in seen:
                continue
            comp, stack = [], [y0]
            seen.add(y0)
            while stack:
                y = stack.pop()
                comp.append(y)
                for v in ends[y]:
                    for z in at[v]:
                        if z not in seen:
                            seen.add(z)
                            stack.append(z)
            na = sum(1 for y in comp if colour[y] == a)
            if na == len(comp) - na + 1:
                for y in comp:
                    colour[y] = b if colour[y] == a else a
                need -= 1
                if need == 0:
                    break
        else:
            if need == (int(size[a]) - int(size[b])) // 2:
                raise RuntimeError("balancing found no alternating path (not a proper colouring)")
    return colour


def _check(slots, m: int, n: int, k: int, ok: np.ndarray) -> None:
    """Every constraint, checked on the returned slots (raises if one fails)."""
    seen_pair, seen_mentee, seen_table = set(), set(), set()
    for r, i, j in slots:
        if not (0 <= r < k) or not ok[i, j]:
            raise RuntimeError(f"invalid slot {(r, i, j)}")
        if (i, j) in seen_pair or (r, i) in seen_mentee or (r, j) in seen_table:
            raise RuntimeError(f"slot {(r, i, j)} breaks a constraint")
        seen_pair.add((i, j))
        seen_mentee.add((r, i))
        seen_table.add((r, j))
