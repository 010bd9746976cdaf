"""Match rounds: turn a program's pool into engine inputs, run the engine, keep its
explained draft proposals for the coordinator, and send them on for review.

The engine (the ``matching/engine/`` package) knows nothing of Django; this module is the only
place that translates between model rows and its arrays.
"""

from dataclasses import dataclass

import numpy as np
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from matching.engine.inputs import (
    FACTORS,
    OBJECTIVES,
    REASON_CAPACITY,
    REASON_INELIGIBLE,
    REASON_NO_ELIGIBLE_MENTOR,
    REASON_ONLY_EXCLUDED,
    MatchConfig,
    MatchResult,
    Participants,
    bitset,
)
from matching.engine.scoring import explain
from matching.engine.solve import match
from matching.engine.stable import stable_match
from matching.models import MatchRound, Proposal, ProposalStatus, Ranking, RoundStatus
from matching.services.pairs import (
    check_pair,
    live_mentorship_count,
    offer,
    open_proposal_of_either,
    refuse_own_pairing,
)
from matching.services.peer_rounds import PEER_MODE, run_peer_round
from matching.services.pool_values import ProfileCoder, modes
from mentorship.celery import registered_task
from mentorship.exceptions import ServiceError
from programs.models import (
    COMMITTEE_REVIEWED_MODELS,
    Application,
    ApplicationStatus,
    HubChoice,
    HubMentor,
    Membership,
    Program,
    ProgramModel,
    Role,
)
from programs.services.access import require_coordinator
from programs.services.audit import audit
from relationships.models import LIVE_STATUSES, Mentorship, Origin, PairExclusion
from relationships.services.pairs import absolute_url, lock_memberships, notify

FACTOR_LABELS = {
    "specialty": "Specialty",
    "practice_setting": "Practice setting",
    "experience": "Experience gap",
    "area_coverage": "Areas of need covered",
    "interests": "Shared interests",
    "geography": "Geography",
    "timezone": "Time zone",
    "meeting_mode": "Meeting mode",
    "hub_rank": "Hub preference",
}
REASON_LABELS = {
    REASON_INELIGIBLE: "Not eligible for this round",
    REASON_NO_ELIGIBLE_MENTOR: "No eligible mentor in the pool",
    REASON_ONLY_EXCLUDED: "Only excluded pairs (declined or ended before, or a conflict rule)",
    REASON_CAPACITY: "Every suitable mentor's places are used",
}
OPEN_PROPOSALS = (ProposalStatus.PROPOSED, ProposalStatus.OFFERED)


def default_weights(program: Program) -> dict[str, float]:
    last = MatchRound.objects.filter(program=program).exclude(weights={}).first()
    if last:
        return {f: float(last.weights.get(f, 1.0)) for f in FACTORS}
    weights = dict.fromkeys(FACTORS, 1.0)
    weights["hub_rank"] = 3.0 if program.model == ProgramModel.HUBS else 0.0
    weights["area_coverage"] = 2.0
    return weights


@dataclass
class Pool:
    mentee_apps: list[Application]
    mentor_members: list[Membership]
    mentees: Participants
    mentors: Participants
    excluded: dict[tuple[int, int], str]


def pool_mentee_applications(program: Program):
    """The mentees of a round's pool: accepted, active, without a mentor or an open proposal."""
    paired = Mentorship.objects.filter(program=program, status__in=LIVE_STATUSES).values("mentee_id")
    pending = Proposal.objects.filter(program=program, status__in=OPEN_PROPOSALS).values("mentee_id")
    return (
        Application.objects.filter(
            program=program, role=Role.MENTEE, status=ApplicationStatus.ACCEPTED, membership__is_active=True
        )
        .exclude(membership_id__in=paired)
        .exclude(membership_id__in=pending)
    )


def pool_mentor_rows(program: Program):
    """The mentors of a round's pool, one row per place they mentor from: the accepted
    mentor applications, or in the hub model the active hubs' mentors."""
    if program.model == ProgramModel.HUBS:
        return HubMentor.objects.filter(hub__program=program, hub__is_active=True, membership__is_active=True)
    return Application.objects.filter(
        program=program, role=Role.MENTOR, status=ApplicationStatus.ACCEPTED, membership__is_active=True
    )


