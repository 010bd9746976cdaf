"""Journeys through the lists that scale (issue 15): a coordinator sorts the members by a
column (a first click ascending, a second descending), moves to page 2 by its number with
the order kept, searches the organization, and the program form shows only the settings
of the chosen matching model."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.factories import PASSWORD, MembershipFactory, MentorshipFactory, OrganizationFactory, ProgramFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _sign_in(page, email):
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    # Wherever the sign-in lands (the organizations or the one organization's dashboard).
    expect(page).not_to_have_url(re.compile(r"/accounts/login/"))
    expect(page.get_by_role("heading", level=1)).to_be_visible()


@pytest.fixture
def society():
    society = OrganizationFactory(name="Western Surgical Society", slug="western")
    coordinator = MembershipFactory(
        organization=society,
        is_coordinator=True,
        user__full_name="Carol Coordinator",
        user__email="zz-carol@example.org",
    )
    for i in range(55):  # two pages of 50
        MembershipFactory(organization=society, user__full_name=f"Member {i:02d}", user__email=f"m{i:02d}@example.org")
    program = ProgramFactory(organization=society, name="Surgeons Mentoring Surgeons", slug="sms")
    MentorshipFactory(
        program=program,
        mentor__user__full_name="Dana Whitfield",
        mentee__user__full_name="Nia Mensah",
        started_on=timezone.localdate(),
    )
    return society, coordinator


def test_sort_by_a_column_twice_then_page_two(make_page, society):
    _org, coordinator = society
    page = make_page()
    _sign_in(page, coordinator.user.email)
    page.goto("/o/western/members/")
    table = page.locator("table")
    # By name (the default) first.
    expect(table.locator("th[aria-sort='ascending']")).to_contain_text("Name")

    page.get_by_role("link", name=re.compile(r"^Email")).click()
    expect(table.locator("th[aria-sort='ascending']")).to_contain_text("Email")
    expect(table.locator("tbody tr").first).to_contain_text("m00@example.org")
    assert "sort=email" in page.url

    page.get_by_role("link", name=re.compile(r"^Email")).click()
    expect(table.locator("th[aria-sort='descending']")).to_contain_text("Email")
    expect(table.locator("tbody tr").first).to_contain_text("zz-carol@example.org")
    assert "sort=-email" in page.url

    pages = page.get_by_role("navigation", name="Pages")
    expect(pages.get_by_role("link", name=re.compile(r"^Previous"))).to_have_count(0)
    pages.get_by_role("link", name=re.compile(r"^Next")).click()
    pages = page.get_by_role("navigation", name="Pages")
    expect(pages.get_by_role("link", name=re.compile(r"^Next"))).to_have_count(0)  # the last page
    expect(pages.get_by_role("link", name=re.compile(r"^Previous"))).to_have_count(1)
    assert "sort=-email" in page.url and "after=" in page.url
    # Descending by email, page 2 holds the smallest addresses: m05 … m00 last.
    expect(page.locator("table tbody tr").last).to_contain_text("m00@example.org")
    # 58 people (the 55, the coordinator and the pair): 8 on page 2.
    expect(page.locator("table tbody tr")).to_have_count(8)


def test_search_the_organization(make_page, society):
    _org, coordinator = society
    page = make_page()
    _sign_in(page, coordinator.user.email)
    page.goto("/o/western/search/")
    page.get_by_label("People, programs and relationships").fill("whitfield")
    page.get_by_role("button", name="Search").click()
    results = page.locator("#search-results")
    expect(results.get_by_role("heading", name=re.compile("People"))).to_be_visible()
    expect(results.locator("#search-people")).to_contain_text("Dana Whitfield")
    results.locator("#search-relationships").get_by_role("link", name=re.compile("Dana Whitfield")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Dana Whitfield")


def test_the_program_form_shows_the_chosen_models_settings(make_page, society):
    _org, coordinator = society
    page = make_page()
    _sign_in(page, coordinator.user.email)
    page.goto("/o/western/programs/new/")
    model = page.locator("select[name='model']")
    committee_rule = page.locator("#div_id_committee_rule")
    open_requests = page.locator("#div_id_max_open_requests")
    answer_days = page.locator("#div_id_request_response_days")

    model.select_option("committee")
    expect(committee_rule).to_be_visible()
    expect(open_requests).to_be_hidden()
    expect(answer_days).to_be_hidden()

    model.select_option("self_select")
    expect(committee_rule).to_be_hidden()
    expect(open_requests).to_be_visible()
    expect(answer_days).to_be_visible()

    model.select_option("hubs")
    expect(committee_rule).to_be_hidden()
    expect(open_requests).to_be_hidden()
    expect(page.locator("#div_id_name")).to_be_visible()
