"""Speed-mentoring schedule engine (issue 19): validity, exactness against a CP-SAT model
written from the contract, fair shares, edge cases and reasons. Pure engine, no database.

The reference: booleans x[i, j, r] (mentee i at table j in round r) for allowed pairs; a pair
meets at most once, one mentee per table per round, one table per mentee per round. Its
objective is the contract's lexicographic one taken literally, solved level by level: the most
mentees with at least 1 meeting, then at least 2, ..., up to min(K, N) (the last level is the
total number of meetings), then the highest total score."""

from __future__ import annotations

import numpy as np
import pytest
from ortools.sat.python import cp_model

from matching.engine import SpeedSchedule, speed_schedule, speed_schedule_from_scores
from matching.engine.scoring import score_matrix
from matching.engine.speed import (
    REASON_FEW_ALLOWED,
    REASON_INELIGIBLE,
    REASON_NO_ALLOWED,
    REASON_TABLES_FULL,
    SPEED_OBJECTIVE,
    certify_flow,
    fair_share,
)
from matching.engine.synth import default_config, random_pool, speed_pool

SCORE_SCALE = 1000  # reference scores are integers / 1000: exact in both solvers


def assert_valid(sched: SpeedSchedule, allowed: np.ndarray, k: int) -> None:
    m, n = allowed.shape
    assert sched.rounds == k
    assert sched.slots == sorted(sched.slots)
    pairs, seats, tables = set(), set(), set()
    for r, i, j in sched.slots:
        assert 0 <= r < k and 0 <= i < m and 0 <= j < n
        assert allowed[i, j], f"disallowed pair {(i, j)} scheduled"
        assert (i, j) not in pairs, "a pair meets twice"
        assert (r, i) not in seats, "a mentee at two tables in one round"
        assert (r, j) not in tables, "two mentees at one table in one round"
        pairs.add((i, j))
        seats.add((r, i))
        tables.add((r, j))
    counts = np.bincount([i for _, i, _ in sched.slots], minlength=m)
    assert np.array_equal(sched.meetings, counts)
    per_round = np.bincount([r for r, _, _ in sched.slots], minlength=k) if k else np.zeros(0)
    if len(per_round):
        assert per_round.max() - per_round.min() <= 1, "rounds are not balanced"
    assert sched.objective == SPEED_OBJECTIVE


def reference(scores_int: np.ndarray, allowed: np.ndarray, k: int):
    """(meeting counts, total integer score) of a lexicographic optimum found by CP-SAT."""
    m, n = allowed.shape
    model = cp_model.CpModel()
    x = {}
    for i, j in zip(*np.nonzero(allowed), strict=True):
        for r in range(k):
            x[int(i), int(j), r] = model.new_bool_var(f"x{i}_{j}_{r}")
    for i in range(m):
        for j in range(n):
            model.add(sum(x.get((i, j, r), 0) for r in range(k)) <= 1)
        for r in range(k):
            model.add(sum(x.get((i, j, r), 0) for j in range(n)) <= 1)
    for j in range(n):
        for r in range(k):
            model.add(sum(x.get((i, j, r), 0) for i in range(m)) <= 1)
    meet = []
    for i in range(m):
        v = model.new_int_var(0, k, f"m{i}")
        model.add(v == sum(x.get((i, j, r), 0) for j in range(n) for r in range(k)))
        meet.append(v)
    levels = []
    for t in range(1, max(min(k, n), 0) + 1):
        ys = []
        for i in range(m):
            y = model.new_int_var(0, t, f"y{i}_{t}")
            model.add_min_equality(y, [meet[i], t])
            ys.append(y)
        levels.append(sum(ys))
    score = sum(int(scores_int[i, j]) * v for (i, j, _), v in x.items())
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.max_time_in_seconds = 60
    for expr in levels:
        model.maximize(expr)
        assert solver.solve(model) == cp_model.OPTIMAL
        model.add(expr == round(solver.objective_value))
    model.maximize(score)
    assert solver.solve(model) == cp_model.OPTIMAL
    counts = np.array([solver.value(v) for v in meet])
    return counts, round(solver.objective_value)


