"""Requests (self-selection), the Mentorship they create, and no-fault endings.

Who may act is checked here, inside the transaction, with the rows that guard an
invariant locked first: the mentor's membership row for their capacity, the mentee's
for "one live pairing per program". Two concurrent acceptances therefore serialize,
and neither can push a mentor over capacity or pair a mentee twice.
"""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Q as models_q
from django.urls import reverse
from django.utils import timezone

from matching.models import (
    LIVE_STATUSES,
    EndReason,
    ExclusionReason,
    Mentorship,
    MentorshipRequest,
    MentorshipStatus,
    Origin,
    PairExclusion,
    RequestStatus,
)
from mentorship.exceptions import ServiceError
from mentorship.mail import queue_email, render_email
from programs.models import Application, ApplicationStatus, Membership, Program, ProgramModel, Role
from programs.services import audit, require_coordinator

MENTOR_LIVE = (ApplicationStatus.ELIGIBLE, ApplicationStatus.ACCEPTED)
MENTEE_LIVE = (ApplicationStatus.SUBMITTED, ApplicationStatus.ELIGIBLE, ApplicationStatus.ACCEPTED)


def _add_months(day, months: int):
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return day.replace(year=year, month=month, day=min(day.day, candidate))
        except ValueError:
            continue
    raise ValueError(day)


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


def require_party(actor: Membership, mentorship: Mentorship, what: str = "can do this") -> str:
    """'mentor' or 'mentee'; anyone else (coordinators too) is refused."""
    if actor is None or actor.organization_id != mentorship.organization_id or not actor.is_active:
        raise PermissionDenied("That mentorship belongs to another organization.")
    role = mentorship.party(actor)
    if role is None:
        raise PermissionDenied(f"Only the mentor and the mentee {what}.")
    return role


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


def _lock_memberships(*memberships: Membership) -> None:
    # A fixed order (by pk) so that two transactions locking the same rows cannot deadlock.
    pks = sorted({m.pk for m in memberships})
    list(Membership.objects.select_for_update().filter(pk__in=pks).order_by("pk").values_list("pk", flat=True))


def _notify(template: str, context: dict, to: list[str], reply_to: str) -> None:
    queue_email(render_email(template, context, to=to, reply_to=[reply_to]))


def _url(name: str, **kwargs) -> str:
    return settings.SITE_URL + reverse(name, kwargs=kwargs)


# --- Requests -----------------------------------------------------------------------------


@transaction.atomic
def request_send(*, actor: Membership, program: Program, mentor: Membership, message: str) -> MentorshipRequest:
    """A mentee of a self-selection program asks a mentor, with a message."""
    if program.organization_id != actor.organization_id or mentor.organization_id != actor.organization_id:
        raise PermissionDenied("That program belongs to another organization.")
    if program.model != ProgramModel.SELF_SELECT:
        raise ServiceError("In this program the program office proposes the pairings.")
    message = message.strip()
    if not message:
        raise ServiceError("Write a short message: who you are and what you hope to work on.", field="message")
    _lock_memberships(actor)
    if not Application.objects.filter(
        program=program, membership=actor, role=Role.MENTEE, status__in=MENTEE_LIVE
    ).exists():
        raise ServiceError(f"Apply to {program.name} as a mentee before requesting a mentor.")
    if mentor.pk == actor.pk:
        raise ServiceError("You cannot request yourself as a mentor.")
    application = mentor_application(program, mentor)
    if application is None:
        raise ServiceError("This person is not a mentor in this program.")
    if Mentorship.objects.filter(program=program, mentee=actor, status__in=LIVE_STATUSES).exists():
        raise ServiceError("You already have a mentor in this program.")
    if is_excluded(program, mentor, actor):
        raise ServiceError("This mentor is not available to you in this program. Please choose another.")
    if live_mentorship_count(program, mentor) >= (application.capacity or program.default_mentees_per_mentor):
        raise ServiceError("This mentor has no open places at the moment. Please choose another.")
    open_requests = MentorshipRequest.objects.filter(program=program, mentee=actor, status=RequestStatus.OPEN)
    if open_requests.filter(mentor=mentor).exists():
        raise ServiceError("You have already asked this mentor; they have been notified.")
    if open_requests.count() >= program.max_open_requests:
        raise ServiceError(
            f"You can have at most {program.max_open_requests} open requests at a time. "
            "Withdraw one or wait for an answer."
        )
    try:
        with transaction.atomic():
            request = MentorshipRequest.objects.create(
                organization=program.organization,
                program=program,
                mentee=actor,
                mentor=mentor,
                message=message,
                expires_at=timezone.now() + timedelta(days=program.request_response_days),
            )
    except IntegrityError:  # a double click
        raise ServiceError("You have already asked this mentor; they have been notified.") from None
    audit(
        organization=program.organization,
        actor=actor.user,
        action="request.sent",
        summary=f"{actor.user} asked {mentor.user} to mentor them in {program.name}",
        request=request.pk,
    )
    _notify(
        "email/request_received",
        {"request": request, "program": program, "url": _url("request_list", org_slug=program.organization.slug)},
        [mentor.user.email],
        program.organization.contact_email,
    )
    return request


