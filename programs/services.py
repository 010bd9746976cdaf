"""Organization, membership and invitation actions.

One function per business action. Each is transactional, checks the acting person's role
in the organization that owns the object, and records an ``AuditEvent``. Callers pass
objects they loaded inside the organization's scope; the services re-check ownership so
a foreign id can never act across tenants.
"""

from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import get_random_string
from django_scopes import scope, scopes_disabled

from mentorship.exceptions import ServiceError
from mentorship.mail import queue_email, render_email
from programs import sending
from programs.models import (
    ORGANIZATION_SLUG_STEM_LENGTH,
    PROFILE_IMPORT_FIELDS,
    AuditEvent,
    Invitation,
    InvitationStatus,
    Membership,
    MemberStatus,
    Organization,
)


def audit(*, organization: Organization, actor, action: str, summary: str, **data) -> AuditEvent:
    return AuditEvent.objects.create(
        organization=organization, actor=actor, action=action, summary=summary[:300], data=data
    )


def apply_changes(obj, values) -> dict:
    """Set each (field, value) on ``obj``; return {field: [old, new]} for those that changed
    (for the audit trail). The caller saves when the result is not empty."""
    changes = {}
    for field, value in values:
        if getattr(obj, field) != value:
            changes[field] = [getattr(obj, field), value]
            setattr(obj, field, value)
    return changes


def require_coordinator(actor: Membership, organization: Organization) -> None:
    """The actor must be an active coordinator of ``organization`` *now*.

    Called inside the service's transaction: the actor's row is re-read under a lock, so
    a coordinator demoted a moment ago (or concurrently) can no longer act.
    """
    if actor is None or actor.organization_id != organization.pk:
        raise PermissionDenied("Only the organization's coordinators can do this.")
    still_coordinator = list(
        Membership.objects.select_for_update()
        .filter(pk=actor.pk, organization=organization, is_active=True, is_coordinator=True)
        .values_list("pk", flat=True)
    )
    if not still_coordinator:
        raise PermissionDenied("Only the organization's coordinators can do this.")


# --- Organizations ----------------------------------------------------------------


SLUG_SUFFIX_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"  # no 0/o, 1/l/i: easy to read aloud


def _organization_slug(stem: str) -> str:
    stem = stem.strip("-")[:ORGANIZATION_SLUG_STEM_LENGTH].strip("-") or "organization"
    return f"{stem}-{get_random_string(4, SLUG_SUFFIX_ALPHABET)}"


@transaction.atomic
def organization_create(*, user, name: str, slug: str, contact_email: str, description: str = "") -> Organization:
    """Any signed-in person may start an organization; they become its first coordinator.

    ``slug`` is only the stem of the web address: four random characters are always added,
    so what the founder gets never depends on which addresses exist, and nobody learns
    whether an organization exists by trying to create it (its pages are a 404 to
    outsiders for the same reason)."""
    for _attempt in range(20):
        candidate = _organization_slug(slug)
        if Organization.objects.filter(slug=candidate).exists():
            continue
        try:
            with transaction.atomic():
                organization = Organization.objects.create(
                    name=name, slug=candidate, contact_email=contact_email, description=description
                )
        except IntegrityError:  # taken a moment ago by someone else
            continue
        break
    else:  # 31**4 endings per stem: only reachable if the stem has been used about a million times
        raise ServiceError("Could not find a free web address; try another one.", field="slug")
    with scope(organization=organization):
        Membership.objects.create(organization=organization, user=user, is_coordinator=True)
        audit(organization=organization, actor=user, action="organization.created", summary=f"Created {name}")
        _confirm_or_ask(organization, user)
    return organization


