"""The LP and matching pieces of the exact peer matching engine (:mod:`matching.engine.peer`):
the degree LP on the bipartite double cover (OR-Tools min-cost flow, exact integer duals), the
perfect-matching LP with odd-set cuts kept in one warm-started HiGHS model, the violated odd
sets of a fractional solution, and Edmonds' blossom per connected component (rustworkx)."""

from __future__ import annotations

import numpy as np

CUT_THRESHOLDS = (1e-6, 0.1, 0.2, 0.3, 0.4)


def lp_duals(n_nodes: int, a: np.ndarray, b: np.ndarray, w: np.ndarray):
    """Fractional matching LP (degree <= 1) on the edges (a, b) with integer weights w, through
    its bipartite double cover: an integer min-cost flow, then exact integer duals of the
    cover rebuilt from it (Bellman-Ford style fixed point) and checked. Returns y (int64,
    y_u + y_v >= 2 w_e on every given edge, y >= 0; sum(y) = 2 * LP optimum) and the
    fractional solution x in halves (0, 1 or 2 per edge)."""
    from ortools.graph.python import min_cost_flow

    n = n_nodes
    rows = np.concatenate([a, b]).astype(np.int64)
    cols = np.concatenate([b, a]).astype(np.int64)
    ww = np.concatenate([w, w]).astype(np.int64)
    e = len(rows)
    f = min_cost_flow.SimpleMinCostFlow()
    src, snk = 2 * n, 2 * n + 1
    # max weight (not max flow first: the dummy's edges weigh half): a free bypass arc
    tails = np.concatenate([np.full(n, src), rows, n + np.arange(n), [src]]).astype(np.int32)
    heads = np.concatenate([np.arange(n), n + cols, np.full(n, snk), [snk]]).astype(np.int32)
    capa = np.ones(2 * n + e + 1, np.int64)
    capa[-1] = n
    cost = np.concatenate([np.zeros(n, np.int64), -ww, np.zeros(n + 1, np.int64)])
    f.add_arcs_with_capacity_and_unit_cost(tails, heads, capa, cost)
    f.set_node_supply(src, n)
    f.set_node_supply(snk, -n)
    status = f.solve()
    if status != f.OPTIMAL:
        raise RuntimeError(f"min-cost flow failed: {status}")
    used = f.flows(np.arange(n, n + e)) > 0
    # duals u (left copies), v (right copies)
    matched = np.zeros(n, bool)
    match_w = np.zeros(n, np.int64)
    match_col = np.zeros(n, np.int64)
    matched[rows[used]] = True
    match_w[rows[used]] = ww[used]
    match_col[rows[used]] = cols[used]
    sat = np.bincount(cols[used], minlength=n) >= 1
    order = np.argsort(cols, kind="stable")
    c_sorted = cols[order]
    starts = np.searchsorted(c_sorted, np.arange(n))
    has = np.searchsorted(c_sorted, np.arange(n), side="right") > starts
    neg = np.iinfo(np.int64).min // 4
    free_edge = ~used[order]
    r_sorted, w_sorted = rows[order], ww[order]
    v = np.zeros(n, np.int64)
    for _ in range(2 * n + 2):
        u = np.where(matched, match_w - v[match_col], 0)
        red = np.append(np.where(free_edge, w_sorted - u[r_sorted], neg), neg)
        mx = np.maximum.reduceat(red, starts)
        mx = np.where(has, mx, neg)
        nv = np.where(sat, np.maximum(mx, 0), 0)
        if np.array_equal(nv, v):
            break
        v = nv
    else:
        raise RuntimeError("dual reconstruction did not converge")
    u = np.where(matched, match_w - v[match_col], 0)
    if (u < 0).any() or (v < 0).any() or (ww - u[rows] - v[cols] > 0).any():
        raise RuntimeError("LP dual certificate failed on the candidate graph")
    if (u[rows[used]] + v[cols[used]] != ww[used]).any() or (v[~sat] != 0).any():
        raise RuntimeError("LP complementary slackness failed")
    half = used[: len(a)].astype(np.int64) + used[len(a) :]
    return u + v, half


# --------------------------------------------------------------------------- blossom on R(T)