def _lock_request(request: MentorshipRequest) -> MentorshipRequest:
    return (
        MentorshipRequest.objects.select_for_update(of=("self",))
        .select_related("program", "mentee__user", "mentor__user")
        .get(pk=request.pk)
    )


def _expire_if_due(request: MentorshipRequest) -> None:
    if request.is_expired:
        request.status = RequestStatus.EXPIRED
        request.save(update_fields=["status"])
        raise ServiceError("This request has expired; the mentee can ask again or choose another mentor.")


@transaction.atomic
def request_withdraw(*, actor: Membership, request: MentorshipRequest) -> MentorshipRequest:
    if request.mentee_id != actor.pk:
        raise PermissionDenied("Only the person who sent a request can withdraw it.")
    _lock_memberships(request.mentor, request.mentee)
    request = _lock_request(request)
    if request.status != RequestStatus.OPEN:
        raise ServiceError(f"This request is already {request.get_status_display().lower()}.")
    request.status = RequestStatus.WITHDRAWN
    request.responded_at = timezone.now()
    request.save(update_fields=["status", "responded_at"])
    return request


@transaction.atomic
def request_accept(*, actor: Membership, request: MentorshipRequest) -> Mentorship:
    """The mentor accepts: the Mentorship starts now, the mentee's other open requests in
    the program are withdrawn, and both are emailed. Capacity is checked under a lock."""
    if request.mentor_id != actor.pk:
        raise PermissionDenied("Only the mentor who was asked can accept.")
    _lock_memberships(request.mentor, request.mentee)
    request = _lock_request(request)
    if request.status != RequestStatus.OPEN:
        raise ServiceError(f"This request is already {request.get_status_display().lower()}.")
    _expire_if_due(request)
    program = request.program
    application = mentor_application(program, actor)
    if application is None:
        raise ServiceError("You are no longer a mentor in this program.")
    if live_mentorship_count(program, actor) >= (application.capacity or program.default_mentees_per_mentor):
        raise ServiceError(
            "You have no open places: your mentoring capacity in this program is used. "
            "Decline, or ask the program office to raise your capacity."
        )
    if Mentorship.objects.filter(program=program, mentee=request.mentee, status__in=LIVE_STATUSES).exists():
        raise ServiceError("This mentee has just been paired with another mentor.")
    today = timezone.localdate()
    mentorship = Mentorship.objects.create(
        organization=program.organization,
        program=program,
        mentor=actor,
        mentee=request.mentee,
        origin=Origin.REQUEST,
        started_on=today,
        planned_end_on=_add_months(today, program.min_commitment_months),
    )
    now = timezone.now()
    request.status = RequestStatus.ACCEPTED
    request.responded_at = now
    request.mentorship = mentorship
    request.save(update_fields=["status", "responded_at", "mentorship"])
    MentorshipRequest.objects.filter(program=program, mentee=request.mentee, status=RequestStatus.OPEN).exclude(
        pk=request.pk
    ).update(status=RequestStatus.WITHDRAWN, responded_at=now)
    audit(
        organization=program.organization,
        actor=actor.user,
        action="mentorship.started",
        summary=f"{actor.user} and {request.mentee.user} are paired in {program.name}",
        mentorship=mentorship.pk,
        request=request.pk,
    )
    url = _url("mentorship_detail", org_slug=program.organization.slug, pk=mentorship.pk)
    _notify(
        "email/mentorship_started",
        {"mentorship": mentorship, "program": program, "url": url},
        [actor.user.email, request.mentee.user.email],
        program.organization.contact_email,
    )
    return mentorship


