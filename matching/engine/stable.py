"""Stable mode: deferred acceptance with capacities (:func:`stable_match`) and the
:func:`blocking_pairs` check.

Preferences. Each person ranks the other side by a strict key, lower is better:

* ``(0, position)`` for the people on their own list (``mentee_prefs`` / ``mentor_prefs``);
* ``(1, -score)`` for everyone else, where ``score`` is the exact float64 pair score the
  engine reports; ties go to the lower index (mentor index for a mentee, mentee index for
  a mentor). With ``lists="complete"`` a person with a list accepts only those listed.

Scale. Nothing of size mentees x mentors is kept. One blocked pass (float32 scores within
``Scorer.fast_error`` of the exact ones) gives every proposer the first part of its list
that is *certain*: candidates rescored exactly, kept only while their exact score beats
the bound on everything left out. Deferred acceptance runs on those lists; a proposer that
reaches the end of its list gets its next few partners from an exact float64 row (or
column), skipping everyone who would refuse it now: in deferred acceptance a receiver
never becomes less demanding, so they would refuse it later too. The result is exactly
the proposing side's optimal stable matching for the preferences above.
"""

from __future__ import annotations

import heapq
import time
from collections import deque
from collections.abc import Sequence

import numpy as np

from matching.engine.inputs import (
    OBJECTIVES,
    REASON_CAPACITY,
    REASON_NOT_ACCEPTABLE,
    MatchConfig,
    MatchResult,
    Participants,
    unmatched_reasons,
)
from matching.engine.scoring import Scorer, explain_pairs, map_blocks, row_blocks, top_k

OPEN = 9  # threshold tier of a receiver who still has room: anyone acceptable gets in
EXTEND = 16  # partners fetched per proposer when its certain list runs out
STABLE_CANDIDATES = 32


class _Lists:
    """People's own rankings: position maps both ways, and what "complete" means."""

    def __init__(self, n: int, m: int, mentee_prefs, mentor_prefs, lists: str):
        if lists not in ("complete", "shortlist"):
            raise ValueError("lists must be 'complete' or 'shortlist'")
        self.complete = lists == "complete"
        self.a_pos: list[dict[int, int] | None] = [None] * n  # mentee i: {mentor: position}
        self.b_pos: list[dict[int, int] | None] = [None] * m  # mentor j: {mentee: position}
        self.a_in_b: dict[int, dict[int, int]] = {}  # mentee i: {mentor j: i's position on j's list}
        self.b_in_a: dict[int, dict[int, int]] = {}  # mentor j: {mentee i: j's position on i's list}
        for own, pos, inv, size, other in (
            (mentee_prefs, self.a_pos, self.b_in_a, n, m),
            (mentor_prefs, self.b_pos, self.a_in_b, m, n),
        ):
            if own is None:
                continue
            for k in range(min(size, len(own))):
                if own[k] is None:
                    continue
                d: dict[int, int] = {}
                for x in own[k]:
                    x = int(x)
                    if not 0 <= x < other:
                        raise ValueError(f"a ranking names index {x}, outside 0..{other - 1}")
                    d.setdefault(x, len(d))
                pos[k] = d
                for x, p in d.items():
                    inv.setdefault(x, {})[k] = p
        self.a_closed = np.array([self.complete and d is not None for d in self.a_pos], bool)
        self.b_closed = np.array([self.complete and d is not None for d in self.b_pos], bool)

    def used(self) -> tuple[int, int]:
        return sum(d is not None for d in self.a_pos), sum(d is not None for d in self.b_pos)


def _key_arrays(pos_of_row: dict[int, int] | None, s: np.ndarray):
    """(tier, primary) arrays of one person's key over a row of exact scores."""
    tier = np.ones(len(s), np.int8)
    prim = -s
    if pos_of_row:
        idx = np.fromiter(pos_of_row.keys(), np.int64, len(pos_of_row))
        tier[idx] = 0
        prim = prim.copy()
        prim[idx] = np.fromiter(pos_of_row.values(), np.float64, len(pos_of_row))
    return tier, prim


