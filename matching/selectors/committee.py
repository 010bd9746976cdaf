"""What the committee review page reads: the pairings awaiting the committee (all, or only
those awaiting the signed-in member's vote), the history of the ones decided, and the rule
for "the committee approved it" that finalizing them all at once uses."""

from django.db.models import QuerySet
from django.db.models.functions import Coalesce

from matching.models import Proposal, ProposalStatus, VoteDecision
from matching.selectors.round_cards import next_best
from matching.services.rounds import FACTOR_LABELS
from programs.models import Application, Membership, Profile, Program

HISTORY_SIZE = 20


def committee_approved(decisions) -> bool:
    """The committee approved a pairing when more of its members voted to approve it than
    to reject it (so at least one approved)."""
    decisions = list(decisions)
    return decisions.count(VoteDecision.APPROVE) > decisions.count(VoteDecision.REJECT)


def awaiting_the_committee(program: Program) -> QuerySet:
    return Proposal.objects.filter(program=program, status=ProposalStatus.PROPOSED)


def awaiting_my_vote(program: Program, me: Membership) -> QuerySet:
    """Pairings the member can vote on and has not: none unless they sit on the committee,
    and never one that includes them (the same rule as their to-do list)."""
    if not me.is_committee:
        return Proposal.objects.none()
    return awaiting_the_committee(program).exclude(mentor=me).exclude(mentee=me).exclude(votes__voter=me).distinct()


def _annotate_votes(p: Proposal, me: Membership) -> None:
    votes = list(p.votes.all())
    p.involves_me = me.pk in (p.mentor_id, p.mentee_id)
    p.my_vote = next((v for v in votes if v.voter_id == me.pk), None)
    p.approvals = sum(1 for v in votes if v.decision == VoteDecision.APPROVE)
    p.rejections = sum(1 for v in votes if v.decision == VoteDecision.REJECT)
    p.committee_approved = committee_approved(v.decision for v in votes)


def review_queue(program: Program, me: Membership, *, needs_me: bool, limit: int) -> list[Proposal]:
    """The pairings awaiting the committee, oldest first, with what the page shows beside
    each: both people's profiles and applications (full goals), the engine's reasons, the
    next best mentors and the votes. A fixed number of queries, however many there are."""
    queryset = awaiting_my_vote(program, me) if needs_me else awaiting_the_committee(program)
    proposals = list(
        queryset.select_related("mentor__user", "mentee__user", "mentor__profile", "mentee__profile")
        .prefetch_related("votes__voter__user")
        .order_by("created_at", "pk")[:limit]
    )
    people = {p.mentor_id for p in proposals} | {p.mentee_id for p in proposals}
    applications = {
        (a.membership_id, a.role): a
        for a in Application.objects.filter(program=program, membership_id__in=people).prefetch_related("goal_areas")
    }
    for p in proposals:
        p.next_best = next_best(p.alternatives, p.mentor_id)
    alternative_ids = {pk for p in proposals for pk, _score in p.next_best}
    names = {m.pk: m.user.full_name for m in Membership.objects.filter(pk__in=alternative_ids).select_related("user")}
    for p in proposals:
        _annotate_votes(p, me)
        p.alternative_rows = [(names.get(pk, "—"), score) for pk, score in p.next_best]
        p.factor_rows = [(FACTOR_LABELS.get(k, k), v) for k, v in p.contributions.items() if v]
        if program.model == "peer":  # no sides: both applied as peers
            p.mentor_application = applications.get((p.mentor_id, "peer"))
            p.mentee_application = applications.get((p.mentee_id, "peer"))
        else:
            p.mentor_application = applications.get((p.mentor_id, "mentor"))
            p.mentee_application = applications.get((p.mentee_id, "mentee"))
        for side in ("mentor", "mentee"):
            try:
                setattr(p, f"{side}_profile", getattr(p, side).profile)
            except Profile.DoesNotExist:
                setattr(p, f"{side}_profile", None)
    return proposals


def approved_to_finalize(program: Program, me: Membership) -> list[Proposal]:
    """The pairings the committee approved that this coordinator may finalize (never one
    that includes them), oldest first. Two queries."""
    proposals = list(
        awaiting_the_committee(program)
        .exclude(mentor=me)
        .exclude(mentee=me)
        .select_related("mentor__user", "mentee__user")
        .prefetch_related("votes")
        .order_by("created_at", "pk")
    )
    for p in proposals:
        _annotate_votes(p, me)
    return [p for p in proposals if p.committee_approved]


def decided_history(program: Program, me: Membership, limit: int = HISTORY_SIZE) -> list[Proposal]:
    """The latest pairings whose review is over: the committee's result, when, and where
    the pairing stands now. A member of a pairing sees its outcome, not its votes."""
    proposals = list(
        # Pairings approved before decided_at was kept (or seeded without it): their offer date.
        Proposal.objects.filter(program=program)
        .annotate(decided_on=Coalesce("decided_at", "offered_at"))
        .filter(decided_on__isnull=False)
        .select_related("mentor__user", "mentee__user")
        .prefetch_related("votes__voter__user")
        .order_by("-decided_on", "-pk")[:limit]
    )
    for p in proposals:
        _annotate_votes(p, me)
        p.result = "Rejected" if p.status == ProposalStatus.REJECTED else "Approved and offered"
    return proposals
