"""How the demo's pairs came about, dated as it happened: the proposals behind last year's
pairings (a stretch of them from a finished match round, voted on by the committee in the
committee-model society), the mentees' requests in the alumni network, declines along the way,
and today's unfinished business: a match round run by the real engine and sent on (awaiting the
committee's votes, or offered to both people), offers waiting for an answer and open requests.

Past rows are written with their dates; today's are made by the services themselves and then
given the day they happened. Nobody is emailed about the demo's history (``quietly``)."""

from contextlib import contextmanager
from datetime import timedelta

from django.db import connection
from django.utils import timezone

from demo.history import Plan, at
from matching.engine.inputs import FACTORS
from matching.models import (
    MatchRound,
    MentorshipRequest,
    Proposal,
    ProposalStatus,
    RequestStatus,
    Response,
    RoundStatus,
    Vote,
    VoteDecision,
)
from matching.services import proposals as proposal_services
from matching.services import rounds as round_services
from programs.models import Membership, Program, ProgramModel
from relationships.models import ExclusionReason, Origin, PairExclusion

NOTES = (
    "Same practice setting and both keen on the referral side of private practice.",
    "The mentee's goals (leadership, a first committee role) are what the mentor has done.",
    "Close in geography, so they can meet in person at the regional meetings.",
    "Shared research interest; the mentor has supervised similar projects.",
)
VOTE_COMMENTS = (
    "Good fit on practice setting and goals.",
    "Agree. The mentor has capacity and the geography works.",
    "",
)


@contextmanager
def quietly():
    """Run services without the emails and tasks they queue for after the commit: the demo's
    history is not news to anyone."""
    queued = len(connection.run_on_commit)
    try:
        yield
    finally:
        del connection.run_on_commit[queued:]


def _contributions(score: float, index: int) -> dict:
    shares = [(index + k) % 4 + 1 for k in range(len(FACTORS))]
    total = sum(shares)
    return {factor: round(score * share / total, 4) for factor, share in zip(FACTORS, shares, strict=True)}


def write_proposals(program: Program, plans: list[Plan], coordinator: Membership, committee: list[Membership]):
    """The proposal behind each proposed pairing, a finished round behind those it made, the
    committee's votes (committee model), one pairing the committee turned down (committee
    model) or a mentee declined (hub model), all before the pairing started."""
    organization = program.organization
    in_round = [p for p in plans if p.in_round and p.origin == Origin.PROPOSAL]
    finished = None
    if in_round:
        created = at(min(p.started for p in in_round) - timedelta(days=16), 14)
        finished = MatchRound.objects.create(
            organization=organization,
            program=program,
            created_by=coordinator,
            status=RoundStatus.SENT,
            mode="hub" if program.model == ProgramModel.HUBS else "optimal",
            weights=round_services.default_weights(program),
            progress=100,
            progress_note="Done",
            objective="Total score 27.4 over 4 pairs",
            stats={"mentees": len(in_round) + 1, "mentors": len(in_round) + 3, "matched": len(in_round)},
            created_at=created,
            finished_at=created + timedelta(minutes=2),
        )
    votes, committee_decides = [], program.model == ProgramModel.COMMITTEE
    for index, plan in enumerate(p for p in plans if p.origin == Origin.PROPOSAL):
        started = at(plan.started, 12)
        created = finished.created_at + timedelta(minutes=2) if plan.in_round else started - timedelta(days=12)
        offered = started - timedelta(days=6)
        score = 6.5 + (index % 5) * 0.4
        proposal = Proposal.objects.create(
            organization=organization,
            program=program,
            mentor=plan.mentor,
            mentee=plan.mentee,
            status=ProposalStatus.CONFIRMED,
            match_round=finished if plan.in_round else None,
            score=score if plan.in_round else None,
            contributions=_contributions(score, index) if plan.in_round else {},
            note=NOTES[index % len(NOTES)],
            created_by=coordinator,
            created_at=created,
            offered_at=offered,
            mentor_response=Response.ACCEPTED,
            mentor_responded_at=offered + timedelta(days=2, hours=3),
            mentee_response=Response.ACCEPTED,
            mentee_responded_at=offered + timedelta(days=3, hours=5),
            mentorship=plan.mentorship,
        )
        if committee_decides:
            for number, voter in enumerate(committee):
                votes.append(
                    Vote(
                        organization=organization,
                        proposal=proposal,
                        voter=voter,
                        decision=VoteDecision.APPROVE,
                        comment=VOTE_COMMENTS[(index + number) % len(VOTE_COMMENTS)],
                        created_at=created + timedelta(days=1 + number, hours=2),
                    )
                )
    if finished is not None and len(in_round) >= 2:
        # A pairing of the finished round that did not happen: the next mentee with the first's mentor.
        plan, other = in_round[1], in_round[0]
        proposal = Proposal.objects.create(
            organization=organization,
            program=program,
            mentor=other.mentor,
            mentee=plan.mentee,
            status=ProposalStatus.REJECTED if committee_decides else ProposalStatus.DECLINED,
            match_round=finished,
            score=5.1,
            contributions=_contributions(5.1, 7),
            created_by=coordinator,
            created_at=finished.created_at + timedelta(minutes=2),
        )
        if committee_decides:
            votes += [
                Vote(
                    organization=organization,
                    proposal=proposal,
                    voter=voter,
                    decision=VoteDecision.REJECT,
                    comment="Both are in the same group practice; a mentor from outside would serve better."
                    if number == 0
                    else "",
                    created_at=finished.created_at + timedelta(days=1 + number),
                )
                for number, voter in enumerate(committee[:2])
            ]
        else:
            offered = finished.created_at + timedelta(days=2)
            Proposal.objects.filter(pk=proposal.pk).update(
                offered_at=offered,
                mentee_response=Response.DECLINED,
                mentee_responded_at=offered + timedelta(days=2),
                mentee_reason="I'd rather work with someone outside my own division.",
            )
            PairExclusion.objects.get_or_create(
                program=program,
                mentor=other.mentor,
                mentee=plan.mentee,
                defaults={
                    "organization": organization,
                    "reason": ExclusionReason.DECLINED_PROPOSAL,
                    "created_at": offered + timedelta(days=2),
                },
            )
    Vote.objects.bulk_create(votes)
    return finished


