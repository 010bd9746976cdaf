"""Proposals and mutual consent: a coordinator offers a pairing, the committee votes
(committee-model programs), a coordinator finalizes, both people answer."""

from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone

from matching.services.pairs import check_pair, offer, offer_key, open_proposal_of_either, refuse_own_pairing
from mentorship.db import retry_on_deadlock
from mentorship.exceptions import ServiceError
from programs.models import COMMITTEE_REVIEWED_MODELS, Membership, Program
from programs.services import notifications
from programs.services.access import require_coordinator
from programs.services.audit import audit
from relationships.models import ExclusionReason, Origin, PairExclusion
from relationships.services.lifecycle import mentorship_start
from relationships.services.pairs import absolute_url, lock_memberships, notify

# --- Proposals and mutual consent ------------------------------------------------------------


@transaction.atomic
def proposal_offer(*, actor: Membership, program: Program, mentor: Membership, mentee: Membership, note: str = ""):
    """A coordinator proposes a pairing. In committee-model programs it waits for the
    committee; otherwise it is offered to both people at once. Either way it becomes final
    only when both accept."""
    from matching.models import Proposal, ProposalStatus

    if not (program.organization_id == mentor.organization_id == mentee.organization_id == actor.organization_id):
        raise PermissionDenied("Everyone in a pairing must belong to this organization.")
    # One ordered lock for everyone involved (the coordinator may also be a participant).
    lock_memberships(actor, mentor, mentee)
    require_coordinator(actor, actor.organization)
    refuse_own_pairing(actor, mentor, mentee, doing="propose")
    check_pair(program, mentor, mentee)
    waiting = [ProposalStatus.PROPOSED, ProposalStatus.OFFERED]
    if program.is_peer and open_proposal_of_either(program, Proposal(mentor=mentor, mentee=mentee), waiting):
        raise ServiceError(
            f"{mentor.user} or {mentee.user} already has a pairing waiting for answers; withdraw it first."
        )
    if Proposal.objects.filter(program=program, mentee=mentee, status__in=waiting).exists():
        raise ServiceError(
            f"{mentee.user} already has a pairing waiting for answers; withdraw it first.", field="mentee"
        )
    try:
        with transaction.atomic():
            proposal = Proposal.objects.create(
                organization=program.organization,
                program=program,
                mentor=mentor,
                mentee=mentee,
                note=note.strip()[:2000],
                created_by=actor,
                status=ProposalStatus.PROPOSED
                if program.model in COMMITTEE_REVIEWED_MODELS
                else ProposalStatus.OFFERED,
            )
    except IntegrityError:
        raise ServiceError("This pairing is already waiting for answers.") from None
    audit(
        organization=program.organization,
        actor=actor.user,
        action="proposal.created",
        summary=f"Proposed {mentor.user} and {mentee.user} as peers in {program.name}"
        if program.is_peer
        else f"Proposed {mentor.user} as mentor to {mentee.user} in {program.name}",
        proposal=proposal.pk,
    )
    if proposal.status == ProposalStatus.OFFERED:
        offer(proposal)
    else:
        committee = list(
            Membership.objects.filter(organization=program.organization, is_committee=True, is_active=True)
            .exclude(pk__in=[mentor.pk, mentee.pk])
            .values_list("user__email", flat=True)
        )
        if committee:
            notify(
                "email/proposal_for_review",
                {
                    "proposal": proposal,
                    "program": program,
                    "url": absolute_url(
                        "committee_review", org_slug=program.organization.slug, program_slug=program.slug
                    ),
                },
                committee,
                program.organization.contact_email,
            )
    return proposal


def _lock_proposal(proposal):
    from matching.models import Proposal

    return (
        Proposal.objects.select_for_update(of=("self",))
        .select_related("program", "mentor__user", "mentee__user")
        .get(pk=proposal.pk)
    )


def _committee_decides(proposal, *, approve: bool, actor: Membership) -> None:
    from matching.models import ProposalStatus

    if approve:
        offer(proposal)
    else:
        proposal.status = ProposalStatus.REJECTED
    proposal.decided_at = timezone.now()
    proposal.save(update_fields=["status", "decided_at"])
    audit(
        organization=proposal.organization,
        actor=actor.user,
        action="proposal.approved" if approve else "proposal.rejected",
        summary=f"{'Approved' if approve else 'Rejected'} the pairing of {proposal.mentor.user} and "
        f"{proposal.mentee.user}",
        proposal=proposal.pk,
    )


