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
  remaining matches are 3rd choices), then the highest total score. Exact, in two stages on
  the listed allowed graph: ranks (LP duals and pricing), then the best score among the
  rank-optimal matchings (the stage-1 duals fix which pairs and people they may use). It
  never gives up a match to improve someone's rank.
* :func:`stable_match` — deferred acceptance with capacities (mentee- or mentor-proposing):
  **the proposing side's optimal stable matching**, no blocking pair. People may rank the
  other side themselves (``lists="shortlist"``: their list first, then the program's score;
  ``"complete"``: only those listed); everyone else ranks by the exact score, ties to the
  lower index. It does *not* maximise the number of matches or the total score.
* :func:`peer_match` (``mode="peer"``, peer mentoring: one pool, unordered pairs, no sides) —
  **the most people paired first, then the highest total pair score**, exact. The pair score
  is symmetric: the dyad factors (area coverage averaged over both directions), except
  experience, which rewards *similar* years (``1 - |years_i - years_j| / experience_slack``);
  no hub factor. An assignment's ``mentee`` / ``mentor`` are peer A / peer B (A < B). Edmonds'
  blossom algorithm on a candidate graph, certified for the full graph by an LP bound (the
  perfect-matching LP with odd-set cuts, or the degree LP when not everyone can be paired) with
  exact integer duals: every pair outside the blossom's graph is priced against them
  (``stats["optimality"]``; see ``matching.engine.peer``).

Exactness: the scores optimised, priced and reported are one thing, the exact float64 pair
score ``Scorer.score`` (the sum of the explained contributions). The float32 block path
(``Scorer.score_fast``) only chooses candidates and screens left-out pairs, and every screen
is widened by ``Scorer.fast_error``, a bound on its error built from the roundings of each
factor (tests check it on adversarial pools); whatever passes is rescored exactly.
The min-cost flow works on integers: ``stats.score_resolution`` is the score step
(1e-6 of the largest pair score in optimal mode, finer in hub stage 2).

At scale: every mentee keeps its top ``n_candidates`` mentors (scored in blocks, never a
full float64 matrix); the sparse problem is solved exactly by a min-cost flow; LP duals are
rebuilt from the solution and every left-out pair is priced against them. A left-out pair
that could improve the solution is added and the problem re-solved, so the returned
matching is optimal for the full graph. Stable mode keeps no mentees x mentors array either:
one blocked pass gives each proposer the part of its list that is certain, and a proposer
that runs out fetches its next partners from an exact row, skipping receivers that would
refuse it now. ``stats.optimality`` records the certificate. Nothing recurses with instance size.
"""

from matching.engine.peer import peer_match  # noqa: E402

__all__ = ["peer_match"]