def random_instance(seed: int):
    rng = np.random.default_rng(seed)
    m, n, k = int(rng.integers(1, 9)), int(rng.integers(1, 6)), int(rng.integers(1, 5))
    scores_int = rng.integers(0, 25, (m, n)) if seed % 2 else rng.integers(0, 10**6, (m, n))
    allowed = rng.random((m, n)) > rng.choice([0.0, 0.2, 0.5, 0.75])
    if seed % 5 == 0 and m > 1:
        allowed[0] = False  # someone may meet nobody
    return scores_int, allowed, k


@pytest.mark.parametrize("seed", range(80))
def test_equals_cp_sat_reference(seed):
    scores_int, allowed, k = random_instance(seed)
    sched = speed_schedule_from_scores(scores_int / SCORE_SCALE, k, allowed)
    assert_valid(sched, allowed, k)
    ref_counts, ref_score = reference(scores_int, allowed, k)
    assert sched.meetings.sum() == ref_counts.sum(), "not the most meetings"
    assert sorted(sched.meetings) == sorted(ref_counts), "meetings not shared as evenly as the reference"
    engine_int = sum(int(scores_int[i, j]) for _, i, j in sched.slots)
    assert engine_int == ref_score
    assert sched.total_score == pytest.approx(ref_score / SCORE_SCALE, rel=1e-12, abs=1e-9)
    assert "proven" in sched.stats["certificate"] or not sched.slots


@pytest.mark.parametrize("seed", range(6))
def test_float_scores_match_reference_within_resolution(seed):
    rng = np.random.default_rng(100 + seed)
    m, n, k = 7, 4, 3
    scores = rng.random((m, n)) * 3
    allowed = rng.random((m, n)) > 0.25
    sched = speed_schedule_from_scores(scores, k, allowed)
    assert_valid(sched, allowed, k)
    ref_counts, ref_int = reference(np.rint(scores * 1e6).astype(np.int64), allowed, k)
    assert sched.meetings.sum() == ref_counts.sum()
    assert sorted(sched.meetings) == sorted(ref_counts)
    # both solve on rounded scores: the totals differ by at most a rounding step per meeting
    assert sched.total_score == pytest.approx(ref_int / 1e6, abs=len(sched.slots) * 1e-6)


@pytest.mark.parametrize(("m", "n", "k"), [(20, 6, 4), (9, 9, 9), (7, 3, 2), (50, 12, 5), (5, 5, 5)])
def test_fair_share_when_every_pair_is_allowed(m, n, k):
    rng = np.random.default_rng(m * 100 + n * 10 + k)
    sched = speed_schedule_from_scores(rng.random((m, n)), k)
    assert_valid(sched, np.ones((m, n), bool), k)
    lo, hi = fair_share(m, n, k)
    assert sched.meetings.sum() == min(n * k, m * min(k, n))
    assert set(sched.meetings.tolist()) <= {lo, hi}
    assert hi <= min(k, n)
    assert sched.unmet == []


def test_full_square_uses_every_table_every_round():
    sched = speed_schedule_from_scores(np.ones((6, 6)), 6)
    assert len(sched.slots) == 36
    assert sched.stats["meetings_per_round"] == [6] * 6


def test_more_tables_than_mentees():
    rng = np.random.default_rng(3)
    scores = rng.random((3, 7))
    sched = speed_schedule_from_scores(scores, 4)
    assert sched.meetings.tolist() == [4, 4, 4]
    # with a free choice of tables, each mentee meets its best four mentors
    for i in range(3):
        met = sorted(j for _, ii, j in sched.slots if ii == i)
        assert met == sorted(np.argsort(-scores[i])[:4].tolist())


