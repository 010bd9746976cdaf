"""Removal from a program: a coordinator removes a person (their live mentorships end,
their open requests, proposals and applications are withdrawn). A party's own no-fault
ending is in ``relationships.services.endings``."""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q as models_q
from django.utils import timezone

from matching.models import MentorshipRequest, Proposal, ProposalStatus, RequestStatus
from matching.services.pairs import offer_key
from mentorship.exceptions import ServiceError
from programs.models import Application, ApplicationStatus, Membership, Program
from programs.services import notifications
from programs.services.access import require_coordinator
from programs.services.audit import audit
from relationships.models import LIVE_STATUSES, EndReason, Mentorship, ProgramRemoval
from relationships.services.lifecycle import mentorship_close
from relationships.services.pairs import absolute_url, lock_memberships, notify


@transaction.atomic
def participant_remove(*, actor: Membership, program: Program, membership: Membership, reason: str):
    """A coordinator removes a person from a program with a recorded reason: their live
    mentorships there end (the other party is told neutrally, history is kept), their open
    requests and proposals are withdrawn, and their applications are withdrawn."""
    require_coordinator(actor, actor.organization)
    if not (program.organization_id == membership.organization_id == actor.organization_id):
        raise PermissionDenied("That person or program belongs to another organization.")
    if not reason.strip():
        raise ServiceError("Record the reason for the removal.", field="reason")
    if membership.pk == actor.pk:
        raise ServiceError("Another coordinator needs to remove you.")
    lock_memberships(actor, membership)
    now = timezone.now()
    removal = ProgramRemoval.objects.create(
        organization=program.organization,
        program=program,
        membership=membership,
        reason=reason.strip(),
        removed_by=actor,
    )
    ended = list(
        Mentorship.objects.select_for_update()
        .filter(program=program, status__in=LIVE_STATUSES)
        .filter(models_q(mentor=membership) | models_q(mentee=membership))
        .select_related("mentor__user", "mentee__user")
    )
    for mentorship in ended:
        mentorship_close(mentorship, reason=EndReason.REMOVED, ended_by=actor, cancelled_by=None, at=now)
        other = mentorship.mentee if mentorship.mentor_id == membership.pk else mentorship.mentor
        notify(
            "email/mentorship_ended_removed",
            {
                "mentorship": mentorship,
                "program": program,
                "other": other,
                "rematch_url": absolute_url(
                    "program_detail", org_slug=program.organization.slug, program_slug=program.slug
                ),
            },
            [other.user.email],
            program.organization.contact_email,
        )
    MentorshipRequest.objects.filter(program=program, status=RequestStatus.OPEN).filter(
        models_q(mentor=membership) | models_q(mentee=membership)
    ).update(status=RequestStatus.WITHDRAWN, responded_at=now)
    open_proposals = Proposal.objects.filter(
        program=program, status__in=[ProposalStatus.DRAFT, ProposalStatus.PROPOSED, ProposalStatus.OFFERED]
    ).filter(models_q(mentor=membership) | models_q(mentee=membership))
    offered = [offer_key(proposal) for proposal in open_proposals.filter(status=ProposalStatus.OFFERED).only("pk")]
    open_proposals.update(status=ProposalStatus.WITHDRAWN)
    notifications.mark_read_for_everyone(organization_id=program.organization_id, keys=offered)
    Application.objects.filter(program=program, membership=membership).exclude(
        status=ApplicationStatus.WITHDRAWN
    ).update(status=ApplicationStatus.WITHDRAWN, updated_at=now)
    audit(
        organization=program.organization,
        actor=actor.user,
        action="program.participant_removed",
        summary=f"Removed {membership.user} from {program.name}",
        removal=removal.pk,
        mentorships_ended=len(ended),  # the reason stays on the removal, encrypted
    )
    return removal
