"""Organization and membership actions: founding an organization, its settings and its
confirmed contact address, a member's status and roles.

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
from mentorship.timezones import TIME_ZONES
from programs import sending
from programs.models import ORGANIZATION_SLUG_STEM_LENGTH, Membership, MemberStatus, Organization
from programs.services.access import require_coordinator
from programs.services.audit import apply_changes, audit

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
def organization_update(
    *,
    actor: Membership,
    name: str,
    contact_email: str,
    description: str,
    time_zone: str | None = None,
    brand_colour: str | None = None,
) -> Organization:
    """Coordinators edit their organization's name, contact address, description, brand
    colour and time zone (the one its members read times in until they choose their own).

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
    if time_zone is not None:
        if time_zone not in TIME_ZONES:
            raise ServiceError("Choose a time zone from the list.", field="time_zone")
        organization.time_zone = time_zone
    if brand_colour:
        organization.brand_colour = brand_colour.lower()
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


def user_has_verified_email(user, email: str) -> bool:
    from allauth.account.models import EmailAddress

    return EmailAddress.objects.filter(user=user, email__iexact=email, verified=True).exists()


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
