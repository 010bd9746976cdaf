"""Journeys of issue 20: a coordinator registers a webhook, sends a ping to a receiver on
loopback and reads its delivery log; a member makes a calendar link, a calendar fetches it,
the member resets it and the old link stops working."""

import re
import urllib.error
import urllib.request
from datetime import timedelta

import pytest
from django.utils import timezone
from django_scopes import scopes_disabled
from icalendar import Calendar
from playwright.sync_api import expect

from relationships.models import Meeting
from tests.browser.journey_support import sign_in
from tests.factories import MembershipFactory, OrganizationFactory, dana_and_nia
from tests.integrations.support import Receiver

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_coordinator_registers_a_webhook_pings_it_and_reads_the_log(make_page, settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = True  # the receiver is on loopback, as in development
    settings.WEBHOOKS_REQUIRE_HTTPS = False
    org = OrganizationFactory(name="Western Surgical Society", slug="western")
    coordinator = MembershipFactory(organization=org, is_coordinator=True, user__full_name="Maria Santos")
    with Receiver(body="received, thank you") as receiver:
        page = make_page()
        sign_in(page, coordinator.user.email)
        page.goto("/o/western/settings/")
        page.get_by_role("link", name="Webhooks").click()
        expect(page.get_by_role("heading", name="Webhooks", exact=True)).to_be_visible()
        page.get_by_role("link", name="Add a webhook").click()
        page.get_by_label(re.compile(r"^\s*URL")).fill(receiver.url)
        page.get_by_label("A relationship starts").check()
        page.get_by_label("An agreement is signed by both").check()
        page.get_by_role("button", name="Add webhook").click()
        secret = page.locator("#webhook-secret").inner_text().strip()
        assert secret.startswith("whsec_")
        receiver.secret = secret  # the receiver checks every signature with it
        page.get_by_role("button", name="Send a ping").click()
        expect(page.get_by_role("heading", name="Delivery log")).to_be_visible()
        page.reload()
        row = page.locator("[data-delivery]").first
        expect(row).to_contain_text("ping")
        expect(row).to_contain_text("Succeeded")
        expect(row).to_contain_text("HTTP 200")
        expect(row).to_contain_text("received, thank you")
        assert len(receiver.requests) == 1 and receiver.requests[0]["valid"]
        # The secret was shown once only.
        page.goto("/o/western/settings/webhooks/")
        expect(page.locator("#webhook-secret")).to_have_count(0)


def _fetch(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 (the test's live server)
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, b""


def test_a_member_makes_a_calendar_link_fetches_it_and_resets_it(make_page, live_server):
    org = OrganizationFactory(name="Western Surgical Society", slug="western")
    pair = dana_and_nia(org, program={"slug": "society"})
    with scopes_disabled():
        meeting = Meeting.objects.create(
            organization=org,
            mentorship=pair,
            starts_at=timezone.now() + timedelta(days=3),
            location="https://video.example/room",
            agenda="PRIVATE AGENDA",
        )
    page = make_page()
    sign_in(page, pair.mentee.user.email)
    page.goto("/accounts/profile/")
    page.get_by_role("link", name="Calendar link").click()
    page.get_by_role("button", name="Make my calendar link").click()
    first = page.locator("#calendar-url").inner_text().strip()
    assert first.startswith(live_server.url) and first.endswith(".ics")
    status, body = _fetch(first)
    assert status == 200
    events = Calendar.from_ical(body).walk("VEVENT")
    assert [str(e["UID"]) for e in events] == [str(meeting.uid)] and b"PRIVATE AGENDA" not in body
    page.get_by_role("button", name="Reset link").click()
    second = page.locator("#calendar-url").inner_text().strip()
    assert second != first
    assert _fetch(first)[0] == 404
    assert _fetch(second)[0] == 200
    page.get_by_role("button", name="Turn off").click()
    expect(page.get_by_role("button", name="Make my calendar link")).to_be_visible()
    assert _fetch(second)[0] == 404
