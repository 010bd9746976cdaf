import re
import time
import zoneinfo

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from mentorship import observability, second_factor, timezones
from mentorship.timezones import zone_name_for

HEALTH_PATH = "/healthz"
READY_PATH = "/readyz"
METRICS_PATH = "/metrics"


class HealthCheckMiddleware:
    """Answer the probes and the metrics scrape before host validation and the HTTPS redirect.

    Container health checks call http://127.0.0.1:8000/healthz, which is neither an
    allowed host nor HTTPS in production; the probe must not depend on either. The same
    holds for the readiness probe (/readyz) and Prometheus scraping /metrics from inside
    the network (mentorship.observability: who may read it, what it holds).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method in ("GET", "HEAD"):
            path = request.path
            if path == HEALTH_PATH:
                return HttpResponse("ok", content_type="text/plain")
            if path == READY_PATH:
                return observability.readiness_view(request)
            if path == METRICS_PATH:
                return observability.metrics_view(request)
        return self.get_response(request)


class RequestSizeLimitMiddleware:
    """Refuse a request body over MAX_REQUEST_BODY_BYTES before anything reads it, with a
    page that says so: uploads are otherwise written to disk in full before a form can
    check their size. (A proxy in front should enforce the same limit.)"""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        limit = settings.MAX_REQUEST_BODY_BYTES
        if length > limit:
            return render(request, "413.html", {"limit_mb": limit // (1024 * 1024)}, status=413)
        return self.get_response(request)


class UserTimezoneMiddleware:
    """Show dates and times in the signed-in person's own time zone (stored in UTC).

    Someone who has not chosen a zone reads times in the zone of the organization whose
    page they are on, else in UTC (``mentorship.timezones.zone_name_for``). The
    organization is only known once the tenancy middleware has resolved the URL, which
    runs after this one, so that part waits for ``process_view``."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        timezone.activate(zoneinfo.ZoneInfo(zone_name_for(self._user(request))))
        token = timezones.organization_zone.set("")
        try:
            return self.get_response(request)
        finally:
            timezones.organization_zone.reset(token)
            timezone.deactivate()

    def process_view(self, request, view_func, view_args, view_kwargs):
        organization = getattr(request, "organization", None)
        if organization is not None:
            timezones.organization_zone.set(zone_name_for(None, organization))
            timezone.activate(zoneinfo.ZoneInfo(zone_name_for(self._user(request), organization)))
        return None

    @staticmethod
    def _user(request):
        user = getattr(request, "user", None)
        return user if user is not None and user.is_authenticated else None


def stamp_session_on_login(sender, request, user, **kwargs) -> None:
    """Start the session clocks at sign-in, in the same session write as the login."""
    if request is not None and hasattr(request, "session"):
        now = int(time.time())
        request.session["_auth_started"] = now
        request.session["_last_seen"] = now


# A request a page makes by itself to refresh what it shows (static/js/live.js, nav-badges.js):
# not the person's activity, so it does not keep an idle session alive.
LIVE_REFRESH_HEADER = "X-Live-Refresh"


def session_expires_at(session) -> float | None:
    """When the session's idle or absolute timeout ends it (seconds since the epoch), or None
    when it has no timestamps yet (no page seen). The websockets of live updates close then
    (programs/consumers.py): they are not activity either."""
    started = session.get("_auth_started")
    seen = session.get("_last_seen")
    deadlines = []
    if seen is not None:
        deadlines.append(seen + settings.SESSION_IDLE_TIMEOUT)
    if started is not None:
        deadlines.append(started + settings.SESSION_ABSOLUTE_TIMEOUT)
    return min(deadlines) if deadlines else None


class SessionTimeoutMiddleware:
    """Sign a person out after SESSION_IDLE_TIMEOUT seconds without a request, and in any
    case SESSION_ABSOLUTE_TIMEOUT seconds after they signed in. The last-seen time is
    written at most once a minute, so an active session costs no extra write per request.
    A page's own background refresh (the ``X-Live-Refresh`` header) is not a request of the
    person's: it is signed out like any other, but does not move the last-seen time."""

    TOUCH_EVERY = 60

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = int(time.time())
            session = request.session
            started = session.get("_auth_started")
            seen = session.get("_last_seen")
            idle = seen is not None and now - seen > settings.SESSION_IDLE_TIMEOUT
            expired = started is not None and now - started > settings.SESSION_ABSOLUTE_TIMEOUT
            if idle or expired:
                logout(request)
                messages.info(
                    request,
                    "You were signed out after a period of inactivity. Please sign in again."
                    if idle
                    else "For your security, sessions last at most "
                    f"{settings.SESSION_ABSOLUTE_TIMEOUT // 3600} hours. Please sign in again.",
                )
                if request.method == "GET":
                    return redirect_to_login(request.get_full_path())
                return redirect_to_login("/")
            if started is None:
                session["_auth_started"] = now
            background = LIVE_REFRESH_HEADER in request.headers
            if (seen is None or now - seen >= self.TOUCH_EVERY) and not background:
                session["_last_seen"] = now
        return self.get_response(request)