def blossom(n_nodes: int, a: np.ndarray, b: np.ndarray, w: np.ndarray):
    """Exact max-weight matching (Edmonds' blossom, rustworkx), one connected component at a
    time. Returns the chosen edge indices."""
    import rustworkx as rx
    import scipy.sparse as sp
    from scipy.sparse.csgraph import connected_components

    if not len(a):
        return np.zeros(0, np.int64)
    g = sp.coo_matrix((np.ones(len(a)), (a, b)), shape=(n_nodes, n_nodes))
    _, label = connected_components(g, directed=False)
    comp = label[a]
    order = np.argsort(comp, kind="stable")
    bounds = np.searchsorted(comp[order], np.unique(comp))
    bounds = np.append(bounds, len(order))
    chosen = []
    wl = w.tolist()
    for s, t in zip(bounds[:-1], bounds[1:], strict=True):
        idx = order[s:t]
        if len(idx) == 1:
            if wl[idx[0]] > 0:
                chosen.append(int(idx[0]))
            continue
        nodes, local = np.unique(np.concatenate([a[idx], b[idx]]), return_inverse=True)
        la, lb = local[: len(idx)], local[len(idx) :]
        graph = rx.PyGraph(multigraph=False)
        graph.add_nodes_from(range(len(nodes)))
        graph.add_edges_from(list(zip(la.tolist(), lb.tolist(), idx.tolist(), strict=True)))
        mate = rx.max_weight_matching(graph, max_cardinality=False, weight_fn=lambda e: wl[e])
        for x, y in mate:
            chosen.append(int(graph.get_edge_data(x, y)))
    return np.array(sorted(chosen), np.int64)


