"""Matching engine: scoring, exact assignment, hub allocation and stable matching.

Pure Python + NumPy (+ SciPy; OR-Tools when installed, used as the faster min-cost-flow
backend). No Django imports: the web layer turns model rows into :class:`Participants`
arrays and a :class:`MatchConfig`, calls :func:`match` (or :func:`stable_match`) and
stores what comes back in a :class:`MatchResult`.

Objectives, stated once here and repeated in ``MatchResult.objective``:

* ``mode="optimal"`` — **maximum number of matched mentees first**, then the highest total
  score among all such matchings, within mentor capacities and hard constraints. Exact.
* ``mode="hub"`` — only mentors in a hub the mentee ranked are allowed. **Maximum number of
  matched mentees first**, then the most 1st choices, then the most 2nd choices (so the
  remaining matches are 3rd choices), then the highest total score. Exact. It never
  gives up a match to improve someone's rank.
* :func:`stable_match` — deferred acceptance with capacities (mentee- or
  mentor-proposing). The result has **no blocking pair**; it does *not* maximise the
  number of matches or the total score.

Exactness at scale: every mentee keeps its top ``n_candidates`` mentors (scored in
blocks, never a full float64 matrix); the sparse problem is solved exactly by a min-cost
flow; LP duals are rebuilt from the solution and every left-out pair is priced against
them. A left-out pair that could improve the solution is added and the problem
re-solved, so the returned matching is optimal for the full graph. ``stats.optimality``
records the certificate. Nothing recurses with instance size.
"""