@transaction.atomic
def request_decline(*, actor: Membership, request: MentorshipRequest, reason: str = "") -> MentorshipRequest:
    """The mentor declines; the reason stays private to them. The pair is not offered again."""
    if request.mentor_id != actor.pk:
        raise PermissionDenied("Only the mentor who was asked can decline.")
    _lock_memberships(request.mentor, request.mentee)
    request = _lock_request(request)
    if request.status != RequestStatus.OPEN:
        raise ServiceError(f"This request is already {request.get_status_display().lower()}.")
    request.status = RequestStatus.DECLINED
    request.responded_at = timezone.now()
    request.decline_reason = reason.strip()[:1000]
    request.save(update_fields=["status", "responded_at", "decline_reason"])
    PairExclusion.objects.get_or_create(
        program=request.program,
        mentor=request.mentor,
        mentee=request.mentee,
        defaults={"organization": request.organization, "reason": ExclusionReason.DECLINED_REQUEST},
    )
    _notify(
        "email/request_declined",
        {
            "request": request,
            "program": request.program,
            "url": _url("mentor_directory", org_slug=request.organization.slug, program_slug=request.program.slug),
        },
        [request.mentee.user.email],
        request.organization.contact_email,
    )
    return request


@transaction.atomic
def request_add_guidance(*, actor: Membership, request: MentorshipRequest, guidance: str) -> MentorshipRequest:
    """Program leads add guidance to a request; both the mentee and the mentor see it."""
    require_coordinator(actor, actor.organization)
    if request.organization_id != actor.organization_id:
        raise PermissionDenied("That request belongs to another organization.")
    request = _lock_request(request)
    refuse_own_pairing(actor, request.mentor_id, request.mentee_id, doing="add the program office's guidance to")
    request.guidance = guidance.strip()[:2000]
    request.guidance_by = actor
    request.guidance_at = timezone.now()
    request.save(update_fields=["guidance", "guidance_by", "guidance_at"])
    return request


def expire_requests(*, now=None) -> int:
    """Mark open requests past their deadline as expired and tell the mentee once.

    Claims each request with a conditional update, so two runs never email twice."""
    now = now or timezone.now()
    expired = 0
    due = list(
        MentorshipRequest.objects.filter(status=RequestStatus.OPEN, expires_at__lte=now).values_list("pk", flat=True)
    )
    for pk in due:
        with transaction.atomic():
            claimed = MentorshipRequest.objects.filter(pk=pk, status=RequestStatus.OPEN).update(
                status=RequestStatus.EXPIRED
            )
            if claimed != 1:
                continue
            request = MentorshipRequest.objects.select_related("program", "mentee__user", "mentor__user").get(pk=pk)
            _notify(
                "email/request_expired",
                {
                    "request": request,
                    "program": request.program,
                    "url": _url(
                        "mentor_directory", org_slug=request.organization.slug, program_slug=request.program.slug
                    ),
                },
                [request.mentee.user.email],
                request.organization.contact_email,
            )
            expired += 1
    return expired


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
        "url": _url("mentorship_detail", org_slug=mentorship.organization.slug, pk=mentorship.pk),
        "rematch_url": _url(
            "program_detail", org_slug=mentorship.organization.slug, program_slug=mentorship.program.slug
        ),
    }
    _notify("email/mentorship_ended", context, [other.user.email], mentorship.organization.contact_email)
    if coordinators:
        _notify("email/mentorship_ended_coordinator", context, coordinators, mentorship.organization.contact_email)
    return mentorship


# --- Proposals and mutual consent ------------------------------------------------------------


def accepted_application(program: Program, membership: Membership, role: str) -> Application | None:
    return Application.objects.filter(
        program=program, membership=membership, role=role, status=ApplicationStatus.ACCEPTED, membership__is_active=True
    ).first()


def _check_pair(program: Program, mentor: Membership, mentee: Membership, *, use_place: bool = True) -> int:
    """The rules every proposed pair must meet, checked again at each step (people can
    be removed, declined or paired meanwhile). Returns the mentor's capacity. The caller
    holds the locks on both memberships."""
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


