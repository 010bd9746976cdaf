"""The exact assignment: min-cost flow (OR-Tools or SciPy), LP duals for pricing left-out
pairs, :func:`match` (``optimal`` and ``hub`` modes) and the :func:`greedy_match` baseline."""

from __future__ import annotations

import time

import numpy as np

from matching.engine.inputs import (
    OBJECTIVES,
    MatchConfig,
    MatchResult,
    Participants,
    unmatched_reasons,
)
from matching.engine.scoring import Scorer, explain_pairs, map_blocks, row_blocks, top_k

# --------------------------------------------------------------------------- solvers


def _lex_weights(n_eff: int, smax_int: int, levels: int):
    """Integer multipliers: each level dominates everything below it on any matching."""
    ks = []
    below = 2 * smax_int  # max spread of the score part on one edge
    for _ in range(levels):
        k = n_eff * below + 1
        ks.append(k)
        below = below + k
    big = n_eff * below + 1
    return ks[::-1], big  # highest level first


def _solve_flow(n: int, m: int, cap: np.ndarray, rows, cols, gain, backend: str):
    """Max-cardinality, then max-gain b-matching on the given edges. Returns a bool mask."""
    if len(rows) == 0:
        return np.zeros(0, bool), "none"
    if backend in ("auto", "ortools"):
        try:
            from ortools.graph.python import min_cost_flow
        except ImportError:
            if backend == "ortools":
                raise
        else:
            f = min_cost_flow.SimpleMinCostFlow()
            src, snk = n + m, n + m + 1
            e = len(rows)
            tails = np.concatenate([np.full(n, src), rows, n + np.arange(m)]).astype(np.int32)
            heads = np.concatenate([np.arange(n), n + cols, np.full(m, snk)]).astype(np.int32)
            capa = np.concatenate([np.ones(n + e, np.int64), cap.astype(np.int64)])
            cost = np.concatenate([np.zeros(n, np.int64), -gain.astype(np.int64), np.zeros(m, np.int64)])
            f.add_arcs_with_capacity_and_unit_cost(tails, heads, capa, cost)
            f.set_node_supply(src, n)
            f.set_node_supply(snk, -n)
            status = f.solve_max_flow_with_min_cost()
            if status != f.OPTIMAL:
                raise RuntimeError(f"min-cost flow failed: {status}")
            return f.flows(np.arange(n, n + e)) > 0, "ortools-min-cost-flow"
    # SciPy: rectangular sparse assignment on capacity slots, one private "unmatched" column per mentee.
    import scipy.sparse as sp
    from scipy.sparse.csgraph import min_weight_full_bipartite_matching

    cap = cap.astype(np.int64)
    slot_start = np.concatenate([[0], np.cumsum(cap)])
    n_slots = int(slot_start[-1])
    reps = cap[cols]
    edge_of = np.repeat(np.arange(len(rows)), reps)
    offset = np.arange(len(edge_of)) - np.repeat(np.cumsum(reps) - reps, reps)
    er = rows[edge_of]
    ec = slot_start[cols[edge_of]] + offset
    g = gain.astype(np.float64)
    big = float(n + 1) * (float(np.abs(g).max()) * 2 + 1)
    top = 2 * big + float(np.abs(g).max()) + 1
    cost = top - (big + g[edge_of])
    r_all = np.concatenate([er, np.arange(n)])
    c_all = np.concatenate([ec, n_slots + np.arange(n)])
    w_all = np.concatenate([cost, np.full(n, top)])
    graph = sp.csr_matrix((w_all, (r_all, c_all)), shape=(n, n_slots + n))
    _, col_of_row = min_weight_full_bipartite_matching(graph)
    used = np.zeros(len(rows), bool)
    real = col_of_row < n_slots
    slot_mentor = np.repeat(np.arange(m), cap)
    mentor_of = np.full(n, -1)
    mentor_of[np.nonzero(real)[0]] = slot_mentor[col_of_row[real]]
    used = mentor_of[rows] == cols
    # parallel edges between the same pair are impossible (candidates are unique pairs)
    return used, "scipy-lapjvsp"


