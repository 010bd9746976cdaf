"""What every pairing path shares (requests, proposals, match rounds): who is a live mentor
or mentee, a mentor's capacity, the rules a proposed pair must meet (``check_pair``) and
offering a pairing (``offer``). The helpers every app uses on a pair (the party check,
membership locks, notifying people) live in ``relationships.services.pairs``."""

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from mentorship.exceptions import ServiceError
from programs.models import (
    MENTOR_LIVE,
    Application,
    ApplicationStatus,
    Membership,
    NotificationCategory,
    NotificationKind,
    Program,
    ProgramModel,
    Role,
)
from programs.services import notifications
from relationships.models import LIVE_STATUSES, Mentorship, Origin, PairExclusion
from relationships.services.pairs import absolute_url, lock_memberships, notify


def mentor_application(program: Program, mentor: Membership) -> Application | None:
    return Application.objects.filter(
        program=program, membership=mentor, role=Role.MENTOR, status__in=MENTOR_LIVE, membership__is_active=True
    ).first()


def live_mentorship_count(program: Program, mentor: Membership) -> int:
    """The mentor's live pairings that use a place (a senior mentor's coaching of hub
    mentors does not)."""
    return (
        Mentorship.objects.filter(program=program, mentor=mentor, status__in=LIVE_STATUSES)
        .exclude(origin=Origin.SENIOR)
        .count()
    )


def mentor_capacity(program: Program, mentor: Membership) -> int | None:
    """How many mentees this person may have in the program; None if not a mentor there.
    Hub model: their largest hub capacity; otherwise their accepted mentor application."""
    if program.model == ProgramModel.HUBS:
        from programs.models import HubMentor

        capacities = list(
            HubMentor.objects.filter(
                hub__program=program, hub__is_active=True, membership=mentor, membership__is_active=True
            ).values_list("capacity", flat=True)
        )
        return max(capacities) if capacities else None
    application = accepted_application(program, mentor, Role.MENTOR)
    if application is None:
        return None
    return application.capacity or program.default_mentees_per_mentor


def is_excluded(program: Program, mentor: Membership, mentee: Membership) -> bool:
    return PairExclusion.objects.filter(program=program, mentor=mentor, mentee=mentee).exists()


def refuse_own_pairing(actor: Membership, *people, doing: str) -> None:
    """Nobody reviews a pairing that includes themselves: offering, approving, finalizing,
    hand-picking, locking, withdrawing or voting on it is for someone else (another
    coordinator, or the committee). ``people`` are the memberships (or their ids) in the
    pairing. Called inside the service, so no page or task can skip it."""
    ids = {getattr(person, "pk", person) for person in people if person is not None}
    if actor is not None and actor.pk in ids:
        raise ServiceError(
            f"You are part of this pairing, so you cannot {doing} it. "
            "Another coordinator or the committee decides on pairings that include you."
        )


def accepted_application(program: Program, membership: Membership, role: str) -> Application | None:
    return Application.objects.filter(
        program=program, membership=membership, role=role, status=ApplicationStatus.ACCEPTED, membership__is_active=True
    ).first()


def check_peer_pair(program: Program, first: Membership, second: Membership) -> int:
    """A peer program's rules for a pair (no sides: each rule holds in both orders): two
    accepted peers, never excluded, neither already in a live pairing of the program.
    Returns 1, a peer's one place."""
    if first.pk == second.pk:
        raise ServiceError("A person cannot be paired with themselves.")
    for person in (first, second):
        if accepted_application(program, person, Role.PEER) is None:
            raise ServiceError(f"{person.user} is not an accepted peer in {program.name}.")
    if (
        PairExclusion.objects.filter(program=program)
        .filter(Q(mentor=first, mentee=second) | Q(mentor=second, mentee=first))
        .exists()
    ):
        raise ServiceError("This pair declined or ended a pairing before; it is never proposed again.")
    live = Mentorship.objects.filter(program=program, status__in=LIVE_STATUSES)
    for person in (first, second):
        if live.filter(Q(mentor=person) | Q(mentee=person)).exists():
            raise ServiceError(f"{person.user} already has a peer in this program.")
    return 1


