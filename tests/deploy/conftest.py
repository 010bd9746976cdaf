"""The production topology (deploy/topology.py) and the browser that drives it through nginx.

These tests start docker-compose.yml's services as processes (web, worker, beat, nginx, an S3
server) against the PostgreSQL and Redis on loopback: minutes, not seconds, and nginx must be
installed. So they run only when asked for: ``pytest -m deploy`` (``make test-deploy``, a step
of .ci/run of its own); a plain ``pytest`` leaves them out.
"""

import json
import os
import re
import time

import pytest
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value, yield_hotp_counters_from_time
from playwright.sync_api import expect

from tests.browser.conftest import browser  # noqa: F401 — Debian's chromium, as in tests/browser
from tests.factories import PASSWORD

pytestmark = pytest.mark.deploy


def pytest_collection_modifyitems(config, items):
    mine = [item for item in items if "tests/deploy/" in str(item.fspath).replace(os.sep, "/")]
    for item in mine:
        item.add_marker(pytest.mark.deploy)
    if "deploy" in (config.getoption("markexpr") or ""):
        return
    if mine:
        config.hook.pytest_deselected(items=mine)
        items[:] = [item for item in items if item not in mine]


@pytest.fixture(scope="session")
def static_root(tmp_path_factory):
    """The image build's collectstatic output, made once for both topologies (same checkout)."""
    return tmp_path_factory.mktemp("staticfiles")


def seed_pair(topology) -> dict:
    out = topology.manage("shell", "-c", "from tests.deploy.seed import seed_pair; seed_pair()")
    return json.loads(out.strip().splitlines()[-1])


def totp_code(secret: str) -> str:
    counters = list(yield_hotp_counters_from_time())  # the current step is the middle one
    return format_hotp_value(hotp_value(secret, counters[len(counters) // 2]))


class Journey:
    """Browser contexts on the topology's https:// address; page errors are collected."""

    def __init__(self, chromium, topology):
        self.browser, self.topology, self.contexts, self.errors = chromium, topology, [], []

    def person(self):
        # The certificate is a throwaway one from deploy/topology.py's own CA.
        context = self.browser.new_context(
            base_url=self.topology.url,
            ignore_https_errors=True,
            accept_downloads=True,
            viewport={"width": 1280, "height": 900},
        )
        context.set_default_timeout(20_000)
        self.contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda exc: self.errors.append(f"{page.url}: {exc}"))
        return page

    def close(self):
        for context in self.contexts:
            context.close()


@pytest.fixture
def journey(browser, request):  # noqa: F811 — the fixture imported above
    topology = request.getfixturevalue("topology")
    started = Journey(browser, topology)
    yield started
    started.close()
    assert started.errors == []


def sign_in(page, email: str, *, totp_secret: str | None = None) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    if totp_secret:
        expect(page).to_have_url(re.compile(r"/accounts/2fa/authenticate/"))
        page.locator("input[name='code']").fill(totp_code(totp_secret))
        page.get_by_role("button", name="Sign In", exact=True).click()
    expect(page).not_to_have_url(re.compile(r"/accounts/(login|2fa)/"))


def open_agreement(page, seed) -> None:
    page.goto(f"/o/{seed['organization']}/mentorships/{seed['mentorship']}/")
    page.get_by_role("link", name=re.compile("Open the agreement")).click()


AGREEMENT_TEXTS = {
    "Goals": "Publish my first two papers as senior author; lead a quality improvement project.",
    "How success will be measured": "Two submissions by June; the project presented at grand rounds.",
    "Meeting schedule": "Quarterly video calls of an hour, in person at the society's annual meeting.",
    "Opportunities for learning": "Shadowing in the OR, introductions to journal editors.",
    "Confidentiality": "What we discuss stays between us unless we both agree otherwise.",
    "Ground rules": "Reply within a week; cancel at least two days ahead.",
    "Feedback and evaluation": "Five minutes at the end of each call on what helped.",
}


def write_draft(page) -> None:
    page.get_by_role("button", name="Start the agreement").click()
    for label, text in AGREEMENT_TEXTS.items():
        page.get_by_label(label).fill(text)
    page.get_by_role("button", name="Save the draft").click()
    expect(page.get_by_role("alert")).to_contain_text("Draft saved")


def sign_agreement(page, full_name: str) -> None:
    page.get_by_role("button", name="I agree to sign electronically").click()
    page.get_by_label(re.compile(r"^\s*Type your full name to sign\*?\s*$")).fill(full_name)
    page.get_by_label("I have read this agreement and I intend to sign it.").check()
    page.get_by_role("button", name=re.compile("^Sign version")).click()


def sealed_pdf_href(page, seed) -> str:
    """The program office's Agreements page, and its PDF link (the sealed PDF's address)."""
    page.goto(f"/o/{seed['organization']}/programs/{seed['program']}/")
    page.get_by_role("link", name="Agreements").click()
    link = page.get_by_role("link", name=re.compile("^PDF"))
    expect(link).to_have_count(1)
    return link.get_attribute("href")


def wait_for_pdf(page, href: str, timeout: float = 120) -> bytes:
    """Until the worker has sealed it: the address shows "being prepared" until then."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        response = page.request.get(href)
        if response.ok and response.headers.get("content-type", "").startswith("application/pdf"):
            return response.body()
        time.sleep(2)
    raise AssertionError(f"no sealed PDF at {href} after {timeout:.0f} s")