@retry_on_deadlock
@transaction.atomic
def proposal_vote(*, actor: Membership, proposal, approve: bool, comment: str = ""):
    """A committee member votes (and may change their vote) on a pairing awaiting the
    committee. Nobody votes on a pairing that involves themselves. Under the majority
    rule, the vote that makes a majority decides."""
    from matching.models import ProposalStatus, Vote, VoteDecision
    from programs.models import CommitteeRule

    if proposal.organization_id != actor.organization_id:
        raise PermissionDenied("That proposal belongs to another organization.")
    lock_memberships(actor, Membership(pk=proposal.mentor_id), Membership(pk=proposal.mentee_id))
    voter = Membership.objects.select_for_update().filter(pk=actor.pk, is_active=True, is_committee=True).first()
    if voter is None:
        raise PermissionDenied("Only committee members vote on proposed pairings.")
    proposal = _lock_proposal(proposal)
    refuse_own_pairing(actor, proposal.mentor_id, proposal.mentee_id, doing="vote on")
    if proposal.status != ProposalStatus.PROPOSED:
        raise ServiceError(f"This pairing is already {proposal.get_status_display().lower()}.")
    Vote.objects.update_or_create(
        proposal=proposal,
        voter=actor,
        defaults={
            "organization": proposal.organization,
            "decision": VoteDecision.APPROVE if approve else VoteDecision.REJECT,
            "comment": comment.strip()[:2000],
        },
    )
    if proposal.program.committee_rule == CommitteeRule.MAJORITY:
        voters = (
            Membership.objects.filter(organization=proposal.organization, is_committee=True, is_active=True)
            .exclude(pk__in=[proposal.mentor_id, proposal.mentee_id])
            .count()
        )
        votes = list(proposal.votes.values_list("decision", flat=True))
        if votes.count(VoteDecision.APPROVE) * 2 > voters:
            _committee_decides(proposal, approve=True, actor=actor)
        elif votes.count(VoteDecision.REJECT) * 2 > voters:
            _committee_decides(proposal, approve=False, actor=actor)
    return proposal


@retry_on_deadlock
@transaction.atomic
def proposal_finalize(*, actor: Membership, proposal, approve: bool):
    """A coordinator approves (and so offers) or rejects a pairing awaiting the committee."""
    from matching.models import ProposalStatus

    if proposal.organization_id != actor.organization_id:
        raise PermissionDenied("That proposal belongs to another organization.")
    lock_memberships(actor, Membership(pk=proposal.mentor_id), Membership(pk=proposal.mentee_id))
    require_coordinator(actor, actor.organization)
    proposal = _lock_proposal(proposal)
    refuse_own_pairing(actor, proposal.mentor_id, proposal.mentee_id, doing="approve or reject")
    if proposal.status != ProposalStatus.PROPOSED:
        raise ServiceError(f"This pairing is already {proposal.get_status_display().lower()}.")
    _committee_decides(proposal, approve=approve, actor=actor)
    return proposal


@dataclass
class FinalizeReport:
    """What "finalize all approved" did: the pairings approved and offered, and the ones
    left as they were, each with the reason."""

    finalized: list = field(default_factory=list)
    skipped: list[tuple[object, str]] = field(default_factory=list)


@retry_on_deadlock
@transaction.atomic
def proposals_finalize_approved(*, actor: Membership, program: Program, proposal_ids=None) -> FinalizeReport:
    """A coordinator approves and offers, in one action, every pairing of a committee-model
    program that the committee approved (more approve votes than reject votes). With
    ``proposal_ids`` (the pairings the coordinator confirmed), only those are considered, so
    nothing approved after the confirmation is offered unseen.

    Each pairing is checked again under its locks, as ``proposal_finalize`` does: one that
    was decided meanwhile, whose votes changed, that includes the coordinator, or that can no
    longer go ahead is skipped with its reason, and the others still go ahead."""
    from matching.models import Proposal, ProposalStatus, Vote
    from matching.selectors.committee import committee_approved
    from programs.models import CommitteeRule

    if program.organization_id != actor.organization_id:
        raise PermissionDenied("That program belongs to another organization.")
    if program.model not in COMMITTEE_REVIEWED_MODELS:
        raise ServiceError("Only pairings of a committee-model or peer program wait for the committee.")
    if program.committee_rule != CommitteeRule.COORDINATOR:
        raise ServiceError("In this program a majority of the committee decides each pairing itself.")
    candidates = Proposal.objects.filter(program=program)
    if proposal_ids is None:
        candidates = candidates.filter(status=ProposalStatus.PROPOSED)
    else:
        candidates = candidates.filter(pk__in=[int(pk) for pk in proposal_ids])
    people = candidates.values_list("mentor_id", "mentee_id")
    # The same order as every other pairing service: the people first, then the proposals.
    lock_memberships(actor, *(Membership(pk=pk) for pair in people for pk in pair))
    require_coordinator(actor, actor.organization)
    locked = list(
        candidates.select_for_update(of=("self",))
        .select_related("program", "mentor__user", "mentee__user")
        .order_by("pk")
    )
    decisions: dict[int, list[str]] = {}
    for proposal_id, decision in Vote.objects.filter(proposal__in=[p.pk for p in locked]).values_list(
        "proposal_id", "decision"
    ):
        decisions.setdefault(proposal_id, []).append(decision)
    report = FinalizeReport()
    for proposal in locked:
        if proposal.status != ProposalStatus.PROPOSED:
            report.skipped.append((proposal, f"it is already {proposal.get_status_display().lower()}"))
            continue
        if not committee_approved(decisions.get(proposal.pk, [])):
            if proposal_ids is not None:
                report.skipped.append((proposal, "the committee's votes changed: it is no longer approved"))
            continue
        if actor.pk in (proposal.mentor_id, proposal.mentee_id):
            report.skipped.append((proposal, "you are part of it: another coordinator decides it"))
            continue
        try:
            with transaction.atomic():
                _committee_decides(proposal, approve=True, actor=actor)
        except ServiceError as error:
            proposal.status = ProposalStatus.PROPOSED
            report.skipped.append((proposal, f"it can no longer go ahead: {error.message}"))
        else:
            report.finalized.append(proposal)
    return report


