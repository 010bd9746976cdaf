"""Stable mode: deferred acceptance with capacities (:func:`stable_match`) and the
:func:`blocking_pairs` check."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Sequence

import numpy as np

from matching.engine.inputs import (
    OBJECTIVES,
    REASON_CAPACITY,
    REASON_INELIGIBLE,
    REASON_NO_ELIGIBLE_MENTOR,
    REASON_NOT_ACCEPTABLE,
    MatchConfig,
    MatchResult,
    Participants,
)
from matching.engine.scoring import Scorer, explain_pairs, score_matrix

# --------------------------------------------------------------------------- stable mode


def stable_match(
    mentees: Participants,
    mentors: Participants,
    config: MatchConfig,
    mentee_prefs: Sequence[Sequence[int]] | None = None,
    mentor_prefs: Sequence[Sequence[int]] | None = None,
    proposing: str = "mentee",
    lists: str = "complete",
) -> MatchResult:
    """Deferred acceptance with mentor capacities; iterative, O(total list length).

    ``mentee_prefs[i]`` lists mentor indices best first; ``mentor_prefs[j]`` lists mentee
    indices best first; a ``None`` entry (or a missing argument) means "by the program's
    score" (best first, ties to the lower index, feasible pairs only). ``lists`` says what a
    given list means: ``"complete"`` — the person accepts only those listed; ``"shortlist"`` —
    the listed people come first, in that order, then everyone else feasible by score. A pair
    is acceptable only when both sides' lists allow it and every hard constraint does.
    Objective: a stable matching (no blocking pair) that is optimal for the
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
    scorer = Scorer(mentees, mentors, config, mentor_ok=cap > 0)
    s = score_matrix(mentees, mentors, config)
    s[:, cap <= 0] = -np.inf
    feasible = np.isfinite(s)
    for i in locked:
        feasible[i, :] = False
    if lists not in ("complete", "shortlist"):
        raise ValueError("lists must be 'complete' or 'shortlist'")
    by_score_a = [[int(j) for j in np.argsort(-s[i], kind="stable") if feasible[i, j]] for i in range(n)]
    by_score_b = [[int(i) for i in np.argsort(-s[:, j], kind="stable") if feasible[i, j]] for j in range(m)]

    def merged(given, by_score):
        if given is None:
            return by_score
        out = []
        for k, derived in enumerate(by_score):
            own = given[k] if k < len(given) else None
            if own is None:
                out.append(derived)
            elif lists == "shortlist":
                own = [int(x) for x in own]
                seen = set(own)
                out.append(own + [x for x in derived if x not in seen])
            else:
                out.append([int(x) for x in own])
        return out

    mentee_prefs = merged(mentee_prefs, by_score_a)
    mentor_prefs = merged(mentor_prefs, by_score_b)
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
    assignments = explain_pairs(scorer, pairs)
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
