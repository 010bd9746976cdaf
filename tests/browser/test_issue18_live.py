"""Issue 18, live updates in the browser (static/js/live.js): served as `make run` serves the
pages (ASGI: pages and websockets from one server, tests/asgi_server.py) the page opens its
websocket and refreshes what an event names; served by the WSGI test server (no websockets,
as gunicorn alone) it polls, and never tries a websocket (no error in the console)."""

from urllib.parse import urlsplit

from django.test import Client
from playwright.sync_api import expect

from tests.factories import MembershipFactory, OrganizationFactory

# A stand-in for the conversation page's message list (the integrator's): an element that
# counts the "live-refresh" events it is sent.
LISTEN = """([id, poll]) => {
  const list = document.createElement("div");
  list.id = "list-" + id;
  list.setAttribute("data-live-conversation", String(id));
  if (poll) list.setAttribute("data-live-poll", String(poll));
  list.dataset.refreshed = "0";
  list.addEventListener("live-refresh", () => { list.dataset.refreshed = String(Number(list.dataset.refreshed) + 1); });
  document.querySelector("main").appendChild(list);
}"""


def signed_in(make, base_url: str, membership):
    client = Client()
    client.force_login(membership.user)
    page = make()
    host = urlsplit(base_url).hostname
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "domain": host, "path": "/"}]
    )
    return page


def test_served_through_asgi_the_page_hears_its_events_over_the_websocket(make_asgi_page, asgi_live_server):
    org = OrganizationFactory(name="Alpha Surgical Society", slug="alpha")
    member = MembershipFactory(organization=org)
    other = MembershipFactory(organization=org)
    page = signed_in(make_asgi_page, asgi_live_server.url, member)
    page.goto("/o/alpha/")
    expect(page.locator("html")).to_have_attribute("data-live", "websocket")
    nav = page.locator("nav[data-badges-url]")
    expect(nav).to_have_attribute("data-badges", "rendered")  # the dashboard: counts in the page
    page.evaluate(LISTEN, [12, None])
    page.evaluate(LISTEN, [13, None])

    asgi_live_server.publish([member.pk], {"event": "conversation", "conversation": 12})
    expect(page.locator("#list-12")).to_have_attribute("data-refreshed", "1")
    asgi_live_server.publish([member.pk], {"event": "notifications"})
    expect(nav).to_have_attribute("data-badges-loads", "1")  # the nav's counts asked again
    asgi_live_server.publish([other.pk], {"event": "conversation", "conversation": 13})  # someone else's
    asgi_live_server.publish([member.pk], {"event": "conversation", "conversation": 12})
    expect(page.locator("#list-12")).to_have_attribute("data-refreshed", "2")
    assert page.locator("#list-13").get_attribute("data-refreshed") == "0"
    assert page.evaluate("document.body.dataset.liveWebsocket") == "on"


def test_served_through_wsgi_the_page_polls_without_an_error(make_page, live_server):
    org = OrganizationFactory(name="Alpha Surgical Society", slug="alpha")
    member = MembershipFactory(organization=org)
    page = signed_in(make_page, live_server.url, member)
    page.goto("/o/alpha/")
    expect(page.locator("html")).to_have_attribute("data-live", "polling")
    assert page.evaluate("document.body.dataset.liveWebsocket") is None
    page.evaluate(LISTEN, [12, 1])  # polled every second (5 s by default)
    expect(page.locator("#list-12")).not_to_have_attribute("data-refreshed", "0", timeout=5_000)
    # make_page fails the test on any console error (a refused websocket would log one).


def test_a_dropped_socket_falls_back_to_polling_and_comes_back(make_asgi_page, asgi_live_server, monkeypatch):
    from programs import consumers

    org = OrganizationFactory(name="Alpha Surgical Society", slug="alpha")
    member = MembershipFactory(organization=org)
    checks = []

    def first_check_fails(session_key, user, org_slug):
        checks.append(org_slug)
        return 0 if len(checks) == 1 else 60  # the server drops the first socket (a restart, a network change)

    monkeypatch.setattr(consumers, "session_still_live", first_check_fails)
    page = signed_in(make_asgi_page, asgi_live_server.url, member)
    page.add_init_script(
        """new MutationObserver(() => {
             const seen = (window.liveModes = window.liveModes || []);
             const mode = document.documentElement.dataset.live;
             if (mode && seen[seen.length - 1] !== mode) seen.push(mode);
           }).observe(document, { attributes: true, subtree: true, attributeFilter: ["data-live"] });"""
    )
    page.goto("/o/alpha/")
    nav = page.locator("nav[data-badges-url]")
    # Open, dropped (polling meanwhile), open again about a second later, and what it may
    # have missed asked for once (the nav's counts).
    expect(nav).to_have_attribute("data-badges-loads", "1", timeout=10_000)
    expect(page.locator("html")).to_have_attribute("data-live", "websocket")
    assert page.evaluate("window.liveModes") == ["polling", "websocket", "polling", "websocket"]
    assert len(checks) == 2
    asgi_live_server.publish([member.pk], {"event": "notifications"})
    expect(nav).to_have_attribute("data-badges-loads", "2")