def pool_people(program: Program) -> tuple[set[int], set[int]]:
    """(mentee membership ids, mentor membership ids) of the program's pool, as
    :func:`build_pool` reads it, in two light queries."""
    mentees = set(pool_mentee_applications(program).values_list("membership_id", flat=True))
    mentors = set(pool_mentor_rows(program).values_list("membership_id", flat=True))
    return mentees, mentors


def build_pool(program: Program) -> Pool:
    """Accepted mentees without a mentor or an open proposal, and mentors with open places
    (accepted mentor applications; in the hub model, the hubs' mentors)."""
    mentee_apps = list(
        pool_mentee_applications(program)
        .select_related("membership__user", "membership__profile")
        .prefetch_related("goal_areas")
        .order_by("pk")
    )
    in_use = {
        row["mentor_id"]: row["n"]
        for row in Mentorship.objects.filter(program=program, status__in=LIVE_STATUSES)
        .exclude(origin=Origin.SENIOR)
        .values("mentor_id")
        .annotate(n=Count("pk"))
    }
    for row in (
        Proposal.objects.filter(program=program, status__in=OPEN_PROPOSALS).values("mentor_id").annotate(n=Count("pk"))
    ):
        in_use[row["mentor_id"]] = in_use.get(row["mentor_id"], 0) + row["n"]

    mentor_rows: list[tuple[Membership, int, int, list]] = []  # membership, capacity, hub, areas
    if program.model == ProgramModel.HUBS:
        for hm in pool_mentor_rows(program).select_related("membership__user", "membership__profile").order_by("pk"):
            mentor_rows.append((hm.membership, hm.capacity, hm.hub_id, []))
    else:
        for app in (
            pool_mentor_rows(program)
            .select_related("membership__user", "membership__profile")
            .prefetch_related("goal_areas")
            .order_by("pk")
        ):
            capacity = app.capacity or program.default_mentees_per_mentor
            mentor_rows.append((app.membership, capacity, -1, [a.pk for a in app.goal_areas.all()]))

    coder = ProfileCoder()
    areas = coder.areas

    hub_choices = {}
    for choice in HubChoice.objects.filter(application__in=mentee_apps).values("application_id", "hub_id", "rank"):
        hub_choices.setdefault(choice["application_id"], {})[choice["rank"]] = choice["hub_id"]

    mentee_values = [coder(a.membership) for a in mentee_apps]
    mentee_areas = [[areas(str(g.pk)) for g in a.goal_areas.all()] for a in mentee_apps]
    mentor_values = [coder(m) for m, *_ in mentor_rows]
    mentor_areas = [[areas(str(pk)) for pk in mentor_area_ids] for *_, mentor_area_ids in mentor_rows]
    # Mentors' meeting modes come from their application; hub mentors did not write one.
    mentor_modes = {
        a.membership_id: modes(a.meeting_modes)
        for a in Application.objects.filter(program=program, role=Role.MENTOR).only("membership_id", "meeting_modes")
    }
    n_words, n_areas = coder.n_words, coder.n_areas

    mentees = Participants(
        person_id=[a.membership_id for a in mentee_apps],
        specialty=[v["specialty"] for v in mentee_values],
        practice_setting=[v["setting"] for v in mentee_values],
        years=[v["years"] for v in mentee_values],
        areas=bitset(mentee_areas, n_areas),
        interests=bitset([v["words"] for v in mentee_values], n_words),
        region=[v["region"] for v in mentee_values],
        utc_offset=[v["utc"] for v in mentee_values],
        modes=[modes(a.meeting_modes) for a in mentee_apps],
        institution=[v["institution"] for v in mentee_values],
        hub_choices=[[hub_choices.get(a.pk, {}).get(r, -1) for r in (1, 2, 3)] for a in mentee_apps]
        if mentee_apps
        else None,
    )
    # Places left: each row's capacity, minus the mentor's pairings and open proposals
    # (taken from their first rows when a hub-model mentor is listed in several hubs).
    used = dict(in_use)
    capacities = []
    for membership, capacity, _hub, _areas in mentor_rows:
        take = min(capacity, used.get(membership.pk, 0))
        used[membership.pk] = used.get(membership.pk, 0) - take
        capacities.append(capacity - take)
    mentors = Participants(
        person_id=[m.pk for m, *_ in mentor_rows],
        specialty=[v["specialty"] for v in mentor_values],
        practice_setting=[v["setting"] for v in mentor_values],
        years=[v["years"] for v in mentor_values],
        areas=bitset(mentor_areas, n_areas),
        interests=bitset([v["words"] for v in mentor_values], n_words),
        region=[v["region"] for v in mentor_values],
        utc_offset=[v["utc"] for v in mentor_values],
        modes=[mentor_modes.get(m.pk, 7) for m, *_ in mentor_rows],
        institution=[v["institution"] for v in mentor_values],
        capacity=capacities,
        hub=[hub for _m, _c, hub, _a in mentor_rows],
    )

    mentee_index = {a.membership_id: i for i, a in enumerate(mentee_apps)}
    mentor_index: dict[int, list[int]] = {}
    for j, (m, *_rest) in enumerate(mentor_rows):
        mentor_index.setdefault(m.pk, []).append(j)
    excluded: dict[tuple[int, int], str] = {}
    for mentor_id, mentee_id in PairExclusion.objects.filter(program=program).values_list("mentor_id", "mentee_id"):
        for j in mentor_index.get(mentor_id, []):
            if mentee_id in mentee_index:
                excluded[(mentee_index[mentee_id], j)] = "declined or ended before"
    for membership_id, i in mentee_index.items():
        for j in mentor_index.get(membership_id, []):
            excluded[(i, j)] = "the same person"
    return Pool(mentee_apps, [m for m, *_ in mentor_rows], mentees, mentors, excluded)