class CoordinatorMFAMiddleware:
    """Coordinators see members' data and site staff reach every organization in the Django
    admin: until they have set up a second factor, every page except the account pages sends
    them to set one up (mentorship.second_factor says who and when).

    A passed check is noted in the session with the person's requirement stamp, and holds at
    most ten minutes: a role granted or an authenticator removed moves the stamp, so the next
    request checks again, in every session of that person."""

    # /unsubscribe/: an emailed one-click link works for a coordinator still setting up a factor.
    ALLOWED_PREFIXES = ("/accounts/", "/static/", "/favicon.ico", "/healthz", "/unsubscribe/")
    RECHECK_SECONDS = 600
    SESSION_KEY = "_mfa_checked"
    MESSAGES = {
        "coordinator": "Coordinators protect their sign-in with a second factor. Set up an authenticator app "
        "(or a security key) to continue.",
        "staff": "Site staff protect their sign-in with a second factor. Set up an authenticator app "
        "(or a security key) to continue.",
    }

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            (settings.MFA_REQUIRED_FOR_COORDINATORS or settings.MFA_REQUIRED_FOR_STAFF)
            and user is not None
            and user.is_authenticated
            and not request.path.startswith(self.ALLOWED_PREFIXES)
        ):
            reason = self._missing_second_factor(request, user)
            if reason:
                messages.warning(request, self.MESSAGES[reason])
                return redirect("mfa_activate_totp")
        return self.get_response(request)

    def _missing_second_factor(self, request, user) -> str | None:
        """Why this person must still set up a second factor, or None."""
        key = second_factor.requirement_key(user)
        checked = request.session.get(self.SESSION_KEY)
        if (
            isinstance(checked, list)
            and len(checked) == 2
            and checked[0] == key
            and time.time() - checked[1] < self.RECHECK_SECONDS
        ):
            return None
        reason = second_factor.requirement_reason(user)
        if reason and not second_factor.has_second_factor(user):
            request.session.pop(self.SESSION_KEY, None)
            return reason
        request.session[self.SESSION_KEY] = [key, time.time()]
        return None


def _forbidden_in_html() -> re.Pattern:
    """Code points HTML cannot carry, even as a character reference: controls other than
    tab, LF, FF and CR; C1 controls; noncharacters."""
    ranges = ["\x00-\x08", "\x0b", "\x0e-\x1f", "\x7f-\x9f", "\ufdd0-\ufdef"]
    ranges += [chr(plane * 0x10000 + 0xFFFE) + chr(plane * 0x10000 + 0xFFFF) for plane in range(17)]
    return re.compile("[" + "".join(ranges) + "]")


FORBIDDEN_IN_HTML = _forbidden_in_html()
# The same code points as UTF-8 bytes (C0 and DEL; C1 as C2 80-9F; U+FDD0-FDEF; U+FFFE/FFFF
# and the last two of each supplementary plane), and the bytes one of them starts with. A
# page is searched as bytes first, without decoding it: searching the decoded text for the
# ranges above costs milliseconds on every page, and almost no page holds one.
FORBIDDEN_IN_UTF8 = re.compile(
    rb"[\x00-\x08\x0b\x0e-\x1f\x7f]|\xc2[\x80-\x9f]|\xef\xb7[\x90-\xaf]|\xef\xbf[\xbe\xbf]"
    rb"|[\xf0-\xf4][\x8f\x9f\xaf\xbf]\xbf[\xbe\xbf]"
)
FORBIDDEN_UTF8_START = re.compile(rb"[\x00-\x08\x0b\x0e-\x1f\x7f\xc2\xef\xf0-\xf4]")


def may_hold_forbidden(content: bytes) -> bool:
    """False when UTF-8 ``content`` holds none of FORBIDDEN_IN_HTML's code points (quick:
    only the bytes such a code point starts with are looked at closely)."""
    position = 0
    while (start := FORBIDDEN_UTF8_START.search(content, position)) is not None:
        if FORBIDDEN_IN_UTF8.match(content, start.start()):
            return True
        position = start.start() + 1
    return False


class HtmlCodePointMiddleware:
    """Replace the code points HTML forbids with U+FFFD in every HTML page.

    Forms refuse control characters, but a refused value is shown back to the person (in
    the input and in messages such as "Select a valid choice. … is not one of the
    choices"), and older rows may hold one: no escaping makes such a character valid
    HTML, so it is shown as the replacement character instead."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.streaming or not response.get("Content-Type", "").startswith("text/html"):
            return response
        charset = response.charset or "utf-8"
        if charset.lower().replace("_", "-") in ("utf-8", "utf8") and not may_hold_forbidden(response.content):
            return response
        text = response.content.decode(charset, errors="replace")
        if FORBIDDEN_IN_HTML.search(text):
            response.content = FORBIDDEN_IN_HTML.sub("\ufffd", text).encode(charset)
            if response.has_header("Content-Length"):
                response["Content-Length"] = str(len(response.content))
        return response
