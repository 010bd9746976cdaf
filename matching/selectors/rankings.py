"""What the ranking page shows a participant: the other side of the program as profile
cards, the best suited by the program's score first, and their own list in order. A fixed
number of queries whatever the pool's size (the pool, the saved list, the cards)."""

from __future__ import annotations

from dataclasses import dataclass, field
from types import SimpleNamespace

import numpy as np
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from matching.engine.inputs import MatchConfig
from matching.engine.scoring import score_matrix
from matching.models import MatchRound, Ranking
from matching.selectors.cards import ProfileCard, pairing_cards
from matching.services.rankings import ranking_side
from matching.services.rounds import build_pool, default_weights, participants_subset
from mentorship.freshness import cached_for
from mentorship.tenancy import request_memo
from programs.models import ApplicationStatus, Membership, Program, ProgramModel, Role

SUGGESTIONS_SHOWN = 30


@dataclass
class RankingPage:
    side: str  # the viewer's side: Role.MENTEE ranks mentors, Role.MENTOR ranks mentees
    others: str  # "mentors" or "mentees"
    chosen: list[ProfileCard] = field(default_factory=list)  # the saved list, best first
    suggestions: list[ProfileCard] = field(default_factory=list)  # not on the list, best suited first
    more: int = 0  # suggestions not shown (beyond SUGGESTIONS_SHOWN, or filtered out by the search)
    is_open: bool = True
    length: int = 5

    @property
    def places_left(self) -> int:
        return max(0, self.length - len(self.chosen))


def ranking_page(program: Program, viewer: Membership, *, query: str = "") -> RankingPage | None:
    """The page for ``viewer``, or None when they are not in the program's pool."""
    pool = build_pool(program)
    mentee_rows = [i for i, a in enumerate(pool.mentee_apps) if a.membership_id == viewer.pk]
    mentor_rows = [j for j, m in enumerate(pool.mentor_members) if m.pk == viewer.pk]
    if not mentee_rows and not mentor_rows:
        return None
    side = Role.MENTEE if mentee_rows else Role.MENTOR
    weights = default_weights(program)
    if side == Role.MENTEE:
        i = mentee_rows[0]
        config = MatchConfig(
            weights=weights, excluded_pairs={(0, j): w for (a, j), w in pool.excluded.items() if a == i}
        )
        scores = score_matrix(participants_subset(pool.mentees, [i]), pool.mentors, config)[0]
        people = pool.mentor_members
    else:
        j = mentor_rows[0]
        config = MatchConfig(
            weights=weights, excluded_pairs={(a, 0): w for (a, b), w in pool.excluded.items() if b == j}
        )
        scores = score_matrix(pool.mentees, participants_subset(pool.mentors, [j]), config)[:, 0]
        people = [a.membership for a in pool.mentee_apps]
    best: dict[int, float] = {}
    by_pk: dict[int, Membership] = {}
    for person, score in zip(people, scores, strict=True):
        if person.pk == viewer.pk:
            continue
        by_pk[person.pk] = person
        value = float(score) if np.isfinite(score) else float("-inf")
        best[person.pk] = max(best.get(person.pk, float("-inf")), value)
    saved = Ranking.objects.filter(program=program, membership=viewer).values_list("chosen", flat=True).first()
    chosen_ids = [pk for pk in (saved or []) if pk in by_pk]
    ordered = sorted(
        (pk for pk in by_pk if pk not in chosen_ids),
        key=lambda pk: (-best[pk], (by_pk[pk].user.full_name or "").lower(), pk),
    )
    needle = query.strip().lower()
    found = [pk for pk in ordered if needle in (by_pk[pk].user.full_name or "").lower()]
    shown = found[:SUGGESTIONS_SHOWN]
    cards = _cards(program, viewer, side, [by_pk[pk] for pk in chosen_ids + shown])
    return RankingPage(
        side=side,
        others="mentors" if side == Role.MENTEE else "mentees",
        chosen=[cards[pk] for pk in chosen_ids],
        suggestions=[cards[pk] for pk in shown],
        more=len(ordered) - len(shown),
        is_open=program.rankings_are_open(),
        length=program.shortlist_length,
    )