ROUND_MODES = {
    "optimal": "Most pairs, then the best total score",
    "stable_mentee": "Stable, mentee-proposing (no pair would rather swap; best for mentees)",
    "stable_mentor": "Stable, mentor-proposing (no pair would rather swap; best for mentors)",
}
STABLE_MAX_PAIRS = 150_000_000  # 20,000 x 6,000 and more: stable mode keeps no pairs array (benchmarks/matching.py)


@transaction.atomic
def round_create(
    *,
    actor: Membership,
    program: Program,
    weights: dict[str, float],
    mode: str = "optimal",
    avoid_same_institution: bool = False,
):
    """A coordinator starts a round; the engine runs in a Celery task after commit."""
    require_coordinator(actor, actor.organization)
    if program.organization_id != actor.organization_id:
        raise PermissionDenied("That program belongs to another organization.")
    if program.model == ProgramModel.SELF_SELECT:
        raise ServiceError("In a self-selection program mentees choose their mentors; there is nothing to run.")
    if MatchRound.objects.filter(program=program, status__in=[RoundStatus.QUEUED, RoundStatus.RUNNING]).exists():
        raise ServiceError("A round is already running for this program; wait for it to finish.")
    clean = {f: max(0.0, min(10.0, float(weights.get(f, 0.0)))) for f in FACTORS}
    if program.model == ProgramModel.HUBS:
        mode = "hub"
    elif program.is_peer:
        mode = PEER_MODE  # one pool: the exact general-graph matching (no stable or hub mode)
    elif mode not in ROUND_MODES:
        raise ServiceError("Choose how the engine should pair people.", field="mode")
    match_round = MatchRound.objects.create(
        organization=program.organization,
        program=program,
        created_by=actor,
        weights=clean,
        mode=mode,
        conflict_rules=["same_institution"] if avoid_same_institution else [],
    )
    audit(
        organization=program.organization,
        actor=actor.user,
        action="match_round.started",
        summary=f"Started a match round for {program.name}",
        match_round=match_round.pk,
    )
    transaction.on_commit(lambda: registered_task("matching.run_match_round").delay(match_round.pk))
    return match_round


def _progress(match_round: MatchRound, percent: int, note: str) -> None:
    MatchRound.objects.filter(pk=match_round.pk).update(progress=percent, progress_note=note)


