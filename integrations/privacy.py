"""The integrations app's part of a person's export and erasure (registered with
``privacy.registry`` in ``IntegrationsConfig.ready``): their calendar links. A person who
is erased from an organization no longer has that organization's meetings in the feed (it
reads active memberships only); once no organization holds them, their links are revoked,
so no calendar keeps polling an erased account. The export lists the links they made
(never a token: only its hash is kept)."""

from django.utils import timezone

from integrations.models import CalendarFeed
from privacy.registry import ExportPart


def calendar_part(user, memberships) -> ExportPart:
    part = ExportPart()
    for feed in CalendarFeed.objects.filter(user=user).order_by("created_at", "pk"):
        part.add(
            "calendar_links",
            {
                "organization": None,
                "starts_with": feed.prefix,
                "created_at": feed.created_at.isoformat(),
                "revoked_at": feed.revoked_at.isoformat() if feed.revoked_at else "",
                "last_fetched_at": feed.last_fetched_at.isoformat() if feed.last_fetched_at else "",
            },
        )
    return part


def calendar_eraser(membership, placeholder: str) -> dict:
    from programs.models import Membership

    others = Membership.objects.filter(user_id=membership.user_id, is_active=True).exclude(pk=membership.pk)
    if others.exists():
        return {}
    revoked = CalendarFeed.objects.filter(user_id=membership.user_id, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    return {"calendar_links_revoked": revoked}
