"""Matching engine: scoring, exact assignment, hub allocation and stable matching.

Pure Python + NumPy (+ SciPy; OR-Tools when installed, used as the faster min-cost-flow
backend). No Django imports: the web layer turns model rows into :class:`Participants`
arrays and a :class:`MatchConfig`, calls :func:`match` (or :func:`stable_match`) and
stores what comes back in a :class:`MatchResult`.

Objectives, stated once here and repeated in ``MatchResult.objective``:

* ``mode="optimal"`` — **maximum number of matched mentees first**, then the highest total
  score among all such matchings, within mentor capacities and hard constraints. Exact.
* ``mode="hub"`` — only mentors in a hub the mentee ranked are allowed. **Maximum number of
  matched mentees first**, then the most 1st choices, then the most 2nd choices (so the
  remaining matches are 3rd choices), then the highest total score. Exact. It never
  gives up a match to improve someone's rank.
* :func:`stable_match` — deferred acceptance with capacities (mentee- or
  mentor-proposing). The result has **no blocking pair**; it does *not* maximise the
  number of matches or the total score.

Exactness at scale: every mentee keeps its top ``n_candidates`` mentors (scored in
blocks, never a full float64 matrix); the sparse problem is solved exactly by a min-cost
flow; LP duals are rebuilt from the solution and every left-out pair is priced against
them. A left-out pair that could improve the solution is added and the problem
re-solved, so the returned matching is optimal for the full graph. ``stats.optimality``
records the certificate. Nothing recurses with instance size.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

FACTORS = (
    "specialty",
    "practice_setting",
    "experience",
    "area_coverage",
    "interests",
    "geography",
    "timezone",
    "meeting_mode",
    "hub_rank",
)

OBJECTIVES = {
    "optimal": "max matched mentees, then max total score (exact)",
    "hub": "max matched mentees, then most 1st hub choices, then most 2nd, then max total score (exact)",
    "stable": "stable (no blocking pair) via deferred acceptance; neither match count nor score is maximised",
    "greedy": "greedy by descending score (baseline, not optimal)",
}

# Unmatched reasons (stable strings; the web layer may translate them).
REASON_INELIGIBLE = "mentee_ineligible"
REASON_NO_ELIGIBLE_MENTOR = "no_eligible_mentor"
REASON_ONLY_EXCLUDED = "only_excluded_pairs"
REASON_CAPACITY = "all_capacity_used"
REASON_NOT_ACCEPTABLE = "no_mutually_acceptable_mentor"

EARTH_RADIUS_KM = 6371.0


# --------------------------------------------------------------------------- inputs


def bitset(sets: Iterable[Iterable[int]], n_bits: int | None = None) -> np.ndarray:
    """Pack an iterable of integer sets (codes 0..n_bits-1) into an (n, words) uint64 array."""
    sets = [list(s) for s in sets]
    top = max((max(s) for s in sets if s), default=-1)
    n_bits = max(n_bits or 0, top + 1, 1)
    words = (n_bits + 63) // 64
    out = np.zeros((len(sets), words), dtype=np.uint64)
    for i, s in enumerate(sets):
        for code in s:
            out[i, code >> 6] |= np.uint64(1) << np.uint64(code & 63)
    return out


def _as_bits(x, n: int) -> np.ndarray:
    if x is None:
        return np.zeros((n, 1), dtype=np.uint64)
    arr = np.asarray(x)
    if arr.dtype == object or (arr.ndim == 1 and arr.size and not np.issubdtype(arr.dtype, np.integer)):
        return bitset(x)
    arr = arr.astype(np.uint64)
    return arr.reshape(n, 1) if arr.ndim == 1 else arr


@dataclass
class Participants:
    """One side of the pool (mentees or mentors) as parallel arrays; index = position.

    Unknown values: codes -1, floats NaN, bitsets 0. ``areas`` is the mentee's areas of
    need or the mentor's areas of expertise; ``modes`` a bitmask of meeting modes
    (e.g. 1 in person, 2 phone, 4 video). ``hub_choices`` (mentees, shape (n, R)) holds
    hub ids by rank, -1 for none; ``hub`` (mentors) the mentor's hub id.
    ``capacity`` is the number of *additional* mentees a mentor can take now.
    """

    person_id: np.ndarray
    eligible: np.ndarray | None = None
    specialty: np.ndarray | None = None
    practice_setting: np.ndarray | None = None
    years: np.ndarray | None = None
    areas: np.ndarray | None = None
    interests: np.ndarray | None = None
    lat: np.ndarray | None = None
    lon: np.ndarray | None = None
    region: np.ndarray | None = None
    utc_offset: np.ndarray | None = None
    modes: np.ndarray | None = None
    institution: np.ndarray | None = None
    capacity: np.ndarray | None = None
    hub: np.ndarray | None = None
    hub_choices: np.ndarray | None = None

    def __post_init__(self):
        self.person_id = np.asarray(self.person_id, dtype=np.int64).ravel()
        n = len(self.person_id)

        def arr(x, dtype, fill):
            if x is None:
                return np.full(n, fill, dtype=dtype)
            a = np.asarray(x, dtype=dtype).ravel()
            if len(a) != n:
                raise ValueError(f"expected {n} values, got {len(a)}")
            return a

        self.eligible = arr(self.eligible, bool, True)
        self.specialty = arr(self.specialty, np.int64, -1)
        self.practice_setting = arr(self.practice_setting, np.int64, -1)
        self.years = arr(self.years, np.float64, np.nan)
        self.areas = _as_bits(self.areas, n)
        self.interests = _as_bits(self.interests, n)
        self.lat = arr(self.lat, np.float64, np.nan)
        self.lon = arr(self.lon, np.float64, np.nan)
        self.region = arr(self.region, np.int64, -1)
        self.utc_offset = arr(self.utc_offset, np.float64, np.nan)
        self.modes = arr(self.modes, np.int64, 0)
        self.institution = arr(self.institution, np.int64, -1)
        self.capacity = arr(self.capacity, np.int64, 1)
        self.hub = arr(self.hub, np.int64, -1)
        hc = np.full((n, 0), -1, np.int64) if self.hub_choices is None else np.asarray(self.hub_choices, np.int64)
        # An empty side keeps its number of rank columns (reshape(0, -1) is ambiguous).
        self.hub_choices = hc.reshape(n, hc.shape[-1] if hc.ndim > 1 else 0) if n == 0 else hc.reshape(n, -1)

    def __len__(self) -> int:
        return len(self.person_id)


@dataclass
class MatchConfig:
    """Per-program settings. ``weights`` maps a factor name (see ``FACTORS``) to a weight.

    ``excluded_pairs`` — (mentee_idx, mentor_idx) pairs never to propose (declined, ended,
    already active…); a mapping pair -> reason is accepted too. ``locked_pairs`` — pairs
    the coordinator fixed: kept as they are, they use mentor capacity. ``conflict_rules``
    — hard rules, currently ``"same_institution"``.
    """

    weights: Mapping[str, float] = field(default_factory=lambda: dict.fromkeys(FACTORS, 1.0))
    experience_gap: tuple[float, float] = (5.0, 25.0)
    experience_slack: float = 10.0
    related_specialties: Iterable[tuple[int, int]] = ()
    related_specialty_score: float = 0.5
    max_distance_km: float = 1000.0
    max_tz_diff_hours: float = 6.0
    require_meeting_mode: bool = False
    conflict_rules: Sequence[str] = ()
    excluded_pairs: Iterable[tuple[int, int]] | Mapping[tuple[int, int], str] = ()
    locked_pairs: Iterable[tuple[int, int]] = ()
    n_candidates: int | None = None  # None: 24, or 48 above 10 M pairs (measured)
    n_alternatives: int = 3
    block_elements: int = 2_000_000
    cache_elements: int = 150_000_000
    threads: int = 2

    def __post_init__(self):
        unknown = set(self.weights) - set(FACTORS)
        if unknown:
            raise ValueError(f"unknown factors: {sorted(unknown)}")
        for rule in self.conflict_rules:
            if rule != "same_institution":
                raise ValueError(f"unknown conflict rule {rule!r}")


@dataclass
class Assignment:
    mentee: int
    mentor: int
    score: float
    contributions: dict[str, float]
    locked: bool = False
    hub_rank: int | None = None


@dataclass
class MatchResult:
    objective: str
    mode: str
    assignments: list[Assignment]
    unmatched: list[tuple[int, str]]
    alternatives: dict[int, list[tuple[int, float]]]
    stats: dict


# --------------------------------------------------------------------------- scoring


class _Scorer:
    """Vectorised factor scores; works on (b,1)x(1,m) blocks and on paired 1-D arrays."""

    def __init__(self, mentees: Participants, mentors: Participants, cfg: MatchConfig, mentor_ok: np.ndarray):
        self.a, self.b, self.cfg = mentees, mentors, cfg
        self.w = {f: float(v) for f, v in cfg.weights.items() if float(v) != 0.0}
        self.mentor_ok = mentor_ok
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
        else:
            self.ex_cols = np.zeros(0, np.int64)
            self.ex_ptr = np.zeros(len(mentees) + 1, np.int64)
        self.smax = sum(max(v, 0.0) for v in self.w.values())
        self.smin = sum(min(v, 0.0) for v in self.w.values())

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
            out["experience"] = np.nan_to_num(f, copy=False, nan=0.0)
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
            out["timezone"] = np.nan_to_num(np.maximum(dtype(1) - d * d, 0), copy=False, nan=0.0)
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
        # geography and time zone as one small matrix product each
        c1 = self.geo_c1
        xa, xb = self.xyz["a"], self.xyz["b"]
        has_a, has_b = np.isfinite(xa).all(axis=0), np.isfinite(xb).all(axis=0)
        self.geo_all = bool(has_a.all() and has_b.all())
        ga = np.vstack([c1 * np.nan_to_num(xa), np.full(len(a), 1 - c1)]).T
        gb = np.vstack([np.nan_to_num(xb), np.ones(len(b))])
        self.geo_a, self.geo_b = ga.astype(f32), gb.astype(f32)
        self.geo_has_a, self.geo_has_b = has_a, has_b
        t = 1.0 / self.tz_max**2
        oa, ob = a.utc_offset, b.utc_offset
        za = np.vstack([1 - oa**2 * t, 2 * oa * t, np.full(len(a), -t)]).T
        za[np.isnan(oa)] = (-1.0, 0.0, 0.0)
        zb = np.vstack([np.ones(len(b)), ob, ob**2]).T
        zb[np.isnan(ob)] = (0.0, 0.0, 1e9)
        self.tz_a, self.tz_b = za.astype(f32), np.ascontiguousarray(zb.T, dtype=f32)
        ci = self.need_inv["a", "interests"].astype(f32)
        self.int_a, self.int_b = ci + f32(1e-9), self.need_inv["b", "interests"].astype(f32)
        self.modes_a = a.modes.astype(np.uint8)
        self.modes_b = b.modes.astype(np.uint8)

    def score_fast(self, rows: np.ndarray) -> np.ndarray:
        f32 = np.float32
        w, b = self.w, self.b
        m = len(b)
        s = np.zeros((len(rows), m), f32)
        tmp = np.empty_like(s)
        if self.cat_table is not None:
            idx = (self.cat_a[rows] * np.int32(self.cat_n))[:, None] + self.cat_b[None, :]
            np.take(self.cat_table, idx, out=s)
        elif "specialty" in w or "practice_setting" in w:
            facs = self.factors(rows[:, None], np.arange(m)[None, :], f32)
            for f in ("specialty", "practice_setting"):
                if f in facs:
                    s += f32(w[f]) * facs[f]
        if "experience" in w:
            np.subtract(self.exp_b[None, :], self.exp_a[rows][:, None], out=tmp)
            np.abs(tmp, out=tmp)
            np.subtract(self.exp_h, tmp, out=tmp)
            np.clip(tmp, 0, 1, out=tmp)
            self._acc(s, tmp, w["experience"])
        if "area_coverage" in w:
            inter = self._popcount_and(self.a.areas, rows[:, None], self.b.areas, np.arange(m)[None, :])
            np.multiply(inter, (self.area_inv[rows] * w["area_coverage"]).astype(f32)[:, None], out=tmp)
            s += tmp
        if "interests" in w:
            inter = self._popcount_and(self.a.interests, rows[:, None], self.b.interests, np.arange(m)[None, :])
            np.add(self.int_a[rows][:, None], self.int_b[None, :], out=tmp)
            np.subtract(tmp, inter, out=tmp)
            np.divide(inter, tmp, out=tmp)
            self._acc(s, tmp, w["interests"])
        if "geography" in w:
            np.matmul(self.geo_a[rows], self.geo_b, out=tmp)
            np.maximum(tmp, 0, out=tmp)
            if not self.geo_all:
                both = self.geo_has_a[rows][:, None] & self.geo_has_b[None, :]
                ra, rb = self.a.region[rows][:, None], self.b.region[None, :]
                reg = (ra == rb) & (ra >= 0)
                np.copyto(tmp, reg, where=~both)
            self._acc(s, tmp, w["geography"])
        if "timezone" in w:
            np.matmul(self.tz_a[rows], self.tz_b, out=tmp)
            np.maximum(tmp, 0, out=tmp)
            self._acc(s, tmp, w["timezone"])
        if "meeting_mode" in w:
            mm = (self.modes_a[rows][:, None] & self.modes_b[None, :]) != 0
            self._acc(s, mm, w["meeting_mode"])
        if "hub_rank" in w:
            self._acc(
                s,
                self.factors(rows[:, None], np.arange(m)[None, :], f32, only=("hub_rank",))["hub_rank"],
                w["hub_rank"],
            )
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
            arr *= dtype(self.w[f])
            s = arr if s is None else np.add(s, arr, out=s if s.shape == arr.shape else None)
        if s is None:
            s = np.zeros(np.broadcast_shapes(np.shape(ia), np.shape(jb)), dtype)
        return s

    def base_feasible(self, ia, jb, hub_mode: bool) -> np.ndarray:
        """Hard rules that depend on the people only (not on the pair's history)."""
        a, b = self.a, self.b
        ok = a.eligible[ia] & self.mentor_ok[jb] & (a.person_id[ia] != b.person_id[jb])
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

    def apply_exclusions(self, ok: np.ndarray, rows: np.ndarray) -> None:
        if not len(self.ex_cols):
            return
        lo, hi = self.ex_ptr[rows], self.ex_ptr[rows + 1]
        cnt = hi - lo
        if cnt.sum() == 0:
            return
        local = np.repeat(np.arange(len(rows)), cnt)
        pos = np.repeat(lo - np.cumsum(cnt) + cnt, cnt) + np.arange(cnt.sum())
        ok[local, self.ex_cols[pos]] = False

    def is_excluded(self, i: int, j: int) -> bool:
        lo, hi = self.ex_ptr[i], self.ex_ptr[i + 1]
        return bool(np.any(self.ex_cols[lo:hi] == j))

    def block(self, rows: np.ndarray, hub_mode: bool):
        """Scores (float32) with -inf where infeasible, plus base / full feasibility counts."""
        ia = rows[:, None]
        jb = np.arange(len(self.b))[None, :]
        base = self.base_feasible(ia, jb, hub_mode)
        ok = base & self.pair_ok(ia, jb)
        self.apply_exclusions(ok, rows)
        s = self.score_fast(rows)
        s[~ok] = -np.inf
        return s, base, ok


def _map_blocks(fn, blocks, threads):
    """Apply ``fn`` to row blocks, in order; NumPy releases the GIL on the large array work."""
    if threads <= 1 or len(blocks) < 4:
        return [fn(b) for b in blocks]
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=threads) as pool:
        return list(pool.map(fn, blocks))