REQUEST_MESSAGES = (
    "I read your biosketch and would value your advice on an academic career.",
    "Your work on re-irradiation is what I hope to do. Could we meet twice this year?",
    "Would you mentor me through my fellowship applications?",
    "I'm weighing community against academic practice and would love your perspective.",
)


def write_requests(program: Program, plans: list[Plan]) -> None:
    """Self-selection: each requested pairing began with the mentee's request, accepted the
    day before it started; one mentee was declined first by another mentor, one request
    expired and one was withdrawn."""
    organization, days = program.organization, program.request_response_days
    rows = []
    for index, plan in enumerate(p for p in plans if p.origin == Origin.REQUEST):
        sent = at(plan.started, 10) - timedelta(days=5 + index % 4)
        rows.append(
            MentorshipRequest(
                organization=organization,
                program=program,
                mentee=plan.mentee,
                mentor=plan.mentor,
                message=REQUEST_MESSAGES[index % len(REQUEST_MESSAGES)],
                status=RequestStatus.ACCEPTED,
                created_at=sent,
                expires_at=sent + timedelta(days=days),
                responded_at=at(plan.started, 9),
                mentorship=plan.mentorship,
            )
        )
    requested = [p for p in plans if p.origin == Origin.REQUEST]
    for kind, (plan, other) in zip(
        (RequestStatus.DECLINED, RequestStatus.EXPIRED, RequestStatus.WITHDRAWN),
        zip(requested[5:8], requested[8:11], strict=False),
        strict=False,
    ):
        sent = at(plan.started, 10) - timedelta(days=40)
        answered = {
            RequestStatus.DECLINED: sent + timedelta(days=3),
            RequestStatus.EXPIRED: sent + timedelta(days=days),
            RequestStatus.WITHDRAWN: sent + timedelta(days=2),
        }[kind]
        rows.append(
            MentorshipRequest(
                organization=organization,
                program=program,
                mentee=plan.mentee,
                mentor=other.mentor,
                message=REQUEST_MESSAGES[(len(rows) + 1) % len(REQUEST_MESSAGES)],
                status=kind,
                created_at=sent,
                expires_at=sent + timedelta(days=days),
                responded_at=answered,
                decline_reason="My clinic year is full; I can't give you the time you deserve."
                if kind == RequestStatus.DECLINED
                else "",
            )
        )
        if kind == RequestStatus.DECLINED:
            PairExclusion.objects.get_or_create(
                program=program,
                mentor=other.mentor,
                mentee=plan.mentee,
                defaults={
                    "organization": organization,
                    "reason": ExclusionReason.DECLINED_REQUEST,
                    "created_at": answered,
                },
            )
    MentorshipRequest.objects.bulk_create(rows)


