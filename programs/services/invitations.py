"""Invitation actions: a coordinator invites an address, resends or revokes the
invitation; the invited person accepts it and becomes a member.

Transactional and permission-checked like every service (``programs.services.organizations``);
the emails go out through Celery after commit, within the sending limits (``programs.sending``).
"""

from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from mentorship.exceptions import ServiceError
from mentorship.mail import queue_email, render_email
from programs import sending
from programs.models import PROFILE_IMPORT_FIELDS, Invitation, InvitationStatus, Membership, MemberStatus
from programs.services.access import require_coordinator
from programs.services.audit import audit
from programs.services.organizations import user_has_verified_email


def _invitation_email(invitation: Invitation):
    accept_url = settings.SITE_URL + reverse("invitation_accept", kwargs={"token": invitation.token})
    inviter = invitation.invited_by
    return render_email(
        "email/invitation",
        {
            "invitation": invitation,
            "organization": invitation.organization,
            "inviter_name": inviter.full_name if inviter else invitation.organization.name,
            "accept_url": accept_url,
        },
        to=[invitation.email],
        reply_to=[invitation.organization.contact_email],
    )


def _send_invitation(invitation: Invitation, *, sender) -> None:
    invitation.sent_at = timezone.now()
    invitation.send_count += 1
    invitation.save(update_fields=["sent_at", "send_count"])
    queue_email(_invitation_email(invitation))
    sending.record_invitation(invitation=invitation, user=sender)


@transaction.atomic
def invitation_create(
    *,
    actor: Membership,
    email: str,
    member_status: str = MemberStatus.MEMBER,
    is_coordinator: bool = False,
    is_committee: bool = False,
    message: str = "",
) -> Invitation:
    """A coordinator invites an email address; the email goes out through Celery after commit.

    Within the sending limits only, and once the contact address is confirmed
    (``programs.sending``): otherwise refused with what to do, and nothing is recorded."""
    organization = actor.organization
    require_coordinator(actor, organization)
    organization = sending.lock_sender(organization=organization, user=actor.user)
    email = email.strip().lower()
    if Membership.objects.filter(organization=organization, user__email__iexact=email, is_active=True).exists():
        raise ServiceError(f"{email} is already a member of {organization.name}.", field="email")
    if Invitation.objects.filter(
        organization=organization, email__iexact=email, status=InvitationStatus.PENDING
    ).exists():
        raise ServiceError(
            f"{email} already has an open invitation. Resend it from the list below instead.", field="email"
        )
    sending.check_invitations(organization=organization, user=actor.user)
    invitation = _invite_one(
        actor,
        organization,
        email,
        member_status=member_status,
        is_coordinator=is_coordinator,
        is_committee=is_committee,
        message=message,
    )
    if invitation is None:
        raise ServiceError(f"{email} already has an open invitation.", field="email")
    return invitation


def _invite_one(actor: Membership, organization, email: str, **roles) -> Invitation | None:
    """Record one invitation, send it and audit it; None when the address got an open
    invitation from someone else a moment ago (the one-pending-per-address constraint)."""
    try:
        with transaction.atomic():
            invitation = Invitation.objects.create(
                organization=organization, email=email, invited_by=actor.user, **roles
            )
    except IntegrityError:
        return None
    _send_invitation(invitation, sender=actor.user)
    audit(
        organization=organization,
        actor=actor.user,
        action="invitation.created",
        summary=f"Invited {email}",
        invitation=invitation.pk,
    )
    return invitation


def send_invitation_emails(invitation_ids: list[int]) -> int:
    """The emails of invitations recorded in bulk (a roster import): one per invitation
    still pending, queued for delivery. Returns how many were queued."""
    with scopes_disabled():
        invitations = list(
            Invitation.objects.filter(pk__in=invitation_ids, status=InvitationStatus.PENDING)
            .select_related("organization", "invited_by")
            .order_by("pk")
        )
    for invitation in invitations:
        queue_email(_invitation_email(invitation))
    return len(invitations)


def _lock_invitation(actor: Membership, invitation: Invitation) -> Invitation:
    require_coordinator(actor, actor.organization)
    if invitation.organization_id != actor.organization_id:
        raise PermissionDenied("That invitation belongs to another organization.")
    return Invitation.objects.select_for_update().get(pk=invitation.pk)


def _send_again(actor: Membership, invitation: Invitation) -> None:
    # A fresh link: whatever happened to the old one, it stops working now.
    invitation.token = Invitation._meta.get_field("token").get_default()
    invitation.expires_at = Invitation._meta.get_field("expires_at").get_default()
    invitation.save(update_fields=["token", "expires_at"])
    _send_invitation(invitation, sender=actor.user)
    audit(
        organization=invitation.organization,
        actor=actor.user,
        action="invitation.resent",
        summary=f"Resent the invitation to {invitation.email}",
        invitation=invitation.pk,
    )