def _solve_forced(n, m, cap, rows, cols, gain, forced_a, forced_b, total, backend):
    """Max-gain b-matching with exactly ``total`` pairs in which every ``forced_a`` mentee
    is matched and every ``forced_b`` mentor is full (fixed supplies, so the costs carry the
    scores only). None when OR-Tools is not there (or not wanted)."""
    if backend == "scipy" or len(rows) == 0:
        return None
    try:
        from ortools.graph.python import min_cost_flow
    except ImportError:
        return None
    f = min_cost_flow.SimpleMinCostFlow()
    src, snk = n + m, n + m + 1
    free_a = np.nonzero(~forced_a)[0]
    free_b = np.nonzero(~forced_b & (cap > 0))[0]
    e = len(rows)
    tails = np.concatenate([rows, np.full(len(free_a), src), n + free_b]).astype(np.int32)
    heads = np.concatenate([n + cols, free_a, np.full(len(free_b), snk)]).astype(np.int32)
    capa = np.concatenate([np.ones(e + len(free_a), np.int64), cap[free_b].astype(np.int64)])
    cost = np.concatenate([-gain.astype(np.int64), np.zeros(len(free_a) + len(free_b), np.int64)])
    f.add_arcs_with_capacity_and_unit_cost(tails, heads, capa, cost)
    fa = np.nonzero(forced_a)[0]
    fb = np.nonzero(forced_b)[0]
    supply = np.zeros(n + m + 2, np.int64)
    supply[fa] = 1
    supply[n + fb] = -cap[fb]
    supply[src] = total - len(fa)
    supply[snk] = -(total - int(cap[fb].sum()))
    f.set_nodes_supplies(np.arange(n + m + 2, dtype=np.int32), supply)
    status = f.solve()
    if status != f.OPTIMAL:
        raise RuntimeError(f"min-cost flow (hub stage 2) failed: {status}")
    return f.flows(np.arange(e)) > 0


def _duals(n, m, cap, rows, cols, w, used):
    """LP duals (u mentee, v mentor) of the b-matching LP, rebuilt from an optimal solution
    by a Bellman-Ford style fixed point (iterative, bounded by n+m rounds), then checked."""
    match_w = np.zeros(n, np.int64)
    matched = np.zeros(n, bool)
    match_col = np.zeros(n, np.int64)
    match_w[rows[used]] = w[used]
    matched[rows[used]] = True
    match_col[rows[used]] = cols[used]
    load = np.bincount(cols[used], minlength=m)
    sat = load >= cap
    v = np.zeros(m, np.int64)
    order = np.argsort(cols, kind="stable")
    c_sorted = cols[order]
    starts = np.searchsorted(c_sorted, np.arange(m))
    has = np.searchsorted(c_sorted, np.arange(m), side="right") > starts
    neg = np.iinfo(np.int64).min // 4
    free_edge = ~used[order]
    r_sorted, w_sorted = rows[order], w[order]
    u = np.zeros(n, np.int64)
    for _ in range(n + m + 2):
        u = np.where(matched, match_w - v[match_col], 0)
        red = np.append(np.where(free_edge, w_sorted - u[r_sorted], neg), neg)
        mx = np.maximum.reduceat(red, starts)
        mx = np.where(has, mx, neg)
        nv = np.where(sat, np.maximum(mx, 0), 0)
        if np.array_equal(nv, v):
            break
        v = nv
    else:
        raise RuntimeError("dual reconstruction did not converge (solution not optimal)")
    u = np.where(matched, match_w - v[match_col], 0)
    # certificate on the candidate graph: feasibility + complementary slackness
    if (u < 0).any() or (v < 0).any() or (w - u[rows] - v[cols] > 0).any():
        raise RuntimeError("optimality certificate failed on the candidate graph")
    if (v[~sat] != 0).any() or (u[rows[used]] + v[cols[used]] != w[used]).any():
        raise RuntimeError("complementary slackness failed")
    return u, v


