"""Circle formation engine (issue 19): members into circles they ranked. Pure engine.

The reference is a CP-SAT model written from the contract: booleans x[i, c] for a member and a
circle the member ranked (an eligible member, an eligible circle with a free place, no
excluded pair, no same-institution conflict when the rule is on); each member in at most one
circle, each circle within its free places. Solved level by level: the most members placed,
then the most 1st choices, then the most 2nd, then the highest total score, the exact float64
pair score (``score_matrix``) on an integer scale."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from ortools.sat.python import cp_model

from matching.engine import form_circles
from matching.engine.circles import (
    CIRCLES_OBJECTIVE,
    REASON_CLOSED,
    REASON_EXCLUDED,
    REASON_FULL,
    REASON_NOT_ELIGIBLE,
    REASON_RANKED_NONE,
)
from matching.engine.inputs import MatchConfig, Participants
from matching.engine.scoring import Scorer
from matching.engine.synth import circle_pool, default_config

SCALE = 10**6


def exact_scores(members, circles, cfg):
    """Exact float64 pair scores (the contract's score), ignoring feasibility; circle c is hub c
    (the ``hub_rank`` factor scores the member's rank of the circle)."""
    circles = dataclasses.replace(circles, hub=np.arange(len(circles)))
    sc = Scorer(members, circles, cfg, mentor_ok=np.ones(len(circles), bool))
    ia, jb = np.arange(len(members))[:, None], np.arange(len(circles))[None, :]
    return np.broadcast_to(sc.score(ia, jb, np.float64), (len(members), len(circles)))


def best_rank(members, n_c):
    """rank[i, c]: 1-based best rank member i gave circle c, 0 when not ranked."""
    rank = np.zeros((len(members), n_c), np.int64)
    for i, row in enumerate(members.hub_choices):
        for r, c in enumerate(row.tolist(), start=1):
            if c >= 0 and rank[i, c] == 0:
                rank[i, c] = r
    return rank


def reference(members, circles, cfg):
    n, n_c = len(members), len(circles)
    rank = best_rank(members, n_c)
    s = exact_scores(members, circles, cfg)
    excluded = set(map(tuple, cfg.excluded_pairs))
    conflict = "same_institution" in cfg.conflict_rules
    model = cp_model.CpModel()
    x = {}
    for i in range(n):
        for c in range(n_c):
            if rank[i, c] == 0 or not members.eligible[i] or not circles.eligible[c] or circles.capacity[c] <= 0:
                continue
            if (i, c) in excluded:
                continue
            if conflict and members.institution[i] >= 0 and members.institution[i] == circles.institution[c]:
                continue
            x[i, c] = model.new_bool_var(f"x{i}_{c}")
    for i in range(n):
        model.add(sum(v for (a, _), v in x.items() if a == i) <= 1)
    for c in range(n_c):
        model.add(sum(v for (_, b), v in x.items() if b == c) <= max(int(circles.capacity[c]), 0))
    levels = [
        sum(x.values()),
        sum(v for (i, c), v in x.items() if rank[i, c] == 1),
        sum(v for (i, c), v in x.items() if rank[i, c] == 2),
    ]
    score = sum(int(round(s[i, c] * SCALE)) * v for (i, c), v in x.items())
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    values = []
    for expr in levels:
        model.maximize(expr)
        assert solver.solve(model) == cp_model.OPTIMAL
        values.append(round(solver.objective_value))
        model.add(expr == values[-1])
    model.maximize(score)
    assert solver.solve(model) == cp_model.OPTIMAL
    total = sum(s[i, c] for (i, c), v in x.items() if solver.value(v))
    return values, total


def random_instance(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 31))
    n_c = int(rng.integers(1, 7))
    members, circles = circle_pool(
        n, n_c, seed=seed, n_choices=int(rng.integers(1, 5)), capacity=(1, 5), skew=float(rng.choice([0, 1, 2]))
    )
    # some ragged lists: blanks in the middle, repeats, members who rank nothing
    hc = members.hub_choices
    for i in range(n):
        u = rng.random()
        if u < 0.1:
            hc[i, :] = -1
        elif u < 0.2 and hc.shape[1] > 1:
            hc[i, 0] = -1
        elif u < 0.3 and hc.shape[1] > 1:
            hc[i, -1] = hc[i, 0]
    if seed % 4 == 0:
        circles.capacity[0] = 0
    if seed % 7 == 0:
        circles.eligible[-1] = False
    excluded = [(int(rng.integers(n)), int(rng.integers(n_c))) for _ in range(int(rng.integers(0, 4)))]
    cfg = default_config(excluded_pairs=excluded)
    if seed % 3 == 0:
        cfg = default_config(excluded_pairs=excluded, weights={**cfg.weights, "hub_rank": 2.0})
    return members, circles, cfg


def check_result(res, members, circles):
    assert res.mode == "circles" and res.objective == CIRCLES_OBJECTIVE
    rank = best_rank(members, len(circles))
    load = np.zeros(len(circles), np.int64)
    seen = set()
    for a in res.assignments:
        assert a.mentee not in seen
        seen.add(a.mentee)
        assert rank[a.mentee, a.mentor] > 0, "placed in a circle the member did not rank"
        assert a.hub_rank == rank[a.mentee, a.mentor]
        assert a.score == pytest.approx(sum(a.contributions.values()), rel=1e-12, abs=1e-12)
        load[a.mentor] += 1
    assert (load <= np.maximum(circles.capacity, 0)).all(), "a circle over its free places"
    assert seen.isdisjoint(i for i, _ in res.unmatched)
    assert len(seen) + len(res.unmatched) == len(members)


@pytest.mark.parametrize("seed", range(40))
def test_equals_cp_sat_reference(seed):
    members, circles, cfg = random_instance(seed)
    res = form_circles(members, circles, cfg)
    check_result(res, members, circles)
    (placed, first, second), total = reference(members, circles, cfg)
    ranks = [a.hub_rank for a in res.assignments]
    assert len(res.assignments) == placed
    assert ranks.count(1) == first
    assert ranks.count(2) == second
    assert res.stats["total_score"] == pytest.approx(total, rel=1e-9, abs=1e-6 * max(placed, 1))


@pytest.mark.parametrize("seed", range(5))
def test_scipy_backend_gives_the_same_profile(seed):
    members, circles, cfg = random_instance(200 + seed)
    a = form_circles(members, circles, cfg, backend="scipy")
    b = form_circles(members, circles, cfg, backend="ortools")
    check_result(a, members, circles)
    assert sorted(x.hub_rank for x in a.assignments) == sorted(x.hub_rank for x in b.assignments)
    assert a.stats["total_score"] == pytest.approx(b.stats["total_score"], rel=1e-9, abs=1e-6)


def test_ranks_beyond_two_count_alike():
    """Hub mode weighs 1st and 2nd choices only: with a 3rd and a 4th choice left, the higher
    score wins, not the better rank (hub_rank weight 0)."""
    members = Participants(person_id=[1], hub_choices=[[-1, -1, 0, 1]], years=[5.0])
    circles = Participants(person_id=[1, 2], capacity=[1, 1], years=[5.0, 20.0])
    cfg = MatchConfig(weights={"experience": 1.0})
    res = form_circles(members, circles, cfg)
    assert [(a.mentor, a.hub_rank) for a in res.assignments] == [(1, 4)]


def test_person_ids_do_not_clash():
    members = Participants(person_id=[0, 1], hub_choices=[[0], [1]])
    circles = Participants(person_id=[0, 1], capacity=[1, 1])  # the web layer may pass circle ids
    res = form_circles(members, circles, MatchConfig())
    assert len(res.assignments) == 2
    members = Participants(person_id=[-1, -2], hub_choices=[[0], [1]])
    circles = Participants(person_id=[-1, -2], capacity=[1, 1])
    assert len(form_circles(members, circles, MatchConfig()).assignments) == 2


def test_explanations():
    members = Participants(
        person_id=[10, 11, 12, 13, 14, 15, 16],
        eligible=[True, True, True, True, False, True, True],
        hub_choices=[[0, 1], [0, 1], [0, 1], [-1, -1], [0, -1], [2, -1], [3, -1]],
        institution=[1, 1, 1, 1, 1, 9, 2],
    )
    circles = Participants(
        person_id=[0, 1, 2, 3], capacity=[1, 1, 0, 1], eligible=[True, True, True, False], institution=[5, 5, 5, 5]
    )
    res = form_circles(members, circles, MatchConfig(excluded_pairs=[(6, 3)]))
    why = dict(res.unmatched)
    assert len(res.assignments) == 2
    assert sum(1 for i in (0, 1, 2) if why.get(i) == REASON_FULL) == 1
    assert why[3] == REASON_RANKED_NONE
    assert why[4] == REASON_NOT_ELIGIBLE
    assert why[5] == REASON_FULL  # its only circle has no free place
    assert why[6] == REASON_CLOSED  # its circle is not open (and the pair is excluded anyway)

    members = Participants(person_id=[1, 2], hub_choices=[[0], [0]], institution=[4, 7])
    circles = Participants(person_id=[1], capacity=[3], institution=[4])
    res = form_circles(members, circles, MatchConfig(conflict_rules=("same_institution",), excluded_pairs=[(1, 0)]))
    assert dict(res.unmatched) == {0: REASON_EXCLUDED, 1: REASON_EXCLUDED}


def test_bad_choices_are_refused():
    members = Participants(person_id=[1], hub_choices=[[3]])
    circles = Participants(person_id=[1, 2], capacity=[1, 1])
    with pytest.raises(ValueError):
        form_circles(members, circles, MatchConfig())


def test_empty_sides():
    members, circles = circle_pool(5, 0, seed=1)
    res = form_circles(members, circles, default_config())
    assert res.assignments == [] and {w for _, w in res.unmatched} <= {REASON_RANKED_NONE, REASON_NOT_ELIGIBLE}
    members, circles = circle_pool(0, 3, seed=1)
    assert form_circles(members, circles, default_config()).assignments == []


def test_capacity_respected_at_a_larger_size():
    members, circles = circle_pool(600, 40, seed=7, capacity=(8, 12), skew=1.0)
    res = form_circles(members, circles, default_config())
    check_result(res, members, circles)
    full = {c for c in range(40) if sum(a.mentor == c for a in res.assignments) == circles.capacity[c]}
    for i, why in res.unmatched:
        if why == REASON_FULL:
            ranked = {int(c) for c in members.hub_choices[i] if c >= 0}
            assert ranked <= full or not circles.eligible[list(ranked)].all()