@transaction.atomic
def invitation_resend(*, actor: Membership, invitation: Invitation) -> Invitation:
    """Send an open invitation again; an expired one gets a fresh validity period."""
    invitation = _lock_invitation(actor, invitation)
    if invitation.status != InvitationStatus.PENDING:
        raise ServiceError(f"This invitation was {invitation.get_status_display().lower()}; it cannot be resent.")
    organization = sending.lock_sender(organization=invitation.organization, user=actor.user)
    sending.check_resend(invitation=invitation)
    sending.check_invitations(organization=organization, user=actor.user)
    _send_again(actor, invitation)
    return invitation


@transaction.atomic
def invitation_revoke(*, actor: Membership, invitation: Invitation) -> Invitation:
    """Withdraw an open invitation; its link stops working at once."""
    invitation = _lock_invitation(actor, invitation)
    if invitation.status != InvitationStatus.PENDING:
        raise ServiceError(f"This invitation was already {invitation.get_status_display().lower()}.")
    invitation.status = InvitationStatus.REVOKED
    invitation.save(update_fields=["status"])
    audit(
        organization=invitation.organization,
        actor=actor.user,
        action="invitation.revoked",
        summary=f"Revoked the invitation to {invitation.email}",
        invitation=invitation.pk,
    )
    return invitation


# --- Several at once --------------------------------------------------------------------

# At most this many addresses in one paste, and invitations in one resend.
BULK_INVITATION_LIMIT = 100


@dataclass
class BulkInvitations:
    """What a bulk invitation or resend did: the invitations sent, and a sentence for each
    address not sent, saying why."""

    sent: list[Invitation] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)


def split_addresses(text: str) -> list[str]:
    """Addresses pasted one per line, or separated by commas or semicolons, as typed."""
    return [part.strip() for line in text.splitlines() for part in line.replace(";", ",").split(",") if part.strip()]


def _address_refusals(organization, addresses: list[str]) -> tuple[list[str], list[str]]:
    """The addresses that may be invited (lowercased, once each), and the others with why.
    Two queries whatever the number of addresses."""
    refused: list[str] = []
    wanted: dict[str, str] = {}  # lowercased -> as typed
    for typed in addresses:
        email = typed.strip().lower()
        try:
            if len(email) > Invitation._meta.get_field("email").max_length:
                raise ValidationError("too long")
            validate_email(email)
        except ValidationError:
            refused.append(f"{typed} is not a valid email address.")
            continue
        if email in wanted:
            refused.append(f"{typed} is listed twice; it is invited once.")
            continue
        wanted[email] = typed
    members = set(
        Membership.objects.filter(organization=organization, is_active=True)
        .annotate(address=Lower("user__email"))
        .filter(address__in=list(wanted))
        .values_list("address", flat=True)
    )
    invited = set(
        Invitation.objects.filter(organization=organization, status=InvitationStatus.PENDING)
        .annotate(address=Lower("email"))
        .filter(address__in=list(wanted))
        .values_list("address", flat=True)
    )
    allowed = []
    for email, typed in wanted.items():
        if email in members:
            refused.append(f"{typed} is already a member of {organization.name}.")
        elif email in invited:
            refused.append(f"{typed} already has an open invitation. Resend it from the list instead.")
        else:
            allowed.append(email)
    return allowed, refused


@transaction.atomic
def invitations_create(
    *,
    actor: Membership,
    emails: list[str],
    member_status: str = MemberStatus.MEMBER,
    is_coordinator: bool = False,
    is_committee: bool = False,
    message: str = "",
) -> BulkInvitations:
    """A coordinator invites several addresses at once, with the same roles and message.

    Each address is checked on its own: one that is not valid, belongs to a member or has
    an open invitation is reported and skipped; the others are invited, each with their
    own email. All of them must fit the sending limits together, or none is sent."""
    organization = actor.organization
    require_coordinator(actor, organization)
    if member_status not in MemberStatus.values:
        raise ServiceError("Choose a member status.", field="member_status")
    limit = Invitation._meta.get_field("message").max_length
    if len(message) > limit:
        raise ServiceError(f"Keep the message to at most {limit} characters.", field="message")
    if not emails:
        raise ServiceError("Enter at least one email address.", field="email")
    if len(emails) > BULK_INVITATION_LIMIT:
        raise ServiceError(
            f"Paste at most {BULK_INVITATION_LIMIT} addresses at once (there are {len(emails)}).", field="email"
        )
    organization = sending.lock_sender(organization=organization, user=actor.user)
    allowed, refused = _address_refusals(organization, emails)
    outcome = BulkInvitations(refused=refused)
    if not allowed:
        return outcome
    sending.check_invitations(organization=organization, user=actor.user, count=len(allowed))
    roles = {"member_status": member_status, "is_coordinator": is_coordinator, "is_committee": is_committee}
    for email in allowed:
        invitation = _invite_one(actor, organization, email, message=message, **roles)
        if invitation is None:  # invited by someone else a moment ago
            outcome.refused.append(f"{email} already has an open invitation.")
        else:
            outcome.sent.append(invitation)
    return outcome


