"""Peer rounds (seed 004's "peer" model): one pool of people at the same level, no sides.

The pool is the program's accepted peers who are not in a live pairing of the program and
have no open proposal. The engine pairs them by an exact maximum-weight matching on a
general graph (``peer_engine``), with the dyad rounds' factors and hard rules; pairs that
declined or ended before (in either order) are never proposed. Each pair becomes a dyad
proposal in index order: ``Proposal.mentor`` is the first peer, ``Proposal.mentee`` the
second; the two fields carry no roles in a peer program, and every page says "peer".
"""

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from matching.engine.inputs import MatchConfig, MatchResult, Participants, bitset
from matching.engine.peer import (
    PEER_OBJECTIVE,
    REASON_NO_PARTNER,
    REASON_ODD_ONE_OUT,
    REASON_PARTNERS_TAKEN,
    REASON_PEER_EXCLUDED,
    REASON_PEER_INELIGIBLE,
    peer_match,
)
from matching.models import MatchRound, Proposal, ProposalStatus, RoundStatus
from matching.services.pairs import check_pair
from matching.services.pool_values import ProfileCoder, modes
from mentorship.exceptions import ServiceError
from programs.models import Application, ApplicationStatus, Program, Role
from relationships.models import LIVE_STATUSES, Mentorship, PairExclusion

PEER_MODE = "peer"
PEER_MODES = {PEER_MODE: "Most pairs, then the best total score (every peer can be paired with any other)"}
OPEN_PROPOSALS = (ProposalStatus.PROPOSED, ProposalStatus.OFFERED)
PEER_REASON_LABELS = {
    REASON_PEER_INELIGIBLE: "Not eligible for this round",
    REASON_NO_PARTNER: "No other peer in the pool to pair with",
    REASON_PEER_EXCLUDED: "Only excluded pairs (declined or ended before, or a conflict rule)",
    REASON_ODD_ONE_OUT: "The odd one out: everyone else who could pair is paired",
    REASON_PARTNERS_TAKEN: "Every possible peer is paired with someone else",
}


def peer_engine(peers: Participants, config: MatchConfig) -> MatchResult:
    """The engine's exact peer matching (``matching.engine.peer``): the most people paired,
    then the best total score, on the general graph of allowed pairs."""
    return peer_match(peers, config)


def pool_peer_applications(program: Program):
    """The peers of a round's pool: accepted, active, not in a live pairing of the program
    and without an open proposal (on either side of it)."""
    live = Mentorship.objects.filter(program=program, status__in=LIVE_STATUSES)
    pending = Proposal.objects.filter(program=program, status__in=OPEN_PROPOSALS)
    return (
        Application.objects.filter(
            program=program, role=Role.PEER, status=ApplicationStatus.ACCEPTED, membership__is_active=True
        )
        .exclude(membership_id__in=live.values("mentor_id"))
        .exclude(membership_id__in=live.values("mentee_id"))
        .exclude(membership_id__in=pending.values("mentor_id"))
        .exclude(membership_id__in=pending.values("mentee_id"))
    )


@dataclass
class PeerPool:
    apps: list[Application]
    peers: Participants
    excluded: dict[tuple[int, int], str]  # (i, j) with i < j -> why


def build_peer_pool(program: Program, leave_out: set[int] = frozenset()) -> PeerPool:
    """The pool as the engine's arrays; ``leave_out``: membership ids kept out (the people
    of locked drafts)."""
    apps = [
        a
        for a in pool_peer_applications(program)
        .select_related("membership__user", "membership__profile")
        .prefetch_related("goal_areas")
        .order_by("pk")
        if a.membership_id not in leave_out
    ]
    coder = ProfileCoder()
    values = [coder(a.membership) for a in apps]
    areas = [[coder.areas(str(g.pk)) for g in a.goal_areas.all()] for a in apps]
    peers = Participants(
        person_id=[a.membership_id for a in apps],
        specialty=[v["specialty"] for v in values],
        practice_setting=[v["setting"] for v in values],
        years=[v["years"] for v in values],
        areas=bitset(areas, coder.n_areas),
        interests=bitset([v["words"] for v in values], coder.n_words),
        region=[v["region"] for v in values],
        utc_offset=[v["utc"] for v in values],
        modes=[modes(a.meeting_modes) for a in apps],
        institution=[v["institution"] for v in values],
    )
    index = {a.membership_id: i for i, a in enumerate(apps)}
    excluded: dict[tuple[int, int], str] = {}
    # Declined or ended before, in either order (a peer pair has no sides).
    for x, y in PairExclusion.objects.filter(program=program).values_list("mentor_id", "mentee_id"):
        if x in index and y in index and x != y:
            excluded[tuple(sorted((index[x], index[y])))] = "declined or ended before"
    return PeerPool(apps, peers, excluded)


