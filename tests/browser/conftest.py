"""Playwright driving Debian's chromium (never a downloaded browser)."""

import os
import shutil

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


@pytest.fixture
def make_page(browser, live_server):
    """Open a page in a fresh browser context (a separate person); any JavaScript error or
    Content-Security-Policy violation on any page it visits fails the test."""
    contexts, errors = [], []

    def _make(**context_options):
        context = browser.new_context(
            base_url=live_server.url, viewport={"width": 1280, "height": 900}, **context_options
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda exc: errors.append(f"{page.url}: {exc}"))
        page.on("console", lambda msg: errors.append(f"{page.url}: {msg.text}") if msg.type == "error" else None)
        return page

    yield _make
    for context in contexts:
        context.close()
    assert errors == []


@pytest.fixture
def page(make_page):
    return make_page()
