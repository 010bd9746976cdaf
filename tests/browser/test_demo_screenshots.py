"""The demo as a newcomer sees it (issue 15, "a demo that looks alive"): ``seed_demo`` loads the
demo into the test database, then each role of the Western Surgical Society signs in with the
README's sign-in and the pages that show the year of history are photographed at 1280 px and
390 px: ``$TEST_ARTIFACTS_DIR/demo/<role>-<page>-<width>.png`` (default
``test-results/seed-journeys/demo/``). Each page is checked for the data it should show, and
every page visited is checked with axe-core (tests/browser/conftest.py)."""

import shutil
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from django_scopes import scopes_disabled
from playwright.sync_api import expect

from demo.common import DEMO_PASSWORD
from demo.seed import seed_demo
from matching.models import MatchRound, Proposal, ProposalStatus
from relationships.models import Mentorship
from tests.browser.journey_support import ARTIFACTS_ROOT, open_dashboard, sign_in

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.pdf]

FOLDER = ARTIFACTS_ROOT / "demo"
ORG = "western-surgical"
PEOPLE = {
    "coordinator": "coordinator@western-surgical.example.org",
    "committee": "committee.chair@western-surgical.example.org",
    "mentor": "mentor@western-surgical.example.org",
    "mentee": "mentee@western-surgical.example.org",
    "mentee-with-offer": "yusuf.gupta@western-surgical.example.org",
}


def _photograph(page, name: str) -> None:
    """The page at 1280 px, then on a phone (390 px, where nothing may scroll sideways)."""
    page.screenshot(path=str(FOLDER / f"{name}-1280.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.wait_for_timeout(100)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, name
    page.screenshot(path=str(FOLDER / f"{name}-390.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


def _seed() -> None:
    """``seed_demo`` in a thread of its own: it seals PDFs with pyHanko, which runs its own
    asyncio loop, and Playwright's loop is running in this one. The thread's connection
    reaches the same test database (as the live server's does) and is closed after."""

    def run():
        try:
            seed_demo()
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(run).result()


def _todo_list(page):
    return page.get_by_role("region", name="What needs you")


def test_each_role_of_the_demo_sees_a_year_of_history(make_page):
    shutil.rmtree(FOLDER, ignore_errors=True)
    FOLDER.mkdir(parents=True, exist_ok=True)
    _seed()
    with scopes_disabled():
        from programs.models import Organization

        organization = Organization.objects.get(slug=ORG)
        pair = Mentorship.objects.select_related("mentor__user", "mentee__user", "program").get(
            mentor__user__email=PEOPLE["mentor"], mentee__user__email=PEOPLE["mentee"], status="active"
        )
        running = MatchRound.objects.filter(program=pair.program).order_by("-created_at").first()
        proposed = Proposal.objects.filter(match_round=running, status=ProposalStatus.PROPOSED).select_related(
            "mentor__user", "mentee__user"
        )
        first_proposed = proposed.first()
        offer = Proposal.objects.select_related("mentor__user").get(
            mentee__user__email=PEOPLE["mentee-with-offer"], status=ProposalStatus.OFFERED
        )
    base = f"/o/{ORG}"

    def signed_in(role):
        page = make_page()
        sign_in(page, PEOPLE[role], DEMO_PASSWORD)
        open_dashboard(page, organization)
        expect(_todo_list(page)).to_be_visible()
        return page

    # The coordinator: the dashboard, the program's health and the match round under review.
    page = signed_in("coordinator")
    expect(page.locator("main")).to_contain_text("Mentorship Program")
    _photograph(page, "coordinator-dashboard")
    page.goto(f"{base}/health/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Program health")
    expect(page.get_by_role("heading", name="Pairings by stage")).to_be_visible()
    expect(page.get_by_role("heading", name="Survey satisfaction")).to_be_visible()
    expect(page.get_by_role("heading", name="Reminders sent")).to_be_visible()
    expect(page.locator("main")).to_contain_text("Action planning")
    _photograph(page, "coordinator-health")
    page.goto(f"{base}/programs/{pair.program.slug}/rounds/{running.pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Match round")
    expect(page.locator("#round-status")).to_have_text("Sent for review")
    expect(page.locator("main")).to_contain_text(first_proposed.mentee.user.full_name)
    expect(page.locator("main")).to_contain_text("awaiting the committee")
    _photograph(page, "coordinator-match-round")

    # A committee member: pairings of the running round wait for their vote.
    page = signed_in("committee")
    expect(_todo_list(page)).to_contain_text("proposed pairing")
    _photograph(page, "committee-dashboard")

    # The mentor: an active relationship with a year of meetings, and its page.
    page = signed_in("mentor")
    expect(page.locator("main")).to_contain_text("Diego Alvarez")
    expect(_todo_list(page)).to_contain_text("meeting that took place")
    _photograph(page, "mentor-dashboard")
    page.goto(f"{base}/mentorships/{pair.pk}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Catherine Moreau")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Diego Alvarez")
    expect(page.locator("#mentorship-status")).to_have_text("Active")
    expect(page.locator("main")).to_contain_text(pair.get_stage_display())
    expect(page.locator("main")).to_contain_text("Proposed by the program")
    _photograph(page, "mentor-relationship")

    # The mentee: the same relationship from the other side.
    page = signed_in("mentee")
    expect(page.locator("main")).to_contain_text("Catherine Moreau")
    _photograph(page, "mentee-dashboard")

    # A mentee with an offer to answer: the mentor has accepted already.
    page = signed_in("mentee-with-offer")
    _photograph(page, "mentee-with-offer-dashboard")
    page.goto(f"{base}/offers/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Proposed pairings")
    expect(page.get_by_role("heading", name=f"Be mentored by {offer.mentor.user.full_name}")).to_be_visible()
    _photograph(page, "mentee-offer")
