"""Journey: a coordinator uploads a roster with an error, fixes it, confirms, and the invitations exist."""

import re

import pytest
from django.core import mail
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

    expect(page.get_by_role("alert")).to_contain_text("Roster imported: 2 invitations sent, 1 member updated.")
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
