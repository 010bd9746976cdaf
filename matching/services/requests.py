"""Requests (self-selection) and the Mentorship an accepted one creates.

Who may act is checked here, inside the transaction, with the rows that guard an
invariant locked first: the mentor's membership row for their capacity, the mentee's
for "one live pairing per program". Two concurrent acceptances therefore serialize,
and neither can push a mentor over capacity or pair a mentee twice.
"""

from datetime import timedelta

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone

from matching.models import MentorshipRequest, RequestStatus
from matching.services.pairs import (
    is_excluded,
    live_mentorship_count,
    mentor_application,
    refuse_own_pairing,
)
from mentorship.exceptions import ServiceError
from programs.models import Membership, Program, ProgramModel
from programs.selectors.applications import is_live_mentee
from programs.services.access import require_coordinator
from programs.services.audit import audit
from relationships.models import LIVE_STATUSES, ExclusionReason, Mentorship, Origin, PairExclusion
from relationships.services.lifecycle import mentorship_start
from relationships.services.pairs import absolute_url, lock_memberships, notify

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
    lock_memberships(actor)
    if not is_live_mentee(program=program, membership=actor):
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
    notify(
        "email/request_received",
        {
            "request": request,
            "program": program,
            "url": absolute_url("request_list", org_slug=program.organization.slug),
        },
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
    lock_memberships(request.mentor, request.mentee)
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
    lock_memberships(request.mentor, request.mentee)
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
    mentorship = mentorship_start(program=program, mentor=actor, mentee=request.mentee, origin=Origin.REQUEST)
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
    url = absolute_url("mentorship_detail", org_slug=program.organization.slug, pk=mentorship.pk)
    notify(
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
    lock_memberships(request.mentor, request.mentee)
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
    notify(
        "email/request_declined",
        {
            "request": request,
            "program": request.program,
            "url": absolute_url(
                "mentor_directory", org_slug=request.organization.slug, program_slug=request.program.slug
            ),
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
            notify(
                "email/request_expired",
                {
                    "request": request,
                    "program": request.program,
                    "url": absolute_url(
                        "mentor_directory", org_slug=request.organization.slug, program_slug=request.program.slug
                    ),
                },
                [request.mentee.user.email],
                request.organization.contact_email,
            )
            expired += 1
    return expired
