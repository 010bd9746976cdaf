"""Issue 18, live updates: the organization's live socket (programs/consumers.py, through the
whole ASGI application of mentorship/asgi.py), the events of mentorship/realtime.py, and what a
page is told about them (programs.context_processors.live, the session's idle timeout).

The websocket routes have their own isolation matrix and bad-input sweep here (the matrix of
tests/test_isolation_matrix.py walks the HTTP resolver only): every route that any app's
``routing`` module declares must have a rule in WEBSOCKET_RULES, or the test fails.
"""

import asyncio
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import SESSION_KEY
from django.test import AsyncClient, Client, override_settings
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from mentorship import realtime
from programs import consumers
from programs.routing import live_path
from tests import isolation_rules as rules
from tests.factories import MembershipFactory, OrganizationFactory, dana_and_nia

pytestmark = pytest.mark.django_db(transaction=True)

REDIS_LAYER = "Redis" in django_settings.CHANNEL_LAYERS["default"]["BACKEND"]
# Who may open each websocket route of organization A (tests/isolation_rules.py's roles). With
# organization B's slug, or a slug nobody has, nobody in A may.
WEBSOCKET_RULES = {
    "ws/o/<slug:org_slug>/live/": rules.MEMBERS,
}


def run(coroutine):
    """Run a coroutine to its end on an event loop of its own, in a thread of its own: the
    browser tests' Playwright keeps an event loop running in the main thread for the session."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def cookie_of(membership_or_user) -> str:
    user = getattr(membership_or_user, "user", membership_or_user)
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


def socket(server, path: str, cookie: str | None = None, origin: str | None = "same"):
    """A websocket client on the ASGI test server (uvicorn: the real handshake)."""
    headers = {"Cookie": f"sessionid={cookie}"} if cookie is not None else {}
    return connect(
        server.ws_url + path,
        origin=server.url if origin == "same" else origin,
        additional_headers=headers,
        open_timeout=10,
        max_size=2**20,
    )


def opens(server, path: str, cookie: str | None = None, origin: str | None = "same") -> bool:
    async def attempt():
        try:
            async with socket(server, path, cookie, origin):
                return True
        except InvalidStatus as refused:
            assert refused.response.status_code == 403, refused.response.status_code
            return False

    return run(attempt())


async def received(websocket, timeout: float = 5):
    import json

    return json.loads(await asyncio.wait_for(websocket.recv(), timeout))


async def nothing(websocket, timeout: float = 0.3) -> bool:
    try:
        await asyncio.wait_for(websocket.recv(), timeout)
    except TimeoutError:
        return True
    return False


@pytest.fixture
def world():
    org_a = OrganizationFactory(name="Alpha Surgical Society", slug="alpha")
    org_b = OrganizationFactory(name="Bravo Anesthesiology Department", slug="bravo")
    pair = dana_and_nia(org_a)
    return {
        "org_a": org_a,
        "org_b": org_b,
        rules.MEMBER: MembershipFactory(organization=org_a),
        rules.MENTOR: pair.mentor,
        rules.MENTEE: pair.mentee,
        rules.COMMITTEE: MembershipFactory(organization=org_a, is_committee=True),
        rules.COORDINATOR: MembershipFactory(organization=org_a, is_coordinator=True),
        rules.OTHER_COORDINATOR: MembershipFactory(organization=org_b, is_coordinator=True),
    }


# --- Who may open the socket ------------------------------------------------------------


def test_every_websocket_route_has_a_rule():
    routes = {str(pattern.pattern) for pattern in realtime.websocket_urlpatterns()}
    assert routes == set(WEBSOCKET_RULES), "state who may open each websocket route in WEBSOCKET_RULES"


def test_the_websocket_isolation_matrix(world, asgi_live_server):
    """Every route × every role, with organization A's slug, B's and one nobody has."""
    cookies = {role: cookie_of(world[role]) for role in rules.ROLES if role != rules.ANONYMOUS}
    cookies[rules.ANONYMOUS] = None
    found, expected = {}, {}
    for route, allowed in WEBSOCKET_RULES.items():
        for slug, who in (("alpha", allowed), ("bravo", frozenset()), ("nobody-has-this", frozenset())):
            path = "/" + route.replace("<slug:org_slug>", slug)
            for role in rules.ROLES:
                if slug == "bravo" and role == rules.OTHER_COORDINATOR:
                    continue  # B's own coordinator in B: allowed, below
                found[(path, role)] = opens(asgi_live_server, path, cookies[role])
                expected[(path, role)] = role in who
    assert found == expected
    assert opens(asgi_live_server, live_path("bravo"), cookies[rules.OTHER_COORDINATOR])


def test_an_anonymous_visitor_is_refused(world, asgi_live_server):
    assert not opens(asgi_live_server, live_path("alpha"))
    assert not opens(asgi_live_server, live_path("alpha"), "not-a-session-key")


def test_a_member_of_another_organization_is_refused(world, asgi_live_server):
    assert not opens(asgi_live_server, live_path("alpha"), cookie_of(world[rules.OTHER_COORDINATOR]))


def test_an_ended_membership_is_refused(world, asgi_live_server):
    member = world[rules.MEMBER]
    cookie = cookie_of(member)
    assert opens(asgi_live_server, live_path("alpha"), cookie)
    member.is_active = False
    member.save(update_fields=["is_active"])
    assert not opens(asgi_live_server, live_path("alpha"), cookie)


def test_a_deactivated_person_is_refused(world, asgi_live_server):
    member = world[rules.MEMBER]
    cookie = cookie_of(member)
    member.user.is_active = False
    member.user.save(update_fields=["is_active"])
    assert not opens(asgi_live_server, live_path("alpha"), cookie)


def test_an_unknown_organization_is_refused(world, asgi_live_server):
    assert not opens(asgi_live_server, live_path("nobody-has-this"), cookie_of(world[rules.MEMBER]))


def test_another_sites_page_cannot_open_it(world, asgi_live_server):
    cookie = cookie_of(world[rules.MEMBER])
    assert opens(asgi_live_server, live_path("alpha"), cookie, origin="http://localhost:8000")
    assert not opens(asgi_live_server, live_path("alpha"), cookie, origin="https://evil.example.com")
    assert not opens(asgi_live_server, live_path("alpha"), cookie, origin=None)


def _session(key: str) -> dict:
    from importlib import import_module

    return dict(import_module(django_settings.SESSION_ENGINE).SessionStore(key).load())


def _age_session(key: str, **stamps) -> None:
    from importlib import import_module

    store = import_module(django_settings.SESSION_ENGINE).SessionStore(key)
    store.load()
    for name, value in stamps.items():
        store[name] = value
    store.save()


def test_a_session_past_its_idle_or_absolute_timeout_is_refused(world, asgi_live_server, settings):
    now = int(time.time())
    idle = cookie_of(world[rules.MEMBER])
    _age_session(idle, _last_seen=now - settings.SESSION_IDLE_TIMEOUT - 5, _auth_started=now - 100)
    assert not opens(asgi_live_server, live_path("alpha"), idle)
    old = cookie_of(world[rules.MENTOR])
    _age_session(old, _last_seen=now, _auth_started=now - settings.SESSION_ABSOLUTE_TIMEOUT - 5)
    assert not opens(asgi_live_server, live_path("alpha"), old)
    fresh = cookie_of(world[rules.MENTEE])
    _age_session(fresh, _last_seen=now - 60, _auth_started=now - 3600)
    assert opens(asgi_live_server, live_path("alpha"), fresh)


# --- What a member hears ----------------------------------------------------------------


def test_a_member_receives_their_own_events_and_nobody_elses(world, asgi_live_server):
    mentor, mentee, coordinator = world[rules.MENTOR], world[rules.MENTEE], world[rules.COORDINATOR]
    mine_cookie, theirs_cookie = cookie_of(mentor), cookie_of(coordinator)

    async def scenario():
        async with (
            socket(asgi_live_server, live_path("alpha"), mine_cookie) as mine,
            socket(asgi_live_server, live_path("alpha"), theirs_cookie) as theirs,
        ):
            await asyncio.to_thread(
                asgi_live_server.publish, [mentor.pk, mentee.pk], {"event": "conversation", "conversation": 12}
            )
            assert await received(mine) == {"event": "conversation", "conversation": 12}
            assert await nothing(theirs)

            await asyncio.to_thread(asgi_live_server.publish, [coordinator.pk], {"event": "notifications"})
            assert await received(theirs) == {"event": "notifications"}
            assert await nothing(mine)

    run(scenario())


def test_two_pages_of_one_person_both_hear_it(world, asgi_live_server):
    member = world[rules.MEMBER]
    cookie = cookie_of(member)

    async def scenario():
        async with socket(asgi_live_server, live_path("alpha"), cookie) as second:
            async with socket(asgi_live_server, live_path("alpha"), cookie) as first:
                await asyncio.to_thread(asgi_live_server.publish, [member.pk], {"event": "notifications"})
                assert await received(first) == {"event": "notifications"}
                assert await received(second) == {"event": "notifications"}
            await asyncio.sleep(0.2)  # the first page is gone
            await asyncio.to_thread(asgi_live_server.publish, [member.pk], {"event": "notifications"})
            assert await received(second) == {"event": "notifications"}

    run(scenario())


@pytest.mark.skipif(not REDIS_LAYER, reason="the in-memory layer serves one process's event loop only")
def test_send_now_from_another_thread_reaches_the_socket_through_redis(world, asgi_live_server):
    member = world[rules.MEMBER]
    cookie = cookie_of(member)

    async def scenario():
        async with socket(asgi_live_server, live_path("alpha"), cookie) as page:
            await asyncio.sleep(0.2)  # the subscription reaches Redis
            await asyncio.to_thread(realtime.send_now, [member.pk], {"event": "conversation", "conversation": 3})
            assert await received(page) == {"event": "conversation", "conversation": 3}

    run(scenario())


def test_publish_sends_once_the_transaction_commits(world, monkeypatch):
    from django.db import transaction

    sent = []
    monkeypatch.setattr(realtime, "send_now", lambda ids, event: sent.append((ids, event)))
    with transaction.atomic():
        realtime.publish([3, 1], {"event": "conversation", "conversation": 12})
        assert sent == []
    assert sent == [([3, 1], {"event": "conversation", "conversation": 12})]
    with pytest.raises(RuntimeError), transaction.atomic():
        realtime.publish([5], {"event": "notifications"})
        raise RuntimeError("rolled back")
    assert len(sent) == 1  # a change that was rolled back is never announced


@pytest.mark.parametrize(
    "event",
    [
        {"event": "conversation", "conversation": 12, "body": "See you Tuesday"},
        {"event": "conversation", "conversation": "12"},
        {"event": "conversation", "conversation": True},
        {"event": 7},
        {"conversation": 12},
        "conversation",
        {"event": "x", "a": 1, "b": 2, "c": 3, "d": 4},
    ],
)
def test_an_event_carries_a_name_and_ids_never_text(event):
    with pytest.raises(ValueError):
        realtime.publish([1], event)
    with pytest.raises(ValueError):
        realtime.send_now([1], event)


def test_a_channel_layer_that_is_down_costs_the_live_update_only(world, monkeypatch):
    class Down:
        async def group_send(self, group, message):
            raise ConnectionError("Redis is down")

    warnings = []
    monkeypatch.setattr("channels.layers.get_channel_layer", lambda *args: Down())
    # The logger itself, not caplog: an earlier test of the run may have configured logging
    # again (disabling existing loggers), which empties caplog but not this.
    monkeypatch.setattr(realtime.logger, "warning", lambda text, *args, **kwargs: warnings.append(text % args))
    realtime.send_now([world[rules.MEMBER].pk], {"event": "notifications"})  # no exception
    assert warnings and all("not sent" in text for text in warnings)


# --- Bad input on every websocket route ------------------------------------------------------

JUNK = [
    ("text", "hello"),
    ("text", '{"event": "notifications"}'),
    ("text", "x" * 200_000),
    ("text", "\u202e\u0000<script>alert(1)</script>"),
    ("bytes", b"\x00\xff" * 1000),
]


@pytest.mark.parametrize("junk", [junk for _, junk in JUNK], ids=[f"{kind}-{len(junk)}" for kind, junk in JUNK])
def test_whatever_the_browser_sends_closes_the_socket(world, asgi_live_server, junk):
    member = world[rules.MEMBER]
    cookie = cookie_of(member)

    async def scenario():
        async with socket(asgi_live_server, live_path("alpha"), cookie) as page:
            await page.send(junk)
            with pytest.raises(ConnectionClosed) as closed:
                await asyncio.wait_for(page.recv(), 5)
            # The consumer's "read-only" code, or uvicorn's "message too big" (--ws-max-size).
            assert closed.value.rcvd.code in (consumers.CLOSE_READ_ONLY, 1009)

    run(scenario())
    assert opens(asgi_live_server, live_path("alpha"), cookie)  # the server is fine


@pytest.mark.parametrize(
    "path",
    [
        "/ws/o/alpha/live/extra/",
        "/ws/o/al%20pha/live/",
        "/ws/o/%3Cscript%3E/live/",
        "/ws/o//live/",
        "/ws/" + "a" * 5000,
        "/o/alpha/",
        "/ws/o/alpha/live/?x=" + "%00" * 100,
    ],
)
def test_a_path_that_is_no_route_is_refused_not_an_error(world, asgi_live_server, path, caplog):
    if path.startswith("/ws/o/alpha/live/?"):
        assert opens(asgi_live_server, path, cookie_of(world[rules.MEMBER]))  # a query string is ignored
    else:
        assert not opens(asgi_live_server, path, cookie_of(world[rules.MEMBER]))
    assert "Traceback" not in caplog.text and "Exception" not in caplog.text


def test_bad_cookies_are_refused_not_an_error(world, asgi_live_server, caplog):
    for cookie in ("", "x" * 200, "a;b=c", "sessionid=", "%00%ff"):
        assert not opens(asgi_live_server, live_path("alpha"), cookie)
    assert "Traceback" not in caplog.text


# --- An open socket closes when the session or the membership ends ----------------------------


def test_signing_out_elsewhere_closes_an_open_socket(world, asgi_live_server, monkeypatch):
    monkeypatch.setattr(consumers, "RECHECK_SECONDS", 0.1)  # checks every 1.1 s
    member = world[rules.MEMBER]
    client = Client()
    client.force_login(member.user)
    cookie = client.cookies["sessionid"].value

    async def scenario():
        async with socket(asgi_live_server, live_path("alpha"), cookie) as page:
            assert await nothing(page, timeout=1.5)  # checked at least once: still signed in
            await asyncio.to_thread(client.logout)
            with pytest.raises(ConnectionClosed) as closed:
                await asyncio.wait_for(page.recv(), 5)
            assert closed.value.rcvd.code == consumers.CLOSE_SIGNED_OUT

    run(scenario())


def test_the_recheck_says_how_long_a_socket_may_stay(world, settings):
    member = world[rules.MEMBER]
    cookie = cookie_of(member)
    assert consumers.session_still_live(cookie, member.user, "alpha") == consumers.RECHECK_SECONDS
    now = int(time.time())
    _age_session(cookie, _last_seen=now, _auth_started=now - settings.SESSION_ABSOLUTE_TIMEOUT + 30)
    assert 0 < consumers.session_still_live(cookie, member.user, "alpha") <= 30
    assert consumers.session_still_live(cookie, member.user, "bravo") == 0
    assert consumers.session_still_live(None, member.user, "alpha") == 0
    other = cookie_of(world[rules.MENTOR])
    assert consumers.session_still_live(other, member.user, "alpha") == 0  # someone else's session
    member.is_active = False
    member.save(update_fields=["is_active"])
    assert consumers.session_still_live(cookie, member.user, "alpha") == 0


# --- What the page is told ---------------------------------------------------------------


def test_a_page_served_through_asgi_offers_the_websocket_and_through_wsgi_polls(world):
    member = world[rules.MEMBER]
    wsgi = Client()
    wsgi.force_login(member.user)
    page = wsgi.get("/o/alpha/").content.decode()
    assert 'data-live-url="/ws/o/alpha/live/"' in page
    assert "data-live-websocket" not in page
    assert "js/live.js" in page

    asgi = AsyncClient()
    asgi.cookies = wsgi.cookies
    page = run(asgi.get("/o/alpha/")).content.decode()
    assert 'data-live-url="/ws/o/alpha/live/"' in page and 'data-live-websocket="on"' in page

    with override_settings(LIVE_WEBSOCKETS=True):  # behind nginx with the realtime service
        assert 'data-live-websocket="on"' in wsgi.get("/o/alpha/").content.decode()
    with override_settings(LIVE_WEBSOCKETS=False):  # polling only
        assert "data-live-websocket" not in run(asgi.get("/o/alpha/")).content.decode()


def test_pages_outside_an_organization_have_no_live_updates(world):
    client = Client()
    client.force_login(world[rules.MEMBER].user)
    page = client.get("/accounts/email/").content.decode()
    assert "data-live-url" not in page and "js/live.js" not in page


def test_a_pages_own_refresh_does_not_keep_an_idle_session_alive(world):
    client = Client()
    client.force_login(world[rules.MEMBER].user)
    client.get("/o/alpha/")
    cookie = client.cookies["sessionid"].value
    long_ago = int(time.time()) - 600
    _age_session(cookie, _last_seen=long_ago)

    assert client.get("/o/alpha/nav/badges/", headers={"X-Live-Refresh": "1"}).status_code == 200
    assert _session(cookie)["_last_seen"] == long_ago  # not the person's activity
    client.get("/o/alpha/nav/badges/")
    assert _session(cookie)["_last_seen"] > long_ago


def test_a_pages_own_refresh_after_the_idle_timeout_is_signed_out(world, settings):
    client = Client()
    client.force_login(world[rules.MEMBER].user)
    client.get("/o/alpha/")
    cookie = client.cookies["sessionid"].value
    _age_session(cookie, _last_seen=int(time.time()) - settings.SESSION_IDLE_TIMEOUT - 5)
    response = client.get("/o/alpha/nav/badges/", headers={"X-Live-Refresh": "1"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert SESSION_KEY not in _session(client.cookies["sessionid"].value)


def test_the_kernel_finds_each_apps_websocket_routes_by_name():
    patterns = realtime.websocket_urlpatterns()
    assert [str(p.pattern) for p in patterns] == ["ws/o/<slug:org_slug>/live/"]
    assert live_path("alpha") == "/ws/o/alpha/live/"
    assert "programs" in realtime.project_apps() and "allauth" not in realtime.project_apps()


# --- How it runs: make run, production, the settings -------------------------------------------


def _settings_with(**env) -> dict:
    """The live updates' settings a process with this environment gets (DEBUG on)."""
    import json
    import os
    import subprocess
    import sys

    from tests.test_settings import _TEST_ONLY, ROOT

    code = (
        "import json; from django.conf import settings as s; "
        "print(json.dumps([s.CHANNEL_LAYERS, s.LIVE_WEBSOCKETS, s.ASGI_APPLICATION]))"
    )
    environment = {k: v for k, v in os.environ.items() if k not in _TEST_ONLY and k != "REDIS_URL"}
    environment.update({"DEBUG": "1", "VAR_DIR": django_settings.VAR_DIR.as_posix(), **env})
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code], cwd=ROOT, env=environment, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    layers, websockets, asgi = json.loads(result.stdout.strip().splitlines()[-1])
    return {"layer": layers["default"], "websockets": websockets, "asgi": asgi}


