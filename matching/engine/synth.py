"""Synthetic pools for the engine's tests and benchmark (no Django imports)."""

from __future__ import annotations

import numpy as np

from matching.engine.inputs import FACTORS, MatchConfig, Participants


def random_pool(
    n_mentees: int,
    n_mentors: int,
    seed: int = 0,
    n_hubs: int = 0,
    n_specialties: int = 12,
    max_capacity: int = 5,
    n_institutions: int = 40,
) -> tuple[Participants, Participants]:
    """Mentees and mentors with realistic-looking, correlated attributes."""
    rng = np.random.default_rng(seed)

    def side(n, mentor):
        lat = rng.uniform(25, 50, n)
        lon = rng.uniform(-125, -70, n)
        years = rng.uniform(10, 35, n) if mentor else rng.uniform(0, 12, n)
        hub_choices = None
        if n_hubs and not mentor:
            k = min(3, n_hubs)
            # popular hubs are ranked more often
            p = np.linspace(2.0, 1.0, n_hubs)
            p /= p.sum()
            hub_choices = np.array([rng.choice(n_hubs, k, replace=False, p=p) for _ in range(n)])
        return Participants(
            person_id=np.arange(n) + (10**7 if mentor else 0),
            eligible=rng.random(n) > 0.02,
            specialty=rng.integers(0, n_specialties, n),
            practice_setting=rng.integers(0, 4, n),
            years=years,
            areas=rng.integers(0, 2**16, n, dtype=np.uint64) & rng.integers(0, 2**16, n, dtype=np.uint64),
            interests=rng.integers(0, 2**20, n, dtype=np.uint64) & rng.integers(0, 2**20, n, dtype=np.uint64),
            lat=lat,
            lon=lon,
            region=(lon // 10).astype(np.int64),
            utc_offset=np.round(lon / 15),
            modes=rng.integers(1, 8, n),
            institution=rng.integers(0, n_institutions, n),
            capacity=rng.integers(1, max_capacity + 1, n) if mentor else None,
            hub=rng.integers(0, n_hubs, n) if (n_hubs and mentor) else None,
            hub_choices=hub_choices,
        )

    return side(n_mentees, False), side(n_mentors, True)


def default_config(**kw) -> MatchConfig:
    weights = {
        "specialty": 3.0,
        "practice_setting": 1.0,
        "experience": 2.0,
        "area_coverage": 3.0,
        "interests": 1.5,
        "geography": 1.0,
        "timezone": 1.0,
        "meeting_mode": 1.0,
        "hub_rank": 0.0,
    }
    assert set(weights) == set(FACTORS)
    kw.setdefault("weights", weights)
    kw.setdefault("related_specialties", [(0, 1), (2, 3), (4, 5)])
    kw.setdefault("conflict_rules", ("same_institution",))
    return MatchConfig(**kw)


def speed_pool(n_mentees: int, n_mentors: int, seed: int = 0) -> tuple[Participants, Participants]:
    """A speed-mentoring pool: ``random_pool`` people (about 2% ineligible on each side)."""
    return random_pool(n_mentees, n_mentors, seed=seed)


def circle_pool(
    n_members: int,
    n_circles: int,
    seed: int = 0,
    n_choices: int = 3,
    capacity: tuple[int, int] = (8, 12),
    skew: float = 1.0,
    share_ranking_none: float = 0.0,
) -> tuple[Participants, Participants]:
    """Members and circles for circle formation. Each member ranks ``n_choices`` distinct
    circles (``hub_choices`` = circle indices, -1 past the end), drawn with a popularity skew
    (circle c's weight is 1 / (c + 1) ** skew); ``share_ranking_none`` of them rank none.
    Circles' capacities are uniform in ``capacity`` (inclusive); their attributes are drawn like
    mentors' (a facilitator's profile; ``areas`` the theme)."""
    rng = np.random.default_rng(seed)
    members, circles = random_pool(n_members, n_circles, seed=seed)
    k = min(n_choices, n_circles)
    p = 1.0 / (np.arange(n_circles) + 1.0) ** skew
    p /= p.sum()
    hc = np.full((n_members, max(n_choices, 1)), -1, np.int64)
    for i in range(n_members):
        if k and rng.random() >= share_ranking_none:
            hc[i, :k] = rng.choice(n_circles, k, replace=False, p=p)
    members.hub_choices = hc
    circles.capacity = rng.integers(capacity[0], capacity[1] + 1, n_circles)
    circles.person_id = np.arange(n_circles, dtype=np.int64)
    return members, circles