def open_proposal_of_either(program: Program, proposal, statuses) -> bool:
    """Another proposal of the program in ``statuses`` involves either person of
    ``proposal``, on either side (peer pairs have no sides)."""
    from matching.models import Proposal

    people = [proposal.mentor_id, proposal.mentee_id]
    return (
        Proposal.objects.filter(program=program, status__in=statuses)
        .filter(Q(mentor_id__in=people) | Q(mentee_id__in=people))
        .exclude(pk=proposal.pk)
        .exists()
    )


def check_pair(program: Program, mentor: Membership, mentee: Membership, *, use_place: bool = True) -> int:
    """The rules every proposed pair must meet, checked again at each step (people can
    be removed, declined or paired meanwhile). Returns the mentor's capacity. The caller
    holds the locks on both memberships. In a peer program, ``check_peer_pair``."""
    if program.is_peer:
        return check_peer_pair(program, mentor, mentee)
    if mentor.pk == mentee.pk:
        raise ServiceError("A person cannot mentor themselves.")
    capacity = mentor_capacity(program, mentor)
    if capacity is None:
        raise ServiceError(f"{mentor.user} is not a mentor in {program.name}.", field="mentor")
    if accepted_application(program, mentee, Role.MENTEE) is None:
        raise ServiceError(f"{mentee.user} is not an accepted mentee in {program.name}.", field="mentee")
    if is_excluded(program, mentor, mentee):
        raise ServiceError("This pair declined or ended a pairing before; it is never proposed again.")
    if (
        Mentorship.objects.filter(program=program, mentee=mentee, status__in=LIVE_STATUSES)
        .exclude(origin=Origin.SENIOR)
        .exists()
    ):
        raise ServiceError(f"{mentee.user} already has a mentor in this program.", field="mentee")
    if use_place and live_mentorship_count(program, mentor) >= capacity:
        raise ServiceError(f"{mentor.user} has no open places in this program.", field="mentor")
    return capacity


def offer(proposal) -> None:
    """Offer a pairing to both people (after the committee approved it, or directly),
    after checking it can still go ahead. Each person gets their own email."""
    from matching.models import Proposal, ProposalStatus

    program = proposal.program
    lock_memberships(proposal.mentor, proposal.mentee)
    check_pair(program, proposal.mentor, proposal.mentee)
    if program.is_peer and open_proposal_of_either(program, proposal, [ProposalStatus.OFFERED]):
        raise ServiceError(
            f"{proposal.mentor.user} or {proposal.mentee.user} already has a pairing waiting for answers."
        )
    if (
        Proposal.objects.filter(program=program, mentee=proposal.mentee, status=ProposalStatus.OFFERED)
        .exclude(pk=proposal.pk)
        .exists()
    ):
        raise ServiceError(f"{proposal.mentee.user} already has a pairing waiting for answers.")
    proposal.status = ProposalStatus.OFFERED
    proposal.offered_at = timezone.now()
    proposal.save(update_fields=["status", "offered_at"])
    for person in (proposal.mentor, proposal.mentee):
        notify(
            "email/proposal_offered",
            {
                "proposal": proposal,
                "program": program,
                "url": absolute_url("offer_list", org_slug=program.organization.slug),
            },
            [person.user.email],
            program.organization.contact_email,
        )
        # The bell too; the email above already told them, so no digest carries it.
        notification, _ = notifications.notify(
            recipient=person,
            kind=NotificationKind.OFFER,
            category=NotificationCategory.OBLIGATION,
            title=f"A pairing in {program.name} is waiting for your answer",
            path=reverse("offer_list", kwargs={"org_slug": program.organization.slug}),
            key=offer_key(proposal),
        )
        notifications.mark_emailed(notification)


def offer_key(proposal) -> str:
    """The key of an offer's notifications (and of its consent reminders')."""
    return f"offer:{proposal.pk}"
