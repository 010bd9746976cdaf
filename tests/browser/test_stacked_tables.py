"""Wide tables on a phone (issue 15): at 390 px every list reads as one card per row, each
value led by its column's name, and nothing scrolls sideways; at 1280 px it is a table.
The cells keep table semantics for screen readers (explicit roles)."""

import pytest
from playwright.sync_api import expect

from tests.browser.journey_support import sign_in
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def office():
    organization = OrganizationFactory(name="Lakeshore Alumni Network", slug="lakeshore")
    coordinator = MembershipFactory(
        organization=organization,
        user=UserFactory(email="cora@example.org", full_name="Cora Coordinator"),
        is_coordinator=True,
    )
    for n in range(4):
        MembershipFactory(
            organization=organization,
            user=UserFactory(email=f"member{n}@example.org", full_name=f"Member Number {n}"),
        )
    return coordinator


def _first_cell(page):
    return page.locator("table.table-stack tbody tr").first.locator("td").first


def test_the_member_list_stacks_into_cards_on_a_phone(make_page, office):
    page = make_page()
    sign_in(page, "cora@example.org")
    page.goto("/o/lakeshore/members/")
    table = page.locator("table.table-stack").first
    expect(table).to_have_attribute("role", "table")
    cell = _first_cell(page)
    label = cell.get_attribute("data-label")
    assert label, "each cell is labelled with its column's header"
    headers = [h.strip() for h in table.locator("thead th").all_inner_texts()]
    assert headers[0].startswith(label)
    assert "sort" not in label and "▲" not in label, "the label is the header as seen, not its screen-reader hints"
    assert cell.evaluate("c => getComputedStyle(c).display") == "table-cell"
    assert page.get_by_role("row").count() >= 5

    page.set_viewport_size({"width": 390, "height": 844})
    assert cell.evaluate("c => getComputedStyle(c).display") == "block"
    assert cell.evaluate("c => getComputedStyle(c, '::before').content").strip('"') == label
    expect(page.get_by_role("cell", name="Member Number 3").first).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    # Still a table to assistive technology: rows and cells by role.
    assert page.get_by_role("row").count() >= 5
    assert page.get_by_role("cell").count() >= 4