def _cards(program: Program, viewer: Membership, side: str, others: list[Membership]) -> dict[int, ProfileCard]:
    """The profile cards of ``others`` as ``viewer`` sees them in an offer (same reads, same
    fields), through :func:`pairing_cards` in a fixed number of queries."""
    items = []
    for other in others:
        mentor, mentee = (other, viewer) if side == Role.MENTEE else (viewer, other)
        items.append(
            SimpleNamespace(
                program=program,
                program_id=program.pk,
                mentor=mentor,
                mentor_id=mentor.pk,
                mentee=mentee,
                mentee_id=mentee.pk,
                contributions={},
            )
        )
    pairing_cards(items, viewer=viewer)
    return {item.card.membership_id: item.card for item in items}


def round_rankings(match_round: MatchRound) -> dict | None:
    """For a stable round's page: who used their own ranking (names, one query) and how
    many were ranked by the program's scores. None for other rounds."""
    used = (match_round.stats or {}).get("rankings")
    if not match_round.mode.startswith("stable") or not isinstance(used, dict):
        return None
    mentee_ids = [int(pk) for pk in used.get("mentees_ranked", [])]
    mentor_ids = [int(pk) for pk in used.get("mentors_ranked", [])]
    names = dict(
        Membership.objects.filter(
            organization_id=match_round.organization_id, pk__in=mentee_ids + mentor_ids
        ).values_list("pk", "user__full_name")
    )
    total = int(used.get("mentees", 0)) + int(used.get("mentors", 0))
    return {
        "mentees": sorted((names.get(pk) or "A former member" for pk in mentee_ids), key=str.lower),
        "mentors": sorted((names.get(pk) or "A former member" for pk in mentor_ids), key=str.lower),
        "rest": max(0, total - len(mentee_ids) - len(mentor_ids)),
    }


@dataclass
class OpenRanking:
    program: Program
    side: str
    saved: bool
    url: str

    @property
    def label(self) -> str:
        return f"Rank your {'mentors' if self.side == Role.MENTEE else 'mentees'}"


def open_rankings_for(membership: Membership) -> list[OpenRanking]:
    """The programs asking ``membership`` for a shortlist now: rankings open, before the
    deadline, and the person in the round's pool. A few queries per such program (there
    are seldom more than one or two).

    Read once per request: the organization's home page asks twice (its to-do list and
    its rankings card)."""
    memo = request_memo()
    if memo is None:
        return _read_open_rankings(membership)
    key = ("open_rankings_for", membership.pk)
    if key not in memo:
        # Across requests too, until the organization's data changes (mentorship.freshness);
        # a deadline passing is seen within its few minutes (the ranking service refuses late
        # lists whatever a page showed).
        memo[key] = cached_for(
            "open-rankings", membership.organization_id, membership.pk, lambda: _read_open_rankings(membership)
        )
    return list(memo[key])


def _read_open_rankings(membership: Membership) -> list[OpenRanking]:
    programs = list(
        Program.objects.filter(
            organization_id=membership.organization_id,
            model=ProgramModel.COMMITTEE,
            rankings_open=True,
            applications__membership=membership,
            applications__status=ApplicationStatus.ACCEPTED,
        )
        .filter(Q(rankings_deadline__isnull=True) | Q(rankings_deadline__gt=timezone.now()))
        .distinct()
        .order_by("name")
    )
    if not programs:
        return []
    saved = set(
        Ranking.objects.filter(
            organization_id=membership.organization_id, membership=membership, program__in=programs
        ).values_list("program_id", flat=True)
    )
    found = []
    for program in programs:
        side = ranking_side(program, membership)
        if side is None:
            continue
        url = reverse("ranking", kwargs={"org_slug": membership.organization.slug, "program_slug": program.slug})
        found.append(OpenRanking(program, side, program.pk in saved, url))
    return found


def dashboard_context(membership: Membership) -> dict:
    return {"open_rankings": open_rankings_for(membership)}
