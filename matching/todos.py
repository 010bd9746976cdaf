"""What waits for people in pairing: proposed pairings to answer, requests to answer as a
mentor, a shortlist to rank in a stable-mode program, and proposed pairings to vote on for
committee members."""

from django.db.models import Count, Q
from django.urls import reverse

from matching.models import MentorshipRequest, Proposal, ProposalStatus, RequestStatus, Response
from matching.selectors.rankings import open_rankings_for
from mentorship import timezones
from programs.dashboard import Todo, plural
from programs.models import COMMITTEE_REVIEWED_MODELS


def todos(membership) -> list[Todo]:
    slug, org = membership.organization.slug, membership.organization_id
    found = []
    offers = Proposal.objects.filter(organization_id=org, status=ProposalStatus.OFFERED).filter(
        Q(mentor=membership, mentor_response=Response.PENDING) | Q(mentee=membership, mentee_response=Response.PENDING)
    )
    if count := offers.count():
        found.append(
            Todo(
                kind="offers",
                label=f"Answer {plural(count, 'proposed pairing', 'proposed pairings')}",
                url=reverse("offer_list", kwargs={"org_slug": slug}),
                count=count,
            )
        )
    requests = MentorshipRequest.objects.filter(organization_id=org, mentor=membership, status=RequestStatus.OPEN)
    if count := requests.count():
        found.append(
            Todo(
                kind="requests",
                label=f"Answer {plural(count, 'mentorship request', 'mentorship requests')}",
                url=reverse("request_list", kwargs={"org_slug": slug}),
                count=count,
            )
        )
    # A shortlist the program asks for and the person has not saved yet.
    for ranking in open_rankings_for(membership):
        if ranking.saved:
            continue
        deadline = ranking.program.rankings_deadline
        found.append(
            Todo(
                kind="ranking",
                label=f"{ranking.label} by {timezones.with_zone(deadline, 'j M Y, H:i')}"
                if deadline
                else ranking.label,
                detail=ranking.program.name,
                url=ranking.url,
            )
        )
    if membership.is_committee:
        # Pairings that include the member are for the others to review.
        to_vote = (
            Proposal.objects.filter(
                organization_id=org, status=ProposalStatus.PROPOSED, program__model__in=COMMITTEE_REVIEWED_MODELS
            )
            .exclude(mentor=membership)
            .exclude(mentee=membership)
            .exclude(votes__voter=membership)
            .values("program__slug", "program__name")
            .annotate(waiting=Count("pk"))
            .order_by("program__name")
        )
        found += [
            Todo(
                kind="votes",
                label=f"Vote on {plural(row['waiting'], 'proposed pairing', 'proposed pairings')}",
                detail=row["program__name"],
                url=reverse("committee_review", kwargs={"org_slug": slug, "program_slug": row["program__slug"]}),
                count=row["waiting"],
            )
            for row in to_vote
        ]
    return found
