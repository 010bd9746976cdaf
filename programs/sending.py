"""Sending limits: how many emails people can make the site send to addresses they choose.

Invitations (with the inviter's own message, and the organization's contact address as
the reply address) are the way anyone who signs up and starts an organization could use
the site to email strangers. So:

- an organization's invitations wait until its contact address is confirmed (the founder's
  own verified address counts at once; any other address gets a link to confirm);
- each organization sends at most ``INVITATION_LIMIT_PER_ORGANIZATION`` invitation emails
  in 24 hours, and a new one (younger than ``NEW_ORGANIZATION_DAYS``) at most
  ``INVITATION_LIMIT_NEW_ORGANIZATION``;
- each person at most ``INVITATION_LIMIT_PER_PERSON`` in 24 hours, whatever organization
  they send from (starting more organizations does not raise it);
- one invitation is sent at most ``INVITATION_SENDS_PER_INVITATION`` times in 24 hours;
- a confirmation link for the contact address at most ``CONTACT_CONFIRMATIONS_PER_ORGANIZATION``
  times in 24 hours.

Counts are rows of ``SentEmail`` in the window, so they hold across processes and restarts.
The checks run inside the caller's transaction after locking the organization's row and
the sender's, so two concurrent sends cannot both squeeze past a limit. Feedback has its
own limits in ``surveys.services.feedback.feedback_send``.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.formats import date_format
from django_scopes import scopes_disabled

from mentorship.exceptions import ServiceError
from mentorship.timezones import with_zone
from programs.models import Invitation, Organization, SentEmail, SentEmailKind

WINDOW = timedelta(hours=24)


def _when(moment: datetime) -> str:
    local = timezone.localtime(moment)
    if local.date() == timezone.localdate():
        return f"after {date_format(local, 'H:i')}"
    return f"after {date_format(local, 'j M, H:i')}"


def _free_again(times: list[datetime], needed: int) -> datetime:
    """When ``needed`` of the sends counted now will have left the window."""
    times = sorted(times)
    if not times:
        return timezone.now()
    return times[max(1, min(needed, len(times))) - 1] + WINDOW


def lock_sender(*, organization: Organization, user) -> Organization:
    """Lock the organization's row and the sender's, in that order, and return the
    organization as it is now (its contact address may have changed)."""
    organization = Organization.objects.select_for_update().get(pk=organization.pk)
    if user is not None:
        list(get_user_model().objects.select_for_update().filter(pk=user.pk).values_list("pk", flat=True))
    return organization


def is_new(organization: Organization, now: datetime | None = None) -> bool:
    now = now or timezone.now()
    return organization.created_at > now - timedelta(days=settings.NEW_ORGANIZATION_DAYS)


def invitation_limit(organization: Organization, now: datetime | None = None) -> int:
    if is_new(organization, now):
        return min(settings.INVITATION_LIMIT_NEW_ORGANIZATION, settings.INVITATION_LIMIT_PER_ORGANIZATION)
    return settings.INVITATION_LIMIT_PER_ORGANIZATION


def require_confirmed_contact(organization: Organization) -> None:
    if organization.contact_email_confirmed:
        return
    last = (
        SentEmail.objects.filter(organization=organization, kind=SentEmailKind.CONTACT_CONFIRMATION)
        .order_by("-created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    sent = f" We sent it a link on {with_zone(last, 'j M, H:i')}." if last else ""
    raise ServiceError(
        f"Invitations go out with {organization.contact_email} as their reply address, so they wait until "
        f"that address is confirmed.{sent} Open the link in that mailbox, or send it again (or choose your own "
        "address) under Settings."
    )


def check_invitations(*, organization: Organization, user, count: int = 1, now: datetime | None = None) -> None:
    """Refuse, with what to do instead, unless ``count`` more invitation emails fit the
    organization's and the person's limits. The caller holds ``lock_sender``'s locks."""
    require_confirmed_contact(organization)
    now = now or timezone.now()
    since = now - WINDOW
    limit = invitation_limit(organization, now)
    sent = list(
        SentEmail.objects.filter(
            organization=organization, kind=SentEmailKind.INVITATION, created_at__gt=since
        ).values_list("created_at", flat=True)
    )
    what = f"these {count} invitations" if count > 1 else "another invitation"
    most = min(limit, settings.INVITATION_LIMIT_PER_PERSON)
    if count > most:
        raise ServiceError(
            f"This would send {count} invitations at once, more than can go out in a day ({most}). "
            f"Split the file into parts of at most {most} people and import one a day."
        )
    if len(sent) + count > limit:
        left = max(0, limit - len(sent))
        new = (
            f" (a new organization, in its first {settings.NEW_ORGANIZATION_DAYS} days, sends at most {limit} a day)"
            if is_new(organization, now)
            else f" (at most {limit} a day)"
        )
        when = _when(_free_again(sent, len(sent) + count - limit))
        more = f"It can send {left} now, and more {when}." if left else f"It can send more {when}."
        raise ServiceError(
            f"{organization.name} has sent {len(sent)} invitations in the last 24 hours{new}, so {what} "
            f"cannot go out. {more}"
        )
    with scopes_disabled():
        mine = list(
            SentEmail.objects.filter(sent_by=user, kind=SentEmailKind.INVITATION, created_at__gt=since).values_list(
                "created_at", flat=True
            )
        )
    personal = settings.INVITATION_LIMIT_PER_PERSON
    if len(mine) + count > personal:
        left = max(0, personal - len(mine))
        when = _when(_free_again(mine, len(mine) + count - personal))
        more = f"You can send {left} now, and more {when}." if left else f"You can send more {when}."
        raise ServiceError(
            f"You have sent {len(mine)} invitations in the last 24 hours (one person sends at most {personal} a "
            f"day, from all their organizations together), so {what} cannot go out. {more}"
        )


