"""Journey: a coordinator invites by email; the invitee follows the link, signs up and joins."""

import re

import pytest
from django.core import mail
from django_scopes import scopes_disabled
from playwright.sync_api import expect

from programs.models import Membership
from tests.browser.journey_support import sign_in as _sign_in
from tests.factories import PASSWORD, MembershipFactory, OrganizationFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_coordinator_invites_and_the_invitee_signs_up_and_joins(make_page, live_server, settings):
    settings.SITE_URL = live_server.url
    society = OrganizationFactory(name="Western Surgical Society", slug="western")
    coordinator = MembershipFactory(organization=society, is_coordinator=True, user__full_name="Dana Whitfield")

    page = make_page()
    _sign_in(page, coordinator.user.email, PASSWORD)
    page.get_by_role("link", name="Western Surgical Society").click()
    page.get_by_role("link", name="Invitations").click()
    page.get_by_label("Email address").fill("nia.mensah@example.org")
    page.get_by_label("Member status").select_option("candidate")
    page.get_by_label("Personal message").fill("We'd love to have you in the program.")
    page.get_by_role("button", name="Send invitation").click()
    expect(page.get_by_role("alert")).to_contain_text("Invitation sent to nia.mensah@example.org")
    expect(page.get_by_role("cell", name=re.compile(r"^nia\.mensah@example\.org"))).to_be_visible()

    assert len(mail.outbox) == 1
    link = re.search(r"http://\S+/invitations/\S+/", mail.outbox[0].body).group(0)

    page = make_page()  # the invitee, in a browser of their own
    page.goto(link)
    expect(page.get_by_role("heading", name="Join Western Surgical Society")).to_be_visible()
    expect(page.get_by_text("We'd love to have you in the program.")).to_be_visible()
    page.get_by_role("link", name="Create an account").click()
    expect(page.get_by_label("Email")).to_have_value("nia.mensah@example.org")
    page.get_by_label("Full name").fill("Nia Mensah")
    page.get_by_label(re.compile(r"^\s*Password\*?\s*$")).fill("a-long-enough-password")
    page.get_by_label("Password (again)").fill("a-long-enough-password")
    page.get_by_role("button", name="Sign Up").click()

    page.get_by_role("button", name="Accept invitation").click()
    expect(page.get_by_role("alert")).to_contain_text("Welcome to Western Surgical Society")
    expect(page.get_by_role("heading", level=1)).to_have_text("Western Surgical Society")
    expect(page.get_by_text("Member status: Candidate member")).to_be_visible()

    with scopes_disabled():
        membership = Membership.objects.get(user__email="nia.mensah@example.org")
    assert membership.organization == society and membership.status == "candidate"
    # No verification email: following the invitation link proved the address.
    assert len(mail.outbox) == 1