@transaction.atomic
def proposal_offer(*, actor: Membership, program: Program, mentor: Membership, mentee: Membership, note: str = ""):
    """A coordinator proposes a pairing. In committee-model programs it waits for the
    committee; otherwise it is offered to both people at once. Either way it becomes final
    only when both accept."""
    from matching.models import Proposal, ProposalStatus

    if not (program.organization_id == mentor.organization_id == mentee.organization_id == actor.organization_id):
        raise PermissionDenied("Everyone in a pairing must belong to this organization.")
    # One ordered lock for everyone involved (the coordinator may also be a participant).
    _lock_memberships(actor, mentor, mentee)
    require_coordinator(actor, actor.organization)
    refuse_own_pairing(actor, mentor, mentee, doing="propose")
    _check_pair(program, mentor, mentee)
    if Proposal.objects.filter(
        program=program, mentee=mentee, status__in=[ProposalStatus.PROPOSED, ProposalStatus.OFFERED]
    ).exists():
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
                status=ProposalStatus.PROPOSED if program.model == ProgramModel.COMMITTEE else ProposalStatus.OFFERED,
            )
    except IntegrityError:
        raise ServiceError("This pairing is already waiting for answers.") from None
    audit(
        organization=program.organization,
        actor=actor.user,
        action="proposal.created",
        summary=f"Proposed {mentor.user} as mentor to {mentee.user} in {program.name}",
        proposal=proposal.pk,
    )
    if proposal.status == ProposalStatus.OFFERED:
        _offer(proposal)
    else:
        committee = list(
            Membership.objects.filter(organization=program.organization, is_committee=True, is_active=True)
            .exclude(pk__in=[mentor.pk, mentee.pk])
            .values_list("user__email", flat=True)
        )
        if committee:
            _notify(
                "email/proposal_for_review",
                {
                    "proposal": proposal,
                    "program": program,
                    "url": _url("committee_review", org_slug=program.organization.slug, program_slug=program.slug),
                },
                committee,
                program.organization.contact_email,
            )
    return proposal


def _offer(proposal) -> None:
    """Offer a pairing to both people (after the committee approved it, or directly),
    after checking it can still go ahead. Each person gets their own email."""
    from matching.models import Proposal, ProposalStatus

    program = proposal.program
    _lock_memberships(proposal.mentor, proposal.mentee)
    _check_pair(program, proposal.mentor, proposal.mentee)
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
        _notify(
            "email/proposal_offered",
            {"proposal": proposal, "program": program, "url": _url("offer_list", org_slug=program.organization.slug)},
            [person.user.email],
            program.organization.contact_email,
        )


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
        _offer(proposal)
    else:
        proposal.status = ProposalStatus.REJECTED
        proposal.save(update_fields=["status"])
    audit(
        organization=proposal.organization,
        actor=actor.user,
        action="proposal.approved" if approve else "proposal.rejected",
        summary=f"{'Approved' if approve else 'Rejected'} the pairing of {proposal.mentor.user} and "
        f"{proposal.mentee.user}",
        proposal=proposal.pk,
    )


@transaction.atomic
def proposal_vote(*, actor: Membership, proposal, approve: bool, comment: str = ""):
    """A committee member votes (and may change their vote) on a pairing awaiting the
    committee. Nobody votes on a pairing that involves themselves. Under the majority
    rule, the vote that makes a majority decides."""
    from matching.models import ProposalStatus, Vote, VoteDecision
    from programs.models import CommitteeRule

    if proposal.organization_id != actor.organization_id:
        raise PermissionDenied("That proposal belongs to another organization.")
    _lock_memberships(actor, Membership(pk=proposal.mentor_id), Membership(pk=proposal.mentee_id))
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


@transaction.atomic
def proposal_finalize(*, actor: Membership, proposal, approve: bool):
    """A coordinator approves (and so offers) or rejects a pairing awaiting the committee."""
    from matching.models import ProposalStatus

    if proposal.organization_id != actor.organization_id:
        raise PermissionDenied("That proposal belongs to another organization.")
    _lock_memberships(actor, Membership(pk=proposal.mentor_id), Membership(pk=proposal.mentee_id))
    require_coordinator(actor, actor.organization)
    proposal = _lock_proposal(proposal)
    refuse_own_pairing(actor, proposal.mentor_id, proposal.mentee_id, doing="approve or reject")
    if proposal.status != ProposalStatus.PROPOSED:
        raise ServiceError(f"This pairing is already {proposal.get_status_display().lower()}.")
    _committee_decides(proposal, approve=approve, actor=actor)
    return proposal