# --------------------------------------------------------------------------- main entry

SPARSE_HUB_MAX_EDGES = 30_000_000  # hub mode lists its allowed pairs when there are at most this many


def _hub_edges(scorer: Scorer, rows: np.ndarray):
    """Every (mentee, mentor) pair whose mentor's hub the mentee ranked, with that rank
    (the best one when a hub is ranked twice): mentors grouped by hub, one repeat per choice."""
    a, b = scorer.a, scorer.b
    hc = a.hub_choices[rows]
    hubs = np.where(b.hub >= 0, b.hub, -1)
    order = np.argsort(hubs, kind="stable")
    sorted_hubs = hubs[order]
    uniq = np.unique(sorted_hubs[sorted_hubs >= 0])
    starts = np.searchsorted(sorted_hubs, uniq)
    ends = np.searchsorted(sorted_hubs, uniq, side="right")
    where = np.searchsorted(uniq, hc)
    where = np.minimum(where, max(len(uniq) - 1, 0))
    known = (hc >= 0) & (len(uniq) > 0)
    if len(uniq):
        known &= uniq[where] == hc
    for c in range(1, hc.shape[1]):  # a hub ranked again counts at its best rank only
        known[:, c] &= ~(hc[:, :c] == hc[:, [c]]).any(axis=1)
    ri, ci = np.nonzero(known)
    lo, hi = starts[where[ri, ci]], ends[where[ri, ci]]
    cnt = hi - lo
    total = int(cnt.sum())
    er = np.repeat(rows[ri], cnt)
    rank = np.repeat((ci + 1).astype(np.int8), cnt)
    pos = np.repeat(lo - np.cumsum(cnt) + cnt, cnt) + np.arange(total)
    return er, order[pos], rank


def _hub_edge_count(scorer: Scorer, rows: np.ndarray) -> int:
    hubs = scorer.b.hub[scorer.b.hub >= 0]
    size = np.bincount(hubs) if len(hubs) else np.zeros(1, np.int64)
    hc = scorer.a.hub_choices[rows]
    ok = (hc >= 0) & (hc < len(size))
    return int(size[np.where(ok, hc, 0)][ok].sum())


