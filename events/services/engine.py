"""The one place the events app reaches the speed-mentoring engine
(``matching.engine.speed.speed_schedule``). Until that module is on the branch, a small
greedy stand-in with the same signature and result stands in for it."""

from dataclasses import dataclass, field

import numpy as np

from matching.engine.inputs import MatchConfig, Participants
from matching.engine.scoring import score_matrix

try:  # the engine's own module, once merged
    from matching.engine.speed import SpeedSchedule, speed_schedule
except ImportError:  # pragma: no cover - replaced when matching.engine.speed lands

    @dataclass
    class SpeedSchedule:
        rounds: int
        slots: list[tuple[int, int, int]]
        meetings: np.ndarray
        total_score: float
        objective: str
        unmet: list[tuple[int, str]] = field(default_factory=list)
        stats: dict = field(default_factory=dict)

    def speed_schedule(
        mentees: Participants, mentors: Participants, config: MatchConfig, rounds: int, backend="auto"
    ) -> SpeedSchedule:
        """Greedy stand-in: each round, mentees with the fewest meetings first take their
        best table not yet met and free this round."""
        n, m = len(mentees), len(mentors)
        scores = score_matrix(mentees, mentors, config) if n and m else np.zeros((n, m))
        met = np.zeros((n, m), dtype=bool)
        meetings = np.zeros(n, dtype=np.int64)
        slots, total = [], 0.0
        for r in range(rounds):
            taken = set()
            for i in sorted(range(n), key=lambda i: (meetings[i], i)):
                options = [j for j in range(m) if j not in taken and not met[i, j] and np.isfinite(scores[i, j])]
                if not options:
                    continue
                j = max(options, key=lambda j: (scores[i, j], -j))
                taken.add(j)
                met[i, j] = True
                meetings[i] += 1
                total += float(scores[i, j])
                slots.append((r, i, j))
        unmet = [(i, "No suitable table was free") for i in range(n) if meetings[i] == 0]
        return SpeedSchedule(
            rounds=rounds,
            slots=sorted(slots),
            meetings=meetings,
            total_score=total,
            objective="greedy stand-in",
            unmet=unmet,
            stats={"slots": len(slots)},
        )


__all__ = ["SpeedSchedule", "speed_schedule"]