def valid_locked_peer_drafts(program: Program) -> tuple[list[Proposal], int]:
    """Locked drafts whose pair can still go ahead; the others are deleted."""
    kept, dropped, used = [], 0, set()
    for draft in Proposal.objects.filter(program=program, status=ProposalStatus.DRAFT, locked=True).select_related(
        "mentor__user", "mentee__user"
    ):
        try:
            check_pair(program, draft.mentor, draft.mentee)
            if {draft.mentor_id, draft.mentee_id} & used:
                raise ServiceError("already in a kept pair")
        except ServiceError:
            draft.delete()
            dropped += 1
            continue
        used.update((draft.mentor_id, draft.mentee_id))
        kept.append(draft)
    return kept, dropped


def run_peer_round(match_round: MatchRound, progress) -> None:
    """The body of a claimed peer round (``rounds.run_round`` claims it and records a failure)."""
    program = match_round.program
    locked, dropped = valid_locked_peer_drafts(program)
    pool = build_peer_pool(program, leave_out={pk for p in locked for pk in (p.mentor_id, p.mentee_id)})
    apps = pool.apps
    progress(match_round, 30, f"Scoring {len(apps)} peers")
    config = MatchConfig(
        weights=match_round.weights,
        excluded_pairs=dict(pool.excluded),
        conflict_rules=match_round.conflict_rules,
    )
    if len(apps) < 2:
        result = MatchResult(
            PEER_OBJECTIVE,
            PEER_MODE,
            [],
            [(i, REASON_NO_PARTNER) for i in range(len(apps))],
            {},
            {"matched": 0, "unmatched": len(apps)},
        )
    else:
        result = peer_engine(pool.peers, config)
    progress(match_round, 80, "Saving the proposals")
    with transaction.atomic():
        Proposal.objects.filter(program=program, status=ProposalStatus.DRAFT, locked=False).delete()
        Proposal.objects.filter(pk__in=[p.pk for p in locked]).update(match_round=match_round)
        for a in result.assignments:
            first, second = sorted((a.mentee, a.mentor))
            Proposal.objects.create(
                organization=program.organization,
                program=program,
                match_round=match_round,
                mentor=apps[first].membership,  # no roles: the pair in index order
                mentee=apps[second].membership,
                status=ProposalStatus.DRAFT,
                score=round(float(a.score), 4),
                contributions={k: round(float(v), 4) for k, v in a.contributions.items()},
                alternatives=[
                    [apps[j].membership_id, round(float(s), 4)]
                    for j, s in result.alternatives.get(first, [])
                    if j != second
                ],
                created_by=match_round.created_by,
            )
        match_round.unmatched = [
            {"mentee": apps[i].membership_id, "reason": PEER_REASON_LABELS.get(reason, reason)}
            for i, reason in result.unmatched
        ]
        match_round.objective = result.objective[:200]
        result.stats["locked_kept"] = len(locked)
        result.stats["locked_dropped"] = dropped
        match_round.stats = {k: v for k, v in result.stats.items() if isinstance(v, int | float | str | dict)}
        match_round.status = RoundStatus.COMPLETE
        match_round.progress = 100
        match_round.progress_note = "Done"
        match_round.finished_at = timezone.now()
        match_round.save()