def test_more_rounds_than_mentors():
    sched = speed_schedule_from_scores(np.ones((5, 3)), 6)
    assert_valid(sched, np.ones((5, 3), bool), 6)
    assert sched.meetings.tolist() == [3] * 5  # each mentee meets every mentor once
    assert fair_share(5, 3, 6) == (3, 3)
    assert sched.unmet == []


def test_unmet_reasons():
    allowed = np.ones((6, 3), bool)
    allowed[0] = False  # may meet nobody
    allowed[1] = [True, False, False]  # one mentor only
    sched = speed_schedule_from_scores(np.ones((6, 3)), 3, allowed)
    assert_valid(sched, allowed, 3)
    reasons = dict(sched.unmet)
    assert fair_share(6, 3, 3) == (1, 2)
    assert reasons[0] == REASON_NO_ALLOWED
    assert 1 not in reasons  # one meeting is its floor share
    assert sched.meetings[0] == 0
    # the tables mentee 0 leaves free go to the others
    assert sched.meetings.sum() == 9

    allowed = np.zeros((4, 4), bool)
    allowed[:, 0] = True  # four mentees want one table, two rounds
    allowed[3, 1] = True
    sched = speed_schedule_from_scores(np.ones((4, 4)), 2, allowed)
    reasons = dict(sched.unmet)
    assert fair_share(4, 4, 2) == (2, 2)
    assert sched.meetings.sum() == 3
    assert sched.meetings[3] == 1  # fairness: three mentees with one meeting beat one with two
    assert reasons[3] == REASON_TABLES_FULL  # may meet two mentors, met one
    few = [i for i in range(3) if reasons[i] == REASON_FEW_ALLOWED.format(n=1)]
    full = [i for i in range(3) if reasons[i] == REASON_TABLES_FULL]
    assert len(few) == 2 and len(full) == 1  # met their only mentor / found its table full
    assert sched.meetings[full[0]] == 0


def test_degenerate_sizes():
    assert speed_schedule_from_scores(np.zeros((0, 3)), 2).slots == []
    sched = speed_schedule_from_scores(np.zeros((3, 0)), 2)
    assert sched.slots == [] and sched.meetings.tolist() == [0, 0, 0]
    assert speed_schedule_from_scores(np.ones((3, 3)), 0).slots == []
    sched = speed_schedule_from_scores(np.ones((2, 2)), 1, np.zeros((2, 2), bool))
    assert dict(sched.unmet) == {0: REASON_NO_ALLOWED, 1: REASON_NO_ALLOWED}
    with pytest.raises(ValueError):
        speed_schedule_from_scores(np.ones((2, 2)), 1, np.ones((3, 2), bool))


def test_non_finite_scores_are_not_allowed():
    scores = np.array([[1.0, -np.inf], [np.nan, 2.0]])
    sched = speed_schedule_from_scores(scores, 2)
    assert sorted((i, j) for _, i, j in sched.slots) == [(0, 0), (1, 1)]


@pytest.mark.parametrize("seed", range(3))
def test_valid_on_random_pools_through_the_scorer(seed):
    mentees, mentors = speed_pool(90, 25, seed=seed)
    mentees.eligible[4] = False
    cfg = default_config(excluded_pairs=[(0, 1), (2, 3), (5, 0)])
    sched = speed_schedule(mentees, mentors, cfg, rounds=6)
    exact = score_matrix(mentees, mentors, cfg)  # pools have capacity >= 1: same feasibility
    allowed = np.isfinite(exact)
    assert_valid(sched, allowed, 6)
    assert (0, 1) not in {(i, j) for _, i, j in sched.slots}
    assert sched.total_score == pytest.approx(sum(exact[i, j] for _, i, j in sched.slots), rel=1e-12)
    ref = speed_schedule_from_scores(np.where(allowed, exact, 0.0), 6, allowed)
    assert ref.slots == sched.slots
    ineligible = np.nonzero(~mentees.eligible)[0].tolist()
    assert ineligible, "the pool should hold an ineligible mentee"
    reasons = dict(sched.unmet)
    assert all(sched.meetings[i] == 0 and reasons[i] == REASON_INELIGIBLE for i in ineligible)


