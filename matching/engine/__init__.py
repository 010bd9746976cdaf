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
* :func:`speed_schedule` (speed mentoring: N mentors at N tables, M mentees, K rounds; a pair
  meets at most once, one mentee per table and one table per mentee in each round) — **the
  most meetings in total**, then meetings shared as evenly as possible (most mentees with at
  least 1, then at least 2, …; everyone gets floor or ceil of min(N·K, M·min(K,N))/M when all
  pairs are allowed), then the highest total score. Exact: a certified min-cost flow chooses
  the meetings, a König edge colouring seats them in K rounds (``matching.engine.speed``).
* :func:`form_circles` (members into group circles with free places) — ``mode="hub"`` exactly,
  circle c being hub c: **the most members placed** in a circle they ranked, then the most 1st
  choices, then the most 2nd, then the highest total score; 3rd and later choices count alike
  (``matching.engine.circles``).

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

from matching.engine.circles import form_circles as form_circles
from matching.engine.speed import SpeedSchedule as SpeedSchedule
from matching.engine.speed import speed_schedule as speed_schedule
from matching.engine.speed import speed_schedule_from_scores as speed_schedule_from_scores
