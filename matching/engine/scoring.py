"""Vectorised factor scores (:class:`Scorer`), blocked row iteration, top-k candidate
selection, and the per-pair explanations built from the factors."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from matching.engine.inputs import EARTH_RADIUS_KM, Assignment, MatchConfig, Participants

# --------------------------------------------------------------------------- scoring


class Scorer:
    """Vectorised factor scores; works on (b,1)x(1,m) blocks and on paired 1-D arrays."""

    def __init__(
        self,
        mentees: Participants,
        mentors: Participants,
        cfg: MatchConfig,
        mentor_ok: np.ndarray,
        mentee_ok: np.ndarray | None = None,
    ):
        self.a, self.b, self.cfg = mentees, mentors, cfg
        self.w = {f: float(v) for f, v in cfg.weights.items() if float(v) != 0.0}
        self.mentor_ok = mentor_ok
        self.mentee_ok = mentees.eligible if mentee_ok is None else mentee_ok
        rel = list(cfg.related_specialties)
        self.rel_table = None
        if rel:
            top = max(max(p) for p in rel) + 1
            t = np.zeros((top + 1, top + 1), dtype=bool)
            for x, y in rel:
                t[x, y] = t[y, x] = True
            self.rel_table = t
        self.need_inv = {}
        for nm, side in (("a", mentees), ("b", mentors)):
            for attr in ("areas", "interests"):
                cnt = np.bitwise_count(getattr(side, attr)).sum(axis=1).astype(np.float64)
                self.need_inv[nm, attr] = cnt
        ca = self.need_inv["a", "areas"]
        self.area_inv = np.where(ca > 0, 1.0 / np.maximum(ca, 1), 0.0)
        self.xyz = {}
        for nm, side in (("a", mentees), ("b", mentors)):
            la, lo = np.radians(side.lat), np.radians(side.lon)
            self.xyz[nm] = np.stack([np.cos(la) * np.cos(lo), np.cos(la) * np.sin(lo), np.sin(la)])
        self.geo_c1 = 2 * EARTH_RADIUS_KM**2 / max(cfg.max_distance_km, 1e-6) ** 2
        self.tz_max = max(cfg.max_tz_diff_hours, 1e-6)
        self.conflict_inst = "same_institution" in cfg.conflict_rules
        self._prepare_fast()
        ex = cfg.excluded_pairs
        pairs = list(ex.keys()) if isinstance(ex, Mapping) else list(ex)
        self.exclusion_reason = dict(ex) if isinstance(ex, Mapping) else {}
        if pairs:
            p = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
            order = np.lexsort((p[:, 1], p[:, 0]))
            p = p[order]
            self.ex_cols = p[:, 1]
            self.ex_ptr = np.searchsorted(p[:, 0], np.arange(len(mentees) + 1))
            self.ex_codes = p[:, 0] * len(mentors) + p[:, 1]  # sorted: rows first, then columns
        else:
            self.ex_cols = np.zeros(0, np.int64)
            self.ex_ptr = np.zeros(len(mentees) + 1, np.int64)
        self.smax = sum(max(v, 0.0) for v in self.w.values())
        self.smin = sum(min(v, 0.0) for v in self.w.values())
        self.fast_error = self._fast_error_bound()

    def _fast_error_bound(self) -> float:
        """An upper bound on |score_fast - exact float64 score| for any pair.

        Every factor of the fast path is either computed in float64 and rounded once to
        float32 (geography, time zone, the categorical table) or is a short float32
        expression of values in [0, 1]; experience subtracts two float32 numbers of size
        ``exp_scale``. The weighted terms are added in float32. 2**-20 is eight float32
        ulps of 1, a generous multiple of the few roundings each term has."""
        u = 2.0**-20
        fmax = max(1.0, abs(float(self.cfg.related_specialty_score)))
        total = sum(abs(v) for v in self.w.values()) * fmax
        err = u * (4 + len(self.w)) * total
        if "experience" in self.w:
            err += u * 4 * abs(self.w["experience"]) * self.exp_scale
        # float64 cancellation inside the two small products (a tiny radius or time-zone window)
        if "geography" in self.w:
            err += 2.0**-48 * abs(self.w["geography"]) * (1 + self.geo_c1)
        if "timezone" in self.w:
            offsets = np.concatenate([self.a.utc_offset, self.b.utc_offset])
            top = float(np.nanmax(np.abs(offsets), initial=0.0)) if np.isfinite(offsets).any() else 0.0
            err += 2.0**-48 * abs(self.w["timezone"]) * (1 + top) ** 2 / self.tz_max**2
        return float(err) + 1e-12

    # -- factor formulas; ia / jb index (or slice) mentees / mentors, shapes broadcast
    def factors(self, ia, jb, dtype, only=None, cat_b=None) -> dict[str, np.ndarray]:
        a, b, cfg = self.a, self.b, self.cfg
        want = self.w if only is None else only
        if cat_b is not None:
            want = [f for f in ("specialty", "practice_setting") if f in self.w]
        out = {}
        if "specialty" in want:
            sa, sb = a.specialty[ia], (b.specialty[jb] if cat_b is None else cat_b[0])
            same = (sa == sb) & (sa >= 0)
            f = same.astype(dtype)
            if self.rel_table is not None:
                top = self.rel_table.shape[0] - 1
                ca = np.where((sa >= 0) & (sa < top), sa, top)
                cb = np.where((sb >= 0) & (sb < top), sb, top)
                rel = self.rel_table[ca, cb] & ~same
                f += rel.astype(dtype) * dtype(cfg.related_specialty_score)
            out["specialty"] = f
        if "practice_setting" in want:
            pa, pb = a.practice_setting[ia], (b.practice_setting[jb] if cat_b is None else cat_b[1])
            out["practice_setting"] = ((pa == pb) & (pa >= 0)).astype(dtype)
        if "experience" in want:
            lo, hi = cfg.experience_gap
            gap = b.years[jb].astype(dtype) - a.years[ia].astype(dtype)
            d = np.maximum(np.maximum(dtype(lo) - gap, gap - dtype(hi)), dtype(0))
            f = np.clip(dtype(1) - d * dtype(1.0 / max(cfg.experience_slack, 1e-9)), 0, 1)
            out["experience"] = np.nan_to_num(f, copy=np.ndim(f) == 0, nan=0.0)
        if "area_coverage" in want:
            inter = self._popcount_and(a.areas, ia, b.areas, jb)
            out["area_coverage"] = inter.astype(dtype) * self.area_inv[ia].astype(dtype)
        if "interests" in want:
            inter = self._popcount_and(a.interests, ia, b.interests, jb).astype(dtype)
            union = self.need_inv["a", "interests"][ia].astype(dtype) + self.need_inv["b", "interests"][jb].astype(
                dtype
            )
            union = union - inter
            out["interests"] = np.where(union > 0, inter / np.maximum(union, 1), dtype(0)).astype(dtype, copy=False)
        if "geography" in want:
            # 1 - (chord / max_distance)^2, floored at 0; region equality when a coordinate is missing
            xa, xb = self.xyz["a"], self.xyz["b"]
            dot = sum(xa[k][ia].astype(dtype) * xb[k][jb].astype(dtype) for k in range(3))
            f = np.maximum(dtype(1) - self.geo_c1 * (dtype(1) - dot), 0)
            has = np.isfinite(f)
            ra, rb = a.region[ia], b.region[jb]
            reg = ((ra == rb) & (ra >= 0)).astype(dtype)
            out["geography"] = np.where(has, f, reg).astype(dtype, copy=False)
        if "timezone" in want:
            # 1 - (hours apart / max_tz_diff)^2, floored at 0
            d = (a.utc_offset[ia].astype(dtype) - b.utc_offset[jb].astype(dtype)) * dtype(1.0 / self.tz_max)
            tz = np.maximum(dtype(1) - d * d, 0)
            out["timezone"] = np.nan_to_num(tz, copy=np.ndim(tz) == 0, nan=0.0)
        if "meeting_mode" in want:
            out["meeting_mode"] = ((a.modes[ia] & b.modes[jb]) != 0).astype(dtype)
        if "hub_rank" in want:
            r = self.hub_rank(ia, jb)
            n_ranks = max(a.hub_choices.shape[1], 1)
            out["hub_rank"] = np.where(r > 0, (n_ranks + 1 - r) / n_ranks, 0).astype(dtype)
        return out

    # -- fast float32 path for (rows x all mentors) blocks; same formulas as ``factors``
    def _prepare_fast(self):
        a, b, cfg, w = self.a, self.b, self.cfg, self.w
        f32 = np.float32
        # categorical: specialty and practice setting through one small lookup table
        spec = np.unique(np.concatenate([a.specialty, b.specialty]))
        sett = np.unique(np.concatenate([a.practice_setting, b.practice_setting]))
        ns, nt = len(spec), len(sett)
        sa, sb = np.searchsorted(spec, a.specialty), np.searchsorted(spec, b.specialty)
        ta, tb = np.searchsorted(sett, a.practice_setting), np.searchsorted(sett, b.practice_setting)
        self.cat_a = (sa * nt + ta).astype(np.int32)
        self.cat_b = (sb * nt + tb).astype(np.int32)
        self.cat_n = ns * nt
        self.cat_table = None
        if ("specialty" in w or "practice_setting" in w) and ns * nt <= 4096:
            codes_s = np.repeat(spec, nt)
            codes_t = np.tile(sett, ns)
            fake_a = Participants(person_id=np.arange(ns * nt), specialty=codes_s, practice_setting=codes_t)
            saved = self.a
            self.a = fake_a
            tab = np.zeros((ns * nt, ns * nt))
            facs = self.factors(np.arange(ns * nt)[:, None], None, np.float64, cat_b=(codes_s, codes_t))
            self.a = saved
            for f in ("specialty", "practice_setting"):
                if f in facs:
                    tab += w[f] * facs[f]
            self.cat_table = tab.astype(f32).ravel()
        # experience: |(yb/slack) - (ya + mid)/slack| against a half-band, nan -> far away
        lo, hi = cfg.experience_gap
        sl = max(cfg.experience_slack, 1e-9)
        ya = np.where(np.isnan(a.years), -1e12, (a.years + (lo + hi) / 2) / sl)
        yb = np.where(np.isnan(b.years), 1e12, b.years / sl)
        self.exp_a, self.exp_b = ya.astype(f32), yb.astype(f32)
        self.exp_h = f32((hi - lo) / 2 / sl + 1)
        finite = np.concatenate([ya[ya > -1e11], yb[yb < 1e11], [float(self.exp_h)]])
        self.exp_scale = float(np.abs(finite).max())
        # geography and time zone as one small matrix product each
        c1 = self.geo_c1
        xa, xb = self.xyz["a"], self.xyz["b"]
        has_a, has_b = np.isfinite(xa).all(axis=0), np.isfinite(xb).all(axis=0)
        self.geo_all = bool(has_a.all() and has_b.all())
        ga = np.vstack([c1 * np.nan_to_num(xa), np.full(len(a), 1 - c1)]).T
        gb = np.vstack([np.nan_to_num(xb), np.ones(len(b))])
        # float64: with a small radius c1 is huge and 1 - c1 * (1 - dot) cancels badly in float32
        self.geo_a, self.geo_b = ga, gb
        self.geo_has_a, self.geo_has_b = has_a, has_b
        t = 1.0 / self.tz_max**2
        oa, ob = a.utc_offset, b.utc_offset
        za = np.vstack([1 - oa**2 * t, 2 * oa * t, np.full(len(a), -t)]).T
        za[np.isnan(oa)] = (-1.0, 0.0, 0.0)
        zb = np.vstack([np.ones(len(b)), ob, ob**2]).T
        zb[np.isnan(ob)] = (0.0, 0.0, 1e9)
        self.tz_a, self.tz_b = za, np.ascontiguousarray(zb.T)
        ci = self.need_inv["a", "interests"].astype(f32)
        self.int_a, self.int_b = ci + f32(1e-9), self.need_inv["b", "interests"].astype(f32)
        # the narrowest unsigned type that holds every mode bit (bits above 8 are real modes)
        top = int(max(a.modes.max(initial=0), b.modes.max(initial=0), 0))
        mode_type = np.min_scalar_type(top) if top >= 0 else np.int64
        self.modes_a = a.modes.astype(mode_type)
        self.modes_b = b.modes.astype(mode_type)

    def score_fast(self, rows: np.ndarray, cols: np.ndarray | None = None) -> np.ndarray:
        """float32 scores of ``rows`` x ``cols`` (all mentors when ``cols`` is None), within
        ``self.fast_error`` of the exact float64 score of every pair."""
        f32 = np.float32
        w, b = self.w, self.b
        cs = slice(None) if cols is None else cols
        jb = (np.arange(len(b)) if cols is None else cols)[None, :]
        s = np.zeros((len(rows), jb.shape[1]), f32)
        tmp = np.empty_like(s)
        if self.cat_table is not None:
            idx = (self.cat_a[rows] * np.int32(self.cat_n))[:, None] + self.cat_b[cs][None, :]
            np.take(self.cat_table, idx, out=s)
        elif "specialty" in w or "practice_setting" in w:
            facs = self.factors(rows[:, None], jb, f32)
            for f in ("specialty", "practice_setting"):
                if f in facs:
                    s += f32(w[f]) * facs[f]
        if "experience" in w:
            np.subtract(self.exp_b[cs][None, :], self.exp_a[rows][:, None], out=tmp)
            np.abs(tmp, out=tmp)
            np.subtract(self.exp_h, tmp, out=tmp)
            np.clip(tmp, 0, 1, out=tmp)
            self._acc(s, tmp, w["experience"])
        if "area_coverage" in w:
            inter = self._popcount_and(self.a.areas, rows[:, None], self.b.areas, jb)
            np.multiply(inter, (self.area_inv[rows] * w["area_coverage"]).astype(f32)[:, None], out=tmp)
            s += tmp
        if "interests" in w:
            inter = self._popcount_and(self.a.interests, rows[:, None], self.b.interests, jb)
            np.add(self.int_a[rows][:, None], self.int_b[cs][None, :], out=tmp)
            np.subtract(tmp, inter, out=tmp)
            np.divide(inter, tmp, out=tmp)
            self._acc(s, tmp, w["interests"])
        if "geography" in w or "timezone" in w:
            wide = np.empty(s.shape, np.float64)  # the two small matrix products run in float64
        if "geography" in w:
            np.matmul(self.geo_a[rows], self.geo_b[:, cs], out=wide)
            np.maximum(wide, 0, out=wide)
            tmp[...] = wide
            if not self.geo_all:
                both = self.geo_has_a[rows][:, None] & self.geo_has_b[cs][None, :]
                ra, rb = self.a.region[rows][:, None], self.b.region[cs][None, :]
                reg = (ra == rb) & (ra >= 0)
                np.copyto(tmp, reg, where=~both)
            self._acc(s, tmp, w["geography"])
        if "timezone" in w:
            np.matmul(self.tz_a[rows], self.tz_b[:, cs], out=wide)
            np.maximum(wide, 0, out=wide)
            tmp[...] = wide
            self._acc(s, tmp, w["timezone"])
        if "meeting_mode" in w:
            mm = (self.modes_a[rows][:, None] & self.modes_b[cs][None, :]) != 0
            self._acc(s, mm, w["meeting_mode"])
        if "hub_rank" in w:
            self._acc(s, self.factors(rows[:, None], jb, f32, only=("hub_rank",))["hub_rank"], w["hub_rank"])
        return s

    @staticmethod
    def _acc(s, x, weight):
        if weight == 1.0:
            s += x
        elif x.dtype == np.float32:
            x *= np.float32(weight)
            s += x
        else:
            s += np.float32(weight) * x

    @staticmethod
    def _popcount_and(x, ia, y, jb):
        words = x.shape[1]
        acc = np.bitwise_count(x[ia, 0] & y[jb, 0])
        if words > 1 and y.shape[1] > 1:
            acc = acc.astype(np.uint16)
            for k in range(1, min(words, y.shape[1])):
                acc = acc + np.bitwise_count(x[ia, k] & y[jb, k])
        return acc

    def hub_rank(self, ia, jb) -> np.ndarray:
        """1-based rank of the mentor's hub in the mentee's choices, 0 when not ranked."""
        hc, hub = self.a.hub_choices, self.b.hub[jb]
        r = np.zeros(np.broadcast_shapes(np.shape(hc[ia, 0]) if hc.shape[1] else (), np.shape(hub)), np.int8)
        for c in range(hc.shape[1] - 1, -1, -1):
            eq = (hc[ia, c] == hub) & (hub >= 0)
            r = np.where(eq, np.int8(c + 1), r)
        return r

    def score(self, ia, jb, dtype=np.float32) -> np.ndarray:
        s = None
        for f, arr in self.factors(ia, jb, dtype).items():
            arr = arr * dtype(self.w[f])
            if s is None:
                s = arr
            elif isinstance(s, np.ndarray) and s.ndim and s.shape == arr.shape:
                np.add(s, arr, out=s)
            else:
                s = s + arr
        if s is None:
            s = np.zeros(np.broadcast_shapes(np.shape(ia), np.shape(jb)), dtype)
        return s

    def base_feasible(self, ia, jb, hub_mode: bool) -> np.ndarray:
        """Hard rules that depend on the people only (not on the pair's history)."""
        a, b = self.a, self.b
        ok = self.mentee_ok[ia] & self.mentor_ok[jb] & (a.person_id[ia] != b.person_id[jb])
        if self.cfg.require_meeting_mode:
            ok &= (a.modes[ia] & b.modes[jb]) != 0
        if hub_mode:
            ok &= self.hub_rank(ia, jb) > 0
        return ok

    def pair_ok(self, ia, jb, rows: np.ndarray | None = None) -> np.ndarray:
        """Pair rules: conflicts; exclusions when ``rows`` (block mentee indices) is given."""
        ok = np.ones(np.broadcast_shapes(np.shape(ia), np.shape(jb)), bool)
        if self.conflict_inst:
            ia_inst, jb_inst = self.a.institution[ia], self.b.institution[jb]
            ok &= ~((ia_inst == jb_inst) & (ia_inst >= 0))
        return ok

    def apply_exclusions(self, ok: np.ndarray, rows: np.ndarray, cols: np.ndarray | None = None) -> None:
        """Clear the excluded pairs of a ``rows`` x ``cols`` block (all mentors when None)."""
        if not len(self.ex_cols):
            return
        lo, hi = self.ex_ptr[rows], self.ex_ptr[rows + 1]
        cnt = hi - lo
        if cnt.sum() == 0:
            return
        local = np.repeat(np.arange(len(rows)), cnt)
        pos = np.repeat(lo - np.cumsum(cnt) + cnt, cnt) + np.arange(cnt.sum())
        col = self.ex_cols[pos]
        if cols is not None:  # every position of each excluded mentor in ``cols`` (repeats allowed)
            order = np.argsort(cols, kind="stable")
            lo_c = np.searchsorted(cols[order], col, side="left")
            hi_c = np.searchsorted(cols[order], col, side="right")
            times = hi_c - lo_c
            local = np.repeat(local, times)
            col = order[np.repeat(lo_c - np.cumsum(times) + times, times) + np.arange(times.sum())]
        ok[local, col] = False

    def excluded_pairs(self, ia: np.ndarray, jb: np.ndarray) -> np.ndarray:
        """For paired 1-D index arrays: which pairs are excluded."""
        if not len(self.ex_cols):
            return np.zeros(len(ia), bool)
        m = len(self.b)
        codes = self.ex_codes
        want = np.asarray(ia, np.int64) * m + np.asarray(jb, np.int64)
        at = np.minimum(np.searchsorted(codes, want), len(codes) - 1)
        return codes[at] == want

    def feasible_pairs(self, ia: np.ndarray, jb: np.ndarray, hub_mode: bool = False) -> np.ndarray:
        """Every hard rule, for paired 1-D index arrays."""
        ia, jb = np.asarray(ia, np.int64), np.asarray(jb, np.int64)
        return self.base_feasible(ia, jb, hub_mode) & self.pair_ok(ia, jb) & ~self.excluded_pairs(ia, jb)

    def exact_block(self, rows: np.ndarray, cols: np.ndarray | None = None, hub_mode: bool = False) -> np.ndarray:
        """Exact float64 scores of ``rows`` x ``cols`` with -inf where a hard rule forbids the pair."""
        ia = rows[:, None]
        jb = (np.arange(len(self.b)) if cols is None else cols)[None, :]
        ok = self.base_feasible(ia, jb, hub_mode) & self.pair_ok(ia, jb)
        self.apply_exclusions(ok, rows, cols)
        s = np.broadcast_to(self.score(ia, jb, np.float64), ok.shape).copy()
        s[~ok] = -np.inf
        return s

    def is_excluded(self, i: int, j: int) -> bool:
        lo, hi = self.ex_ptr[i], self.ex_ptr[i + 1]
        return bool(np.any(self.ex_cols[lo:hi] == j))

    def block(self, rows: np.ndarray, hub_mode: bool, cols: np.ndarray | None = None):
        """Scores (float32, within ``fast_error``) with -inf where infeasible, plus the base
        and full feasibility masks."""
        ia = rows[:, None]
        jb = (np.arange(len(self.b)) if cols is None else cols)[None, :]
        base = self.base_feasible(ia, jb, hub_mode)
        ok = base & self.pair_ok(ia, jb)
        self.apply_exclusions(ok, rows, cols)
        s = self.score_fast(rows, cols)
        s[~ok] = -np.inf
        return s, base, ok


def map_blocks(fn, blocks, threads):
    """Apply ``fn`` to row blocks, in order; NumPy releases the GIL on the large array work."""
    if threads <= 1 or len(blocks) < 4:
        return [fn(b) for b in blocks]
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=threads) as pool:
        return list(pool.map(fn, blocks))