@pytest.mark.django_db(transaction=False)
def test_make_run_has_the_in_memory_layer_and_production_the_redis_pub_sub_layer():
    local = _settings_with()
    assert local["layer"] == {"BACKEND": "channels.layers.InMemoryChannelLayer"}
    assert local["websockets"] is None and local["asgi"] == "mentorship.asgi.application"  # "auto"
    production = _settings_with(REDIS_URL="redis://redis:6379/0", LIVE_WEBSOCKETS="1", CHANNEL_LAYER_PREFIX="site2")
    assert production["layer"] == {
        "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
        "CONFIG": {"hosts": ["redis://redis:6379/0"], "prefix": "site2"},
    }
    assert production["websockets"] is True
    assert _settings_with(LIVE_WEBSOCKETS="0")["websockets"] is False


@pytest.mark.django_db(transaction=False)
def test_the_servers_and_nginx_serve_the_websockets():
    import yaml

    from tests.asgi_server import WS_MAX_SIZE
    from tests.test_settings import ROOT

    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    realtime_command = compose["services"]["realtime"]["command"]
    assert realtime_command[:2] == ["uvicorn", "mentorship.asgi:application"]
    assert realtime_command[realtime_command.index("--ws-max-size") + 1] == str(WS_MAX_SIZE)
    assert compose["services"]["realtime"]["environment"]["LIVE_WEBSOCKETS"] == "1"
    assert compose["services"]["web"]["environment"]["LIVE_WEBSOCKETS"] == "1"
    assert compose["services"]["nginx"]["depends_on"]["realtime"]["condition"] == "service_healthy"
    # make run: one uvicorn for the pages and the websockets (the in-memory layer is per process).
    web = next(line for line in (ROOT / "Procfile.dev").read_text().splitlines() if line.startswith("web:"))
    assert "uvicorn mentorship.asgi:application" in web and f"--ws-max-size {WS_MAX_SIZE}" in web
    conf = (ROOT / "deploy" / "nginx" / "mentorship.conf").read_text()
    block = conf[conf.index("location /ws/ {") : conf.index("}", conf.index("location /ws/ {"))]
    for line in (
        "proxy_pass http://realtime;",
        "proxy_http_version 1.1;",
        "proxy_set_header Upgrade $http_upgrade;",
        "proxy_set_header Connection $connection_upgrade;",
        "proxy_set_header Host $http_host;",
        "proxy_read_timeout 300s;",
    ):
        assert line in block