def run_round(match_round_id: int) -> MatchRound:
    """Run one round (called by the Celery task; safe to call again: a finished round is
    left alone). Earlier drafts of the program that were not locked are replaced."""
    claimed = MatchRound.objects.filter(pk=match_round_id, status=RoundStatus.QUEUED).update(
        status=RoundStatus.RUNNING, progress=5, progress_note="Collecting the pool"
    )
    match_round = MatchRound.objects.select_related("program").get(pk=match_round_id)
    if not claimed:
        return match_round
    program = match_round.program
    try:
        if program.is_peer:
            run_peer_round(match_round, _progress)
            return match_round
        locked, dropped = _valid_locked_drafts(program)
        pool = build_pool(program)
        # Locked drafts keep their pair: their mentees leave the pool, their mentors' places are used.
        locked_mentees = {p.mentee_id for p in locked}
        keep = [i for i, a in enumerate(pool.mentee_apps) if a.membership_id not in locked_mentees]
        for p in locked:
            for j, m in enumerate(pool.mentor_members):
                if m.pk == p.mentor_id and pool.mentors.capacity[j] > 0:
                    pool.mentors.capacity[j] -= 1
                    break
        apps = [pool.mentee_apps[i] for i in keep]
        if not apps or not len(pool.mentor_members) or int(pool.mentors.capacity.sum()) == 0:
            # Nothing to optimize: everyone waiting is unmatched, for a plain reason.
            reason = REASON_NO_ELIGIBLE_MENTOR if not len(pool.mentor_members) else REASON_CAPACITY
            result = MatchResult(
                OBJECTIVES["stable" if match_round.mode.startswith("stable") else match_round.mode],
                match_round.mode,
                [],
                [(i, reason) for i in range(len(apps))],
                {},
                {"matched": 0, "unmatched": len(apps)},
            )
        else:
            position = {i: k for k, i in enumerate(keep)}
            mentees = pool.mentees if len(keep) == len(pool.mentee_apps) else participants_subset(pool.mentees, keep)
            excluded = {(position[i], j): why for (i, j), why in pool.excluded.items() if i in position}
            _progress(match_round, 30, f"Scoring {len(apps)} mentees against {len(pool.mentor_members)} mentors")
            config = MatchConfig(
                weights=match_round.weights, excluded_pairs=excluded, conflict_rules=match_round.conflict_rules
            )
            if match_round.mode.startswith("stable"):
                if len(apps) * len(pool.mentor_members) > STABLE_MAX_PAIRS:
                    raise ServiceError("The pool is too large for stable mode; use the optimal mode.")
                # Each person's own shortlist comes first, then everyone else by the program's scores.
                mentee_prefs, mentor_prefs, used_rankings = ranking_prefs(
                    program, [a.membership_id for a in apps], [m.pk for m in pool.mentor_members]
                )
                result = stable_match(
                    mentees,
                    pool.mentors,
                    config,
                    mentee_prefs=mentee_prefs,
                    mentor_prefs=mentor_prefs,
                    proposing=match_round.mode.removeprefix("stable_"),
                    lists="shortlist",
                )
                result.stats["rankings"] = used_rankings
            else:
                result = match(mentees, pool.mentors, config, mode=match_round.mode)
        _progress(match_round, 80, "Saving the proposals")
        with transaction.atomic():
            # The earlier round's unlocked drafts give way only now that this run succeeded.
            Proposal.objects.filter(program=program, status=ProposalStatus.DRAFT, locked=False).delete()
            Proposal.objects.filter(pk__in=[p.pk for p in locked]).update(match_round=match_round)
            for a in result.assignments:
                mentor = pool.mentor_members[a.mentor]
                Proposal.objects.create(
                    organization=program.organization,
                    program=program,
                    match_round=match_round,
                    mentor=mentor,
                    mentee=apps[a.mentee].membership,
                    status=ProposalStatus.DRAFT,
                    score=round(float(a.score), 4),
                    contributions={k: round(float(v), 4) for k, v in a.contributions.items()},
                    alternatives=[
                        [pool.mentor_members[j].pk, round(float(s), 4)]
                        for j, s in result.alternatives.get(a.mentee, [])
                    ],
                    hub_rank=a.hub_rank,
                    created_by=match_round.created_by,
                )
            match_round.unmatched = [
                {"mentee": apps[i].membership_id, "reason": REASON_LABELS.get(reason, reason)}
                for i, reason in result.unmatched
            ]
            match_round.objective = result.objective
            result.stats["locked_kept"] = len(locked)
            result.stats["locked_dropped"] = dropped
            match_round.stats = {k: v for k, v in result.stats.items() if isinstance(v, int | float | str | dict)}
            match_round.status = RoundStatus.COMPLETE
            match_round.progress = 100
            match_round.progress_note = "Done"
            match_round.finished_at = timezone.now()
            match_round.save()
    except Exception as error:  # the coordinator sees that it failed, and why
        message = error.message if isinstance(error, ServiceError) else str(error)
        MatchRound.objects.filter(pk=match_round.pk).update(
            status=RoundStatus.FAILED, error=message[:2000], finished_at=timezone.now()
        )
        if not isinstance(error, ServiceError):
            raise
        match_round.refresh_from_db()
    return match_round


