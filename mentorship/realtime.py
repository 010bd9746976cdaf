"""Live updates to open pages (issue 18): the one way code tells a person's open pages that
something changed for them. Events carry ids and names of what changed, never text: the
page fetches what it shows over HTTP, through the same permission checks as any page, so
no message text passes through the channel layer (Redis in production).

Each membership has a group, ``member.<pk>``, that its open pages join over a websocket
(``programs.consumers``). ``publish`` sends after the transaction commits; a channel layer
that is down costs the live update only, never the change itself (pages poll instead).
"""

import logging
from collections.abc import Iterable

from django.db import transaction

logger = logging.getLogger(__name__)


def member_group(membership_id: int) -> str:
    return f"member.{membership_id}"


def send_now(membership_ids: Iterable[int], event: dict) -> None:
    from asgiref.sync import async_to_sync

    try:
        from channels.layers import get_channel_layer
    except ImportError:  # no channel layer installed here: pages poll instead
        return

    layer = get_channel_layer()
    if layer is None:
        return
    for pk in sorted(set(membership_ids)):
        try:
            async_to_sync(layer.group_send)(member_group(pk), {"type": "live.event", "event": event})
        except Exception:  # the layer is down or full: the page falls back to polling
            logger.warning("Live event %s for member %s not sent", event.get("event"), pk, exc_info=True)


def publish(membership_ids: Iterable[int], event: dict) -> None:
    """Tell these people's open pages about ``event`` (a dict of ids and names, e.g.
    ``{"event": "conversation", "conversation": 12}``) once the transaction commits."""
    ids = list(membership_ids)
    transaction.on_commit(lambda: send_now(ids, event))