class CutLP:
    """The perfect-matching LP with odd-set cuts, kept in one HiGHS model: edge columns and
    cut rows are added as they come and every re-solve starts from the previous basis (dual
    simplex after new cuts). Maximises ``sum g_e x_e`` with ``x(delta(v)) = 1`` per vertex and
    ``x(E(S)) <= (|S| - 1) / 2`` per cut."""

    def __init__(self, verts: np.ndarray, n_nodes: int, unit: float):
        import highspy

        self.hs = highspy
        self.h = h = highspy.Highs()
        h.setOptionValue("output_flag", False)
        h.setOptionValue("log_to_console", False)
        h.changeObjectiveSense(highspy.ObjSense.kMaximize)
        self.nv, self.unit, self.n_nodes = len(verts), unit, n_nodes
        self.pos = np.full(n_nodes, -1, np.int64)
        self.pos[verts] = np.arange(self.nv)
        one = np.ones(self.nv)
        h.addRows(self.nv, one, one, 0, np.zeros(self.nv, np.int32), np.zeros(0, np.int32), np.zeros(0))
        self.a = self.b = self.g = np.zeros(0, np.int64)
        self.s = np.zeros(0)
        self.cut_sets: list[np.ndarray] = []
        self.cut_cols: list[np.ndarray] = []  # the columns inside each cut
        self.keys: set[tuple[int, ...]] = set()
        self._mem = None

    def add_edges(self, a, b, g, s):
        """New columns: their two degree rows and every cut containing both ends."""
        m = len(a)
        if not m:
            return
        ra, rb = self.pos[a], self.pos[b]
        if self.cut_sets:
            mem = self.membership()
            both = (mem[a].multiply(mem[b])).tocoo()
            ec, cr = both.row.astype(np.int64), both.col.astype(np.int64)
        else:
            ec = cr = np.zeros(0, np.int64)
        col = np.concatenate([np.arange(m), np.arange(m), ec])
        row = np.concatenate([ra, rb, self.nv + cr])
        order = np.argsort(col, kind="stable")
        col, row = col[order], row[order]
        starts = np.searchsorted(col, np.arange(m)).astype(np.int32)
        inf = self.hs.kHighsInf
        nnz = len(row)
        self.h.addCols(m, g * self.unit, np.zeros(m), np.full(m, inf), nnz, starts, row.astype(np.int32), np.ones(nnz))
        base = len(self.a)
        for c, e in zip(cr.tolist(), ec.tolist(), strict=True):
            self.cut_cols[c] = np.append(self.cut_cols[c], base + e)
        self.a, self.b = np.concatenate([self.a, a]), np.concatenate([self.b, b])
        self.g, self.s = np.concatenate([self.g, g]), np.concatenate([self.s, s])

    def membership(self):
        """Sparse (nodes x cuts) 0/1."""
        import scipy.sparse as sp

        if self._mem is None or self._mem.shape[1] != len(self.cut_sets):
            rows = np.concatenate(self.cut_sets)
            cols = np.repeat(np.arange(len(self.cut_sets)), [len(S) for S in self.cut_sets])
            self._mem = sp.csr_matrix((np.ones(len(rows), np.int8), (rows, cols)), (self.n_nodes, len(self.cut_sets)))
        return self._mem

    def new_sets(self, batches):
        """The sets not already cut (each batch: disjoint sets)."""
        out = []
        for batch in batches:
            keep = []
            for S in batch:
                key = tuple(S.tolist())
                if key not in self.keys:
                    self.keys.add(key)
                    keep.append(S)
            if keep:
                out.append(keep)
        return out

    def add_cuts(self, batches):
        """Rows for the cuts (their inside pairs must already be columns)."""
        for batch in batches:
            lab = np.full(self.n_nodes, -1, np.int64)
            for r, S in enumerate(batch):
                lab[S] = r
            la, lb = lab[self.a], lab[self.b]
            inside = np.nonzero((la == lb) & (la >= 0))[0]
            order = np.argsort(la[inside], kind="stable")
            cols = inside[order]
            cnt = np.bincount(la[cols], minlength=len(batch))
            starts = np.concatenate([[0], np.cumsum(cnt)[:-1]]).astype(np.int32)
            rhs = np.array([(len(S) - 1) // 2 for S in batch], np.float64)
            nr = len(batch)
            self.h.addRows(
                nr, np.full(nr, -self.hs.kHighsInf), rhs, len(cols), starts, cols.astype(np.int32), np.ones(len(cols))
            )
            for r, S in enumerate(batch):
                self.cut_sets.append(S)
                self.cut_cols.append(cols[starts[r] : starts[r] + cnt[r]])

    def solve(self):
        """(x, y, z) in score units, or None when infeasible."""
        self.h.run()
        if self.h.getModelStatus() != self.hs.HighsModelStatus.kOptimal:
            return None
        sol = self.h.getSolution()
        x = np.asarray(sol.col_value)
        d = np.asarray(sol.row_dual) / self.unit
        return x, d[: self.nv], d[self.nv :]

    def zsum(self, z_int):
        """Per column, the sum of z over the cuts containing it (exact integers)."""
        out = np.zeros(len(self.a), np.int64)
        if self.cut_cols:
            cols = np.concatenate(self.cut_cols)
            zz = np.repeat(z_int, [len(c) for c in self.cut_cols])
            np.add.at(out, cols, zz)
        return out


def odd_sets(a, b, x, n_nodes):
    """Odd vertex sets whose blossom inequality the LP solution violates: the odd connected
    components of the fractional support, and of its edges above a few thresholds (an odd
    component S of those is violated when x(delta(S)) < 1). One batch of disjoint sets per
    threshold."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    frac = (x > 1e-6) & (x < 1 - 1e-6)
    if not frac.any():
        return []
    out = []
    for thr in CUT_THRESHOLDS:
        sel = frac & (x > thr)
        if not sel.any():
            break
        fa, fb = a[sel], b[sel]
        g = coo_matrix((np.ones(len(fa)), (fa, fb)), (n_nodes, n_nodes))
        _, lab = connected_components(g, directed=False)
        touched = np.unique(np.concatenate([fa, fb]))
        tl = lab[touched]
        order = np.argsort(tl, kind="stable")
        tl, ts = tl[order], touched[order]
        cut = np.flatnonzero(np.diff(tl)) + 1
        groups = np.split(ts, cut)
        sizes = np.array([len(S) for S in groups])
        odd = [S for S, k in zip(groups, sizes, strict=True) if k % 2 == 1 and k >= 3]
        if not odd:
            continue
        # x(E(S)) per odd component, vectorised
        clab = np.full(n_nodes, -1, np.int64)
        for r, S in enumerate(odd):
            clab[S] = r
        la, lb = clab[a], clab[b]
        ins = (la == lb) & (la >= 0)
        xin = np.bincount(la[ins], weights=x[ins], minlength=len(odd))
        batch = [S for r, S in enumerate(odd) if xin[r] > (len(S) - 1) / 2 + 1e-6]
        if batch:
            out.append(batch)
    return out
