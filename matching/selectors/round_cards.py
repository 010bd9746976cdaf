"""What a match round's page shows of each pair the engine proposed: the score on its
scale, the points by factor, the hub (hub model), the next best mentors without the
current one or repeats, and where the coordinator reads about each person."""

from django.urls import reverse

from matching.models import MatchRound, Proposal
from matching.services.rounds import FACTOR_LABELS
from programs.models import Application, HubChoice, HubMentor, Membership, ProgramModel, Role


def score_scale(weights: dict) -> float:
    """The most a pair can score with these weights. Every factor scores from 0 (no match)
    to 1 (a full match) and counts as many times as its weight, so a pair that matches on
    every factor scores the sum of the weights."""
    return round(sum(max(float(w), 0.0) for k, w in (weights or {}).items() if k in FACTOR_LABELS), 2)


def next_best(alternatives, current_mentor_id: int, limit: int = 3) -> list[tuple[int, float]]:
    """The engine's next best mentors for a mentee, best first: never the mentor the mentee
    has now (after an override the old best may be the new mentor), and each person once
    (a hub-model mentor listed in several hubs appears once per hub in the engine)."""
    seen, rows = {current_mentor_id}, []
    for pk, score in sorted(alternatives or [], key=lambda row: -float(row[1])):
        if pk in seen:
            continue
        seen.add(pk)
        rows.append((pk, float(score)))
        if len(rows) == limit:
            break
    return rows


def profile_urls(org_slug: str, program, people: set[int]) -> dict[int, str]:
    """Where a coordinator reads about each person: their application to the program (its
    review page shows the profile and the application), else their member page. One query."""
    urls = {pk: reverse("member_edit", kwargs={"org_slug": org_slug, "pk": pk}) for pk in people}
    for membership_id, pk in (
        Application.objects.filter(program=program, membership_id__in=people)
        .order_by("role")  # a person with both roles: the mentor application ("mentee" < "mentor") wins
        .values_list("membership_id", "pk")
    ):
        urls[membership_id] = reverse(
            "application_review", kwargs={"org_slug": org_slug, "program_slug": program.slug, "pk": pk}
        )
    return urls


def pair_hubs(program, drafts: list[Proposal]) -> dict[int, str]:
    """The hub of each proposed pair in a hub-model program: the mentor's hub the mentee
    ranked best, else the mentor's first hub. Two queries."""
    if program.model != ProgramModel.HUBS or not drafts:
        return {}
    mentor_hubs: dict[int, dict[int, str]] = {}
    for membership_id, hub_id, name in (
        HubMentor.objects.filter(hub__program=program, membership_id__in={p.mentor_id for p in drafts})
        .order_by("hub__name")
        .values_list("membership_id", "hub_id", "hub__name")
    ):
        mentor_hubs.setdefault(membership_id, {})[hub_id] = name
    choices: dict[int, list[int]] = {}
    for membership_id, hub_id in (
        HubChoice.objects.filter(
            application__program=program,
            application__role=Role.MENTEE,
            application__membership_id__in={p.mentee_id for p in drafts},
        )
        .order_by("rank")
        .values_list("application__membership_id", "hub_id")
    ):
        choices.setdefault(membership_id, []).append(hub_id)
    hubs = {}
    for p in drafts:
        offered = mentor_hubs.get(p.mentor_id, {})
        chosen = next((offered[h] for h in choices.get(p.mentee_id, []) if h in offered), None)
        if chosen or offered:
            hubs[p.pk] = chosen or next(iter(offered.values()))
    return hubs


def round_cards(match_round: MatchRound, org_slug: str) -> dict:
    """Everything the round's page shows, in a fixed number of queries (six at most)."""
    program = match_round.program
    drafts = list(
        Proposal.objects.filter(match_round=match_round)
        .select_related("mentor__user", "mentee__user")
        .order_by("-locked", "-score", "pk")
    )
    for p in drafts:
        p.next_best = next_best(p.alternatives, p.mentor_id)
    alternative_ids = {pk for p in drafts for pk, _score in p.next_best}
    unmatched_ids = {u["mentee"] for u in match_round.unmatched}
    names = {
        m.pk: m.user.full_name
        for m in Membership.objects.filter(pk__in=alternative_ids | unmatched_ids).select_related("user")
    }
    people = alternative_ids | unmatched_ids | {p.mentor_id for p in drafts} | {p.mentee_id for p in drafts}
    urls = profile_urls(org_slug, program, people) if people else {}
    hubs = pair_hubs(program, drafts)
    weights = {k: float(v) for k, v in match_round.weights.items() if k in FACTOR_LABELS}
    for p in drafts:
        p.factor_rows = [(FACTOR_LABELS.get(k, k), v, weights.get(k)) for k, v in p.contributions.items() if v]
        p.alternative_rows = [(pk, names.get(pk, "—"), score, urls.get(pk)) for pk, score in p.next_best]
        p.mentor_url, p.mentee_url = urls.get(p.mentor_id), urls.get(p.mentee_id)
        p.hub_name = hubs.get(p.pk)
    return {
        "drafts": drafts,
        "unmatched": [(names.get(u["mentee"], "—"), u["reason"], urls.get(u["mentee"])) for u in match_round.unmatched],
        "scale": score_scale(weights),
        "weights": [(FACTOR_LABELS[k], v) for k, v in weights.items() if v],
        "uses_hubs": program.model == ProgramModel.HUBS,
        # A peer pair has no sides: "Ana and Ben", next best peers, no mentor to swap by hand.
        "is_peer": program.is_peer,
    }
