"""Peer matching engine (issue 19): one pool, unordered pairs. Pure engine, no database.

References written from the contract: brute force over every matching on tiny pools,
an OR-Tools CP-SAT model on medium ones (most pairs first, then the highest total score)."""

from __future__ import annotations

import numpy as np
import pytest

from matching.engine.inputs import MatchConfig, Participants
from matching.engine.peer import (
    REASON_NO_PARTNER,
    REASON_ODD_ONE_OUT,
    REASON_PEER_EXCLUDED,
    REASON_PEER_INELIGIBLE,
    PeerScorer,
    peer_explain,
    peer_match,
)
from matching.engine.synth import default_config, random_pool


def pool(n, seed, **kw):
    peers, _ = random_pool(n, 1, seed=seed, **kw)
    return peers


def dense_scores(peers, cfg):
    """Exact float64 pair scores, -inf where the pair is forbidden (the engine's own rules)."""
    locked = np.zeros(len(peers), bool)
    for i, j in cfg.locked_pairs:
        locked[[i, j]] = True
    sc = PeerScorer(peers, cfg, peers.eligible & ~locked)
    n = len(peers)
    ia, jb = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
    ia, jb = ia.ravel(), jb.ravel()
    s = np.where(sc.feasible(ia, jb), sc.score(ia, jb), -np.inf)
    return s.reshape(n, n)


def brute_force(s):
    """(pairs, best total) over every matching, most pairs first."""
    n = len(s)
    best = (0, 0.0)

    def rec(free, pairs, total):
        nonlocal best
        if (pairs, total) > best:
            best = (pairs, total)
        if not free:
            return
        i, rest = free[0], free[1:]
        rec(rest, pairs, total)  # i stays alone
        for x, j in enumerate(rest):
            if s[i, j] > -np.inf:
                rec(rest[:x] + rest[x + 1 :], pairs + 1, total + s[i, j])

    rec(list(range(n)), 0, 0.0)
    return best


def check_valid(res, peers, cfg):
    seen = set()
    for a in res.assignments:
        assert a.mentee < a.mentor
        assert a.mentee not in seen and a.mentor not in seen
        seen |= {a.mentee, a.mentor}
        assert abs(sum(a.contributions.values()) - a.score) < 1e-12
    pairs = {(a.mentee, a.mentor) for a in res.assignments}
    ex = {(min(i, j), max(i, j)) for i, j in cfg.excluded_pairs}
    locked = {(min(i, j), max(i, j)) for i, j in cfg.locked_pairs}
    assert not (pairs - locked) & ex
    assert {u for u, _ in res.unmatched} | seen == set(range(len(peers)))


def tiny_case(rng, n):
    peers = pool(n, int(rng.integers(1 << 30)), n_specialties=2, n_institutions=3)
    # ties: coarse attributes
    peers.years = rng.integers(0, 3, n).astype(float)
    pairs = [(i, j) for i in range(n) for j in range(i + 1, n)]
    ex = [pairs[x] for x in rng.choice(len(pairs), size=min(len(pairs), int(rng.integers(0, 6))), replace=False)]
    ex = [(j, i) if rng.random() < 0.5 else (i, j) for i, j in ex]
    rules = ("same_institution",) if rng.random() < 0.5 else ()
    return peers, default_config(excluded_pairs=ex, conflict_rules=rules)


@pytest.mark.parametrize("seed", range(60))
def test_brute_force_tiny(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 11))
    peers, cfg = tiny_case(rng, n)
    res = peer_match(peers, cfg)
    check_valid(res, peers, cfg)
    pairs, total = brute_force(dense_scores(peers, cfg))
    assert len(res.assignments) == pairs
    assert res.stats["total_score"] == pytest.approx(total, abs=1e-4)
    assert res.stats["certified"]


@pytest.mark.parametrize("seed", range(6))
def test_cp_sat_medium(seed):
    from ortools.sat.python import cp_model

    rng = np.random.default_rng(1000 + seed)
    n = int(rng.integers(30, 81))
    peers = pool(n, seed + 7, n_institutions=int(rng.integers(2, 8)))
    pairs = [(i, j) for i in range(n) for j in range(i + 1, n)]
    ex = [pairs[x] for x in rng.choice(len(pairs), size=20, replace=False)]
    cfg = default_config(excluded_pairs=ex)
    s = dense_scores(peers, cfg)
    res = peer_match(peers, cfg)
    check_valid(res, peers, cfg)
    scale = res.stats["score_resolution"]
    model = cp_model.CpModel()
    xs = {}
    for i, j in pairs:
        if s[i, j] > -np.inf:
            xs[i, j] = model.NewBoolVar(f"x{i}_{j}")
    incident = {v: [] for v in range(n)}
    for (i, j), x in xs.items():
        incident[i].append(x)
        incident[j].append(x)
    for v in range(n):
        model.AddAtMostOne(incident[v])
    g = {e: int(round(s[e] / scale)) for e in xs}
    big = 2 * n * max(abs(v) for v in g.values()) + 1
    model.Maximize(sum((big + g[e]) * x for e, x in xs.items()))
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 2
    solver.parameters.max_time_in_seconds = 120
    solver.parameters.linearization_level = 2  # its LP with more cuts proves these quickly
    status = solver.Solve(model)
    assert status in (cp_model.OPTIMAL, cp_model.FEASIBLE)
    mine = sum(big + g[(a.mentee, a.mentor)] for a in res.assignments)
    # CP-SAT's best solution is never better than ours, its proven bound never below ours
    assert solver.ObjectiveValue() <= mine <= solver.BestObjectiveBound()
    if status == cp_model.OPTIMAL:  # a loaded machine may stop it before the proof
        chosen = [e for e, x in xs.items() if solver.Value(x)]
        assert len(res.assignments) == len(chosen)
        assert mine == solver.ObjectiveValue()
        assert res.stats["total_score"] == pytest.approx(sum(s[e] for e in chosen), abs=n * scale)


