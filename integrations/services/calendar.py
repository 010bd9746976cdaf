"""A person's calendar subscription link (issue 20): make it, reset it (the old link stops
working at once), turn it off. The token is shown once; only its SHA-256 is kept."""

import hashlib
import secrets

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from integrations.models import CalendarFeed

PREFIX_LENGTH = 8


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def live_feed(user) -> CalendarFeed | None:
    return CalendarFeed.objects.filter(user=user, revoked_at__isnull=True).first()


def _revoke_live(user) -> int:
    get_user_model().objects.select_for_update().filter(pk=user.pk).first()  # one change at a time per person
    return CalendarFeed.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())


@transaction.atomic
def feed_create(*, user) -> tuple[CalendarFeed, str]:
    """A new link for ``user``, revoking any link they had (a reset). Returns the feed and
    its token, which the caller shows once."""
    _revoke_live(user)
    token = secrets.token_urlsafe(32)
    feed = CalendarFeed.objects.create(user=user, token_hash=token_hash(token), prefix=token[:PREFIX_LENGTH])
    return feed, token


@transaction.atomic
def feed_turn_off(*, user) -> bool:
    """Revoke the person's link; False when they had none."""
    return bool(_revoke_live(user))


def feed_for_token(token: str) -> CalendarFeed | None:
    """The live feed this token opens, or None (unknown or revoked)."""
    if not token or len(token) > 100:
        return None
    return (
        CalendarFeed.objects.filter(token_hash=token_hash(token), revoked_at__isnull=True)
        .select_related("user")
        .first()
    )


def mark_fetched(feed: CalendarFeed) -> None:
    """Remember when a calendar last fetched it (at most once a minute: no write per poll)."""
    now = timezone.now()
    if feed.last_fetched_at is None or (now - feed.last_fetched_at).total_seconds() >= 60:
        CalendarFeed.objects.filter(pk=feed.pk).update(last_fetched_at=now)