def match(
    mentees: Participants,
    mentors: Participants,
    config: MatchConfig,
    mode: str = "optimal",
    backend: str = "auto",
) -> MatchResult:
    """Exact matching. ``mode`` is ``"optimal"`` or ``"hub"`` (see the ``matching.engine`` package docstring
    and ``MatchResult.objective``). ``backend``: ``"auto"`` (OR-Tools if installed, else
    SciPy), ``"ortools"`` or ``"scipy"``.

    Exactness: the scores optimised, priced and reported are the same exact float64 pair
    scores (``Scorer.score``, the sum of the explained contributions); float32 is used only
    to choose candidates and to screen left-out pairs, always widened by ``Scorer.fast_error``."""
    if mode not in ("optimal", "hub"):
        raise ValueError("mode must be 'optimal' or 'hub' (use stable_match for stable mode)")
    t0 = time.perf_counter()
    hub_mode = mode == "hub"
    n, m = len(mentees), len(mentors)
    cfg = config

    # locked pairs use capacity and take their mentees out of the optimisation
    cap = np.where(mentors.eligible, mentors.capacity, 0).astype(np.int64)
    locked = []
    locked_mentee = np.zeros(n, bool)
    for i, j in cfg.locked_pairs:
        i, j = int(i), int(j)
        if locked_mentee[i]:
            raise ValueError(f"mentee {i} is locked twice")
        locked.append((i, j))
        locked_mentee[i] = True
        cap[j] -= 1
    if (cap < 0).any():
        raise ValueError("locked pairs exceed the capacity of a mentor")
    scorer = Scorer(mentees, mentors, cfg, mentor_ok=cap > 0)
    eps = scorer.fast_error

    active = np.nonzero(~locked_mentee)[0]
    k = max(1, int(cfg.n_candidates or (24 if n * m <= 10_000_000 else 48)))
    n_eff = int(min(len(active), int(cap.sum()))) + 1
    levels = 2 if hub_mode else 0
    smax_abs = max(scorer.smax, -scorer.smin, 1e-9)
    # integer score resolution, as fine as int64 arithmetic allows (duals and flow costs)
    limit = 2**61
    smax_int = 10**6
    while smax_int > 10 and (
        _lex_weights(n_eff, smax_int, levels)[1] * 4 > limit or smax_int * (n_eff**levels) * 4 * (n + m + 2) > limit
    ):
        smax_int //= 2
    scale = smax_int / smax_abs
    ks, big = _lex_weights(n_eff, smax_int, levels)

    def gain_of(s, rank):
        g = np.rint(np.asarray(s, np.float64) * scale).astype(np.int64)
        if hub_mode:
            g = g + ks[0] * (rank == 1) + ks[1] * (rank == 2)
        return g

    t1 = time.perf_counter()
    base_cnt = np.zeros(n, np.int64)
    feas_cnt = np.zeros(n, np.int64)
    sparse = hub_mode and m > 0 and len(active) > 0 and _hub_edge_count(scorer, active) <= SPARSE_HUB_MAX_EDGES
    if m == 0 or len(active) == 0:
        rows_e = cols_e = np.zeros(0, np.int64)
        s_e = np.zeros(0)
        price = None
    elif sparse:
        hub = _hub_two_stage(scorer, active, k, cap, base_cnt, feas_cnt, n_eff, backend)
        rows_e, cols_e, s_e = hub["alternatives"]
        price = None
    else:
        rows_e, cols_e, s_e, price = _dense(
            scorer, active, k, base_cnt, feas_cnt, gain_of, big, scale, smax_abs, hub_mode, cfg
        )
    t_score = time.perf_counter() - t1
    if sparse:
        t_score = hub["t_scoring"]

    # ---- solve, price every left-out pair against the duals, repeat until none improves
    t2 = time.perf_counter()
    rounds, added, priced_rows = 0, 0, 0
    solver_name = "none"
    t_price = 0.0
    used = np.zeros(0, bool)
    while price is not None:
        rounds += 1
        rank_e = scorer.hub_rank(rows_e, cols_e) if hub_mode else None
        g = gain_of(s_e, rank_e)
        used, solver_name = _solve_flow(n, m, cap, rows_e, cols_e, g, backend)
        u, v = _duals(n, m, cap, rows_e, cols_e, big + g, used)
        tp = time.perf_counter()
        found, priced = price(u, v, rows_e, cols_e)
        priced_rows += priced
        t_price += time.perf_counter() - tp
        if found is None:
            break
        nr, nc, ns = found
        added += len(nr)
        rows_e = np.concatenate([rows_e, nr])
        cols_e = np.concatenate([cols_e, nc])
        s_e = np.concatenate([s_e, ns])
    t_solve = time.perf_counter() - t2 - t_price

    # ---- result
    t3 = time.perf_counter()
    mentor_of = np.full(n, -1, np.int64)
    pr, pc = hub["pairs"] if sparse else (rows_e[used], cols_e[used])
    if sparse:
        rounds, added, solver_name, t_solve = hub["rounds"], hub["added"], hub["solver"], hub["t_solve"]
    mentor_of[pr] = pc
    pairs = [(i, j, True) for i, j in locked] + [(int(i), int(j), False) for i, j in zip(pr, pc, strict=True)]
    assignments = explain_pairs(scorer, pairs)
    if hub_mode or mentees.hub_choices.shape[1]:
        ranks = (
            scorer.hub_rank(np.array([p[0] for p in pairs], np.int64), np.array([p[1] for p in pairs], np.int64))
            if pairs
            else []
        )
        for a, r in zip(assignments, ranks, strict=True):
            a.hub_rank = int(r) or None
    for i, j in locked:
        mentor_of[i] = j
    unmatched = unmatched_reasons(np.nonzero(mentor_of < 0)[0].tolist(), mentees.eligible, base_cnt, feas_cnt)
    alternatives = _alternatives(rows_e, cols_e, s_e, mentor_of, n, cfg.n_alternatives)
    total = float(sum(a.score for a in assignments))
    stats = {
        "objective": OBJECTIVES[mode],
        "mode": mode,
        "solver": solver_name,
        "matched": len(assignments),
        "unmatched": len(unmatched),
        "total_score": total,
        "locked": len(locked),
        "optimality": (
            "proven on the reported float64 scores rounded to score_resolution: LP duals price every"
            " left-out pair with no improving one"
        ),
        "pricing_rounds": rounds,
        "pairs_added_by_pricing": added,
        "rows_priced_exactly": priced_rows,
        "candidate_edges": len(rows_e),
        "candidate_graph": "allowed hub pairs, listed; two exact stages"
        if sparse
        else "top candidates of a blocked pass",
        "score_resolution": hub["resolution"] if sparse else 1.0 / scale,
        "fast_score_error_bound": eps,
        "timings": {
            "scoring": t_score,
            "solve": t_solve,
            "pricing": t_price,
            "explain": time.perf_counter() - t3,
            "total": time.perf_counter() - t0,
        },
    }
    if hub_mode:
        hist = {"1": 0, "2": 0, "3": 0, "other": 0, "none": len(unmatched)}
        for a in assignments:
            key = str(a.hub_rank) if a.hub_rank in (1, 2, 3) else "other"
            hist[key] += 1
        stats["choice_ranks"] = hist
    return MatchResult(OBJECTIVES[mode], mode, assignments, unmatched, alternatives, stats)