@transaction.atomic
def organization_update(*, actor: Membership, name: str, contact_email: str, description: str) -> Organization:
    """Coordinators edit their organization's name, contact address and description.

    A new contact address is confirmed at once if it is one of the coordinator's own
    verified addresses; otherwise it gets a confirmation link and invitations wait
    (``programs.sending``)."""
    organization = actor.organization
    require_coordinator(actor, organization)
    organization = Organization.objects.select_for_update().get(pk=organization.pk)
    new_address = contact_email.strip().lower() != organization.contact_email.strip().lower()
    organization.name = name
    organization.contact_email = contact_email
    organization.description = description
    if new_address:
        organization.contact_email_confirmed_at = None
    organization.full_clean()
    organization.save()
    audit(organization=organization, actor=actor.user, action="organization.updated", summary="Updated settings")
    if new_address:
        _confirm_or_ask(organization, actor.user)
    return organization


# --- The contact address -------------------------------------------------------------------

CONTACT_TOKEN_SALT = "programs.organization-contact-address"


def contact_confirmation_token(organization: Organization) -> str:
    """A signed link token naming the organization and the address it confirms, so a
    link sent for an earlier address confirms nothing."""
    return signing.dumps(
        {"o": organization.pk, "e": organization.contact_email.strip().lower()}, salt=CONTACT_TOKEN_SALT
    )


def organization_for_contact_token(token: str) -> Organization | None:
    """The organization whose current contact address the token confirms, or None (a
    forged, expired or outdated link)."""
    if not token or len(token) > 300:
        return None
    try:
        data = signing.loads(token, salt=CONTACT_TOKEN_SALT, max_age=timedelta(days=settings.CONTACT_CONFIRMATION_DAYS))
    except signing.BadSignature:  # SignatureExpired too
        return None
    if not isinstance(data, dict) or not isinstance(data.get("o"), int):
        return None
    organization = Organization.objects.filter(pk=data["o"]).first()
    if organization is None or organization.contact_email.strip().lower() != data.get("e"):
        return None
    return organization


def _confirm_or_ask(organization: Organization, user) -> None:
    """Confirm the contact address if it is one of ``user``'s verified addresses (they
    proved it at sign-up or under Account); otherwise email it a confirmation link."""
    if user_has_verified_email(user, organization.contact_email):
        organization.contact_email_confirmed_at = timezone.now()
        organization.save(update_fields=["contact_email_confirmed_at"])
        return
    sending.check_contact_confirmation(organization=organization, user=user)
    url = settings.SITE_URL + reverse(
        "organization_contact_confirm", kwargs={"token": contact_confirmation_token(organization)}
    )
    queue_email(
        render_email(
            "email/organization_contact_confirm",
            {
                "organization": organization,
                "requested_by": user.full_name or user.email,
                "confirm_url": url,
                "valid_days": settings.CONTACT_CONFIRMATION_DAYS,
            },
            to=[organization.contact_email],
        )
    )
    sending.record_contact_confirmation(organization=organization, user=user)


@transaction.atomic
def organization_contact_confirmation_send(*, actor: Membership) -> Organization:
    """A coordinator asks for the confirmation link again (or, when the contact address is
    one of their own verified addresses, has it confirmed at once)."""
    require_coordinator(actor, actor.organization)
    organization = sending.lock_sender(organization=actor.organization, user=actor.user)
    if organization.contact_email_confirmed:
        raise ServiceError(f"{organization.contact_email} is already confirmed.")
    _confirm_or_ask(organization, actor.user)
    audit(
        organization=organization,
        actor=actor.user,
        action="organization.contact_confirmation_sent",
        summary=f"Asked {organization.contact_email} to confirm it is the contact address",
    )
    return organization


@transaction.atomic
def organization_contact_confirm(*, token: str) -> Organization:
    """Whoever reads the contact mailbox confirms the address with the emailed link (no
    account needed: the mailbox may be a shared office address). Confirming twice is
    harmless."""
    with scopes_disabled():
        found = organization_for_contact_token(token)
    if found is None:
        raise ServiceError(
            "This confirmation link is not valid any more: it expired, or the contact address changed since it "
            "was sent. A coordinator can send a new one from Settings."
        )
    organization = Organization.objects.select_for_update().get(pk=found.pk)
    if organization.contact_email_confirmed:
        return organization
    organization.contact_email_confirmed_at = timezone.now()
    organization.save(update_fields=["contact_email_confirmed_at"])
    with scope(organization=organization):
        audit(
            organization=organization,
            actor=None,
            action="organization.contact_confirmed",
            summary=f"{organization.contact_email} was confirmed as the contact address",
        )
    return organization


