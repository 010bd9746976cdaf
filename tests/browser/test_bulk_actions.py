"""Journey (issue 15, "Bulk work"): a coordinator selects several applications, accepts
them with one message and reads the summary with the rows updated; then decides one row
in place (htmx) without the page reloading. Likewise on the invitations page: paste
several addresses, then revoke one row in place."""

import re

import pytest
from django.core import mail
from django.utils import timezone
from django_scopes import scopes_disabled
from playwright.sync_api import expect

from programs.models import Application, ApplicationStatus, Invitation, InvitationStatus
from tests.browser.journey_support import sign_in as _sign_in
from tests.factories import ApplicationFactory, MembershipFactory, OrganizationFactory, ProgramFactory

pytestmark = pytest.mark.django_db(transaction=True)

S = ApplicationStatus


def _statuses() -> dict[str, str]:
    with scopes_disabled():
        return {a.membership.user.full_name: a.status for a in Application.objects.select_related("membership__user")}


def test_a_coordinator_accepts_several_applications_with_one_message_then_one_row_in_place(
    make_page, live_server, settings
):
    settings.SITE_URL = live_server.url
    society = OrganizationFactory(name="Western Surgical Society", slug="western")
    program = ProgramFactory(organization=society, name="Surgeons Mentoring Surgeons", slug="sms")
    coordinator = MembershipFactory(organization=society, is_coordinator=True, user__full_name="Dana Whitfield")
    for name, status in [
        ("Nia Mensah", S.ELIGIBLE),
        ("Omar Haddad", S.ELIGIBLE),
        ("Ines Duarte", S.ELIGIBLE),
        ("Priya Natarajan", S.ELIGIBLE),
        ("Sam Lee", S.ACCEPTED),
    ]:
        ApplicationFactory(
            program=program,
            membership__user__full_name=name,
            status=status,
            eligible=True,
            submitted_at=timezone.now(),
        )

    page = make_page()
    _sign_in(page, coordinator.user.email)
    page.goto("/o/western/programs/sms/applications/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Applications to Surgeons Mentoring Surgeons")

    # Select all on this page, then leave Omar out.
    page.get_by_label("Select all on this page").check()
    for name in ("Nia Mensah", "Omar Haddad", "Ines Duarte", "Priya Natarajan", "Sam Lee"):
        expect(page.get_by_label(f"Select {name}")).to_be_checked()
    page.get_by_label("Select Omar Haddad").uncheck()
    expect(page.get_by_label("Select all on this page")).not_to_be_checked()

    page.get_by_label("Decision for the selected applications").select_option(label="Accept")
    page.get_by_label("Message to the applicants").fill("Welcome to the program! Orientation is on Monday.")
    page.get_by_role("button", name="Apply to selected").click()

    expect(page.get_by_role("alert")).to_contain_text(
        "3 accepted; 1 skipped: already accepted (Sam Lee). Each applicant has been emailed."
    )
    rows = page.locator("tbody tr")
    for name in ("Nia Mensah", "Ines Duarte", "Priya Natarajan", "Sam Lee"):
        expect(rows.filter(has_text=name).locator("[data-status]")).to_have_text("Accepted")
    expect(rows.filter(has_text="Omar Haddad").locator("[data-status]")).to_have_text("Eligible")
    assert len(mail.outbox) == 3
    assert all("Orientation is on Monday." in m.body for m in mail.outbox)

    # One row in place: the page does not reload (the marker survives), the row changes
    # and the outcome is announced.
    page.evaluate("window.__bulkMarker = 'still here'")
    omar = rows.filter(has_text="Omar Haddad")
    omar.get_by_role("button", name="Waitlist Omar Haddad").click()
    expect(omar.locator("[data-status]")).to_have_text("Waitlisted")
    expect(page.locator("#inline-status")).to_contain_text("Omar Haddad is waitlisted. They have been emailed.")
    expect(omar.get_by_role("button", name="Waitlist Omar Haddad")).to_have_count(0)
    expect(omar.get_by_role("button", name="Accept Omar Haddad")).to_be_focused()  # keyboard users keep their place
    assert page.evaluate("window.__bulkMarker") == "still here"
    assert _statuses()["Omar Haddad"] == S.WAITLISTED
    assert len(mail.outbox) == 4


def test_a_coordinator_invites_several_people_at_once_and_revokes_one_in_place(make_page, live_server, settings):
    settings.SITE_URL = live_server.url
    society = OrganizationFactory(name="Western Surgical Society", slug="western")
    coordinator = MembershipFactory(organization=society, is_coordinator=True, user__full_name="Dana Whitfield")
    member = MembershipFactory(organization=society, user__email="already@example.org")

    page = make_page()
    _sign_in(page, coordinator.user.email)
    page.goto("/o/western/invitations/")
    page.get_by_label("Email addresses").fill(f"ada@example.org, ben@example.org\n{member.user.email}\nnot-an-address")
    page.get_by_label("Member status").select_option("candidate")
    page.get_by_label("Personal message").fill("Join us for the spring cohort.")
    page.get_by_role("button", name="Send invitations").click()

    alerts = page.get_by_role("alert")
    expect(alerts.first).to_contain_text("Invitations sent to 2 people: ada@example.org, ben@example.org.")
    expect(alerts.filter(has_text="already@example.org is already a member")).to_have_count(1)
    expect(alerts.filter(has_text="not-an-address is not a valid email address")).to_have_count(1)
    assert sorted(m.to[0] for m in mail.outbox) == ["ada@example.org", "ben@example.org"]

    page.evaluate("window.__bulkMarker = 'still here'")
    ada = page.locator("tbody tr").filter(has_text="ada@example.org")
    ada.get_by_role("button", name="Revoke invitation to ada@example.org").click()
    expect(ada.get_by_text("Revoked", exact=True)).to_be_visible()
    expect(page.locator("#inline-status")).to_contain_text("Invitation to ada@example.org revoked.")
    assert page.evaluate("window.__bulkMarker") == "still here"
    with scopes_disabled():
        assert Invitation.objects.get(email="ada@example.org").status == InvitationStatus.REVOKED

    # Resend the selected one still pending, the whole page (no JavaScript needed).
    page.get_by_label("Select the invitation to ben@example.org").check()
    page.get_by_role("button", name="Resend selected").click()
    expect(page.get_by_role("alert")).to_contain_text(re.compile(r"Sent again to 1 person: ben@example\.org\."))
    assert [m.to[0] for m in mail.outbox].count("ben@example.org") == 2
