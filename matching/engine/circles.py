"""Circle formation: members into group circles they ranked, through hub mode.

A circle is a "mentor" with capacity (its free places) whose attributes describe it (its
facilitators' profile, its theme as ``areas``). ``members.hub_choices`` holds circle indices by
rank (-1 for none). :func:`form_circles` gives circle c the hub id c and runs
``match(mode="hub")`` unchanged, so the objective is hub mode's, exactly:

**the most members placed** (only in a circle they ranked), **then the most 1st choices, then the
most 2nd choices, then the highest total score**. Hub mode weighs ranks 1 and 2 only: a 3rd,
4th, … choice is a placement like any other (they count alike; among them only the score
decides, and the ``hub_rank`` factor when its weight is not zero). A circle ranked twice by
one member counts at its best rank.

The circles' ``person_id`` are replaced inside by numbers below every member's, so that a circle never
clashes with a member of the same id (hub mode forbids a person matched with themselves).
"""

from __future__ import annotations

import dataclasses

import numpy as np

from matching.engine.inputs import (
    REASON_CAPACITY,
    REASON_INELIGIBLE,
    REASON_NO_ELIGIBLE_MENTOR,
    REASON_ONLY_EXCLUDED,
    MatchConfig,
    MatchResult,
    Participants,
)
from matching.engine.solve import match

CIRCLES_OBJECTIVE = (
    "max members placed in a circle they ranked, then most 1st choices, then most 2nd, then max total"
    " score (exact); 3rd and later choices count alike"
)

REASON_RANKED_NONE = "ranked no circle"
REASON_FULL = "every circle they ranked is full"
REASON_CLOSED = "no circle they ranked is open to them"
REASON_NOT_ELIGIBLE = "not eligible to join a circle"
REASON_EXCLUDED = "may not join the circles they ranked (excluded or a conflict of interest)"


def form_circles(
    members: Participants, circles: Participants, config: MatchConfig, backend: str = "auto"
) -> MatchResult:
    """Place members in circles they ranked (see the module docstring). The result's
    assignments carry ``mentor`` = circle index, ``hub_rank`` = the member's rank of that
    circle (1-based) and the score's contributions; ``unmatched`` gives reasons in plain words."""
    n_c = len(circles)
    choices = members.hub_choices
    if choices.size and ((choices < -1) | (choices >= n_c)).any():
        raise ValueError(f"hub_choices must be circle indices 0..{n_c - 1} or -1")
    below = min(int(members.person_id.min(initial=0)), 0) - 1  # ids no member has
    inner = dataclasses.replace(circles, hub=np.arange(n_c), person_id=below - np.arange(n_c, dtype=np.int64))
    res = match(members, inner, config, mode="hub", backend=backend)

    ranked_any = (choices >= 0).any(axis=1) if choices.shape[1] else np.zeros(len(members), bool)
    open_c = circles.eligible & (circles.capacity > 0)
    unmatched = []
    for i, why in res.unmatched:
        ranked = np.unique(choices[i][choices[i] >= 0]) if ranked_any[i] else np.zeros(0, np.int64)
        if why == REASON_INELIGIBLE:
            text = REASON_NOT_ELIGIBLE
        elif not len(ranked):
            text = REASON_RANKED_NONE
        elif why == REASON_CAPACITY:
            text = REASON_FULL
        elif why == REASON_NO_ELIGIBLE_MENTOR:
            # no ranked circle passes the people-only rules: full (no free place) or closed
            closed = ~circles.eligible[ranked]
            text = REASON_FULL if not closed.any() and not open_c[ranked].any() else REASON_CLOSED
        elif why == REASON_ONLY_EXCLUDED:
            text = REASON_EXCLUDED
        else:
            text = why
        unmatched.append((i, text))
    stats = dict(res.stats)
    stats.update(objective=CIRCLES_OBJECTIVE, mode="circles", engine_mode="hub")
    stats["placed"] = stats["matched"]
    return MatchResult(CIRCLES_OBJECTIVE, "circles", res.assignments, unmatched, res.alternatives, stats)