def ranking_prefs(
    program: Program, mentee_ids: list[int], mentor_ids: list[int]
) -> tuple[list[list[int] | None], list[list[int] | None], dict]:
    """The engine's preference lists from the participants' saved shortlists.

    ``mentee_ids`` and ``mentor_ids`` are the membership ids of the pool's rows, in the
    engine's order (a mentor may fill several rows). Returns (mentee_prefs, mentor_prefs,
    who used their own list): ``None`` for a person without a usable list (by the program's
    score). People ranked who are no longer in the pool are left out; a list left empty by
    that counts as none. Saved lists count only while the program asks for rankings."""
    mentee_prefs: list[list[int] | None] = [None] * len(mentee_ids)
    mentor_prefs: list[list[int] | None] = [None] * len(mentor_ids)
    used = {
        "mentees_ranked": [],
        "mentors_ranked": [],
        "mentees": len(set(mentee_ids)),
        "mentors": len(set(mentor_ids)),
    }
    if not program.rankings_open:
        return mentee_prefs, mentor_prefs, used
    mentee_rows: dict[int, list[int]] = {}
    for i, pk in enumerate(mentee_ids):
        mentee_rows.setdefault(pk, []).append(i)
    mentor_rows: dict[int, list[int]] = {}
    for j, pk in enumerate(mentor_ids):
        mentor_rows.setdefault(pk, []).append(j)
    saved = Ranking.objects.filter(program=program, organization_id=program.organization_id).order_by("pk")
    for membership_id, role, chosen in saved.values_list("membership_id", "role", "chosen"):
        own_rows, other_rows, prefs, key = (
            (mentee_rows, mentor_rows, mentee_prefs, "mentees_ranked")
            if role == Role.MENTEE
            else (mentor_rows, mentee_rows, mentor_prefs, "mentors_ranked")
        )
        if membership_id not in own_rows:
            continue
        order = [row for pk in dict.fromkeys(chosen or []) for row in other_rows.get(pk, [])]
        if not order:
            continue
        for row in own_rows[membership_id]:
            prefs[row] = list(order)
        used[key].append(membership_id)
    return mentee_prefs, mentor_prefs, used


def _valid_locked_drafts(program: Program) -> tuple[list[Proposal], int]:
    """Locked drafts whose pair can still go ahead (people may have been removed, paired
    or declined since); the others are deleted. Returns (kept, how many were dropped)."""

    kept, dropped, used = [], 0, {}
    for draft in Proposal.objects.filter(program=program, status=ProposalStatus.DRAFT, locked=True).select_related(
        "mentor__user", "mentee__user"
    ):
        try:
            capacity = check_pair(program, draft.mentor, draft.mentee)

            if live_mentorship_count(program, draft.mentor) + used.get(draft.mentor_id, 0) >= capacity:
                raise ServiceError("no place left")
        except ServiceError:
            draft.delete()
            dropped += 1
            continue
        used[draft.mentor_id] = used.get(draft.mentor_id, 0) + 1
        kept.append(draft)
    return kept, dropped


