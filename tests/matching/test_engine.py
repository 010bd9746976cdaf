"""Matching engine: exactness against independent references, constraints, explanations."""

import itertools

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from matching.engine.inputs import (
    REASON_CAPACITY,
    REASON_INELIGIBLE,
    REASON_NO_ELIGIBLE_MENTOR,
    REASON_ONLY_EXCLUDED,
    MatchConfig,
    Participants,
)
from matching.engine.scoring import explain, score_matrix
from matching.engine.solve import greedy_match, match
from matching.engine.stable import blocking_pairs, stable_match
from matching.engine.synth import default_config, random_pool

TOL = 1e-3


def brute_force(scores: np.ndarray, cap: np.ndarray) -> tuple[int, float]:
    """(max matched, max total among those) by enumerating every assignment."""
    n, m = scores.shape
    best = (0, 0.0)
    options = [[-1] + [j for j in range(m) if np.isfinite(scores[i, j])] for i in range(n)]
    for choice in itertools.product(*options):
        load = np.bincount([j for j in choice if j >= 0], minlength=m)
        if (load > cap).any():
            continue
        k = sum(1 for j in choice if j >= 0)
        total = sum(scores[i, j] for i, j in enumerate(choice) if j >= 0)
        if (k, total) > (best[0], best[1] + 1e-9):
            best = (k, total)
    return best


def lp_reference(scores: np.ndarray, cap: np.ndarray) -> tuple[int, float]:
    """Full-graph LP (HiGHS); the b-matching polytope is integral."""
    n, m = scores.shape
    ii, jj = np.nonzero(np.isfinite(scores))
    if len(ii) == 0:
        return 0, 0.0
    w = scores[ii, jj]
    big = (n + 1) * (np.abs(w).max() * 2 + 1)
    e = len(w)
    a = sp.csr_matrix((np.ones(2 * e), (np.concatenate([ii, n + jj]), np.tile(np.arange(e), 2))), shape=(n + m, e))
    res = linprog(-(w + big), A_ub=a, b_ub=np.concatenate([np.ones(n), cap]), bounds=(0, 1), method="highs")
    x = res.x > 0.5
    return int(x.sum()), float(w[x].sum())


def check_constraints(result, mentees, mentors, cfg, hub=False):
    seen = set()
    load = np.zeros(len(mentors), int)
    excluded = set(map(tuple, cfg.excluded_pairs))
    for a in result.assignments:
        assert a.mentee not in seen
        seen.add(a.mentee)
        load[a.mentor] += 1
        if a.locked:
            continue
        assert mentees.person_id[a.mentee] != mentors.person_id[a.mentor]
        assert (a.mentee, a.mentor) not in excluded
        assert mentees.eligible[a.mentee] and mentors.eligible[a.mentor]
        if "same_institution" in cfg.conflict_rules:
            assert mentees.institution[a.mentee] != mentors.institution[a.mentor] or mentees.institution[a.mentee] < 0
        if hub:
            assert mentors.hub[a.mentor] in mentees.hub_choices[a.mentee]
        # explanations add up to the score
        assert abs(sum(a.contributions.values()) - a.score) < 1e-9
    assert (load <= np.where(mentors.eligible, mentors.capacity, 0) + 0).all() or cfg.locked_pairs
    assert seen.isdisjoint(i for i, _ in result.unmatched)
    assert len(seen) + len(result.unmatched) == len(mentees)


def pools(draw_n, draw_m, seed, **kw):
    return random_pool(draw_n, draw_m, seed=seed, n_specialties=4, n_institutions=5, **kw)


@settings(max_examples=40, deadline=None)
@given(n=st.integers(1, 6), m=st.integers(1, 3), seed=st.integers(0, 10**6), k=st.integers(1, 3))
def test_matches_brute_force_on_tiny_instances(n, m, seed, k):
    mentees, mentors = pools(n, m, seed, max_capacity=2)
    rng = np.random.default_rng(seed)
    excl = [(int(rng.integers(n)), int(rng.integers(m))) for _ in range(2)]
    cfg = default_config(n_candidates=k, excluded_pairs=excl)
    res = match(mentees, mentors, cfg)
    cap = np.where(mentors.eligible, mentors.capacity, 0)
    ref_k, ref_total = brute_force(score_matrix(mentees, mentors, cfg), cap)
    assert res.stats["matched"] == ref_k
    assert res.stats["total_score"] == pytest.approx(ref_total, abs=TOL)
    check_constraints(res, mentees, mentors, cfg)