def _row_blocks(rows: np.ndarray, m: int, block_elements: int):
    b = max(1, block_elements // max(m, 1))
    for k in range(0, len(rows), b):
        yield rows[k : k + b]


def _top_k(key: np.ndarray, k: int):
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
    """Exact matching. ``mode`` is ``"optimal"`` or ``"hub"`` (see the module docstring
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
    scorer = _Scorer(mentees, mentors, cfg, mentor_ok=cap > 0)

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
        r, c, bd = _top_k(key_of(rows, s), k)
        bound[rows] = bd
        return rows[r], c, s[r, c]

    for r, c, sc_ in _map_blocks(candidate_block, list(_row_blocks(active, m, cfg.block_elements)), cfg.threads):
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
            r, c, _ = _top_k(np.where(viol, red.astype(np.float64), -np.inf), k)
            return rows[r], c, s[r, c]

        found = [
            x for x in _map_blocks(price_block, list(_row_blocks(suspect, m, cfg.block_elements)), cfg.threads) if x
        ]
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
    assignments = _explain_pairs(scorer, pairs)
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


def _explain_pairs(scorer: _Scorer, pairs) -> list[Assignment]:
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


# --------------------------------------------------------------------------- helpers for the web layer / tests


def explain(mentees: Participants, mentors: Participants, config: MatchConfig, i: int, j: int) -> dict[str, float]:
    """Factor-by-factor contributions of one pair (they add up to its score)."""
    scorer = _Scorer(mentees, mentors, config, mentor_ok=mentors.eligible & (mentors.capacity > 0))
    return _explain_pairs(scorer, [(i, j, False)])[0].contributions


def score_matrix(
    mentees: Participants, mentors: Participants, config: MatchConfig, mode: str = "optimal"
) -> np.ndarray:
    """Dense float64 scores with -inf for infeasible pairs (ignores locked pairs' capacity
    use). For small pools, references and stable mode only."""
    scorer = _Scorer(mentees, mentors, config, mentor_ok=mentors.eligible & (mentors.capacity > 0))
    rows = np.arange(len(mentees))
    ia, jb = rows[:, None], np.arange(len(mentors))[None, :]
    ok = scorer.base_feasible(ia, jb, mode == "hub") & scorer.pair_ok(ia, jb)
    scorer.apply_exclusions(ok, rows)
    s = scorer.score(ia, jb, np.float64)
    s = np.broadcast_to(s, ok.shape).copy()
    s[~ok] = -np.inf
    return s


def greedy_match(
    mentees: Participants, mentors: Participants, config: MatchConfig, mode: str = "optimal"
) -> MatchResult:
    """Baseline: take pairs by descending score (among each mentee's top candidates)."""
    t0 = time.perf_counter()
    n, m = len(mentees), len(mentors)
    cap = np.where(mentors.eligible, mentors.capacity, 0).astype(np.int64)
    scorer = _Scorer(mentees, mentors, config, mentor_ok=cap > 0)
    rr, cc, ss = [], [], []
    for rows in _row_blocks(np.arange(n), m, config.block_elements):
        s, _, _ = scorer.block(rows, mode == "hub")
        r, c, _ = _top_k(s, max(1, config.n_candidates or 24))
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
    assignments = _explain_pairs(scorer, pairs)
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


# --------------------------------------------------------------------------- stable mode


def stable_match(
    mentees: Participants,
    mentors: Participants,
    config: MatchConfig,
    mentee_prefs: Sequence[Sequence[int]] | None = None,
    mentor_prefs: Sequence[Sequence[int]] | None = None,
    proposing: str = "mentee",
) -> MatchResult:
    """Deferred acceptance with mentor capacities; iterative, O(total list length).

    ``mentee_prefs[i]`` lists mentor indices best first; ``mentor_prefs[j]`` lists mentee
    indices best first. A pair is acceptable only when both list each other and every hard
    constraint allows it. Missing lists are derived from the score (best first, feasible
    pairs only). Objective: a stable matching (no blocking pair) that is optimal for the
    proposing side — it does not maximise matches or total score.
    """
    if proposing not in ("mentee", "mentor"):
        raise ValueError("proposing must be 'mentee' or 'mentor'")
    t0 = time.perf_counter()
    n, m = len(mentees), len(mentors)
    cap = np.where(mentors.eligible, mentors.capacity, 0).astype(np.int64)
    for _i, j in config.locked_pairs:
        cap[j] -= 1
    if (cap < 0).any():
        raise ValueError("locked pairs exceed mentor capacity")
    locked = {int(i): int(j) for i, j in config.locked_pairs}
    scorer = _Scorer(mentees, mentors, config, mentor_ok=cap > 0)
    s = score_matrix(mentees, mentors, config)
    s[:, cap <= 0] = -np.inf
    feasible = np.isfinite(s)
    for i in locked:
        feasible[i, :] = False
    if mentee_prefs is None:
        mentee_prefs = [[int(j) for j in np.argsort(-s[i], kind="stable") if feasible[i, j]] for i in range(n)]
    if mentor_prefs is None:
        mentor_prefs = [[int(i) for i in np.argsort(-s[:, j], kind="stable") if feasible[i, j]] for j in range(m)]
    big = n + m + 1
    a_rank = np.full((n, m), big, np.int64)
    b_rank = np.full((n, m), big, np.int64)
    for i, lst in enumerate(mentee_prefs):
        for r, j in enumerate(lst):
            a_rank[i, j] = min(a_rank[i, j], r)
    for j, lst in enumerate(mentor_prefs):
        for r, i in enumerate(lst):
            b_rank[i, j] = min(b_rank[i, j], r)
    acceptable = feasible & (a_rank < big) & (b_rank < big)
    a_list = [[j for j in lst if acceptable[i, j]] for i, lst in enumerate(mentee_prefs)]
    b_list = [[i for i in lst if acceptable[i, j]] for j, lst in enumerate(mentor_prefs)]
    mentor_of = [-1] * n
    held: list[list[int]] = [[] for _ in range(m)]  # mentees held by each mentor
    if proposing == "mentee":
        nxt = [0] * n
        queue = deque(i for i in range(n) if a_list[i])
        while queue:
            i = queue.popleft()
            if nxt[i] >= len(a_list[i]):
                continue
            j = a_list[i][nxt[i]]
            nxt[i] += 1
            held[j].append(i)
            mentor_of[i] = j
            if len(held[j]) > cap[j]:
                worst = max(held[j], key=lambda x, j=j: b_rank[x, j])
                held[j].remove(worst)
                mentor_of[worst] = -1
                queue.append(worst)
    else:
        nxt = [0] * m
        queue = deque(j for j in range(m) if b_list[j] and cap[j] > 0)
        while queue:
            j = queue.popleft()
            while len(held[j]) < cap[j] and nxt[j] < len(b_list[j]):
                i = b_list[j][nxt[j]]
                nxt[j] += 1
                cur = mentor_of[i]
                if cur == -1 or a_rank[i, j] < a_rank[i, cur]:
                    if cur != -1:
                        held[cur].remove(i)
                        queue.append(cur)
                    held[j].append(i)
                    mentor_of[i] = j
    pairs = [(i, j, True) for i, j in locked.items()] + [(i, j, False) for i, j in enumerate(mentor_of) if j >= 0]
    assignments = _explain_pairs(scorer, pairs)
    matched = set(locked) | {i for i, j in enumerate(mentor_of) if j >= 0}
    unmatched = []
    for i in range(n):
        if i in matched:
            continue
        if not mentees.eligible[i]:
            reason = REASON_INELIGIBLE
        elif not acceptable[i].any():
            reason = REASON_NOT_ACCEPTABLE if feasible[i].any() else REASON_NO_ELIGIBLE_MENTOR
        else:
            reason = REASON_CAPACITY
        unmatched.append((i, reason))
    alternatives = {}
    for i in range(n):
        alts = [(j, float(s[i, j])) for j in a_list[i] if j != (mentor_of[i] if i < len(mentor_of) else -1)]
        if alts:
            alternatives[i] = alts[: config.n_alternatives]
    stats = {
        "objective": OBJECTIVES["stable"],
        "mode": "stable",
        "proposing": proposing,
        "matched": len(assignments),
        "unmatched": len(unmatched),
        "total_score": float(sum(a.score for a in assignments)),
        "timings": {"total": time.perf_counter() - t0},
    }
    result = MatchResult(OBJECTIVES["stable"], "stable", assignments, unmatched, alternatives, stats)
    result.stats["_ranks"] = (a_rank, b_rank, acceptable, cap)
    return result


def blocking_pairs(result: MatchResult, n: int, m: int) -> list[tuple[int, int]]:
    """Pairs (i, j) that would both rather be together than with their current partners."""
    a_rank, b_rank, acceptable, cap = result.stats["_ranks"]
    mentor_of = np.full(n, -1)
    load = np.zeros(m, np.int64)
    worst = np.full(m, -1, np.int64)
    for a in result.assignments:
        if a.locked:
            continue
        mentor_of[a.mentee] = a.mentor
        load[a.mentor] += 1
        worst[a.mentor] = max(worst[a.mentor], b_rank[a.mentee, a.mentor])
    out = []
    locked = {a.mentee for a in result.assignments if a.locked}
    for i, j in zip(*np.nonzero(acceptable), strict=True):
        if i in locked or mentor_of[i] == j:
            continue
        wants = mentor_of[i] < 0 or a_rank[i, j] < a_rank[i, mentor_of[i]]
        takes = load[j] < cap[j] or b_rank[i, j] < worst[j]
        if wants and takes:
            out.append((int(i), int(j)))
    return out
