"""Journey: a coordinator finds a member by typing part of their name, chooses them with the
keyboard and adds them as a hub mentor; the page never lists every member."""

import re

import pytest
from django_scopes import scopes_disabled
from playwright.sync_api import expect

from programs.models import HubMentor, ProgramModel
from tests.browser.journey_support import sign_in
from tests.factories import (
    PASSWORD,
    AffinityGroupFactory,
    HubFactory,
    MembershipFactory,
    OrganizationFactory,
    ProgramFactory,
)

pytestmark = pytest.mark.django_db(transaction=True)


def test_coordinator_searches_for_a_member_and_adds_them_as_hub_mentor(page):
    department = OrganizationFactory(name="Lakeshore Anesthesiology", slug="lakeshore")
    coordinator = MembershipFactory(organization=department, is_coordinator=True, user__full_name="Marisol Vega")
    for i in range(40):
        MembershipFactory(organization=department, user__full_name=f"Resident {i:02d} Park")
    chloe = MembershipFactory(
        organization=department, user__full_name="Chloe Agarwal", user__email="chloe.agarwal@lakeshore.example.org"
    )
    program = ProgramFactory(organization=department, name="Faculty Hubs", slug="faculty", model=ProgramModel.HUBS)
    group = AffinityGroupFactory(program=program, name="Clinical research")
    hub = HubFactory(affinity_group=group, name="Airway innovation")

    sign_in(page, coordinator.user.email, PASSWORD)
    expect(page.get_by_role("link", name="Lakeshore Anesthesiology")).to_be_visible()
    page.goto(f"/o/lakeshore/programs/faculty/hubs/{hub.pk}/")
    expect(page.get_by_role("heading", name="Add a mentor")).to_be_visible()
    expect(page.get_by_role("radio")).to_have_count(0)  # nobody listed before a search

    search = page.get_by_label("Find a member by name or email")
    search.fill("park")
    expect(page.locator("#mentor-results-count")).to_contain_text("(the first 20; type more to narrow the search)")
    expect(page.get_by_role("radio")).to_have_count(20)

    search.fill("agar")
    expect(page.get_by_role("radio")).to_have_count(1)
    expect(page.locator("#mentor-results-count")).to_have_text("1 member matches “agar”. Choose one:")
    # Keyboard only: from the search field to the result, chosen with the space bar.
    search.focus()
    page.keyboard.press("Tab")  # the Search button
    page.keyboard.press("Tab")  # the first result
    expect(page.get_by_role("radio", name=re.compile("Chloe Agarwal"))).to_be_focused()
    page.keyboard.press("Space")
    expect(page.get_by_role("radio", name=re.compile("Chloe Agarwal"))).to_be_checked()
    page.get_by_label("Capacity").fill("2")
    page.get_by_role("button", name="Add mentor").click()

    expect(page.get_by_role("alert")).to_contain_text("Added Chloe Agarwal as a mentor in Airway innovation.")
    expect(page.get_by_role("row", name=re.compile("Chloe Agarwal"))).to_be_visible()
    with scopes_disabled():
        assert HubMentor.objects.get(hub=hub).membership == chloe