def participants_subset(p: Participants, rows: list[int]) -> Participants:
    idx = np.asarray(rows, dtype=np.int64)
    fields = {}
    for name in (
        "person_id",
        "eligible",
        "specialty",
        "practice_setting",
        "years",
        "areas",
        "interests",
        "lat",
        "lon",
        "region",
        "utc_offset",
        "modes",
        "institution",
        "capacity",
        "hub",
        "hub_choices",
    ):
        value = getattr(p, name)
        fields[name] = value[idx] if len(idx) else value[:0]
    return Participants(**fields)


@transaction.atomic
def proposal_lock(*, actor: Membership, proposal: Proposal, locked: bool) -> Proposal:
    require_coordinator(actor, actor.organization)
    if proposal.organization_id != actor.organization_id:
        raise PermissionDenied("That proposal belongs to another organization.")
    proposal = Proposal.objects.select_for_update().get(pk=proposal.pk)
    refuse_own_pairing(actor, proposal.mentor_id, proposal.mentee_id, doing="lock or unlock")
    if proposal.status != ProposalStatus.DRAFT:
        raise ServiceError("Only draft proposals in a round can be locked.")
    proposal.locked = locked
    proposal.save(update_fields=["locked"])
    return proposal


@transaction.atomic
def proposal_override(*, actor: Membership, proposal: Proposal, mentor: Membership) -> Proposal:
    """Give a draft's mentee another mentor by hand; the engine's score for the new pair
    is recorded so the coordinator sees what the override costs. The pair is locked."""
    require_coordinator(actor, actor.organization)
    if proposal.organization_id != actor.organization_id or mentor.organization_id != actor.organization_id:
        raise PermissionDenied("That belongs to another organization.")
    proposal = (
        Proposal.objects.select_for_update(of=("self",)).select_related("program", "match_round").get(pk=proposal.pk)
    )
    # Neither the pairing as it stands nor the one chosen may include the coordinator.
    refuse_own_pairing(actor, proposal.mentor_id, proposal.mentee_id, mentor, doing="choose a mentor for")
    if proposal.status != ProposalStatus.DRAFT:
        raise ServiceError("Only draft proposals in a round can be changed.")
    program = proposal.program
    if program.is_peer:
        raise ServiceError("In a peer round, lock the pairs to keep and run the round again.")
    if mentor.pk == proposal.mentee_id:
        raise ServiceError("A person cannot mentor themselves.")
    if PairExclusion.objects.filter(program=program, mentor=mentor, mentee=proposal.mentee).exists():
        raise ServiceError("This pair declined or ended a pairing before; it is never proposed again.")
    pool = build_pool(program)
    mentor_js = [j for j, m in enumerate(pool.mentor_members) if m.pk == mentor.pk]
    places = int(sum(pool.mentors.capacity[j] for j in mentor_js))
    drafted = (
        Proposal.objects.filter(program=program, status=ProposalStatus.DRAFT, mentor=mentor)
        .exclude(pk=proposal.pk)
        .count()
    )
    if not mentor_js or places - drafted <= 0:
        raise ServiceError(f"{mentor.user} has no open place left in this round.")
    mentee_rows = [i for i, a in enumerate(pool.mentee_apps) if a.membership_id == proposal.mentee_id]
    if not mentee_rows:
        raise ServiceError(f"{proposal.mentee.user} is no longer in the pool.")
    weights = proposal.match_round.weights if proposal.match_round else default_weights(program)
    config = MatchConfig(weights=weights)
    contributions = explain(pool.mentees, pool.mentors, config, mentee_rows[0], mentor_js[0])
    proposal.mentor = mentor
    proposal.contributions = {k: round(float(v), 4) for k, v in contributions.items()}
    proposal.score = round(float(sum(contributions.values())), 4)
    proposal.locked = True
    # A fact for the program office only: a flag, never text in the note the two people read.
    proposal.chosen_by_hand = True
    proposal.save()
    audit(
        organization=program.organization,
        actor=actor.user,
        action="proposal.overridden",
        summary=f"Paired {proposal.mentee.user} with {mentor.user} by hand",
        proposal=proposal.pk,
    )
    return proposal


