"""Playwright driving Debian's chromium (never a downloaded browser)."""

import os
import shutil
from contextlib import contextmanager

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
# CI sets REQUIRE_BROWSER=1 so a missing chromium fails instead of skipping.
REQUIRE_BROWSER = os.environ.get("REQUIRE_BROWSER") == "1"


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/browser/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser():
    if not (os.path.exists(CHROMIUM) or shutil.which(CHROMIUM)):
        if REQUIRE_BROWSER:
            pytest.fail(f"chromium not found at {CHROMIUM} (install Debian's chromium package)")
        pytest.skip(f"chromium not found at {CHROMIUM}; install Debian's chromium to run browser tests")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


def _console_error(page, msg, errors: list) -> None:
    """A console error fails the test, except the page itself answered 400: that is how a
    refused form comes back (its messages on the form), not an error in the page."""
    if msg.type != "error":
        return
    refused_form = "status of 400" in msg.text and (msg.location or {}).get("url") == page.url
    if not refused_form:
        errors.append(f"{page.url}: {msg.text}")


# axe-core's impacts that fail a journey (issue 15: WCAG AA on every page a journey visits).
AXE_FAILING_IMPACTS = {"serious", "critical"}


def _visited_html(page, visited: dict) -> None:
    """Remember each HTML page the person was served (main frame, 200), in order."""

    def on_response(response):
        request = response.request
        if (
            request.resource_type == "document"
            and request.frame == page.main_frame
            and response.status == 200
            and "text/html" in (response.headers.get("content-type") or "")
        ):
            visited.setdefault(response.url, None)

    page.on("response", on_response)


def axe_violations(context, urls) -> list[str]:
    """Open each page again as the same person (same session) and run axe-core on it: every
    serious or critical violation, as "rule (impact) on URL: target"."""
    from axe_playwright_python.sync_playwright import Axe

    axe, found = Axe(), []
    page = context.new_page()
    for url in urls:
        response = page.goto(url)
        if (
            response is None
            or response.status != 200
            or "text/html" not in (response.headers.get("content-type") or "")
        ):
            continue
        results = axe.run(page, options={"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21aa"]}})
        for violation in results.response["violations"]:
            if violation["impact"] in AXE_FAILING_IMPACTS:
                targets = ", ".join(str(node["target"]) for node in violation["nodes"][:3])
                found.append(f"{violation['id']} ({violation['impact']}) on {url}: {targets}")
    return found


@contextmanager
def page_maker(browser, base_url: str):
    """Open pages in fresh browser contexts (each a separate person) on ``base_url``; any
    JavaScript error or Content-Security-Policy violation on any page visited fails the test,
    and so does any serious or critical axe-core finding on the HTML pages it was served
    (checked at the end, as the same person)."""
    contexts, errors, visited = [], [], {}

    def _make(**context_options):
        options = {"base_url": base_url, "viewport": {"width": 1280, "height": 900}, **context_options}
        context = browser.new_context(**options)
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda exc: errors.append(f"{page.url}: {exc}"))
        page.on("console", lambda msg: _console_error(page, msg, errors))
        _visited_html(page, visited.setdefault(context, {}))
        return page

    yield _make
    accessibility = []
    for context in contexts:
        if os.environ.get("AXE", "1") != "0":
            accessibility += axe_violations(context, list(visited.get(context, {})))
        context.close()
    assert errors == []
    assert accessibility == [], "axe-core, serious or critical:\n" + "\n".join(accessibility)


@pytest.fixture
def make_page(browser, live_server):
    """Pages of the WSGI test server (pytest-django's ``live_server``): see ``page_maker``."""
    with page_maker(browser, live_server.url) as make:
        yield make


@pytest.fixture
def make_asgi_page(browser, asgi_live_server):
    """Pages of the ASGI test server (tests/conftest.py ``asgi_live_server``: pages and
    websockets, as `make run` serves them): see ``page_maker``."""
    with page_maker(browser, asgi_live_server.url) as make:
        yield make


@pytest.fixture
def page(make_page):
    return make_page()
