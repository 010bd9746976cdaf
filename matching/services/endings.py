"""Endings: a party ends their mentorship under the no-fault clause, or a coordinator
removes a person from a program (their live mentorships end, open requests, proposals
and applications are withdrawn)."""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q as models_q
from django.utils import timezone

from matching.models import (
    LIVE_STATUSES,
    EndReason,
    ExclusionReason,
    Mentorship,
    MentorshipRequest,
    MentorshipStatus,
    PairExclusion,
    RequestStatus,
)
from matching.services.pairs import absolute_url, lock_memberships, notify
from mentorship.exceptions import ServiceError
from programs.models import Application, ApplicationStatus, Membership, Program
from programs.services import audit, require_coordinator

# --- Endings ------------------------------------------------------------------------------


@transaction.atomic
def mentorship_end_no_fault(*, actor: Membership, mentorship: Mentorship) -> Mentorship:
    """Either party ends the mentorship under the no-fault clause, without giving a
    reason. The other party and the coordinators are told neutrally; the history stays
    readable to the pair and the pair is not proposed again."""
    if actor.pk not in (mentorship.mentor_id, mentorship.mentee_id):
        raise PermissionDenied("Only the mentor or the mentee can end their mentorship.")
    mentorship = (
        Mentorship.objects.select_for_update(of=("self",))
        .select_related("program", "mentor__user", "mentee__user")
        .get(pk=mentorship.pk)
    )
    if not mentorship.is_live:
        raise ServiceError("This mentorship has already ended.")
    mentorship.status = MentorshipStatus.ENDED
    mentorship.end_reason = EndReason.NO_FAULT
    mentorship.ended_at = timezone.now()
    mentorship.ended_by = actor
    mentorship.save(update_fields=["status", "end_reason", "ended_at", "ended_by"])
    from agreements.meeting_services import cancel_upcoming

    cancel_upcoming(mentorship=mentorship, actor=actor)
    PairExclusion.objects.get_or_create(
        program=mentorship.program,
        mentor=mentorship.mentor,
        mentee=mentorship.mentee,
        defaults={"organization": mentorship.organization, "reason": ExclusionReason.ENDED},
    )
    audit(
        organization=mentorship.organization,
        actor=actor.user,
        action="mentorship.ended",
        summary=f"The mentorship of {mentorship.mentor.user} and {mentorship.mentee.user} in "
        f"{mentorship.program.name} ended under the no-fault clause",
        mentorship=mentorship.pk,
    )
    other = mentorship.mentee if actor.pk == mentorship.mentor_id else mentorship.mentor
    coordinators = list(
        Membership.objects.filter(organization=mentorship.organization, is_coordinator=True, is_active=True)
        .select_related("user")
        .values_list("user__email", flat=True)
    )
    context = {
        "mentorship": mentorship,
        "program": mentorship.program,
        "url": absolute_url("mentorship_detail", org_slug=mentorship.organization.slug, pk=mentorship.pk),
        "rematch_url": absolute_url(
            "program_detail", org_slug=mentorship.organization.slug, program_slug=mentorship.program.slug
        ),
    }
    notify("email/mentorship_ended", context, [other.user.email], mentorship.organization.contact_email)
    if coordinators:
        notify("email/mentorship_ended_coordinator", context, coordinators, mentorship.organization.contact_email)
    return mentorship


# --- Removal from a program and senior mentors --------------------------------------------------


@transaction.atomic
def participant_remove(*, actor: Membership, program: Program, membership: Membership, reason: str):
    """A coordinator removes a person from a program with a recorded reason: their live
    mentorships there end (the other party is told neutrally, history is kept), their open
    requests and proposals are withdrawn, and their applications are withdrawn."""
    from matching.models import ProgramRemoval, Proposal, ProposalStatus

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
        mentorship.status = MentorshipStatus.ENDED
        mentorship.end_reason = EndReason.REMOVED
        mentorship.ended_at = now
        mentorship.ended_by = actor
        mentorship.save(update_fields=["status", "end_reason", "ended_at", "ended_by"])
        from agreements.meeting_services import cancel_upcoming

        cancel_upcoming(mentorship=mentorship, actor=None)
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
    Proposal.objects.filter(
        program=program, status__in=[ProposalStatus.DRAFT, ProposalStatus.PROPOSED, ProposalStatus.OFFERED]
    ).filter(models_q(mentor=membership) | models_q(mentee=membership)).update(status=ProposalStatus.WITHDRAWN)
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