def _receiver_key(own: dict[int, int] | None, proposer: int, score: float, complete: bool):
    """How the receiver ranks a proposer: ``(0, position)`` if on its own list, else
    ``(1, -score)``, then the proposer's index; None when its complete list leaves them out."""
    if own is not None:
        if proposer in own:
            return (0, own[proposer], proposer)
        if complete:
            return None
    return (1, -score, proposer)


def _receiver_view(inv: dict[int, int] | None, closed_all: np.ndarray, s: np.ndarray):
    """How every receiver ranks one proposer, given the pair scores ``s`` of that proposer's
    row: (tier, primary) arrays, and who is closed to it. ``inv`` maps the receivers that
    listed the proposer to its position on their list; they are open to it whatever else."""
    tier, prim = _key_arrays(None, s)
    closed = closed_all
    if inv:
        at = np.fromiter(inv.keys(), np.int64, len(inv))
        tier[at] = 0
        prim = prim.copy()
        prim[at] = np.fromiter(inv.values(), np.float64, len(inv))
        closed = closed.copy()
        closed[at] = False
    return tier, prim, closed


def _before(t1, p1, x1, t2, p2, x2):
    """Elementwise: key (t1, p1, x1) is better (smaller) than key (t2, p2, x2)."""
    return (t1 < t2) | ((t1 == t2) & ((p1 < p2) | ((p1 == p2) & (x1 < x2))))


def stable_match(
    mentees: Participants,
    mentors: Participants,
    config: MatchConfig,
    mentee_prefs: Sequence[Sequence[int] | None] | None = None,
    mentor_prefs: Sequence[Sequence[int] | None] | None = None,
    proposing: str = "mentee",
    lists: str = "complete",
) -> MatchResult:
    """Deferred acceptance with mentor capacities.

    ``mentee_prefs[i]`` lists mentor indices best first; ``mentor_prefs[j]`` lists mentee
    indices best first; a ``None`` entry (or a missing argument) means "by the program's
    score" (best first, ties to the lower index, feasible pairs only). ``lists`` says what a
    given list means: ``"complete"`` — the person accepts only those listed; ``"shortlist"`` —
    the listed people come first, in that order, then everyone else feasible by score. A pair
    is acceptable only when both sides' lists allow it and every hard constraint does.
    Objective: the stable matching (no blocking pair) that is optimal for the proposing side —
    it does not maximise matches or total score.
    """
    if proposing not in ("mentee", "mentor"):
        raise ValueError("proposing must be 'mentee' or 'mentor'")
    t0 = time.perf_counter()
    n, m = len(mentees), len(mentors)
    prefs = _Lists(n, m, mentee_prefs, mentor_prefs, lists)
    cap = np.where(mentors.eligible, mentors.capacity, 0).astype(np.int64)
    locked: dict[int, int] = {}
    for i, j in config.locked_pairs:
        i, j = int(i), int(j)
        if i in locked:
            raise ValueError(f"mentee {i} is locked twice")
        locked[i] = j
        cap[j] -= 1
    if (cap < 0).any():
        raise ValueError("locked pairs exceed mentor capacity")
    in_play = mentees.eligible.copy()
    in_play[list(locked)] = False
    scorer = Scorer(mentees, mentors, config, mentor_ok=cap > 0, mentee_ok=in_play)
    solver = _Deferred(scorer, prefs, cap, config)
    mentor_of = solver.mentees_propose() if proposing == "mentee" else solver.mentors_propose()
    t_da = time.perf_counter()

    pairs = [(i, j, True) for i, j in locked.items()] + [
        (int(i), int(mentor_of[i]), False) for i in np.nonzero(mentor_of >= 0)[0]
    ]
    assignments = explain_pairs(scorer, pairs)
    unmatched = solver.reasons(mentor_of, mentees.eligible, set(locked))
    alternatives = solver.alt
    a_used, b_used = prefs.used()
    stats = {
        "objective": OBJECTIVES["stable"],
        "mode": "stable",
        "proposing": proposing,
        "matched": len(assignments),
        "unmatched": len(unmatched),
        "total_score": float(sum(a.score for a in assignments)),
        "locked": len(locked),
        "proposals": solver.proposals,
        "extensions": solver.extensions,
        "own_lists": {"mentees": a_used, "mentors": b_used, "meaning": lists},
        "timings": {
            "candidates": solver.t_candidates,
            "deferred_acceptance": t_da - t0 - solver.t_candidates,
            "total": time.perf_counter() - t0,
        },
    }
    return MatchResult(OBJECTIVES["stable"], "stable", assignments, unmatched, alternatives, stats)


