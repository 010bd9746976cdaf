"""Journeys (issue 20): a member downloads their data from the emailed link after watching
it being prepared; a member asks to be erased, the coordinator confirms, and the member's
name is gone from the coordinator's pages; a coordinator sets a retention period and an
inactive member is given notice first."""

import json
import re
import zipfile
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from django_scopes import scopes_disabled
from playwright.sync_api import expect

from privacy.models import DataExport, PrivacySettings, RetentionNotice
from privacy.services import exports, retention
from tests.browser.journey_support import sign_in
from tests.factories import PASSWORD, MembershipFactory, OrganizationFactory, ProfileFactory

pytestmark = pytest.mark.django_db(transaction=True)


class _Later:
    """Stands for the worker: the task is queued, and the test runs it when it chooses."""

    def __init__(self):
        self.queued = []

    def __call__(self, name):
        return self

    def delay(self, *args):
        self.queued.append(args)


def test_a_member_downloads_their_data_from_the_emailed_link(make_page, live_server, monkeypatch):
    org = OrganizationFactory(name="Western Surgical Society", slug="western")
    member = MembershipFactory(organization=org, user__full_name="Nia Mensah", user__email="nia@example.org")
    with scopes_disabled():
        ProfileFactory(membership=member, bio="Trained in Accra, general surgery.")
    worker = _Later()
    monkeypatch.setattr(exports, "registered_task", worker)

    page = make_page()
    sign_in(page, member.user.email, PASSWORD)
    page.goto("/accounts/profile/")
    page.get_by_role("link", name="Your data: download it or ask to be erased").click()
    expect(page.get_by_role("heading", name="Your data", exact=True)).to_be_visible()
    page.get_by_role("button", name="Download my data").click()
    expect(page.get_by_text("Waiting for the worker to start")).to_be_visible()
    expect(page.get_by_role("progressbar")).to_be_visible()

    (export_id,) = worker.queued[0]
    mail.outbox.clear()
    exports.run_export(export_id)  # the worker runs; the page, polling, shows the result
    expect(page.get_by_text("Your data is ready. We emailed you the download link.")).to_be_visible()
    expect(page.locator("#export-list")).to_contain_text("Ready")

    (email,) = [m for m in mail.outbox if m.to == ["nia@example.org"]]
    link = re.search(r"/profile/privacy/exports/\d+/download/[^\s/]+/", email.body).group(0)
    with page.expect_download() as download_info:
        page.evaluate("url => { window.location.href = url; }", link)
    path = download_info.value.path()
    with zipfile.ZipFile(path) as archive:
        data = json.loads(archive.read("data.json"))
    assert data["account"]["account"][0]["full_name"] == "Nia Mensah"
    assert data["organizations"]["western"]["profile"][0]["bio"] == "Trained in Accra, general surgery."
    assert DataExport.objects.get(pk=export_id).size == path.stat().st_size


def test_a_member_is_erased_after_the_coordinator_confirms(make_page):
    org = OrganizationFactory(name="Western Surgical Society", slug="western")
    coordinator = MembershipFactory(organization=org, is_coordinator=True, user__full_name="Dana Whitfield")
    member = MembershipFactory(organization=org, user__full_name="Omar Haddad", user__email="omar@example.org")

    page = make_page()
    sign_in(page, member.user.email, PASSWORD)
    page.goto("/profile/privacy/")
    page.get_by_role("button", name="Ask to be erased").click()
    expect(page.get_by_text("Type your email address to confirm.")).to_be_visible()
    page.get_by_label("Type your email address to confirm").fill("omar@example.org")
    page.get_by_role("button", name="Ask to be erased").click()
    expect(page.get_by_text("Your request was sent to 1 organization.")).to_be_visible()
    expect(page.locator("#erasure-requests")).to_contain_text("Western Surgical Society: Waiting for a coordinator")

    office = make_page()
    sign_in(office, coordinator.user.email, PASSWORD)
    office.goto("/o/western/")
    office.get_by_role("link", name="Answer 1 request to be erased").click()
    expect(office.get_by_role("heading", name="Requests to be erased")).to_be_visible()
    office.get_by_role("link", name="Omar Haddad").click()
    office.get_by_label("Confirm and erase").check()
    office.get_by_role("button", name="Send the answer").click()
    expect(office.get_by_text("The person was erased from this organization.")).to_be_visible()
    expect(office.locator("#answered-requests")).to_contain_text("Erased")
    expect(office.locator("main")).not_to_contain_text("Omar Haddad")
    office.goto("/o/western/members/")
    expect(office.locator("main")).not_to_contain_text("Omar Haddad")
    expect(office.locator("main")).not_to_contain_text("omar@example.org")

    page.goto("/profile/privacy/")  # the member's session has ended
    expect(page).to_have_url(re.compile(r"/accounts/login/"))


def test_a_sole_coordinator_confirms_their_own_request(make_page):
    org = OrganizationFactory(name="Western Surgical Society", slug="western")
    solo = MembershipFactory(
        organization=org, is_coordinator=True, user__full_name="Dana Whitfield", user__email="dana@example.org"
    )

    page = make_page()
    sign_in(page, solo.user.email, PASSWORD)
    page.goto("/profile/privacy/")
    page.get_by_label("Type your email address to confirm").fill("dana@example.org")
    page.get_by_role("button", name="Ask to be erased").click()
    expect(page.get_by_text("Your request was sent to 1 organization.")).to_be_visible()
    page.goto("/o/western/privacy/requests/")
    page.get_by_role("link", name="Dana Whitfield").click()
    expect(page.locator("#own-request")).to_contain_text("you are the only coordinator")
    page.get_by_label("Confirm and erase").check()
    page.get_by_role("button", name="Send the answer").click()
    expect(page.get_by_text("type your email address exactly")).to_be_visible()
    page.get_by_label("Confirm and erase").check()
    page.get_by_label("Type your email address to confirm").fill("dana@example.org")
    page.get_by_role("button", name="Send the answer").click()
    expect(page.get_by_role("heading", name="Your account was erased")).to_be_visible()
    solo.user.refresh_from_db()
    assert solo.user.email == f"erased-{solo.user_id}@invalid.example" and not solo.user.is_active


def test_a_coordinator_sets_a_retention_period_and_an_inactive_member_gets_notice_first(
    make_page, django_capture_on_commit_callbacks
):
    org = OrganizationFactory(name="Western Surgical Society", slug="western")
    coordinator = MembershipFactory(organization=org, is_coordinator=True)
    joined = timezone.now() - timedelta(days=800)  # relative to today: browser tests keep the real clock
    quiet = MembershipFactory(organization=org, user__email="quiet@example.org", joined_at=joined)
    quiet.user.last_login = joined
    quiet.user.save()

    office = make_page()
    sign_in(office, coordinator.user.email, PASSWORD)
    office.goto("/o/western/settings/")
    office.get_by_role("link", name="Retention period").click()
    office.get_by_label("Retention period (months)").fill("12")
    office.get_by_label("Notice (days)").fill("30")
    office.get_by_role("button", name="Save").click()
    with scopes_disabled():
        kept = PrivacySettings.objects.get(organization=org)
    assert (kept.retention_months, kept.notice_days) == (12, 30)

    # The nightly scan (privacy.retention_scan) gives notice before anything is anonymized.
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert retention.scan()["noticed"] == 1
    assert [m.to for m in mail.outbox] == [["quiet@example.org"]]
    with scopes_disabled():
        assert RetentionNotice.objects.get(membership=quiet).erased_at is None
    quiet.user.refresh_from_db()
    assert quiet.user.is_active
