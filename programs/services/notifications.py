"""The notification centre (issue 18): recording what waits for a person, reading it,
marking it read, and whether it is emailed now.

``notify`` is the one way any app records a notification (every app may import
``programs``). Unread notifications with the same ``key`` collapse into one: the count
rises and it moves to the top. Every change to a person's unread count publishes
``{"event": "notifications"}`` to their open pages after commit
(``mentorship.realtime``), so the bell refreshes.

Titles are metadata the product writes ("Dana Reyes sent you 2 messages"), never what a
person wrote; paths are local paths on this site, never another host's.
"""

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django_scopes import scopes_disabled

from mentorship.exceptions import ServiceError
from mentorship.realtime import publish
from programs.models import Membership
from programs.models.notifications import EmailDelivery, Notification, NotificationCategory
from programs.services.audit import audit

LIVE_EVENT = {"event": "notifications"}
ATTEMPTS = 3


def is_local_path(path: str) -> bool:
    """A path on this site: starts with one "/", no scheme, no host, no backslash (which
    browsers read as a slash), no control characters."""
    return (
        bool(path)
        and path.startswith("/")
        and not path.startswith("//")
        and "\\" not in path
        and not any(ord(c) < 32 or ord(c) == 127 for c in path)
    )


def _changed(recipient_id: int) -> None:
    publish([recipient_id], dict(LIVE_EVENT))


def notify(
    *,
    recipient: Membership,
    kind: str,
    category: str,
    title: str,
    path: str,
    key: str = "",
    title_many: str = "",
) -> tuple[Notification, bool]:
    """Record a notification, or collapse it into the recipient's unread one with the same
    key (count + 1, created_at now, title = ``title_many.format(count=count)`` when given).
    Returns (notification, created). Publishes ``{"event": "notifications"}`` to the
    recipient after commit. Safe under concurrency: the unread-per-key unique constraint
    holds one row; a loser of the race to create it locks the winner's row and adds to it.

    A collapsed notification has news since any email that carried it, so it is emailed
    again (``emailed_at`` and its digest are cleared); an immediate sender calls
    ``mark_emailed`` after sending, as for a new one."""
    if not is_local_path(path) or len(path) > Notification._meta.get_field("path").max_length:
        raise ValueError(f"A notification's path must be a local path on this site, not {path[:80]!r}")
    if category not in NotificationCategory.values:
        raise ValueError(f"Unknown notification category {category!r}")
    key = key[:200]
    title = title[:200]
    with scopes_disabled():
        for attempt in range(1, ATTEMPTS + 1):
            try:
                with transaction.atomic():
                    now = timezone.now()
                    existing = None
                    if key:
                        existing = (
                            Notification.objects.select_for_update()
                            .filter(recipient=recipient, key=key, read_at__isnull=True)
                            .first()
                        )
                    if existing is not None:
                        existing.count += 1
                        existing.created_at = now
                        existing.title = (title_many.format(count=existing.count) if title_many else title)[:200]
                        existing.path = path
                        existing.kind = kind
                        existing.category = category
                        existing.emailed_at = None
                        existing.digest = None
                        existing.save(
                            update_fields=[
                                "count",
                                "created_at",
                                "title",
                                "path",
                                "kind",
                                "category",
                                "emailed_at",
                                "digest",
                            ]
                        )
                        _changed(recipient.pk)
                        return existing, False
                    notification = Notification.objects.create(
                        organization_id=recipient.organization_id,
                        recipient=recipient,
                        kind=kind,
                        category=category,
                        title=title,
                        path=path,
                        key=key,
                        created_at=now,
                    )
                    _changed(recipient.pk)
                    return notification, True
            except IntegrityError:
                # Another transaction created the unread row for this key between our
                # look and our insert; the next attempt finds it and adds to it.
                if not key or attempt == ATTEMPTS:
                    raise
    raise AssertionError("unreachable")  # pragma: no cover


def mark_read_by_key(*, recipient: Membership, key: str) -> int:
    """The person did what the notification asked (consented, signed): its unread
    notification with this key is read. Returns how many were marked (0 or 1)."""
    if not key:
        return 0
    with scopes_disabled():
        marked = Notification.objects.filter(recipient=recipient, key=key, read_at__isnull=True).update(
            read_at=timezone.now()
        )
    if marked:
        _changed(recipient.pk)
    return marked