class _CandidateIndex:
    """Where each mentee's candidate pairs are, sorted once per pricing round, so every
    block finds its rows' candidates without sorting the candidate list again."""

    def __init__(self, n, rows_e, cols_e):
        self.order = np.argsort(rows_e, kind="stable")
        self.ptr = np.searchsorted(rows_e[self.order], np.arange(n + 1))
        self.cols = cols_e

    def in_block(self, rows):
        """(block row, column) of the candidate pairs of ``rows``."""
        lo, hi = self.ptr[rows], self.ptr[rows + 1]
        cnt = hi - lo
        loc = np.repeat(np.arange(len(rows)), cnt)
        pos = np.repeat(lo - np.cumsum(cnt) + cnt, cnt) + np.arange(cnt.sum())
        return loc, self.cols[self.order[pos]]


def _dense(scorer, active, k, base_cnt, feas_cnt, gain_of, big, scale, smax_abs, hub_mode, cfg):
    """Candidates from a blocked float32 pass (top k per mentee); pricing rescans blocks."""
    n, m = len(scorer.a), len(scorer.b)
    eps = scorer.fast_error
    bound = np.full(n, -np.inf)
    rank_key = np.float32(1000.0 * max(smax_abs, 1.0))
    cache = np.empty((n, m), np.float32) if 0 < n * m <= cfg.cache_elements else None
    all_cols = np.arange(m)[None, :]

    def key_of(rows, s):
        if not hub_mode:
            return s
        rank = scorer.hub_rank(rows[:, None], all_cols)
        return s + rank_key * (rank == 1) + (rank_key / 2) * (rank == 2)

    def candidate_block(rows):
        s, base, ok = scorer.block(rows, hub_mode)
        base_cnt[rows] = np.count_nonzero(base, axis=1)
        feas_cnt[rows] = np.count_nonzero(ok, axis=1)
        if cache is not None:
            cache[rows] = s
        r, c, bd = top_k(key_of(rows, s), k)
        bound[rows] = bd
        return rows[r], c

    out = map_blocks(candidate_block, list(row_blocks(active, m, cfg.block_elements)), cfg.threads)
    rows_e = np.concatenate([x[0] for x in out]) if out else np.zeros(0, np.int64)
    cols_e = np.concatenate([x[1] for x in out]) if out else np.zeros(0, np.int64)
    s_e = scorer.score(rows_e, cols_e, np.float64)

    def price(u, v, rows_e, cols_e):
        # cheap bound first (standard mode): every left-out exact score <= bound[i] + eps, and v >= 0
        if hub_mode:
            suspect = active[feas_cnt[active] > 0]
        else:
            bnd = np.where(np.isfinite(bound), bound + eps, 0.0)
            ub = big + np.ceil(bnd * scale).astype(np.int64) + 1
            suspect = active[(feas_cnt[active] > 0) & np.isfinite(bound[active]) & (ub[active] - u[active] > 0)]
        known = _CandidateIndex(n, rows_e, cols_e)

        def price_block(rows):
            s = cache[rows] if cache is not None else scorer.block(rows, hub_mode)[0]
            ok = s > -np.inf
            if hub_mode:
                rk = scorer.hub_rank(rows[:, None], all_cols)
                ub = np.ceil((np.where(ok, s, 0).astype(np.float64) + eps) * scale).astype(np.int64) + 1
                ub += gain_of(np.zeros(rk.shape), rk) + big - u[rows][:, None] - v[None, :]
                ub[~ok] = -1
                loc, cc_ = known.in_block(rows)
                ub[loc, cc_] = -1
                rr, cc = np.nonzero(ub > 0)
            else:
                # float32 screen in score units, widened by the fast-score error and rounding
                ta64 = (u[rows] - big).astype(np.float64) / scale
                tb64 = v.astype(np.float64) / scale
                ta = (ta64 - eps - 1e-6 * np.abs(ta64) - 4.0 / scale).astype(np.float32)
                tb = (tb64 - 1e-6 * np.abs(tb64)).astype(np.float32)
                scr = s - ta[:, None]
                scr -= tb[None, :]
                loc, cc_ = known.in_block(rows)
                scr[loc, cc_] = -1
                rr, cc = np.nonzero(scr > 0)
            if not len(rr):
                return None
            ex = scorer.score(rows[rr], cc, np.float64)
            rk = scorer.hub_rank(rows[rr], cc) if hub_mode else None
            red = gain_of(ex, rk) + big - u[rows[rr]] - v[cc]
            keep = red > 0
            if not keep.any():
                return None
            return _best_per_row(rows[rr][keep], cc[keep], red[keep], ex[keep], k)

        found = [x for x in map_blocks(price_block, list(row_blocks(suspect, m, cfg.block_elements)), cfg.threads) if x]
        if not found:
            return None, len(suspect)
        return tuple(np.concatenate([x[i] for x in found]) for i in range(3)), len(suspect)

    return rows_e, cols_e, s_e, price


