"""Journey (issue 15, "what needs me, everywhere"): a committee member in one organization
signs in and lands on its dashboard; the navigation's badge says how much waits for them,
on the dashboard and on any other page; the "Committee review" item leads to the pairings
waiting for their vote; and a step of the getting-started checklist is ticked once done."""

import re

import pytest
from django_scopes import scopes_disabled
from playwright.sync_api import expect

from matching.models import Proposal, ProposalStatus
from programs.models import ProgramModel
from tests.factories import PASSWORD, MembershipFactory, OrganizationFactory, ProgramFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_badge_committee_item_and_a_ticked_onboarding_step(make_page):
    society = OrganizationFactory(name="Western Surgical Society", slug="western")
    program = ProgramFactory(
        organization=society, name="Surgeons Mentoring Surgeons", slug="surgeons", model=ProgramModel.COMMITTEE
    )
    helen = MembershipFactory(organization=society, is_committee=True, user__full_name="Helen Okafor")
    with scopes_disabled():
        for _ in range(2):
            Proposal.objects.create(
                organization=society,
                program=program,
                mentor=MembershipFactory(organization=society),
                mentee=MembershipFactory(organization=society),
                status=ProposalStatus.PROPOSED,
            )

    page = make_page()
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(helen.user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()

    # One organization: she lands on its dashboard, and the navigation counts what waits.
    expect(page).to_have_url(re.compile(r"/o/western/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Western Surgical Society")
    menu = page.get_by_role("navigation", name="Main navigation")
    expect(menu.get_by_role("link", name="Dashboard (2 things need you)")).to_be_visible()
    committee = menu.get_by_role("link", name="Committee review (2 proposed pairings need your vote)")
    expect(committee).to_be_visible()
    checklist = page.get_by_role("region", name="Getting started")
    expect(checklist.locator('[data-step="time_zone"]')).to_have_attribute("data-done", "no")

    # On another page the counts arrive once it has loaded.
    menu.get_by_role("link", name="Programs").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Programs")
    expect(menu).to_have_attribute("data-badges", "loaded")
    expect(menu.get_by_role("link", name="Dashboard (2 things need you)")).to_be_visible()

    # The committee item opens the review page, filtered to what needs her vote.
    committee.click()
    expect(page).to_have_url(re.compile(r"/o/western/programs/surgeons/review/\?needs=me$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Pairings awaiting the committee")

    # A step of the checklist: set the time zone, and the dashboard ticks it.
    menu.get_by_role("link", name=re.compile(r"^Dashboard")).click()
    checklist.get_by_role("link", name="Choose your time zone").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Profile and time zone")
    page.get_by_label("Time zone").select_option("America/Chicago")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("alert")).to_contain_text("Your profile was saved.")
    menu.get_by_role("button", name="Organizations").click()  # an account page: no organization
    menu.get_by_role("link", name="Western Surgical Society").click()
    expect(checklist.locator('[data-step="time_zone"]')).to_have_attribute("data-done", "yes")
    expect(checklist.locator('[data-step="time_zone"]')).to_contain_text("Done:")
    expect(checklist.locator('[data-step="profile"]')).to_have_attribute("data-done", "no")
    # "All my organizations" still shows the list.
    menu.get_by_role("button", name="Western Surgical Society").click()
    menu.get_by_role("link", name="All my organizations").click()
    expect(page.get_by_role("heading", name="My organizations")).to_be_visible()
    expect(page.locator('[data-pending="western"]')).to_contain_text("2 things need you")
