from django.conf import settings
from django.core.handlers.asgi import ASGIRequest
from django.utils.functional import SimpleLazyObject

from programs.nav import Navigation
from programs.routing import live_path
from programs.selectors.organizations import memberships_for_user


def memberships(request):
    """The person's organizations (for the switcher) and what needs them in the current
    organization (the navigation's badges), each read only if a template asks."""
    user = getattr(request, "user", None)

    def _mine():
        if user is None or not user.is_authenticated:
            return []
        read = getattr(request, "active_memberships", None)  # an organization's page read them already
        if read is not None:
            return read
        return list(memberships_for_user(user=user))

    return {"my_memberships": SimpleLazyObject(_mine), "nav": Navigation(request)}


def live(request):
    """Live updates (issue 18, static/js/live.js): the path of the organization's live socket
    for a member's page, and whether the page may open it. Under ASGI (`make run`) the server
    of the page answers websockets too; behind the production proxy LIVE_WEBSOCKETS says so;
    otherwise (gunicorn alone, the test server) the page polls and never tries a socket, which
    would only fail (and log an error in the browser's console)."""
    membership = getattr(request, "membership", None)
    if membership is None:
        return {}
    websocket = settings.LIVE_WEBSOCKETS
    if websocket is None:
        websocket = isinstance(request, ASGIRequest)
    return {"live_url": live_path(membership.organization.slug), "live_websocket": websocket}
