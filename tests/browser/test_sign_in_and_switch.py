"""Journey: sign in, see "My organizations", switch organization, sign out."""

import re

import pytest
from playwright.sync_api import expect

from tests.factories import PASSWORD, MembershipFactory, OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_sign_in_see_my_organizations_switch_and_sign_out(page):
    person = UserFactory(email="sam@example.org", full_name="Sam Rivera")
    society = OrganizationFactory(name="Western Surgical Society", slug="western")
    department = OrganizationFactory(name="Department of Anesthesiology", slug="anesthesiology")
    MembershipFactory(user=person, organization=society, is_coordinator=True)
    MembershipFactory(user=person, organization=department, status="faculty")
    MembershipFactory(organization=OrganizationFactory(name="Someone Else's Network", slug="other"))

    page.goto("/")
    page.get_by_role("link", name="Sign in").first.click()
    page.get_by_label("Email").fill("sam@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()

    expect(page.get_by_role("heading", name="My organizations")).to_be_visible()
    cards = page.locator("#my-organizations")
    expect(cards.get_by_role("link", name="Western Surgical Society")).to_be_visible()
    expect(cards.get_by_role("link", name="Department of Anesthesiology")).to_be_visible()
    expect(page.get_by_text("Someone Else's Network")).to_have_count(0)

    cards.get_by_role("link", name="Western Surgical Society").click()
    expect(page).to_have_url(re.compile(r"/o/western/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Western Surgical Society")
    # A coordinator's navigation shows coordinator pages.
    expect(page.get_by_role("link", name="Invitations")).to_be_visible()

    switcher = page.locator("#org-switcher")
    switcher.get_by_role("button").click()
    switcher.get_by_role("link", name="Department of Anesthesiology").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Department of Anesthesiology")
    # Plain faculty there: no coordinator pages in the navigation.
    expect(page.get_by_role("link", name="Invitations")).to_have_count(0)
    expect(page.locator("#org-switcher").get_by_role("button")).to_have_text("Department of Anesthesiology")

    page.locator("#account-menu").get_by_role("button").click()
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("link", name="Sign in").first).to_be_visible()
    page.goto("/o/western/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/o/western/$"))