@transaction.atomic
def invitations_resend(*, actor: Membership, ids: list[int]) -> BulkInvitations:
    """Send several open invitations again, each within its own resend limit and all within
    the sending limits: those that cannot go now are reported with why.

    Every id must be an invitation of the actor's organization: one from elsewhere (or
    gone) refuses the whole request and sends nothing."""
    require_coordinator(actor, actor.organization)
    ids = list(dict.fromkeys(int(pk) for pk in ids))
    if not ids:
        raise ServiceError("Select at least one invitation to resend.", field="ids")
    if len(ids) > BULK_INVITATION_LIMIT:
        raise ServiceError(f"Select at most {BULK_INVITATION_LIMIT} invitations at once.", field="ids")
    # The invitations first, then the sender's rows: the order of the single resend.
    invitations = list(
        Invitation.objects.select_for_update(of=("self",))
        .select_related("organization", "invited_by")
        .filter(pk__in=ids, organization=actor.organization)
        .order_by("pk")
    )
    if len(invitations) != len(ids):
        raise ServiceError(
            "Some of the selected invitations are not in this organization any more. Nothing was sent; "
            "reload the page and select again.",
            field="ids",
        )
    organization = sending.lock_sender(organization=actor.organization, user=actor.user)
    outcome = BulkInvitations()
    for invitation in invitations:
        if invitation.status != InvitationStatus.PENDING:
            status = invitation.get_status_display().lower()
            outcome.refused.append(f"The invitation to {invitation.email} was {status}; it cannot be resent.")
            continue
        try:
            sending.check_resend(invitation=invitation)
            sending.check_invitations(organization=organization, user=actor.user)
        except ServiceError as error:
            outcome.refused.append(f"{invitation.email}: {error.message}")
            continue
        _send_again(actor, invitation)
        outcome.sent.append(invitation)
    return outcome


def invitation_for_token(token: str) -> Invitation | None:
    """Look up an invitation by its secret token (the link itself is the credential)."""
    if not token or len(token) > 64:
        return None
    with scopes_disabled():
        return Invitation.objects.select_related("organization", "invited_by").filter(token=token).first()


def _apply_profile_data(membership: Membership, data: dict) -> None:
    """Profile details a roster import carried for this person; what they already wrote
    in their own profile wins."""
    from programs.models import Profile

    values = {k: v for k, v in (data or {}).items() if k in PROFILE_IMPORT_FIELDS and v not in (None, "")}
    if not values:
        return
    profile, created = Profile.objects.get_or_create(
        membership=membership, defaults={"organization": membership.organization, **values}
    )
    if not created:
        missing = {k: v for k, v in values.items() if not getattr(profile, k)}
        if missing:
            for key, value in missing.items():
                setattr(profile, key, value)
            profile.save(update_fields=[*missing, "updated_at"])


def invitation_accept(*, token: str, user) -> Membership:
    """The invited person accepts: their membership is created (or restored) with the invited roles.

    Only the holder of a verified address matching the invitation may accept it, so a
    forwarded link cannot add someone else.
    """
    invitation = invitation_for_token(token)
    if invitation is None:
        raise ServiceError("This invitation link is not valid.")
    organization = invitation.organization
    with scope(organization=organization), transaction.atomic():
        invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if invitation.status == InvitationStatus.REVOKED:
            raise ServiceError("This invitation was withdrawn. Ask the program office for a new one.")
        if invitation.status == InvitationStatus.ACCEPTED:
            if invitation.accepted_by_id == user.pk:
                return Membership.objects.get(organization=organization, user=user)
            raise ServiceError("This invitation has already been used.")
        if invitation.is_expired:
            raise ServiceError("This invitation has expired. Ask the program office to send it again.")
        if not user_has_verified_email(user, invitation.email):
            raise ServiceError(
                f"This invitation was sent to {invitation.email}, but you are signed in as {user.email}. "
                "Sign in with that address, or add and verify it under Account › Email addresses."
            )
        membership, created = Membership.objects.select_for_update().get_or_create(
            organization=organization,
            user=user,
            defaults={
                "status": invitation.member_status,
                "is_coordinator": invitation.is_coordinator,
                "is_committee": invitation.is_committee,
            },
        )
        if not created:
            if membership.is_active:
                # Already a member: an invitation can add roles, never take them away.
                membership.is_coordinator = membership.is_coordinator or invitation.is_coordinator
                membership.is_committee = membership.is_committee or invitation.is_committee
            else:
                # Coming back after removal: exactly what this invitation grants, nothing
                # left over from before.
                membership.status = invitation.member_status
                membership.is_coordinator = invitation.is_coordinator
                membership.is_committee = invitation.is_committee
                membership.is_active = True
                membership.joined_at = timezone.now()
            membership.save()
        _apply_profile_data(membership, invitation.profile_data)
        invitation.status = InvitationStatus.ACCEPTED
        invitation.accepted_at = timezone.now()
        invitation.accepted_by = user
        invitation.save(update_fields=["status", "accepted_at", "accepted_by"])
        audit(
            organization=organization,
            actor=user,
            action="invitation.accepted",
            summary=f"{user.email} joined",
            invitation=invitation.pk,
            membership=membership.pk,
        )
    return membership
