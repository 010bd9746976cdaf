"""Live updates to open pages (issue 18): the one way code tells a person's open pages that
something changed for them. Events carry ids and names of what changed, never text: the
page fetches what it shows over HTTP, through the same permission checks as any page, so
no message text passes through the channel layer (Redis in production).

Each membership has a group, ``member.<pk>``, that its open pages join over a websocket
(``programs.consumers``). ``publish`` sends after the transaction commits; a channel layer
that is down costs the live update only, never the change itself (pages poll instead).

The events, and what the page does with each (static/js/live.js):

- ``{"event": "conversation", "conversation": <id>}``: every ``[data-live-conversation="<id>"]``
  element gets a ``live-refresh`` DOM event (htmx refetches it);
- ``{"event": "notifications"}``: every ``[data-live-notifications]`` element and the
  navigation's counts refresh.

The kernel also puts the websocket routes together (``mentorship/asgi.py``) without importing
an app: each installed project app may have a ``routing`` module with ``websocket_urlpatterns``,
found by name as the root URLconf includes each app's ``urls``.
"""

import importlib
import importlib.util
import logging
from collections.abc import Iterable
from pathlib import Path

from django.db import transaction

logger = logging.getLogger(__name__)

# An event is a small dict of names and ids: ``{"event": "<name>", "<name>": <id>}``.
EVENT_KEYS_MAX = 4


def member_group(membership_id: int) -> str:
    return f"member.{membership_id}"


def check_event(event: dict) -> dict:
    """An event as the channel layer may carry it: a name and ids, never text."""
    if not isinstance(event, dict) or not isinstance(event.get("event"), str) or len(event) > EVENT_KEYS_MAX:
        raise ValueError(f"not a live event: {event!r}")
    for key, value in event.items():
        if key != "event" and not (isinstance(value, int) and not isinstance(value, bool)):
            raise ValueError(f"live events carry ids only: {key}={value!r}")
    return event


async def send_to_groups(layer, groups: list[str], message: dict) -> None:
    for group in groups:
        try:
            await layer.group_send(group, message)
        except Exception:  # the layer is down or full: the page falls back to polling
            logger.warning("Live event %s for %s not sent", message["event"].get("event"), group, exc_info=True)


def send_now(membership_ids: Iterable[int], event: dict) -> None:
    """Send ``event`` to these members' open pages now (from synchronous code: a view, a task)."""
    from asgiref.sync import async_to_sync

    try:
        from channels.layers import get_channel_layer
    except ImportError:  # no channel layer installed here: pages poll instead
        return

    check_event(event)
    groups = [member_group(pk) for pk in sorted(set(membership_ids))]
    layer = get_channel_layer()
    if layer is None or not groups:
        return
    try:  # one event loop (and one Redis connection) for all the groups
        async_to_sync(send_to_groups)(layer, groups, {"type": "live.event", "event": event})
    except Exception:
        logger.warning("Live event %s not sent", event.get("event"), exc_info=True)


def publish(membership_ids: Iterable[int], event: dict) -> None:
    """Tell these people's open pages about ``event`` (a dict of ids and names, e.g.
    ``{"event": "conversation", "conversation": 12}``) once the transaction commits."""
    ids = list(membership_ids)
    check_event(event)
    transaction.on_commit(lambda: send_now(ids, event))


def project_apps() -> list[str]:
    """The installed apps that are this project's own (a folder beside the kernel)."""
    from django.apps import apps

    root = Path(__file__).resolve().parent.parent
    return [config.name for config in apps.get_app_configs() if Path(config.path).parent == root]


def websocket_urlpatterns() -> list:
    """Every project app's ``routing.websocket_urlpatterns``, floor by floor (INSTALLED_APPS order)."""
    patterns = []
    for app in project_apps():
        name = f"{app}.routing"
        if importlib.util.find_spec(name) is None:
            continue
        patterns += importlib.import_module(name).websocket_urlpatterns
    return patterns