def _best_per_row(r, c, red, s, k):
    """At most k pairs per row, the most improving first (exact reduced costs)."""
    order = np.lexsort((c, -red, r))
    r, c, s = r[order], c[order], s[order]
    first = np.searchsorted(r, r)
    keep = (np.arange(len(r)) - first) < k
    return r[keep], c[keep], s[keep]


def _hub_two_stage(scorer, active, k, cap, base_cnt, feas_cnt, n_eff, backend):
    """Hub mode on its allowed graph (listed in full, exact float64 scores), in two exact stages.

    1. Ranks only: most matches, then most 1st choices, then most 2nd. Small integer gains,
       solved on the top k pairs of each mentee and priced against every other allowed
       pair with LP duals until none improves.
    2. Scores: the stage-1 duals mark every pair and every person that some stage-1
       optimum can use (tight pairs; people with a positive dual are always full). The
       highest total score is then found among exactly those matchings, at a score
       resolution the rank weights no longer squeeze (they are out of the costs)."""
    n, m = len(scorer.a), len(scorer.b)
    t0 = time.perf_counter()
    er, ec, rank = _hub_edges(scorer, active)
    base = scorer.base_feasible(er, ec, False)
    ok = base & scorer.pair_ok(er, ec) & ~scorer.excluded_pairs(er, ec)
    base_cnt += np.bincount(er[base], minlength=n)
    feas_cnt += np.bincount(er[ok], minlength=n)
    er, ec, rank = er[ok], ec[ok], rank[ok]
    chunk = 2_000_000
    parts = [scorer.score(er[x : x + chunk], ec[x : x + chunk], np.float64) for x in range(0, len(er), chunk)]
    es = np.concatenate(parts) if parts else np.zeros(0)
    t_scoring = time.perf_counter() - t0
    # ---- stage 1: ranks
    k2 = 1
    k1 = n_eff * k2 + 1
    g1 = k1 * (rank == 1).astype(np.int64) + k2 * (rank == 2)
    big1 = n_eff * k1 + 1
    # candidates: each mentee's best few mentors of every rank it gave, by score
    order = np.lexsort((ec, -es, rank, er))
    er, ec, rank, es, g1 = er[order], ec[order], rank[order], es[order], g1[order]
    group = er.astype(np.int64) * 256 + rank
    first = np.searchsorted(group, group)
    is_cand = (np.arange(len(er)) - first) < max(1, k // 3)
    rounds, added, solver_name = 0, 0, "none"
    u = np.zeros(n, np.int64)
    v = np.zeros(m, np.int64)
    used1 = np.zeros(0, bool)
    while len(er):
        rounds += 1
        cand = np.nonzero(is_cand)[0]
        used1, solver_name = _solve_flow(n, m, cap, er[cand], ec[cand], g1[cand], backend)
        u, v = _duals(n, m, cap, er[cand], ec[cand], big1 + g1[cand], used1)
        left = np.nonzero(~is_cand)[0]
        red = big1 + g1[left] - u[er[left]] - v[ec[left]]
        viol = red > 0
        if not viol.any():
            break
        pick = left[viol]
        r, c, _ = _best_per_row(er[pick], ec[pick], red[viol], es[pick], k)
        added += len(r)
        code = r.astype(np.int64) * m + c
        is_cand[np.isin(er.astype(np.int64) * m + ec, code)] = True
    cand = np.nonzero(is_cand)[0]
    matched1 = int(used1.sum())
    profile1 = (matched1, int((rank[cand][used1] == 1).sum()), int((rank[cand][used1] == 2).sum()))
    # ---- stage 2: the best total score among the stage-1 optima
    tight = np.nonzero(u[er] + v[ec] == big1 + g1)[0]
    forced = (u > 0)[er[tight]].astype(np.int64) + (v > 0)[ec[tight]]
    smax_abs = max(scorer.smax, -scorer.smin, 1e-9)
    res2 = 10**9
    while res2 > 10:
        bonus = 2 * n_eff * res2 + 1
        gmax = res2 + 2 * bonus
        if n_eff * 2 * gmax * 4 < 2**61 and gmax * (n + m + 3) * 4 < 2**62:
            break
        res2 //= 2
    scale2 = res2 / smax_abs
    g2 = np.rint(es[tight] * scale2).astype(np.int64) + bonus * forced
    big2 = n_eff * 2 * gmax + 1
    used2 = _solve_forced(n, m, cap, er[tight], ec[tight], g2 - bonus * forced, u > 0, v > 0, matched1, backend)
    if used2 is None:  # no OR-Tools: the forced people get a bonus instead of a fixed supply
        used2, _ = _solve_flow(n, m, cap, er[tight], ec[tight], g2, backend)
    _duals(n, m, cap, er[tight], ec[tight], big2 + g2, used2)  # certificate of stage 2 (raises if not)
    r2 = rank[tight][used2]
    profile2 = (int(used2.sum()), int((r2 == 1).sum()), int((r2 == 2).sum()))
    if profile2 != profile1:
        raise RuntimeError(f"hub stage 2 changed the rank profile {profile1} -> {profile2}")
    return {
        "pairs": (er[tight][used2], ec[tight][used2]),
        "alternatives": (er[cand], ec[cand], es[cand]),
        "rounds": rounds,
        "added": added,
        "solver": solver_name,
        "candidates": len(cand),
        "allowed": len(er),
        "tight": len(tight),
        "resolution": 1.0 / scale2,
        "t_scoring": t_scoring,
        "t_solve": time.perf_counter() - t0 - t_scoring,
    }


def _alternatives(rows, cols, s, mentor_of, n, k):
    keep = cols != mentor_of[rows]
    rows, cols, s = rows[keep], cols[keep], s[keep]
    order = np.lexsort((-s, rows))
    rows, cols, s = rows[order], cols[order], s[order]
    first = np.searchsorted(rows, rows)
    sel = (np.arange(len(rows)) - first) < k
    alts: dict[int, list[tuple[int, float]]] = {}
    for r, c, sc in zip(rows[sel].tolist(), cols[sel].tolist(), s[sel].tolist(), strict=True):
        alts.setdefault(r, []).append((c, sc))
    return alts


def greedy_match(
    mentees: Participants, mentors: Participants, config: MatchConfig, mode: str = "optimal"
) -> MatchResult:
    """Baseline: take pairs by descending exact score (among each mentee's top candidates)."""
    t0 = time.perf_counter()
    n, m = len(mentees), len(mentors)
    cap = np.where(mentors.eligible, mentors.capacity, 0).astype(np.int64)
    locked = [(int(i), int(j)) for i, j in config.locked_pairs]
    in_play = mentees.eligible.copy()
    for i, j in locked:  # kept as they are; they use a place
        cap[j] -= 1
        in_play[i] = False
    if (cap < 0).any():
        raise ValueError("locked pairs exceed the capacity of a mentor")
    scorer = Scorer(mentees, mentors, config, mentor_ok=cap > 0, mentee_ok=in_play)
    base_cnt = np.zeros(n, np.int64)
    feas_cnt = np.zeros(n, np.int64)
    rr, cc = [np.zeros(0, np.int64)], [np.zeros(0, np.int64)]
    if m:
        for rows in row_blocks(np.arange(n), m, config.block_elements):
            s, base, ok = scorer.block(rows, mode == "hub")
            base_cnt[rows] = np.count_nonzero(base, axis=1)
            feas_cnt[rows] = np.count_nonzero(ok, axis=1)
            r, c, _ = top_k(s, max(1, config.n_candidates or 24))
            rr.append(rows[r])
            cc.append(c)
    rows, cols = np.concatenate(rr), np.concatenate(cc)
    s = scorer.score(rows, cols, np.float64)
    order = np.lexsort((cols, rows, -s))
    taken = np.zeros(n, bool)
    taken[[i for i, _ in locked]] = True
    left = cap.copy()
    pairs = [(i, j, True) for i, j in locked]
    for r, c in zip(rows[order].tolist(), cols[order].tolist(), strict=True):
        if not taken[r] and left[c] > 0:
            taken[r] = True
            left[c] -= 1
            pairs.append((r, c, False))
    assignments = explain_pairs(scorer, pairs)
    total = float(sum(a.score for a in assignments))
    unmatched = unmatched_reasons(np.nonzero(~taken)[0].tolist(), mentees.eligible, base_cnt, feas_cnt)
    stats = {
        "objective": OBJECTIVES["greedy"],
        "mode": "greedy",
        "matched": len(pairs),
        "locked": len(locked),
        "unmatched": len(unmatched),
        "total_score": total,
        "timings": {"total": time.perf_counter() - t0},
    }
    return MatchResult(OBJECTIVES["greedy"], "greedy", assignments, unmatched, {}, stats)
