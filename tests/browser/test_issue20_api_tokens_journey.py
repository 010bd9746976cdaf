"""Journey: a coordinator opens Settings → API tokens, makes a token with two scopes, sees
its secret once, uses it (requests from the test against the live server), revokes it, and
it stops working. The API's browsable docs load from the site itself."""

import json
import urllib.error
import urllib.request

import pytest
from playwright.sync_api import expect

from tests.browser.journey_support import sign_in
from tests.factories import MembershipFactory, OrganizationFactory, ProgramFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _api(base: str, path: str, secret: str) -> tuple[int, dict]:
    request = urllib.request.Request(base + path, headers={"Authorization": f"Bearer {secret}"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 — the live test server
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_a_coordinator_makes_uses_and_revokes_an_api_token(make_page, live_server):
    org = OrganizationFactory(name="Western Surgical Society", slug="western")
    coordinator = MembershipFactory(organization=org, is_coordinator=True, user__full_name="Maria Santos")
    ProgramFactory(organization=org, name="Surgical Mentoring", slug="surgical")

    page = make_page()
    sign_in(page, coordinator.user.email)
    page.goto("/o/western/settings/")
    page.get_by_role("link", name="Manage API tokens").click()
    expect(page.get_by_role("heading", name="API tokens")).to_be_visible()
    expect(page.get_by_text("No tokens yet.")).to_be_visible()
    page.get_by_role("link", name="New token").click()
    page.get_by_label("Name").fill("Data warehouse")
    page.get_by_label("Programs: read").check()
    page.get_by_label("Members: write").check()
    page.get_by_role("button", name="Make the token").click()

    expect(page.get_by_text("this is the only time it is shown")).to_be_visible()
    secret = page.get_by_label("Token").input_value()
    assert secret.startswith("mtk_")

    status, body = _api(live_server.url, "/api/v1/programs", secret)
    assert status == 200 and [row["name"] for row in body["items"]] == ["Surgical Mentoring"]
    status, body = _api(live_server.url, "/api/v1/members", secret)
    assert status == 200 and [row["name"] for row in body["items"]] == ["Maria Santos"]
    status, body = _api(live_server.url, "/api/v1/relationships", secret)
    assert status == 403 and "relationships:read" in body["detail"]

    page.get_by_role("link", name="Done").click()
    row = page.get_by_role("row").filter(has_text="Data warehouse")
    expect(row).to_contain_text("Active")
    expect(page.get_by_text(secret)).to_have_count(0)  # never shown again
    row.get_by_role("button", name="Revoke").click()
    expect(page.get_by_text("is revoked: it no longer works")).to_be_visible()
    expect(page.get_by_role("row").filter(has_text="Data warehouse")).to_contain_text("Revoked")

    status, body = _api(live_server.url, "/api/v1/programs", secret)
    assert status == 401


def test_the_api_docs_load_from_the_site_itself(make_page, live_server):
    page = make_page()
    page.goto("/api/v1/docs")
    expect(page.get_by_role("heading", name="Mentorship API")).to_be_visible()
    page.get_by_role("link", name="GET /api/v1/members", exact=True).click()
    expect(page.get_by_role("heading", name="GET /api/v1/members", exact=True)).to_be_in_viewport()
    page.get_by_role("link", name="MemberPage").first.click()
    expect(page.get_by_role("heading", name="MemberPage", exact=True)).to_be_in_viewport()