@settings(max_examples=15, deadline=None)
@given(n=st.integers(5, 120), m=st.integers(2, 40), seed=st.integers(0, 10**6), k=st.integers(1, 6))
def test_matches_full_graph_lp_and_beats_greedy(n, m, seed, k):
    mentees, mentors = pools(n, m, seed)
    rng = np.random.default_rng(seed)
    excl = list({(int(rng.integers(n)), int(rng.integers(m))) for _ in range(n // 3)})
    cfg = default_config(n_candidates=k, excluded_pairs=excl, require_meeting_mode=bool(seed % 2))
    res = match(mentees, mentors, cfg)
    cap = np.where(mentors.eligible, mentors.capacity, 0)
    ref_k, ref_total = lp_reference(score_matrix(mentees, mentors, cfg), cap)
    assert res.stats["matched"] == ref_k
    assert res.stats["total_score"] == pytest.approx(ref_total, abs=TOL)
    greedy = greedy_match(mentees, mentors, cfg)
    assert (res.stats["matched"], res.stats["total_score"] + TOL) >= (
        greedy.stats["matched"],
        greedy.stats["total_score"],
    )
    check_constraints(res, mentees, mentors, cfg)
    check_constraints(greedy, mentees, mentors, cfg)


@pytest.mark.parametrize("backend", ["scipy", "auto"])
def test_backends_agree(backend):
    mentees, mentors = random_pool(200, 60, seed=3)
    cfg = default_config(n_candidates=4)
    res = match(mentees, mentors, cfg, backend=backend)
    ref_k, ref_total = lp_reference(
        score_matrix(mentees, mentors, cfg), np.where(mentors.eligible, mentors.capacity, 0)
    )
    assert (res.stats["matched"], res.stats["total_score"]) == (ref_k, pytest.approx(ref_total, abs=TOL))


def test_fast_block_scores_equal_reference_formulas():
    from matching.engine.scoring import Scorer

    mentees, mentors = random_pool(50, 30, seed=5)
    mentees.lat[:5] = np.nan
    mentors.utc_offset[:3] = np.nan
    mentees.years[7] = np.nan
    cfg = default_config(weights=dict.fromkeys(default_config().weights, 1.0))
    sc = Scorer(mentees, mentors, cfg, mentor_ok=mentors.capacity > 0)
    fast = sc.score_fast(np.arange(50))
    slow = sc.score(np.arange(50)[:, None], np.arange(30)[None, :], np.float64)
    assert np.abs(fast - slow).max() < 1e-4
    assert np.isfinite(fast).all()


def test_explanations_alternatives_and_objective():
    mentees, mentors = random_pool(300, 80, seed=11)
    cfg = default_config(n_candidates=6, n_alternatives=3)
    res = match(mentees, mentors, cfg)
    assert "max matched" in res.objective and res.stats["objective"] == res.objective
    s = score_matrix(mentees, mentors, cfg)
    for a in res.assignments[:50]:
        assert a.score == pytest.approx(s[a.mentee, a.mentor], abs=1e-9)
        assert explain(mentees, mentors, cfg, a.mentee, a.mentor) == pytest.approx(a.contributions)
    mentor_of = {a.mentee: a.mentor for a in res.assignments}
    for i, alts in res.alternatives.items():
        assert len(alts) <= 3
        assert all(j != mentor_of.get(i) and np.isfinite(s[i, j]) for j, _ in alts)
        assert [x for _, x in alts] == sorted((x for _, x in alts), reverse=True)


def test_unmatched_reasons_and_locked_pairs():
    mentees = Participants(
        person_id=[1, 2, 3, 4, 5], eligible=[False, True, True, True, True], institution=[0, 9, 1, 2, 3]
    )
    mentors = Participants(
        person_id=[2, 10, 11], capacity=[1, 1, 1], institution=[5, 9, 7], eligible=[True, True, True]
    )
    # mentee 1 (person 2) cannot take mentor 0 (same person) and mentor 1 (same institution),
    # and mentor 2 is excluded -> only excluded pairs. Mentee 2..4 compete for the rest.
    cfg = MatchConfig(
        weights={"specialty": 1.0},
        conflict_rules=("same_institution",),
        excluded_pairs={(1, 2): "declined", (3, 0): "ended", (3, 1): "active", (3, 2): "ended"},
        locked_pairs=[(4, 2)],
    )
    res = match(mentees, mentors, cfg)
    reasons = dict(res.unmatched)
    assert reasons[0] == REASON_INELIGIBLE
    assert reasons[1] == REASON_ONLY_EXCLUDED
    assert reasons[3] == REASON_ONLY_EXCLUDED
    assert any(a.mentee == 4 and a.mentor == 2 and a.locked for a in res.assignments)
    assert {a.mentee for a in res.assignments} == {2, 4}
    # one mentor, two mentees: capacity reason; nobody eligible: no eligible mentor
    res2 = match(Participants(person_id=[1, 2]), Participants(person_id=[3], capacity=[1]), MatchConfig())
    assert [r for _, r in res2.unmatched] == [REASON_CAPACITY]
    res3 = match(Participants(person_id=[1]), Participants(person_id=[3], eligible=[False]), MatchConfig())
    assert res3.unmatched == [(0, REASON_NO_ELIGIBLE_MENTOR)]


@settings(max_examples=10, deadline=None)
@given(n=st.integers(4, 60), m=st.integers(2, 20), hubs=st.integers(1, 5), seed=st.integers(0, 10**6))
def test_hub_mode_is_lexicographic_optimum(n, m, hubs, seed):
    mentees, mentors = pools(n, m, seed, n_hubs=hubs)
    cfg = default_config(n_candidates=3)
    res = match(mentees, mentors, cfg, mode="hub")
    check_constraints(res, mentees, mentors, cfg, hub=True)
    hist = res.stats["choice_ranks"]
    assert hist["1"] + hist["2"] + hist["3"] == res.stats["matched"]
    # reference: the same lexicographic objective as one full-graph LP
    s = score_matrix(mentees, mentors, cfg, mode="hub")
    rank = np.zeros(s.shape, int)
    for c in range(mentees.hub_choices.shape[1] - 1, -1, -1):
        rank[mentees.hub_choices[:, [c]] == mentors.hub[None, :]] = c + 1
    smax = 20.0
    k2 = (n + 1) * 2 * smax + 1
    k1 = (n + 1) * (k2 + 2 * smax) + 1
    w = np.where(np.isfinite(s), s + k1 * (rank == 1) + k2 * (rank == 2), -np.inf)
    cap = np.where(mentors.eligible, mentors.capacity, 0)
    ref_k, _ = lp_reference(w, cap)
    assert res.stats["matched"] == ref_k
    ii, jj = np.nonzero(np.isfinite(w))
    # count first choices in the reference optimum via the LP value
    ref_value = lp_value(w, cap)
    got = sum(w[a.mentee, a.mentor] for a in res.assignments)
    assert got == pytest.approx(ref_value, abs=TOL * 10)


def lp_value(w, cap):
    n, m = w.shape
    ii, jj = np.nonzero(np.isfinite(w))
    if len(ii) == 0:
        return 0.0
    vals = w[ii, jj]
    big = (n + 1) * (np.abs(vals).max() * 2 + 1)
    e = len(vals)
    a = sp.csr_matrix((np.ones(2 * e), (np.concatenate([ii, n + jj]), np.tile(np.arange(e), 2))), shape=(n + m, e))
    res = linprog(-(vals + big), A_ub=a, b_ub=np.concatenate([np.ones(n), cap]), bounds=(0, 1), method="highs")
    return float(vals[res.x > 0.5].sum())


@settings(max_examples=25, deadline=None)
@given(
    n=st.integers(1, 30),
    m=st.integers(1, 10),
    seed=st.integers(0, 10**6),
    proposing=st.sampled_from(["mentee", "mentor"]),
    explicit=st.booleans(),
)
def test_stable_mode_leaves_no_blocking_pair(n, m, seed, proposing, explicit):
    mentees, mentors = pools(n, m, seed, max_capacity=3)
    cfg = default_config()
    rng = np.random.default_rng(seed)
    a_prefs = b_prefs = None
    if explicit:
        a_prefs = [list(rng.permutation(m)[: rng.integers(0, m + 1)]) for _ in range(n)]
        b_prefs = [list(rng.permutation(n)[: rng.integers(0, n + 1)]) for _ in range(m)]
    res = stable_match(mentees, mentors, cfg, a_prefs, b_prefs, proposing=proposing)
    assert "stable" in res.objective
    assert blocking_pairs(res, mentees, mentors, cfg, a_prefs, b_prefs) == []
    check_constraints(res, mentees, mentors, cfg)


def test_no_recursion_limit_on_large_pools():
    mentees, mentors = random_pool(3000, 900, seed=2)
    cfg = default_config()
    res = match(mentees, mentors, cfg)
    assert res.stats["matched"] > 2000
    st_res = stable_match(*random_pool(800, 300, seed=2), cfg)
    assert st_res.stats["matched"] > 0


def test_an_empty_side_is_allowed():
    from matching.engine.inputs import Participants

    empty = Participants(person_id=[])
    assert len(empty) == 0 and empty.hub_choices.shape == (0, 0)
    assert Participants(person_id=[], hub_choices=np.zeros((0, 3))).hub_choices.shape == (0, 3)