@transaction.atomic
def round_send(*, actor: Membership, match_round: MatchRound) -> int:
    """Send a round's drafts on: to the committee (committee model) or straight to both
    people (hub model, where the office allocates)."""

    require_coordinator(actor, actor.organization)
    if match_round.organization_id != actor.organization_id:
        raise PermissionDenied("That round belongs to another organization.")
    match_round = MatchRound.objects.select_for_update().select_related("program").get(pk=match_round.pk)
    if match_round.status != RoundStatus.COMPLETE:
        raise ServiceError("Only a completed round can be sent.")
    program = match_round.program
    if MatchRound.objects.filter(program=program, created_at__gt=match_round.created_at).exists():
        raise ServiceError("A newer round has replaced this one; send that round instead.")

    candidates = list(
        Proposal.objects.select_for_update(of=("self",))
        .filter(match_round=match_round, status=ProposalStatus.DRAFT)
        .select_related("mentor__user", "mentee__user", "program")
    )
    lock_memberships(*{p.mentor for p in candidates}, *{p.mentee for p in candidates})
    drafts, dropped, used = [], [], {}
    # Offering a pairing is the program office's decision, so a pairing that includes the
    # coordinator who sends is not offered by them (hub model). In a committee-model
    # program sending only asks the committee, which decides without them.
    withheld = []
    for proposal in candidates:
        # Each pair is checked again: people may have been removed or paired since the run.
        if program.model not in COMMITTEE_REVIEWED_MODELS and actor.pk in (proposal.mentor_id, proposal.mentee_id):
            proposal.status = ProposalStatus.WITHDRAWN
            proposal.save(update_fields=["status"])
            withheld.append(proposal)
            continue
        try:
            if program.is_peer:
                check_pair(program, proposal.mentor, proposal.mentee)
                if open_proposal_of_either(program, proposal, OPEN_PROPOSALS) or {
                    proposal.mentor_id,
                    proposal.mentee_id,
                } & set(used):
                    raise ServiceError("already has a pairing waiting")
                used[proposal.mentee_id] = 1
            else:
                capacity = check_pair(program, proposal.mentor, proposal.mentee)
                open_ones = Proposal.objects.filter(
                    program=program, mentor=proposal.mentor, status__in=OPEN_PROPOSALS
                ).count()
                if (
                    live_mentorship_count(program, proposal.mentor) + open_ones + used.get(proposal.mentor_id, 0)
                    >= capacity
                ):
                    raise ServiceError("no place left")
                if Proposal.objects.filter(program=program, mentee=proposal.mentee, status__in=OPEN_PROPOSALS).exists():
                    raise ServiceError("already has a pairing waiting")
        except ServiceError:
            proposal.status = ProposalStatus.WITHDRAWN
            proposal.save(update_fields=["status"])
            dropped.append(proposal)
            continue
        used[proposal.mentor_id] = used.get(proposal.mentor_id, 0) + 1
        drafts.append(proposal)
    for proposal in drafts:
        if program.model in COMMITTEE_REVIEWED_MODELS:
            proposal.status = ProposalStatus.PROPOSED
            proposal.save(update_fields=["status"])
        else:
            offer(proposal)
    match_round.stats = {**match_round.stats, "dropped_at_send": len(dropped), "withheld_own": len(withheld)}
    match_round.status = RoundStatus.SENT
    match_round.save(update_fields=["status", "stats"])
    if drafts and program.model in COMMITTEE_REVIEWED_MODELS:
        committee = list(
            Membership.objects.filter(organization=program.organization, is_committee=True, is_active=True)
            .select_related("user")
            .values_list("user__email", flat=True)
        )
        if committee:
            notify(
                "email/round_for_review",
                {
                    "program": program,
                    "count": len(drafts),
                    "url": absolute_url(
                        "committee_review", org_slug=program.organization.slug, program_slug=program.slug
                    ),
                },
                committee,
                program.organization.contact_email,
            )
    audit(
        organization=program.organization,
        actor=actor.user,
        action="match_round.sent",
        summary=f"Sent {len(drafts)} proposed pairings of {program.name} "
        f"{'to the committee' if program.model in COMMITTEE_REVIEWED_MODELS else 'to the people concerned'}",
        match_round=match_round.pk,
    )
    return len(drafts)
