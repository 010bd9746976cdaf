"""The engine's inputs and outputs: factor names, objectives, unmatched reasons, the
:class:`Participants` arrays, :class:`MatchConfig` and the :class:`MatchResult` it returns."""

from __future__ import annotations

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


def unmatched_reasons(left, eligible, base_cnt, feas_cnt) -> list[tuple[int, str]]:
    """Why each mentee in ``left`` has no mentor: not eligible; no mentor the people-only
    rules allow; only pairs a conflict or an exclusion forbids; else every place was used."""
    out = []
    for i in left:
        if not eligible[i]:
            reason = REASON_INELIGIBLE
        elif base_cnt[i] == 0:
            reason = REASON_NO_ELIGIBLE_MENTOR
        elif feas_cnt[i] == 0:
            reason = REASON_ONLY_EXCLUDED
        else:
            reason = REASON_CAPACITY
        out.append((int(i), reason))
    return out


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