def check_resend(*, invitation: Invitation, now: datetime | None = None) -> None:
    """One invitation is not sent more than ``INVITATION_SENDS_PER_INVITATION`` times a day."""
    now = now or timezone.now()
    times = list(
        SentEmail.objects.filter(invitation=invitation, created_at__gt=now - WINDOW).values_list(
            "created_at", flat=True
        )
    )
    limit = settings.INVITATION_SENDS_PER_INVITATION
    if len(times) >= limit:
        raise ServiceError(
            f"This invitation was sent {len(times)} times in the last 24 hours; it can be sent again "
            f"{_when(_free_again(times, len(times) + 1 - limit))}. If {invitation.email} cannot find it, "
            "ask them to look in their spam folder."
        )


def record_invitation(*, invitation: Invitation, user) -> None:
    SentEmail.objects.create(
        organization_id=invitation.organization_id, kind=SentEmailKind.INVITATION, sent_by=user, invitation=invitation
    )


def check_contact_confirmation(*, organization: Organization, user, now: datetime | None = None) -> None:
    """A confirmation link goes to an address someone typed, with the organization's name
    (their words) in it: at most ``CONTACT_CONFIRMATIONS_PER_ORGANIZATION`` a day per
    organization, and as many per person, whatever organizations they start."""
    now = now or timezone.now()
    limit = settings.CONTACT_CONFIRMATIONS_PER_ORGANIZATION
    times = list(
        SentEmail.objects.filter(
            organization=organization, kind=SentEmailKind.CONTACT_CONFIRMATION, created_at__gt=now - WINDOW
        ).values_list("created_at", flat=True)
    )
    with scopes_disabled():
        mine = list(
            SentEmail.objects.filter(
                sent_by=user, kind=SentEmailKind.CONTACT_CONFIRMATION, created_at__gt=now - WINDOW
            ).values_list("created_at", flat=True)
        )
    for sent, who in ((times, "A confirmation link was sent"), (mine, "You have had confirmation links sent")):
        if len(sent) >= limit:
            raise ServiceError(
                f"{who} {len(sent)} times in the last 24 hours; another can be sent "
                f"{_when(_free_again(sent, len(sent) + 1 - limit))}. Look for the last one in the contact mailbox "
                "(and its spam folder), or choose one of your own verified addresses as the contact address."
            )


def record_contact_confirmation(*, organization: Organization, user) -> None:
    SentEmail.objects.create(organization=organization, kind=SentEmailKind.CONTACT_CONFIRMATION, sent_by=user)