@retry_on_deadlock
@transaction.atomic
def proposal_respond(*, actor: Membership, proposal, accept: bool, reason: str = ""):
    """The mentor or the mentee answers. One acceptance is not enough: the Mentorship is
    created only when both have accepted. A decline ends the proposal for good, releases
    the place, and the pair is never proposed again. The reason stays with the program
    office; the other person is told neutrally."""
    from matching.models import Proposal, ProposalStatus, Response

    if actor.pk not in (proposal.mentor_id, proposal.mentee_id):
        raise PermissionDenied("Only the two people in a proposed pairing can answer it.")
    lock_memberships(proposal.mentor, proposal.mentee)
    proposal = (
        Proposal.objects.select_for_update(of=("self",))
        .select_related("program", "mentor__user", "mentee__user")
        .get(pk=proposal.pk)
    )
    if proposal.status != ProposalStatus.OFFERED:
        raise ServiceError(f"This pairing is already {proposal.get_status_display().lower()}.")
    side = "mentor" if actor.pk == proposal.mentor_id else "mentee"
    if getattr(proposal, f"{side}_response") != Response.PENDING:
        raise ServiceError("You have already answered.")
    notifications.mark_read_by_key(recipient=actor, key=offer_key(proposal))  # answered: done
    now = timezone.now()
    setattr(proposal, f"{side}_response", Response.ACCEPTED if accept else Response.DECLINED)
    setattr(proposal, f"{side}_responded_at", now)
    setattr(proposal, f"{side}_reason", reason.strip()[:1000])
    program = proposal.program
    context = {"proposal": proposal, "program": program}

    if not accept:
        proposal.status = ProposalStatus.DECLINED
        proposal.save()
        PairExclusion.objects.get_or_create(
            program=program,
            mentor=proposal.mentor,
            mentee=proposal.mentee,
            defaults={"organization": proposal.organization, "reason": ExclusionReason.DECLINED_PROPOSAL},
        )
        audit(
            organization=proposal.organization,
            actor=actor.user,
            action="proposal.declined",
            summary=f"The pairing of {proposal.mentor.user} and {proposal.mentee.user} will not go ahead",
            proposal=proposal.pk,
        )
        other = proposal.mentee if side == "mentor" else proposal.mentor
        notify("email/proposal_declined", context, [other.user.email], program.organization.contact_email)
        # The other person need not answer any more.
        notifications.mark_read_for_everyone(organization_id=proposal.organization_id, keys=[offer_key(proposal)])
        return proposal

    if proposal.mentor_response == proposal.mentee_response == Response.ACCEPTED:
        try:
            check_pair(program, proposal.mentor, proposal.mentee)
        except ServiceError as error:
            raise ServiceError(f"This pairing can no longer go ahead: {error.message}") from None
        mentorship = mentorship_start(
            program=program, mentor=proposal.mentor, mentee=proposal.mentee, origin=Origin.PROPOSAL
        )
        proposal.status = ProposalStatus.CONFIRMED
        proposal.mentorship = mentorship
        proposal.save()
        audit(
            organization=proposal.organization,
            actor=actor.user,
            action="mentorship.started",
            summary=f"{proposal.mentor.user} and {proposal.mentee.user} are paired in {program.name}",
            mentorship=mentorship.pk,
            proposal=proposal.pk,
        )
        notify(
            "email/mentorship_started",
            {
                "mentorship": mentorship,
                "program": program,
                "url": absolute_url("mentorship_detail", org_slug=program.organization.slug, pk=mentorship.pk),
            },
            [proposal.mentor.user.email, proposal.mentee.user.email],
            program.organization.contact_email,
        )
        return proposal

    proposal.save()
    return proposal


@transaction.atomic
def proposal_withdraw(*, actor: Membership, proposal):
    """A coordinator withdraws a pairing that is still waiting for answers."""
    from matching.models import Proposal, ProposalStatus

    require_coordinator(actor, actor.organization)
    if proposal.organization_id != actor.organization_id:
        raise PermissionDenied("That proposal belongs to another organization.")
    proposal = Proposal.objects.select_for_update().get(pk=proposal.pk)
    refuse_own_pairing(actor, proposal.mentor_id, proposal.mentee_id, doing="withdraw")
    if proposal.status not in (ProposalStatus.PROPOSED, ProposalStatus.OFFERED):
        raise ServiceError(f"This pairing is already {proposal.get_status_display().lower()}.")
    proposal.status = ProposalStatus.WITHDRAWN
    proposal.save(update_fields=["status"])
    notifications.mark_read_for_everyone(organization_id=proposal.organization_id, keys=[offer_key(proposal)])
    return proposal