class _Deferred:
    """The two deferred-acceptance loops over lazily extended, exact preference lists."""

    def __init__(self, scorer: Scorer, prefs: _Lists, cap: np.ndarray, config: MatchConfig):
        self.sc, self.prefs, self.cap, self.cfg = scorer, prefs, cap, config
        self.n, self.m = len(scorer.a), len(scorer.b)
        self.k = STABLE_CANDIDATES
        self.base_cnt = np.zeros(self.n, np.int64)
        self.feas_cnt = np.zeros(self.n, np.int64)
        self.proposals = 0
        self.extensions = 0
        self.t_candidates = 0.0
        self.alt: dict[int, list[tuple[int, float]]] = {}

    # ------------------------------------------------------------------ candidate pass
    def _rows_pass(self):
        """Per mentee: top-k mentors by fast score, and a bound on the fast score of the rest."""
        sc, n, m = self.sc, self.n, self.m
        bound = np.full(n, -np.inf)

        def one(rows):
            s, base, ok = sc.block(rows, False)
            self.base_cnt[rows] = np.count_nonzero(base, axis=1)
            self.feas_cnt[rows] = np.count_nonzero(ok, axis=1)
            r, c, bd = top_k(s, self.k)
            bound[rows] = bd
            return rows[r], c

        rows = np.nonzero(sc.mentee_ok)[0]
        out = map_blocks(one, list(row_blocks(rows, m, self.cfg.block_elements)), self.cfg.threads)
        cr = np.concatenate([x[0] for x in out]) if out else np.zeros(0, np.int64)
        cc = np.concatenate([x[1] for x in out]) if out else np.zeros(0, np.int64)
        return cr, cc, bound

    def _cols_pass(self):
        """Per mentor: top-k mentees by fast score, and a bound on the rest; per mentee the
        feasibility counts (summed over column blocks)."""
        sc, n, m = self.sc, self.n, self.m
        bound = np.full(m, -np.inf)
        rows = np.arange(n)
        cols_all = np.nonzero(sc.mentor_ok)[0]
        width = max(1, self.cfg.block_elements // max(n, 1))
        blocks = [cols_all[k : k + width] for k in range(0, len(cols_all), width)]

        def one(cols):
            s, base, ok = sc.block(rows, False, cols)
            st = np.ascontiguousarray(s.T)
            c, r, bd = top_k(st, self.k)
            bound[cols] = bd
            return cols[c], r, np.count_nonzero(base, axis=1), np.count_nonzero(ok, axis=1)

        out = map_blocks(one, blocks, self.cfg.threads)
        for x in out:
            self.base_cnt += x[2]
            self.feas_cnt += x[3]
        cc = np.concatenate([x[0] for x in out]) if out else np.zeros(0, np.int64)
        cr = np.concatenate([x[1] for x in out]) if out else np.zeros(0, np.int64)
        return cr, cc, bound

    def _certain_lists(self, owner, other, s64, bound, own_pos, closed, side):
        """Per owner: its own listed partners (feasible ones, in order), then the score
        candidates that are certainly ahead of everything left out, best first."""
        eps = self.sc.fast_error
        size = self.n if side == "mentee" else self.m
        order = np.lexsort((other, -s64, owner))
        owner, other, s64 = owner[order], other[order], s64[order]
        certain = s64 > bound[owner] + eps
        owner, other, s64 = owner[certain], other[certain], s64[certain]
        starts = np.searchsorted(owner, np.arange(size + 1))
        plist: list[list[int]] = [[] for _ in range(size)]
        pscore: list[list[float]] = [[] for _ in range(size)]
        last = [None] * size  # (score, index) of the last score-ranked entry
        final = np.isneginf(bound)
        other_l, s_l = other.tolist(), s64.tolist()
        for k in np.nonzero(starts[1:] > starts[:-1])[0].tolist():
            lo, hi = starts[k], starts[k + 1]
            plist[k] = other_l[lo:hi]
            pscore[k] = s_l[lo:hi]
            last[k] = (s_l[hi - 1], other_l[hi - 1])
        # own lists go first; their score-ranked part leaves them out
        listed = [(k, d) for k, d in enumerate(own_pos) if d]
        if listed:
            ks = np.concatenate([np.full(len(d), k) for k, d in listed])
            xs = np.concatenate([np.fromiter(d.keys(), np.int64, len(d)) for _, d in listed])
            ia, jb = (ks, xs) if side == "mentee" else (xs, ks)
            ok = self.sc.feasible_pairs(ia, jb)
            ex = self.sc.score(ia, jb, np.float64)
            at = 0
            for k, d in listed:
                sel = ok[at : at + len(d)]
                first = [x for x, keep in zip(d, sel, strict=True) if keep]
                fs = [float(v) for v, keep in zip(ex[at : at + len(d)], sel, strict=True) if keep]
                at += len(d)
                rest = [(x, v) for x, v in zip(plist[k], pscore[k], strict=True) if x not in d]
                plist[k] = first + [x for x, _ in rest]
                pscore[k] = fs + [v for _, v in rest]
        for k in np.nonzero(closed)[0].tolist():
            d = own_pos[k]
            plist[k] = [x for x in plist[k][: len(d)] if x in d]
            pscore[k] = pscore[k][: len(plist[k])]
            final[k] = True
        return plist, pscore, last, final

    def _extend(self, who, side, plist, pscore, last, final, thr):
        """Next partners of proposers ``who`` (mentee rows or mentor columns), in exact
        order, skipping receivers who would refuse them now (``thr``: each receiver's
        current worst accepted key; receivers only become more demanding).

        A fast float32 row screens conservatively (every test widened by ``fast_error``);
        the few pairs that can make the next places are rescored exactly, and only what is
        certain is appended. A row the screen cannot settle is redone exactly."""
        sc, prefs = self.sc, self.prefs
        eps = sc.fast_error
        if side == "mentee":
            own_pos, recv_pos_of, recv_closed, other_n = prefs.a_pos, prefs.a_in_b, prefs.b_closed, self.m
        else:
            own_pos, recv_pos_of, recv_closed, other_n = prefs.b_pos, prefs.b_in_a, prefs.a_closed, self.n
        thr_t, thr_p, thr_x = thr
        all_rows = np.arange(self.n)

        def views(p, s):
            return _receiver_view(recv_pos_of.get(p), recv_closed, s)

        def exact_filter(p, cand, s):
            """Exact tests on candidate receivers ``cand`` with exact scores ``s``."""
            ok = np.ones(len(cand), bool)
            if last[p] is not None:
                ls, lx = last[p]
                ok &= (s < ls) | ((s == ls) & (cand > lx))
            full_s = np.full(other_n, -np.inf)
            full_s[cand] = s
            rt, rp, closed = views(p, full_s)
            ok &= ~closed[cand]
            ok &= _before(rt[cand], rp[cand], np.int64(p), thr_t[cand], thr_p[cand], thr_x[cand])
            return cand[ok], s[ok]

        def append(p, cand, s, done):
            order = np.lexsort((cand, -s))[:EXTEND]
            cand, s = cand[order], s[order]
            if len(cand):
                plist[p].extend(cand.tolist())
                pscore[p].extend(s.tolist())
                last[p] = (float(s[-1]), int(cand[-1]))
            if done:
                final[p] = True

        def exact_row(p):
            one = np.array([p])
            row = sc.exact_block(one)[0] if side == "mentee" else sc.exact_block(all_rows, one)[:, 0]
            cand = np.nonzero(np.isfinite(row))[0]
            d = own_pos[p]
            if d:
                cand = cand[~np.isin(cand, np.fromiter(d.keys(), np.int64, len(d)))]
            cand, s = exact_filter(p, cand, row[cand])
            append(p, cand, s, len(cand) <= EXTEND)

        who = np.asarray(list(dict.fromkeys(who)), np.int64)  # once each, in order
        self.extensions += len(who)
        per_block = max(1, self.cfg.block_elements // max(other_n, 1))
        for k0 in range(0, len(who), per_block):
            part = who[k0 : k0 + per_block]
            blk = sc.block(part, False)[0] if side == "mentee" else sc.block(all_rows, False, part)[0].T
            screened = []  # (proposer, candidates to rescore, whether they are all that could pass, threshold)
            for r, p in enumerate(part.tolist()):
                s = blk[r]
                ok = np.isfinite(s)
                d = own_pos[p]
                if d:
                    ok[list(d)] = False  # already at the head of the list
                if last[p] is not None:
                    ok &= s - eps <= last[p][0]
                rt, rp, closed = views(p, s + eps)  # the most generous primary key
                ok &= ~closed
                ok &= _before(rt, rp, np.int64(p), thr_t, thr_p, thr_x) | ((rt == thr_t) & (rt == 1) & (rp == thr_p))
                cand = np.nonzero(ok)[0]
                if len(cand) > EXTEND:
                    t = -np.partition(-s[cand], EXTEND - 1)[EXTEND - 1]
                    few = cand[s[cand] >= t - 2 * eps]
                    screened.append((p, few, len(few) == len(cand), float(t)))
                else:
                    screened.append((p, cand, True, -np.inf))
            ia = np.concatenate([np.full(len(c), p) for p, c, _, _ in screened]) if screened else np.zeros(0, np.int64)
            jb = np.concatenate([c for _, c, _, _ in screened]) if screened else np.zeros(0, np.int64)
            exact = sc.score(ia, jb, np.float64) if side == "mentee" else sc.score(jb, ia, np.float64)
            at = 0
            for p, cand, complete, t in screened:
                s = np.broadcast_to(exact, (len(ia),))[at : at + len(cand)]
                at += len(cand)
                cand, s = exact_filter(p, cand, np.asarray(s, np.float64))
                if complete:
                    append(p, cand, s, len(cand) <= EXTEND)
                    continue
                sure = s > t - eps  # beats every pair the screen left out
                if sure.any():
                    append(p, cand[sure], s[sure], False)
                else:
                    exact_row(p)

    # ------------------------------------------------------------------ mentee-proposing
    def mentees_propose(self) -> np.ndarray:
        t = time.perf_counter()
        sc, prefs, cap = self.sc, self.prefs, self.cap
        n, m = self.n, self.m
        cr, cc, bound = self._rows_pass()
        s64 = sc.score(cr, cc, np.float64)
        plist, pscore, last, final = self._certain_lists(cr, cc, s64, bound, prefs.a_pos, prefs.a_closed, "mentee")
        self.t_candidates = time.perf_counter() - t
        self._plist_mentee = (plist, pscore)
        mentor_of = [-1] * n
        held: list[list[tuple]] = [[] for _ in range(m)]
        load = [0] * m
        capl = cap.tolist()
        thr_t = np.full(m, OPEN, np.int8)
        thr_p = np.zeros(m)
        thr_x = np.zeros(m, np.int64)
        ptr = [0] * n
        b_pos, complete = prefs.b_pos, prefs.complete
        queue = deque(i for i in np.nonzero(sc.mentee_ok)[0].tolist() if plist[i] or not final[i])
        need: list[int] = []
        proposals = 0
        while queue or need:
            if not queue:
                self._extend(need, "mentee", plist, pscore, last, final, (thr_t, thr_p, thr_x))
                queue.extend(need)
                need = []
            while queue:
                i = queue.popleft()
                lst, scs = plist[i], pscore[i]
                while True:
                    if ptr[i] >= len(lst):
                        if not final[i]:
                            need.append(i)
                        break
                    j = lst[ptr[i]]
                    s = scs[ptr[i]]
                    ptr[i] += 1
                    proposals += 1
                    key = _receiver_key(b_pos[j], i, s, complete)
                    if key is None:
                        continue
                    h = held[j]
                    if load[j] < capl[j]:
                        heapq.heappush(h, (-key[0], -key[1], -i))
                        load[j] += 1
                        mentor_of[i] = j
                        if load[j] == capl[j]:
                            w = h[0]
                            thr_t[j], thr_p[j], thr_x[j] = -w[0], -w[1], -w[2]
                        break
                    w = h[0]
                    if key < (-w[0], -w[1], -w[2]):
                        heapq.heapreplace(h, (-key[0], -key[1], -i))
                        out = -w[2]
                        mentor_of[out] = -1
                        queue.append(out)
                        mentor_of[i] = j
                        w = h[0]
                        thr_t[j], thr_p[j], thr_x[j] = -w[0], -w[1], -w[2]
                        break
        self.proposals = proposals
        self.alt = {}
        k = self.cfg.n_alternatives
        for i in range(n):
            mine = mentor_of[i]
            alts = [(j, s) for j, s in zip(plist[i][: k + 1], pscore[i][: k + 1], strict=True) if j != mine][:k]
            if alts:
                self.alt[i] = alts
        return np.array(mentor_of, np.int64)

    # ------------------------------------------------------------------ mentor-proposing
    def mentors_propose(self) -> np.ndarray:
        t = time.perf_counter()
        sc, prefs, cap = self.sc, self.prefs, self.cap
        n, m = self.n, self.m
        cr, cc, bound = self._cols_pass()
        s64 = sc.score(cr, cc, np.float64)
        plist, pscore, last, final = self._certain_lists(cc, cr, s64, bound, prefs.b_pos, prefs.b_closed, "mentor")
        self.t_candidates = time.perf_counter() - t
        mentor_of = [-1] * n
        cur: list[tuple | None] = [None] * n  # the mentee's key of its current mentor
        held: list[set[int]] = [set() for _ in range(m)]
        capl = cap.tolist()
        thr_t = np.full(n, OPEN, np.int8)
        thr_p = np.zeros(n)
        thr_x = np.zeros(n, np.int64)
        ptr = [0] * m
        a_pos, complete = prefs.a_pos, prefs.complete
        queued = [False] * m
        queue: deque[int] = deque()
        for j in range(m):
            if capl[j] > 0 and (plist[j] or not final[j]):
                queue.append(j)
                queued[j] = True
        need: list[int] = []
        proposals = 0
        while queue or need:
            if not queue:
                self._extend(need, "mentor", plist, pscore, last, final, (thr_t, thr_p, thr_x))
                for j in need:
                    queue.append(j)
                    queued[j] = True
                need = []
            while queue:
                j = queue.popleft()
                queued[j] = False
                lst, scs, h = plist[j], pscore[j], held[j]
                while len(h) < capl[j]:
                    if ptr[j] >= len(lst):
                        if not final[j]:
                            need.append(j)
                        break
                    i = lst[ptr[j]]
                    s = scs[ptr[j]]
                    ptr[j] += 1
                    proposals += 1
                    key = _receiver_key(a_pos[i], j, s, complete)
                    if key is None:
                        continue
                    c = cur[i]
                    if c is None or key < c:
                        old = mentor_of[i]
                        if old >= 0:
                            held[old].discard(i)
                            if not queued[old]:
                                queue.append(old)
                                queued[old] = True
                        mentor_of[i] = j
                        cur[i] = key
                        thr_t[i], thr_p[i], thr_x[i] = key
                        h.add(i)
        self.proposals = proposals
        mentor_of = np.array(mentor_of, np.int64)
        # alternatives: the best-scoring other mentors that had the mentee on their certain list
        k = self.cfg.n_alternatives
        by_mentee: dict[int, list[tuple[float, int]]] = {}
        for j in range(m):
            for i, s in zip(plist[j], pscore[j], strict=True):
                if mentor_of[i] != j:
                    by_mentee.setdefault(i, []).append((-s, j))
        self.alt = {i: [(j, -ns) for ns, j in sorted(v)[:k]] for i, v in by_mentee.items()}
        return mentor_of

    # ------------------------------------------------------------------ explanations
    def reasons(self, mentor_of: np.ndarray, eligible: np.ndarray, locked: set[int]) -> list[tuple[int, str]]:
        out = []
        prefs = self.prefs
        lists_bind = prefs.complete and (prefs.a_closed.any() or prefs.b_closed.any())
        left = [i for i in np.nonzero(mentor_of < 0)[0].tolist() if i not in locked]
        for i, reason in unmatched_reasons(left, eligible, self.base_cnt, self.feas_cnt):
            if reason == REASON_CAPACITY and lists_bind and not self._any_acceptable(i):
                reason = REASON_NOT_ACCEPTABLE
            out.append((i, reason))
        return out

    def _any_acceptable(self, i: int) -> bool:
        s = self.sc.exact_block(np.array([i]))[0]
        ok = np.isfinite(s)
        d = self.prefs.a_pos[i]
        if self.prefs.a_closed[i]:
            keep = np.zeros(self.m, bool)
            keep[list(d)] = True
            ok &= keep
        closed = self.prefs.b_closed.copy()
        inv = self.prefs.a_in_b.get(i)
        if inv:
            closed[list(inv)] = False
        return bool((ok & ~closed).any())


def blocking_pairs(
    result: MatchResult,
    mentees: Participants,
    mentors: Participants,
    config: MatchConfig,
    mentee_prefs=None,
    mentor_prefs=None,
    lists: str = "complete",
) -> list[tuple[int, int]]:
    """Pairs (i, j) that would both rather be together than with their current partners,
    under the preferences :func:`stable_match` uses; exact float64, in row blocks (any size)."""
    n, m = len(mentees), len(mentors)
    prefs = _Lists(n, m, mentee_prefs, mentor_prefs, lists)
    cap = np.where(mentors.eligible, mentors.capacity, 0).astype(np.int64)
    locked = {a.mentee for a in result.assignments if a.locked}
    for a in result.assignments:
        if a.locked:
            cap[a.mentor] -= 1
    in_play = mentees.eligible.copy()
    in_play[list(locked)] = False
    sc = Scorer(mentees, mentors, config, mentor_ok=cap > 0, mentee_ok=in_play)
    mentor_of = np.full(n, -1)
    load = np.zeros(m, np.int64)
    for a in result.assignments:
        if not a.locked:
            mentor_of[a.mentee] = a.mentor
            load[a.mentor] += 1
    # each mentor's worst held key
    w_t = np.full(m, OPEN, np.int8)
    w_p = np.zeros(m)
    w_x = np.zeros(m, np.int64)
    full = load >= cap
    held_s = sc.score(np.nonzero(mentor_of >= 0)[0], mentor_of[mentor_of >= 0], np.float64)
    worst: dict[int, tuple] = {}
    for i, s in zip(np.nonzero(mentor_of >= 0)[0].tolist(), held_s.tolist(), strict=True):
        j = int(mentor_of[i])
        d = prefs.b_pos[j]
        key = (0, d[i], i) if d is not None and i in d else (1, -s, i)
        if j not in worst or key > worst[j]:
            worst[j] = key
    for j, key in worst.items():
        if full[j]:
            w_t[j], w_p[j], w_x[j] = key
    out = []
    idx = np.arange(m)
    for rows in row_blocks(np.nonzero(in_play)[0], m, 1_000_000):
        s_blk = sc.exact_block(rows)
        for r, i in enumerate(rows.tolist()):
            s = s_blk[r]
            ok = np.isfinite(s)
            if mentor_of[i] >= 0:
                ok[mentor_of[i]] = False
            at, ap = _key_arrays(prefs.a_pos[i], s)
            if prefs.a_closed[i]:
                ok &= at == 0
            if mentor_of[i] >= 0:
                c = int(mentor_of[i])
                ok &= _before(at, ap, idx, at[c], ap[c], c)
            bt, bp, closed = _receiver_view(prefs.a_in_b.get(i), prefs.b_closed, s)
            ok &= ~closed
            ok &= _before(bt, bp, np.int64(i), w_t, w_p, w_x)
            out.extend((i, int(j)) for j in np.nonzero(ok)[0])
    return out
