"""The websocket routes of programs (issue 18), collected by the kernel's ASGI application
(``mentorship.realtime.websocket_urlpatterns``) as the root URLconf collects ``urls``.

One route: an organization's live socket, over which a member's open pages of that
organization hear that something changed for them (ids only; programs/consumers.py)."""

from django.urls import path

from programs.consumers import LiveConsumer

# Where the socket of an organization stands: /ws/o/<org_slug>/live/ (nginx sends /ws/ to
# the ASGI server in production).
LIVE_ROUTE = "ws/o/<slug:org_slug>/live/"


def live_path(org_slug: str) -> str:
    """The path a page of this organization opens its live socket on (base.html, data-live-url)."""
    return "/" + LIVE_ROUTE.replace("<slug:org_slug>", org_slug)


websocket_urlpatterns = [path(LIVE_ROUTE, LiveConsumer.as_asgi(), name="live")]
