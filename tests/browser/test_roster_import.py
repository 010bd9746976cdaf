"""Journey: a coordinator uploads a roster with an error, fixes it, confirms, and the invitations exist."""

import re
from contextlib import contextmanager
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from django_scopes import scope
from playwright.sync_api import expect

from programs.models import Invitation, Profile
from tests.browser.journey_support import sign_in as _sign_in
from tests.factories import PASSWORD, MembershipFactory, OrganizationFactory

pytestmark = pytest.mark.django_db(transaction=True)

HEADER = "email,full_name,member_status,specialty,year_started_practice\n"


def _csv(name: str, text: str) -> dict:
    return {"name": name, "mimeType": "text/csv", "buffer": text.encode("utf-8")}


def test_coordinator_fixes_a_roster_and_imports_it(make_page):
    society = OrganizationFactory(name="Western Surgical Society", slug="western")
    coordinator = MembershipFactory(organization=society, is_coordinator=True, user__full_name="Dana Whitfield")
    member = MembershipFactory(organization=society, user__email="sam.rivera@example.org", user__full_name="Sam Rivera")

    page = make_page()
    _sign_in(page, coordinator.user.email, PASSWORD)
    expect(page.get_by_role("link", name="Western Surgical Society")).to_be_visible()
    page.goto("/o/western/members/import/")
    expect(page.get_by_role("heading", name="Import members")).to_be_visible()
    expect(page.get_by_text("No imports yet.")).to_be_visible()

    rows = (
        "nia.mensah@example.org,Nia Mensah,Candidate member,General surgery,2019\n"
        "omar.haddad@example.org,Omar Haddad,member,Urology,20015\n"
        "sam.rivera@example.org,,faculty,Oncology,2008\n"
    )
    page.get_by_label("Roster file").set_input_files(_csv("roster.csv", HEADER + rows))
    page.get_by_role("button", name="Upload and preview").click()

    expect(page.get_by_role("heading", name="Import of roster.csv")).to_be_visible()
    expect(page.locator("#roster-summary")).to_contain_text("1 to invite, 1 to update, 1 error")
    expect(
        page.get_by_text(re.compile(r"Year started practice “20015” must be a year between 1940 and"))
    ).to_be_visible()
    confirm = page.get_by_role("button", name="Confirm import")
    expect(confirm).to_be_disabled()
    expect(page.get_by_text("This file cannot be imported yet.")).to_be_visible()

    page.get_by_role("link", name="Upload a corrected file").click()
    page.get_by_label("Roster file").set_input_files(_csv("roster-fixed.csv", HEADER + rows.replace("20015", "2015")))
    page.get_by_role("button", name="Upload and preview").click()

    expect(page.get_by_role("heading", name="Import of roster-fixed.csv")).to_be_visible()
    expect(page.locator("#roster-summary")).to_contain_text("2 to invite, 1 to update, 0 errors")
    expect(page.get_by_role("row", name=re.compile(r"sam\.rivera@example\.org"))).to_contain_text("Update")
    expect(page.get_by_role("row", name=re.compile(r"sam\.rivera@example\.org"))).to_contain_text(
        "Member status: Member → Faculty"
    )
    page.get_by_role("button", name="Confirm import").click()

    expect(page.locator("#roster-outcome")).to_have_text("Roster imported: 2 invitations sent, 1 member updated.")
    expect(page.get_by_text("Applied on")).to_be_visible()
    expect(page.get_by_role("button", name="Confirm import")).to_have_count(0)

    page.goto("/o/western/members/import/")
    expect(page.get_by_role("row", name=re.compile(r"roster-fixed\.csv"))).to_contain_text("Applied")
    expect(page.get_by_role("row", name=re.compile(r"^roster\.csv "))).to_contain_text("Previewed")

    with scope(organization=society):
        invitations = {inv.email: inv for inv in Invitation.objects.all()}
        member.refresh_from_db()
        profile = Profile.objects.get(membership=member)
    assert set(invitations) == {"nia.mensah@example.org", "omar.haddad@example.org"}
    assert invitations["nia.mensah@example.org"].member_status == "candidate"
    assert invitations["omar.haddad@example.org"].profile_data == {
        "specialty": "Urology",
        "year_started_practice": 2015,
    }
    assert member.status == "faculty" and profile.specialty == "Oncology"
    assert sorted(message.to[0] for message in mail.outbox) == ["nia.mensah@example.org", "omar.haddad@example.org"]