@transaction.atomic
def proposal_respond(*, actor: Membership, proposal, accept: bool, reason: str = ""):
    """The mentor or the mentee answers. One acceptance is not enough: the Mentorship is
    created only when both have accepted. A decline ends the proposal for good, releases
    the place, and the pair is never proposed again. The reason stays with the program
    office; the other person is told neutrally."""
    from matching.models import Proposal, ProposalStatus, Response

    if actor.pk not in (proposal.mentor_id, proposal.mentee_id):
        raise PermissionDenied("Only the two people in a proposed pairing can answer it.")
    _lock_memberships(proposal.mentor, proposal.mentee)
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
        _notify("email/proposal_declined", context, [other.user.email], program.organization.contact_email)
        return proposal

    if proposal.mentor_response == proposal.mentee_response == Response.ACCEPTED:
        try:
            _check_pair(program, proposal.mentor, proposal.mentee)
        except ServiceError as error:
            raise ServiceError(f"This pairing can no longer go ahead: {error.message}") from None
        today = timezone.localdate()
        mentorship = Mentorship.objects.create(
            organization=program.organization,
            program=program,
            mentor=proposal.mentor,
            mentee=proposal.mentee,
            origin=Origin.PROPOSAL,
            started_on=today,
            planned_end_on=_add_months(today, program.min_commitment_months),
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
        _notify(
            "email/mentorship_started",
            {
                "mentorship": mentorship,
                "program": program,
                "url": _url("mentorship_detail", org_slug=program.organization.slug, pk=mentorship.pk),
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
    return proposal


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
    _lock_memberships(actor, membership)
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
        _notify(
            "email/mentorship_ended_removed",
            {
                "mentorship": mentorship,
                "program": program,
                "other": other,
                "rematch_url": _url("program_detail", org_slug=program.organization.slug, program_slug=program.slug),
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


def _senior_pairs(program: Program) -> set[tuple[int, int]]:
    """(senior mentor, hub mentor) for every active hub mentor of the program whose
    affinity group has a senior mentor."""
    from programs.models import HubMentor

    return {
        (hm.hub.affinity_group.senior_mentor_id, hm.membership_id)
        for hm in HubMentor.objects.filter(hub__program=program, hub__affinity_group__senior_mentor__isnull=False)
        .select_related("hub__affinity_group")
        .filter(membership__is_active=True)
        if hm.hub.affinity_group.senior_mentor_id != hm.membership_id
    }


def senior_pairs_left_to_others(*, actor: Membership, program: Program) -> int:
    """How many senior-mentor pairings that include ``actor`` are still missing: the
    actor cannot create them (``refuse_own_pairing``); another coordinator can."""
    pairs = [pair for pair in _senior_pairs(program) if actor.pk in pair]
    if not pairs:
        return 0
    coached = set(
        Mentorship.objects.filter(
            program=program, mentee_id__in=[m for _s, m in pairs], origin=Origin.SENIOR, status__in=LIVE_STATUSES
        ).values_list("mentee_id", flat=True)
    )
    return sum(
        1
        for senior_id, mentor_id in pairs
        if mentor_id not in coached
        and not PairExclusion.objects.filter(program=program, mentor_id=senior_id, mentee_id=mentor_id).exists()
    )


@transaction.atomic
def senior_mentors_pair(*, actor: Membership, program: Program) -> int:
    """Hub model (seed 002): each hub mentor is mentored by their affinity group's senior
    mentor. Creates the missing pairings; returns how many. Pairings that include the
    coordinator who asks are left for another coordinator (``refuse_own_pairing``)."""
    require_coordinator(actor, actor.organization)
    if program.organization_id != actor.organization_id:
        raise PermissionDenied("That program belongs to another organization.")
    if program.model != ProgramModel.HUBS:
        raise ServiceError("Only hub-model programs have senior mentors.")
    today = timezone.localdate()
    created = 0
    pairs = _senior_pairs(program)
    people = {m.pk: m for m in Membership.objects.filter(pk__in={pk for pair in pairs for pk in pair})}
    _lock_memberships(*people.values())
    for senior_id, mentor_id in sorted(pairs):
        try:
            refuse_own_pairing(actor, senior_id, mentor_id, doing="create")
        except ServiceError:
            continue
        # One senior mentor per hub mentor: a hub mentor already coached keeps their coach.
        coached = Mentorship.objects.filter(
            program=program, mentee_id=mentor_id, origin=Origin.SENIOR, status__in=LIVE_STATUSES
        ).exists()
        if coached or PairExclusion.objects.filter(program=program, mentor_id=senior_id, mentee_id=mentor_id).exists():
            continue
        try:
            with transaction.atomic():
                Mentorship.objects.create(
                    organization=program.organization,
                    program=program,
                    mentor_id=senior_id,
                    mentee_id=mentor_id,
                    origin=Origin.SENIOR,
                    started_on=today,
                    planned_end_on=_add_months(today, program.min_commitment_months),
                )
        except IntegrityError:  # paired a moment ago by a concurrent click
            continue
        created += 1
    if created:
        audit(
            organization=program.organization,
            actor=actor.user,
            action="program.senior_mentors_paired",
            summary=f"Paired {created} hub mentors with their senior mentors in {program.name}",
        )
    return created
