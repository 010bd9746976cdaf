"""Reading the reminder record, and each person's nudge setting (also turned off with the
one-click unsubscribe link of a nudge email, RFC 8058)."""

from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from mentorship.exceptions import ServiceError
from programs.models import Membership, Organization
from programs.services import audit
from surveys.models import Reminder, ReminderScan, ReminderStatus


def reminder_log(*, organization: Organization, search: str = "", kind: str = "", status: str = "") -> QuerySet:
    rows = Reminder.objects.filter(organization=organization).select_related("recipient__user", "program")
    if search:
        rows = rows.filter(
            Q(recipient__user__full_name__icontains=search) | Q(recipient__user__email__icontains=search)
        )
    if kind:
        rows = rows.filter(kind=kind)
    if status:
        rows = rows.filter(status=status)
    return rows.order_by("-created_at", "-pk")


def reminder_summary(*, organization: Organization) -> dict:
    """Counts for the last 30 days, in one query."""
    since = timezone.now() - timedelta(days=30)
    return Reminder.objects.filter(organization=organization, created_at__gte=since).aggregate(
        sent=Count("pk", filter=Q(status=ReminderStatus.SENT)),
        waiting=Count("pk", filter=Q(status__in=[ReminderStatus.PENDING, ReminderStatus.SENDING])),
        skipped=Count("pk", filter=Q(status=ReminderStatus.SKIPPED)),
        failed=Count("pk", filter=Q(status=ReminderStatus.FAILED)),
    )


def last_scan() -> ReminderScan | None:
    return ReminderScan.objects.filter(finished_at__isnull=False).order_by("-started_at").first()


def my_reminders(*, membership: Membership) -> QuerySet:
    return Reminder.objects.filter(recipient=membership).select_related("program").order_by("-created_at", "-pk")


@transaction.atomic
def nudges_set(*, actor: Membership, enabled: bool) -> Membership:
    """A person turns the non-essential nudges (check-ins, surveys) on or off for
    themselves in this organization; reminders of their own obligations still come."""
    member = Membership.objects.select_for_update().get(pk=actor.pk, organization=actor.organization)
    if member.nudges_enabled != enabled:
        member.nudges_enabled = enabled
        member.save(update_fields=["nudges_enabled", "updated_at"])
        audit(
            organization=member.organization,
            actor=member.user,
            action="member.nudges_on" if enabled else "member.nudges_off",
            summary="Turned friendly nudges " + ("on" if enabled else "off"),
        )
    actor.nudges_enabled = enabled
    return member


# --- One-click unsubscribe from nudges (RFC 8058) ----------------------------------------------

UNSUBSCRIBE_SALT = "surveys.nudges.unsubscribe"


def unsubscribe_token(membership: Membership) -> str:
    """A signed token naming one person in one organization (their membership). It is
    sent only to that person, in their nudge emails; it never expires, like the link."""
    return signing.Signer(salt=UNSUBSCRIBE_SALT).sign(str(membership.pk))


def unsubscribe_url(membership: Membership) -> str:
    return settings.SITE_URL + reverse("nudges_unsubscribe", kwargs={"token": unsubscribe_token(membership)})


def membership_for_unsubscribe(token: str) -> Membership | None:
    """The membership a token was made for, or None for a token that was not (tampered
    with, truncated, signed for something else)."""
    try:
        pk = int(signing.Signer(salt=UNSUBSCRIBE_SALT).unsign(token))
    except (signing.BadSignature, ValueError):
        return None
    with scopes_disabled():
        return Membership.objects.select_related("organization", "user").filter(pk=pk).first()


def nudges_unsubscribe(*, token: str) -> Membership:
    """Turn off the nudges of the person a nudge email was sent to, in that email's
    organization only. No sign-in: the signed token is the permission. Idempotent."""
    member = membership_for_unsubscribe(token)
    if member is None:
        raise ServiceError("This unsubscribe link is not valid. Copy the whole link from the email.")
    with scope(organization=member.organization):
        return nudges_set(actor=member, enabled=False)