def run_current_round(
    program: Program, coordinator: Membership, committee: list[Membership], newcomer_id: int | None = None
) -> MatchRound | None:
    """Today's round, run by the real engine on the mentees accepted lately, sent on five days
    ago: to the committee (two of whose members have voted on some pairs) or, in the hub model,
    straight to both people (one mentor has accepted already)."""
    if program.model == ProgramModel.SELF_SELECT:
        return None
    now = timezone.now()
    with quietly():
        match_round = round_services.round_create(
            actor=coordinator, program=program, weights=round_services.default_weights(program)
        )
        match_round = round_services.run_round(match_round.pk)
        if match_round.status != RoundStatus.COMPLETE:
            raise RuntimeError(f"The demo's match round failed: {match_round.error}")
        round_services.round_send(actor=coordinator, match_round=match_round)
        created = at(timezone.localdate() - timedelta(days=6), 14)
        MatchRound.objects.filter(pk=match_round.pk).update(
            created_at=created, finished_at=created + timedelta(minutes=1)
        )
        proposals = list(Proposal.objects.filter(match_round=match_round).order_by("pk"))
        Proposal.objects.filter(match_round=match_round).update(created_at=created + timedelta(minutes=1))
        sent = now - timedelta(days=5)
        for index, proposal in enumerate(p for p in proposals if p.status == ProposalStatus.PROPOSED):
            for number, voter in enumerate(committee[: 1 if index % 2 else 2][: max(0, 2 - index)]):
                if voter.pk in (proposal.mentor_id, proposal.mentee_id):
                    continue
                proposal_services.proposal_vote(
                    actor=voter, proposal=proposal, approve=True, comment=VOTE_COMMENTS[number]
                )
                Vote.objects.filter(proposal=proposal, voter=voter).update(
                    created_at=sent + timedelta(days=1 + number, hours=3)
                )
        offered = [p for p in proposals if Proposal.objects.get(pk=p.pk).status == ProposalStatus.OFFERED]
        Proposal.objects.filter(pk__in=[p.pk for p in offered]).update(offered_at=sent)
        if offered and program.model == ProgramModel.HUBS:
            # The newcomer's mentor (or the first) has accepted already.
            first = next((p for p in offered if p.mentee_id == newcomer_id), offered[0])
            first = Proposal.objects.get(pk=first.pk)
            proposal_services.proposal_respond(actor=first.mentor, proposal=first, accept=True)
            Proposal.objects.filter(pk=first.pk).update(mentor_responded_at=sent + timedelta(days=2))
    return match_round


def write_pending_offer(program: Program, mentor: Membership, mentee: Membership, coordinator: Membership):
    """An offer made three days ago that the mentor has accepted and the mentee has still to answer."""
    now = timezone.now()
    return Proposal.objects.create(
        organization=program.organization,
        program=program,
        mentor=mentor,
        mentee=mentee,
        note="Similar practice setting; the mentee asked for help with leadership and work-life balance.",
        created_by=coordinator,
        created_at=now - timedelta(days=4),
        offered_at=now - timedelta(days=3),
        mentor_response=Response.ACCEPTED,
        mentor_responded_at=now - timedelta(days=2),
    )


def write_open_requests(program: Program, mentees: list[Membership], mentors: list[Membership], lead: Membership):
    """Requests still waiting for the mentor (one with the program leads' guidance), sent in
    the last week."""
    now, days = timezone.now(), program.request_response_days
    rows = []
    for index, (mentee, mentor) in enumerate(zip(mentees, mentors, strict=False)):
        sent = now - timedelta(days=1 + 2 * index, hours=3)
        rows.append(
            MentorshipRequest(
                organization=program.organization,
                program=program,
                mentee=mentee,
                mentor=mentor,
                message=REQUEST_MESSAGES[(index + 1) % len(REQUEST_MESSAGES)],
                created_at=sent,
                expires_at=sent + timedelta(days=days),
                guidance="A good match: she has supervised two trainees' first grants." if index == 1 else "",
                guidance_by=lead if index == 1 else None,
                guidance_at=sent + timedelta(hours=20) if index == 1 else None,
            )
        )
    MentorshipRequest.objects.bulk_create(rows)