def test_mentor_capacity_is_ignored_and_conflicts_apply():
    mentees, mentors = random_pool(12, 4, seed=5)
    mentees.eligible[:] = True
    mentors.eligible[:] = True
    mentors.capacity[:] = 0  # a table still takes one mentee per round
    mentees.institution[:] = 7
    mentors.institution[:] = [7, 1, 2, 3]
    sched = speed_schedule(mentees, mentors, default_config(), rounds=3)
    assert sched.meetings.sum() == 9
    assert all(j != 0 for _, _, j in sched.slots)  # same-institution conflict
    assert sched.stats["certificate"].startswith("proven")


def test_scale_target_is_fast():
    mentees, mentors = speed_pool(200, 60, seed=1)
    sched = speed_schedule(mentees, mentors, default_config(), rounds=8)
    assert sched.stats["timings"]["total"] < 10
    assert sched.meetings.sum() == sched.stats["meetings"] <= 480


@pytest.mark.parametrize("seed", range(12))
def test_every_graph_of_degree_at_most_k_is_seated_in_k_rounds(seed):
    """König: when no one may meet more than K people, every allowed pair meets, so the
    rounds are an edge colouring of an arbitrary bipartite graph of maximum degree <= K."""
    rng = np.random.default_rng(500 + seed)
    m, n, k = int(rng.integers(5, 60)), int(rng.integers(5, 40)), int(rng.integers(1, 7))
    allowed = np.zeros((m, n), bool)
    deg_a, deg_b = np.zeros(m, int), np.zeros(n, int)
    for i, j in zip(rng.integers(0, m, 20 * m * k), rng.integers(0, n, 20 * m * k), strict=True):
        if not allowed[i, j] and deg_a[i] < k and deg_b[j] < k:
            allowed[i, j] = True
            deg_a[i] += 1
            deg_b[j] += 1
    sched = speed_schedule_from_scores(rng.random((m, n)), k, allowed)
    assert_valid(sched, allowed, k)
    assert len(sched.slots) == int(allowed.sum())


def test_larger_event_is_valid_and_fair():
    rng = np.random.default_rng(9)
    m, n, k = 1500, 300, 12
    allowed = rng.random((m, n)) > 0.1
    sched = speed_schedule_from_scores(rng.random((m, n)), k, allowed)
    assert_valid(sched, allowed, k)
    lo, hi = fair_share(m, n, k)
    assert sched.meetings.sum() == n * k
    assert set(sched.meetings.tolist()) <= {lo, hi}


def test_certificate_refuses_a_flow_that_is_not_optimal():
    # mentees 0, 1; mentors 2, 3; source 4; sink 5; the pairs (0,2) and (1,3) are worth 5, the others 1
    tails = np.array([4, 4, 0, 0, 1, 1, 2, 3])
    heads = np.array([0, 1, 2, 3, 2, 3, 5, 5])
    caps = np.ones(8, np.int64)
    costs = np.array([0, 0, -5, -1, -1, -5, 0, 0])
    best = np.array([1, 1, 1, 0, 0, 1, 1, 1])
    assert certify_flow(6, 4, 5, tails, heads, caps, costs, best).startswith("proven")
    with pytest.raises(RuntimeError, match="negative residual cycle"):
        certify_flow(6, 4, 5, tails, heads, caps, costs, np.array([1, 1, 0, 1, 1, 0, 1, 1]))
    with pytest.raises(RuntimeError, match="augmenting path"):
        certify_flow(6, 4, 5, tails, heads, caps, costs, np.array([1, 0, 1, 0, 0, 0, 1, 0]))
    with pytest.raises(RuntimeError, match="not conserved"):
        certify_flow(6, 4, 5, tails, heads, caps, costs, np.array([1, 1, 1, 0, 0, 0, 1, 1]))