def row_blocks(rows: np.ndarray, m: int, block_elements: int):
    b = max(1, block_elements // max(m, 1))
    for k in range(0, len(rows), b):
        yield rows[k : k + b]


def top_k(key: np.ndarray, k: int):
    """Per row, the column indices of the k largest finite keys (fewer if fewer are finite),
    and an upper bound on every key left out. Avoids a full argpartition on wide rows."""
    b, m = key.shape
    finite = key > -np.inf
    if m <= k:
        r, c = np.nonzero(finite)
        return r, c, np.full(b, -np.inf)
    groups = 4 * k
    if m >= 2 * groups:
        starts = np.linspace(0, m, groups, endpoint=False).astype(np.int64)
        gmax = np.maximum.reduceat(key, starts, axis=1)
        t = -np.partition(-gmax, k - 1, axis=1)[:, k - 1]
        r, c = np.nonzero((key >= t[:, None]) & finite)
    else:
        t = np.full(b, -np.inf, np.float32)
        r, c = np.nonzero(finite)
    v = key[r, c]
    order = np.lexsort((-v, r))
    r, c, v = r[order], c[order], v[order]
    first = np.searchsorted(r, np.arange(b))
    rank = np.arange(len(r)) - first[r]
    keep = rank < k
    # bound on what was left out: the best dropped passing key, else the group threshold
    bound = t.astype(np.float64)
    dropped = ~keep
    if dropped.any():
        best_dropped = np.full(b, -np.inf)
        np.maximum.at(best_dropped, r[dropped], v[dropped].astype(np.float64))
        bound = np.maximum(bound, best_dropped)
    return r[keep], c[keep], bound


def explain_pairs(scorer: Scorer, pairs) -> list[Assignment]:
    if not pairs:
        return []
    ia = np.array([p[0] for p in pairs], np.int64)
    jb = np.array([p[1] for p in pairs], np.int64)
    facs = scorer.factors(ia, jb, np.float64)
    contrib = {f: arr * scorer.w[f] for f, arr in facs.items()}
    out = []
    for x, (i, j, lk) in enumerate(pairs):
        c = {f: float(contrib[f][x]) for f in contrib}
        out.append(Assignment(i, j, float(sum(c.values())), c, locked=lk))
    return out


# --------------------------------------------------------------------------- helpers for the web layer / tests


def explain(mentees: Participants, mentors: Participants, config: MatchConfig, i: int, j: int) -> dict[str, float]:
    """Factor-by-factor contributions of one pair (they add up to its score)."""
    scorer = Scorer(mentees, mentors, config, mentor_ok=mentors.eligible & (mentors.capacity > 0))
    return explain_pairs(scorer, [(i, j, False)])[0].contributions


def score_matrix(
    mentees: Participants, mentors: Participants, config: MatchConfig, mode: str = "optimal"
) -> np.ndarray:
    """Dense float64 scores with -inf for infeasible pairs (ignores locked pairs' capacity
    use). For small pools, references and stable mode only."""
    scorer = Scorer(mentees, mentors, config, mentor_ok=mentors.eligible & (mentors.capacity > 0))
    rows = np.arange(len(mentees))
    ia, jb = rows[:, None], np.arange(len(mentors))[None, :]
    ok = scorer.base_feasible(ia, jb, mode == "hub") & scorer.pair_ok(ia, jb)
    scorer.apply_exclusions(ok, rows)
    s = scorer.score(ia, jb, np.float64)
    s = np.broadcast_to(s, ok.shape).copy()
    s[~ok] = -np.inf
    return s