# --- Memberships ------------------------------------------------------------------


@transaction.atomic
def membership_update(
    *,
    actor: Membership,
    membership: Membership,
    status: str,
    is_coordinator: bool,
    is_committee: bool,
    is_active: bool,
) -> Membership:
    """Coordinators change a member's status and roles, or remove them (history is kept).

    Guarantees the organization always keeps at least one active coordinator.
    """
    organization = actor.organization
    if membership.organization_id != organization.pk:
        raise PermissionDenied("That member belongs to another organization.")
    if status not in MemberStatus.values:
        raise ServiceError("Choose a valid member status.", field="status")
    # Lock every coordinator row (in a fixed order, so two requests cannot deadlock)
    # before checking: two coordinators demoting each other at once cannot both pass.
    coordinators = list(
        Membership.objects.select_for_update()
        .filter(organization=organization, is_coordinator=True, is_active=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if actor.pk not in coordinators:
        raise PermissionDenied("Only the organization's coordinators can do this.")
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    loses_coordination = membership.pk in coordinators and (not is_coordinator or not is_active)
    if loses_coordination and len(coordinators) == 1:
        raise ServiceError("An organization needs at least one coordinator. Make someone else a coordinator first.")
    changes = apply_changes(
        membership,
        (
            ("status", status),
            ("is_coordinator", is_coordinator),
            ("is_committee", is_committee),
            ("is_active", is_active),
        ),
    )
    if changes:
        membership.save()
        verb = "Removed" if changes.get("is_active") == [True, False] else "Updated"
        audit(
            organization=organization,
            actor=actor.user,
            action="membership.updated",
            summary=f"{verb} {membership.user.email}",
            membership=membership.pk,
            changes=changes,
        )
    return membership


# --- Invitations ------------------------------------------------------------------


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
    try:
        with transaction.atomic():
            invitation = Invitation.objects.create(
                organization=organization,
                email=email,
                member_status=member_status,
                is_coordinator=is_coordinator,
                is_committee=is_committee,
                message=message,
                invited_by=actor.user,
            )
    except IntegrityError:
        raise ServiceError(f"{email} already has an open invitation.", field="email") from None
    _send_invitation(invitation, sender=actor.user)
    audit(
        organization=organization,
        actor=actor.user,
        action="invitation.created",
        summary=f"Invited {email}",
        invitation=invitation.pk,
    )
    return invitation


def _lock_invitation(actor: Membership, invitation: Invitation) -> Invitation:
    require_coordinator(actor, actor.organization)
    if invitation.organization_id != actor.organization_id:
        raise PermissionDenied("That invitation belongs to another organization.")
    return Invitation.objects.select_for_update().get(pk=invitation.pk)


@transaction.atomic
def invitation_resend(*, actor: Membership, invitation: Invitation) -> Invitation:
    """Send an open invitation again; an expired one gets a fresh validity period."""
    invitation = _lock_invitation(actor, invitation)
    if invitation.status != InvitationStatus.PENDING:
        raise ServiceError(f"This invitation was {invitation.get_status_display().lower()}; it cannot be resent.")
    organization = sending.lock_sender(organization=invitation.organization, user=actor.user)
    sending.check_resend(invitation=invitation)
    sending.check_invitations(organization=organization, user=actor.user)
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


def invitation_for_token(token: str) -> Invitation | None:
    """Look up an invitation by its secret token (the link itself is the credential)."""
    if not token or len(token) > 64:
        return None
    with scopes_disabled():
        return Invitation.objects.select_related("organization", "invited_by").filter(token=token).first()


def user_has_verified_email(user, email: str) -> bool:
    from allauth.account.models import EmailAddress

    return EmailAddress.objects.filter(user=user, email__iexact=email, verified=True).exists()


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
