"""A person's calendar subscription (issue 20): /profile/calendar/ to make, reset or turn off
the link, and the feed itself at /calendar/feed/<token>.ics (the token is the credential)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from integrations import feeds
from integrations.services import calendar as services

TOKEN_KEY = "calendar_feed_once"


def feed_url(request: HttpRequest, token: str) -> str:
    return request.build_absolute_uri(reverse("calendar_feed", kwargs={"token": token}))


@login_required
@require_GET
def calendar_settings(request: HttpRequest) -> HttpResponse:
    token = request.session.pop(TOKEN_KEY, None)
    feed = services.live_feed(request.user)
    url = feed_url(request, token) if token and feed is not None else ""
    return render(request, "integrations/calendar.html", {"feed": feed, "url": url})


@login_required
@require_POST
def calendar_create(request: HttpRequest) -> HttpResponse:
    """Make the link, or reset it (the old one stops working)."""
    had = services.live_feed(request.user) is not None
    _feed, token = services.feed_create(user=request.user)
    request.session[TOKEN_KEY] = token
    messages.success(
        request, "New link made; the old one no longer works." if had else "Your calendar link is ready: copy it now."
    )
    return redirect("calendar_settings")


@login_required
@require_POST
def calendar_turn_off(request: HttpRequest) -> HttpResponse:
    if services.feed_turn_off(user=request.user):
        messages.success(request, "Calendar link turned off: calendars subscribed to it get nothing more.")
    return redirect("calendar_settings")


@require_GET
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    feed = services.feed_for_token(token)
    if feed is None or not feed.user.is_active:
        raise Http404("No such calendar.")
    body = feeds.feed_ics(feed.user)
    services.mark_fetched(feed)
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="mentoring.ics"'
    # Private to the person (never in a shared cache); calendars poll it, so an hour is fine.
    response["Cache-Control"] = "private, max-age=900"
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "no-referrer"
    return response