def test_scores_are_symmetric_and_explained():
    peers = pool(60, 3)
    cfg = default_config()
    s = dense_scores(peers, cfg)
    ok = np.isfinite(s)
    assert np.array_equal(ok, ok.T)
    assert np.array_equal(s[ok], s.T[ok])  # bit for bit
    c = peer_explain(peers, cfg, 4, 9)
    assert sum(c.values()) == pytest.approx(s[4, 9]) or not ok[4, 9]
    assert "hub_rank" not in c


def test_experience_rewards_similar_years():
    peers = Participants(person_id=np.arange(3), years=[5.0, 6.0, 25.0])
    cfg = MatchConfig(weights={"experience": 1.0}, experience_slack=10.0)
    assert peer_explain(peers, cfg, 0, 1)["experience"] == pytest.approx(0.9)
    assert peer_explain(peers, cfg, 0, 2)["experience"] == 0.0


def test_exclusions_locked_ineligible_conflict_and_reasons():
    n = 9
    peers = Participants(
        person_id=np.arange(n),
        eligible=[True, True, True, True, True, True, False, True, True],
        institution=[0, 0, 1, 2, 3, 4, 5, 6, 6],
        years=np.arange(n, dtype=float),
    )
    cfg = MatchConfig(
        weights={"experience": 1.0},
        conflict_rules=("same_institution",),
        excluded_pairs={(1, 2): "declined", (3, 1): "ended", (1, 4): "x", (5, 1): "x", (1, 7): "x", (8, 1): "x"},
        locked_pairs=[(5, 4)],
    )
    res = peer_match(peers, cfg)
    check_valid(res, peers, cfg)
    got = {(a.mentee, a.mentor): a.locked for a in res.assignments}
    assert got[(4, 5)] is True
    reasons = dict(res.unmatched)
    assert reasons[6] == REASON_PEER_INELIGIBLE
    assert reasons[1] == REASON_PEER_EXCLUDED  # 0 is a conflict, the rest excluded or locked
    # 0, 2, 3, 7, 8 left: 7-8 conflict; two pairs, one odd one out
    assert len([p for p in got if not got[p]]) == 2
    assert list(reasons.values()).count(REASON_ODD_ONE_OUT) == 1
    assert res.mode == "peer" and "max paired people" in res.objective


def test_no_partner_and_alone():
    peers = Participants(person_id=[1, 2], eligible=[True, False])
    res = peer_match(peers, MatchConfig())
    assert dict(res.unmatched) == {0: REASON_NO_PARTNER, 1: REASON_PEER_INELIGIBLE}
    assert peer_match(Participants(person_id=[]), MatchConfig()).assignments == []


def test_alternatives_are_next_best_partners():
    peers = pool(40, 5)
    cfg = default_config(n_alternatives=2)
    res = peer_match(peers, cfg)
    partner = {}
    for a in res.assignments:
        partner[a.mentee], partner[a.mentor] = a.mentor, a.mentee
    for i, alts in res.alternatives.items():
        assert len(alts) <= 2
        assert all(j != partner.get(i) for j, _ in alts)
        assert [x for _, x in alts] == sorted((x for _, x in alts), reverse=True)


def test_mid_size_certificate():
    peers = pool(1500, 11)
    res = peer_match(peers, default_config())
    st = res.stats
    assert st["certified"] and "proven on the full graph" in st["optimality"]
    assert st["full_pricing_passes"] >= 1 and st["lp_rounds"] >= 1
    assert st["in_play"] - st["paired_in_pool"] <= 1  # everyone in play paired (odd count: one left)
    assert st["blossom_edges"] < st["in_play"] * (st["in_play"] - 1) // 2


def test_odd_set_cuts_found_on_half_integral_cycles():
    from matching.engine.peer_lp import odd_sets

    # two triangles at x = 1/2 (violated: x(E(S)) = 3/2 > 1) and an even 4-cycle at 1/2 (no cut)
    a = np.array([0, 1, 0, 3, 4, 3, 6, 7, 8, 6])
    b = np.array([1, 2, 2, 4, 5, 5, 7, 8, 9, 9])
    x = np.full(len(a), 0.5)
    sets = sorted(tuple(S.tolist()) for batch in odd_sets(a, b, x, 10) for S in batch)
    assert set(sets) == {(0, 1, 2), (3, 4, 5)}
    # an integral solution has no violated odd set
    assert odd_sets(a, b, np.where(np.arange(len(a)) % 3 == 0, 1.0, 0.0), 10) == []


def test_cut_lp_bound_matches_brute_force_on_odd_cycles():
    """Pools whose degree LP is half-integral on odd cycles: the certified result is the brute
    force optimum (the cuts and the warm-started re-solves keep the bound valid)."""
    rng = np.random.default_rng(7)
    for _ in range(5):
        n = int(rng.integers(6, 11))
        peers, cfg = tiny_case(rng, n)
        res = peer_match(peers, cfg)
        pairs, total = brute_force(dense_scores(peers, cfg))
        assert len(res.assignments) == pairs
        assert res.stats["total_score"] == pytest.approx(total, abs=1e-4)