@contextmanager
def _worker_started_later():
    """Celery as in production for this journey: tasks go to the broker, and a real worker
    (a thread) is started only when the test says, so the progress bar is seen waiting."""
    from celery.contrib.testing.worker import start_worker

    from mentorship.celery import app

    app.conf.task_always_eager = False
    app.control.purge()

    @contextmanager
    def start():
        with start_worker(app, pool="solo", concurrency=1, perform_ping_check=False, shutdown_timeout=30):
            yield

    try:
        yield start
    finally:
        app.conf.task_always_eager = True


def test_a_large_roster_is_paged_confirmed_and_imported_with_a_progress_bar(make_page):
    # Past its first month, so 119 invitations fit its daily limit.
    society = OrganizationFactory(
        name="Western Surgical Society", slug="western", created_at=timezone.now() - timedelta(days=60)
    )
    coordinator = MembershipFactory(organization=society, is_coordinator=True, user__full_name="Dana Whitfield")
    MembershipFactory(organization=society, user__email="sam.rivera@example.org", user__full_name="Sam Rivera")
    rows = "sam.rivera@example.org,,faculty,Oncology,2008\n" + "".join(
        f"roster{i:03d}@western.example.org,Person {i:03d},member,Urology,2012\n" for i in range(119)
    )

    page = make_page()
    _sign_in(page, coordinator.user.email, PASSWORD)
    expect(page.get_by_role("link", name="Western Surgical Society")).to_be_visible()
    page.goto("/o/western/members/import/")
    page.get_by_label("Roster file").set_input_files(_csv("big-roster.csv", HEADER + rows))
    page.get_by_role("button", name="Upload and preview").click()

    expect(page.get_by_role("heading", name="Import of big-roster.csv")).to_be_visible()
    expect(page.locator("#roster-summary")).to_contain_text("119 to invite, 1 to update, 0 errors")
    expect(page.locator("#roster-page-info")).to_have_text("Rows 1–50 of 120.")
    expect(page.locator("#roster-rows tbody tr")).to_have_count(50)
    page.get_by_role("link", name="Page 3, the last").click()
    expect(page.locator("#roster-page-info")).to_have_text("Rows 101–120 of 120.")
    expect(page.get_by_role("row", name=re.compile(r"roster118@western\.example\.org"))).to_contain_text("Invite")
    page.get_by_role("link", name="Previous page").click()
    expect(page.locator("#roster-page-info")).to_have_text("Rows 51–100 of 120.")

    with _worker_started_later() as start_worker:
        page.get_by_role("button", name="Confirm import").click()
        progress = page.get_by_role("progressbar")
        expect(progress).to_be_visible()
        expect(progress).to_have_attribute("aria-valuenow", "0")
        expect(page.get_by_text("Waiting for the worker to start the import…")).to_be_visible()
        expect(page.get_by_role("button", name="Confirm import")).to_have_count(0)
        with start_worker():
            # htmx polls the progress; when the task has ended the page reloads with the result.
            expect(page.locator("#roster-outcome")).to_have_text(
                "Roster imported: 119 invitations sent, 1 member updated.", timeout=30_000
            )
            expect(page.get_by_role("progressbar")).to_have_count(0)
            expect(page.get_by_text("Applied on")).to_be_visible()

    page.goto("/o/western/invitations/")
    expect(page.get_by_role("table", name=re.compile("Invitations sent"))).to_contain_text(
        re.compile(r"roster\d{3}@western\.example\.org")
    )
    page.goto("/o/western/members/")
    expect(page.get_by_role("row", name=re.compile("Sam Rivera"))).to_contain_text("Faculty")
    with scope(organization=society):
        assert Invitation.objects.count() == 119
        assert Profile.objects.get(membership__user__email="sam.rivera@example.org").specialty == "Oncology"
