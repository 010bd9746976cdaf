"""The exact assignment: min-cost flow (OR-Tools or SciPy), LP duals for pricing left-out
pairs, :func:`match` (``optimal`` and ``hub`` modes) and the :func:`greedy_match` baseline."""

from __future__ import annotations

import time

import numpy as np

from matching.engine.inputs import (
    OBJECTIVES,
    REASON_CAPACITY,
    REASON_INELIGIBLE,
    REASON_NO_ELIGIBLE_MENTOR,
    REASON_ONLY_EXCLUDED,
    MatchConfig,
    MatchResult,
    Participants,
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


def match(
    mentees: Participants,
    mentors: Participants,
    config: MatchConfig,
    mode: str = "optimal",
    backend: str = "auto",
) -> MatchResult:
    """Exact matching. ``mode`` is ``"optimal"`` or ``"hub"`` (see the ``matching.engine`` package docstring
    and ``MatchResult.objective``). ``backend``: ``"auto"`` (OR-Tools if installed, else
    SciPy), ``"ortools"`` or ``"scipy"``."""
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

    # ---- candidate pass (blocked scoring); keep float32 scores for pricing when they fit
    t1 = time.perf_counter()
    base_cnt = np.zeros(n, np.int64)
    feas_cnt = np.zeros(n, np.int64)
    bound = np.full(n, -np.inf)
    cand_r, cand_c, cand_s = [], [], []
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
        return rows[r], c, s[r, c]

    for r, c, sc_ in map_blocks(candidate_block, list(row_blocks(active, m, cfg.block_elements)), cfg.threads):
        cand_r.append(r)
        cand_c.append(c)
        cand_s.append(sc_)
    rows_e = np.concatenate(cand_r) if cand_r else np.zeros(0, np.int64)
    cols_e = np.concatenate(cand_c) if cand_c else np.zeros(0, np.int64)
    s_e = np.concatenate(cand_s).astype(np.float32) if cand_s else np.zeros(0, np.float32)
    t_score = time.perf_counter() - t1

    # ---- solve, price every left-out pair against the duals, repeat until none improves
    t2 = time.perf_counter()
    rounds, added, priced_rows = 0, 0, 0
    solver_name = "none"
    t_price = 0.0
    while True:
        rounds += 1
        rank_e = scorer.hub_rank(rows_e, cols_e) if hub_mode else None
        g = gain_of(s_e, rank_e)
        used, solver_name = _solve_flow(n, m, cap, rows_e, cols_e, g, backend)
        u, v = _duals(n, m, cap, rows_e, cols_e, big + g, used)
        tp = time.perf_counter()
        # cheap bound first (standard mode): every left-out score <= bound[i], and v >= 0
        if hub_mode:
            suspect = active[feas_cnt[active] > 0]
        else:
            bnd = np.where(np.isfinite(bound), bound, 0.0)
            ub = big + np.ceil(bnd * scale).astype(np.int64) + 1
            suspect = active[(feas_cnt[active] > 0) & np.isfinite(bound[active]) & (ub[active] - u[active] > 0)]
        priced_rows += len(suspect)
        order_e = np.argsort(rows_e, kind="stable")
        ptr_e = np.searchsorted(rows_e[order_e], np.arange(n + 1))

        def price_block(rows, u=u, v=v, ptr_e=ptr_e, cols_e=cols_e, order_e=order_e):
            s = cache[rows] if cache is not None else scorer.block(rows, hub_mode)[0]
            if hub_mode:
                ok = s > -np.inf
                rk = scorer.hub_rank(rows[:, None], all_cols)
                red = gain_of(np.where(ok, s, 0), rk)
                red += big - u[rows][:, None] - v[None, :]
                red[~ok] = -1
            else:
                # float32 screen in score units; rounding covered by a relative margin; exact int64 after
                ta64 = (u[rows] - big).astype(np.float64) / scale
                tb64 = v.astype(np.float64) / scale
                ta = (ta64 - 1e-6 * np.abs(ta64) - 4.0 / scale).astype(np.float32)
                tb = (tb64 - 1e-6 * np.abs(tb64)).astype(np.float32)
                scr = s - ta[:, None]
                scr -= tb[None, :]
                rr, cc = np.nonzero(scr > 0)
                if not len(rr):
                    return None
                red = np.full(s.shape, -1, np.int64)
                red[rr, cc] = gain_of(s[rr, cc], None) + big - u[rows[rr]] - v[cc]
            # candidate pairs of these rows are not "left out"
            lo, hi = ptr_e[rows], ptr_e[rows + 1]
            cnt = hi - lo
            loc = np.repeat(np.arange(len(rows)), cnt)
            pos = np.repeat(lo - np.cumsum(cnt) + cnt, cnt) + np.arange(cnt.sum())
            red[loc, cols_e[order_e[pos]]] = -1
            viol = red > 0
            if not viol.any():
                return None
            # add the most improving left-out pairs of each row (at most k per row per round)
            r, c, _ = top_k(np.where(viol, red.astype(np.float64), -np.inf), k)
            return rows[r], c, s[r, c]

        found = [x for x in map_blocks(price_block, list(row_blocks(suspect, m, cfg.block_elements)), cfg.threads) if x]
        new_r = [x[0] for x in found]
        new_c = [x[1] for x in found]
        new_s = [x[2] for x in found]
        t_price += time.perf_counter() - tp
        if not new_r:
            break
        nr, nc, ns = np.concatenate(new_r), np.concatenate(new_c), np.concatenate(new_s)
        added += len(nr)
        rows_e = np.concatenate([rows_e, nr])
        cols_e = np.concatenate([cols_e, nc])
        s_e = np.concatenate([s_e, ns.astype(np.float32)])
    t_solve = time.perf_counter() - t2 - t_price

    # ---- result
    t3 = time.perf_counter()
    mentor_of = np.full(n, -1, np.int64)
    mentor_of[rows_e[used]] = cols_e[used]
    pairs = [(i, j, True) for i, j in locked] + [
        (int(i), int(j), False) for i, j in zip(rows_e[used], cols_e[used], strict=True)
    ]
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
    unmatched = []
    for i in np.nonzero(mentor_of < 0)[0]:
        if not mentees.eligible[i]:
            reason = REASON_INELIGIBLE
        elif base_cnt[i] == 0:
            reason = REASON_NO_ELIGIBLE_MENTOR
        elif feas_cnt[i] == 0:
            reason = REASON_ONLY_EXCLUDED
        else:
            reason = REASON_CAPACITY
        unmatched.append((int(i), reason))
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
        "optimality": "proven: LP duals price every left-out pair with no improving one",
        "pricing_rounds": rounds,
        "pairs_added_by_pricing": added,
        "rows_priced_exactly": priced_rows,
        "candidate_edges": len(rows_e),
        "score_resolution": 1.0 / scale,
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
    """Baseline: take pairs by descending score (among each mentee's top candidates)."""
    t0 = time.perf_counter()
    n, m = len(mentees), len(mentors)
    cap = np.where(mentors.eligible, mentors.capacity, 0).astype(np.int64)
    scorer = Scorer(mentees, mentors, config, mentor_ok=cap > 0)
    rr, cc, ss = [], [], []
    for rows in row_blocks(np.arange(n), m, config.block_elements):
        s, _, _ = scorer.block(rows, mode == "hub")
        r, c, _ = top_k(s, max(1, config.n_candidates or 24))
        rr.append(rows[r])
        cc.append(c)
        ss.append(s[r, c])
    rows, cols, s = np.concatenate(rr), np.concatenate(cc), np.concatenate(ss)
    order = np.argsort(-s, kind="stable")
    taken = np.zeros(n, bool)
    left = cap.copy()
    pairs = []
    for r, c in zip(rows[order].tolist(), cols[order].tolist(), strict=True):
        if not taken[r] and left[c] > 0:
            taken[r] = True
            left[c] -= 1
            pairs.append((r, c, False))
    assignments = explain_pairs(scorer, pairs)
    total = float(sum(a.score for a in assignments))
    unmatched = [(int(i), REASON_CAPACITY) for i in np.nonzero(~taken)[0]]
    stats = {
        "objective": OBJECTIVES["greedy"],
        "mode": "greedy",
        "matched": len(pairs),
        "total_score": total,
        "timings": {"total": time.perf_counter() - t0},
    }
    return MatchResult(OBJECTIVES["greedy"], "greedy", assignments, unmatched, {}, stats)