def mark_read_for_everyone(*, organization_id: int, keys: list[str]) -> int:
    """Mark read every unread notification with these keys in the organization: the thing
    no longer waits for anyone (an offer answered no or withdrawn, an agreement signed by
    both or reopened, a meeting cancelled with its mentorship). One UPDATE."""
    keys = [key for key in keys if key]
    if not keys:
        return 0
    with scopes_disabled():
        rows = Notification.objects.filter(organization_id=organization_id, key__in=keys, read_at__isnull=True)
        recipients = list(rows.values_list("recipient_id", flat=True))
        marked = rows.update(read_at=timezone.now()) if recipients else 0
    if marked:
        publish(recipients, dict(LIVE_EVENT))
    return marked


def wants_email_now(recipient: Membership, category: str) -> bool:
    """Whether an email for this notification goes out now: obligations always (to an
    active member); messages and nudges only to a person who chose "immediately"."""
    if not recipient.is_active:
        return False
    if category == NotificationCategory.OBLIGATION:
        return True
    if category == NotificationCategory.MESSAGE:
        return recipient.messages_email == EmailDelivery.IMMEDIATE
    if category == NotificationCategory.NUDGE:
        return recipient.nudges_email == EmailDelivery.IMMEDIATE
    return False


def mark_emailed(notification: Notification) -> None:
    """An immediate email carried this notification: the digest leaves it out."""
    now = timezone.now()
    with scopes_disabled():
        Notification.objects.filter(pk=notification.pk).update(emailed_at=now)
    notification.emailed_at = now


# --- The person's own notifications: reading and marking read ------------------------------------


def notifications_of(membership: Membership) -> QuerySet:
    """The person's notifications in this organization, newest first (their own only)."""
    return Notification.objects.filter(recipient=membership, organization_id=membership.organization_id).order_by(
        "-created_at", "-pk"
    )


def unread_count(membership: Membership) -> int:
    """One indexed count (recipient, read_at)."""
    return Notification.objects.filter(
        recipient=membership, organization_id=membership.organization_id, read_at__isnull=True
    ).count()


def unread_text(count: int) -> str:
    return f"{count} unread"


def _require_own(actor: Membership, notification: Notification) -> None:
    if notification.recipient_id != actor.pk or notification.organization_id != actor.organization_id:
        raise PermissionDenied("That notification is someone else's.")


def notification_mark_read(*, actor: Membership, notification: Notification) -> Notification:
    """The person read it (opened it, or marked it read). Their own only; idempotent."""
    _require_own(actor, notification)
    if notification.read_at is None:
        now = timezone.now()
        if Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=now):
            _changed(actor.pk)
        notification.read_at = now
    return notification


def notification_open(*, actor: Membership, notification: Notification) -> str:
    """Mark it read and return where to go: its path when it is a local path on this site,
    else ``""`` (the caller shows the list). A stored path is never trusted as a redirect."""
    notification_mark_read(actor=actor, notification=notification)
    return notification.path if is_local_path(notification.path) else ""


def notifications_mark_all_read(*, actor: Membership) -> int:
    """Mark every unread notification of the person read; returns how many."""
    marked = Notification.objects.filter(
        recipient=actor, organization_id=actor.organization_id, read_at__isnull=True
    ).update(read_at=timezone.now())
    if marked:
        _changed(actor.pk)
    return marked


# --- Email preferences ---------------------------------------------------------------------------


@transaction.atomic
def email_preferences_set(*, actor: Membership, messages_email: str, nudges_email: str) -> Membership:
    """A person chooses, for themselves in this organization, how emails about new messages
    and friendly nudges reach them: immediately, in a daily digest, or not at all. Emails
    about something only they can do are always sent at once. ``nudges_enabled`` follows
    (off ⇔ nudges turned off), so the reminders and the one-click unsubscribe agree."""
    choices = EmailDelivery.values
    if messages_email not in choices:
        raise ServiceError("Choose how to hear about new messages.", field="messages_email")
    if nudges_email not in choices:
        raise ServiceError("Choose how to receive friendly nudges.", field="nudges_email")
    member = Membership.objects.select_for_update().get(pk=actor.pk, organization=actor.organization)
    changes = {}
    for field, value in (
        ("messages_email", messages_email),
        ("nudges_email", nudges_email),
        ("nudges_enabled", nudges_email != EmailDelivery.OFF),
    ):
        if getattr(member, field) != value:
            changes[field] = [getattr(member, field), value]
            setattr(member, field, value)
    if changes:
        member.save(update_fields=[*changes, "updated_at"])
        labels = dict(EmailDelivery.choices)
        audit(
            organization=member.organization,
            actor=member.user,
            action="member.email_preferences",
            summary=f"Email preferences: messages {labels[messages_email].lower()}, "
            f"nudges {labels[nudges_email].lower()}",
            changes=changes,
        )
    actor.messages_email, actor.nudges_email, actor.nudges_enabled = (
        member.messages_email,
        member.nudges_email,
        member.nudges_enabled,
    )
    return member
