"""The live socket of an organization's pages (issue 18): ``ws/o/<org_slug>/live/``.

A signed-in person with an active membership in the organization of the URL joins the group
of that membership (``mentorship.realtime.member_group``) and receives, as JSON, the events
published for it: names and ids only (``{"event": "conversation", "conversation": 12}``). The
page then fetches what changed over HTTP, through the permission checks of any page.

Anyone else is refused at the handshake (the same answer for an unknown organization, another
organization's, an ended membership, a signed-out or expired session), as the pages answer 404
to a non-member. The socket is read-only: anything the browser sends closes it. It closes too
when the session ends (its idle or absolute timeout, or signing out) or the membership does,
checked at least every RECHECK_SECONDS; the page then polls and opens a new socket, which is
checked again.
"""

import asyncio
import time
from importlib import import_module

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings
from django.contrib.auth import SESSION_KEY

from mentorship.middleware import session_expires_at
from mentorship.realtime import member_group
from mentorship.tenancy import active_memberships

# How often an open socket checks that its session and membership still hold (seconds).
RECHECK_SECONDS = 300
# Close codes (4000-4999 are the application's): the session or the membership ended; the
# browser sent something (the socket only speaks to it).
CLOSE_SIGNED_OUT = 4401
CLOSE_READ_ONLY = 4400


def live_membership_id(user, org_slug: str) -> int | None:
    """The id of ``user``'s active membership in the organization ``org_slug``, or None
    (signed out, not a member, an ended membership, no such organization)."""
    if user is None or not user.is_authenticated:
        return None
    membership = next((m for m in active_memberships(user=user) if m.organization.slug == org_slug), None)
    return membership.pk if membership is not None else None


def seconds_left(session, now: float) -> float | None:
    """Seconds until the session's timeout ends it; 0 or less when it has; None if unknown."""
    expires_at = session_expires_at(session)
    return None if expires_at is None else expires_at - now


def session_still_live(session_key: str | None, user, org_slug: str) -> float:
    """Read the session again (it may have been signed out or timed out since the socket
    opened) and the membership: the seconds the socket may stay open, 0 when it must close."""
    if not session_key:
        return 0
    store = import_module(settings.SESSION_ENGINE).SessionStore(session_key)
    if str(store.get(SESSION_KEY)) != str(user.pk):
        return 0
    left = seconds_left(store, time.time())
    if left is not None and left <= 0:
        return 0
    if live_membership_id(user, org_slug) is None:
        return 0
    return RECHECK_SECONDS if left is None else min(left, RECHECK_SECONDS)


class LiveConsumer(AsyncJsonWebsocketConsumer):
    group: str | None = None
    watcher: asyncio.Task | None = None

    async def connect(self):
        user = self.scope.get("user")
        session = self.scope.get("session")
        self.org_slug = str(self.scope["url_route"]["kwargs"].get("org_slug", ""))
        membership_id = await database_sync_to_async(self.allowed)(user, session)
        if membership_id is None:
            await self.close()  # before accept: the handshake is refused (HTTP 403)
            return
        self.group = member_group(membership_id)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        self.watcher = asyncio.ensure_future(self.watch(user, session.session_key))

    def allowed(self, user, session) -> int | None:
        if user is None or not user.is_authenticated or session is None:
            return None
        left = seconds_left(session, time.time())
        if left is not None and left <= 0:
            return None
        return live_membership_id(user, self.org_slug)

    async def watch(self, user, session_key: str | None) -> None:
        """Close the socket once the session or the membership has ended."""
        while True:
            left = await database_sync_to_async(session_still_live)(session_key, user, self.org_slug)
            if left <= 0:
                await self.close(code=CLOSE_SIGNED_OUT)
                return
            await asyncio.sleep(left + 1)

    async def disconnect(self, code):
        if self.watcher is not None and self.watcher is not asyncio.current_task():
            self.watcher.cancel()
        if self.group is not None:
            await self.channel_layer.group_discard(self.group, self.channel_name)
            self.group = None

    async def receive(self, text_data=None, bytes_data=None):
        # The socket only speaks to the browser: whatever it sends, the socket closes.
        await self.close(code=CLOSE_READ_ONLY)

    async def live_event(self, message):
        """A ``live.event`` published for this membership (mentorship.realtime): its event, as JSON."""
        event = message.get("event")
        if isinstance(event, dict):
            await self.send_json(event)
